import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

export interface TestRedis {
  url: string;
  port: number;
  /** A connected client that fails fast when Redis is down, and fails a write whose answer was lost, as payment code should use. */
  client(): Promise<Redis>;
  /**
   * Kills the server (SIGKILL: nothing is saved on the way out) and starts it again on the same
   * port: `empty` with a new, empty data directory (a restart without persistence, a failover to
   * an empty replica), else on what its data directory holds (its AOF, or its last RDB snapshot).
   */
  restart(options: { empty: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export interface TestRedisOptions {
  /**
   * What survives a restart: `aof` (appendonly yes, as a ledger should be), `rdb` (only the
   * snapshots taken with SAVE), `none` (appendonly no, save "").
   * @default 'aof'
   */
  persistence?: 'aof' | 'rdb' | 'none';
  /** `maxmemory`, e.g. '4mb'. @default none (no limit) */
  maxmemory?: string;
  /** @default 'noeviction' */
  maxmemoryPolicy?: string;
  /** Any further `--name value` arguments. */
  args?: string[];
}

/** Whether a `redis-server` binary is on PATH. */
export const redisAvailable = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** CI sets this: there a missing Redis is a failure, not a skip. */
export const redisRequired = process.env.SINGAPAY_REQUIRE_REDIS === '1';

/**
 * Starts a throw-away redis-server on a free loopback port, with its data in a temporary
 * directory: by default configured as a payment ledger must be (AOF, noeviction).
 */
export async function startRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const port = await freePort();
  const persistence = options.persistence ?? 'aof';
  const dirs: string[] = [];
  const clients: Redis[] = [];
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess;

  const launch = async (dir: string): Promise<void> => {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      persistence === 'aof' ? 'yes' : 'no',
      // Snapshots only when a test takes one (SAVE); 'rdb' shows a snapshot rule, as such a server would.
      '--save',
      persistence === 'rdb' ? '3600 1' : '',
      '--maxmemory-policy',
      options.maxmemoryPolicy ?? 'noeviction',
      ...(options.maxmemory ? ['--maxmemory', options.maxmemory] : []),
      ...(options.args ?? []),
    ];
    proc = spawn('redis-server', args, { stdio: 'ignore' });
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    for (let i = 0; ; i++) {
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch (error) {
        if (i > 100) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    probe.disconnect();
  };
  const newDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'singapay-redis-'));
    dirs.push(dir);
    return dir;
  };
  const kill = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      await exited;
    }
  };

  await launch(newDir());
  return {
    url,
    port,
    async client() {
      const c = new Redis(port, '127.0.0.1', {
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        enableOfflineQueue: false,
        retryStrategy: (n) => Math.min(n * 50, 500),
      });
      c.on('error', () => undefined);
      clients.push(c);
      await new Promise<void>((resolve) => c.once('ready', () => resolve()));
      return c;
    },
    async restart({ empty }) {
      await kill('SIGKILL');
      await launch(empty ? newDir() : dirs[dirs.length - 1]!);
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await kill('SIGTERM');
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
