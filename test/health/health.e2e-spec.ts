import request from 'supertest';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { SINGAPAY_ENV_VARS, SingapayModule, type SingapayModuleOptions } from '@app/singapay';
import { SINGAPAY_GENERAL_PATHS } from '@app/singapay/contract/singapay-api.contract.js';
import {
  InjectSingapayHealthIndicator,
  SINGAPAY_HEALTH_OPTIONS,
  SingapayHealthIndicator,
  SingapayHealthModule,
  type SingapayHealthOptions,
} from '@app/singapay/health/index.js';
import { SingapaySimulator } from '@app/singapay-simulator';
import type { SampleApp } from '../../apps/sample/src/sample-bootstrap.js';
import { freePort } from '../support/free-port.js';
import { startSampleOnSimulator } from '../support/sample-testing.js';
import { TestHealthController } from '../support/health-testing.js';
import { registerSecret } from '../support/log-capture.js';

const BALANCE_PATH = SINGAPAY_GENERAL_PATHS.checkBalance;
const balanceCalls = (sim: SingapaySimulator) => sim.stats().requests[BALANCE_PATH] ?? 0;

describe('GET /health in the sample app (real HTTP, built-in simulator)', () => {
  let sample: SampleApp;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    const started = await startSampleOnSimulator();
    sample = started.sample;
    http = request(started.baseUrl);
  });
  afterAll(async () => {
    await sample.close();
    for (const name of Object.values(SINGAPAY_ENV_VARS)) delete process.env[name];
  });
  beforeEach(() => sample.app.get(SingapayHealthIndicator).clearCache());

  it('is up when a token can be had and the balance read, without showing the deposit (a public route)', async () => {
    const res = await http.get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { singapay: { status: 'up', minBalance: 1_000_000 } }, error: {} });
    expect(res.body.info.singapay).not.toHaveProperty('balance');
    expect(res.body.info.singapay).not.toHaveProperty('currency');
    // One time format everywhere: milliseconds and the WIB offset, like the API's own times.
    expect(res.body.info.singapay.checkedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+07:00$/);
  });

  it('is degraded (still 200) when the deposit is below the minimum', async () => {
    sample.simulator!.setBalance(5_000);
    try {
      const res = await http.get('/health').expect(200);
      expect(res.body.status).toBe('degraded');
      expect(res.body.details.singapay).toMatchObject({ status: 'degraded', cause: 'low_balance', minBalance: 1_000_000 });
      expect(res.body.details.singapay.message).toMatch(/^The deposit is below the configured minimum of 1000000: top it up/);
      expect(JSON.stringify(res.body)).not.toMatch(/5000\b|"balance"/);
    } finally {
      sample.simulator!.setBalance(10_000_000);
    }
  });

  it('asks Singapay once for any number of probes within the cache time, concurrent or not', async () => {
    const before = balanceCalls(sample.simulator!);
    const burst = await Promise.all(Array.from({ length: 25 }, () => http.get('/health').expect(200)));
    for (let i = 0; i < 5; i++) await http.get('/health').expect(200);
    expect(balanceCalls(sample.simulator!) - before).toBe(1);
    // All answers describe the same check; later ones say they came from the cache.
    expect(new Set(burst.map((r) => r.body.info.singapay.checkedAt)).size).toBe(1);
    const later = await http.get('/health').expect(200);
    expect(later.body.info.singapay.cachedResponse).toBe(true);
  });
});

@Controller('health-b')
class NamedHealthController {
  constructor(
    private readonly health: HealthCheckService,
    @InjectSingapayHealthIndicator('b') private readonly singapay: SingapayHealthIndicator,
  ) {}

  @Get()
  @HealthCheck({ swaggerDocumentation: false })
  check() {
    return this.health.check([() => this.singapay.isHealthy()]);
  }
}

/** A user's app: SingapayModule, TerminusModule and the health module, listening on a loopback port. */
async function startHealthApp(options: Partial<SingapayModuleOptions> & { baseUrl: string }, health: SingapayHealthOptions = {}) {
  const credentials = { apiKey: 'sim-api-key', clientId: 'sim-client-id', clientSecret: 'sim-client-secret', password: 'sim-password' };
  @Module({
    imports: [
      SingapayModule.forRoot({ ...credentials, ...options, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 }, isGlobal: true }),
      TerminusModule.forRoot({ logger: false }),
      SingapayHealthModule.forFeature(health),
    ],
    controllers: [TestHealthController],
  })
  class UserAppModule {}
  const app: INestApplication = await NestFactory.create(UserAppModule, { logger: false, abortOnError: false });
  const port = await freePort();
  await app.listen(port, '127.0.0.1');
  return { app, http: request(`http://127.0.0.1:${port}`) };
}

