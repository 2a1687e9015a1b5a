import type { SingapayModuleOptions } from '../singapay-module-options.interface.js';
import { SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { PostgresPaymentStore } from '../postgres/postgres-payment.store.js';
import { describeRedisDurability, inspectRedisDurability } from '../redis/singapay-redis.durability.js';
import { describeError } from './singapay-doctor.advice.js';

/** What the doctor found of the payment ledger: where records are kept, and whether a crash or a full memory can lose them. */
export interface SingapayDoctorLedgerCheck {
  status: 'pass' | 'fail';
  summary: string;
  fixes: string[];
}

/**
 * The payment ledger's durability, read with the module's own checks: eviction and persistence
 * of a Redis, `fsync` and commit durability of PostgreSQL. What production refuses at start-up
 * fails here in production and is a note in sandbox. Undefined when records are kept in memory.
 */
export async function checkSingapayDoctorLedger(
  raw: SingapayModuleOptions,
  production: boolean,
  timeoutMs: number,
): Promise<SingapayDoctorLedgerCheck | undefined> {
  if (raw.paymentStore === 'memory') return undefined;
  const problem = (fixes: string[]): SingapayDoctorLedgerCheck['status'] => (production && fixes.length > 0 ? 'fail' : 'pass');
  const note = (fixes: string[]) => (production ? fixes : fixes.map((f) => `(note, refused in production) ${f}`));
  if (raw.databaseUrl) {
    const store = new PostgresPaymentStore(raw.databaseUrl, { pool: { max: 1, connectionTimeoutMillis: timeoutMs } });
    try {
      const d = await store.checkDurability();
      const fixes = d.fsync ? [] : ['fsync is off: a server crash can lose committed payment records; set fsync = on in postgresql.conf'];
      return {
        status: problem(fixes),
        summary: `PostgreSQL: fsync ${d.fsync ? 'on' : 'off'}; commits of payment records wait for the disk (synchronous_commit ${d.synchronousCommit === 'off' ? "off on the server, raised to on for the module's writes" : d.synchronousCommit})`,
        fixes: note(fixes),
      };
    } catch (error) {
      return { status: 'fail', summary: `PostgreSQL (${SINGAPAY_ENV_VARS.databaseUrl}): ${describeError(error)}`, fixes: [] };
    } finally {
      await store.close();
    }
  }
  if (!raw.redisUrl) return undefined;
  const { Redis } = await import('ioredis');
  const redis = new Redis(raw.redisUrl, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const report = await inspectRedisDurability(redis, timeoutMs);
    const fixes = report.readable
      ? report.problems
      : report.refused && !raw.redisDurabilityVerified
        ? [
            `check with your provider that this Redis uses maxmemory-policy noeviction and appendonly yes, then set ${SINGAPAY_ENV_VARS.redisDurabilityVerified}=true`,
          ]
        : [];
    return {
      status: report.readable || report.refused ? problem(fixes) : 'fail',
      summary: `Redis: ${describeRedisDurability(report)}`,
      fixes: [...note(fixes), ...(report.readable ? report.notes.map((n) => `(note) ${n}`) : [])],
    };
  } catch (error) {
    return {
      status: 'fail',
      summary: `Redis (${SINGAPAY_ENV_VARS.redisUrl}) unreachable (${(error as Error)?.name ?? 'error'})`,
      fixes: ['check the Redis host, port and password'],
    };
  } finally {
    redis.disconnect();
  }
}
