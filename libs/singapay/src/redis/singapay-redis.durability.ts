import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { refuseInProduction } from '../config/singapay-options.validation.js';
import { SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { SingapayPaymentStoreError, type SingapayPaymentStore } from '../payments/singapay-payment-store.interface.js';
import { SINGAPAY_LOGGER_CONTEXT } from '../singapay.constants.js';

/*
 * Whether a Redis can keep payment records: one that evicts keys when full, or keeps nothing
 * on disk, forgets records, and a forgotten record makes its idempotency key new again, so the
 * order is paid twice. Read at start-up (CONFIG GET), refused in production.
 */

/** The settings of a Redis that decide whether it can lose records. */
export interface SingapayRedisDurability {
  /** `maxmemory` in bytes; 0 is no limit. */
  maxmemory: number;
  maxmemoryPolicy: string;
  /** Append-only file on. */
  appendonly: boolean;
  /** How often the append-only file is flushed to disk: `always`, `everysec` (Redis's default) or `no` (when the OS likes). */
  appendfsync: string;
  /** RDB snapshot rules (`save`), empty when snapshots are off. */
  save: string;
}

/** What reading a Redis's settings found: the settings and what is wrong with them, or why they could not be read. */
export type SingapayRedisDurabilityReport = {
  /** Each setting of the client that can run a write twice or leave it unanswered, with its fix. Empty when it is fit. */
  client: string[];
} & (
  | {
      readable: true;
      settings: SingapayRedisDurability;
      /** Each setting that can lose payment records, with its fix. Empty when the Redis is fit to keep them. */
      problems: string[];
      /** Weaker points worth knowing that do not by themselves lose a record silently. */
      notes: string[];
    }
  | {
      readable: false;
      /** The server answered with an error (CONFIG disabled or not allowed, as on managed services). */
      refused: boolean;
      /** The error, without any connection detail. */
      error: string;
    }
);

const FIX_ELSEWHERE = `or keep payment records in PostgreSQL (${SINGAPAY_ENV_VARS.databaseUrl})`;

/**
 * The ioredis settings under which a command whose answer was lost with its connection fails
 * instead of running again. ioredis keeps such commands: unless maxRetriesPerRequest is 0 (which
 * fails them as the connection drops) it sends them again once reconnected
 * (autoResendUnfulfilledCommands, on by default), or with that off never settles them. A write
 * run again reads as a lost compare-and-set, and a claim run again after its lease ended (the
 * engine knows a claim of its own only while the lease holds) is left to the lookups, not sent.
 * A failure is safe: the engine takes a failed write as one that may have been made.
 */
export const SINGAPAY_REDIS_CLIENT_SETTINGS = { maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false } as const;

/** Names the settings of an ioredis client that can run a payment record's write twice, or leave it unanswered, with the fix. */
function redisClientProblems(redis: Redis): string[] {
  // A cluster keeps these settings per node and retries on its own terms: not read here.
  if (redis.isCluster) return [];
  const { maxRetriesPerRequest, autoResendUnfulfilledCommands } = redis.options;
  if (maxRetriesPerRequest === 0) return [];
  const settings = `maxRetriesPerRequest ${String(maxRetriesPerRequest ?? 'null')}, autoResendUnfulfilledCommands ${String(autoResendUnfulfilledCommands ?? true)}`;
  const outcome =
    autoResendUnfulfilledCommands === false
      ? 'never settles, and the payment waiting on it hangs'
      : 'runs again once it reconnects, however late: an outcome written then reads as lost, and a claim answered after its lease is never sent';
  return [
    `its ioredis client (${settings}) keeps a write whose answer was lost with the connection and ${outcome}. ` +
      `Create the client with { ${Object.entries(SINGAPAY_REDIS_CLIENT_SETTINGS)
        .map(([name, value]) => `${name}: ${value}`)
        .join(', ')} }, as the module does for redisUrl`,
  ];
}

/** Names the settings of `settings` that can lose payment records, each with its fix. */
function redisDurabilityProblems(settings: SingapayRedisDurability): { problems: string[]; notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  if (settings.maxmemory > 0 && settings.maxmemoryPolicy !== 'noeviction') {
    problems.push(
      `Redis evicts keys when it is full (maxmemory ${settings.maxmemory} bytes, maxmemory-policy ${settings.maxmemoryPolicy}): ` +
        `an evicted payment record makes its idempotency key new again and the order is paid twice. ` +
        `Set maxmemory-policy noeviction (a full Redis then refuses new payments with a 503), ${FIX_ELSEWHERE}`,
    );
  }
  if (!settings.appendonly && settings.save.trim() === '') {
    problems.push(
      'Redis keeps nothing on disk (appendonly no, save ""): a restart empties it, every idempotency key becomes new again ' +
        `and orders are paid twice. Set appendonly yes, ${FIX_ELSEWHERE}`,
    );
  } else if (!settings.appendonly) {
    notes.push(
      `Redis persists by RDB snapshots only (save "${settings.save}"): a crash loses the writes since the last snapshot. ` +
        'The module notices that and stops payments until an operator resumes them; appendonly yes loses at most a second',
    );
  } else if (settings.appendfsync === 'no') {
    notes.push(
      'Redis leaves flushing its append-only file to the operating system (appendfsync no): a crash of the machine loses the writes ' +
        'of the last 30 seconds or so. The module notices that and stops payments until an operator resumes them; appendfsync everysec loses at most a second',
    );
  }
  return { problems, notes };
}

/** Reads the settings of the Redis behind `redis` (CONFIG GET, one parameter a call, as every Redis version takes it). */
export async function inspectRedisDurability(redis: Redis, timeoutMs = 5_000): Promise<SingapayRedisDurabilityReport> {
  const client = redisClientProblems(redis);
  const get = async (name: string): Promise<string> => {
    const reply = (await redis.config('GET', name)) as unknown;
    if (!Array.isArray(reply) || reply.length < 2) throw new Error(`CONFIG GET ${name} answered nothing`);
    return String(reply[1]);
  };
  let timer: NodeJS.Timeout | undefined;
  let clear = () => undefined as unknown;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    // A client made just before the app starts is often still connecting: wait for it, within the same time.
    const ready = async () => {
      if (redis.status === 'wait') await redis.connect().catch(() => undefined);
      if (redis.status !== 'ready') {
        await new Promise<void>((resolve) => {
          redis.once('ready', resolve);
          clear = () => redis.off('ready', resolve);
        });
      }
      return Promise.all([get('maxmemory'), get('maxmemory-policy'), get('appendonly'), get('appendfsync'), get('save')]);
    };
    const [maxmemory, maxmemoryPolicy, appendonly, appendfsync, save] = await Promise.race([ready(), deadline]);
    const settings = { maxmemory: Number(maxmemory) || 0, maxmemoryPolicy, appendonly: appendonly === 'yes', appendfsync, save };
    return { client, readable: true, settings, ...redisDurabilityProblems(settings) };
  } catch (error) {
    const e = error as { name?: string; message?: string; code?: string };
    const refused = e?.name === 'ReplyError';
    // A reply error is the server's own words (no address or password); anything else is named by its kind and code only.
    const kind = e?.message?.startsWith('no answer within') ? e.message : [e?.name ?? 'Error', e?.code].filter(Boolean).join(' ');
    return { client, readable: false, refused, error: refused ? String(e.message).split('\n')[0]! : kind };
  } finally {
    clearTimeout(timer);
    clear();
  }
}

