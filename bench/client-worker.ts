// The load client: runs calls through the module, axios or node:http in this process (and
// section 6's payments, see payment-clients.ts), at a fixed concurrency, and reports
// throughput and latency to the runner.
import 'reflect-metadata';
import { serveIpc } from './bench-ipc.js';
import {
  createClient,
  createAxiosClient,
  createModuleClient,
  type BenchClient,
  type Operation,
  type UpstreamTarget,
  type Variant,
} from './bench-clients.js';
import { describe, drive, type ThroughputResult } from './bench-drive.js';
import { epochMs } from './bench-stats.js';
import { closePaymentClients, paymentThroughput, type PaymentArgs } from './payment-clients.js';

export interface ThroughputArgs {
  target: UpstreamTarget;
  variant: Variant;
  operation: Operation;
  concurrency: number;
  durationMs: number;
}

export type BurstMode = 'cold' | 'warmToken' | 'warm';

export interface BurstArgs {
  target: UpstreamTarget;
  variant: 'module' | 'axios';
  mode: BurstMode;
  size: number;
}

export interface BurstResult {
  ms: number;
  failures: number;
  firstError?: string;
}

export interface RotationArgs {
  target: UpstreamTarget;
  concurrency: number;
  durationMs: number;
  tokenRefreshBufferSeconds?: number;
}

export interface RotationResult {
  /** Per call: when it started (epoch ms), how long it took (ms), whether it failed (1) or not (0). */
  starts: number[];
  latencies: number[];
  failed: number[];
  firstError?: string;
}

export interface MemoryArgs {
  target: UpstreamTarget;
  concurrency: number;
  checkpoints: number[];
}

export interface MemoryPoint {
  calls: number;
  heapUsedMb: number;
  rssMb: number;
  externalMb: number;
}

// One long-lived client per variant and upstream, as an app keeps one: warm sockets, cached token.
const clients = new Map<string, Promise<BenchClient>>();

function clientFor(variant: Variant, target: UpstreamTarget): Promise<BenchClient> {
  const key = `${variant} ${target.baseUrl}`;
  let client = clients.get(key);
  if (!client) {
    client = createClient(variant, target);
    clients.set(key, client);
  }
  return client;
}

async function throughput(args: ThroughputArgs): Promise<ThroughputResult> {
  const client = await clientFor(args.variant, args.target);
  return drive(client.calls[args.operation], args.concurrency, args.durationMs);
}

/** `size` first calls at once; `mode` says what is already warm in the fresh client when they start. */
async function burst(args: BurstArgs): Promise<BurstResult> {
  const client = args.variant === 'module' ? await createModuleClient(args.target) : createAxiosClient(args.target);
  const fire = () => Promise.allSettled(Array.from({ length: args.size }, () => client.calls.checkBalance()));
  try {
    if (args.mode === 'warmToken') await client.calls.checkBalance();
    // A whole untimed burst first leaves a token and `size` pooled sockets behind.
    if (args.mode === 'warm') await fire();
    const t0 = performance.now();
    const results = await fire();
    const ms = performance.now() - t0;
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    return { ms, failures: rejected.length, ...(rejected[0] ? { firstError: describe(rejected[0].reason) } : {}) };
  } finally {
    await client.close();
  }
}

async function rotation(args: RotationArgs): Promise<RotationResult> {
  const client = await createModuleClient(
    args.target,
    args.tokenRefreshBufferSeconds === undefined ? {} : { tokenRefreshBufferSeconds: args.tokenRefreshBufferSeconds },
  );
  const result: RotationResult = { starts: [], latencies: [], failed: [] };
  const end = performance.now() + args.durationMs;
  const caller = async (n: number) => {
    // Both operations, as an app would mix them.
    const call = n % 2 === 0 ? client.calls.checkBalance : client.calls.inquiry;
    while (performance.now() < end) {
      const startedAt = epochMs();
      const t0 = performance.now();
      let failed = 0;
      try {
        await call();
      } catch (error) {
        failed = 1;
        result.firstError ??= describe(error);
      }
      result.starts.push(startedAt);
      result.latencies.push(performance.now() - t0);
      result.failed.push(failed);
    }
  };
  try {
    await Promise.all(Array.from({ length: args.concurrency }, (_, n) => caller(n)));
  } finally {
    await client.close();
  }
  return result;
}

/** Collects garbage until the heap stops shrinking; a second pass lets finalizers (AbortSignal.timeout's timers) run. */
async function settledMemory(calls: number): Promise<MemoryPoint> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the memory worker with --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const m = process.memoryUsage();
  const mb = (bytes: number) => bytes / (1024 * 1024);
  return { calls, heapUsedMb: mb(m.heapUsed), rssMb: mb(m.rss), externalMb: mb(m.external) };
}

async function memory(args: MemoryArgs): Promise<MemoryPoint[]> {
  const client = await createModuleClient(args.target);
  const points: MemoryPoint[] = [];
  let done = 0;
  // Warm-up (JIT, token, sockets) is not counted: growth is measured from the first checkpoint on.
  for (let i = 0; i < 1000; i++) await client.calls.checkBalance();
  try {
    for (const checkpoint of args.checkpoints) {
      const caller = async () => {
        while (done < checkpoint) {
          const call = done++ % 2 === 0 ? client.calls.checkBalance : client.calls.inquiry;
          await call();
        }
      };
      await Promise.all(Array.from({ length: args.concurrency }, caller));
      points.push(await settledMemory(checkpoint));
    }
  } finally {
    await client.close();
  }
  return points;
}

serveIpc(
  { pid: process.pid },
  {
    throughput: (args: ThroughputArgs) => throughput(args),
    burst: (args: BurstArgs) => burst(args),
    rotation: (args: RotationArgs) => rotation(args),
    memory: (args: MemoryArgs) => memory(args),
    payments: (args: PaymentArgs) => paymentThroughput(args),
  },
  async () => {
    await Promise.all([...clients.values()].map(async (client) => (await client).close()));
    await closePaymentClients();
  },
);
