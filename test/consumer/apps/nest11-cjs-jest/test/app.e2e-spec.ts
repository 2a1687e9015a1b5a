import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SingapayCustomerNotFoundException, SingapayException, SingapayService } from 'nestjs-singapay';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES, singapayTestCustomerId } from 'nestjs-singapay/simulator';
import { AppModule } from './../src/app.module';

describe('nestjs-singapay in a Nest 11 CommonJS app (Jest)', () => {
  let sim: SingapaySimulator;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    sim = await SingapaySimulator.start({ settleDelayMs: 50 });
    process.env.SINGAPAY_BASE_URL = sim.baseUrl;
    process.env.SINGAPAY_API_KEY = sim.credentials.apiKey;
    process.env.SINGAPAY_CLIENT_ID = sim.credentials.clientId;
    process.env.SINGAPAY_CLIENT_SECRET = sim.credentials.clientSecret;
    process.env.SINGAPAY_PASSWORD = sim.credentials.password;
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await sim?.stop();
  });

  it('loads the CommonJS build', () => {
    expect(require.resolve('nestjs-singapay')).toMatch(/lib\/cjs\/singapay\/src\/index\.js$/);
    expect(require.resolve('nestjs-singapay/simulator')).toMatch(/lib\/cjs\//);
  });

  it('pays a bill through the app, against the packaged simulator', async () => {
    const example = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pdam;
    const before = sim.balance;
    const response = await fetch(`${url}/bills/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'order-nest11-1' },
      body: JSON.stringify({ command: 'pdam', productCode: example.productCode, customerId: example.customerId }),
    });
    expect(response.status).toBe(201);
    const paid = await response.json();
    expect(paid.status).toBe('success');
    expect(sim.ledger().applied).toBe(1);
    expect(before - sim.balance).toBe(paid.price);
  });

  it("raises the package's own exception classes", async () => {
    const singapay = app.get(SingapayService);
    const missing = singapayTestCustomerId('pdam', 'customerNotFound');
    const error = await singapay.inquiry({ command: 'pdam', productCode: 'SPPAMJYA', customerId: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SingapayCustomerNotFoundException);
    expect(error).toBeInstanceOf(SingapayException);
  });
});
