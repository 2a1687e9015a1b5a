import type { Redis } from 'ioredis';
import { isSettledPaymentRecord, type SingapayPaymentRecord } from '../payments/singapay-payment-record.js';
import { inCreationPage } from '../payments/singapay-payment-record.order.js';
import type { SingapayPaymentRecordCursor, SingapayPaymentStore } from '../payments/singapay-payment-store.interface.js';
import type { RedisStoreOptions } from './redis-token.store.js';
import { redisScript, runRedisScript } from './singapay-redis.script.js';

// Values are "<version>|<json>": scripts compare the version without decoding the JSON, so
// no answer Singapay sends (odd unicode, deep nesting) can make a record unwritable.

// Indexes a record by creation in its day's set, which lives at least as long as the record
// (it expires when the last record of the day does), so the index is cleaned up with the records.
const INDEX_CREATED = `
local function indexCreated(day, member, ttl)
  redis.call('ZADD', day, 0, member)
  if redis.call('PTTL', day) < tonumber(ttl) then redis.call('PEXPIRE', day, ttl) end
end`;

// Claims a key: exactly one SET NX wins across all replicas.
const CREATE = redisScript(`${INDEX_CREATED}
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if ARGV[4] == '0' then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5]) end
  indexCreated(KEYS[3], ARGV[6], ARGV[2])
  return false
end
return redis.call('GET', KEYS[1])`);

// Compare-and-set on the version; a transaction another key holds is refused; the
// unsettled index and the transaction index change in the same step.
const REPLACE = redisScript(`${INDEX_CREATED}
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if string.match(current, '^(%d+)|') ~= ARGV[2] then return 0 end
if KEYS[3] ~= KEYS[1] then
  local holder = redis.call('GET', KEYS[3])
  if holder and holder ~= ARGV[5] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
if ARGV[4] == '1' then redis.call('ZREM', KEYS[2], ARGV[5]) else redis.call('ZADD', KEYS[2], ARGV[6], ARGV[5]) end
if KEYS[3] ~= KEYS[1] then redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[3]) end
-- Again on every write: a record written before this index existed joins it when it next changes.
indexCreated(KEYS[4], ARGV[7], ARGV[3])
return 1`);

