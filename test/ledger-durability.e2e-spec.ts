/**
 * A payment ledger that forgets pays orders twice. Against real redis-server processes: a Redis
 * that evicts or keeps nothing on disk is refused in production (a warning in sandbox), one whose
 * settings cannot be read needs the operator's word; a Redis flushed, restarted empty or rolled
 * back to an older snapshot under running apps stops payments in all of them (503, nothing sent,
 * none paid twice) until `singapay ledger resume`. Against a real PostgreSQL server: the module's
 * writes commit with synchronous_commit = on whatever the server's default, and production
 * refuses fsync = off. `singapay doctor` reports both.
 */
import { Logger, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import request from 'supertest';
import { SingapayConfigurationError, SingapayModule, SingapayPaymentStoreException, type SingapayModuleOptions } from '@app/singapay';
import { PostgresPaymentStore } from '@app/singapay/postgres/index.js';
import { RedisPaymentStore } from '@app/singapay/redis/index.js';
import { SingapayPaymentStoreError } from '@app/singapay/stores/index.js';
import { runSingapayLedger } from '@app/singapay/cli/singapay-ledger.command.js';
import { readSingapayOptionsFromEnv } from '@app/singapay/config/singapay.config.js';
import { resolveSingapayOptions } from '@app/singapay/config/singapay-options.validation.js';
import { runSingapayDoctor } from '@app/singapay/doctor/index.js';
import { runSingapayMigrate } from '@app/singapay/cli/singapay-postgres.commands.js';
import { SingapayHealthModule } from '@app/singapay/health/index.js';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES } from '@app/singapay-simulator';
import { freePort } from './support/free-port.js';
import { TestHealthController } from './support/health-testing.js';
import { capturedLogLines, registerSecret, secretLeaks } from './support/log-capture.js';
import { postgresAvailable, postgresRequired, startPostgres, type TestPostgres } from './support/postgres-server.js';
import { redisAvailable, redisRequired, startRedis, type TestRedis, type TestRedisOptions } from './support/redis-server.js';
import { createSingapay, type SingapayTestContext } from './support/singapay-testing.js';

if (!redisAvailable) new Logger('LedgerTests').warn('redis-server is not installed: the Redis ledger suites are SKIPPED');

const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa;
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );
const logsSince = (mark: number) => capturedLogLines.slice(mark).join('\n');

/** A user's app as the README shows it: the module on `options`, `GET /health` with the Singapay indicator (no cache). */
async function startHealthApp(options: SingapayModuleOptions) {
  @Module({
    imports: [
      SingapayModule.forRoot({ ...options, isGlobal: true }),
      TerminusModule.forRoot({ logger: false }),
      SingapayHealthModule.forFeature({ cacheTtlMs: 0 }),
    ],
    controllers: [TestHealthController],
  })
  class UserAppModule {}
  const nest: INestApplication = await NestFactory.create(UserAppModule, { logger: false, abortOnError: false });
  try {
    const port = await freePort();
    await nest.listen(port, '127.0.0.1');
    return { nest, http: request(`http://127.0.0.1:${port}`) };
  } catch (error) {
    await nest.close();
    throw error;
  }
}

