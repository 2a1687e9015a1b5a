import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { SINGAPAY_LOGGER_CONTEXT } from '../singapay.constants.js';
import { isFinalPaymentState, isSettledPaymentRecord, type SingapayPaymentRecord } from '../payments/singapay-payment-record.js';
import {
  compareByCreation,
  inCreationPage,
  type SingapayPaymentRecordCursor,
  type SingapayPaymentStore,
  type SingapayPaymentStoreIntegrity,
} from '../payments/singapay-payment-store.interface.js';
import type { RedisStoreOptions } from './redis-token.store.js';
import { inspectRedisDurability, type SingapayRedisDurabilityReport } from './singapay-redis.durability.js';
import { REDIS_LEDGER_GUARD, SingapayRedisLedgerEpoch } from './singapay-redis.ledger.js';
import { SingapayRedisClaimReplication } from './singapay-redis.replication.js';
import { redisScript, runRedisScript, type SingapayRedisScript } from './singapay-redis.script.js';

// Indexes a record by creation in its day's set, which lives the retention from the day's last
// write, so the index is cleaned up with the settled records. put() writes a record, or the key
// of its transaction, to live ttl ms ('0': until a later write gives it a life; see recordTtl).
const INDEX_CREATED = `
local function indexCreated(day, member, ttl)
  redis.call('ZADD', day, 0, member)
  if redis.call('PTTL', day) < tonumber(ttl) then redis.call('PEXPIRE', day, ttl) end
end
local function put(key, value, ttl, nx)
  if ttl ~= '0' then
    if nx then return redis.call('SET', key, value, 'NX', 'PX', ttl) end
    return redis.call('SET', key, value, 'PX', ttl)
  end
  if nx then return redis.call('SET', key, value, 'NX') end
  return redis.call('SET', key, value)
end`;

/**
 * How long a record, and the key of the transaction it holds, live from a write (ms); 0 for ever,
 * until a later write says otherwise. A payment still in doubt (sending, pending, unknown) never
 * expires: gone, its key would pay again. A final one under watch lives until its watch ends,
 * then the retention, as a settled one does from its last write.
 */
function recordTtl(record: SingapayPaymentRecord, retentionMs: number): number {
  if (isSettledPaymentRecord(record)) return retentionMs;
  if (!isFinalPaymentState(record.state)) return 0;
  return Math.max(0, (record.watchUntil ?? 0) - record.updatedAt) + retentionMs;
}

// Claims a key: exactly one SET NX wins across all replicas. Answers -1 when the ledger is not
// the one this process has been writing to, the write's sequence number when it claimed, or the
// record that holds the key. An unsettled record joins the unsettled index and its customer's.
// KEYS: the record, the unsettled index, its day's creation index, its customer's unsettled set; ARGV: the value,
// the retention (ms), createdAt, settled ('1' or '0'), the key, its creation member, the record's life
// (recordTtl); then the ledger guard's.
const CREATE = redisScript(`${INDEX_CREATED}${REDIS_LEDGER_GUARD}
if not ledgerIntact(KEYS[5], KEYS[6], ARGV[8], ARGV[9], ARGV[10], ARGV[11]) then return -1 end
if put(KEYS[1], ARGV[1], ARGV[7], true) then
  if ARGV[4] == '0' then
    redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
    redis.call('ZADD', KEYS[4], ARGV[3], ARGV[5])
  end
  indexCreated(KEYS[3], ARGV[6], ARGV[2])
  return ledgerWrote(KEYS[5], ARGV[10])
end
return redis.call('GET', KEYS[1])`);

