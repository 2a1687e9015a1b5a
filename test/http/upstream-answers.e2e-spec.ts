import { BadRequestException } from '@nestjs/common';
import { inspect } from 'node:util';
import {
  SingapayAuthenticationException,
  SingapayException,
  SingapayMalformedResponseException,
  SingapayNotFoundException,
  SingapayTimeoutException,
  SingapayTransportException,
  SingapayValidationException,
} from '@app/singapay';
import { SingapayAuthService } from '@app/singapay/auth/singapay-auth.service.js';
import { json, ScriptedServer, tokenAnswer } from '../support/scripted-server.js';
import { createSingapay, TEST_CREDENTIALS, type SingapayTestContext } from '../support/singapay-testing.js';
import { accepted, failure } from '../support/expectations.js';

/** Runs `fn` and returns what it threw. */
const SECRETS = [TEST_CREDENTIALS.clientSecret, TEST_CREDENTIALS.password, TEST_CREDENTIALS.apiKey, 'test-access-token'];
function expectNoSecrets(error: unknown): void {
  const e = error as SingapayException;
  const printed = [
    e.message,
    JSON.stringify(e.getResponse?.()),
    inspect(e, { depth: 10, showHidden: false }),
    String(e.stack),
    JSON.stringify(e),
  ].join('\n');
  for (const s of SECRETS) expect(printed).not.toContain(s);
  expect(printed).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/);
  expect(printed).not.toContain('Authorization');
}

const PAY_PLNPOS = {
  command: 'plnpos',
  productCode: 'SPPLNPOS',
  customerId: '146300068064',
  referenceNumber: 'SPPLNPOSRJBL0080217757411749548209',
} as const;

