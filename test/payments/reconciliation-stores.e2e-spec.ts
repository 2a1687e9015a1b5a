/**
 * What the daily reconciliation needs of the shared stores beyond the contract suite:
 * Redis keeps its index by creation no longer than the records (and picks up records
 * written before the index existed), PostgreSQL gets the index from migration 2, and a
 * ledger at version 1 is refused at start-up and upgraded by `singapay migrate`.
 */
import { Logger } from '@nestjs/common';
import { type SingapayPaymentRecord } from '@app/singapay/stores/index.js';
import { PostgresPaymentStore, SingapayPostgresSchemaError } from '@app/singapay/postgres/index.js';
import { RedisPaymentStore } from '@app/singapay/redis/index.js';
import { runSingapayMigrate } from '@app/singapay/cli/singapay-postgres.commands.js';
import { SINGAPAY_POSTGRES_MIGRATIONS, singapayPostgresMigrationSql } from '@app/singapay/postgres/postgres-schema.js';
import { bump, paymentRecord } from '../payment-store-conformance.js';
import { registerSecret } from '../support/log-capture.js';
import { postgresAvailable, postgresRequired, startPostgres, type TestPostgres } from '../support/postgres-server.js';
import { redisAvailable, redisRequired, startRedis, type TestRedis } from '../support/redis-server.js';

const DAY = 86_400_000;

if (!redisAvailable) new Logger('ReconciliationStores').warn('redis-server is not installed: the Redis index tests are SKIPPED');
describe.skipIf(!redisAvailable && !redisRequired)('Redis: the index by creation (real redis-server)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    if (!redisAvailable) throw new Error('redis-server is required here (SINGAPAY_REQUIRE_REDIS=1) but not installed');
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  const dayKey = (ns: string, createdAt: number) => `{created-index:payments:${ns}}:created:${Math.floor(createdAt / DAY)}`;

  it('keeps a day of records in a set that lives as long as its longest-lived settled record', async () => {
    const client = await redis.client();
    const store = new RedisPaymentStore(client, { prefix: 'created-index', retentionMs: 2 * DAY }).withNamespace('ttl');
    const at = Date.now() - 3600_000;
    const first = paymentRecord('ttl-1', { state: 'success', createdAt: at, updatedAt: at });
    await store.create(first);
    const set = dayKey('ttl', at);
    expect(await client.zcard(set)).toBe(1);
    const recordTtl = await client.pttl('{created-index:payments:ttl}:record:ttl-1');
    expect(await client.pttl(set)).toBeGreaterThanOrEqual(recordTtl - 50);
    expect(await client.pttl(set)).toBeLessThanOrEqual(2 * DAY);
    // A later write of a record of that day pushes the set's life out with it.
    await client.pexpire(set, 60_000);
    expect(await store.replace(bump(first, { state: 'unknown' }), 1)).toBe(true);
    expect(await client.pttl(set)).toBeGreaterThan(2 * DAY - 60_000);
  });

  it('drops the entry of a record that expired when it reads past it, and nothing else', async () => {
    const client = await redis.client();
    const store = new RedisPaymentStore(client, { prefix: 'created-index' }).withNamespace('gone');
    const at = Date.UTC(2025, 10, 24, 3);
    const records = ['a', 'b', 'c', 'd'].map((k, i) => paymentRecord(`gone-${k}`, { createdAt: at + i, updatedAt: at + i }));
    for (const r of records) await store.create(r);
    // As if b and c had outlived their retention.
    await client.del('{created-index:payments:gone}:record:gone-b', '{created-index:payments:gone}:record:gone-c');
    const page = await store.listCreatedBetween(at, at + DAY, 2);
    expect(page.map((r) => r.key)).toEqual(['gone-a', 'gone-d']);
    expect(await client.zrange(dayKey('gone', at), '0', '-1')).toEqual([
      `${String(at).padStart(15, '0')}:gone-a`,
      `${String(at + 3).padStart(15, '0')}:gone-d`,
    ]);
  });

  it('lists a record written before the index existed once it next changes', async () => {
    const client = await redis.client();
    const store = new RedisPaymentStore(client, { prefix: 'created-index' }).withNamespace('upgrade');
    const at = Date.UTC(2025, 10, 24, 5);
    const old: SingapayPaymentRecord = paymentRecord('written-by-0.1', { state: 'pending', createdAt: at, updatedAt: at });
    await store.create(old);
    await client.del(dayKey('upgrade', at)); // what a release without the index leaves behind
    expect(await store.listCreatedBetween(at - DAY, at + DAY, 10)).toEqual([]);
    const settled = bump(old, { state: 'success', transactionId: 'TX-upgrade' });
    expect(await store.replace(settled, 1)).toBe(true);
    expect(await store.listCreatedBetween(at - DAY, at + DAY, 10)).toEqual([settled]);
  });
});

