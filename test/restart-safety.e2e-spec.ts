// Processes killed with SIGKILL at each point of a payment, then a new process on
// the same store: the key never sends a second payment, and the outcome ends as the
// simulator's ledger says. Also several replicas on one PostgreSQL database, and the
// `singapay` bin. Real processes, sockets and servers throughout.
import { Logger } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { PostgresPaymentStore } from '@app/singapay/postgres/index.js';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES } from '@app/singapay-simulator';
import { compileReplicaWorker, ReplicaProcess, until, type ReplicaReply } from './replicas/replica-process.js';
import { capturedLogLines, registerSecret, secretLeaks } from './support/log-capture.js';
import { postgresAvailable, postgresRequired, startPostgres, type TestPostgres } from './support/postgres-server.js';
import { redisAvailable, redisRequired, startRedis, type TestRedis } from './support/redis-server.js';

const withPostgres = postgresAvailable || postgresRequired;
const withRedis = redisAvailable || redisRequired;
if (!postgresAvailable)
  new Logger('RestartTests').warn('PostgreSQL server binaries are not installed: the Postgres restart tests are SKIPPED');
if (!redisAvailable) new Logger('RestartTests').warn('redis-server is not installed: the Redis restart tests are SKIPPED');

// A test-only trigger holds a chosen write of a chosen key until the test lets go, so that a
// process can be killed at an exact point: while its claim (which counts the send) is being
// written, or after Singapay's answer came but before it was recorded.
const GATE_SQL = `
CREATE TABLE test_gates (idempotency_key text PRIMARY KEY, phase text NOT NULL);
CREATE FUNCTION test_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE g text;
BEGIN
  SELECT phase INTO g FROM test_gates WHERE idempotency_key = NEW.idempotency_key;
  IF TG_OP = 'INSERT' THEN
    IF g = 'claim' THEN PERFORM pg_advisory_xact_lock(hashtext('gate:' || NEW.idempotency_key)); END IF;
  ELSIF g = 'outcome' AND OLD.state = 'sending' AND NEW.state <> 'sending' THEN
    PERFORM pg_advisory_xact_lock(hashtext('gate:' || NEW.idempotency_key));
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER test_gate BEFORE INSERT OR UPDATE ON singapay_payments FOR EACH ROW EXECUTE FUNCTION test_gate();`;

