// The payment stores of section 6: a throw-away redis-server and PostgreSQL cluster on
// loopback (the test suite's helpers), the ledger table migrated, or a reason to skip each.
import { migrateSingapayPostgres } from '../libs/singapay/src/postgres/postgres-schema.js';
import { postgresAvailable, startPostgres, type TestPostgres } from '../test/support/postgres-server.js';
import { redisAvailable, startRedis, type TestRedis } from '../test/support/redis-server.js';
import { say } from './bench-config.js';
import type { PaymentVariant } from './payment-clients.js';

export interface BenchStores {
  redis?: {
    url: string;
    version: string;
    resetStats(): Promise<void>;
    /** Calls and server time (µs) per command since the last reset (`INFO commandstats`), commands run by scripts included. */
    commandStats(): Promise<Record<string, { calls: number; usec: number }>>;
  };
  postgres?: { url: string; version: string };
  skipped: { variant: PaymentVariant; reason: string }[];
  stop(): Promise<void>;
}

function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 200);
}

function parseCommandStats(info: string): Record<string, { calls: number; usec: number }> {
  const stats: Record<string, { calls: number; usec: number }> = {};
  for (const line of info.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m) stats[m[1].toUpperCase()] = { calls: Number(m[2]), usec: Number(m[3]) };
  }
  return stats;
}

/** Starts the servers whose binaries are installed; a store that cannot be had is skipped with its reason. */
export async function startBenchStores(): Promise<BenchStores> {
  const stores: BenchStores = { skipped: [], stop: async () => {} };
  let redis: TestRedis | undefined;
  let postgres: TestPostgres | undefined;
  stores.stop = async () => {
    await redis?.stop();
    await postgres?.stop();
  };
  if (!redisAvailable) stores.skipped.push({ variant: 'module-redis', reason: 'redis-server is not on PATH' });
  else {
    try {
      redis = await startRedis();
      const admin = await redis.client();
      const server = await admin.info('server');
      stores.redis = {
        url: redis.url,
        version: /redis_version:(\S+)/.exec(server)?.[1] ?? 'unknown',
        resetStats: async () => void (await admin.config('RESETSTAT')),
        commandStats: async () => parseCommandStats(await admin.info('commandstats')),
      };
    } catch (error) {
      stores.skipped.push({ variant: 'module-redis', reason: `redis-server did not start: ${reason(error)}` });
    }
  }
  if (!postgresAvailable) {
    stores.skipped.push({ variant: 'module-postgres', reason: 'no PostgreSQL server binaries under /usr/lib/postgresql/*/bin' });
  } else {
    try {
      postgres = await startPostgres();
      await postgres.createDatabase('singapay_bench');
      const pool = postgres.pool('singapay_bench', { max: 1 });
      await migrateSingapayPostgres(pool);
      const { rows } = await pool.query<{ server_version: string }>('SHOW server_version');
      stores.postgres = { url: postgres.urlFor('singapay_bench'), version: rows[0]?.server_version ?? 'unknown' };
    } catch (error) {
      stores.skipped.push({ variant: 'module-postgres', reason: `PostgreSQL did not start: ${reason(error)}` });
    }
  }
  for (const s of stores.skipped) say(`  - ${s.variant} skipped: ${s.reason}`);
  return stores;
}
