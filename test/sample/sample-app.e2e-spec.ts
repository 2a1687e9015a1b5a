import request from 'supertest';
import { Logger } from '@nestjs/common';
import { SINGAPAY_ENV_VARS, SingapayCallbackReceiver } from '@app/singapay';
import { createSampleApp, type SampleApp } from '../../apps/sample/src/sample-bootstrap.js';
import { capturedLogLines } from '../support/log-capture.js';
import { clearSingapayEnv, SAMPLE_KEY, startSampleOnSimulator } from '../support/sample-testing.js';

const clearEnv = clearSingapayEnv;

describe('sample app on the built-in simulator (supertest)', () => {
  let sample: SampleApp;
  let http: ReturnType<typeof request.agent>;
  let anonymous: ReturnType<typeof request>;

  beforeAll(async () => {
    ({ sample } = await startSampleOnSimulator());
    // Every API route takes the key; the agent sends it, `anonymous` does not.
    http = request.agent(sample.app.getHttpServer()).set('X-Api-Key', SAMPLE_KEY);
    anonymous = request(sample.app.getHttpServer());
  });
  afterAll(async () => {
    await sample.close();
    clearEnv();
  });

  it('says in its log that it runs on the simulator', () => {
    expect(sample.simulator).toBeDefined();
    expect(capturedLogLines.some((l) => l.includes('using the built-in Singapay simulator at http://127.0.0.1:'))).toBe(true);
    expect(capturedLogLines.some((l) => l.includes(`The API takes X-Api-Key: ${SAMPLE_KEY}`))).toBe(true);
  });

  it('GET /balance answers the deposit', async () => {
    const res = await http.get('/balance').expect(200);
    expect(res.body).toMatchObject({ balance: 10_000_000, currency: 'IDR' });
  });

  it('inquires, pays, and shows the transaction', async () => {
    const inquiry = await http
      .post('/bills/inquiry')
      .send({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064' })
      .expect(200);
    expect(inquiry.body).toMatchObject({ customerName: 'NARSONO', amount: 151005, price: 152505 });

    const pay = { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064', referenceNumber: inquiry.body.referenceNumber };
    const paid = await http.post('/bills/pay').send(pay).expect(200);
    expect(paid.body).toMatchObject({ status: 'success', price: 152505 });
    expect(sample.simulator!.paymentsFor({ referenceNumber: pay.referenceNumber })).toBe(1);

    // Paying the same reference again returns the recorded payment: nothing is sent twice.
    const again = await http.post('/bills/pay').send(pay).expect(200);
    expect(again.body).toMatchObject({ status: 'success', transactionId: paid.body.transactionId });
    expect(sample.simulator!.paymentsFor({ referenceNumber: pay.referenceNumber })).toBe(1);

    const detail = await http.get(`/transactions/${paid.body.transactionId}`).expect(200);
    expect(detail.body).toMatchObject({ transactionId: paid.body.transactionId, status: 'success' });

    const list = await http.get('/transactions').query({ customerId: '146300068064', page: '1' }).expect(200);
    expect(list.body.items.map((t: { transactionId: string }) => t.transactionId)).toContain(paid.body.transactionId);
    expect(list.body.pagination).toMatchObject({ currentPage: 1 });
  });

  it('answers 400 naming the field, and sends nothing, for bad input', async () => {
    const before = sample.simulator!.stats().paymentsReceived;
    const missing = await http
      .post('/bills/pay')
      .send({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064' })
      .expect(400);
    expect(JSON.stringify(missing.body.message)).toContain('referenceNumber is required');
    const extra = await http
      .post('/bills/pay')
      .send({ command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '081234567891', password: 'x' })
      .expect(400);
    expect(JSON.stringify(extra.body.message)).toContain('password');
    // A direct purchase has no referenceNumber to key it: without an order id, a retry would buy twice.
    const unkeyed = await http
      .post('/bills/pay')
      .send({ command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '081234567891' })
      .expect(400);
    expect(JSON.stringify(unkeyed.body.message)).toContain('Idempotency-Key header (or idempotencyKey) is required for a direct purchase');
    const period = await http.get('/transactions').query({ page: 'two' }).expect(400);
    expect(JSON.stringify(period.body.message)).toContain('page');
    await http.get('/transactions/..%2Fetc').expect(400);
    expect(sample.simulator!.stats().paymentsReceived).toBe(before);
  });

  it('pays once per Idempotency-Key, follows it at /payments/:key, and learns the settlement from the callback', async () => {
    const sim = sample.simulator!;
    const body = { command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '081234567001' };
    const first = await http.post('/bills/pay').set('Idempotency-Key', 'order-1001').send(body).expect(202);
    expect(first.body).toMatchObject({ status: 'pending', idempotencyKey: 'order-1001' });
    const again = await http.post('/bills/pay').set('Idempotency-Key', 'order-1001').send(body).expect(202);
    expect(again.body.transactionId).toBe(first.body.transactionId);
    expect(sim.paymentsFor({ customerId: body.customerId })).toBe(1);

    const conflict = await http
      .post('/bills/pay')
      .set('Idempotency-Key', 'order-1001')
      .send({ ...body, productCode: 'SPTKMSF2G30', command: 'data' })
      .expect(409);
    expect(conflict.body.singapay.type).toBe('idempotency_conflict');
    expect(sim.paymentsFor({ customerId: body.customerId })).toBe(1);

    expect((await http.get('/payments/order-1001').expect(200)).body).toMatchObject({ state: 'pending', sendCount: 1 });
    sim.settleAll();
    await sim.flushCallbacks();
    await sample.app.get(SingapayCallbackReceiver).drain();
    expect((await http.get('/payments/order-1001').expect(200)).body).toMatchObject({
      state: 'success',
      transactionId: first.body.transactionId,
    });
    await http.get('/payments/no-such-order').expect(404);
  });

  it('takes a payment only with the API key, and only as JSON: an HTML form cannot pay', async () => {
    const paymentsBefore = sample.simulator!.stats().paymentsReceived;
    const pay = { command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '081234567891' };
    expect((await anonymous.post('/bills/pay').set('Idempotency-Key', 'guarded-1').send(pay)).status).toBe(401);
    expect((await anonymous.post('/bills/pay').set('X-Api-Key', 'wrong').set('Idempotency-Key', 'guarded-2').send(pay)).status).toBe(401);
    // What shows payments, transactions and the deposit takes the key too; health and the docs do not.
    for (const path of ['/balance', '/transactions', '/payments/guarded-1']) expect((await anonymous.get(path)).status).toBe(401);
    for (const path of ['/health', '/docs-json']) expect((await anonymous.get(path)).status).toBe(200);
    const form = await http.post('/bills/pay').type('form').send('command=pulsa&productCode=SPTLKMAS10&customerId=081234567891');
    expect(form.status).toBe(415);
    expect(
      (await http.post('/bills/inquiry').type('form').send('command=plnpos&productCode=SPPLNPOS&customerId=146300068064')).status,
    ).toBe(415);
    expect(sample.simulator!.stats().paymentsReceived).toBe(paymentsBefore);
  });

  it('answers 404 for an unknown transaction', async () => {
    const res = await http.get('/transactions/01JWX2F2DZC68TC94XMNBJCC3H').expect(404);
    expect(res.body.singapay).toEqual({ code: '06', type: 'not_found' });
  });
});

describe('sample app with partial credentials', () => {
  afterEach(clearEnv);

  it('does not start the simulator and refuses to start, naming what is missing', async () => {
    clearEnv();
    process.env[SINGAPAY_ENV_VARS.apiKey] = 'only-the-key';
    await expect(createSampleApp(new Logger('Sample'))).rejects.toThrow(/clientId \(SINGAPAY_CLIENT_ID\) is missing/);
  });
});

describe('sample app in production without credentials (secrets that failed to load)', () => {
  const nodeEnv = process.env.NODE_ENV;
  afterEach(() => {
    clearEnv();
    process.env.NODE_ENV = nodeEnv;
  });

  it.each([
    ['SINGAPAY_ENV=production', () => (process.env[SINGAPAY_ENV_VARS.environment] = 'production'), /SINGAPAY_ENV is production/],
    ['NODE_ENV=production, SINGAPAY_ENV unset', () => (process.env.NODE_ENV = 'production'), /NODE_ENV is production/],
  ])('%s: refuses to start, naming the variables, and never starts the simulator', async (_name, set, why) => {
    clearEnv();
    set();
    const logs = capturedLogLines.length;
    const refused = await createSampleApp(new Logger('Sample')).then(
      async (sample) => {
        await sample.close();
        throw new Error('the sample app started');
      },
      (error: unknown) => error as Error,
    );
    expect(refused.message).toMatch(why);
    expect(refused.message).toMatch(/SINGAPAY_API_KEY, SINGAPAY_CLIENT_ID, SINGAPAY_CLIENT_SECRET, SINGAPAY_PASSWORD/);
    expect(capturedLogLines.slice(logs).some((l) => l.includes('built-in Singapay simulator'))).toBe(false);
  });

  it('refuses a misspelt SINGAPAY_ENV instead of taking it for sandbox, and a weak API key with real credentials', async () => {
    clearEnv();
    process.env[SINGAPAY_ENV_VARS.environment] = 'prod';
    await expect(createSampleApp(new Logger('Sample'))).rejects.toThrow(
      /SINGAPAY_ENV must be 'sandbox' \(or 'development'\) or 'production'/,
    );
    clearEnv();
    Object.assign(process.env, {
      [SINGAPAY_ENV_VARS.baseUrl]: 'http://127.0.0.1:9',
      [SINGAPAY_ENV_VARS.apiKey]: 'key',
      [SINGAPAY_ENV_VARS.clientId]: 'id',
      [SINGAPAY_ENV_VARS.clientSecret]: 'secret-of-the-test',
      [SINGAPAY_ENV_VARS.password]: 'password-of-the-test',
    });
    for (const key of [undefined, 'short', 'sample-simulator-key']) {
      if (key === undefined) delete process.env.SAMPLE_API_KEY;
      else process.env.SAMPLE_API_KEY = key;
      await expect(createSampleApp(new Logger('Sample'))).rejects.toThrow(/SAMPLE_API_KEY is (missing|too weak)/);
    }
  });

  it('still runs on the simulator when NODE_ENV=production but SINGAPAY_ENV=sandbox says so', async () => {
    clearEnv();
    process.env.NODE_ENV = 'production';
    process.env[SINGAPAY_ENV_VARS.environment] = 'sandbox';
    const sample = await createSampleApp(new Logger('Sample'));
    try {
      expect(sample.simulator).toBeDefined();
    } finally {
      await sample.close();
    }
  });
});

describe('sample app, where payment records are kept', () => {
  it('says what the module chose: SINGAPAY_PAYMENT_STORE=memory wins over SINGAPAY_DATABASE_URL, and the log says memory', async () => {
    clearSingapayEnv();
    // Never opened: memory said by name wins over the URL.
    process.env[SINGAPAY_ENV_VARS.databaseUrl] = 'postgres://app@127.0.0.1:1/nowhere';
    process.env[SINGAPAY_ENV_VARS.paymentStore] = 'memory';
    const mark = capturedLogLines.length;
    try {
      const sample = await createSampleApp(new Logger('Sample'), 0);
      try {
        const said = capturedLogLines.slice(mark).join('\n');
        expect(said).toMatch(/Payment records are kept in memory: a restart forgets them/);
        expect(said).not.toMatch(/kept in PostgreSQL/);
      } finally {
        await sample.close();
      }
    } finally {
      clearSingapayEnv();
    }
  });
});