// Each test starts Node processes (a Nest app each): on a loaded machine that takes seconds.
describe.skipIf(!withPostgres && !withRedis)(
  'restart safety: processes killed mid-payment, then a new process on the same store',
  { timeout: 60_000 },
  () => {
    let build: ReturnType<typeof compileReplicaWorker>;
    let sim: SingapaySimulator;
    let server: TestPostgres | undefined;
    let redis: TestRedis | undefined;
    let databaseUrl = '';
    let admin: pg.Pool;
    const processes: ReplicaProcess[] = [];

    beforeAll(async () => {
      if (postgresRequired && !postgresAvailable)
        throw new Error('PostgreSQL is required here (SINGAPAY_REQUIRE_POSTGRES=1) but not installed');
      if (redisRequired && !redisAvailable) throw new Error('redis-server is required here (SINGAPAY_REQUIRE_REDIS=1) but not installed');
      build = compileReplicaWorker('restart-worker');
      sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
      registerSecret(sim.credentials.clientSecret, sim.credentials.password);
      if (postgresAvailable) {
        server = await startPostgres();
        registerSecret(server.password);
        databaseUrl = server.url;
        const store = new PostgresPaymentStore(databaseUrl);
        await store.migrate();
        await store.close();
        admin = server.pool();
        await admin.query(GATE_SQL);
      }
      if (redisAvailable) redis = await startRedis();
    }, 120_000);

    afterAll(async () => {
      await Promise.all(processes.map((p) => p.stop()));
      const lines = processes.flatMap((p) => p.output);
      capturedLogLines.push(...lines);
      expect(secretLeaks(lines)).toEqual([]);
      await sim?.stop();
      await server?.stop();
      await redis?.stop();
      build?.remove();
    });

    beforeEach(() => sim.reset());
    // Nothing of one test may act in the next (a late token request, a sweep).
    afterEach(() => Promise.all(processes.map((p) => p.stop())));

    type Store = 'postgres' | 'redis';
    let started = 0;
    /** A new process with the module, on the given store; `tag` names its PostgreSQL connections. */
    async function start(store: Store, tag = `replica-${++started}`, extra: Record<string, unknown> = {}): Promise<ReplicaProcess> {
      const options = {
        baseUrl: sim.baseUrl,
        ...sim.credentials,
        // Short timeouts make the dead sender's claim run out in about 3 s (timeout × 2 + 1 s).
        timeoutMs: 1_000,
        retry: { maxAttempts: 1, baseDelayMs: 10, deadlineMs: 0 },
        paymentNotFoundAfterMs: 1_000,
        ...(store === 'postgres' ? { databaseUrl: `${databaseUrl}?application_name=${tag}` } : { redisUrl: redis!.url }),
        ...extra,
      };
      const replica = await ReplicaProcess.start(build.worker, options);
      processes.push(replica);
      return replica;
    }

    /** Asks again (as a caller retrying would) until the answer is no longer "unknown". */
    async function payUntilKnown(replica: ReplicaProcess, input: Record<string, unknown>): Promise<ReplicaReply> {
      let reply = await replica.call('pay', { input });
      for (let i = 0; i < 80 && reply.ok && reply.result?.status === 'unknown'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        reply = await replica.call('pay', { input });
      }
      return reply;
    }

    const backendsWaitingOnGate = async (tag: string) =>
      (
        await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
          [tag],
        )
      ).rows.map((r) => r.pid);

    /** Holds the gate of `key` at `phase`; `release` kills the waiting backends' statements first when asked. */
    async function gate(key: string, phase: 'claim' | 'outcome') {
      const holder = await admin.connect();
      await holder.query('INSERT INTO test_gates VALUES ($1, $2)', [key, phase]);
      await holder.query(`SELECT pg_advisory_lock(hashtext('gate:' || $1))`, [key]);
      return {
        async release(abortTag?: string) {
          // The process died before its write reached the server: that write must not happen after all.
          if (abortTag)
            for (const pid of await backendsWaitingOnGate(abortTag)) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
          await holder.query('DELETE FROM test_gates WHERE idempotency_key = $1', [key]);
          await holder.query(`SELECT pg_advisory_unlock(hashtext('gate:' || $1))`, [key]);
          holder.release();
        },
      };
    }

    const truthFor = (customerId: string) => sim.ledger().transactions.filter((t) => t.customerId === customerId);

    describe.skipIf(!withPostgres)('on PostgreSQL', () => {
      it('killed while its claim (which counts the send) was being written: nothing recorded, and the new process sends it, once', async () => {
        const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa;
        const input = { command: 'pulsa', productCode, customerId, idempotencyKey: 'pg-before-count' };
        const held = await gate('pg-before-count', 'claim');
        const victim = await start('postgres', 'victim-before-count');
        void victim.call('pay', { input });
        await until('the claim to wait at the gate', async () => (await backendsWaitingOnGate('victim-before-count')).length > 0);
        await victim.kill();
        await held.release('victim-before-count');
        expect(sim.stats().paymentsReceived).toBe(0);

        const next = await start('postgres');
        expect(await next.call('getPayment', { key: 'pg-before-count' })).toMatchObject({ ok: false, error: { status: 404 } });
        const reply = await payUntilKnown(next, input);
        expect(reply).toMatchObject({ ok: true, result: { status: 'pending' } });
        const truth = truthFor(customerId);
        expect(truth).toHaveLength(1);
        expect(reply.result!.transactionId).toBe(truth[0]!.transactionId);
        expect(sim.paymentsFor({ customerId })).toBe(1);
        expect((await next.call('getPayment', { key: 'pg-before-count' })).result).toMatchObject({ state: 'pending', sendCount: 1 });
      });

      it('killed after the answer came, before it was recorded: the new process looks it up and never resends', async () => {
        const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.data;
        const input = { command: 'data', productCode, customerId, idempotencyKey: 'pg-after-answer' };
        const held = await gate('pg-after-answer', 'outcome');
        const victim = await start('postgres', 'victim-after-answer');
        void victim.call('pay', { input });
        await until('the outcome to wait at the gate', async () => (await backendsWaitingOnGate('victim-after-answer')).length > 0);
        expect(sim.paymentsFor({ customerId })).toBe(1);
        await victim.kill();
        await held.release('victim-after-answer');

        const next = await start('postgres');
        const reply = await payUntilKnown(next, input);
        const truth = truthFor(customerId);
        expect(truth).toHaveLength(1);
        expect(reply).toMatchObject({ ok: true, result: { status: truth[0]!.status, transactionId: truth[0]!.transactionId } });
        expect(sim.paymentsFor({ customerId })).toBe(1);
      });
    });

    describe.each([...(withPostgres ? (['postgres'] as const) : []), ...(withRedis ? (['redis'] as const) : [])])('on %s', (store) => {
      it('killed while its token request hung, before the claim: nothing recorded, nothing reached Singapay, and the new process sends it, once', async () => {
        if (store === 'redis') for (const k of await (await redis!.client()).keys('*token*')) await (await redis!.client()).del(k);
        const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.vouchg;
        const key = `${store}-token-hang`;
        const input = { command: 'vouchg', productCode, customerId, idempotencyKey: key };
        sim.faults.add({ endpoint: 'token', fault: { kind: 'latency', ms: 60_000 } });
        const victim = await start(store);
        void victim.call('pay', { input });
        await until('the token request', () => sim.stats().tokenRequests > 0);
        await victim.kill();
        sim.faults.clear();

        const next = await start(store);
        // The payment is claimed (and its send counted) only once the token is in hand: the crash left no record.
        expect(await next.call('getPayment', { key })).toMatchObject({ ok: false, error: { status: 404 } });
        expect(sim.stats().paymentsReceived).toBe(0);
        const reply = await payUntilKnown(next, input);
        const truth = truthFor(customerId);
        expect(truth).toHaveLength(1);
        expect(reply).toMatchObject({ ok: true, result: { status: truth[0]!.status, transactionId: truth[0]!.transactionId } });
        expect(sim.paymentsFor({ customerId })).toBe(1);
        expect((await next.call('getPayment', { key })).result).toMatchObject({ sendCount: 1, transactionId: truth[0]!.transactionId });
      });

      it('killed right after sending (the answer never came): the new process finds the transaction and never resends', async () => {
        const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.plnpos;
        const helper = await start(store);
        const inquiry = await helper.call('inquiry', { input: { command: 'plnpos', productCode, customerId } });
        const referenceNumber = inquiry.result!.referenceNumber as string;
        sim.faults.add({ endpoint: 'payment', match: { referenceNumber }, fault: { kind: 'latency', ms: 60_000, processFirst: true } });
        const input = { command: 'plnpos', productCode, customerId, referenceNumber };
        const victim = await start(store);
        void victim.call('pay', { input });
        await until('the payment to reach the simulator', () => sim.paymentsFor({ referenceNumber }) === 1);
        await victim.kill();
        sim.faults.clear();

        const next = await start(store);
        const reply = await payUntilKnown(next, input);
        const truth = sim.ledger().transactions.filter((t) => t.referenceNumber === referenceNumber);
        expect(truth).toHaveLength(1);
        expect(reply).toMatchObject({ ok: true, result: { status: truth[0]!.status, transactionId: truth[0]!.transactionId } });
        expect(sim.paymentsFor({ referenceNumber })).toBe(1);
        expect((await next.call('getPayment', { key: referenceNumber })).result).toMatchObject({ state: truth[0]!.status, sendCount: 1 });
      });

      it('killed after the answer was recorded: the new process answers from the record, sending nothing', async () => {
        const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa;
        const key = `${store}-after-record`;
        const input = { command: 'pulsa', productCode, customerId, idempotencyKey: key };
        const victim = await start(store);
        const paid = await victim.call('pay', { input });
        expect(paid).toMatchObject({ ok: true, result: { status: 'pending' } });
        await victim.kill();

        const next = await start(store);
        const reply = await next.call('pay', { input });
        expect(reply).toMatchObject({ ok: true, result: { status: 'pending', transactionId: paid.result!.transactionId } });
        sim.settleAll();
        expect((await next.call('getPayment', { key })).result).toMatchObject({
          state: 'success',
          transactionId: paid.result!.transactionId,
        });
        expect(sim.paymentsFor({ customerId })).toBe(1);
      });
    });

    describe.skipIf(!withPostgres)('several replicas on one PostgreSQL database', () => {
      it('four replicas paying one key at once make exactly one payment', async () => {
        const replicas = await Promise.all([1, 2, 3, 4].map(() => start('postgres')));
        const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.data;
        const input = { command: 'data', productCode, customerId, idempotencyKey: 'pg-replicas-1' };
        const replies = await Promise.all(replicas.flatMap((r) => [r.call('pay', { input }), r.call('pay', { input })]));
        expect(replies.every((r) => r.ok)).toBe(true);
        expect(sim.paymentsFor({ customerId })).toBe(1);
        expect(new Set(replies.map((r) => r.result?.transactionId)).size).toBe(1);
        await Promise.all(replicas.map((r) => r.stop()));
      });

      it("a replica's sweep settles a dead sender's payment, with nobody asking", async () => {
        const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa;
        const key = 'pg-reconciled';
        sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'latency', ms: 60_000, processFirst: true } });
        const victim = await start('postgres');
        void victim.call('pay', { input: { command: 'pulsa', productCode, customerId, idempotencyKey: key } });
        await until('the payment to reach the simulator', () => sim.paymentsFor({ customerId }) === 1);
        await victim.kill();
        sim.faults.clear();
        sim.settleAll();

        const sweeper = await start('postgres', 'sweeper', { sweepIntervalMs: 250 });
        let state: unknown;
        await until(
          'the sweep to settle it',
          async () => {
            const { rows } = await admin.query<{ state: string }>('SELECT state FROM singapay_payments WHERE idempotency_key = $1', [key]);
            state = rows[0]?.state;
            return state === 'success';
          },
          20_000,
        );
        const truth = truthFor(customerId);
        expect(truth).toMatchObject([{ status: 'success' }]);
        expect((await sweeper.call('getPayment', { key })).result).toMatchObject({
          state: 'success',
          transactionId: truth[0]!.transactionId,
          sendCount: 1,
        });
        expect(sim.paymentsFor({ customerId })).toBe(1);
        await sweeper.stop();
      });

      it('without the pg package, a databaseUrl stops the start-up with a message naming it', async () => {
        // A resolve hook makes `pg` missing for this one process, as in an app that never installed it.
        const hook = `export async function resolve(s, c, next) { if (s === 'pg') { const e = new Error("Cannot find package 'pg'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }`;
        const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;
        const failed = await ReplicaProcess.start(build.worker, { baseUrl: sim.baseUrl, ...sim.credentials, databaseUrl }, [
          '--import',
          `data:text/javascript,${encodeURIComponent(register)}`,
        ]).then(
          (p) => {
            processes.push(p);
            return undefined;
          },
          (e: Error) => e,
        );
        expect(failed?.message).toMatch(/The PostgreSQL payment store needs the pg package, which is not installed: npm install pg/);
        expect(failed?.message).not.toContain(server!.password);
      });

      it('the singapay bin migrates (and prints) as a deploy step would run it', async () => {
        const run = promisify(execFile);
        const url = await server!.createDatabase('bin_migrate');
        const env = { ...process.env, SINGAPAY_DATABASE_URL: url };
        const first = await run(process.execPath, [build.cli, 'migrate', '--no-env-file'], { env });
        expect(first.stdout.trim()).toBe(
          'PostgreSQL payment ledger: schema version 0 -> 3; applied 1 (create singapay_payments), 2 (index singapay_payments by creation), 3 (index open singapay_payments by customer)',
        );
        const printed = await run(process.execPath, [build.cli, 'migrate', '--print'], { env: { PATH: process.env.PATH } });
        expect(printed.stdout).toContain('CREATE TABLE IF NOT EXISTS singapay_payments');
        const failed = await run(process.execPath, [build.cli, 'migrate', '--no-env-file'], {
          env: { ...env, SINGAPAY_DATABASE_URL: url.replace(server!.password, 'Bad-pa55word-9') },
        }).then(
          () => undefined,
          (e: { code: number; stdout: string; stderr: string }) => e,
        );
        expect(failed).toMatchObject({ code: 1, stdout: '' });
        expect(failed!.stderr).toMatch(/^singapay migrate: .*password authentication failed/);
        expect(failed!.stderr).not.toContain('Bad-pa55word-9');
      });
    });
  },
);