// Compare-and-set on the version; a transaction another key holds is refused; the
// unsettled index and the transaction index change in the same step. Keys and arguments are
// CREATE's, then the transaction's key (KEYS[5], the record's own when it has none) and the
// expected version (ARGV[8]). Answers -1 as CREATE does, 0 when refused, or the write's sequence number.
const REPLACE = redisScript(`${INDEX_CREATED}${REDIS_LEDGER_GUARD}
if not ledgerIntact(KEYS[6], KEYS[7], ARGV[9], ARGV[10], ARGV[11], ARGV[12]) then return -1 end
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if string.match(current, '^(%d+)|') ~= ARGV[8] then return 0 end
if KEYS[5] ~= KEYS[1] then
  local holder = redis.call('GET', KEYS[5])
  if holder and holder ~= ARGV[5] then return 0 end
end
put(KEYS[1], ARGV[1], ARGV[7], false)
if ARGV[4] == '1' then
  redis.call('ZREM', KEYS[2], ARGV[5])
  redis.call('ZREM', KEYS[4], ARGV[5])
else
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
  redis.call('ZADD', KEYS[4], ARGV[3], ARGV[5])
end
if KEYS[5] ~= KEYS[1] then put(KEYS[5], ARGV[5], ARGV[7], false) end
-- Again on every write: a record written before this index existed joins it when it next changes.
indexCreated(KEYS[3], ARGV[6], ARGV[2])
return ledgerWrote(KEYS[6], ARGV[11])`);

// A release before this one gave every record the retention as its life. A record still at the
// version read (KEYS: the record, its transaction's key or the record's own, its day's creation
// index, its customer's unsettled set; ARGV: the version, the record's key, its life from now by
// recordTtl, its creation member, the retention, createdAt) takes that life, and so does its
// transaction's key: for ever ('0'), or longer than it had. It is also put back in its indexes:
// its day's set lives the retention (two days at least) from now (a record in doubt outlives the day's last write),
// and its customer's set holds it (a process of an older release claimed without adding it).
const GIVE_LIFE = redisScript(`${INDEX_CREATED}
local current = redis.call('GET', KEYS[1])
if not current or string.match(current, '^(%d+)|') ~= ARGV[1] then return 0 end
local function live(key)
  if ARGV[3] == '0' then redis.call('PERSIST', key)
  elseif redis.call('PTTL', key) < tonumber(ARGV[3]) then redis.call('PEXPIRE', key, ARGV[3]) end
end
live(KEYS[1])
if KEYS[2] ~= KEYS[1] and redis.call('GET', KEYS[2]) == ARGV[2] then live(KEYS[2]) end
indexCreated(KEYS[3], ARGV[4], ARGV[5])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[2])
return 1`);

