import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { SingapaySimulator } from '@app/singapay-simulator';
import { SingapayModule } from '@app/singapay';
import { readSingapayOptionsFromEnv } from '@app/singapay/config/singapay.config.js';
import { singapayProxyFor } from '@app/singapay/doctor/singapay-doctor.host.js';
import { runSingapayDoctor, type SingapayDoctorOptions } from '@app/singapay/doctor/index.js';
import { SingapayCliUsageError } from '@app/singapay/cli/singapay-cli.app.js';
import { parseSingapayDoctorArgs, runSingapayDoctorCommand } from '@app/singapay/cli/singapay-doctor.command.js';

// Distinctive values, so that any of them showing in the output is caught.
const credentials = {
  apiKey: 'pk-doctor-7f3a9c1e55',
  clientId: 'cid-doctor-41b8e2',
  clientSecret: 'cs-doctor-d09a6f7733c1',
  password: 'pw-doctor-5e2b8c99',
};
const SECRETS = [credentials.apiKey, credentials.clientSecret, credentials.password, 'wrong-secret-0a1b2c3d', 'wrong-partner-9f8e7d'];

describe('singapay doctor', () => {
  let sim: SingapaySimulator;
  let output: string[];

  const envFor = (overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {
      SINGAPAY_BASE_URL: sim.baseUrl,
      SINGAPAY_API_KEY: credentials.apiKey,
      SINGAPAY_CLIENT_ID: credentials.clientId,
      SINGAPAY_CLIENT_SECRET: credentials.clientSecret,
      SINGAPAY_PASSWORD: credentials.password,
      ...overrides,
    };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    return env;
  };
  const run = (options: SingapayDoctorOptions) =>
    runSingapayDoctor({ envFile: false, timeoutMs: 5_000, ...options, write: (line) => output.push(line) });
  const text = () => output.join('\n');

  beforeAll(async () => {
    sim = await SingapaySimulator.start({ credentials });
  });
  afterAll(() => sim.stop());
  beforeEach(() => {
    sim.reset();
    output = [];
  });
  afterEach(() => {
    // No secret, in any test, whatever the outcome.
    for (const secret of SECRETS) expect(text()).not.toContain(secret);
    expect(text()).not.toMatch(/eyJ[\w-]+\.[\w-]+/); // no JWT-looking token either
  });

  it('passes every step on good credentials, inquiry included, and moves no money', async () => {
    const report = await run({ env: envFor(), inquiry: { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064' } });
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => [s.name, s.status])).toEqual([
      ['config', 'pass'],
      ['host', 'pass'],
      ['token', 'pass'],
      ['balance', 'pass'],
      ['inquiry', 'pass'],
    ]);
    expect(text()).toMatch(/✓ 3\. access token: granted/);
    expect(text()).toMatch(/✓ 4\. balance: readable: Rp 10\.000\.000/);
    expect(text()).toMatch(/PASS: 5 of 5 checks passed/);
    expect(sim.stats().paymentsReceived).toBe(0);
    expect(sim.ledger().applied).toBe(0);
  });

  it('diagnoses a wrong partner id (API key) and points at SINGAPAY_API_KEY', async () => {
    const report = await run({ env: envFor({ SINGAPAY_API_KEY: 'wrong-partner-9f8e7d' }) });
    expect(report.ok).toBe(false);
    const token = report.steps.find((s) => s.name === 'token')!;
    expect(token).toMatchObject({ status: 'fail', failure: 'partner_id_refused' });
    expect(text()).toMatch(/✗ 3\. access token: Singapay refused the partner id/);
    expect(text()).toMatch(/fix: check SINGAPAY_API_KEY: it is sent as X-PARTNER-ID/);
    expect(report.steps.find((s) => s.name === 'balance')!.status).toBe('skip');
    expect(text()).toMatch(/FAIL: 1 of 3 checks failed/);
  });

  it('diagnoses a wrong client secret, and asks to check the pair is not swapped', async () => {
    const report = await run({ env: envFor({ SINGAPAY_CLIENT_SECRET: 'wrong-secret-0a1b2c3d' }) });
    expect(report.ok).toBe(false);
    expect(report.steps.find((s) => s.name === 'token')).toMatchObject({ status: 'fail', failure: 'client_credentials_refused' });
    expect(text()).toMatch(/Singapay refused the client id \/ client secret/);
    expect(text()).toMatch(/fix: check SINGAPAY_CLIENT_ID and SINGAPAY_CLIENT_SECRET/);
    expect(text()).toMatch(/not swapped/);
  });

  it('never sends the client secret as a user name to find out whether the pair is swapped', async () => {
    const before = sim.stats().tokenRequests;
    const report = await run({
      env: envFor({ SINGAPAY_CLIENT_ID: credentials.clientSecret, SINGAPAY_CLIENT_SECRET: credentials.clientId }),
    });
    expect(report.ok).toBe(false);
    expect(text()).toMatch(/check they are not swapped/);
    // One token request, with the values as configured: none with them the other way round.
    expect(sim.stats().tokenRequests - before).toBe(1);
  });

  it('reports a missing password, and still checks token and balance', async () => {
    const report = await run({ env: envFor({ SINGAPAY_PASSWORD: undefined }) });
    expect(report.ok).toBe(false);
    expect(report.steps[0]).toMatchObject({ name: 'config', status: 'fail', failure: 'password_missing' });
    expect(text()).toMatch(/✗ 1\. configuration: SINGAPAY_PASSWORD is missing/);
    expect(text()).toMatch(/fix: set SINGAPAY_PASSWORD: the payment password/);
    expect(report.steps.slice(1).map((s) => s.status)).toEqual(['pass', 'pass', 'pass']);
  });

  it('names every missing variable and stops before the network', async () => {
    const report = await run({ env: envFor({ SINGAPAY_API_KEY: undefined, SINGAPAY_CLIENT_ID: ' spaced ' }) });
    expect(report.ok).toBe(false);
    expect(text()).toMatch(/fix: set SINGAPAY_API_KEY/);
    expect(report.steps.slice(1).every((s) => s.status === 'skip')).toBe(true);
    expect(sim.stats().tokenRequests).toBe(0);
  });

  it("refuses Singapay's production host with the environment left at sandbox, saying to set SINGAPAY_ENV, and sends nothing", async () => {
    const report = await run({ env: envFor({ SINGAPAY_BASE_URL: 'https://biller-b2b.singapay.id' }) });
    expect(report.ok).toBe(false);
    expect(report.steps[0]).toMatchObject({ status: 'fail', failure: 'config_invalid' });
    expect(text()).toMatch(/fix: SINGAPAY_BASE_URL names Singapay's production host: set SINGAPAY_ENV=production/);
    expect(sim.stats().tokenRequests).toBe(0);
  });

  it('refuses production without --production, and sends nothing', async () => {
    const report = await run({ env: envFor({ SINGAPAY_ENV: 'production' }) });
    expect(report.ok).toBe(false);
    expect(report.steps[0]).toMatchObject({ status: 'fail', failure: 'production_refused' });
    expect(text()).toMatch(/SINGAPAY_ENV is production: refused without --production/);
    expect(sim.stats().tokenRequests).toBe(0);
  });

  it('runs against production when --production is given', async () => {
    // Records in memory asked for by name: production starts with them (a shared store is the ledger test's).
    const env = envFor({ SINGAPAY_ENV: 'production', SINGAPAY_PAYMENT_STORE: 'memory' });
    const report = await run({ env, ...parseSingapayDoctorArgs(['--production']) });
    expect(report.ok).toBe(true);
    expect(text()).toMatch(/production at http:\/\/127\.0\.0\.1/);
  });

  it('reads SINGAPAY_PAYMENT_STORE as the module does: MEMORY keeps records in memory, whatever Redis URL is set', async () => {
    const env = envFor({ SINGAPAY_ENV: 'production', SINGAPAY_PAYMENT_STORE: 'MEMORY', SINGAPAY_REDIS_URL: 'redis://127.0.0.1:1' });
    const report = await run({ env, production: true });
    expect(report.steps.some((s) => s.name === 'ledger')).toBe(false);
    expect(report.ok).toBe(true);
  });

  it('fails production with payment records in memory not asked for by name, as the app refuses to start', async () => {
    const report = await run({ env: envFor({ SINGAPAY_ENV: 'production' }), production: true });
    expect(report.ok).toBe(false);
    expect(report.steps.find((s) => s.name === 'ledger')).toMatchObject({ status: 'fail' });
    expect(text()).toMatch(/✗ 2\. payment ledger: payment records would be kept in memory: the app refuses to start/);
    expect(text()).toMatch(/fix: environment is production but payment records would be kept in memory .*SINGAPAY_PAYMENT_STORE=memory/);
    // The module's own refusal, word for word.
    const app = Test.createTestingModule({
      imports: [SingapayModule.forRoot({ ...readSingapayOptionsFromEnv(envFor({ SINGAPAY_ENV: 'production' })) })],
    }).compile();
    await expect(app).rejects.toThrow(/production but payment records would be kept in memory/);
    // In sandbox the module accepts memory, and so does the doctor.
    output = [];
    expect((await run({ env: envFor() })).steps.some((s) => s.name === 'ledger')).toBe(false);
  });

  it('reports an unreachable host before sending credentials', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const report = await run({ env: envFor({ SINGAPAY_BASE_URL: `http://127.0.0.1:${closed}` }) });
    expect(report.steps[1]).toMatchObject({ name: 'host', status: 'fail' });
    expect(text()).toMatch(/ECONNREFUSED/);
    expect(report.steps.slice(2).every((s) => s.status === 'skip')).toBe(true);
  });

  it("names a token request that gets no answer with the health check's cause, after the host check passed", async () => {
    const silent = createServer((req) => req.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const report = await run({ env: envFor({ SINGAPAY_BASE_URL: `http://127.0.0.1:${port}` }), timeoutMs: 300 });
      expect(report.steps.find((s) => s.name === 'host')).toMatchObject({ status: 'pass' });
      expect(report.steps.find((s) => s.name === 'token')).toMatchObject({ status: 'fail', failure: 'timeout' });
      expect(text()).toMatch(/Singapay could not be reached/);
      expect(report.steps.slice(report.steps.findIndex((s) => s.name === 'token') + 1).every((s) => s.status === 'skip')).toBe(true);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('treats a customer-not-found inquiry as a working integration, a malformed one as a failure', async () => {
    const found = await run({ env: envFor(), inquiry: { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300069020' } });
    expect(found.ok).toBe(true);
    expect(text()).toMatch(/customer 1463\*\*\*\*9020.*code 20/);
    output = [];
    const broken = await run({ env: envFor(), inquiry: { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300069822' } });
    expect(broken.ok).toBe(false);
  });

  it('reads .env like ConfigModule.forRoot(): the environment wins over the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'singapay-doctor-'));
    try {
      writeFileSync(
        join(dir, '.env'),
        [
          `SINGAPAY_API_KEY=${credentials.apiKey}`,
          `SINGAPAY_CLIENT_SECRET="${credentials.clientSecret}"`,
          'SINGAPAY_BASE_URL=http://127.0.0.1:1',
        ].join('\n'),
      );
      const env = envFor({ SINGAPAY_API_KEY: undefined, SINGAPAY_CLIENT_SECRET: undefined });
      const report = await runSingapayDoctor({ env, cwd: dir, timeoutMs: 5_000, write: (line) => output.push(line) });
      expect(report.ok).toBe(true);
      expect(text()).toContain(join(dir, '.env'));
      expect(text()).toMatch(/SINGAPAY_API_KEY, SINGAPAY_CLIENT_SECRET from \.env\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('IP whitelist (a throw-away server answering as Singapay does)', () => {
    let server: Server;
    let baseUrl: string;
    let message: string;

    beforeAll(async () => {
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(403, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: 403, success: false, error: { code: 403, message } }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("names the IP address from Singapay's refusal, to submit for whitelisting", async () => {
      message = 'Your IP address (203.0.113.7) is not registered';
      const report = await run({ env: envFor({ SINGAPAY_BASE_URL: baseUrl }) });
      expect(report.steps.find((s) => s.name === 'token')).toMatchObject({ status: 'fail', failure: 'ip_not_whitelisted' });
      expect(text()).toMatch(/refused this caller's IP address 203\.0\.113\.7/);
      expect(text()).toMatch(/fix: submit 203\.0\.113\.7 to Singapay for IP whitelisting in sandbox/);
    });

    it('says what to do when the refusal names no address', async () => {
      message = 'IP not allowed';
      await run({ env: envFor({ SINGAPAY_BASE_URL: baseUrl }) });
      expect(text()).toMatch(/fix: submit this server's public \(egress\) IP address/);
    });
  });

  it('checks the proxy axios would use, and keeps no proxy password', () => {
    const url = new URL('https://sandbox-biller-b2b.singapay.id');
    const proxy = singapayProxyFor(url, { HTTPS_PROXY: 'http://user:pw-proxy-123@proxy.corp:3128' });
    expect(proxy?.variable).toBe('HTTPS_PROXY');
    expect(proxy?.url.href).toBe('http://proxy.corp:3128/');
    expect(singapayProxyFor(url, { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: '.singapay.id' })).toBeUndefined();
    expect(singapayProxyFor(url, { HTTP_PROXY: 'http://proxy.corp:3128' })).toBeUndefined();
    expect(singapayProxyFor(url, {})).toBeUndefined();
  });

  it('runs as a command: exit 0 when every check passes, 1 when one fails, 2 for a usage error with the usage', async () => {
    const io = (env: NodeJS.ProcessEnv) => ({
      env,
      write: (line: string) => output.push(line),
      error: (line: string) => output.push(`ERR ${line}`),
    });
    expect(await runSingapayDoctorCommand(['--no-env-file'], io(envFor()))).toBe(0);
    expect(text()).toMatch(/PASS: 4 of 4 checks passed/);
    output = [];
    expect(await runSingapayDoctorCommand(['--no-env-file'], io(envFor({ SINGAPAY_CLIENT_SECRET: 'wrong-secret-0a1b2c3d' })))).toBe(1);
    output = [];
    const requests = sim.stats().tokenRequests;
    expect(await runSingapayDoctorCommand(['--timeout', 'soon'], io(envFor()))).toBe(2);
    expect(text()).toMatch(/ERR singapay doctor: --timeout must be a number of milliseconds/);
    // The module's own range (timeoutMs 1-600000): beyond it, a usage error naming --timeout, not a failed token step.
    for (const timeout of ['600001', '999999', '0']) {
      output = [];
      expect(await runSingapayDoctorCommand(['--no-env-file', '--timeout', timeout], io(envFor()))).toBe(2);
      expect(text()).toMatch(/ERR singapay doctor: --timeout must be a number of milliseconds from 1 to 600000/);
      expect(text()).not.toMatch(/access token/);
    }
    expect(parseSingapayDoctorArgs(['--timeout', '600000'])).toMatchObject({ timeoutMs: 600_000 });
    expect(text()).toMatch(/Usage: singapay doctor/);
    expect(sim.stats().tokenRequests).toBe(requests);
  });

  it('parses its command line', () => {
    expect(parseSingapayDoctorArgs(['--inquiry', 'bpjsks:SPBPJSKS:0001234567891:3', '--timeout=800', '--no-env-file'])).toEqual({
      inquiry: { command: 'bpjsks', productCode: 'SPBPJSKS', customerId: '0001234567891', period: 3 },
      timeoutMs: 800,
      envFile: false,
    });
    expect(() => parseSingapayDoctorArgs(['--inquiry', 'plnpos:SPPLNPOS'])).toThrow(SingapayCliUsageError);
    expect(() => parseSingapayDoctorArgs(['--inquiry', 'pulsa:X:1'])).toThrow(/command must be one of/);
    expect(() => parseSingapayDoctorArgs(['--bogus'])).toThrow(/unknown option --bogus/);
    expect(() => parseSingapayDoctorArgs(['--timeout', '--verbose'])).toThrow(/--timeout needs a value/);
    // A flag takes no value: `--production=false` must not turn production on.
    expect(() => parseSingapayDoctorArgs(['--production=false'])).toThrow(/--production takes no value/);
    expect(() => parseSingapayDoctorArgs(['--no-env-file=.env.prod'])).toThrow(/--no-env-file takes no value/);
    expect(parseSingapayDoctorArgs(['--production', '--verbose', '--env-file=.env.sandbox', '--help'])).toEqual({
      help: true,
      production: true,
      logLevels: ['error', 'warn', 'log'],
      envFile: '.env.sandbox',
    });
  });
});
