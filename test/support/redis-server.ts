import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

export interface TestRedis {
  url: string;
  port: number;
  /** A connected client that fails fast when Redis is down, as payment code should use. */
  client(): Promise<Redis>;
  stop(): Promise<void>;
}

/** Whether a `redis-server` binary is on PATH. */
export const redisAvailable = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** CI sets this: there a missing Redis is a failure, not a skip. */
export const redisRequired = process.env.SINGAPAY_REQUIRE_REDIS === '1';

/** Starts a throw-away redis-server on a free loopback port, without persistence. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const proc: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const clients: Redis[] = [];
  const url = `redis://127.0.0.1:${port}`;
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
  return {
    url,
    port,
    async client() {
      const c = new Redis(port, '127.0.0.1', {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        retryStrategy: (n) => Math.min(n * 50, 500),
      });
      c.on('error', () => undefined);
      clients.push(c);
      await new Promise<void>((resolve) => c.once('ready', () => resolve()));
      return c;
    },
    async stop() {
      for (const c of clients) c.disconnect();
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
    },
  };
}
