// Separate Node processes, each a Nest app with the module (replica.worker.ts),
// driven over IPC: for tests that kill one with SIGKILL and start another.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ReplicaReply {
  id: number;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { name?: string; message?: string; code?: string; type?: string; status?: number };
}

/** Compiles the worker (and the `singapay` CLI) into `dist/<name>-<pid>`; returns that directory. */
export function compileReplicaWorker(name: string): { out: string; worker: string; cli: string; remove(): void } {
  const out = `${ROOT}dist/${name}-${process.pid}`;
  execFileSync(
    process.execPath,
    [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}test/replicas/tsconfig.postgres.json`, '--outDir', out],
    {
      stdio: 'pipe',
    },
  );
  return {
    out,
    worker: `${out}/test/replicas/replica.worker.js`,
    cli: `${out}/libs/singapay/src/cli/singapay.js`,
    remove: () => rmSync(out, { recursive: true, force: true }),
  };
}

export class ReplicaProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: ReplicaReply) => void>();
  readonly output: string[] = [];
  readonly exited: Promise<void>;

  private constructor(readonly proc: ChildProcess) {
    proc.on('message', (message: ReplicaReply) => this.waiting.get(message.id)?.(message));
    proc.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    proc.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
  }

  static async start(worker: string, options: Record<string, unknown>, execArgv: string[] = []): Promise<ReplicaProcess> {
    const proc = fork(worker, [], {
      env: { ...process.env, REPLICA_OPTIONS: JSON.stringify(options) },
      execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const replica = new ReplicaProcess(proc);
    await new Promise<void>((resolve, reject) => {
      proc.once('message', () => resolve());
      proc.once('exit', (code) => reject(new Error(`replica exited with ${code}: ${replica.output.join('')}`)));
    });
    return replica;
  }

  call(op: string, extra: Record<string, unknown> = {}): Promise<ReplicaReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.proc.send({ id, op, ...extra });
    });
  }

  /** Kills it without warning: no shutdown hook, no last write. */
  async kill(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    await this.exited;
  }
}

/** Polls until `check` holds (or throws after `timeoutMs`). */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
