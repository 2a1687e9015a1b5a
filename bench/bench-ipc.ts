import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A request from the runner to one of its child processes. */
export interface IpcRequest {
  id: number;
  op: string;
  args?: unknown;
}

type IpcReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/**
 * A child process of the bench, driven by request/reply messages. Each side
 * (load client, upstream server, app under test) runs in its own process so
 * the one being measured does not share an event loop with the others.
 */
export class BenchChild {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly ready: Record<string, unknown>,
  ) {
    child.on('message', (message: IpcReply) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${name}: ${message.error}`));
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`${name} exited (code ${code}) with a request pending`));
      this.pending.clear();
    });
  }

  /** Forks `script` (a file next to this one) and waits for its `{ ready }` message. */
  static async start(
    name: string,
    script: string,
    options: { env?: NodeJS.ProcessEnv; execArgv?: string[]; args?: string[] } = {},
  ): Promise<BenchChild> {
    const path = fileURLToPath(new URL(script, import.meta.url));
    const child = fork(path, options.args ?? [], {
      env: { ...process.env, ...options.env },
      execArgv: options.execArgv ?? [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${name} exited (code ${code}) before it was ready`));
      child.once('exit', onExit);
      child.once('message', (message: { ready?: Record<string, unknown> }) => {
        child.off('exit', onExit);
        if (message.ready) resolve(message.ready);
        else reject(new Error(`${name} sent ${JSON.stringify(message)} before it was ready`));
      });
    });
    return new BenchChild(name, child, ready);
  }

  request<T>(op: string, args?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, op, args } satisfies IpcRequest);
    });
  }

  /** Asks the child to stop, and kills it if it has not within a few seconds. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.send({ id: 0, op: 'exit' } satisfies IpcRequest);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The child side: answers requests with `handlers`, and exits on `exit`. */
export function serveIpc(
  ready: Record<string, unknown>,
  handlers: Record<string, (args: never) => Promise<unknown>>,
  onExit?: () => Promise<void>,
): void {
  process.on('message', (message: IpcRequest) => {
    if (message.op === 'exit') {
      void (onExit?.() ?? Promise.resolve()).finally(() => process.exit(0));
      return;
    }
    const handler = handlers[message.op];
    const run = handler ? handler(message.args as never) : Promise.reject(new Error(`unknown op ${message.op}`));
    run.then(
      (result) => process.send?.({ id: message.id, ok: true, result } satisfies IpcReply),
      (error: unknown) =>
        process.send?.({
          id: message.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        } satisfies IpcReply),
    );
  });
  // The runner going away (Ctrl-C, a crash) must not leave servers listening.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready });
}