describe.skipIf(!redisAvailable && !redisRequired)('a Redis that keeps payment records (real redis-server)', () => {
  let sim: SingapaySimulator;
  const redises: TestRedis[] = [];
  const contexts: SingapayTestContext[] = [];

  beforeAll(async () => {
    if (!redisAvailable) throw new Error('redis-server is required here (SINGAPAY_REQUIRE_REDIS=1) but not installed');
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    registerSecret(sim.credentials.clientSecret, sim.credentials.password);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    await Promise.all(redises.splice(0).map((r) => r.stop()));
    sim.reset();
  });
  afterAll(() => sim?.stop());

  const redis = async (options?: TestRedisOptions) => {
    const r = await startRedis(options);
    redises.push(r);
    return r;
  };
  const app = async (extra: Partial<SingapayModuleOptions>, testing: Parameters<typeof createSingapay>[1] = {}) => {
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, retry: { baseDelayMs: 5 }, ...extra }, testing);
    contexts.push(ctx);
    return ctx;
  };
  const startFailure = (extra: Partial<SingapayModuleOptions>) =>
    failure(app(extra)).then((e) => {
      expect(e).toBeInstanceOf(SingapayConfigurationError);
      return (e as Error).message;
    });
  const pay = (ctx: SingapayTestContext, key: string) =>
    ctx.service.pay({ command: 'pulsa', productCode, customerId, idempotencyKey: key });

  describe('at start-up, in production', () => {
    it.each(['allkeys-lru', 'volatile-lru'])(
      'refuses a Redis that evicts (maxmemory 4mb, %s), naming the setting and the fix',
      async (policy) => {
        const r = await redis({ maxmemory: '4mb', maxmemoryPolicy: policy });
        const message = await startFailure({ environment: 'production', redisUrl: r.url });
        expect(message).toContain(`maxmemory-policy ${policy}`);
        expect(message).toMatch(/Set maxmemory-policy noeviction.*or keep payment records in PostgreSQL \(SINGAPAY_DATABASE_URL\)/);
        expect(sim.stats().tokenRequests).toBe(0);
        // The refused start-up closed the client it had opened: only this test's own is connected.
        const admin = await r.client();
        await expect.poll(async () => ((await admin.client('LIST')) as string).trim().split('\n').length).toBe(1);
      },
    );

    it('refuses a Redis that keeps nothing on disk (appendonly no, save "")', async () => {
      const r = await redis({ persistence: 'none' });
      const message = await startFailure({ environment: 'production', redisUrl: r.url });
      expect(message).toMatch(/keeps nothing on disk \(appendonly no, save ""\): a restart empties it.*Set appendonly yes/);
    });

    it('checks a RedisPaymentStore the app passes in, as it does its own', async () => {
      const r = await redis({ maxmemory: '4mb', maxmemoryPolicy: 'allkeys-lru', persistence: 'none' });
      const message = await startFailure({ environment: 'production', paymentStore: new RedisPaymentStore(await r.client()) });
      expect(message).toMatch(/evicts keys.*; .*keeps nothing on disk/);
    });

    it('starts on a Redis kept as a ledger (noeviction, AOF) and says so', async () => {
      const r = await redis();
      const mark = capturedLogLines.length;
      const ctx = await app({ environment: 'production', redisUrl: r.url });
      expect(logsSince(mark)).toMatch(
        /Payment records are kept in Redis: maxmemory-policy noeviction \(maxmemory unlimited\), persistence AOF/,
      );
      expect((await pay(ctx, 'order-prod-ok')).status).toBe('pending');
      expect(await ctx.service.checkPaymentStore()).toEqual({ intact: true });
    });

    it('accepts RDB snapshots alone with a warning (a crash loses the writes since the last one)', async () => {
      const r = await redis({ persistence: 'rdb' });
      const mark = capturedLogLines.length;
      await app({ environment: 'production', redisUrl: r.url });
      expect(logsSince(mark)).toMatch(
        /warn .*persists by RDB snapshots only \(save "3600 1"\): a crash loses the writes since the last snapshot/,
      );
    });

    it('accepts an append-only file the OS flushes when it likes (appendfsync no) with a warning', async () => {
      const r = await redis();
      await (await r.client()).config('SET', 'appendfsync', 'no');
      const mark = capturedLogLines.length;
      await app({ environment: 'production', redisUrl: r.url });
      expect(logsSince(mark)).toMatch(/warn .*appendfsync no\): a crash of the machine loses the writes of the last 30 seconds/);
    });

    it('refuses a Redis whose settings cannot be read, unless the operator says they checked them', async () => {
      const r = await redis();
      const admin = await r.client();
      // A managed service's user: every command but CONFIG.
      await admin.call('ACL', 'SETUSER', 'app', 'on', '>app-redis-pass', '~*', '&*', '+@all', '-config');
      registerSecret('app-redis-pass');
      const url = `redis://app:app-redis-pass@127.0.0.1:${r.port}`;
      const message = await startFailure({ environment: 'production', redisUrl: url });
      expect(message).toMatch(/does not let its settings be read \(CONFIG GET refused: NOPERM/);
      expect(message).toContain('redisDurabilityVerified: true (SINGAPAY_REDIS_DURABILITY_VERIFIED=true)');
      expect(message).not.toContain('app-redis-pass');

      const ctx = await app({ environment: 'production', redisUrl: url, redisDurabilityVerified: true });
      expect((await pay(ctx, 'order-verified')).status).toBe('pending');
      // A setting the module can read and finds unsafe stops the start whatever the option says.
      const evicting = await redis({ maxmemory: '4mb', maxmemoryPolicy: 'allkeys-lru' });
      expect(await startFailure({ environment: 'production', redisUrl: evicting.url, redisDurabilityVerified: true })).toMatch(
        /evicts keys/,
      );
      expect(secretLeaks()).toEqual([]);
    });

    it("refuses a RedisPaymentStore whose client runs a write again when its answer was lost (ioredis's defaults); sandbox warns", async () => {
      const r = await redis();
      // What `new Redis(url)` gives: a write Redis made is sent again after a reconnect, however late.
      const defaults = new Redis(r.url);
      // Resending turned off alone: the write is then never answered.
      const unanswered = new Redis(r.url, { autoResendUnfulfilledCommands: false });
      onTestFinished(() => {
        defaults.disconnect();
        unanswered.disconnect();
      });
      const fix =
        /Create the client with \{ maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false \}, as the module does for redisUrl/;
      const refused = await startFailure({ environment: 'production', paymentStore: new RedisPaymentStore(defaults) });
      expect(refused).toMatch(
        /RedisPaymentStore given as paymentStore: its ioredis client \(maxRetriesPerRequest 20, autoResendUnfulfilledCommands true\)/,
      );
      expect(refused).toMatch(
        /runs again once it reconnects, however late: an outcome written then reads as lost, and a claim answered after its lease is never sent/,
      );
      expect(refused).toMatch(fix);
      const hangs = await startFailure({ environment: 'production', paymentStore: new RedisPaymentStore(unanswered) });
      expect(hangs).toMatch(
        /autoResendUnfulfilledCommands false\) keeps a write whose answer was lost with the connection and never settles/,
      );
      expect(hangs).toMatch(fix);

      const mark = capturedLogLines.length;
      await app({ paymentStore: new RedisPaymentStore(defaults) });
      expect(logsSince(mark)).toMatch(/warn .*its ioredis client .*\(a warning in sandbox; production refuses to start\)/);
      // The module's own client for redisUrl, and the one these tests make, pass.
      await app({ environment: 'production', redisUrl: r.url });
      await app({ environment: 'production', paymentStore: new RedisPaymentStore(await r.client()) });
    });

    it('refuses a Redis it cannot reach to check, in sandbox too (as an unreachable PostgreSQL is)', async () => {
      const url = `redis://127.0.0.1:${await freePort()}`;
      for (const environment of ['production', 'sandbox'] as const) {
        // A store failure, not a configuration mistake: the settings may be right and Redis merely down.
        const e = await failure(app({ environment, redisUrl: url }));
        expect(e).toBeInstanceOf(SingapayPaymentStoreError);
        expect((e as Error).message).toMatch(
          /could not be reached to check it.*does not start on a payment ledger it cannot reach or check/,
        );
      }
    });

    it('reads SINGAPAY_REDIS_DURABILITY_VERIFIED and names it when it is not a yes or a no', async () => {
      expect(readSingapayOptionsFromEnv({ SINGAPAY_REDIS_DURABILITY_VERIFIED: 'true' }).redisDurabilityVerified).toBe(true);
      expect(readSingapayOptionsFromEnv({ SINGAPAY_REDIS_DURABILITY_VERIFIED: '0' }).redisDurabilityVerified).toBe(false);
      expect(() =>
        resolveSingapayOptions({ ...sim.credentials, ...readSingapayOptionsFromEnv({ SINGAPAY_REDIS_DURABILITY_VERIFIED: 'maybe' }) }),
      ).toThrow(/redisDurabilityVerified \(SINGAPAY_REDIS_DURABILITY_VERIFIED\) must be true or false/);
    });
  });

  it('in sandbox, starts on an evicting, forgetful Redis with a warning for each setting', async () => {
    const r = await redis({ maxmemory: '4mb', maxmemoryPolicy: 'allkeys-lru', persistence: 'none' });
    const mark = capturedLogLines.length;
    const ctx = await app({ redisUrl: r.url });
    const logs = logsSince(mark);
    expect(logs).toMatch(/warn .*evicts keys when it is full .*\(a warning in sandbox; production refuses to start\)/);
    expect(logs).toMatch(/warn .*keeps nothing on disk .*\(a warning in sandbox; production refuses to start\)/);
    expect((await pay(ctx, 'order-sandbox')).status).toBe('pending');
  });

  describe('at run time: a ledger that lost its memory stops payments', () => {
    it('a Redis restarted empty under running apps: the same 50 keys again send nothing; reads carry on; resume lifts it for all', async () => {
      // Sandbox: production refuses this Redis at start-up; here it is the restart that matters.
      const r = await redis({ persistence: 'none' });
      const a = await app({ redisUrl: r.url });
      const b = await app({ redisUrl: r.url });
      const keys = Array.from({ length: 50 }, (_, i) => `order-restart-${i}`);
      for (const [i, key] of keys.entries()) await pay(i % 2 ? a : b, key);
      expect(sim.stats().paymentsReceived).toBe(50);

      await r.restart({ empty: true });
      // The module's client reconnects on its own; until it has, payments are refused as "store unavailable".
      await expect
        .poll(() => a.service.checkPaymentStore().catch(() => 'unreachable'), { timeout: 10_000 })
        .toMatchObject({ intact: false });
      const mark = capturedLogLines.length;
      const refusals = await Promise.all(keys.map((key, i) => failure(pay(i % 2 ? b : a, key))));
      for (const error of refusals) {
        expect(error).toBeInstanceOf(SingapayPaymentStoreException);
        const e = error as SingapayPaymentStoreException;
        expect(e.getStatus()).toBe(503);
        expect(e.delivery).toBe('not_sent');
        expect(e.message).toMatch(/^Payments are stopped: the payment store lost records \(its epoch is gone: .*\)/);
        expect(e.message).toMatch(/Nothing was sent by this call.*npx singapay ledger resume/);
      }
      expect(sim.stats().paymentsReceived).toBe(50);
      // Said once per process, at error level, not once per refused payment.
      expect(logsSince(mark).match(/error .*Redis payment ledger lost records/g)?.length ?? 0).toBeLessThanOrEqual(1);
      // Reads carry on: the record is gone (404), the balance is read.
      await expect(a.service.getPayment(keys[0]!)).rejects.toMatchObject({ status: 404 });
      await expect(b.service.checkBalance()).resolves.toMatchObject({ currency: 'IDR' });

      // A replica started after the loss obeys the stop the others left in Redis.
      const c = await app({ redisUrl: r.url });
      expect(await c.service.checkPaymentStore()).toMatchObject({ intact: false, reason: expect.stringMatching(/epoch is gone/) });
      await expect(pay(c, 'order-new-replica')).rejects.toBeInstanceOf(SingapayPaymentStoreException);
      expect(sim.stats().paymentsReceived).toBe(50);

      // The operator checked the orders and resumes: every replica pays again.
      await b.service.resumePayments();
      expect(await a.service.checkPaymentStore()).toEqual({ intact: true });
      for (const ctx of [a, b, c]) expect((await pay(ctx, `order-after-resume-${contexts.indexOf(ctx)}`)).status).toBe('pending');
      expect(sim.stats().paymentsReceived).toBe(53);
    });

    it('a FLUSHALL under a production app (a failover to an empty replica) stops payments at the next claim', async () => {
      const r = await redis();
      const a = await app({ environment: 'production', redisUrl: r.url });
      await pay(a, 'order-flush');
      await (await r.client()).flushall();
      const error = await failure(pay(a, 'order-flush'));
      expect(error).toBeInstanceOf(SingapayPaymentStoreException);
      expect((error as SingapayPaymentStoreException).message).toMatch(/Payments are stopped: .*epoch is gone/);
      expect(sim.stats().paymentsReceived).toBe(1);
    });

    it('a Redis rolled back to an older snapshot: the writes after it are missed, and payments stop', async () => {
      const r = await redis({ persistence: 'rdb' });
      const a = await app({ redisUrl: r.url });
      for (let i = 0; i < 5; i++) await pay(a, `order-rdb-${i}`);
      await (await r.client()).save();
      for (let i = 5; i < 10; i++) await pay(a, `order-rdb-${i}`);
      await r.restart({ empty: false });
      await expect
        .poll(() => a.service.checkPaymentStore().catch(() => 'unreachable'), { timeout: 10_000 })
        .toMatchObject({
          intact: false,
          reason: expect.stringMatching(/went back in time .*older snapshot/),
        });
      // The five keys the snapshot holds answer from their records; the five it lacks would be new again: nothing is sent for any.
      for (let i = 0; i < 5; i++) expect(await pay(a, `order-rdb-${i}`)).toMatchObject({ status: 'pending' });
      for (let i = 5; i < 10; i++) await expect(pay(a, `order-rdb-${i}`)).rejects.toBeInstanceOf(SingapayPaymentStoreException);
      expect(sim.stats().paymentsReceived).toBe(10);
    });

    it('a rollback is noticed by the replica whose writes it lost, whatever the other replicas wrote since', async () => {
      const r = await redis({ persistence: 'rdb' });
      const a = await app({ redisUrl: r.url });
      // b never checks the ledger by itself here: it knows only its own writes, none of them after the snapshot.
      const b = await app({ redisUrl: r.url }, { integrityCheckMs: 3_600_000 });
      await pay(a, 'order-roll-0');
      await pay(b, 'order-roll-1');
      await (await r.client()).save();
      await pay(a, 'order-roll-2'); // lost by the restart below
      await r.restart({ empty: false });
      // b wrote and read nothing after the snapshot: it may go on, and its writes bring the sequence back up.
      await expect.poll(() => pay(b, 'order-roll-3').catch(() => 'unreachable'), { timeout: 10_000 }).toMatchObject({ status: 'pending' });
      await pay(b, 'order-roll-4');
      // a's own mark is older than its last write: the key the snapshot lost is refused, not paid again.
      const error = await failure(pay(a, 'order-roll-2'));
      expect(error).toBeInstanceOf(SingapayPaymentStoreException);
      expect((error as Error).message).toMatch(/went back in time/);
      expect(sim.paymentsFor({ customerId })).toBe(5);
      // From then on every replica is stopped.
      await expect(pay(b, 'order-roll-5')).rejects.toBeInstanceOf(SingapayPaymentStoreException);
    });

    it('a rollback of a replica that writes no more is noticed by its own check, and the key it lost is not paid again by another', async () => {
      const r = await redis({ persistence: 'rdb' });
      const a = await app({ redisUrl: r.url });
      const b = await app({ redisUrl: r.url });
      await pay(a, 'order-quiet-0');
      await pay(b, 'order-quiet-1');
      await (await r.client()).save();
      await pay(a, 'order-quiet-2'); // lost by the restart below; a pays nothing more
      await r.restart({ empty: false });
      // a checks the ledger by itself (every 5 s): its own write is gone, and it stops every replica.
      await expect
        .poll(() => b.service.checkPaymentStore().catch(() => 'unreachable'), { timeout: 15_000, interval: 250 })
        .toMatchObject({ intact: false, reason: expect.stringMatching(/went back in time/) });
      // The order's retry reaching b is refused, not paid a second time.
      await expect(pay(b, 'order-quiet-2')).rejects.toBeInstanceOf(SingapayPaymentStoreException);
      expect(sim.paymentsFor({ customerId })).toBe(3);
    }, 30_000);

    it('a rollback whose lost writes were made by a replica gone since is noticed by one that read the ledger after them', async () => {
      const r = await redis({ persistence: 'rdb' });
      const a = await app({ redisUrl: r.url });
      const b = await app({ redisUrl: r.url });
      await pay(a, 'order-gone-0');
      await pay(b, 'order-gone-1');
      await (await r.client()).save();
      await pay(a, 'order-gone-2'); // lost by the restart below, and a dies with the Redis primary
      expect(await b.service.checkPaymentStore()).toEqual({ intact: true }); // b reads the ledger past a's write
      contexts.splice(contexts.indexOf(a), 1);
      await a.close();
      await r.restart({ empty: false });
      // b sees the ledger behind what it read: it stops every replica, though none of its own writes is lost.
      await expect
        .poll(() => b.service.checkPaymentStore().catch(() => 'unreachable'), { timeout: 15_000, interval: 250 })
        .toMatchObject({ intact: false, reason: expect.stringMatching(/went back in time/) });
      // The order's retry reaching b is refused, not paid a second time.
      await expect(pay(b, 'order-gone-2')).rejects.toBeInstanceOf(SingapayPaymentStoreException);
      expect(sim.paymentsFor({ customerId })).toBe(3);
    }, 30_000);

    it('during a stop, a recorded key answers from its record and getPayment reads it; only new keys are refused', async () => {
      const r = await redis();
      const a = await app({ redisUrl: r.url });
      await pay(a, 'order-held');
      const raw = await r.client();
      // The epoch alone is lost (an eviction, a hand-made DEL): the records are still there.
      for (const key of await raw.keys('*:ledger')) await raw.del(key);
      await expect(pay(a, 'order-fresh')).rejects.toBeInstanceOf(SingapayPaymentStoreException);
      expect(await pay(a, 'order-held')).toMatchObject({ status: 'pending', idempotencyKey: 'order-held' });
      expect(await a.service.getPayment('order-held')).toMatchObject({ state: 'pending', sendCount: 1 });
      expect(sim.stats().paymentsReceived).toBe(1);
    });

    it('the health indicator reports payment_store_lost, and `singapay ledger` reports and resumes', async () => {
      const r = await redis();
      const credentials = sim.credentials;
      const { nest, http } = await startHealthApp({ ...credentials, baseUrl: sim.baseUrl, redisUrl: r.url });
      try {
        await http.get('/health').expect(200);

        await (await r.client()).flushall();
        const down = await http.get('/health').expect(503);
        expect(down.body.error.singapay).toMatchObject({
          status: 'down',
          cause: 'payment_store_lost',
          since: expect.stringMatching(/\+07:00$/),
        });
        expect(down.body.error.singapay.message).toMatch(/payments are stopped, nothing is sent.*npx singapay ledger resume/);

        const env = {
          SINGAPAY_BASE_URL: sim.baseUrl,
          SINGAPAY_API_KEY: credentials.apiKey,
          SINGAPAY_CLIENT_ID: credentials.clientId,
          SINGAPAY_CLIENT_SECRET: credentials.clientSecret,
          SINGAPAY_PASSWORD: credentials.password,
          SINGAPAY_REDIS_URL: r.url,
        };
        const ledger = async (argv: string[]) => {
          const out: string[] = [];
          const code = await runSingapayLedger(argv, { write: (l) => out.push(l), error: (l) => out.push(l), env });
          return { code, out: out.join('\n') };
        };
        const status = await ledger([]);
        expect(status).toMatchObject({
          code: 1,
          out: expect.stringMatching(/LOST RECORDS \(its epoch is gone: .*\); payments are stopped/),
        });
        expect(await ledger(['resume'])).toMatchObject({ code: 0, out: expect.stringMatching(/payments resumed for every replica/) });
        expect(await ledger(['status'])).toMatchObject({ code: 0, out: 'payment store: intact; payments are not stopped' });
        await http.get('/health').expect(200);
        expect(await ledger(['resume', '--production'])).toMatchObject({ code: 0, out: 'payment store: intact; nothing to resume' });
        expect(await ledger(['again'])).toMatchObject({ code: 2, out: expect.stringMatching(/unknown action "again"/) });
        for (const secret of [credentials.clientSecret, credentials.password]) expect(status.out).not.toContain(secret);
      } finally {
        await nest.close();
      }
    });

    /** A claim written to a RedisPaymentStore directly, as the engine would. */
    const record = (key: string, version = 1) => ({
      key,
      requestHash: 'h',
      command: 'pulsa' as const,
      productCode: 'P',
      customerId: 'C',
      state: 'sending' as const,
      sendCount: 0,
      lookups: 0,
      createdAt: Date.now(),
      updatedAt: Date.now(),
      version,
    });

    it('the store alone: every instance on the ledger stops at the first that notices, and a resume by one lifts it for all', async () => {
      const r = await redis();
      const [one, two] = [
        new RedisPaymentStore(await r.client(), { prefix: 'solo' }),
        new RedisPaymentStore(await r.client(), { prefix: 'solo' }),
      ];
      expect((await one.create(record('k1'))).created).toBe(true);
      expect((await two.create(record('k2'))).created).toBe(true);
      const raw = await r.client();
      await raw.del('{solo:payments:default}:ledger');
      await expect(one.create(record('k3'))).rejects.toMatchObject({ name: 'SingapayPaymentStoreLostError' });
      // The other instance has not written since, and is stopped all the same.
      expect(await two.checkIntegrity()).toMatchObject({ intact: false });
      await expect(two.replace({ ...record('k2'), version: 2 }, 1)).rejects.toMatchObject({ name: 'SingapayPaymentStoreLostError' });
      expect(await two.get('k2')).toMatchObject({ key: 'k2' });
      await two.resumeAfterLoss();
      expect((await one.create(record('k3'))).created).toBe(true);
      expect(await two.replace({ ...record('k2'), version: 2 }, 1)).toBe(true);

      // A rollback to before the latest resume is a loss, not a resume to take.
      const older = await raw.hget('{solo:payments:default}:ledger', 'id');
      await two.resumeAfterLoss();
      expect((await one.create(record('k4'))).created).toBe(true);
      await raw.hset('{solo:payments:default}:ledger', 'id', older!);
      await expect(one.create(record('k5'))).rejects.toMatchObject({ name: 'SingapayPaymentStoreLostError' });
      expect(await two.checkIntegrity()).toMatchObject({ intact: false, reason: expect.stringMatching(/before the latest resume/) });
    });

    it("a process silent for a month is not held to the mark another process's start dropped, refused writes or not", async () => {
      const r = await redis();
      const raw = await r.client();
      const ledger = '{month:payments:default}:ledger';
      const store = new RedisPaymentStore(await r.client(), { prefix: 'month' });
      const day = 86_400_000;
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        expect((await store.create(record('k1'))).created).toBe(true);
        // 29.5 days on, its only attempt is a compare-and-set another writer won: nothing is written.
        vi.setSystemTime(Date.now() + 29.5 * day);
        expect(await store.replace(record('k1', 3), 2)).toBe(false);
        // A day later a process starts and drops the marks of writers silent for 30 days: this one's among them.
        vi.setSystemTime(Date.now() + day);
        const mark = Object.keys(await raw.hgetall(ledger)).find((field) => field.startsWith('w:'))!;
        const [redisNow] = await raw.time();
        await raw.hset(ledger, mark, `1:${Number(redisNow) - 31 * 86_400}`);
        const starter = new RedisPaymentStore(await r.client(), { prefix: 'month' });
        expect((await starter.create(record('k2'))).created).toBe(true);
        expect(await raw.hexists(ledger, mark)).toBe(0);
        // The silent process writes again: a ledger that lost nothing, not a rollback that stops every replica.
        expect((await store.create(record('k3'))).created).toBe(true);
        expect(await store.checkIntegrity()).toEqual({ intact: true });
      } finally {
        vi.useRealTimers();
      }
    });
  });
});

