import { SIMULATOR_GENERAL, SIMULATOR_TOKEN_PATH } from './simulator-api-docs.js';
import { SingapaySimulator } from './singapay-simulator.js';
import { SimulatorTestClient } from './testing/simulator-test-client.js';

const unauthorized = { status: 401, success: false, error: { code: 401, message: 'Unauthorized merchant, please sign in' } };
const balanceBody = { command: 'check-balance' };

describe('SingapaySimulator: token and gateway', () => {
  let sim: SingapaySimulator;
  let client: SimulatorTestClient;

  beforeAll(async () => {
    sim = await SingapaySimulator.start({ tokenLifetimeSeconds: 60 });
  });
  afterAll(() => sim.stop());
  beforeEach(() => {
    sim.reset();
    client = new SimulatorTestClient(sim);
  });

  it('listens on 127.0.0.1 with the public default credentials', () => {
    expect(sim.baseUrl).toBe(`http://127.0.0.1:${sim.port}`);
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.credentials).toEqual({
      apiKey: 'sim-api-key',
      clientId: 'sim-client-id',
      clientSecret: 'sim-client-secret',
      password: 'sim-password',
    });
  });

  it('issues a bearer JWT with expires_in as a string', async () => {
    const answer = await client.tokenRequest();
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: 200,
      success: true,
      data: { access_token: expect.stringMatching(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/), token_type: 'Bearer', expires_in: '60' },
    });
    expect(sim.stats()).toMatchObject({ tokenRequests: 1, tokensIssued: 1, requests: { [SIMULATOR_TOKEN_PATH]: 1 } });
  });

  it.each([
    ['a missing X-PARTNER-ID', { partnerId: null }, 403, 'Invalid X-PARTNER-ID'],
    ['a wrong X-PARTNER-ID', { partnerId: 'nope' }, 403, 'Invalid X-PARTNER-ID'],
    ['a wrong client secret', { basic: 'sim-client-id:wrong' }, 401, 'Invalid client ID or client secret'],
    ['a wrong client id', { basic: 'someone:sim-client-secret' }, 401, 'Invalid client ID or client secret'],
    ['no Basic auth', { basic: null }, 401, 'Invalid client ID or client secret'],
    ['grantType in camel case', { body: { grantType: 'client_credentials' } }, 400, 'The grant_type field must be client_credentials'],
    ['another grant type', { body: { grant_type: 'password' } }, 400, 'The grant_type field must be client_credentials'],
  ])('refuses a token request with %s', async (_name, overrides, status, message) => {
    const answer = await client.tokenRequest(overrides);
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ status, success: false, error: { code: status, message } });
    expect(sim.stats()).toMatchObject({ tokenRequests: 1, tokensIssued: 0 });
  });

  it('answers 401 without a token, with a foreign token and with a Basic header', async () => {
    const headers = { 'content-type': 'application/json', 'x-partner-id': 'sim-api-key' };
    const body = JSON.stringify(balanceBody);
    for (const authorization of [undefined, 'Bearer not-a-jwt', 'Basic c2ltLWNsaWVudC1pZDpzaW0tY2xpZW50LXNlY3JldA==']) {
      const answer = await client.raw(SIMULATOR_GENERAL.checkBalance.path, body, authorization ? { ...headers, authorization } : headers);
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual(unauthorized);
    }
  });

  it('expires tokens on the simulator clock and revokes them on demand', async () => {
    expect((await client.post(SIMULATOR_GENERAL.checkBalance.path, balanceBody)).status).toBe(200);
    sim.advance(60_000);
    const expired = await client.post(SIMULATOR_GENERAL.checkBalance.path, balanceBody);
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual(unauthorized);

    await client.token();
    expect((await client.post(SIMULATOR_GENERAL.checkBalance.path, balanceBody)).status).toBe(200);
    sim.revokeTokens();
    expect((await client.post(SIMULATOR_GENERAL.checkBalance.path, balanceBody)).body).toEqual(unauthorized);
    await client.token();
    expect((await client.post(SIMULATOR_GENERAL.checkBalance.path, balanceBody)).body.response_code).toBe('00');
  });

  it('checks X-PARTNER-ID on business calls too', async () => {
    const answer = await client.post(SIMULATOR_GENERAL.checkBalance.path, balanceBody, { 'x-partner-id': 'other' });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toEqual({ code: 403, message: 'Invalid X-PARTNER-ID' });
  });

  it('answers 406 to a client that does not accept JSON, and serves */* and absent Accept', async () => {
    const html = await client.post(SIMULATOR_GENERAL.checkBalance.path, balanceBody, { accept: 'text/html' });
    expect(html.status).toBe(406);
    expect(html.body).toMatchObject({ status: 406, success: false, error: { code: 406 } });
    expect((await client.post(SIMULATOR_GENERAL.checkBalance.path, balanceBody, { accept: '*/*' })).status).toBe(200);
  });

  it('answers 400 to malformed JSON and to a non-object body, 415 to a body that is not labelled JSON', async () => {
    const token = await client.token();
    const headers = { 'content-type': 'application/json', 'x-partner-id': 'sim-api-key', authorization: `Bearer ${token}` };
    const broken = await client.raw(SIMULATOR_GENERAL.checkBalance.path, '{"command":', headers);
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ status: 400, success: false, error: { code: 400, message: 'Malformed JSON body' } });
    expect((await client.raw(SIMULATOR_GENERAL.checkBalance.path, '[1]', headers)).status).toBe(400);
    const form = await client.raw(SIMULATOR_GENERAL.checkBalance.path, 'command=check-balance', {
      ...headers,
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
  });

  it('answers 404 to an unknown path, 405 to GET, 413 to a body over 1 MB', async () => {
    const unknown = await client.post('/api/v3/prepaid/inquiry', { command: 'plntok' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ status: 404, success: false, error: { code: 404, message: 'Not Found' } });
    const get = await client.raw(SIMULATOR_GENERAL.checkBalance.path, undefined, {}, 'GET');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    const huge = await client.post(SIMULATOR_GENERAL.checkBalance.path, { command: 'check-balance', pad: 'x'.repeat(1_100_000) });
    expect(huge.status).toBe(413);
    expect(sim.stats().requests['/api/v3/prepaid/inquiry']).toBe(1);
  });
});

