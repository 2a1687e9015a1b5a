// What every process of the bench shares: request/reply with the runner over IPC, the variants
// compared, and small statistics.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const OPERATIONS = ['checkBalance', 'inquiry'] as const;
export type Operation = (typeof OPERATIONS)[number];
export const VARIANTS = ['module', 'axios', 'http'] as const;
export type Variant = (typeof VARIANTS)[number];
export const PAYMENT_VARIANTS = ['axios', 'module-memory', 'module-redis', 'module-postgres'] as const;
export type PaymentVariant = (typeof PAYMENT_VARIANTS)[number];
/** A direct airtime purchase: no inquiry, and the upstream answers `01` (pending), as the simulator does. */
export const PAYMENT_PRODUCT = { command: 'pulsa', productCode: 'SPTLKMAS10', answerCode: '01' } as const;

export type UpstreamTarget = { baseUrl: string; credentials: { apiKey: string; clientId: string; clientSecret: string; password: string } };

/** Nearest rank, so p99 of 100 samples is the 99th, never an interpolated value no call had. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
export const sorted = (values: readonly number[]): Float64Array => Float64Array.from(values).sort();
export const median = (values: readonly number[]): number => percentile(sorted(values.filter((v) => Number.isFinite(v))), 50);
export const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
export const round = (v: number, digits = 2): number => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : v);
/** Epoch milliseconds at high resolution, comparable across the bench's processes. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

type Reply = { id: number; result?: unknown; error?: string };

/** A process for each part of the bench (load client, upstream, app under test), so the one measured has its event loop to itself. */
export async function startChild(name: string, script: string, { env = {} as NodeJS.ProcessEnv, execArgv = [] as string[] } = {}) {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = fork(path, [], { env: { ...process.env, ...env }, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (code ${code}) before it was ready`)));
    child.once('message', (message: { ready: Record<string, unknown> }) => resolve(message.ready));
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  child.on('message', ({ id, result, error }: Reply) => {
    if (error === undefined) pending.get(id)?.resolve(result);
    else pending.get(id)?.reject(new Error(`${name}: ${error}`));
    pending.delete(id);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      for (const waiter of pending.values()) waiter.reject(new Error(`${name} exited (code ${code}) with a request pending`));
      resolve();
    }),
  );
  const request = <T>(op: string, args?: unknown) =>
    new Promise<T>((resolve, reject) => {
      pending.set(nextId, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id: nextId++, op, args });
    });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.send({ id: 0, op: 'exit' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return { ready, request, stop };
}
export type BenchChild = Awaited<ReturnType<typeof startChild>>;

/** The child's side: exiting on `exit` takes its servers and connections with it. */
export function serveIpc(ready: Record<string, unknown>, handlers: Record<string, (args: never) => Promise<unknown>>): void {
  process.on('message', ({ id, op, args }: { id: number; op: string; args?: unknown }) => {
    if (op === 'exit') process.exit(0);
    const handler = handlers[op] ?? (() => Promise.reject(new Error(`unknown op ${op}`)));
    handler(args as never).then(
      (result) => process.send?.({ id, result } satisfies Reply),
      (error: unknown) =>
        process.send?.({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Reply),
    );
  });
  // The runner going away (Ctrl-C, a crash) must not leave servers listening.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready });
}