describe('SingapayHealthIndicator in a user app (real HTTP)', () => {
  let sim: SingapaySimulator;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    sim = await SingapaySimulator.start();
    registerSecret(sim.credentials.clientSecret, sim.credentials.password, 'wrong-client-secret', 'wrong-partner-id');
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    sim.faults.clear();
  });
  afterAll(() => sim.stop());

  async function probe(options: Partial<SingapayModuleOptions>, health: SingapayHealthOptions = {}, baseUrl = sim.baseUrl) {
    const { app, http } = await startHealthApp({ baseUrl, ...options }, health);
    apps.push(app);
    return http.get('/health');
  }

  const noSecretIn = (text: string) => {
    for (const secret of [
      sim.credentials.clientSecret,
      sim.credentials.password,
      'wrong-client-secret',
      'wrong-partner-id',
      sim.credentials.apiKey,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/Basic\s+[A-Za-z0-9+/=]{8,}|eyJ[\w-]{4,}\./);
  };

  it('is down with partner_id_refused for a wrong partner id (API key)', async () => {
    const res = await probe({ apiKey: 'wrong-partner-id' });
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('error');
    expect(res.body.error.singapay).toMatchObject({ status: 'down', cause: 'partner_id_refused', responseCode: '08' });
    expect(res.body.error.singapay.message).toContain('check the API key (SINGAPAY_API_KEY, sent as X-PARTNER-ID)');
    noSecretIn(res.text);
  });

  it('is down with client_credentials_refused for a wrong client secret', async () => {
    const res = await probe({ clientSecret: 'wrong-client-secret' });
    expect(res.status).toBe(503);
    expect(res.body.error.singapay).toMatchObject({ status: 'down', cause: 'client_credentials_refused', responseCode: '16' });
    expect(res.body.error.singapay.message).toContain('check the client ID and client secret (SINGAPAY_CLIENT_ID, SINGAPAY_CLIENT_SECRET)');
    noSecretIn(res.text);
  });

  it('is down with ip_not_whitelisted naming the IP to submit', async () => {
    const guarded = await SingapaySimulator.start({ allowedIps: ['203.0.113.7'] });
    try {
      const res = await probe({}, {}, guarded.baseUrl);
      expect(res.status).toBe(503);
      expect(res.body.error.singapay).toMatchObject({ status: 'down', cause: 'ip_not_whitelisted', responseCode: '08' });
      expect(res.body.error.singapay.message).toMatch(/submit (::ffff:)?127\.0\.0\.1 to Singapay for whitelisting/);
      noSecretIn(res.text);
    } finally {
      await guarded.stop();
    }
  });

  it('is down with unreachable when nothing listens at the host', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const res = await probe({}, {}, closed);
    expect(res.status).toBe(503);
    expect(res.body.error.singapay).toMatchObject({
      status: 'down',
      cause: 'unreachable',
      responseCode: null,
      responseType: 'connection_failed',
    });
    expect(res.body.error.singapay.message).toMatch(/Singapay is unreachable \(ECONNREFUSED\): check the host/);
  });

  it('is down with timeout when Singapay does not answer within timeoutMs', async () => {
    sim.faults.add({ endpoint: 'balance', fault: { kind: 'hang' } });
    const started = Date.now();
    const res = await probe({}, { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.status).toBe(503);
    expect(res.body.error.singapay).toMatchObject({ status: 'down', cause: 'timeout' });
  });

  it('caches a down result too, and asks again once the cache time has passed', async () => {
    // A generous cache time: a loaded machine must not let it run out between the first probes.
    const { app, http } = await startHealthApp({ baseUrl: sim.baseUrl, clientSecret: 'wrong-client-secret' }, { cacheTtlMs: 3_000 });
    apps.push(app);
    const before = sim.stats().tokenRequests;
    await Promise.all(Array.from({ length: 10 }, () => http.get('/health').expect(503)));
    await http.get('/health').expect(503);
    expect(sim.stats().tokenRequests - before).toBe(1);
    await new Promise((r) => setTimeout(r, 3_100));
    await http.get('/health').expect(503);
    expect(sim.stats().tokenRequests - before).toBe(2);
  });

  it('can hide the balance and use another key', async () => {
    const res = await probe({}, { includeBalance: false, key: 'payments-provider', minBalance: 1 });
    expect(res.status).toBe(200);
    expect(res.body.info['payments-provider']).toMatchObject({ status: 'up', minBalance: 1 });
    expect(res.body.info['payments-provider'].balance).toBeUndefined();
  });

  it('checks a named registration', async () => {
    @Module({
      imports: [
        SingapayModule.forRoot({ ...sim.credentials, baseUrl: sim.baseUrl, name: 'b', isGlobal: true }),
        TerminusModule.forRoot({ logger: false }),
        SingapayHealthModule.forFeature({ name: 'b' }),
      ],
      controllers: [NamedHealthController],
    })
    class NamedAppModule {}
    const app = await NestFactory.create(NamedAppModule, { logger: false, abortOnError: false });
    apps.push(app);
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    const res = await request(`http://127.0.0.1:${port}`).get('/health-b').expect(200);
    expect(res.body.info['singapay-b']).toMatchObject({ status: 'up', balance: sim.balance });
  });

  it('works as a plain provider next to a non-global SingapayModule, options from SINGAPAY_HEALTH_OPTIONS', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SingapayModule.forRoot({ ...sim.credentials, baseUrl: sim.baseUrl }), TerminusModule],
      providers: [SingapayHealthIndicator, { provide: SINGAPAY_HEALTH_OPTIONS, useValue: { minBalance: sim.balance + 1 } }],
    }).compile();
    try {
      const result = await moduleRef.get(SingapayHealthIndicator).isHealthy();
      expect(result.singapay).toMatchObject({ status: 'degraded', cause: 'low_balance', minBalance: sim.balance + 1 });
    } finally {
      await moduleRef.close();
    }
  });

  it('refuses bad options at start-up, naming the field', async () => {
    await expect(startHealthApp({ baseUrl: sim.baseUrl }, { minBalance: -1, cacheTtlMs: 1.5 })).rejects.toThrow(
      /minBalance must be an integer from 0 .*cacheTtlMs must be an integer/,
    );
  });
});