if (!postgresAvailable) new Logger('ReconciliationStores').warn('PostgreSQL is not installed: the migration 2 tests are SKIPPED');
describe.skipIf(!postgresAvailable && !postgresRequired)('PostgreSQL: migration 2, the index by creation (real server)', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    if (!postgresAvailable) throw new Error('PostgreSQL is required here (SINGAPAY_REQUIRE_POSTGRES=1) but not installed');
    server = await startPostgres();
    registerSecret(server.password);
  }, 60_000);
  afterAll(() => server?.stop());

  it('upgrades a ledger of version 1: refused at start-up until `singapay migrate` adds the index; records kept', async () => {
    const url = await server.createDatabase('ledger_v1');
    const db = server.pool('ledger_v1');
    // What the previous release's `singapay migrate` left: version 1 only.
    await db.query(singapayPostgresMigrationSql(0).split('\n-- 2:')[0]! + '\nCOMMIT;');
    expect((await db.query('SELECT version FROM singapay_schema_migrations')).rows).toEqual([{ version: 1 }]);
    const store = new PostgresPaymentStore(url);
    try {
      const at = Date.UTC(2025, 10, 24, 16, 59, 59);
      const records = [0, 1, 2].map((i) => paymentRecord(`v1-${i}`, { createdAt: at + i * 1000, updatedAt: at + i * 1000 }));
      for (const r of records) await store.withNamespace('v1').create(r);
      const refused = await store.checkSchema().catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SingapayPostgresSchemaError);
      expect((refused as Error).message).toMatch(/schema is at version 1, older than version 3 .*npx singapay migrate/);

      const out: string[] = [];
      const code = await runSingapayMigrate(['--no-env-file'], { write: (l) => out.push(l), env: { SINGAPAY_DATABASE_URL: url } });
      expect({ code, out }).toEqual({
        code: 0,
        out: [
          'PostgreSQL payment ledger: schema version 1 -> 3; applied 2 (index singapay_payments by creation), 3 (index open singapay_payments by customer)',
        ],
      });
      expect(await store.checkSchema()).toEqual({ version: 3, required: 3, newer: false });
      const { rows } = await db.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'singapay_payments_created_idx'`);
      expect(rows[0]?.indexdef).toMatch(/\(namespace, created_at, idempotency_key COLLATE "C"\)/);
      expect(await store.withNamespace('v1').listCreatedBetween(at, at + DAY, 10)).toEqual(records);
      // The reconciliation's query can use it (the planner is told not to scan, so the choice is visible).
      const client = await db.connect();
      try {
        await client.query('SET enable_seqscan = off');
        const plan = await client.query(
          `EXPLAIN SELECT record FROM singapay_payments WHERE namespace = 'v1' AND created_at >= now() - interval '3 days' AND created_at < now()
            ORDER BY created_at, idempotency_key COLLATE "C" LIMIT 500`,
        );
        expect(plan.rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n')).toContain('singapay_payments_created_idx');
      } finally {
        client.release();
      }
    } finally {
      await store.close();
    }
  });

  it('prints the steps after version 1 alone, and they run twice harmlessly', async () => {
    const step = singapayPostgresMigrationSql(1);
    expect(step).toContain('-- 2: index singapay_payments by creation');
    expect(step).not.toContain('CREATE TABLE IF NOT EXISTS singapay_payments ');
    expect(SINGAPAY_POSTGRES_MIGRATIONS.map((m) => m.version)).toEqual([1, 2, 3]);
    await server.createDatabase('ledger_twice');
    const db = server.pool('ledger_twice');
    await db.query(singapayPostgresMigrationSql(0));
    await db.query(step);
    expect((await db.query('SELECT version FROM singapay_schema_migrations ORDER BY version')).rows).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
    ]);
  });
});
