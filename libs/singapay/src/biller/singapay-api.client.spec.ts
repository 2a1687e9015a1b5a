/**
 * The API client and transport on their own, over a throw-away loopback server: how
 * each kind of answer is read, what is replayed, and what a failure says about delivery.
 */
import { SingapayAuthService } from '../auth/singapay-auth.service.js';
import { SingapayInMemoryTokenStore } from '../auth/singapay-in-memory-token.store.js';
import { SingapayTokenProvider } from '../auth/singapay-token.provider.js';
import { resolveSingapayOptions } from '../config/singapay-options.validation.js';
import { SingapayErrorFactory } from '../errors/singapay-error.factory.js';
import { SingapayException } from '../errors/singapay.exception.js';
import { singapayRefusalAdvice } from '../errors/singapay-failure.diagnosis.js';
import { SingapayTelemetry } from '../telemetry/singapay-telemetry.service.js';
import { json, ScriptedServer, tokenAnswer } from '../../../../test/support/scripted-server.js';
import { SingapayApiClient } from './singapay-api.client.js';
import { checkCallOptions, createSingapayHttpService, SingapayTransport } from '../http/singapay-transport.js';

let server: ScriptedServer;
let client: SingapayApiClient;

beforeAll(async () => {
  server = await ScriptedServer.start();
  const options = resolveSingapayOptions({
    baseUrl: server.baseUrl,
    apiKey: 'unit-api-key',
    clientId: 'unit-client',
    clientSecret: 'unit-secret-value',
    password: 'unit-password-value',
    timeoutMs: 500,
    retry: { maxAttempts: 2, baseDelayMs: 1 },
  });
  const errors = new SingapayErrorFactory(options);
  // Without @opentelemetry/api: every span and metric is a no-op.
  const telemetry = new SingapayTelemetry(undefined, 'unit');
  const transport = new SingapayTransport(createSingapayHttpService(options), options, Date.now, errors);
  const tokens = new SingapayTokenProvider(
    new SingapayAuthService(transport, errors, options, telemetry),
    new SingapayInMemoryTokenStore(),
    options,
    Date.now,
    errors,
  );
  client = new SingapayApiClient(transport, tokens, errors, options, Date.now, telemetry);
});
afterAll(() => server.stop());

/** Answers the token endpoint, and the business call with `answers` in turn (the last one repeats). */
let tokensIssued = 0;
function script(...answers: ((res: Parameters<Parameters<ScriptedServer['handle']>[0]>[1]) => void)[]) {
  let n = 0;
  server.requests.length = 0;
  server.handle((req, res) => {
    if (req.path.includes('access-token')) return tokenAnswer(res, `token-${++tokensIssued}`);
    answers[Math.min(n++, answers.length - 1)]!(res);
  });
}
const read = () => client.call({ operation: 'checkBalance', path: '/api/v1/check-balance', body: { command: 'check-balance' } });
const pay = () =>
  client.call({
    operation: 'pay',
    path: '/api/v2/prepaid/payment',
    body: { command: 'pulsa', data: {} },
    acceptPending: true,
    moneyMoving: true,
  });
const failureOf = async (p: Promise<unknown>) => {
  const e = await p.catch((error: unknown) => error);
  if (!(e instanceof SingapayException)) throw new Error(`expected a SingapayException, got ${String(e)}`);
  return e;
};