describe('SingapaySimulator: IP allow-list and custom credentials', () => {
  it('refuses clients whose IP is not registered', async () => {
    const sim = await SingapaySimulator.start({ allowedIps: ['10.1.2.3'] });
    try {
      const answer = await new SimulatorTestClient(sim).tokenRequest();
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({
        status: 403,
        success: false,
        error: { code: 403, message: 'Your IP address (127.0.0.1) is not registered' },
      });
    } finally {
      await sim.stop();
    }
  });

  it('serves registered clients and takes partial credentials', async () => {
    const sim = await SingapaySimulator.start({ allowedIps: ['127.0.0.1'], credentials: { clientSecret: 'another-secret' } });
    try {
      expect(sim.credentials.clientSecret).toBe('another-secret');
      expect(sim.credentials.apiKey).toBe('sim-api-key');
      const client = new SimulatorTestClient(sim);
      expect((await client.tokenRequest()).status).toBe(200);
      expect((await client.tokenRequest({ basic: 'sim-client-id:sim-client-secret' })).status).toBe(401);
    } finally {
      await sim.stop();
    }
  });

  it('stops with keep-alive sockets open, and stop() can be called twice', async () => {
    const sim = await SingapaySimulator.start();
    const response = await fetch(`${sim.baseUrl}/nowhere`, { method: 'POST', headers: { connection: 'keep-alive' } });
    expect(response.status).toBe(404);
    await response.arrayBuffer();
    const started = Date.now();
    await sim.stop();
    await sim.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(fetch(`${sim.baseUrl}/nowhere`, { method: 'POST' })).rejects.toThrow();
  });
});
