import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES } from '@app/singapay-simulator';
import { capturedLogLines, registerSecret, secretLeaks } from './support/log-capture.js';
import { redisAvailable, redisRequired, startRedis, type TestRedis } from './support/redis-server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = `${ROOT}dist/replica-worker-${process.pid}`;
const WORKER = `${OUT}/test/replicas/replica.worker.js`;

interface Reply {
  id: number;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { name?: string; code?: string; type?: string; status?: number };
}

/** A separate Node process running a Nest app with the module. */
class Replica {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  readonly output: string[] = [];

  private constructor(readonly proc: ChildProcess) {
    proc.on('message', (message: Reply) => this.waiting.get(message.id)?.(message));
    proc.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    proc.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
  }

  static async start(options: Record<string, unknown>): Promise<Replica> {
    const proc = fork(WORKER, [], {
      env: { ...process.env, REPLICA_OPTIONS: JSON.stringify(options) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const replica = new Replica(proc);
    await new Promise<void>((resolve, reject) => {
      proc.once('message', () => resolve());
      proc.once('exit', (code) => reject(new Error(`replica exited with ${code}: ${replica.output.join('')}`)));
    });
    return replica;
  }

  call(op: string, extra: Record<string, unknown> = {}): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.proc.send({ id, op, ...extra });
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await exited;
  }
}

describe.skipIf(!redisAvailable && !redisRequired)('four replicas (separate Node processes) on one Redis and one simulator', () => {
  let redis: TestRedis;
  let sim: SingapaySimulator;
  let replicas: Replica[] = [];

  beforeAll(async () => {
    if (!redisAvailable) throw new Error('redis-server is required here (SINGAPAY_REQUIRE_REDIS=1) but not installed');
    execFileSync(
      process.execPath,
      [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}test/replicas/tsconfig.json`, '--outDir', OUT],
      { stdio: 'pipe' },
    );
    redis = await startRedis();
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    registerSecret(sim.credentials.clientSecret, sim.credentials.password);
    const options = {
      baseUrl: sim.baseUrl,
      ...sim.credentials,
      redisUrl: redis.url,
      timeoutMs: 1_000,
      retry: { maxAttempts: 2, baseDelayMs: 10, deadlineMs: 500 },
    };
    replicas = await Promise.all([1, 2, 3, 4].map(() => Replica.start(options)));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    const lines = replicas.flatMap((r) => r.output);
    capturedLogLines.push(...lines);
    expect(secretLeaks(lines)).toEqual([]);
    await sim?.stop();
    await redis?.stop();
    rmSync(OUT, { recursive: true, force: true });
  });

  it('a cold burst from all four makes exactly one token request', async () => {
    const replies = await Promise.all(replicas.flatMap((r) => Array.from({ length: 25 }, () => r.call('balance'))));
    expect(replies.every((r) => r.ok)).toBe(true);
    expect(sim.stats().tokenRequests).toBe(1);
  });

  it('a token revoked upstream is replaced once, not four times', async () => {
    const before = sim.stats().tokenRequests;
    sim.revokeTokens();
    const replies = await Promise.all(replicas.flatMap((r) => Array.from({ length: 5 }, () => r.call('balance'))));
    expect(replies.every((r) => r.ok)).toBe(true);
    expect(sim.stats().tokenRequests - before).toBe(1);
  });

  it('all four paying the same key at once make exactly one payment', async () => {
    const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.data;
    const input = { command: 'data', productCode, customerId, idempotencyKey: 'order-replicas-1' };
    const replies = await Promise.all(replicas.flatMap((r) => [r.call('pay', { input }), r.call('pay', { input })]));
    expect(replies.every((r) => r.ok)).toBe(true);
    expect(sim.paymentsFor({ customerId })).toBe(1);
    expect(new Set(replies.map((r) => r.result?.transactionId)).size).toBe(1);
  });

  it('a replica killed right after sending a payment leaves an attempt another resolves to the truth', async () => {
    const { productCode, customerId } = SINGAPAY_TEST_CUSTOMER_EXAMPLES.plnpos;
    const [victim, survivor] = replicas;
    const inquiry = await survivor!.call('inquiry', { input: { command: 'plnpos', productCode, customerId } });
    const referenceNumber = inquiry.result!.referenceNumber as string;
    // Singapay applies the payment at once but its answer never comes back.
    sim.faults.add({ endpoint: 'payment', match: { referenceNumber }, fault: { kind: 'latency', ms: 60_000, processFirst: true } });
    void victim!.call('pay', { input: { command: 'plnpos', productCode, customerId, referenceNumber } });
    for (let i = 0; i < 500 && sim.paymentsFor({ referenceNumber }) === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sim.paymentsFor({ referenceNumber })).toBe(1);
    victim!.proc.kill('SIGKILL');
    sim.faults.clear();

    // The survivor is asked for the same payment: it must not send it again. While the dead
    // sender's claim holds it answers "unknown"; once the claim runs out it finds the truth.
    const input = { command: 'plnpos', productCode, customerId, referenceNumber };
    const first = await survivor!.call('pay', { input });
    expect(first.ok).toBe(true);
    expect(['unknown', 'success']).toContain(first.result!.status);
    const truth = sim.ledger().transactions.find((t) => t.referenceNumber === referenceNumber)!;
    let reply = first;
    for (let i = 0; i < 60 && reply.result?.status === 'unknown'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      reply = await survivor!.call('pay', { input });
    }
    expect(reply.result).toMatchObject({ status: truth.status, transactionId: truth.transactionId });
    expect(sim.paymentsFor({ referenceNumber })).toBe(1);
    const payment = await replicas[2]!.call('getPayment', { key: referenceNumber });
    expect(payment.result).toMatchObject({ state: truth.status, sendCount: 1 });
  });
});
