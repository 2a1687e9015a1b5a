import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { SingapayPaymentStoreException, type SingapayAcceptedPayment } from '@app/singapay';
import { SingapayPaymentStore, SingapayTokenStore, type SingapayPaymentRecord } from '@app/singapay/stores/index.js';
import { RedisPaymentStore, RedisTokenStore } from '@app/singapay/redis/index.js';
import { SingapayRedisConnection } from '@app/singapay/redis/singapay-redis.connection.js';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES } from '@app/singapay-simulator';
import { bump, paymentRecord } from './payment-store-conformance.js';
import { registerSecret } from './support/log-capture.js';
import { redisAvailable, redisRequired, startRedis, type TestRedis } from './support/redis-server.js';
import { json, ScriptedServer, tokenAnswer } from './support/scripted-server.js';
import { createSingapay, type SingapayTestContext } from './support/singapay-testing.js';

if (!redisAvailable) {
  new Logger('RedisTests').warn('redis-server is not installed: the Redis suites are SKIPPED (apt-get install redis-server)');
}

describe.skipIf(!redisAvailable && !redisRequired)('Redis stores (real redis-server)', () => {
  let redis: TestRedis;
  let sim: SingapaySimulator;

  beforeAll(async () => {
    if (!redisAvailable) throw new Error('redis-server is required here (SINGAPAY_REQUIRE_REDIS=1) but not installed');
    redis = await startRedis();
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    registerSecret(sim.credentials.clientSecret, sim.credentials.password);
  });
  afterAll(async () => {
    await sim?.stop();
    await redis?.stop();
  });
  beforeEach(() => sim.reset());

  /** One "replica": its own module and its own Redis connection, sharing Redis and the simulator. */
  async function replica(extra: Record<string, unknown> = {}): Promise<SingapayTestContext> {
    const client = await redis.client();
    return createSingapay({
      baseUrl: sim.baseUrl,
      ...sim.credentials,
      tokenStore: new RedisTokenStore(client, { prefix: `t${process.pid}` }),
      paymentStore: new RedisPaymentStore(client, { prefix: `p${process.pid}` }),
      retry: { baseDelayMs: 5 },
      ...extra,
    });
  }

  describe('RedisTokenStore', () => {
    it('stores with a TTL, compare-and-deletes, and locks', async () => {
      const store = new RedisTokenStore(await redis.client(), { prefix: 'unit' });
      const token = { accessToken: 'a', tokenType: 'Bearer', expiresAt: Date.now() + 1000, renewAt: Date.now() + 900 };
      await store.set('k', token, 200);
      expect(await store.get('k')).toEqual(token);
      await store.delete('k', 'other');
      expect(await store.get('k')).toEqual(token);
      await store.delete('k', 'a');
      expect(await store.get('k')).toBeUndefined();
      await store.set('k', token, 50);
      await new Promise((r) => setTimeout(r, 120));
      expect(await store.get('k')).toBeUndefined();

      const lock = await store.acquireLock('lock', 1000);
      expect(lock).toBeTruthy();
      expect(await store.acquireLock('lock', 1000)).toBeUndefined();
      await store.releaseLock('lock', 'not-mine');
      expect(await store.acquireLock('lock', 1000)).toBeUndefined();
      await store.releaseLock('lock', lock!);
      expect(await store.acquireLock('lock', 1000)).toBeTruthy();
    });
  });

  describe('RedisPaymentStore', () => {
    const record = (key: string, extra: Partial<SingapayPaymentRecord> = {}): SingapayPaymentRecord => ({
      key,
      requestHash: 'h',
      command: 'pulsa',
      productCode: 'P',
      customerId: 'C',
      state: 'sending',
      sendCount: 0,
      lookups: 0,
      createdAt: Date.now(),
      updatedAt: Date.now(),
      version: 1,
      ...extra,
    });

    it('runs its scripts by hash, and by source again after the server forgot them (SCRIPT FLUSH, a restart)', async () => {
      const client = await redis.client();
      const store = new RedisPaymentStore(client, { prefix: 'unit-scripts' });
      const first = record('order-s');
      expect((await store.create(first)).created).toBe(true);
      await client.script('FLUSH');
      const next = { ...first, state: 'unknown' as const, version: 2 };
      expect(await store.replace(next, 1)).toBe(true);
      // Once: the flushed script was not run by the refused EVALSHA, only by the EVAL after it.
      expect((await store.get('order-s'))?.version).toBe(2);
      expect(await store.replace({ ...next, version: 3 }, 1)).toBe(false);
    });

    it('claims a key exactly once, even for concurrent claimers', async () => {
      const store = new RedisPaymentStore(await redis.client(), { prefix: 'unit-claim' });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(record('order-1', { owner: `o${i}` }))));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const winner = results.find((r) => r.created)!.record.owner;
      expect(results.every((r) => r.record.owner === winner)).toBe(true);
    });

    it('replaces by compare-and-set, indexes transactions and unsettled records', async () => {
      const store = new RedisPaymentStore(await redis.client(), { prefix: 'unit-cas' });
      await store.create(record('k1'));
      await store.create(record('k2', { createdAt: Date.now() + 1 }));
      expect((await store.listUnsettled(10)).map((r) => r.key)).toEqual(['k1', 'k2']);
      const v2 = { ...record('k1'), state: 'success' as const, transactionId: 'TX1', version: 2 };
      expect(await store.replace(v2, 1)).toBe(true);
      expect(await store.replace({ ...v2, version: 2 }, 1)).toBe(false);
      expect(await store.replace({ ...v2, state: 'refunded', version: 3 }, 1)).toBe(false);
      expect((await store.get('k1'))?.state).toBe('success');
      expect((await store.findByTransactionId('TX1'))?.key).toBe('k1');
      expect((await store.listUnsettled(10)).map((r) => r.key)).toEqual(['k2']);
    });

    it('expires a record and its transaction key only once it is settled: a key in doubt never pays again', async () => {
      const client = await redis.client();
      const store = new RedisPaymentStore(client, { prefix: 'unit-ttl', retentionMs: 2 * 86_400_000 });
      const ttlOf = async (suffix: string) => client.pttl((await client.keys(`{unit-ttl:payments:*}:${suffix}`))[0]!);
      const claim = record('t1');
      await store.create(claim);
      expect(await ttlOf('record:t1')).toBe(-1);
      const pending = { ...claim, state: 'pending' as const, transactionId: 'TX-T1', version: 2 };
      expect(await store.replace(pending, 1)).toBe(true);
      expect([await ttlOf('record:t1'), await ttlOf('tx:TX-T1')]).toEqual([-1, -1]);
      // Final but watched (a PLN token not yet arrived): it lives until its watch ends, then the retention.
      const watched = { ...pending, state: 'success' as const, watchUntil: claim.updatedAt + 60_000, version: 3 };
      expect(await store.replace(watched, 2)).toBe(true);
      for (const suffix of ['record:t1', 'tx:TX-T1']) {
        expect(await ttlOf(suffix)).toBeGreaterThan(2 * 86_400_000);
        expect(await ttlOf(suffix)).toBeLessThanOrEqual(2 * 86_400_000 + 60_000);
      }
      const { watchUntil: _, ...settled } = { ...watched, version: 4 };
      expect(await store.replace(settled, 3)).toBe(true);
      for (const suffix of ['record:t1', 'tx:TX-T1']) {
        expect(await ttlOf(suffix)).toBeGreaterThan(2 * 86_400_000 - 60_000);
        expect(await ttlOf(suffix)).toBeLessThanOrEqual(2 * 86_400_000);
      }
      // A record created settled takes its retention with its claim.
      await store.create(record('t2', { state: 'failed' }));
      expect(await ttlOf('record:t2')).toBeGreaterThan(0);
    });

    it('gives the records an older release wrote their life, beside the first write of each process', async () => {
      const client = await redis.client();
      const retentionMs = 2 * 86_400_000;
      const older = new RedisPaymentStore(client, { prefix: 'unit-upgrade', retentionMs });
      const inDoubt = record('u-doubt');
      await older.create(inDoubt);
      expect(await older.replace({ ...inDoubt, state: 'unknown', transactionId: 'TX-U', version: 2 }, 1)).toBe(true);
      const watchUntil = Date.now() + 3 * 86_400_000; // a review longer than the retention
      await older.create(record('u-watched', { state: 'failed', watchUntil }));
      await older.create(record('u-settled', { state: 'success' }));
      const keyOf = async (suffix: string) => (await client.keys(`{unit-upgrade:payments:*}:${suffix}`))[0]!;
      // What a release that gave every record the retention as its life left behind.
      for (const suffix of ['record:u-doubt', 'tx:TX-U', 'record:u-watched']) await client.pexpire(await keyOf(suffix), 3_600_000);
      const settledTtl = await client.pttl(await keyOf('record:u-settled'));

      const upgraded = new RedisPaymentStore(client, { prefix: 'unit-upgrade', retentionMs }); // the next process
      await upgraded.create(record('u-new'));
      await vi.waitFor(async () => expect(await client.pttl(await keyOf('record:u-doubt'))).toBe(-1));
      expect(await client.pttl(await keyOf('tx:TX-U'))).toBe(-1);
      const watched = await client.pttl(await keyOf('record:u-watched'));
      expect(watched).toBeGreaterThan(watchUntil - Date.now() + retentionMs - 60_000);
      expect(watched).toBeLessThanOrEqual(watchUntil - Date.now() + retentionMs + 1_000);
      expect(await client.pttl(await keyOf('record:u-settled'))).toBeLessThanOrEqual(settledTtl);
      expect(await client.pttl(await keyOf('record:u-settled'))).toBeGreaterThan(0);

      // An older process writes again after that: the next process start takes care of it too.
      await client.pexpire(await keyOf('record:u-doubt'), 3_600_000);
      await new RedisPaymentStore(client, { prefix: 'unit-upgrade', retentionMs }).create(record('u-later'));
      await vi.waitFor(async () => expect(await client.pttl(await keyOf('record:u-doubt'))).toBe(-1));

      // Its indexes too: a claim of the older release joined no customer's set, and a day's creation
      // index near its end (its last write long ago) lives the retention again while a record of it is in doubt.
      const day = await keyOf(`created:${Math.floor(inDoubt.createdAt / 86_400_000)}`);
      const customerSet = await keyOf(`unsettled-of:${inDoubt.customerId}`);
      await client.zrem(customerSet, 'u-doubt');
      await client.pexpire(day, 60_000);
      await new RedisPaymentStore(client, { prefix: 'unit-upgrade', retentionMs }).create(record('u-third'));
      await vi.waitFor(async () => expect(await client.pttl(day)).toBeGreaterThan(retentionMs - 60_000));
      expect(await client.zscore(customerSet, 'u-doubt')).toBe(String(inDoubt.createdAt));
      expect((await upgraded.listUnsettledOf!(inDoubt.customerId, 10)).map((r) => r.key)).toContain('u-doubt');
    });

    it('fills a page of unsettled records past members whose records expired, and resumes after them', async () => {
      const client = await redis.client();
      const store = new RedisPaymentStore(client, { prefix: 'unit-fill' });
      const at = Date.now();
      for (let i = 0; i < 8; i++) await store.create(record(`f${i}`, { createdAt: at + i }));
      // Two records gone from under the index (a TTL a release before this one gave them ran out): the index still names them.
      const gone = (await client.keys('{unit-fill:payments:*}:record:f[23]')).sort();
      expect(gone).toHaveLength(2);
      await client.del(...gone);
      expect((await store.listUnsettled(4)).map((r) => r.key)).toEqual(['f0', 'f1', 'f4', 'f5']);
      expect((await store.listUnsettled(4, { createdAt: at + 5, key: 'f5' })).map((r) => r.key)).toEqual(['f6', 'f7']);
      // Their members were dropped on the way.
      expect((await store.listUnsettled(10)).map((r) => r.key)).toEqual(['f0', 'f1', 'f4', 'f5', 'f6', 'f7']);
    });

    it('indexes open payments by customer, and takes in those a release without the index wrote, once', async () => {
      const client = await redis.client();
      const store = new RedisPaymentStore(client, { prefix: 'unit-of' });
      const at = Date.now();
      await store.create(record('of-1', { customerId: '0811', createdAt: at }));
      await store.create(record('of-2', { customerId: '0811', createdAt: at + 1 }));
      await store.create(record('of-3', { customerId: '0822', createdAt: at + 2 }));
      await store.create(record('of-4', { customerId: '0811', createdAt: at + 3, state: 'success', transactionId: 'TX-of-4' }));
      // As a release before the index left them: the records and the unsettled index, no customer sets.
      await client.del('{unit-of:payments:default}:unsettled-of:0811', '{unit-of:payments:default}:unsettled-of:0822');
      await client.del('{unit-of:payments:default}:unsettled-of-indexed');
      const upgraded = new RedisPaymentStore(client, { prefix: 'unit-of' });
      expect((await upgraded.listUnsettledOf('0811', 10)).map((r) => r.key)).toEqual(['of-1', 'of-2']);
      expect((await upgraded.listUnsettledOf('0822', 10)).map((r) => r.key)).toEqual(['of-3']);
      expect(await client.exists('{unit-of:payments:default}:unsettled-of-indexed')).toBe(1);
      // Later writes keep the sets themselves: settling one takes it out, a new claim goes in.
      expect(await upgraded.replace({ ...record('of-1', { customerId: '0811', createdAt: at }), state: 'failed', version: 2 }, 1)).toBe(
        true,
      );
      await upgraded.create(record('of-5', { customerId: '0811', createdAt: at + 4 }));
      expect((await upgraded.listUnsettledOf('0811', 10)).map((r) => r.key)).toEqual(['of-2', 'of-5']);
      expect((await upgraded.listUnsettledOf('0811', 1)).map((r) => r.key)).toEqual(['of-2']);
      // A ledger that loses the marker (restored from a snapshot taken before the index) is indexed
      // again at the next listing, by a process that had already indexed it once.
      await client.del('{unit-of:payments:default}:unsettled-of:0811', '{unit-of:payments:default}:unsettled-of-indexed');
      expect((await upgraded.listUnsettledOf('0811', 10)).map((r) => r.key)).toEqual(['of-2', 'of-5']);
      // A settled record never joins a set, by a script or by the indexing.
      expect(await client.zrange('{unit-of:payments:default}:unsettled-of:0811', '0', '-1')).toEqual(['of-2', 'of-5']);
    });

    it('reads the ledger where the writes are: plain reads answered by a lagging copy never stop payments', async () => {
      const client = await redis.client();
      // A cluster client reading from replicas: every plain HMGET comes from a copy one write behind.
      const lagging = new Proxy(client, {
        get(target, name) {
          if (name === 'hmget') {
            return async (...args: Parameters<typeof client.hmget>) => {
              const values = await target.hmget(...args);
              return values.map((v, i) => (i === 1 && v !== null ? String(Math.max(0, Number(v) - 1)) : v));
            };
          }
          const value = Reflect.get(target, name, target) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const store = new RedisPaymentStore(lagging, { prefix: 'unit-lag' });
      await store.create(record('lag-1'));
      expect(await store.checkIntegrity()).toEqual({ intact: true });
      await store.create(record('lag-2'));
      expect(await store.checkIntegrity()).toEqual({ intact: true });
      expect((await store.create(record('lag-3'))).created).toBe(true);
    });

    it("marks a WAIT's connection only on a server that holds every claim this process made (not a failover's promoted replica)", async () => {
      const store = new RedisPaymentStore(await redis.client(), { prefix: 'mark' });
      expect((await store.create(record('mark-1'))).created).toBe(true);
      const epoch = (store as unknown as { epoch: { markWritten(c: Redis): Promise<boolean> } }).epoch;
      // Another connection to the same primary: it holds the claim.
      expect(await epoch.markWritten(await redis.client())).toBe(true);
      // A server that lacks it (the replica promoted before the claim reached it): nothing is marked.
      const other = await startRedis();
      onTestFinished(() => other.stop());
      expect(await epoch.markWritten(await other.client())).toBe(false);
      // One with the same epoch that stopped before the claim's write.
      const id = await (await redis.client()).hget('{mark:payments:default}:ledger', 'id');
      const behind = await other.client();
      await behind.hset('{mark:payments:default}:ledger', 'id', id!, 'seq', '0');
      expect(await epoch.markWritten(behind)).toBe(false);
      // Pushed on by other processes' writes, without this one's claim: still not marked.
      await behind.hset('{mark:payments:default}:ledger', 'seq', '1000');
      expect(await epoch.markWritten(behind)).toBe(false);
      // Holding this process's own last write: marked.
      const fields = await (await redis.client()).hgetall('{mark:payments:default}:ledger');
      const [writer, mark] = Object.entries(fields).find(([name]) => name.startsWith('w:'))!;
      await behind.hset('{mark:payments:default}:ledger', writer, mark);
      expect(await epoch.markWritten(behind)).toBe(true);
      // Not while payments are stopped there.
      await behind.set('{mark:payments:default}:halt', 'lost');
      expect(await epoch.markWritten(behind)).toBe(false);
    });

    it('keeps namespaces apart', async () => {
      const base = new RedisPaymentStore(await redis.client(), { prefix: 'unit-ns' });
      const a = base.withNamespace('a');
      const b = base.withNamespace('b');
      await a.create(record('same-key'));
      expect(await b.get('same-key')).toBeUndefined();
      expect((await b.create(record('same-key'))).created).toBe(true);
    });
  });

  describe('two replicas on one Redis', () => {
    it('make one token request for a cold burst across both', async () => {
      const [a, b] = await Promise.all([replica(), replica()]);
      try {
        const before = sim.stats().tokenRequests;
        await Promise.all([
          ...Array.from({ length: 20 }, () => a.service.checkBalance()),
          ...Array.from({ length: 20 }, () => b.service.checkBalance()),
        ]);
        expect(sim.stats().tokenRequests - before).toBe(1);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('replace a token revoked upstream once, not once per replica', async () => {
      const [b, c] = await Promise.all([replica(), replica()]);
      try {
        await Promise.all([b.service.checkBalance(), c.service.checkBalance()]);
        const before = sim.stats().tokenRequests;
        sim.revokeTokens();
        await Promise.all([b.service.checkBalance(), c.service.checkBalance(), b.service.checkBalance(), c.service.checkBalance()]);
        expect(sim.stats().tokenRequests - before).toBe(1);
      } finally {
        await Promise.all([b.close(), c.close()]);
      }
    });

    it('pay one key exactly once when both pay it at the same time', async () => {
      const [a, b] = await Promise.all([replica(), replica()]);
      try {
        const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa;
        const input = { command: 'pulsa' as const, productCode, customerId, idempotencyKey: 'order-shared-1' };
        const results = await Promise.all([a.service.pay(input), b.service.pay(input), a.service.pay(input), b.service.pay(input)]);
        expect(sim.paymentsFor({ customerId })).toBe(1);
        const ids = new Set(results.map((r) => (r as SingapayAcceptedPayment).transactionId));
        expect(ids.size).toBe(1);
        expect((await b.service.getPayment('order-shared-1')).transactionId).toBe([...ids][0]);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('keep two accounts apart: another client id sees none of the records', async () => {
      const a = await replica();
      const other = await replica({ clientId: 'someone-else' });
      try {
        const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa;
        await a.service.pay({ command: 'pulsa', productCode, customerId, idempotencyKey: 'order-ns' });
        await expect(other.service.getPayment('order-ns')).rejects.toMatchObject({ status: 404 });
      } finally {
        await Promise.all([a.close(), other.close()]);
      }
    });
  });

  describe('a Redis primary with a replica', () => {
    it('sends a payment only once a replica holds its claim: one no replica confirms in time is not sent, and its key pays once later', async () => {
      const primary = await startRedis();
      const copy = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port), '--enable-debug-command', 'yes'] });
      onTestFinished(async () => {
        await copy.stop();
        await primary.stop();
      });
      const [own, admin] = await Promise.all([primary.client(), copy.client()]);
      await vi.waitFor(async () => expect(await own.info('replication')).toMatch(/connected_slaves:1/), { timeout: 15_000 });
      await vi.waitFor(async () => expect(await admin.info('replication')).toMatch(/master_link_status:up/), { timeout: 15_000 });
      const waits = async () => Number(/cmdstat_wait:calls=(\d+)/.exec(await own.info('commandstats'))?.[1] ?? 0);
      const ctx = await replica({ paymentStore: new RedisPaymentStore(own, { replicaWaitMs: 300 }) });
      try {
        const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa;
        const pay = (idempotencyKey: string) => ctx.service.pay({ command: 'pulsa', productCode, customerId, idempotencyKey });
        expect((await pay('order-copied')).status).toBe('pending');
        expect(await waits()).toBe(1);
        // The replica stops answering for a while (a failover could promote it without what it lacks).
        const asleep = admin.call('DEBUG', 'SLEEP', '1.5');
        await new Promise((resolve) => setTimeout(resolve, 50));
        const keys = ['order-not-copied', 'order-not-copied-2', 'order-not-copied-3'];
        const paying = keys.map((key) =>
          pay(key).then(
            () => undefined,
            (e: unknown) => e,
          ),
        );
        // The wait runs on a connection of its own: the records' reads do not queue behind it.
        const first = await Promise.race([ctx.service.getPayment('order-copied').then(() => 'read'), paying[0]!.then(() => 'paid')]);
        expect(first).toBe('read');
        for (const refused of await Promise.all(paying)) {
          expect(refused).toBeInstanceOf(SingapayPaymentStoreException);
          expect(refused).toMatchObject({ delivery: 'not_sent', message: expect.stringMatching(/no replica confirmed it in time/) });
        }
        expect(sim.paymentsFor({ customerId })).toBe(1);
        await asleep;
        for (const key of keys) expect((await pay(key)).status).toBe('pending');
        expect(sim.paymentsFor({ customerId })).toBe(4);
      } finally {
        await ctx.close();
      }
    }, 60_000);
  });

  describe('when Redis is down', () => {
    it('refuses a payment with a 503 and sends nothing, while reads carry on with the token held locally', async () => {
      const own = await startRedis();
      const client = await own.client();
      const ctx = await createSingapay({
        baseUrl: sim.baseUrl,
        ...sim.credentials,
        tokenStore: new RedisTokenStore(client),
        paymentStore: new RedisPaymentStore(client),
      });
      try {
        await ctx.service.checkBalance();
        await own.stop();
        const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.data;
        const before = sim.stats().paymentsReceived;
        const error = await ctx.service.pay({ command: 'data', productCode, customerId, idempotencyKey: 'order-redis-down' }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(SingapayPaymentStoreException);
        expect((error as SingapayPaymentStoreException).getStatus()).toBe(503);
        expect(sim.stats().paymentsReceived).toBe(before);
        await expect(ctx.service.checkBalance()).resolves.toMatchObject({ currency: 'IDR' });
      } finally {
        await ctx.close();
      }
    });
  });
});

describe.skipIf(!redisAvailable && !redisRequired)('redisUrl / SINGAPAY_REDIS_URL', () => {
  it('opens its own Redis client, shares records across registrations, and closes it on shutdown', async () => {
    const redis = await startRedis();
    const sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    try {
      const opts = { baseUrl: sim.baseUrl, ...sim.credentials, redisUrl: redis.url };
      const [a, b] = await Promise.all([createSingapay(opts), createSingapay(opts)]);
      const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa;
      await a.service.pay({ command: 'pulsa', productCode, customerId, idempotencyKey: 'order-url' });
      expect((await b.service.getPayment('order-url')).state).toBe('pending');
      expect(sim.stats().tokenRequests).toBe(1);
      await b.service.checkBalance();
      expect(sim.stats().tokenRequests).toBe(1);
      await Promise.all([a.close(), b.close()]);
      const check = await redis.client();
      const clients = (await check.client('LIST')) as string;
      expect(clients.trim().split('\n')).toHaveLength(1);
    } finally {
      await sim.stop();
      await redis.stop();
    }
  });
});

describe.skipIf(!redisAvailable && !redisRequired)('Redis secrets', () => {
  it("never shows the Redis password in printed stores or connection, the module's or the app's own", async () => {
    const password = 'r3dis-Pa55-9f2e';
    registerSecret(password);
    const redis = await startRedis();
    await (await redis.client()).config('SET', 'requirepass', password);
    const sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    const url = `redis://:${password}@127.0.0.1:${redis.port}`;
    const client = new Redis(url, { maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false });
    try {
      const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, redisUrl: url });
      onTestFinished(() => ctx.close());
      const printed = [
        ctx.moduleRef.get(SingapayPaymentStore, { strict: false }),
        ctx.moduleRef.get(SingapayTokenStore, { strict: false }),
        ctx.moduleRef.get(SingapayRedisConnection, { strict: false }),
        new RedisPaymentStore(client),
        new RedisTokenStore(client),
      ];
      expect(printed[0]).toBeInstanceOf(RedisPaymentStore);
      expect(printed[1]).toBeInstanceOf(RedisTokenStore);
      for (const shown of printed) expect(inspect(shown, { depth: 10, showHidden: true })).not.toContain(password);
      // Every log line of this test is checked for the password by the setup file.
    } finally {
      client.disconnect();
      await sim.stop();
      await redis.stop();
    }
  });
});

describe.skipIf(!redisAvailable && !redisRequired)('redisUrl: a connection lost with a write in flight', () => {
  let redis: TestRedis;
  let sim: SingapaySimulator;
  let hop: Server;
  const sockets = new Set<Socket>();
  // The next command to Redis that holds this text loses its answer: Redis runs it, then the connection drops.
  let dropAnswerTo: string | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    // A TCP hop between the app and Redis (a proxy, a load balancer, a network blip).
    hop = createServer((app) => {
      const upstream = connect(redis.port, '127.0.0.1');
      let dropping = false;
      for (const socket of [app, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          app.destroy();
          upstream.destroy();
          sockets.delete(socket);
        });
      }
      app.on('data', (chunk: Buffer) => {
        const text = chunk.toString('latin1');
        if (dropAnswerTo !== undefined && /evalsha/i.test(text) && text.includes(dropAnswerTo)) {
          dropAnswerTo = undefined;
          dropping = true;
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => (dropping ? upstream.destroy() : app.write(chunk)));
    });
    await new Promise<void>((resolve) => hop.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => hop?.close(resolve));
    await sim?.stop();
    await redis?.stop();
  });

  it("fails a claim or write whose answer was lost, never runs it again: the claim is not taken for another replica's", async () => {
    const ctx = await createSingapay({
      baseUrl: sim.baseUrl,
      ...sim.credentials,
      redisUrl: `redis://127.0.0.1:${(hop.address() as AddressInfo).port}`,
    });
    onTestFinished(() => ctx.close());
    const store = ctx.moduleRef.get(SingapayPaymentStore, { strict: false });
    // Redis knows both scripts by their hash from then on: the commands below are ones Redis runs.
    const warmUp = paymentRecord('order-warm-up');
    await store.create(warmUp);
    await store.replace(bump(warmUp, { state: 'pending' }), 1);
    const record = paymentRecord('order-blip', { owner: 'this replica' });
    dropAnswerTo = 'order-blip';
    await expect(store.create(record)).rejects.toThrow();
    // Redis made the claim once, for this replica.
    await expect.poll(() => store.get('order-blip').catch(() => undefined)).toMatchObject({ owner: 'this replica', version: 1 });

    dropAnswerTo = 'order-blip';
    await expect(store.replace(bump(record, { state: 'pending' }), 1)).rejects.toThrow();
    await expect.poll(() => store.get('order-blip').catch(() => undefined)).toMatchObject({ state: 'pending', version: 2 });
  });
});

describe.skipIf(!redisAvailable)('RedisPaymentStore with odd answers', () => {
  it('an odd character in an answer never freezes a Redis record', async () => {
    const redis = await startRedis();
    const server = await ScriptedServer.start();
    const txid = '01JXCQAZ8Z8AT5YRAP3V66GR70';
    server.handle((req, res) => {
      if (req.path.includes('access-token')) return tokenAnswer(res);
      if (req.path.includes('/payment')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          `{"command":"pulsa","response_code":"01","data":{"customer_id":"081234567891","customer_name":"Bud\\ud800i","amount":"1","price":"2","transaction_id":"${txid}","created_at":"2025-06-10 17:49:20"}}`,
        );
        return;
      }
      json(res, 200, {
        command: 'detail-bill-transaction',
        response_code: '00',
        data: {
          transaction_id: txid,
          reference_number: null,
          customer_id: '081234567891',
          transaction_type: 'prepaid',
          status: 'success',
          inquired_at: null,
          paid_at: null,
          net_price: '2',
          display_price: { amount: '1', price: '2' },
          other_info: [],
          created_at: '2025-06-10 17:49:20',
          product: { code: 'SPTLKMAS10', name: 'N' },
        },
      });
    });
    const ctx = await createSingapay({ baseUrl: server.baseUrl, paymentStore: new RedisPaymentStore(await redis.client()) });
    try {
      await ctx.service.pay({ command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '081234567891', idempotencyKey: 'order-odd' });
      expect((await ctx.service.getPayment('order-odd')).state).toBe('success');
    } finally {
      await ctx.close();
      await server.stop();
      await redis.stop();
    }
  });
});