// Drops an index entry only if its record is really gone (it may have been created again meanwhile).
const FORGET_IF_GONE = redisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.call('ZREM', KEYS[2], ARGV[1]) end
return 0`);

const DAY_MS = 86_400_000;
// Members of a day's set are "<createdAt, 15 digits>:<key>" with one score: Redis orders them
// by their bytes, which is creation order and then key order, and a lex range resumes exactly
// after a given member, so a page never depends on an offset that an expiry could shift.
const createdMember = (createdAt: number, key: string): string => `${String(Math.floor(createdAt)).padStart(15, '0')}:${key}`;
const createdAtOf = (member: string): number => Number(member.slice(0, 15));
const keyOf = (member: string): string => member.slice(16);

const encode = (record: SingapayPaymentRecord): string => `${record.version}|${JSON.stringify(record)}`;
const decode = (text: string): SingapayPaymentRecord => JSON.parse(text.slice(text.indexOf('|') + 1)) as SingapayPaymentRecord;

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
 * updates, an index of unsettled records for the reconcilers, an index by
 * Singapay transaction id, and one by creation time per day for the daily reconciliation. Keys share a hash tag, so scripts work on a cluster.
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
  private createdKey(createdAt: number): string {
    return `${this.base}:created:${Math.floor(createdAt / DAY_MS)}`;
  }

  async create(record: SingapayPaymentRecord): Promise<{ created: boolean; record: SingapayPaymentRecord }> {
    const existing = (await runRedisScript(
      this.redis,
      CREATE,
      [this.recordKey(record.key), this.unsettledKey, this.createdKey(record.createdAt)],
      [
        encode(record),
        String(this.retentionMs),
        String(record.createdAt),
        isSettledPaymentRecord(record) ? '1' : '0',
        record.key,
        createdMember(record.createdAt, record.key),
      ],
    )) as string | null;
    if (existing === null) return { created: true, record };
    return { created: false, record: decode(existing) };
  }

  async get(key: string): Promise<SingapayPaymentRecord | undefined> {
    const text = await this.redis.get(this.recordKey(key));
    return text ? decode(text) : undefined;
  }

  async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
    if (record.version !== expectedVersion + 1) return false;
    const done = await runRedisScript(
      this.redis,
      REPLACE,
      [
        this.recordKey(record.key),
        this.unsettledKey,
        record.transactionId ? this.txKey(record.transactionId) : this.recordKey(record.key),
        this.createdKey(record.createdAt),
      ],
      [
        encode(record),
        String(expectedVersion),
        String(this.retentionMs),
        isSettledPaymentRecord(record) ? '1' : '0',
        record.key,
        String(record.createdAt),
        createdMember(record.createdAt, record.key),
      ],
    );
    return done === 1;
  }

  async findByTransactionId(transactionId: string): Promise<SingapayPaymentRecord | undefined> {
    const key = await this.redis.get(this.txKey(transactionId));
    return key ? this.get(key) : undefined;
  }

  async listUnsettled(limit: number, offset = 0): Promise<SingapayPaymentRecord[]> {
    // ZRANGE's stop is inclusive: a limit of 0 would otherwise read one record.
    if (limit <= 0) return [];
    const keys = await this.redis.zrange(this.unsettledKey, String(offset), String(offset + Math.max(0, limit - 1)));
    if (keys.length === 0) return [];
    const texts = await this.redis.mget(keys.map((k) => this.recordKey(k)));
    const records: SingapayPaymentRecord[] = [];
    for (const [i, text] of texts.entries()) {
      if (!text) {
        await runRedisScript(this.redis, FORGET_IF_GONE, [this.recordKey(keys[i]!), this.unsettledKey], [keys[i]!]);
        continue;
      }
      // A record that settled after our read is left to the script that settled it.
      const r = decode(text);
      if (!isSettledPaymentRecord(r)) records.push(r);
    }
    return records;
  }

  async listCreatedBetween(
    fromMs: number,
    toMs: number,
    limit: number,
    after?: SingapayPaymentRecordCursor,
  ): Promise<SingapayPaymentRecord[]> {
    const take = Math.floor(limit);
    const records: SingapayPaymentRecord[] = [];
    if (take <= 0 || !(toMs > fromMs)) return records;
    const start = Math.max(fromMs, after?.createdAt ?? fromMs);
    for (let day = Math.floor(start / DAY_MS); day <= Math.floor((toMs - 1) / DAY_MS) && records.length < take; day++) {
      const set = `${this.base}:created:${day}`;
      // "(" resumes strictly after the cursor's member; "[" starts at the first member of fromMs.
      const resume = after !== undefined && after.createdAt >= fromMs && Math.floor(after.createdAt / DAY_MS) === day;
      let min = resume ? `(${createdMember(after.createdAt, after.key)}` : `[${createdMember(fromMs, '')}`;
      const max = `(${String(Math.floor(toMs)).padStart(15, '0')}:`;
      while (records.length < take) {
        const need = take - records.length;
        const members = await this.redis.zrangebylex(set, min, max, 'LIMIT', 0, need);
        if (members.length === 0) break;
        const texts = await this.redis.mget(members.map((m) => this.recordKey(keyOf(m))));
        for (const [i, text] of texts.entries()) {
          const member = members[i]!;
          if (!text) {
            // Its record expired: the entry goes too (unless the key was created again meanwhile).
            await runRedisScript(this.redis, FORGET_IF_GONE, [this.recordKey(keyOf(member)), set], [member]);
            continue;
          }
          const r = decode(text);
          // An entry left by a createdAt that changed is not this record's place.
          if (Math.floor(r.createdAt) === createdAtOf(member) && inCreationPage(r, fromMs, toMs, after)) records.push(r);
        }
        if (members.length < need) break;
        min = `(${members[members.length - 1]!}`;
      }
    }
    return records;
  }
}
