/**
 * Properties of the answer parsing: code normalisation is total and idempotent,
 * and whatever a server answers (any JSON, any status, any bytes), every service
 * call resolves or rejects with a SingapayException / BadRequestException, never
 * a TypeError, and never hangs. A throw-away HTTP server plays Singapay.
 */
import http from 'node:http';
import fc from 'fast-check';
import { BadRequestException } from '@nestjs/common';
import { SingapayException, type SingapayService } from '@app/singapay';
import { normalizeSingapayResponseCode } from '@app/singapay/errors/singapay-response-codes.js';
import { ScriptedServer, tokenAnswer } from '../support/scripted-server.js';
import { createSingapay, type SingapayTestContext } from '../support/singapay-testing.js';

const SEED = 424_242;

describe('normalizeSingapayResponseCode', () => {
  it('is total: never throws, answers a string of 2-3 digits or undefined', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.integer(), fc.double(), fc.stringMatching(/^\s*\d{0,4}\s*$/)), (value) => {
        const code = normalizeSingapayResponseCode(value);
        expect(code === undefined || /^\d{2,3}$/.test(code)).toBe(true);
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('is idempotent: normalising a normalised code changes nothing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.nat({ max: 1_000 }), fc.stringMatching(/^\s*0*\d{1,3}\s*$/)), (value) => {
        const once = normalizeSingapayResponseCode(value);
        if (once !== undefined) expect(normalizeSingapayResponseCode(once)).toBe(once);
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('agrees between a number and its decimal text, and pads to two digits', () => {
    fc.assert(
      fc.property(fc.nat({ max: 999 }), (n) => {
        const code = normalizeSingapayResponseCode(n);
        expect(code).toBe(normalizeSingapayResponseCode(String(n)));
        expect(code).toBe(String(n).padStart(2, '0'));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

type Answer = { status: number; headers: Record<string, string>; body: string };

const statusArb = fc.oneof(
  fc.constantFrom(200, 201, 202, 204, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504),
  fc.integer({ min: 200, max: 599 }),
);

const codeArb = fc.oneof(
  fc.constantFrom('00', '01', '0', '1', '6', '04', '06', '16', '17', '21', '99', '42', 0, 1, 16, '', ' 00 ', '000', 'OK', null),
  fc.jsonValue(),
);

/** Bodies shaped like Singapay's envelopes, with random holes and types in them. */
const envelopeArb = fc.record(
  {
    command: fc.oneof(fc.string(), fc.jsonValue()),
    response_code: codeArb,
    response_text: fc.oneof(fc.string(), fc.jsonValue()),
    data: fc.oneof(
      fc.jsonValue(),
      fc.dictionary(
        fc.constantFrom(
          'transaction_id',
          'reference_number',
          'amount',
          'price',
          'balance',
          'created_at',
          'bill_transactions',
          'pagination',
          'status',
          'customer_id',
        ),
        fc.jsonValue(),
      ),
    ),
    status: fc.oneof(fc.constantFrom(401, 403, 429, 500), fc.jsonValue()),
    success: fc.jsonValue(),
    error: fc.oneof(fc.record({ code: fc.constantFrom(401, 403, 429), message: fc.string() }), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

const answerArb: fc.Arbitrary<Answer> = fc.oneof(
  // Any JSON value at all.
  fc.record({
    status: statusArb,
    body: fc.jsonValue().map((v) => JSON.stringify(v)),
    headers: fc.constant({ 'content-type': 'application/json' }),
  }),
  // Envelope-shaped JSON.
  fc.record({
    status: statusArb,
    body: envelopeArb.map((v) => JSON.stringify(v)),
    headers: fc.constant({ 'content-type': 'application/json' }),
  }),
  // Not JSON: any text, an HTML page, a cut envelope, a BOM, an empty body.
  fc.record({
    status: statusArb,
    body: fc.oneof(
      fc.string(),
      fc.constant('<html><body>502 Bad Gateway</body></html>'),
      envelopeArb.map((v) => JSON.stringify(v)).chain((text) => fc.nat({ max: Math.max(0, text.length - 1) }).map((n) => text.slice(0, n))),
      fc.jsonValue().map((v) => `\uFEFF${JSON.stringify(v)}`),
      fc.constant(''),
    ),
    headers: fc.constantFrom<Record<string, string>>({ 'content-type': 'text/html' }, { 'content-type': 'application/json' }, {}),
  }),
);

function send(res: http.ServerResponse, answer: Answer): void {
  // 1xx and 204/304 cannot carry a body.
  const status = answer.status;
  const body = status === 204 || status === 304 ? '' : answer.body;
  res.writeHead(status, { ...answer.headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Calls that cover every envelope reader: balance, inquiry, payment (and its lookups), detail, list, game parameters. */
const CALLS: [string, (s: SingapayService, i: number) => Promise<unknown>][] = [
  ['checkBalance', (s) => s.checkBalance()],
  ['inquiry', (s) => s.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064' })],
  [
    'pay (direct)',
    (s, i) => s.pay({ command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '081234567891', idempotencyKey: `env-${i}` }),
  ],
  [
    'pay (inquiry flow)',
    (s, i) => s.pay({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064', referenceNumber: `REF${i}` }),
  ],
  ['getTransaction', (s) => s.getTransaction('01JWX2F2DZC68TC94XMNBJCC3H')],
  ['listTransactions', (s) => s.listTransactions({ customerId: '146300068064', page: 2 })],
  ['getGameTopupParameters', (s) => s.getGameTopupParameters('MLBB')],
];

describe('the envelope interpretation on arbitrary answers (real HTTP)', () => {
  let server: ScriptedServer;
  let ctx: SingapayTestContext;
  let current: Answer = { status: 200, headers: {}, body: '' };
  let serial = 0;

  beforeAll(async () => {
    server = await ScriptedServer.start();
    server.handle((req, res) => (req.path.includes('access-token') ? tokenAnswer(res) : send(res, current)));
    ctx = await createSingapay({ baseUrl: server.baseUrl, retry: { baseDelayMs: 0, maxAttempts: 2 }, timeoutMs: 2_000 });
  });
  afterAll(async () => {
    await ctx.close();
    await server.stop();
  });

  it.each(CALLS)(
    '%s resolves or rejects with a SingapayException, never anything else, never hangs',
    async (_name, call) => {
      await fc.assert(
        fc.asyncProperty(answerArb, async (answer) => {
          current = answer;
          let timer: NodeJS.Timeout | undefined;
          const hang = new Promise<'hang'>((resolve) => {
            timer = setTimeout(() => resolve('hang'), 5_000);
          });
          const outcome = await Promise.race([
            call(ctx.service, ++serial).then(
              (value) => ({ value }),
              (error: unknown) => ({ error }),
            ),
            hang,
          ]);
          clearTimeout(timer);
          expect(outcome).not.toBe('hang');
          if (outcome !== 'hang' && 'error' in outcome) {
            const error = outcome.error;
            expect(error instanceof SingapayException || error instanceof BadRequestException, `unexpected ${String(error)}`).toBe(true);
            if (error instanceof SingapayException) {
              // Always classified: a type, an HTTP error status, and a code only in its normalised form.
              expect(typeof error.responseType).toBe('string');
              expect(error.getStatus()).toBeGreaterThanOrEqual(400);
              expect(error.getStatus()).toBeLessThan(600);
              expect(error.responseCode === null || /^\d{2,3}$/.test(error.responseCode)).toBe(true);
            }
          }
        }),
        { seed: SEED, numRuns: 120 },
      );
    },
    60_000,
  );

  it('a 200 with a well-formed success envelope still parses (the generator is not all noise)', async () => {
    current = {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'check-balance', response_code: '00', data: { balance: '12.00' } }),
    };
    await expect(ctx.service.checkBalance()).resolves.toMatchObject({ balance: 12 });
  });
});