// Drops an index entry only if its record is really gone (it may have been created again meanwhile).
const FORGET_IF_GONE = redisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.call('ZREM', KEYS[2], ARGV[1]) end
return 0`);

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
// Members of a day's set are "<createdAt, 15 digits>:<key>" with one score: Redis orders them
// by their bytes, which is creation order and then key order, and a lex range resumes exactly
// after a given member, so a page never depends on an offset that an expiry could shift.
const createdMember = (createdAt: number, key: string): string => `${String(Math.floor(createdAt)).padStart(15, '0')}:${key}`;
const createdAtOf = (member: string): number => Number(member.slice(0, 15));
const keyOf = (member: string): string => member.slice(16);

// Values are "<version>|<json>": scripts compare the version without decoding the JSON, so
// no answer Singapay sends (odd unicode, deep nesting) can make a record unwritable.
const encode = (record: SingapayPaymentRecord): string => `${record.version}|${JSON.stringify(record)}`;
const decode = (text: string): SingapayPaymentRecord => JSON.parse(text.slice(text.indexOf('|') + 1)) as SingapayPaymentRecord;

export interface RedisPaymentStoreOptions extends RedisStoreOptions {
  /**
   * How long a settled record lives after its last write: longer than any reconciliation horizon.
   * A payment in doubt (sending, pending, unknown) never expires: its key must not pay again; a
   * final one watched for a late word lives until its watch ends, then this long.
   * @default 7 days
   */
  retentionMs?: number;
  /**
   * How long a claim waits for a replica of the Redis primary to hold it (`WAIT 1`) before its
   * payment is sent, when the primary has replicas online (`INFO replication`, read at most every 5 s).
   * Replication is asynchronous: a failover right after a claim could promote a replica without
   * it, and another app replica would then pay the key again. A claim not copied in time is
   * marked not sent and refused with a 503. 0 never waits. Not on a Redis Cluster client, which
   * cannot direct WAIT to the key's primary.
   * @default 1000
   */
  replicaWaitMs?: number;
}

/**
 * Payment records in Redis, shared by every replica: an atomic claim per
 * idempotency key (so exactly one replica sends a payment), compare-and-set
 * updates, an index of unsettled records for the sweeps and one per customer for callbacks and lost answers, an
 * index by Singapay transaction id, and one by creation time per day for the daily reconciliation.
 * Keys share a hash tag, so scripts work on a cluster.
 *
 * Redis is a ledger only while it forgets nothing: use `maxmemory-policy noeviction` and
 * `appendonly yes` (the module refuses anything less in production). Each ledger carries an
 * epoch and a write sequence that every claim and write checks in its own script; a ledger
 * that was flushed, restarted empty or rolled back stops payments in every process until an
 * operator resumes them (`npx singapay ledger resume`).
 *
 * A client you pass needs `{ maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false }`: with
 * ioredis's defaults a write whose answer was lost with its connection is run again after the
 * reconnect, whenever that is: an outcome's write then reads as a lost compare-and-set, and a claim
 * answered after its lease ended is left to the lookups instead of sent (the module refuses such a
 * client in production).
 * @publicApi
 */
export class RedisPaymentStore implements SingapayPaymentStore {
  // A private field: the client keeps its options, password included, and util.inspect() shows ordinary fields.
  readonly #redis: Redis;
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  private readonly base: string;
  private readonly retentionMs: number;
  private readonly epoch: SingapayRedisLedgerEpoch;
  private indexing?: Promise<void>;
  private givingLife?: Promise<void>;
  private lifeGivenAt = -Infinity;
  private readonly replication: SingapayRedisClaimReplication;

  constructor(
    redis: Redis,
    private readonly options: RedisPaymentStoreOptions = {},
    namespace = 'default',
  ) {
    this.#redis = redis;
    this.base = `{${options.prefix ?? 'singapay'}:payments:${namespace}}`;
    this.retentionMs = options.retentionMs ?? 7 * DAY_MS;
    if (this.retentionMs < DAY_MS) throw new RangeError('RedisPaymentStore retentionMs must be at least one day');
    this.epoch = new SingapayRedisLedgerEpoch(redis, this.key('ledger'), this.key('halt'));
    const replicaWaitMs = options.replicaWaitMs ?? 1_000;
    if (!Number.isInteger(replicaWaitMs) || replicaWaitMs < 0)
      throw new RangeError('RedisPaymentStore replicaWaitMs must be a whole number of ms, 0 or more');
    this.replication = new SingapayRedisClaimReplication(redis, this.epoch, replicaWaitMs, this.logger);
  }

  /** The same Redis, with keys of another registration/credential. */
  withNamespace(namespace: string): RedisPaymentStore {
    return new RedisPaymentStore(this.#redis, this.options, namespace);
  }

  /**
   * A key of this ledger: `record:<key>`, `tx:<transaction id>`, `unsettled`, `unsettled-of:<customer id>`
   * (and `unsettled-of-indexed`: those sets are complete), `created:<day>`, `ledger` (the epoch), `halt`,
   * `ledger:waited` (the replica wait's mark).
   */
  private key(name: string): string {
    return `${this.base}:${name}`;
  }

  async create(record: SingapayPaymentRecord): Promise<{ created: boolean; record: SingapayPaymentRecord }> {
    const answer = await this.guarded(CREATE, record);
    if (typeof answer === 'number') return { created: true, record };
    return { created: false, record: decode(answer) };
  }

  async get(key: string): Promise<SingapayPaymentRecord | undefined> {
    const text = await this.#redis.get(this.key(`record:${key}`));
    return text ? decode(text) : undefined;
  }

  async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
    if (record.version !== expectedVersion + 1) return false;
    const holder = record.transactionId ? this.key(`tx:${record.transactionId}`) : this.key(`record:${record.key}`);
    return (await this.guarded(REPLACE, record, [holder], [String(expectedVersion)])) !== 0;
  }

  /**
   * Whether this ledger still holds every record written to it: its epoch is the one this
   * process adopted and its write sequence has not gone back. Takes the epoch on first use.
   */
  checkIntegrity(): Promise<SingapayPaymentStoreIntegrity> {
    return this.epoch.integrity();
  }

  /** Lifts a stop after a loss with a new epoch, for every process on this ledger (`npx singapay ledger resume`). */
  resumeAfterLoss(): Promise<void> {
    return this.epoch.resume();
  }

  /**
   * Whether the claim just written is held by a replica of the primary (`WAIT 1`, within `replicaWaitMs`);
   * true at once when the primary has no replica online (nothing a failover could promote), or when waiting is off.
   */
  confirmClaim(): Promise<boolean> {
    return this.replication.confirm();
  }

  /** Reads the settings of this Redis that decide whether it can lose records (eviction, persistence). */
  inspectDurability(): Promise<SingapayRedisDurabilityReport> {
    return inspectRedisDurability(this.#redis);
  }

  /** Runs CREATE or REPLACE on `record` behind the ledger guard: the keys and arguments they share, then `keys` and `args`. */
  private guarded(script: SingapayRedisScript, record: SingapayPaymentRecord, keys: string[] = [], args: string[] = []) {
    // Beside a write, never in its way, at most once a day (see giveLife); a failure is tried again by the next write.
    const now = Date.now();
    if (!this.givingLife && now - this.lifeGivenAt >= DAY_MS) {
      this.lifeGivenAt = now;
      this.givingLife = this.giveLife()
        .catch((error: unknown) => {
          // Tried again an hour on, not at every write: a Redis that refuses it would otherwise be read whole each time.
          this.lifeGivenAt = now - DAY_MS + HOUR_MS;
          this.logger.warn(
            `Redis payment records: could not give older records their life (${(error as Error)?.name ?? 'error'}); trying again in an hour`,
          );
        })
        .finally(() => (this.givingLife = undefined));
    }
    const day = Math.floor(record.createdAt / DAY_MS);
    const own = [`record:${record.key}`, 'unsettled', `created:${day}`, `unsettled-of:${record.customerId}`].map((k) => this.key(k));
    const settled = isSettledPaymentRecord(record) ? '1' : '0';
    const member = createdMember(record.createdAt, record.key);
    return this.epoch.write(
      script,
      [...own, ...keys],
      [
        encode(record),
        String(this.retentionMs),
        String(record.createdAt),
        settled,
        record.key,
        member,
        String(recordTtl(record, this.retentionMs)),
        ...args,
      ],
    );
  }

  async findByTransactionId(transactionId: string): Promise<SingapayPaymentRecord | undefined> {
    const key = await this.#redis.get(this.key(`tx:${transactionId}`));
    return key ? this.get(key) : undefined;
  }

  async listUnsettled(limit: number, after?: SingapayPaymentRecordCursor): Promise<SingapayPaymentRecord[]> {
    const take = Math.floor(limit);
    const records: SingapayPaymentRecord[] = [];
    let from = after;
    // A member whose record expired, or settled after the read, is passed over: read on from it until the page is full.
    while (records.length < take) {
      const need = take - records.length;
      const members = await this.unsettledAfter(from, need);
      if (members.length === 0) break;
      const keys = members.map((m) => m.key);
      // A record that settled after our read is left to the script that settled it.
      for (const r of await this.recordsOf(this.key('unsettled'), keys)) if (r && !isSettledPaymentRecord(r)) records.push(r);
      if (members.length < need) break;
      from = members[members.length - 1];
    }
    return records;
  }

  /** Up to `count` members of the unsettled index after `after`, in its order: by score (creation), then by their bytes. */
  private async unsettledAfter(after: SingapayPaymentRecordCursor | undefined, count: number): Promise<SingapayPaymentRecordCursor[]> {
    const pairs = (flat: string[]) =>
      Array.from({ length: flat.length / 2 }, (_, i) => ({ key: flat[2 * i]!, createdAt: Number(flat[2 * i + 1]) }));
    const unsettled = this.key('unsettled');
    if (!after) return pairs(await this.#redis.zrange(unsettled, '0', String(count - 1), 'WITHSCORES'));
    // The members of the cursor's own millisecond after it (few), then those of later ones.
    const tied = (await this.#redis.zrangebyscore(unsettled, after.createdAt, after.createdAt))
      .map((key) => ({ key, createdAt: after.createdAt }))
      .filter((member) => compareByCreation(member, after) > 0)
      .slice(0, count);
    if (tied.length >= count) return tied;
    const later = await this.#redis.zrangebyscore(unsettled, `(${after.createdAt}`, '+inf', 'WITHSCORES', 'LIMIT', 0, count - tied.length);
    return [...tied, ...pairs(later)];
  }

  /**
   * The records of an index's members (`keyOf` a member is its record's key), in one round trip
   * and in the members' order. A member whose record is gone (it expired) reads as undefined and
   * leaves the index, unless its key was created again meanwhile.
   */
  private async recordsOf(index: string, members: string[], keyOf = (member: string) => member) {
    const keys = members.map((m) => this.key(`record:${keyOf(m)}`));
    const records: (SingapayPaymentRecord | undefined)[] = [];
    for (const [i, text] of (await this.#redis.mget(keys)).entries()) {
      if (!text) await runRedisScript(this.#redis, FORGET_IF_GONE, [keys[i]!, index], [members[i]!]);
      records.push(text ? decode(text) : undefined);
    }
    return records;
  }

  async listUnsettledOf(customerId: string, limit: number): Promise<SingapayPaymentRecord[]> {
    const take = Math.floor(limit);
    if (!(take > 0)) return [];
    const set = this.key(`unsettled-of:${customerId}`);
    // The whole set in one read (one customer's open payments are few; a page taken by offset could
    // skip a member that a concurrent write removed), with the marker that the sets are complete:
    // a ledger without it (written before the index, flushed, restored from an older snapshot) is
    // indexed first.
    const read = await this.#redis.multi().exists(this.key('unsettled-of-indexed')).zrange(set, '0', '-1').exec();
    const failed = read?.find(([error]) => error);
    if (!read || failed)
      throw (failed?.[0] as Error | undefined) ?? new Error("Redis did not answer the read of a customer's open payments");
    let keys = read[1]![1] as string[];
    if (!read[0]![1]) {
      await (this.indexing ??= this.indexCustomers().finally(() => (this.indexing = undefined)));
      keys = await this.#redis.zrange(set, '0', '-1');
    }
    const records: SingapayPaymentRecord[] = [];
    for (let from = 0; from < keys.length && records.length < take; from += 500) {
      // A settled record is not an open payment; the write that settled it took its member out (or will).
      for (const r of await this.recordsOf(set, keys.slice(from, from + 500))) {
        if (r && !isSettledPaymentRecord(r) && records.length < take) records.push(r);
      }
    }
    return records;
  }

  /**
   * Every unsettled record takes the life `recordTtl` gives it from now (`GIVE_LIFE`), which a
   * release before this one, which gave every record the retention, may have written otherwise: a
   * payment in doubt never expires, a watched one outlives its watch. Its day's creation index is
   * kept alive as long as it is, and its customer's set holds it. Beside the first write of a
   * process and then once a day, not once per ledger: during a rolling upgrade, processes of the
   * older release go on writing for a while, their records' retention is days, and their claims
   * join no customer's set.
   */
  private async giveLife(): Promise<void> {
    const keys = await this.#redis.zrange(this.key('unsettled'), '0', '-1');
    for (let from = 0; from < keys.length; from += 500) {
      const batch = keys.slice(from, from + 500);
      const texts = await this.#redis.mget(batch.map((k) => this.key(`record:${k}`)));
      const now = Date.now();
      const scripts = this.#redis.pipeline();
      for (const text of texts) {
        const r = text ? decode(text) : undefined;
        if (!r || isSettledPaymentRecord(r)) continue;
        const own = this.key(`record:${r.key}`);
        const tx = r.transactionId ? this.key(`tx:${r.transactionId}`) : own;
        const day = this.key(`created:${Math.floor(r.createdAt / DAY_MS)}`);
        const customer = this.key(`unsettled-of:${r.customerId}`);
        const life = String(recordTtl({ ...r, updatedAt: now }, this.retentionMs));
        const member = createdMember(r.createdAt, r.key);
        // EVAL, not EVALSHA: the script is small, and a node that does not know it yet (a cluster, a failover) runs it all the same.
        scripts.eval(
          GIVE_LIFE.source,
          4,
          own,
          tx,
          day,
          customer,
          String(r.version),
          r.key,
          life,
          member,
          // Two days at least: the pass runs about daily, so the index outlives the gap to the next one.
          String(Math.max(this.retentionMs, 2 * DAY_MS)),
          String(r.createdAt),
        );
      }
      const failed = ((await scripts.exec()) ?? []).find(([error]) => error);
      if (failed) throw failed[0] as Error;
    }
  }

  /**
   * Puts every unsettled record into its customer's set, then marks the sets complete. Records
   * claimed or written since join their set in their own script; the marker is set only once
   * every addition was confirmed, so a failed one is tried again by the next listing.
   */
  private async indexCustomers(): Promise<void> {
    const keys = await this.#redis.zrange(this.key('unsettled'), '0', '-1');
    for (let from = 0; from < keys.length; from += 500) {
      const batch = keys.slice(from, from + 500);
      const texts = await this.#redis.mget(batch.map((k) => this.key(`record:${k}`)));
      const writes = this.#redis.pipeline();
      for (const text of texts) {
        const r = text ? decode(text) : undefined;
        if (r && !isSettledPaymentRecord(r)) writes.zadd(this.key(`unsettled-of:${r.customerId}`), String(r.createdAt), r.key);
      }
      const failed = ((await writes.exec()) ?? []).find(([error]) => error);
      if (failed) throw failed[0] as Error;
    }
    await this.#redis.set(this.key('unsettled-of-indexed'), new Date().toISOString());
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
      const set = this.key(`created:${day}`);
      // "(" resumes strictly after the cursor's member; "[" starts at the first member of fromMs.
      const resume = after !== undefined && after.createdAt >= fromMs && Math.floor(after.createdAt / DAY_MS) === day;
      let min = resume ? `(${createdMember(after.createdAt, after.key)}` : `[${createdMember(fromMs, '')}`;
      const max = `(${createdMember(toMs, '')}`;
      while (records.length < take) {
        const need = take - records.length;
        const members = await this.#redis.zrangebylex(set, min, max, 'LIMIT', 0, need);
        if (members.length === 0) break;
        for (const [i, r] of (await this.recordsOf(set, members, keyOf)).entries()) {
          // An entry left by a createdAt that changed is not this record's place.
          if (r && Math.floor(r.createdAt) === createdAtOf(members[i]!) && inCreationPage(r, fromMs, toMs, after)) records.push(r);
        }
        if (members.length < need) break;
        min = `(${members[members.length - 1]!}`;
      }
    }
    return records;
  }
}
