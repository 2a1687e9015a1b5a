import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SingapayCustomerNotFoundException, SingapayException, SingapayService } from 'nestjs-singapay';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES, singapayTestCustomerId } from 'nestjs-singapay/simulator';
import { AppModule } from '../src/app.module.js';

describe('nestjs-singapay in a Nest 12 ESM app (Vitest)', () => {
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

  it('pays a bill through the app, against the packaged simulator', async () => {
    const example = SINGAPAY_TEST_CUSTOMER_EXAMPLES.plnpos;
    const before = sim.balance;
    const response = await fetch(`${url}/bills/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'order-esm-1' },
      body: JSON.stringify({ command: 'plnpos', productCode: example.productCode, customerId: example.customerId }),
    });
    expect(response.status).toBe(201);
    const paid = (await response.json()) as { status: string; transactionId: string; price: number };
    expect(paid.status).toBe('success');
    expect(sim.ledger().applied).toBe(1);
    expect(before - sim.balance).toBe(paid.price);
    const balance = (await (await fetch(`${url}/bills/balance`)).json()) as { balance: number };
    expect(balance.balance).toBe(sim.balance);
  });

  it("raises the package's own exception classes", async () => {
    const singapay = app.get(SingapayService);
    const missing = singapayTestCustomerId('plnpos', 'customerNotFound');
    const error = await singapay.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SingapayCustomerNotFoundException);
    expect(error).toBeInstanceOf(SingapayException);
  });
});
