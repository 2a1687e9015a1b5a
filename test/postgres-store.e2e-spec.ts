import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import pg from 'pg';
import { runSingapayMigrate, runSingapayPrune } from '@app/singapay/cli/singapay-postgres.commands.js';
import { SingapayConfigurationError, SingapayPaymentStoreException } from '@app/singapay';
import { type SingapayPaymentRecord } from '@app/singapay/stores/index.js';
import {
  checkSingapayPostgresSchema,
  migrateSingapayPostgres,
  PostgresPaymentStore,
  SINGAPAY_POSTGRES_SCHEMA_VERSION,
  singapayPostgresMigrationSql,
  SingapayPostgresError,
  SingapayPostgresSchemaError,
} from '@app/singapay/postgres/index.js';
import { resolveSingapayOptions } from '@app/singapay/config/singapay-options.validation.js';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES } from '@app/singapay-simulator';
import { paymentRecord } from './payment-store-conformance.js';
import { capturedLogLines, registerSecret } from './support/log-capture.js';
import { explainingPool, insertPaymentRows } from './support/postgres-plans.js';
import { postgresAvailable, postgresRequired, startPostgres, type TestPostgres } from './support/postgres-server.js';
import { redisAvailable, startRedis } from './support/redis-server.js';
import { createSingapay } from './support/singapay-testing.js';
import { freePort } from './support/free-port.js';

if (!postgresAvailable) {
  new Logger('PostgresTests').warn(
    'PostgreSQL server binaries are not installed: the Postgres suites are SKIPPED (apt-get install postgresql)',
  );
}

const DAY = 24 * 3600_000;