describe('SingapayService against odd upstream answers (loopback scripted server)', () => {
  let server: ScriptedServer;
  let ctx: SingapayTestContext;

  beforeEach(async () => {
    server = await ScriptedServer.start();
    ctx = await createSingapay({ baseUrl: server.baseUrl, timeoutMs: 2_000 });
  });
  afterEach(async () => {
    await ctx.close();
    await server.stop();
  });

  /** Token endpoint works; business calls get `answer`. */
  const business = (answer: Parameters<ScriptedServer['handle']>[0]) =>
    server.handle((req, res) => (req.path.includes('access-token') ? tokenAnswer(res) : answer(req, res)));

  /** Token endpoint works; an inquiry of `command` answers `reference`, and its payment a transaction. */
  const billAnswers = (command: string, customerId: string, reference: string, inquiryExtra: Record<string, string> = {}) =>
    business((req, res) =>
      json(res, 200, {
        command,
        response_code: '00',
        response_text: 'ok',
        data: req.path.endsWith('/inquiry')
          ? {
              amount: '16800',
              price: '19300',
              ...inquiryExtra,
              customer_id: customerId,
              reference_number: reference,
              created_at: '2025-06-10 16:36:49',
            }
          : {
              amount: '16800',
              price: '19300',
              customer_id: customerId,
              transaction_id: '01JXCK6K1CMRGJKQ2J863Q6P5J',
              created_at: '2025-06-10 16:37:02',
            },
      }),
    );

  it('sends the documented token request and business headers', async () => {
    business((_req, res) =>
      json(res, 200, {
        command: 'check-balance',
        response_code: '00',
        response_text: 'ok',
        data: { balance: '8910003.00', currency: 'IDR' },
      }),
    );
    await expect(ctx.service.checkBalance()).resolves.toMatchObject({ balance: 8910003, currency: 'IDR' });
    const [token, call] = server.requests;
    expect(token!.path).toBe('/api/v1.0/access-token/b2b');
    expect(token!.method).toBe('POST');
    expect(token!.json).toEqual({ grant_type: 'client_credentials' });
    expect(token!.headers['x-partner-id']).toBe(TEST_CREDENTIALS.apiKey);
    expect(token!.headers.authorization).toBe(
      `Basic ${Buffer.from(`${TEST_CREDENTIALS.clientId}:${TEST_CREDENTIALS.clientSecret}`).toString('base64')}`,
    );
    expect(call!.path).toBe('/api/v1/check-balance');
    expect(call!.json).toEqual({ command: 'check-balance' });
    expect(call!.headers['x-partner-id']).toBe(TEST_CREDENTIALS.apiKey);
    expect(call!.headers.authorization).toBe('Bearer test-access-token');
    expect(call!.headers.accept).toBe('application/json');
    expect(call!.headers['content-type']).toBe('application/json');
  });

  it('sends inquiry and payment bodies in the documented shape', async () => {
    billAnswers('bputk', '3321120409790003', 'SPBPJSTKBPURJBL1', { period: '3', customer_name: 'A' });
    const inquiry = await ctx.service.inquiry({
      command: 'bputk',
      productCode: 'SPBPJSTKBPU',
      customerId: '3321120409790003',
      period: 3,
      phoneNumber: '081234567890',
    });
    accepted(
      await ctx.service.pay({
        command: 'bputk',
        productCode: 'SPBPJSTKBPU',
        customerId: '3321120409790003',
        referenceNumber: inquiry.referenceNumber,
      }),
    );
    const [inq, pay] = server.businessRequests();
    expect(inq!.path).toBe('/api/v2/postpaid/inquiry');
    expect(inq!.json).toEqual({
      command: 'bputk',
      data: { customer_id: '3321120409790003', product_code: 'SPBPJSTKBPU', period: 3, phone_number: '081234567890' },
    });
    expect(pay!.path).toBe('/api/v2/postpaid/payment');
    expect(pay!.json).toEqual({
      command: 'bputk',
      data: {
        password: TEST_CREDENTIALS.password,
        product_code: 'SPBPJSTKBPU',
        customer_id: '3321120409790003',
        reference_number: 'SPBPJSTKBPURJBL1',
      },
    });
    // The password goes into payment bodies only.
    expect(inq!.body).not.toContain(TEST_CREDENTIALS.password);
  });

  it('takes an optional field given as null for one not given: never sent as null, and the same payment', async () => {
    billAnswers('plnpos', '146300068064', 'SPPLNPOSRJBL1');
    const bill = { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064' } as const;
    const nulls = { phoneNumber: null, serverId: null, username: null, platform: null, period: null } as unknown as object;
    await ctx.service.inquiry({ ...bill, ...nulls });
    const paid = accepted(await ctx.service.pay({ ...bill, referenceNumber: 'SPPLNPOSRJBL1', idempotencyKey: null as unknown as string }));
    // The same key (the reference) again without the null: the recorded payment, not a conflict, and nothing sent.
    expect(accepted(await ctx.service.pay({ ...bill, referenceNumber: 'SPPLNPOSRJBL1' })).transactionId).toBe(paid.transactionId);
    const [inq, pay, ...more] = server.businessRequests();
    expect(inq!.json).toEqual({ command: 'plnpos', data: { customer_id: '146300068064', product_code: 'SPPLNPOS' } });
    expect(Object.keys((pay!.json as { data: object }).data).sort()).toEqual([
      'customer_id',
      'password',
      'product_code',
      'reference_number',
    ]);
    expect(more).toEqual([]);
  });

  it('refuses a phone number on pay(), before anything is sent: the docs give one to the postpaid inquiry only', async () => {
    const bill = { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064', referenceNumber: 'SPPLNPOSRJBL1' } as const;
    const error = await ctx.service.pay({ ...bill, phoneNumber: '081234567890' } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).getResponse()).toMatchObject({ message: ['phoneNumber is not accepted'] });
    expect(server.businessRequests()).toEqual([]);
  });

  it("records a refusal naming another payment's transaction without that transaction, rather than leaving it sending", async () => {
    const earlier = '01JXCK6K1CMRGJKQ2J863Q6P5J';
    let payments = 0;
    business((_req, res) =>
      // The first payment of the bill is made; the second, under another key, is refused naming the first one's transaction.
      json(
        res,
        200,
        ++payments === 1
          ? {
              command: 'plnpos',
              response_code: '00',
              response_text: 'Payment success',
              data: {
                amount: '151005',
                price: '152505',
                customer_id: '146300068064',
                transaction_id: earlier,
                created_at: '2025-06-10 16:37:02',
              },
            }
          : { command: 'plnpos', response_code: '21', response_text: 'Bill already paid', data: { transaction_id: earlier } },
      ),
    );
    expect(accepted(await ctx.service.pay({ ...PAY_PLNPOS, idempotencyKey: 'first' })).transactionId).toBe(earlier);
    const refused = await ctx.service.pay({ ...PAY_PLNPOS, idempotencyKey: 'second' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ responseType: 'bill_already_paid' });
    const second = await ctx.service.getPayment('second');
    expect([second.state, second.failure?.reason, second.transactionId]).toEqual(['failed', 'rejected', undefined]);
    expect((await ctx.service.getPayment('first')).transactionId).toBe(earlier);
    expect(server.businessRequests().filter((r) => r.path.includes('/payment'))).toHaveLength(2);
  });

  it('sends direct purchases to the prepaid path without a reference', async () => {
    business((_req, res) =>
      json(res, 200, {
        command: 'data',
        response_code: '01',
        response_text: 'Payment pending',
        data: {
          customer_id: '082291501085',
          amount: '32500',
          price: '32500',
          transaction_id: '01JXCQAZ8Z8AT5YRAP3V66GR70',
          created_at: '2025-06-10 17:49:20',
        },
      }),
    );
    const paid = accepted(await ctx.service.pay({ command: 'data', productCode: 'SPTKMSF2G30', customerId: '082291501085' }));
    expect(paid).toMatchObject({
      status: 'pending',
      responseCode: '01',
      transactionId: '01JXCQAZ8Z8AT5YRAP3V66GR70',
      amount: 32500,
      price: 32500,
    });
    const [pay] = server.businessRequests();
    expect(pay!.path).toBe('/api/v2/prepaid/payment');
    expect(pay!.json).toEqual({
      command: 'data',
      data: { password: TEST_CREDENTIALS.password, product_code: 'SPTKMSF2G30', customer_id: '082291501085' },
    });
  });

  it.each([
    ['lacks its transaction id', { amount: '1', price: '2', created_at: 'x' }],
    ['carries data as a list', [{ amount: '1', price: '2', transaction_id: '01JXCK6K1CMRGJKQ2J863Q6P5J' }]],
    ['carries data as a string', 'Payment success'],
  ] as [string, unknown][])(
    'answers unknown, not an error, when an accepted payment %s, keeps its code 00 and looks it up',
    async (_what, data) => {
      business((req, res) =>
        req.path.includes('list-bill-transaction')
          ? json(res, 200, {
              command: 'list-bill-transaction',
              response_code: '00',
              data: { bill_transactions: [], pagination: { current_page: 1, last_page: 1, per_page: 10, total: 0 } },
            })
          : json(res, 200, {
              command: 'plnpos',
              response_code: '00',
              response_text: 'Payment success',
              data,
            }),
      );
      const result = await ctx.service.pay(PAY_PLNPOS);
      expect(result).toMatchObject({ status: 'unknown', responseCode: '00', idempotencyKey: PAY_PLNPOS.referenceNumber });
      expect(server.businessRequests().filter((r) => r.path.includes('/payment'))).toHaveLength(1);
      expect(server.businessRequests().filter((r) => r.path.includes('list-bill-transaction'))).toHaveLength(1);
      // The code is what keeps the payment from ever being concluded missing.
      expect(await ctx.service.getPayment(PAY_PLNPOS.referenceNumber)).toMatchObject({ state: 'unknown', responseCode: '00' });
    },
  );

  it('accepts expires_in as a number and as a string', async () => {
    let n = 0;
    server.handle((req, res) =>
      req.path.includes('access-token')
        ? tokenAnswer(res, `tok-${++n}`, n === 1 ? 3600 : '3600')
        : json(res, 200, { command: 'check-balance', response_code: '00', data: { balance: 5, currency: 'IDR' } }),
    );
    await ctx.service.checkBalance();
    await ctx.service.checkBalance();
    expect(server.tokenRequests()).toHaveLength(1);
  });

  it('caches a token no longer than its JWT lives, whatever expires_in says (a host stating milliseconds)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${part({ alg: 'HS256' })}.${part({ iat: now, exp: now + 3600 })}.signature`;
    server.handle((_req, res) => tokenAnswer(res, jwt, '3600000'));
    const granted = await ctx.moduleRef.get(SingapayAuthService).requestAccessToken();
    expect(granted).toMatchObject({ accessToken: jwt, expiresIn: 3600 });
  });

  it('normalises an unpadded "6" on HTTP 404 into code 06 / 404', async () => {
    business((_req, res) =>
      json(res, 404, { command: 'detail-bill-transaction', response_code: '6', response_text: 'Transaction not found' }),
    );
    const e = await failure(() => ctx.service.getTransaction('01JWX2F2DZC68TC94XMNBJCC3H'));
    expect(e).toBeInstanceOf(SingapayNotFoundException);
    expect(e.responseCode).toBe('06');
    expect(e.responseType).toBe('not_found');
    expect(e.getStatus()).toBe(404);
    expect(e.getResponse()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: expect.stringContaining('Transaction not found'),
      singapay: { code: '06', type: 'not_found' },
    });
  });

  it('turns a 422 / 04 into a 400 that carries the field errors', async () => {
    business((_req, res) =>
      json(res, 422, {
        command: 'detail-bill-transaction',
        response_code: '04',
        response_text: 'Rejected Format Error',
        data: { 'data.transaction_id': 'The data.transaction id field is required.' },
      }),
    );
    const e = await failure(() => ctx.service.getTransaction('01JWX2F2DZC68TC94XMNBJCC3H'));
    expect(e).toBeInstanceOf(SingapayValidationException);
    expect(e.getStatus()).toBe(400);
    expect((e as SingapayValidationException).fields).toEqual({ 'data.transaction_id': 'The data.transaction id field is required.' });
  });

  it.each([
    [
      'an HTML 502 page',
      (res: import('node:http').ServerResponse) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body>502 Bad Gateway</body></html>');
      },
      /HTML page/,
    ],
    [
      'truncated JSON',
      (res: import('node:http').ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"command":"check-balance","response_co');
      },
      /not valid JSON/,
    ],
    [
      'an empty body',
      (res: import('node:http').ServerResponse) => {
        res.writeHead(200);
        res.end();
      },
      /empty body/,
    ],
    ['a JSON array', (res: import('node:http').ServerResponse) => json(res, 200, [1, 2]), /not an object/],
    [
      'no response_code',
      (res: import('node:http').ServerResponse) => json(res, 200, { command: 'check-balance', data: {} }),
      /no response_code/,
    ],
    [
      'a 00 without the balance',
      (res: import('node:http').ServerResponse) => json(res, 200, { command: 'check-balance', response_code: '00', data: {} }),
      /data\.balance is missing/,
    ],
    [
      'a 00 with a non-numeric balance',
      (res: import('node:http').ServerResponse) =>
        json(res, 200, { command: 'check-balance', response_code: '00', data: { balance: 'lots' } }),
      /data\.balance is not a decimal/,
    ],
  ])('answers %s with a clear 502', async (_name, answer, message) => {
    business((_req, res) => answer(res));
    const e = await failure(() => ctx.service.checkBalance());
    expect(e).toBeInstanceOf(SingapayMalformedResponseException);
    expect(e.getStatus()).toBe(502);
    expect(e.message).toMatch(message);
    expectNoSecrets(e);
  });

  it.each(['SP.PLN/0080217757', 'R'.repeat(129)])(
    'answers an inquiry whose reference pay() would refuse (%s) with a clear 502, before a customer confirms a bill',
    async (reference) => {
      billAnswers('pdam', '1234567', reference);
      const e = await failure(() => ctx.service.inquiry({ command: 'pdam', productCode: 'SPPDAM', customerId: '1234567' }));
      expect(e).toBeInstanceOf(SingapayMalformedResponseException);
      expect(e.message).toMatch(/data\.reference_number is not a reference pay\(\) can send/);
    },
  );

  it('still needs the created_at the docs print in a postpaid inquiry (only a prepaid one may come without)', async () => {
    business((_req, res) =>
      json(res, 200, {
        command: 'pdam',
        response_code: '00',
        response_text: 'ok',
        data: { amount: '16800', price: '19300', customer_id: '1234567', reference_number: 'SPPDAM0001' },
      }),
    );
    const e = await failure(() => ctx.service.inquiry({ command: 'pdam', productCode: 'SPPDAM', customerId: '1234567' }));
    expect(e).toBeInstanceOf(SingapayMalformedResponseException);
    expect(e.message).toMatch(/data\.created_at is missing/);
  });

  it('lets httpStatusOverrides change the status of a code or a type', async () => {
    const custom = await createSingapay({ baseUrl: server.baseUrl, httpStatusOverrides: { '17': 402, unrecognised: 500 } });
    try {
      business((_req, res) => json(res, 200, { command: 'check-balance', response_code: '17', response_text: 'Insufficient balance' }));
      const low = await failure(() => custom.service.checkBalance());
      expect([low.responseCode, low.getStatus(), low.getResponse().statusCode]).toEqual(['17', 402, 402]);
      business((_req, res) => json(res, 200, { command: 'check-balance', response_code: '42' }));
      expect((await failure(() => custom.service.checkBalance())).getStatus()).toBe(500);
      // The default table still applies elsewhere.
      business((_req, res) => json(res, 200, { command: 'check-balance', response_code: '21' }));
      expect((await failure(() => custom.service.checkBalance())).getStatus()).toBe(409);
    } finally {
      await custom.close();
    }
  });

  it('refuses at start-up an httpStatusOverrides key that could never apply (a typo, a transport failure, 00), naming it', async () => {
    const refused = await createSingapay({
      baseUrl: server.baseUrl,
      httpStatusOverrides: { insuficient_balance: 402, timeout: 503, '00': 500, insufficient_balance: 402, '42': 503 },
    }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(refused?.name).toBe('SingapayConfigurationError');
    for (const key of ['insuficient_balance', 'timeout', '00']) expect(refused?.message).toContain(`httpStatusOverrides key '${key}'`);
    // A type of the table, and a code it does not list yet (Singapay's codes outgrow the docs), are taken.
    for (const key of ['insufficient_balance', '42']) expect(refused?.message).not.toContain(`key '${key}'`);
  });

  it('maps an unrecognised code to 502 and keeps the code', async () => {
    business((_req, res) => json(res, 200, { command: 'check-balance', response_code: '42', response_text: 'Something new' }));
    const e = await failure(() => ctx.service.checkBalance());
    expect(e.responseCode).toBe('42');
    expect(e.responseType).toBe('unrecognised');
    expect(e.getStatus()).toBe(502);
  });

  it('replays once with a new token after an HTTP 401, then succeeds', async () => {
    let n = 0;
    let calls = 0;
    server.handle((req, res) => {
      if (req.path.includes('access-token')) return tokenAnswer(res, `tok-${++n}`);
      calls++;
      if (req.headers.authorization === 'Bearer tok-1') {
        return json(res, 401, { status: 401, success: false, error: { code: 401, message: 'Unauthorized merchant, please sign in' } });
      }
      return json(res, 200, { command: 'check-balance', response_code: '00', data: { balance: '1.00', currency: 'IDR' } });
    });
    await expect(ctx.service.checkBalance()).resolves.toMatchObject({ balance: 1 });
    expect(server.tokenRequests()).toHaveLength(2);
    expect(calls).toBe(2);
  });

  it('reads a 401 stated only inside the envelope (HTTP 200) as a refused token', async () => {
    let n = 0;
    server.handle((req, res) => {
      if (req.path.includes('access-token')) return tokenAnswer(res, `tok-${++n}`);
      if (req.headers.authorization === 'Bearer tok-1') {
        return json(res, 200, { status: 401, success: false, error: { code: 401, message: 'Unauthorized merchant, please sign in' } });
      }
      return json(res, 200, { command: 'check-balance', response_code: '00', data: { balance: '2.00', currency: 'IDR' } });
    });
    await expect(ctx.service.checkBalance()).resolves.toMatchObject({ balance: 2 });
    expect(server.tokenRequests()).toHaveLength(2);
  });

  it('treats code 16 on a read like a 401, and a second refusal as final (502, not 401)', async () => {
    business((_req, res) => json(res, 200, { command: 'check-balance', response_code: '16', response_text: 'unauthenticated' }));
    const e = await failure(() => ctx.service.checkBalance());
    expect(e).toBeInstanceOf(SingapayAuthenticationException);
    expect(e.responseCode).toBe('16');
    expect(e.getStatus()).toBe(502);
    expect(server.businessRequests()).toHaveLength(2);
    expect(server.tokenRequests()).toHaveLength(2);
    expectNoSecrets(e);
  });

  it('never replays a payment on code 16 (past the gateway), but drops the token for the next call', async () => {
    business((_req, res) => json(res, 200, { command: 'plnpos', response_code: '16', response_text: 'unauthenticated' }));
    const e = await failure(() => ctx.service.pay(PAY_PLNPOS));
    expect([e.responseCode, e.getStatus()]).toEqual(['16', 502]);
    expect(server.businessRequests()).toHaveLength(1);
    business((_req, res) => json(res, 200, { command: 'check-balance', response_code: '00', data: { balance: '1.00' } }));
    await ctx.service.checkBalance();
    expect(server.tokenRequests()).toHaveLength(2);
  });

  it('replays a payment once after an HTTP 401 (the gateway refused it before the biller), and pays once', async () => {
    let n = 0;
    server.handle((req, res) => {
      if (req.path.includes('access-token')) return tokenAnswer(res, `tok-${++n}`);
      if (req.headers.authorization === 'Bearer tok-1') {
        return json(res, 401, { status: 401, success: false, error: { code: 401, message: 'Unauthorized merchant, please sign in' } });
      }
      return json(res, 200, {
        command: 'plnpos',
        response_code: '00',
        data: { amount: '16800', price: '19300', transaction_id: '01JXCK6K1CMRGJKQ2J863Q6P5J', created_at: '2025-06-10 16:37:02' },
      });
    });
    expect(accepted(await ctx.service.pay(PAY_PLNPOS)).status).toBe('success');
    expect(server.businessRequests()).toHaveLength(2);
  });

  it.each([
    ['HTTP 500', 500],
    ['HTTP 200', 200],
  ])(
    'never replays a payment whose 401 is stated only in the body of an %s: it may have been taken, so it is unknown and looked up',
    async (_name, status) => {
      business((_req, res) => json(res, status, { status: 401, success: false, error: { code: 401, message: 'Unauthorized' } }));
      const result = await ctx.service.pay({ ...PAY_PLNPOS, idempotencyKey: `body-401-${status}` });
      expect(result.status).toBe('unknown');
      expect(server.businessRequests().filter((r) => r.path.endsWith('/payment'))).toHaveLength(1);
    },
  );

  it.each([
    ['HTTP 500', 500],
    ['HTTP 200', 200],
  ])(
    'never records a payment failed on a 403 stated only in the body of an %s: it may have been taken, so it is unknown and looked up',
    async (_name, status) => {
      business((_req, res) => json(res, status, { status: 403, success: false, error: { code: 403, message: 'Forbidden' } }));
      const result = await ctx.service.pay({ ...PAY_PLNPOS, idempotencyKey: `body-403-${status}` });
      expect(result.status).toBe('unknown');
      expect(server.businessRequests().filter((r) => r.path.endsWith('/payment'))).toHaveLength(1);
    },
  );

  const page =
    (status: number, body: string, type = 'text/html') =>
    (res: import('node:http').ServerResponse) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
  it.each([
    ['a 401 page', page(401, '<html><body>401 Authorization Required</body></html>')],
    ['a 401 with an empty body', page(401, '', 'text/plain')],
    [
      'a 401 envelope echoing the command',
      (res: import('node:http').ServerResponse) => json(res, 401, { command: 'plnpos', response_text: 'Unauthorized' }),
    ],
    [
      "a 401 in the gateway's envelope that echoes the command",
      (res: import('node:http').ServerResponse) =>
        json(res, 401, { command: 'plnpos', status: 401, success: false, error: { code: 401, message: 'Unauthorized' } }),
    ],
    ['a 403 page', page(403, '<html><body>403 Forbidden</body></html>')],
    ['a 403 with an empty body', page(403, '', 'text/plain')],
    [
      'a 403 envelope echoing the command',
      (res: import('node:http').ServerResponse) => json(res, 403, { command: 'plnpos', response_text: 'Forbidden' }),
    ],
    [
      "a 403 in the gateway's envelope that echoes the command",
      (res: import('node:http').ServerResponse) =>
        json(res, 403, { command: 'plnpos', status: 403, success: false, error: { code: 403, message: 'Forbidden' } }),
    ],
  ])(
    "never resends nor fails a payment on %s: only the gateway's envelope proves it never reached the biller, so it is unknown and looked up",
    async (name, answer) => {
      business((_req, res) => answer(res));
      const result = await ctx.service.pay({ ...PAY_PLNPOS, idempotencyKey: `not-gateway-${name.replace(/\W+/g, '-')}` });
      expect(result.status).toBe('unknown');
      expect(server.businessRequests().filter((r) => r.path.endsWith('/payment'))).toHaveLength(1);
    },
  );

  it('replays a read once after a 401 page, and refuses it with 08 after a 403 page (a read may be sent again)', async () => {
    let n = 0;
    server.handle((req, res) => {
      if (req.path.includes('access-token')) return tokenAnswer(res, `tok-${++n}`);
      if (req.headers.authorization === 'Bearer tok-1') return page(401, '<html>401</html>')(res);
      return json(res, 200, { command: 'check-balance', response_code: '00', data: { balance: '1.00' } });
    });
    await ctx.service.checkBalance();
    expect(server.businessRequests()).toHaveLength(2);
    business((_req, res) => page(403, '<html>403</html>')(res));
    expect((await failure(() => ctx.service.checkBalance())).responseCode).toBe('08');
  });

  it('explains a token refusal for wrong client credentials (401 -> code 16)', async () => {
    server.handle((_req, res) => json(res, 401, { status: 401, success: false, error: { code: 401, message: 'Unauthorized' } }));
    const e = await failure(() => ctx.service.checkBalance());
    expect(e).toBeInstanceOf(SingapayAuthenticationException);
    expect(e.responseCode).toBe('16');
    expect(e.getStatus()).toBe(502);
    expect(e.message).toMatch(/client ID and client secret/);
    expect(server.businessRequests()).toHaveLength(0);
    expectNoSecrets(e);
  });

  it('explains a refused partner id and a refused IP (403 -> code 08)', async () => {
    server.handle((_req, res) => json(res, 403, { status: 403, success: false, error: { code: 403, message: 'Invalid X-PARTNER-ID' } }));
    const partner = await failure(() => ctx.service.checkBalance());
    expect(partner.responseCode).toBe('08');
    expect(partner.getStatus()).toBe(502);
    expect(partner.message).toMatch(/API key \(SINGAPAY_API_KEY/);
    // A refusal is answered again, without a token request, for a second.
    expect((await failure(() => ctx.service.checkBalance())).message).toMatch(/API key \(SINGAPAY_API_KEY/);
    expect(server.tokenRequests()).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1_050));

    server.handle((_req, res) =>
      json(res, 403, { status: 403, success: false, error: { code: 403, message: 'Your IP address (203.0.113.7) is not registered' } }),
    );
    const ip = await failure(() => ctx.service.checkBalance());
    expect(ip.responseCode).toBe('08');
    expect(ip.message).toMatch(/IP address \(203\.0\.113\.7\).*whitelisting/);
    expectNoSecrets(ip);
  });

  it('scrubs a secret echoed in a failed token answer before cutting the message short, so no part of it is left', async () => {
    const echoed = `${'x'.repeat(190)} ${TEST_CREDENTIALS.clientSecret}`;
    server.handle((_req, res) => json(res, 500, { status: 500, success: false, error: { code: 500, message: echoed } }));
    const e = await failure(() => ctx.service.checkBalance());
    expect(e.message).toContain('without an access token');
    for (const shown of [e.message, JSON.stringify(e.getResponse())])
      expect(shown).not.toContain(TEST_CREDENTIALS.clientSecret.slice(0, 6));
    expectNoSecrets(e);
  });

  it('scrubs a secret that Singapay echoes back in a message', async () => {
    business((_req, res) =>
      json(res, 200, {
        command: 'plnpos',
        response_code: '04',
        response_text: `password ${TEST_CREDENTIALS.password} is not valid`,
        data: { 'data.password': `value ${TEST_CREDENTIALS.password}` },
      }),
    );
    const e = await failure(() => ctx.service.pay(PAY_PLNPOS));
    expect(e.message).toContain('password [REDACTED] is not valid');
    expectNoSecrets(e);
    expect(JSON.stringify(e.raw)).not.toContain(TEST_CREDENTIALS.password);
  });

  it('answers unknown after a payment timeout and sends it exactly once', async () => {
    business(() => {
      /* never answers */
    });
    const result = await ctx.service.pay(PAY_PLNPOS, { timeoutMs: 200 });
    expect(result).toMatchObject({ status: 'unknown' });
    expect((result as { reason: string }).reason).toMatch(/did not answer pay within 200 ms/);
    expect(server.businessRequests().filter((r) => r.path.includes('/payment'))).toHaveLength(1);
  });

  it('answers unknown after a connection reset and never resends the payment', async () => {
    business((_req, res) => {
      res.socket?.destroy();
    });
    const result = await ctx.service.pay(PAY_PLNPOS);
    expect(result.status).toBe('unknown');
    expect(server.businessRequests().filter((r) => r.path.includes('/payment'))).toHaveLength(1);
  });

  it('reports a read that timed out as a 504 once its retries are spent', async () => {
    business(() => {
      /* never answers */
    });
    const e = await failure(() => ctx.service.checkBalance({ timeoutMs: 100 }));
    expect(e).toBeInstanceOf(SingapayTimeoutException);
    expect(e.getStatus()).toBe(504);
    expect(server.businessRequests()).toHaveLength(3);
    expectNoSecrets(e);
  });

  it('reports a caller abort', async () => {
    business(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const e = await failure(() => ctx.service.checkBalance({ signal: controller.signal }));
    expect(e.responseType).toBe('aborted');
  });

  it('refuses bad input with a 400 naming the field, before any request', async () => {
    business((_req, res) => json(res, 500, {}));
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => ctx.service.pay({ ...PAY_PLNPOS, referenceNumber: undefined }), /referenceNumber is required for command plnpos/],
      [
        () => ctx.service.pay({ command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '081234567890', referenceNumber: 'X1' }),
        /referenceNumber is not accepted for command pulsa/,
      ],
      [() => ctx.service.pay({ ...PAY_PLNPOS, command: 'nope' as never }), /command must be one of/],
      [() => ctx.service.pay({ ...PAY_PLNPOS, password: 'x' } as never), /password is not accepted/],
      [
        () => ctx.service.inquiry({ command: 'bpjsks', productCode: 'SPBPJSKS', customerId: '0001' }),
        /period is required for command bpjsks/,
      ],
      [
        () => ctx.service.inquiry({ command: 'bputk', productCode: 'SPBPJSTKBPU', customerId: '3321120409790003', period: 4 }),
        /period must be one of 1, 2, 3, 6, 12/,
      ],
      [
        () => ctx.service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: '1', period: 2 }),
        /period is not accepted for command plnpos/,
      ],
      [() => ctx.service.inquiry({ command: 'pulsa' as never, productCode: 'SPTLKMAS10', customerId: '0812' }), /command must be one of/],
      [() => ctx.service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: '../etc' }), /customerId must be/],
      [() => ctx.service.getTransaction('../01JWX2F2DZ?x=1#y'), /transactionId must be/],
      [() => ctx.service.listTransactions({ startDate: '2025-06-01' }), /startDate and endDate must be given together/],
      [() => ctx.service.listTransactions({ startDate: '2025-02-30', endDate: '2025-03-01' }), /startDate is not a calendar date/],
      [() => ctx.service.listTransactions({ status: 'done' as never }), /status must be one of/],
      [() => ctx.service.inquiry(null as never), /request must be an object/],
    ];
    for (const [call, message] of cases) {
      const e = await failure(call);
      expect(e).toBeInstanceOf(BadRequestException);
      expect(e.getStatus()).toBe(400);
      expect(JSON.stringify(e.getResponse())).toMatch(message);
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('SingapayService when Singapay cannot be reached', () => {
  it('reports a refused connection as 503 with the request not sent', async () => {
    const server = await ScriptedServer.start();
    const baseUrl = server.baseUrl;
    await server.stop();
    const ctx = await createSingapay({ baseUrl });
    try {
      const e = await failure(() => ctx.service.checkBalance());
      expect(e).toBeInstanceOf(SingapayTransportException);
      expect(e.responseType).toBe('connection_failed');
      expect(e.delivery).toBe('not_sent');
      expect(e.getStatus()).toBe(503);
      expectNoSecrets(e);
    } finally {
      await ctx.close();
    }
  });
});

describe('token lifetime when Singapay states none', () => {
  it('reads the JWT exp claim (exp - iat when it has iat), else assumes a short lifetime', async () => {
    const server = await ScriptedServer.start();
    const exp = Math.floor(Date.now() / 1000) + 120;
    const jwt = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.c2lnbmF0dXJl`;
    let answer: unknown = jwt;
    server.handle((req, res) =>
      req.path.includes('access-token')
        ? json(res, 200, { status: 200, success: true, data: { access_token: answer, token_type: 'Bearer' } })
        : json(res, 200, { command: 'check-balance', response_code: '00', data: { balance: '1.00' } }),
    );
    const ctx = await createSingapay({ baseUrl: server.baseUrl });
    try {
      const auth = ctx.moduleRef.get(SingapayAuthService);
      const fromJwt = await auth.requestAccessToken();
      expect(fromJwt.expiresIn).toBeGreaterThanOrEqual(118);
      expect(fromJwt.expiresIn).toBeLessThanOrEqual(120);
      // Issued by a clock five minutes ahead of ours: exp - iat is the lifetime, not exp - our now.
      const iat = Math.floor(Date.now() / 1000) + 300;
      answer = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ iat, exp: iat + 120 })).toString('base64url')}.c2lnbmF0dXJl`;
      expect((await auth.requestAccessToken()).expiresIn).toBe(120);
      answer = 'opaque-token-value';
      expect((await auth.requestAccessToken()).expiresIn).toBe(300);
      answer = '';
      await expect(auth.requestAccessToken()).rejects.toMatchObject({ responseType: 'malformed_response' });
      // A token no header can carry (a space, a newline): refused at once, never cached to fail every call after.
      for (answer of ['two words', 'line\nbreak', 'tab\there']) {
        await expect(auth.requestAccessToken()).rejects.toMatchObject({ responseType: 'malformed_response' });
      }
      await expect(ctx.service.checkBalance()).rejects.toMatchObject({ responseType: 'malformed_response' });
    } finally {
      await ctx.close();
      await server.stop();
    }
  });
});
