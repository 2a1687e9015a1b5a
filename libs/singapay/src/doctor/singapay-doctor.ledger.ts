import type { SingapayModuleOptions } from '../singapay-module-options.interface.js';
import type { SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { PostgresPaymentStore } from '../postgres/postgres-payment.store.js';
import { describeRedisDurability, inspectRedisDurability } from '../redis/singapay-redis.durability.js';
import { singapayMemoryStoreRefusal, singapayPaymentStoreKind } from '../singapay.providers.js';
import { describeError, type SingapayDoctorCheck } from './singapay-doctor.advice.js';

/**
 * The payment ledger's durability, read with the module's own checks: eviction and persistence
 * of a Redis, the schema (which every environment refuses missing or old), `fsync` and commit
 * durability of PostgreSQL. What production refuses at start-up
 * fails here in production and is a note in sandbox. Records kept in memory fail where the module
 * refuses them (production, 'memory' not asked for by name); undefined otherwise. `resolved` is read
 * for the module's decisions, `raw` for the URLs to connect to.
 */
export async function checkSingapayDoctorLedger(
  raw: SingapayModuleOptions,
  resolved: SingapayResolvedOptions,
  timeoutMs: number,
): Promise<SingapayDoctorCheck | undefined> {
  const production = resolved.environment === 'production';
  const kind = singapayPaymentStoreKind(resolved);
  if (kind === 'memory') {
    const refusal = singapayMemoryStoreRefusal(resolved);
    return refusal
      ? { status: 'fail', summary: 'payment records would be kept in memory: the app refuses to start', fixes: [refusal] }
      : undefined;
  }
  const judged = (summary: string, problems: string[], notes: string[] = []): SingapayDoctorCheck => ({
    status: production && problems.length > 0 ? 'fail' : 'pass',
    summary,
    fixes: [...(production ? problems : problems.map((p) => `(note, refused in production) ${p}`)), ...notes],
  });
  if (kind === 'postgres' && raw.databaseUrl) {
    const store = new PostgresPaymentStore(raw.databaseUrl, { pool: { max: 1, connectionTimeoutMillis: timeoutMs } });
    try {
      // A missing or old schema: the module refuses to start, in sandbox too.
      await store.checkSchema();
      const d = await store.checkDurability();
      return judged(
        `PostgreSQL: fsync ${d.fsync ? 'on' : 'off'}; commits of payment records wait for the disk (synchronous_commit ${d.synchronousCommit === 'off' ? "off on the server, raised to on for the module's writes" : d.synchronousCommit})`,
        d.fsync ? [] : ['fsync is off: a server crash can lose committed payment records; set fsync = on in postgresql.conf'],
      );
    } catch (error) {
      return { status: 'fail', summary: `PostgreSQL (${SINGAPAY_ENV_VARS.databaseUrl}): ${describeError(error)}`, fixes: [] };
    } finally {
      await store.close();
    }
  }
  if (kind !== 'redis' || !raw.redisUrl) return undefined;
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
    const summary = `Redis: ${describeRedisDurability(report)}`;
    if (report.readable)
      return judged(
        summary,
        report.problems,
        report.notes.map((n) => `(note) ${n}`),
      );
    if (!report.refused) return { status: 'fail', summary, fixes: [] };
    const fixes = raw.redisDurabilityVerified
      ? []
      : [
          `check with your provider that this Redis uses maxmemory-policy noeviction and appendonly yes, then set ${SINGAPAY_ENV_VARS.redisDurabilityVerified}=true`,
        ];
    return judged(summary, fixes);
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