describe.skipIf(!postgresAvailable && !postgresRequired)('PostgreSQL payment ledger (real PostgreSQL server)', () => {
  let server: TestPostgres;
  let sim: SingapaySimulator;
  let dbCount = 0;
  const freshDatabase = () => server.createDatabase(`ledger_${++dbCount}`);

  beforeAll(async () => {
    if (!postgresAvailable) throw new Error('PostgreSQL is required here (SINGAPAY_REQUIRE_POSTGRES=1) but not installed');
    server = await startPostgres();
    registerSecret(server.password);
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    registerSecret(sim.credentials.clientSecret, sim.credentials.password);
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
    await server?.stop();
  });
  beforeEach(() => sim.reset());

  const options = (extra: Record<string, unknown> = {}) => ({
    baseUrl: sim.baseUrl,
    ...sim.credentials,
    retry: { baseDelayMs: 5 },
    ...extra,
  });

  describe('schema: migrations and the start-up check', () => {
    it('says the table is missing, naming npx singapay migrate; migrate creates it once; a second run changes nothing', async () => {
      const url = await freshDatabase();
      const store = new PostgresPaymentStore(url);
      try {
        const missing = await store.checkSchema().catch((e: unknown) => e);
        expect(missing).toBeInstanceOf(SingapayPostgresSchemaError);
        expect((missing as Error).message).toMatch(/no singapay_payments table.*npx singapay migrate/);
        await expect(store.get('any')).rejects.toBeInstanceOf(SingapayPostgresError);

        expect(await store.migrate()).toEqual({ from: 0, to: SINGAPAY_POSTGRES_SCHEMA_VERSION, applied: [1, 2, 3] });
        expect(await store.migrate()).toEqual({ from: 3, to: 3, applied: [] });
        expect(await store.checkSchema()).toEqual({ version: 3, required: 3, newer: false });
      } finally {
        await store.close();
      }
    });

    it('applies a migration exactly once when several replicas migrate at the same time', async () => {
      const url = await freshDatabase();
      const stores = Array.from({ length: 4 }, () => new PostgresPaymentStore(url));
      try {
        const results = await Promise.all(stores.map((s) => s.migrate()));
        expect(results.filter((r) => r.applied.length > 0)).toEqual([{ from: 0, to: 3, applied: [1, 2, 3] }]);
        const versions = await server.pool(url.split('/').pop()!.split('?')[0]).query('SELECT version FROM singapay_schema_migrations');
        expect(versions.rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it('a migration that times out leaves no connection inside its transaction: the claims that follow are committed', async () => {
      const url = await freshDatabase();
      const migrated = new PostgresPaymentStore(url);
      await migrated.migrate();
      await migrated.close();
      // Another replica migrating: it holds the migration lock past this store's query_timeout.
      const db = server.pool(url.split('/').pop()!);
      const other = await db.connect();
      onTestFinished(() => other.release(true));
      await other.query('BEGIN');
      await other.query(/SELECT pg_advisory_xact_lock\(\d+\);/.exec(singapayPostgresMigrationSql())![0]);
      // One connection, so that the claim gets the one the migration had.
      const store = new PostgresPaymentStore(url, { pool: { max: 1, query_timeout: 300 } });
      onTestFinished(() => store.close());
      await expect(store.migrate()).rejects.toThrow(/timeout/i);
      await other.query('COMMIT');

      expect(await store.create(paymentRecord('after-migrate'))).toMatchObject({ created: true });
      const count = `SELECT count(*)::int AS n FROM singapay_payments WHERE idempotency_key = 'after-migrate'`;
      expect((await db.query(count)).rows[0].n).toBe(1);
      await store.close();
      // Still there once the store's connections are gone: another replica's claim on the key loses.
      expect((await db.query(count)).rows[0].n).toBe(1);
      const replica = new PostgresPaymentStore(url);
      onTestFinished(() => replica.close());
      expect(await replica.create(paymentRecord('after-migrate', { owner: 'another replica' }))).toMatchObject({ created: false });
    });

    it('refuses to start the module on a database that was never migrated, naming the fix', async () => {
      const url = await freshDatabase();
      const error = await createSingapay(options({ databaseUrl: url })).then(
        async (ctx) => {
          await ctx.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SingapayPostgresSchemaError);
      expect((error as Error).message).toContain('npx singapay migrate');
      expect((error as Error).message).not.toContain(server.password);
    });

    it('says an older schema is older, and starts on a newer one with a warning', async () => {
      const url = await freshDatabase();
      const store = new PostgresPaymentStore(url);
      const db = server.pool(url.split('/').pop()!);
      try {
        await store.migrate();
        await db.query('DELETE FROM singapay_schema_migrations');
        await expect(store.checkSchema()).rejects.toThrow(/version 0, older than version 3 .*npx singapay migrate/);
        await store.migrate();
        await db.query(`INSERT INTO singapay_schema_migrations (version, name) VALUES (99, 'from the future')`);
        expect(await store.checkSchema()).toMatchObject({ version: 99, newer: true });
        const before = capturedLogLines.length;
        const ctx = await createSingapay(options({ databaseUrl: url }));
        await ctx.close();
        expect(capturedLogLines.slice(before).join('\n')).toMatch(/schema is at version 99, newer than version 3/);
      } finally {
        await store.close();
      }
    });

    it('prints SQL that sets up the same schema, and that can run twice', async () => {
      const sql = singapayPostgresMigrationSql();
      expect(sql).toMatch(/^-- nestjs-singapay: PostgreSQL payment ledger, schema version 3/);
      expect(sql).toContain('CREATE TABLE IF NOT EXISTS singapay_payments');
      expect(sql).toContain('BEGIN;');
      const url = await freshDatabase();
      const db = server.pool(url.split('/').pop()!);
      await db.query(sql);
      await db.query(sql);
      expect(await checkSingapayPostgresSchema(db)).toEqual({ version: 3, required: 3, newer: false });
      expect(await migrateSingapayPostgres(db)).toEqual({ from: 3, to: 3, applied: [] });
      expect(singapayPostgresMigrationSql(1)).not.toContain('CREATE TABLE IF NOT EXISTS singapay_payments');
      const columns = await db.query(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'singapay_payments' ORDER BY ordinal_position`,
      );
      expect(columns.rows.map((r) => `${r.column_name}:${r.data_type}`)).toEqual([
        'namespace:text',
        'idempotency_key:text',
        'version:bigint',
        'state:text',
        'settled:boolean',
        'transaction_id:text',
        'created_at:timestamp with time zone',
        'updated_at:timestamp with time zone',
        'record:jsonb',
        'record_exact:text',
      ]);
    });
  });

  describe('records', () => {
    let url: string;
    let store: PostgresPaymentStore;
    beforeAll(async () => {
      url = await freshDatabase();
      store = new PostgresPaymentStore(url);
      await store.migrate();
    });
    afterAll(() => store?.close());

    it('keeps each record as a jsonb document with the columns the store needs', async () => {
      const ns = store.withNamespace('columns');
      const record = paymentRecord('k-cols', { state: 'unknown' });
      await ns.create(record);
      await ns.replace({ ...record, state: 'success', transactionId: 'TX-cols', version: 2 }, 1);
      const db = server.pool(url.split('/').pop()!);
      const { rows } = await db.query(`SELECT * FROM singapay_payments WHERE namespace = 'columns'`);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        idempotency_key: 'k-cols',
        version: '2',
        state: 'success',
        settled: true,
        transaction_id: 'TX-cols',
        record_exact: null,
        record: { key: 'k-cols', state: 'success', transactionId: 'TX-cols', version: 2 },
      });
      expect((rows[0].created_at as Date).getTime()).toBe(record.createdAt);
    });

    it("reads through its indexes with 50,000 final records and 2,000 open ones: the sweep, a customer's open payments, a day's page, a key, a transaction", async () => {
      // A table the planner sees as large (statistics gathered), open payments among many final ones:
      // each read the module makes must find its rows from an index, never by reading the table.
      const url = await freshDatabase();
      const db = server.pool(url.split('/').pop()!);
      await migrateSingapayPostgres(db);
      const at = Date.UTC(2026, 10, 20, 3);
      const customer = (i: number) => `0899${String(i % 5000).padStart(8, '0')}`;
      await insertPaymentRows(db, 'plans', 50_000, (i) =>
        paymentRecord(`final-${i}`, {
          customerId: customer(i),
          state: 'success',
          responseCode: '00',
          transactionId: `TX-${i}`,
          createdAt: at - 50_000 + i,
          updatedAt: at,
          settledAt: at,
        }),
      );
      // A backlog of open payments, as after an outage: a customer's own are found without reading it all.
      await insertPaymentRows(db, 'plans', 2_000, (i) =>
        paymentRecord(`open-${String(i).padStart(4, '0')}`, { customerId: customer(i), state: 'unknown', createdAt: at + i }),
      );
      const explaining = explainingPool(db);
      const ns = new PostgresPaymentStore(explaining.pool, {}, 'plans');
      const reads: [string, () => Promise<unknown>][] = [
        ['listUnsettled', () => ns.listUnsettled(100)],
        ['listUnsettled (resumed)', () => ns.listUnsettled(100, { createdAt: at + 99, key: 'open-0099' })],
        ['listUnsettledOf', () => ns.listUnsettledOf(customer(7), 100)],
        ['listCreatedBetween', () => ns.listCreatedBetween(at - 10_000, at, 100)],
        ['get', () => ns.get('final-25000')],
        ['findByTransactionId', () => ns.findByTransactionId('TX-25000')],
      ];
      const answers: unknown[] = [];
      for (const [label, read] of reads) {
        explaining.label = label;
        answers.push(await read());
      }
      const plans = Object.fromEntries(explaining.plans.map((p) => [p.statement, p.plan]));
      expect(plans).toEqual({
        listUnsettled: expect.stringContaining('Index Scan (singapay_payments_unsettled_idx)'),
        'listUnsettled (resumed)': expect.stringContaining('Index Scan (singapay_payments_unsettled_idx)'),
        listUnsettledOf: expect.stringContaining('Index Scan (singapay_payments_unsettled_customer_idx)'),
        listCreatedBetween: expect.stringContaining('Index Scan (singapay_payments_created_idx)'),
        get: expect.stringContaining('Index Scan (singapay_payments_pkey)'),
        findByTransactionId: expect.stringContaining('Index Scan (singapay_payments_transaction_id_key)'),
      });
      for (const plan of Object.values(plans)) expect(plan).not.toMatch(/Seq Scan|Sort/);
      // And the reads still answer what they should.
      expect((answers[0] as SingapayPaymentRecord[]).map((r) => r.key)).toEqual(
        Array.from({ length: 100 }, (_, i) => `open-${String(i).padStart(4, '0')}`),
      );
      expect((answers[1] as SingapayPaymentRecord[]).map((r) => r.key)).toEqual(
        Array.from({ length: 100 }, (_, i) => `open-${String(100 + i).padStart(4, '0')}`),
      );
      expect((answers[2] as SingapayPaymentRecord[]).map((r) => r.key)).toEqual(['open-0007']);
      expect(answers[3]).toHaveLength(100);
      expect((answers[4] as SingapayPaymentRecord).key).toBe('final-25000');
      expect((answers[5] as SingapayPaymentRecord).key).toBe('final-25000');
    }, 60_000);

    it('says where it could not connect (host, port, database, timeout; never the password), and does not retry an SSL mismatch', async () => {
      const port = await freePort();
      const down = new PostgresPaymentStore(`postgres://app:s3cret-Pa55@127.0.0.1:${port}/shop`);
      onTestFinished(() => down.close());
      const refused = (await down.get('k').catch((e: unknown) => e)) as Error;
      expect(refused).toBeInstanceOf(SingapayPostgresError);
      expect(refused.message).toMatch(new RegExp(`server 127\\.0\\.0\\.1:${port}, database shop, connect timeout 5000 ms`));
      expect(refused.message).not.toContain('s3cret-Pa55');
      // The test server has no SSL: sslmode=require cannot work, and is said at once, not retried for seconds.
      const url = `${await freshDatabase()}?sslmode=require`;
      const started = Date.now();
      const failure = await createSingapay({ ...options(), databaseUrl: url }).then(
        async (s) => {
          await s.close();
          return undefined;
        },
        (e: unknown) => e as Error,
      );
      expect(failure?.message).toMatch(/SSL/);
      // Retries of an unreachable server would take over 5 s; this bound is generous.
      expect(Date.now() - started).toBeLessThan(4_000);
    });

    it('a key with a NUL byte is a 400 naming the key, not a store outage', async () => {
      const singapay = await createSingapay({ ...options(), paymentStore: store.withNamespace('nul') });
      onTestFinished(() => singapay.close());
      const logs = capturedLogLines.length;
      await expect(singapay.service.getPayment('k\u0000')).rejects.toMatchObject({ status: 400 });
      expect(capturedLogLines.slice(logs).join('\n')).not.toMatch(/payment store could not/);
    });

    it('prepares the payment path once per connection, and goes unnamed by itself when a pooler loses prepared statements', async () => {
      // One connection, so that what the test does to it is what the store meets next.
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      onTestFinished(() => pool.end());
      const ns = new PostgresPaymentStore(pool).withNamespace('prepared');
      const record = paymentRecord('k-prep', { state: 'sending' });
      expect((await ns.create(record)).created).toBe(true);
      const prepared = await pool.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name');
      expect(prepared.rows.map((r) => r.name)).toEqual(['singapay_payment_create_v2']);
      // What PgBouncer in transaction mode does to a client: the next statement lands on a session without them.
      await pool.query('DEALLOCATE ALL');
      const logs = capturedLogLines.length;
      expect(await ns.replace({ ...record, state: 'pending', version: 2 }, 1)).toBe(true);
      expect(await ns.create(paymentRecord('k-prep-2'))).toMatchObject({ created: true });
      expect((await ns.get('k-prep'))?.state).toBe('pending');
      expect(capturedLogLines.slice(logs).join('\n')).toMatch(/refused a prepared statement.*unnamed from now on/);
      expect((await pool.query('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows[0].n).toBe(0);
      // Said up front, nothing is prepared at all.
      const plain = new PostgresPaymentStore(pool, { preparedStatements: false }).withNamespace('unprepared');
      await plain.create(paymentRecord('k-plain'));
      expect((await pool.query('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows[0].n).toBe(0);
    });

    it('prunes only final records older than the date, in every namespace, and never recent ones', async () => {
      const pruneUrl = await freshDatabase();
      const store = new PostgresPaymentStore(pruneUrl);
      await store.migrate();
      onTestFinished(() => store.close());
      const now = Date.now();
      const a = store.withNamespace('prune-a');
      const b = store.withNamespace('prune-b');
      const old = now - 40 * DAY;
      const at = (ms: number, extra: Partial<SingapayPaymentRecord>) => ({ createdAt: ms, updatedAt: ms, ...extra });
      await a.create(paymentRecord('old-success', at(old, { state: 'success' })));
      await a.create(paymentRecord('old-unknown', at(old, { state: 'unknown' })));
      await b.create(paymentRecord('old-failed', at(old, { state: 'failed' })));
      await b.create(paymentRecord('old-sending', at(old, { state: 'sending' })));
      await b.create(paymentRecord('new-success', at(now - DAY, { state: 'success' })));
      const before = new Date(now - 30 * DAY);
      expect(await store.prune({ before, dryRun: true })).toBe(2);
      expect(await store.prune({ before })).toBe(2);
      expect(await a.get('old-success')).toBeUndefined();
      expect(await b.get('old-failed')).toBeUndefined();
      expect((await a.get('old-unknown'))?.state).toBe('unknown');
      expect((await b.get('old-sending'))?.state).toBe('sending');
      expect((await b.get('new-success'))?.state).toBe('success');
      await expect(store.prune({ before: new Date(now - DAY) })).rejects.toThrow(/at least 7 days ago/);
      await expect(store.prune({ before: new Date('not a date') })).rejects.toThrow(/valid date/);
    });
  });

  describe('module options', () => {
    let url: string;
    beforeAll(async () => {
      url = await freshDatabase();
      const store = new PostgresPaymentStore(url);
      await store.migrate();
      await store.close();
    });

    const connections = async (app: string) =>
      Number(
        (await server.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [app])).rows[0]!.n,
      );

    it('databaseUrl: keeps payments in PostgreSQL through its own pool, closed on shutdown', async () => {
      const appUrl = `${url}?application_name=singapay-own-pool`;
      const a = await createSingapay(options({ databaseUrl: appUrl }));
      const b = await createSingapay(options({ databaseUrl: appUrl }));
      try {
        const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa;
        const paid = await a.service.pay({ command: 'pulsa', productCode, customerId, idempotencyKey: 'order-pg-1' });
        expect(paid.status).toBe('pending');
        // Another app on the same database sees the record and sends nothing.
        expect(await b.service.pay({ command: 'pulsa', productCode, customerId, idempotencyKey: 'order-pg-1' })).toMatchObject({
          status: 'pending',
          transactionId: (paid as { transactionId: string }).transactionId,
        });
        expect(sim.paymentsFor({ customerId })).toBe(1);
        const { rows } = await server
          .pool(url.split('/').pop()!)
          .query(`SELECT namespace, state, transaction_id FROM singapay_payments WHERE idempotency_key = 'order-pg-1'`);
        expect(rows).toEqual([
          {
            namespace: expect.stringMatching(/^default:sandbox:[0-9a-f]{16}$/),
            state: 'pending',
            transaction_id: expect.any(String),
          },
        ]);
        expect(await connections('singapay-own-pool')).toBeGreaterThan(0);
      } finally {
        await a.close();
        await b.close();
      }
      // A backend leaves pg_stat_activity a moment after its client hung up; on a loaded machine, a noticeable one.
      await expect.poll(() => connections('singapay-own-pool'), { timeout: 10_000 }).toBe(0);
    });

    it('a pool the app passes in is used and never closed by the module', async () => {
      const pool = server.pool(url.split('/').pop()!);
      const ctx = await createSingapay(options({ paymentStore: new PostgresPaymentStore(pool) }));
      const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.data;
      await ctx.service.pay({ command: 'data', productCode, customerId, idempotencyKey: 'order-own-pool' });
      await ctx.close();
      const { rows } = await pool.query(`SELECT state FROM singapay_payments WHERE idempotency_key = 'order-own-pool'`);
      expect(rows).toEqual([{ state: 'pending' }]);
    });

    it.skipIf(!redisAvailable)('with redisUrl too: payments go to PostgreSQL, the token to Redis', async () => {
      const redis = await startRedis();
      try {
        const ctx = await createSingapay(options({ databaseUrl: url, redisUrl: redis.url }));
        const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.vouchg;
        await ctx.service.pay({ command: 'vouchg', productCode, customerId, idempotencyKey: 'order-both' });
        await ctx.close();
        const keys = await (await redis.client()).keys('*');
        expect(keys.some((k) => k.includes('token'))).toBe(true);
        expect(keys.filter((k) => k.includes('payments'))).toEqual([]);
        const { rows } = await server
          .pool(url.split('/').pop()!)
          .query(`SELECT state FROM singapay_payments WHERE idempotency_key = 'order-both'`);
        expect(rows).toEqual([{ state: 'pending' }]);
      } finally {
        await redis.stop();
      }
    });

    it.skipIf(!redisAvailable)('a start-up PostgreSQL refuses closes the Redis client the module opened for redisUrl', async () => {
      const redis = await startRedis();
      const unmigrated = await freshDatabase();
      const given = new PostgresPaymentStore(unmigrated);
      try {
        // The module's own pool (checked while the Redis client opens), and a store the app passes in (checked after).
        for (const postgres of [{ databaseUrl: unmigrated }, { paymentStore: given }]) {
          const refused = await createSingapay(options({ ...postgres, redisUrl: redis.url })).then(
            async (ctx) => {
              await ctx.close();
              return undefined;
            },
            (e: unknown) => e,
          );
          expect(refused).toBeInstanceOf(SingapayPostgresSchemaError);
        }
        // Nest runs no shutdown hook after a failed start-up. Time enough for a client left open to (re)connect:
        // only this test's own is connected.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(((await (await redis.client()).client('LIST')) as string).trim().split('\n')).toHaveLength(1);
      } finally {
        await given.close();
        await redis.stop();
      }
    });

    it('production refuses the in-memory store unless asked for by name, and then warns', async () => {
      const refused = await createSingapay(options({ environment: 'production' })).then(
        async (ctx) => {
          await ctx.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(SingapayConfigurationError);
      expect((refused as Error).message).toMatch(/production but payment records would be kept in memory/);
      expect((refused as Error).message).toMatch(/SINGAPAY_DATABASE_URL.*paymentStore: 'memory' \(SINGAPAY_PAYMENT_STORE=memory\)/);

      const before = capturedLogLines.length;
      const memory = await createSingapay(options({ environment: 'production', paymentStore: 'memory' }));
      await memory.close();
      expect(capturedLogLines.slice(before).join('\n')).toMatch(
        /warn paymentStore is 'memory' in production: a restart loses every idempotency record kept in memory, and the same order can then be paid twice/,
      );

      // Production refuses a server that runs with fsync off, as this throw-away one does for speed.
      await server.setting('fsync', 'on');
      try {
        const pg = await createSingapay(options({ environment: 'production', databaseUrl: url }));
        await pg.close();
      } finally {
        await server.setting('fsync', 'off');
      }
      expect(resolveSingapayOptions({ ...sim.credentials, paymentStore: 'memory' }).paymentStore).toBe('memory');
      expect(() => resolveSingapayOptions({ ...sim.credentials, paymentStore: 'postgres' as never })).toThrow(
        /paymentStore \(SINGAPAY_PAYMENT_STORE\) must be/,
      );
      expect(() => resolveSingapayOptions({ ...sim.credentials, databaseUrl: 'mysql://x@y/z' })).toThrow(
        /databaseUrl \(SINGAPAY_DATABASE_URL\) must be a postgres/,
      );
    });
  });

  describe('singapay migrate / singapay prune', () => {
    const cli = async (run: typeof runSingapayMigrate, argv: string[], io: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await run(argv, {
        write: (l) => out.push(l),
        error: (l) => err.push(l),
        env: io.env ?? {},
        ...(io.cwd ? { cwd: io.cwd } : {}),
      });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };

    it('prints the SQL, or the steps after a version, without a database', async () => {
      const all = await cli(runSingapayMigrate, ['--print']);
      expect(all).toMatchObject({ code: 0, err: '' });
      expect(all.out).toBe(singapayPostgresMigrationSql());
      expect((await cli(runSingapayMigrate, ['--print', '--from', '1'])).out).not.toContain('CREATE TABLE IF NOT EXISTS singapay_payments');
      const misuse = await cli(runSingapayMigrate, ['--from', '1']);
      expect(misuse.code).toBe(2);
      expect(misuse.err).toMatch(/--from goes with --print[\s\S]*Usage: singapay migrate/);
      expect((await cli(runSingapayMigrate, ['--bogus'])).err).toMatch(/unknown option --bogus/);
      expect((await cli(runSingapayMigrate, ['--help'])).out).toMatch(/^Usage: singapay migrate/);
      // A configuration error exits 2 too, without the usage: one rule for every singapay command.
      const noFile = await cli(runSingapayMigrate, ['--env-file', '/nonexistent/.env']);
      expect(noFile.code).toBe(2);
      expect(noFile.err).toMatch(/the env file \/nonexistent\/\.env does not exist/);
      expect(noFile.err).not.toMatch(/Usage:/);
    });

    it("waits for another host's migration as long as it takes, past the pool's 15 s query timeout, instead of giving up while the server runs on", async () => {
      const url = await freshDatabase();
      const db = server.pool(url.split('/').pop()!);
      const other = await db.connect();
      onTestFinished(() => other.release(true));
      await other.query('BEGIN');
      await other.query(/SELECT pg_advisory_xact_lock\(\d+\);/.exec(singapayPostgresMigrationSql())![0]);
      const migrating = cli(runSingapayMigrate, ['--no-env-file', '--database-url', url]);
      await new Promise((resolve) => setTimeout(resolve, 16_000));
      await other.query('COMMIT');
      expect(await migrating).toMatchObject({ code: 0, out: expect.stringMatching(/schema version 0 -> 3/) });
    }, 60_000);

    it('migrates the database of SINGAPAY_DATABASE_URL (environment, .env or --database-url), once', async () => {
      const url = await freshDatabase();
      const none = await cli(runSingapayMigrate, ['--no-env-file']);
      expect(none).toMatchObject({ code: 2 });
      expect(none.err).toMatch(/no database: set SINGAPAY_DATABASE_URL or pass --database-url/);

      const first = await cli(runSingapayMigrate, ['--no-env-file'], { env: { SINGAPAY_DATABASE_URL: url } });
      expect(first).toMatchObject({
        code: 0,
        out: 'PostgreSQL payment ledger: schema version 0 -> 3; applied 1 (create singapay_payments), 2 (index singapay_payments by creation), 3 (index open singapay_payments by customer)',
      });
      const dir = mkdtempSync(join(tmpdir(), 'singapay-cli-'));
      try {
        writeFileSync(join(dir, '.env'), `SINGAPAY_DATABASE_URL=${url}\n`);
        expect(await cli(runSingapayMigrate, [], { cwd: dir })).toMatchObject({
          code: 0,
          out: 'PostgreSQL payment ledger: up to date (schema version 3)',
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(await cli(runSingapayMigrate, ['--database-url', url])).toMatchObject({
        code: 0,
        out: 'PostgreSQL payment ledger: up to date (schema version 3)',
      });

      const wrong = await cli(runSingapayMigrate, ['--database-url', url.replace(server.password, 'not-the-Pa55word')]);
      expect(wrong.code).toBe(1);
      expect(wrong.err).toMatch(
        /^singapay migrate: PostgreSQL could not migrate the payment ledger: password authentication failed .*\(28P01\)$/,
      );
      expect(`${wrong.out}${wrong.err}`).not.toContain('not-the-Pa55word');
      expect((await cli(runSingapayMigrate, ['--database-url', 'mysql://u:p@h/d'])).err).toMatch(
        /must be a postgres:\/\/ or postgresql:\/\/ URL/,
      );
    });

    it('refuses to prune a database holding production records without --production, whatever the shell says', async () => {
      const url = await freshDatabase();
      const store = new PostgresPaymentStore(url);
      onTestFinished(() => store.close());
      await store.migrate();
      const old = Date.now() - 60 * DAY;
      // The namespace a production registration writes under (registration:environment:client id hash).
      const live = store.withNamespace('default:production:0123456789abcdef');
      await live.create(paymentRecord('live-old', { state: 'success', createdAt: old, updatedAt: old }));
      const env = { SINGAPAY_DATABASE_URL: url };
      const date = new Date(Date.now() - 30 * DAY).toISOString().slice(0, 10);
      const refused = await cli(runSingapayPrune, ['--before', date, '--no-env-file'], { env });
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/holds records of a production registration: refused without --production/);
      expect(await live.get('live-old')).toBeDefined();
      expect((await cli(runSingapayPrune, ['--before', date, '--dry-run', '--no-env-file'], { env })).out).toMatch(/^would prune 1 /);
      expect((await cli(runSingapayPrune, ['--before', date, '--production', '--no-env-file'], { env })).out).toMatch(/^pruned 1 /);
      expect(await live.get('live-old')).toBeUndefined();
    });

    it('prunes final records before a date at least a week old, or counts them with --dry-run', async () => {
      const url = await freshDatabase();
      const store = new PostgresPaymentStore(url);
      onTestFinished(() => store.close());
      await store.migrate();
      const old = Date.now() - 60 * DAY;
      await store.create(paymentRecord('old-1', { state: 'success', createdAt: old, updatedAt: old }));
      await store.create(paymentRecord('old-2', { state: 'refunded', createdAt: old, updatedAt: old }));
      await store.create(paymentRecord('old-open', { state: 'pending', createdAt: old, updatedAt: old }));
      const env = { SINGAPAY_DATABASE_URL: url };
      const date = new Date(Date.now() - 30 * DAY).toISOString().slice(0, 10);
      expect(await cli(runSingapayPrune, ['--before', date, '--dry-run', '--no-env-file'], { env })).toMatchObject({
        code: 0,
        out: `would prune 2 final payment records last changed before ${date}T00:00:00.000Z`,
      });
      expect(await cli(runSingapayPrune, [`--before=${date}`, '--no-env-file'], { env })).toMatchObject({
        code: 0,
        out: `pruned 2 final payment records last changed before ${date}T00:00:00.000Z`,
      });
      expect((await store.get('old-open'))?.state).toBe('pending');
      // Production is said out loud before anything is deleted; a count needs no flag.
      await store.create(paymentRecord('old-3', { state: 'failed', createdAt: old, updatedAt: old }));
      const live = { ...env, SINGAPAY_ENV: 'production' };
      const refused = await cli(runSingapayPrune, ['--before', date, '--no-env-file'], { env: live });
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/SINGAPAY_ENV is production: refused without --production/);
      expect(await store.get('old-3')).toBeDefined();
      expect((await cli(runSingapayPrune, ['--before', date, '--dry-run', '--no-env-file'], { env: live })).out).toMatch(/^would prune 1 /);
      expect((await cli(runSingapayPrune, ['--before', date, '--production', '--no-env-file'], { env: live })).out).toMatch(/^pruned 1 /);
      const recent = await cli(runSingapayPrune, ['--before', new Date().toISOString().slice(0, 10), '--no-env-file'], { env });
      // Usage errors exit 2, as every singapay command's do.
      expect(recent.code).toBe(2);
      expect(recent.err).toMatch(/--before must be at least 7 days ago/);
      expect(await cli(runSingapayPrune, ['--no-env-file'], { env })).toMatchObject({
        code: 2,
        err: expect.stringMatching(/--before DATE is required/),
      });
      expect((await cli(runSingapayPrune, ['--before', 'yesterday', '--no-env-file'], { env })).err).toMatch(/--before needs a date/);
      // Not a day of the calendar, as a date or inside an instant: refused, never read as 2 March.
      for (const before of ['2025-02-30', '2025-02-30T00:00:00Z']) {
        expect(await cli(runSingapayPrune, ['--before', before, '--no-env-file'], { env })).toMatchObject({
          code: 2,
          err: expect.stringMatching(/--before needs a date/),
        });
      }
      const instant = new Date(Date.now() - 30 * DAY).toISOString();
      expect(await cli(runSingapayPrune, ['--before', instant, '--dry-run', '--no-env-file'], { env })).toMatchObject({
        code: 0,
        out: `would prune 0 final payment records last changed before ${instant}`,
      });
    });
  });

  describe('secrets', () => {
    it('never shows the database password: wrong password, unreachable server, printed options and stores', async () => {
      const url = await freshDatabase();
      const wrong = 'Wr0ng-pa55word-7c1d';
      registerSecret(wrong);
      const wrongUrl = url.replace(server.password, wrong);
      const unreachable = `postgres://singapay:${wrong}@127.0.0.1:1/postgres`;
      const errors: unknown[] = [];
      for (const target of [wrongUrl, unreachable]) {
        const store = new PostgresPaymentStore(target);
        errors.push(await store.get('k').catch((e: unknown) => e));
        errors.push(await store.checkSchema().catch((e: unknown) => e));
        expect(inspect(store, { depth: 10, showHidden: true })).not.toContain(wrong);
        await store.close();
      }
      errors.push(await createSingapay(options({ databaseUrl: wrongUrl })).catch((e: unknown) => e));
      expect(errors.every((e) => e instanceof SingapayPostgresError)).toBe(true);
      expect((errors[0] as SingapayPostgresError).code).toBe('28P01');
      expect((errors[2] as SingapayPostgresError).code).toBe('ECONNREFUSED');
      for (const error of errors) {
        const shown = `${String(error)} ${(error as Error).message} ${(error as Error).stack} ${inspect(error, { depth: 10, showHidden: true })} ${JSON.stringify(error)}`;
        expect(shown).not.toContain(wrong);
        expect(shown).not.toContain(server.password);
      }
      const resolved = resolveSingapayOptions({ ...sim.credentials, databaseUrl: url });
      expect(`${inspect(resolved, { depth: 10 })} ${JSON.stringify(resolved)}`).not.toContain(server.password);
      const store = new PostgresPaymentStore(url);
      await store.checkSchema().catch(() => undefined);
      expect(inspect(store, { depth: 10, showHidden: true })).not.toContain(server.password);
      await store.close();
      // Every log line of this test is checked for both passwords by the setup file.
    });
  });

  describe('when PostgreSQL goes down and comes back', () => {
    it('refuses payments with a 503 and sends nothing; the records survive the restart', async () => {
      const url = await freshDatabase();
      const setup = new PostgresPaymentStore(url);
      await setup.migrate();
      await setup.close();
      const ctx = await createSingapay(options({ databaseUrl: url }));
      try {
        const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa;
        const first = await ctx.service.pay({ command: 'pulsa', productCode, customerId, idempotencyKey: 'order-before-restart' });
        await server.halt();
        const before = sim.stats().paymentsReceived;
        const logs = capturedLogLines.length;
        const error = await ctx.service
          .pay({ command: 'data', ...SINGAPAY_TEST_CUSTOMER_EXAMPLES.data, idempotencyKey: 'order-db-down' })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(SingapayPaymentStoreException);
        expect((error as SingapayPaymentStoreException).getStatus()).toBe(503);
        expect(sim.stats().paymentsReceived).toBe(before);
        expect(capturedLogLines.slice(logs).join('\n')).toMatch(/PostgreSQL unavailable/);
        await expect(ctx.service.checkBalance()).resolves.toMatchObject({ currency: 'IDR' });

        await server.start();
        expect(await ctx.service.getPayment('order-before-restart')).toMatchObject({
          state: 'pending',
          transactionId: (first as { transactionId: string }).transactionId,
        });
        await expect(
          ctx.service.pay({ command: 'data', ...SINGAPAY_TEST_CUSTOMER_EXAMPLES.data, idempotencyKey: 'order-db-down' }),
        ).resolves.toMatchObject({
          status: 'pending',
        });
        expect(sim.stats().paymentsReceived).toBe(before + 1);
      } finally {
        await ctx.close();
      }
    });
  });
});