/** One line that says what a report found, for logs and `singapay doctor`. */
export function describeRedisDurability(report: SingapayRedisDurabilityReport): string {
  if (!report.readable) return `settings unreadable (${report.refused ? `CONFIG GET refused: ${report.error}` : report.error})`;
  const s = report.settings;
  const persistence = [s.appendonly ? 'AOF' : '', s.save.trim() ? `RDB (save "${s.save}")` : ''].filter(Boolean).join(' + ') || 'none';
  return `maxmemory-policy ${s.maxmemoryPolicy} (maxmemory ${s.maxmemory === 0 ? 'unlimited' : `${s.maxmemory} bytes`}), persistence ${persistence}`;
}

/**
 * The start-up check of a Redis that keeps payment records (`where` names it for the messages:
 * `redisUrl` or a store the app passed): one that cannot be reached stops the start-up, as an
 * unreachable PostgreSQL does; in production a Redis that can lose them (eviction, no persistence),
 * a client that can run a write twice (SINGAPAY_REDIS_CLIENT_SETTINGS),
 * or one whose settings cannot be read unless the operator says they checked them
 * (`redisDurabilityVerified`), stops it too; in sandbox those are warnings. Then the ledger's epoch
 * is taken, and a stop left by an earlier loss is logged.
 */
export async function checkSingapayRedisLedger(
  store: Required<Pick<SingapayPaymentStore, 'checkIntegrity'>> & { inspectDurability(): Promise<SingapayRedisDurabilityReport> },
  { production, verified, where }: { production: boolean; verified: boolean; where: string },
  logger = new Logger(SINGAPAY_LOGGER_CONTEXT),
): Promise<void> {
  const report = await store.inspectDurability();
  const problems = report.client.map((p) => `${where}: ${p}`);
  if (report.readable) {
    problems.push(...report.problems.map((p) => `${where} can lose them: ${p}`));
    for (const note of report.notes) logger.warn(`${where}: ${note}`);
  } else if (report.refused) {
    if (!verified) {
      problems.push(
        `${where} does not let its settings be read (CONFIG GET refused: ${report.error}), so the module cannot tell whether it evicts or forgets records. ` +
          `Check with your provider that it uses maxmemory-policy noeviction and appendonly yes, then set redisDurabilityVerified: true ` +
          `(${SINGAPAY_ENV_VARS.redisDurabilityVerified}=true); ${FIX_ELSEWHERE}`,
      );
    }
  } else {
    // As with PostgreSQL, in every environment: no payment could be recorded on it. A store failure,
    // not a configuration mistake: the settings may be right and Redis merely down.
    throw new SingapayPaymentStoreError(
      `${where} could not be reached to check it (${report.error}): the app does not start on a payment ledger it cannot reach or check; make sure Redis is up and reachable`,
      'unreachable',
    );
  }
  refuseInProduction(problems, production, logger);
  if (problems.length === 0 && report.readable) {
    logger.log(`Payment records are kept in Redis: ${describeRedisDurability(report)}`);
  }
  // Takes the epoch now, so that a loss is told from the first payment on; a stop left by an earlier loss is logged by the epoch.
  await store.checkIntegrity();
}
