import { BadRequestException } from '@nestjs/common';
import { inspect } from 'node:util';
import { SingapayAuthService, type SingapayException, type SingapayAcceptedPayment } from '@app/singapay';
import { json, ScriptedServer, tokenAnswer } from '../support/scripted-server.js';
import { createSingapay, TEST_CREDENTIALS, type SingapayTestContext } from '../support/singapay-testing.js';
import { failure } from '../support/expectations.js';

// Regression tests for defects a review found: each names what went wrong.

const printed = (e: SingapayException) =>
  [e.message, JSON.stringify(e.getResponse()), inspect(e, { depth: 10, showHidden: true }), JSON.stringify(e.raw)].join('\n');

const PAY = { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064', referenceNumber: 'SPPLNPOSRJBL1' } as const;
const PAID = {
  command: 'plnpos',
  response_code: '00',
  response_text: 'Payment success',
  data: {
    amount: '1',
    price: '2',
    customer_id: '146300068064',
    transaction_id: '01JXCK6K1CMRGJKQ2J863Q6P5J',
    created_at: '2025-06-10 16:37:02',
  },
};

describe('hardening (loopback scripted server)', () => {
  let server: ScriptedServer;
  let ctx: SingapayTestContext;
  const TOKEN = 'tok-SECRET-TOKEN-1234';

  beforeEach(async () => {
    server = await ScriptedServer.start();
    ctx = await createSingapay({ baseUrl: server.baseUrl, timeoutMs: 2_000, retry: { baseDelayMs: 10 } });
  });
  afterEach(async () => {
    await ctx.close();
    await server.stop();
  });

  it('an accepted answer that echoes a credential keeps it out of the result, the record and what getPayment() gives', async () => {
    const echoed = { ...PAID, data: { ...PAID.data, password: TEST_CREDENTIALS.password, note: `Bearer ${TOKEN}` } };
    server.handle((req, res) => (req.path.includes('access-token') ? tokenAnswer(res, TOKEN) : json(res, 200, echoed)));
    const paid = await ctx.service.pay({ ...PAY, idempotencyKey: 'echoed' });
    const shown = JSON.stringify([paid, await ctx.service.getPayment('echoed')]);
    expect(shown).not.toContain(TEST_CREDENTIALS.password);
    expect(shown).not.toContain(TOKEN);
  });

  it("a listed transaction that echoes a credential keeps it out of its row's raw, as the page's own", async () => {
    const listed = {
      transaction_id: '01JXCK6K1CMRGJKQ2J863Q6P5J',
      reference_number: null,
      customer_id: '081200000001',
      transaction_type: 'prepaid',
      status: 'success',
      inquired_at: null,
      paid_at: '2025-06-10 08:00:00',
      net_price: '10500',
      display_price: { amount: '10000', price: '10500' },
      other_info: { note: TEST_CREDENTIALS.password },
      created_at: '2025-06-10 01:00:00',
      product: { code: 'SPTLKMAS10', name: 'Telkomsel 10.000' },
    };
    server.handle((req, res) =>
      req.path.includes('access-token')
        ? tokenAnswer(res, TOKEN)
        : json(res, 200, { command: 'list-bill-transaction', response_code: '00', data: { bill_transactions: [listed] } }),
    );
    const page = await ctx.service.listTransactions({});
    expect(page.items).toHaveLength(1);
    expect(JSON.stringify([page.items[0]!.raw, page.raw])).not.toContain(TEST_CREDENTIALS.password);
  });

  it('printing the injectables (util.inspect, however deep) shows no secret and no access token', async () => {
    server.handle((req, res) => (req.path.includes('access-token') ? tokenAnswer(res, TOKEN) : json(res, 200, PAID)));
    await ctx.service.pay({ ...PAY, idempotencyKey: 'inspected' });
    // The service reaches every other one (the Biller API, its client and transport, the payment engine and stores).
    const shown = [ctx.service, ctx.tokens, ctx.moduleRef.get(SingapayAuthService)]
      .map((injectable) => inspect(injectable, { depth: 12, showHidden: true }))
      .join('\n');
    for (const secret of [TOKEN, TEST_CREDENTIALS.clientSecret, TEST_CREDENTIALS.password, TEST_CREDENTIALS.apiKey]) {
      expect(shown).not.toContain(secret);
    }
  });

  it('scrubs an access token that Singapay echoes in a refusal or in field errors', async () => {
    server.handle((req, res) =>
      req.path.includes('access-token')
        ? tokenAnswer(res, TOKEN)
        : json(res, 401, { status: 401, success: false, error: { code: 401, message: `Token Bearer ${TOKEN} is invalid` } }),
    );
    const refused = await failure(() => ctx.service.checkBalance());
    expect(refused.responseCode).toBe('16');
    expect(printed(refused)).not.toContain(TOKEN);

    server.handle((req, res) =>
      req.path.includes('access-token')
        ? tokenAnswer(res, TOKEN)
        : json(res, 422, {
            command: 'check-balance',
            response_code: '04',
            response_text: `bad ${TOKEN}`,
            data: { 'data.x': `saw ${TOKEN}` },
          }),
    );
    const invalid = await failure(() => ctx.service.checkBalance());
    expect(invalid.responseCode).toBe('04');
    expect(printed(invalid)).not.toContain(TOKEN);
    expect(invalid.getResponse().singapay.fields).toEqual({ 'data.x': 'saw [REDACTED]' });
  });

  it('never copies anything but an IP address out of a 403 message', async () => {
    server.handle((_req, res) =>
      json(res, 403, {
        status: 403,
        success: false,
        error: { code: 403, message: `Invalid X-PARTNER-ID (${TEST_CREDENTIALS.apiKey}) for this IP` },
      }),
    );
    const e = await failure(() => ctx.service.checkBalance());
    expect(e.responseCode).toBe('08');
    expect(printed(e)).not.toContain(TEST_CREDENTIALS.apiKey);
  });

  it('lets a payment on the wire finish when the module shuts down', async () => {
    server.handle((req, res) => {
      if (req.path.includes('access-token')) return tokenAnswer(res);
      setTimeout(() => json(res, 200, PAID), 300);
    });
    const paying = ctx.service.pay(PAY);
    await new Promise((r) => setTimeout(r, 100));
    const closing = ctx.close();
    const result = await paying;
    await closing;
    expect(result.status).toBe('success');
    expect((result as SingapayAcceptedPayment).transactionId).toBe('01JXCK6K1CMRGJKQ2J863Q6P5J');
    ctx = await createSingapay({ baseUrl: server.baseUrl });
  });

  it('bounds a whole call by timeoutMs, even when the server keeps dripping bytes', async () => {
    server.handle((req, res) => {
      if (req.path.includes('access-token')) return tokenAnswer(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    const started = Date.now();
    const e = await failure(() => ctx.service.checkBalance({ timeoutMs: 300 }));
    expect(e.responseType).toBe('timeout');
    expect(e.getStatus()).toBe(504);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("waits for a slow token no longer than a call's own timeoutMs and signal allow; the token request goes on for the others", async () => {
    server.handle(async (req, res) => {
      if (!req.path.includes('access-token')) return json(res, 200, PAID);
      await new Promise((r) => setTimeout(r, 1_200));
      tokenAnswer(res);
    });
    const started = Date.now();
    const patient = ctx.service.pay({ ...PAY, idempotencyKey: 'patient' });
    const hasty = await failure(() => ctx.service.pay({ ...PAY, idempotencyKey: 'hasty' }, { timeoutMs: 200 }));
    expect(hasty).toMatchObject({ responseType: 'timeout', delivery: 'not_sent' });
    expect(hasty.message).toMatch(/waiting for an access token.*so pay was not sent/);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await failure(() => ctx.service.checkBalance({ signal: controller.signal }));
    expect(aborted).toMatchObject({ responseType: 'aborted', delivery: 'not_sent' });
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(patient).resolves.toMatchObject({ status: 'success' });
    // One token request served them all; the payment given up was never recorded, and is refused as unknown.
    expect(server.tokenRequests()).toHaveLength(1);
    expect(server.businessRequests()).toHaveLength(1);
    await expect(ctx.service.getPayment('hasty')).rejects.toMatchObject({ status: 404 });
  });

  it('reads a 401 with an HTML body as a refused token and replays once', async () => {
    let n = 0;
    server.handle((req, res) => {
      if (req.path.includes('access-token')) return tokenAnswer(res, `tok-${++n}`);
      if (req.headers.authorization === 'Bearer tok-1') {
        res.writeHead(401, { 'content-type': 'text/html' });
        res.end('<html>401 Authorization Required</html>');
        return;
      }
      json(res, 200, { command: 'check-balance', response_code: '00', data: { balance: '3.00', currency: 'IDR' } });
    });
    await expect(ctx.service.checkBalance()).resolves.toMatchObject({ balance: 3 });
    expect(server.tokenRequests()).toHaveLength(2);
  });

  it('reads an HTML 403 from the token endpoint as a refused partner id or IP (code 08)', async () => {
    server.handle((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/html' });
      res.end('<html>403 Forbidden</html>');
    });
    const e = await failure(() => ctx.service.checkBalance());
    expect([e.responseCode, e.getStatus()]).toEqual(['08', 502]);
  });

  it("accepts PHP's [] for an empty data map and a list-shaped other_info", async () => {
    server.handle((req, res) => {
      if (req.path.includes('access-token')) return tokenAnswer(res);
      if (req.path.includes('reset'))
        return json(res, 200, {
          command: 'reset-customer-id',
          response_code: '00',
          response_text: 'Operation completed successfully.',
          data: [],
        });
      json(res, 200, {
        command: 'detail-bill-transaction',
        response_code: '00',
        data: {
          transaction_id: '01JWX2F2DZC68TC94XMNBJCC3H',
          reference_number: null,
          customer_id: '1',
          transaction_type: 'prepaid',
          status: 'success',
          inquired_at: null,
          paid_at: null,
          net_price: '1',
          display_price: { amount: '1', price: '1' },
          other_info: [{ key: 'sn', value: 'X' }],
          created_at: '2025-06-10 10:54:29',
          product: { code: 'P', name: 'N' },
        },
      });
    });
    await expect(ctx.service.resetCustomerIds()).resolves.toMatchObject({ responseText: 'Operation completed successfully.' });
    const tx = await ctx.service.getTransaction('01JWX2F2DZC68TC94XMNBJCC3H');
    expect(tx.otherInfo).toEqual([{ key: 'sn', value: 'X' }]);
    expect(tx.token).toBeUndefined();
  });

  it('refuses nonsense per-call options with a 400 before sending, and a pre-aborted signal as not sent', async () => {
    server.handle((req, res) => (req.path.includes('access-token') ? tokenAnswer(res) : json(res, 200, PAID)));
    for (const timeoutMs of [-1, 0, 1.5, Number.NaN, 'abc' as unknown as number]) {
      const e = await failure(() => ctx.service.checkBalance({ timeoutMs }));
      expect(e).toBeInstanceOf(BadRequestException);
      expect(JSON.stringify(e.getResponse())).toContain('timeoutMs must be');
    }
    const controller = new AbortController();
    controller.abort();
    const aborted = await failure(() => ctx.service.pay(PAY, { signal: controller.signal }));
    expect([aborted.responseType, aborted.delivery]).toEqual(['aborted', 'not_sent']);
    expect(server.businessRequests()).toHaveLength(0);
    // Nothing left: the same key may be paid now.
    await expect(ctx.service.pay(PAY)).resolves.toMatchObject({ status: 'success' });
    expect(server.businessRequests()).toHaveLength(1);
  });
});