describe('SingapayApiClient', () => {
  it("reads PHP's [] as an empty data map, and normalises an unpadded code", async () => {
    script((res) => json(res, 200, { command: 'check-balance', response_code: 0, response_text: 'ok', data: [] }));
    expect(await read()).toMatchObject({ responseCode: '00', data: {} });
    script((res) => json(res, 404, { command: 'check-balance', response_code: '6', response_text: 'Transaction not found' }));
    expect(await failureOf(read())).toMatchObject({ responseCode: '06', upstreamStatus: 404, delivery: 'received' });
  });

  it('replays a read once after HTTP 401 with a new token; a payment too, since the gateway never passed it on', async () => {
    const refused = (res: Parameters<typeof json>[0]) =>
      json(res, 401, { status: 401, success: false, error: { code: 401, message: 'Unauthorized' } });
    const ok = (res: Parameters<typeof json>[0]) => json(res, 200, { command: 'x', response_code: '00', data: { balance: '1.00' } });
    script(refused, ok);
    const before = tokensIssued;
    await read();
    expect(tokensIssued).toBe(before + 1);
    const [first, second] = server.businessRequests().map((r) => r.headers.authorization);
    expect(second).toBe(`Bearer token-${tokensIssued}`);
    expect(first).not.toBe(second);
    script(refused, refused);
    expect(await failureOf(pay())).toMatchObject({ responseCode: '16', cause: 'credentials_mismatch' });
    expect(server.businessRequests()).toHaveLength(2);
  });

  it('never replays a payment answered code 16 (it came from past the gateway)', async () => {
    script((res) => json(res, 200, { command: 'pulsa', response_code: '16', response_text: 'Unauthenticated' }));
    expect(await failureOf(pay())).toMatchObject({ responseCode: '16' });
    expect(server.businessRequests()).toHaveLength(1);
  });

  it('reads a 403 as a refused IP (naming it) or a refused partner id, with the fix the token request gives for it', async () => {
    script((res) =>
      json(res, 403, { status: 403, success: false, error: { code: 403, message: 'Your IP address (198.51.100.7) is not registered' } }),
    );
    expect(await failureOf(read())).toMatchObject({
      responseCode: '08',
      cause: 'ip_not_whitelisted',
      ipAddress: '198.51.100.7',
      message: expect.stringContaining(singapayRefusalAdvice('ip_not_whitelisted', '198.51.100.7')),
    });
    // A time before the address is not an address: only what node:net reads as one is named.
    for (const [message, ip] of [
      ['[2025-06-10 10:30:45] Your IP address (198.51.100.9) is not registered', '198.51.100.9'],
      ['[10:30:45] IP 2001:db8::7 is not registered', '2001:db8::7'],
      ['Your IP address (::ffff:198.51.100.8) is not registered', '198.51.100.8'],
    ]) {
      script((res) => json(res, 403, { status: 403, success: false, error: { code: 403, message } }));
      expect(await failureOf(read())).toMatchObject({ cause: 'ip_not_whitelisted', ipAddress: ip });
    }
    script((res) => json(res, 403, { status: 403, success: false, error: { code: 403, message: 'Invalid X-PARTNER-ID' } }));
    expect(await failureOf(read())).toMatchObject({
      responseCode: '08',
      cause: 'partner_id_refused',
      message: expect.stringMatching(/check the API key \(SINGAPAY_API_KEY, sent as X-PARTNER-ID\)/),
    });
  });

  it('tells what was received from what may have been sent', async () => {
    script((res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad gateway</html>');
    });
    expect(await failureOf(pay())).toMatchObject({ responseType: 'malformed_response', delivery: 'received', cause: 'singapay_error' });
    expect(server.businessRequests()).toHaveLength(1);
    script((res) => res.socket?.destroy());
    expect(await failureOf(pay())).toMatchObject({ responseType: 'connection_reset', delivery: 'maybe_sent' });
    script(() => undefined);
    expect(
      await failureOf(
        client.call({ operation: 'pay', path: '/x', body: { command: 'pulsa' }, moneyMoving: true, call: { timeoutMs: 50 } }),
      ),
    ).toMatchObject({
      responseType: 'timeout',
      delivery: 'maybe_sent',
    });
  });

  it('takes 01 as an answer only where pending is expected', async () => {
    script((res) => json(res, 200, { command: 'x', response_code: '01', data: {} }));
    expect(await pay()).toMatchObject({ responseCode: '01' });
    expect((await failureOf(read())).getStatus()).toBe(502);
  });

  it('reads 429 without a code as rate limiting, retried for reads', async () => {
    script((res) => json(res, 429, { status: 429, success: false, error: { code: 429, message: 'slow down' } }));
    expect(await failureOf(read())).toMatchObject({ responseType: 'rate_limited', upstreamStatus: 429 });
    expect(server.businessRequests()).toHaveLength(2);
  });
});

describe('checkCallOptions', () => {
  it('refuses nonsense before anything is sent', () => {
    expect(checkCallOptions('pay', { timeoutMs: 100 })).toBe(100);
    expect(() => checkCallOptions('pay', { timeoutMs: 0 })).toThrow();
    expect(() => checkCallOptions('pay', { signal: {} as AbortSignal })).toThrow();
  });
});