describe.skipIf(!postgresAvailable && !postgresRequired)('a PostgreSQL that keeps payment records (real PostgreSQL server)', () => {
  let server: TestPostgres;
  let sim: SingapaySimulator;
  let url: string;

  beforeAll(async () => {
    if (!postgresAvailable) throw new Error('PostgreSQL is required here (SINGAPAY_REQUIRE_POSTGRES=1) but not installed');
    server = await startPostgres();
    registerSecret(server.password);
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    registerSecret(sim.credentials.clientSecret, sim.credentials.password);
    url = await server.createDatabase('ledger');
    expect(await runSingapayMigrate(['--database-url', url], { write: () => undefined })).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
    await server?.stop();
  });

  it("commits the module's writes with synchronous_commit raised to on on a server whose default is off, and nothing else", async () => {
    const pool = server.pool('ledger');
    // The setting in force inside each statement that writes a payment record, as a trigger sees it.
    await pool.query(`CREATE TABLE commit_settings (op text, setting text)`);
    await pool.query(`CREATE FUNCTION note_commit_setting() RETURNS trigger AS $$
      BEGIN INSERT INTO commit_settings VALUES (TG_OP, current_setting('synchronous_commit')); RETURN NEW; END $$ LANGUAGE plpgsql`);
    await pool.query(`CREATE TRIGGER note_commit_setting BEFORE INSERT OR UPDATE ON singapay_payments
      FOR EACH ROW EXECUTE FUNCTION note_commit_setting()`);
    try {
      expect((await pool.query('SHOW synchronous_commit')).rows).toEqual([{ synchronous_commit: 'off' }]);
      for (const store of [new PostgresPaymentStore(url), new PostgresPaymentStore(pool)]) {
        const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, paymentStore: store });
        try {
          await ctx.service.pay({ command: 'pulsa', productCode, customerId, idempotencyKey: `order-sync-${Math.random()}` });
        } finally {
          await ctx.close();
          await store.close();
        }
      }
      const { rows } = await pool.query<{ op: string; setting: string }>('SELECT op, setting FROM commit_settings');
      expect(rows.filter((r) => r.op === 'INSERT')).toHaveLength(2);
      expect(rows.filter((r) => r.op === 'UPDATE').length).toBeGreaterThanOrEqual(2);
      expect(rows.every((r) => r.setting === 'on')).toBe(true);
      // Only the statement's own transaction: the app's connections keep their setting.
      expect((await pool.query('SHOW synchronous_commit')).rows).toEqual([{ synchronous_commit: 'off' }]);
    } finally {
      await pool.query('DROP TRIGGER note_commit_setting ON singapay_payments');
    }
  });

  it('the health indicator reports payment_store_unavailable while PostgreSQL is down (every payment is refused then), up once it is back', async () => {
    const { nest, http } = await startHealthApp({ ...sim.credentials, baseUrl: sim.baseUrl, databaseUrl: url });
    try {
      await http.get('/health').expect(200);
      await server.halt();
      try {
        const down = await http.get('/health').expect(503);
        expect(down.body.error.singapay).toMatchObject({ status: 'down', cause: 'payment_store_unavailable' });
        expect(JSON.stringify(down.body)).not.toContain(server.password);
      } finally {
        await server.start();
      }
      await http.get('/health').expect(200);
    } finally {
      await nest.close();
    }
  });

  it('production refuses a server with fsync = off, naming the setting; sandbox warns; fsync = on starts', async () => {
    const options = { baseUrl: sim.baseUrl, ...sim.credentials, databaseUrl: url };
    const refused = await failure(createSingapay({ ...options, environment: 'production' }));
    expect(refused).toBeInstanceOf(SingapayConfigurationError);
    expect((refused as Error).message).toMatch(/runs with fsync = off: a server crash can lose committed records.*Set fsync = on/);
    expect((refused as Error).message).not.toContain(server.password);

    const mark = capturedLogLines.length;
    await (await createSingapay(options)).close();
    expect(logsSince(mark)).toMatch(/warn .*fsync = off.*\(a warning in sandbox; production refuses to start\)/);

    await server.setting('fsync', 'on');
    try {
      const mark2 = capturedLogLines.length;
      await (await createSingapay({ ...options, environment: 'production' })).close();
      expect(logsSince(mark2)).toMatch(
        /Payment records are kept in PostgreSQL \(schema version 3; fsync on, synchronous_commit raised from off to on for its writes\)/,
      );
    } finally {
      await server.setting('fsync', 'off');
    }
  });

  it('singapay doctor reports the ledger: PostgreSQL durability, and Redis eviction and persistence', async () => {
    const base = {
      SINGAPAY_BASE_URL: sim.baseUrl,
      SINGAPAY_API_KEY: sim.credentials.apiKey,
      SINGAPAY_CLIENT_ID: sim.credentials.clientId,
      SINGAPAY_CLIENT_SECRET: sim.credentials.clientSecret,
      SINGAPAY_PASSWORD: sim.credentials.password,
    };
    const doctor = async (env: NodeJS.ProcessEnv) => {
      const lines: string[] = [];
      const report = await runSingapayDoctor({ env, envFile: false, production: true, write: (l) => lines.push(l) });
      return { report, text: lines.join('\n') };
    };
    const pgRun = await doctor({ ...base, SINGAPAY_DATABASE_URL: url });
    expect(pgRun.text).toMatch(
      /✓ 2\. payment ledger: PostgreSQL: fsync off; commits of payment records wait for the disk \(synchronous_commit off on the server, raised to on/,
    );
    expect(pgRun.text).toMatch(/fix: \(note, refused in production\) fsync is off/);
    expect(pgRun.text).not.toContain(server.password);
    expect(pgRun.report.ok).toBe(true);
    // An unmigrated database: the app refuses to start, in sandbox too, and so the doctor fails.
    const bare = await doctor({ ...base, SINGAPAY_DATABASE_URL: await server.createDatabase('doctor_unmigrated') });
    expect(bare.report.steps.find((s) => s.name === 'ledger')).toMatchObject({ status: 'fail' });
    expect(bare.text).toMatch(/✗ 2\. payment ledger: PostgreSQL \(SINGAPAY_DATABASE_URL\): .*not set up.*singapay migrate/);
    expect(bare.report.ok).toBe(false);

    if (!redisAvailable) return;
    const evicting = await startRedis({ maxmemory: '4mb', maxmemoryPolicy: 'allkeys-lru', persistence: 'none' });
    const good = await startRedis();
    try {
      const bad = await doctor({ ...base, SINGAPAY_REDIS_URL: evicting.url });
      expect(bad.text).toMatch(/payment ledger: Redis: maxmemory-policy allkeys-lru \(maxmemory 4194304 bytes\), persistence none/);
      expect(bad.text).toMatch(/fix: \(note, refused in production\) Redis evicts keys/);
      expect(bad.report.steps.find((s) => s.name === 'ledger')?.status).toBe('pass');
      // What production refuses at start-up fails the doctor there.
      const prod = await doctor({ ...base, SINGAPAY_ENV: 'production', SINGAPAY_REDIS_URL: evicting.url });
      expect(prod.report.steps.find((s) => s.name === 'ledger')).toMatchObject({
        status: 'fail',
        fixes: [expect.stringMatching(/^Redis evicts keys/), expect.stringMatching(/^Redis keeps nothing on disk/)],
      });
      expect(prod.report.ok).toBe(false);
      const fine = await doctor({ ...base, SINGAPAY_REDIS_URL: good.url });
      expect(fine.text).toMatch(/✓ 2\. payment ledger: Redis: maxmemory-policy noeviction \(maxmemory unlimited\), persistence AOF/);
    } finally {
      await evicting.stop();
      await good.stop();
    }
  });
});
