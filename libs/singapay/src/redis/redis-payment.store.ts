import type { Redis } from 'ioredis';
import { isFinalPaymentState, type SingapayPaymentRecord } from '../payments/singapay-payment-record.js';
import type { SingapayPaymentStore } from '../payments/singapay-payment-store.interface.js';
import type { RedisStoreOptions } from './redis-token.store.js';

// Claims a key: exactly one SET NX wins across all replicas.
const CREATE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if ARGV[4] == '0' then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5]) end
  return false
end
return redis.call('GET', KEYS[1])`;

// Compare-and-set on the record's version, keeping the unsettled index and the transaction index in step.
const REPLACE = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, r = pcall(cjson.decode, current)
if not ok or tonumber(r.version) ~= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
if ARGV[4] == '1' then redis.call('ZREM', KEYS[2], ARGV[5]) else redis.call('ZADD', KEYS[2], ARGV[6], ARGV[5]) end
if KEYS[3] ~= KEYS[1] then redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[3]) end
return 1`;

export interface RedisPaymentStoreOptions extends RedisStoreOptions {
  /**
   * How long records live, settled or not: longer than any reconciliation horizon.
   * @default 7 days
   */
  retentionMs?: number;
}

/**
 * Payment records in Redis, shared by every replica: an atomic claim per
 * idempotency key (so exactly one replica sends a payment), compare-and-set
 * updates, an index of unsettled records for the reconcilers, and an index by
 * Singapay transaction id. Keys share a hash tag, so scripts work on a cluster.
 * @publicApi
 */
export class RedisPaymentStore implements SingapayPaymentStore {
  private readonly base: string;
  private readonly retentionMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisPaymentStoreOptions = {},
    namespace = 'default',
  ) {
    this.base = `{${options.prefix ?? 'singapay'}:payments:${namespace}}`;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600_000;
    if (this.retentionMs < 24 * 3600_000) throw new RangeError('RedisPaymentStore retentionMs must be at least one day');
  }

  /** The same Redis, with keys of another registration/credential. */
  withNamespace(namespace: string): RedisPaymentStore {
    return new RedisPaymentStore(this.redis, this.options, namespace);
  }

  private recordKey(key: string): string {
    return `${this.base}:record:${key}`;
  }
  private txKey(transactionId: string): string {
    return `${this.base}:tx:${transactionId}`;
  }
  private get unsettledKey(): string {
    return `${this.base}:unsettled`;
  }

  async create(record: SingapayPaymentRecord): Promise<{ created: boolean; record: SingapayPaymentRecord }> {
    const existing = (await this.redis.eval(
      CREATE,
      2,
      this.recordKey(record.key),
      this.unsettledKey,
      JSON.stringify(record),
      String(this.retentionMs),
      String(record.createdAt),
      isFinalPaymentState(record.state) ? '1' : '0',
      record.key,
    )) as string | null;
    if (existing === null) return { created: true, record };
    return { created: false, record: JSON.parse(existing) as SingapayPaymentRecord };
  }

  async get(key: string): Promise<SingapayPaymentRecord | undefined> {
    const text = await this.redis.get(this.recordKey(key));
    return text ? (JSON.parse(text) as SingapayPaymentRecord) : undefined;
  }

  async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
    if (record.version !== expectedVersion + 1) return false;
    const done = await this.redis.eval(
      REPLACE,
      3,
      this.recordKey(record.key),
      this.unsettledKey,
      record.transactionId ? this.txKey(record.transactionId) : this.recordKey(record.key),
      JSON.stringify(record),
      String(expectedVersion),
      String(this.retentionMs),
      isFinalPaymentState(record.state) ? '1' : '0',
      record.key,
      String(record.createdAt),
    );
    return done === 1;
  }

  async findByTransactionId(transactionId: string): Promise<SingapayPaymentRecord | undefined> {
    const key = await this.redis.get(this.txKey(transactionId));
    return key ? this.get(key) : undefined;
  }

  async listUnsettled(limit: number): Promise<SingapayPaymentRecord[]> {
    const keys = await this.redis.zrange(this.unsettledKey, '0', String(Math.max(0, limit - 1)));
    if (keys.length === 0) return [];
    const texts = await this.redis.mget(keys.map((k) => this.recordKey(k)));
    const records: SingapayPaymentRecord[] = [];
    const gone: string[] = [];
    texts.forEach((text, i) => {
      if (!text) gone.push(keys[i]!);
      else {
        const r = JSON.parse(text) as SingapayPaymentRecord;
        if (isFinalPaymentState(r.state)) gone.push(r.key);
        else records.push(r);
      }
    });
    if (gone.length) await this.redis.zrem(this.unsettledKey, ...gone);
    return records;
  }
}
