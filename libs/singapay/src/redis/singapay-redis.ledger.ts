import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { formatSingapayIso } from '../biller/singapay-time.js';
import { SingapayPaymentStoreLostError, type SingapayPaymentStoreIntegrity } from '../payments/singapay-payment-store.interface.js';
import { SINGAPAY_LOGGER_CONTEXT } from '../singapay.constants.js';
import { redisScript, runRedisScript, type SingapayRedisScript } from './singapay-redis.script.js';

/*
 * What a restart, a flush or a failover loses despite the settings checked at start-up
 * (singapay-redis.durability.ts) is noticed here: an epoch, written once per ledger, and a
 * sequence bumped by every write let each claim and write check, in its own script, that the
 * ledger is the one this process has been writing to.
 */

// Scripts that read TIME and then write: Redis before 5 refuses a write after TIME unless the
// script replicates its effects rather than itself, and would fail it half done. Redis 5 and later
// do so by default (where the call is a no-op, or gone).
const REPLICATE_EFFECTS = '\nif redis.replicate_commands then redis.replicate_commands() end';

// Refuses unless no loss was noticed, the epoch is the one this process adopted, the sequence has
// not gone back below what this process saw, and this process's own last write is still there
// (other processes' writes cannot hide the loss of its own). `ledgerWrote` bumps the sequence and
// marks the writer. Both run inside the claim and write scripts: a check and its write are one
// atomic step, at no extra round trip.
export const REDIS_LEDGER_GUARD = `${REPLICATE_EFFECTS}
local function ledgerIntact(epochKey, haltKey, id, seen, writer, ownSeen)
  if redis.call('EXISTS', haltKey) == 1 then return false end
  local e = redis.call('HMGET', epochKey, 'id', 'seq', writer)
  local own = tonumber(string.match(e[3] or '', '^(%d+)')) or 0
  return e[1] == id and (tonumber(e[2]) or 0) >= tonumber(seen) and own >= tonumber(ownSeen)
end
local function ledgerWrote(epochKey, writer)
  local seq = redis.call('HINCRBY', epochKey, 'seq', 1)
  redis.call('HSET', epochKey, writer, seq .. ':' .. redis.call('TIME')[1])
  return seq
end`;

// Takes the epoch a ledger has, or writes one for a ledger that has none; drops the marks of
// writers silent for longer than ARGV[2] seconds (processes long gone).
const ADOPT = redisScript(`${REPLICATE_EFFECTS}
local halt = redis.call('GET', KEYS[2])
if halt then return {'halted', halt} end
redis.call('HSETNX', KEYS[1], 'id', ARGV[1])
local now = tonumber(redis.call('TIME')[1])
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local at = string.match(fields[i + 1], ':(%d+)$')
  if string.sub(fields[i], 1, 2) == 'w:' and at and now - tonumber(at) > tonumber(ARGV[2]) then redis.call('HDEL', KEYS[1], fields[i]) end
end
local e = redis.call('HMGET', KEYS[1], 'id', 'seq')
return {'ok', e[1], e[2] or '0'}`);

// The first process to notice a loss says so for all of them, unless the epoch it saw has
// changed meanwhile (an operator's resume); later ones read its words.
const HALT = redisScript(`
if (redis.call('HGET', KEYS[1], 'id') or '') ~= ARGV[2] then return false end
redis.call('SET', KEYS[2], ARGV[1], 'NX')
return redis.call('GET', KEYS[2])`);

// An operator's resume: a new epoch, named by Redis's clock, that processes stopped by a loss may take.
const RESUME = redisScript(`${REPLICATE_EFFECTS}
redis.call('DEL', KEYS[2])
local t = redis.call('TIME')
local id = 'resumed:' .. t[1] .. string.format('%06d', tonumber(t[2])) .. ':' .. ARGV[1]
redis.call('HSET', KEYS[1], 'id', id)
return {id, redis.call('HGET', KEYS[1], 'seq') or '0'}`);

// What a check compares: the stop, and the epoch's id, sequence and this writer's mark. A script, so
// that it is read where the writes are (a cluster client may send a plain read to a lagging
// replica, which would pass for a rollback of what this process read before).
const READ = redisScript(`
local e = redis.call('HMGET', KEYS[1], 'id', 'seq', ARGV[1])
return {redis.call('GET', KEYS[2]) or '', e[1] or '', e[2] or '0', e[3] or ''}`);

// Marks, on the connection a WAIT is to run on, that this ledger holds every write this process made: not
// stopped, its epoch, and this process's own last write (the sequence alone, which other processes' writes
// bump, could hide its loss). A server the connection reached instead (a failover's promoted replica, which
// lacks the latest claims) answers 0 and is written nothing. KEYS: the epoch, the mark, the halt; ARGV: the
// epoch's id, this process's last write, its writer field.
const MARK_WRITTEN = redisScript(`${REPLICATE_EFFECTS}
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
local e = redis.call('HMGET', KEYS[1], 'id', ARGV[3])
local own = tonumber(string.match(e[2] or '', '^(%d+)')) or 0
if e[1] ~= ARGV[1] or own < tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', 60000)
return 1`);

/** When an operator started an epoch (`resume`, `resumed:<Redis time in µs>:<uuid>`); -1 for any other. */
const resumedAt = (id: string | undefined | null): number => Number(/^resumed:(\d+):/.exec(id ?? '')?.[1] ?? -1);

// A writer's mark is dropped after this long without a write (at the next process start), and a
// process whose own last write is older does not hold the ledger to it.
const WRITER_MARK_SECONDS = 30 * 24 * 3600;

type Halt = Pick<SingapayPaymentStoreLostError, 'since' | 'reason'>;

/**
 * The epoch of one Redis payment ledger (one namespace) as this process knows it: the id it
 * adopted, the highest write sequence it has seen, and the sequence of its own last write. A
 * mismatch found by a script, by a health probe or at start-up becomes a stop that every process
 * sharing the ledger obeys, until an operator resumes with a newer epoch.
 */
export class SingapayRedisLedgerEpoch {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  /** This process's mark in the epoch hash. */
  private readonly writer = `w:${randomUUID()}`;
  #id?: string;
  #seen = 0;
  #ownSeen = 0;
  #ownAt = 0;
  #adopting?: Promise<void>;
  #halt?: Halt;
  // A private field: the client keeps its options, password included, and util.inspect() shows ordinary fields.
  readonly #redis: Redis;

  constructor(
    redis: Redis,
    /** A hash: `id` (the epoch), `seq` (bumped by every claim and write), and each writer's last write. */
    private readonly epochKey: string,
    /** Set, without expiry, by the first process that notices a loss. */
    private readonly haltKey: string,
  ) {
    this.#redis = redis;
  }

  /**
   * Runs a claim or write script behind the guard (its keys and arguments after the script's own); a refusal
   * is looked into, and retried once when it was only a resume this process had not seen yet. Answers a
   * number (a write's sequence, or 0 for a refused compare-and-set) or the text of an existing record.
   */
  async write(script: SingapayRedisScript, keys: string[], args: string[]): Promise<number | string> {
    for (let attempt = 0; ; attempt++) {
      const guard = await this.guardArgs();
      const answer = (await this.run(script, [...args, ...guard], keys)) as number | string;
      if (typeof answer === 'string' || answer === 0) return answer;
      if (answer !== -1) {
        // A write of this process reported its place in the sequence. A refused compare-and-set (0) wrote
        // nothing: taken for a write, it would hold this process to a mark a process start may have dropped.
        this.#seen = Math.max(this.#seen, answer);
        this.#ownSeen = Math.max(this.#ownSeen, answer);
        this.#ownAt = Date.now();
        return answer;
      }
      await this.recheck();
      if (attempt > 0) throw new Error('the Redis payment ledger refused a write twice without a reason it could name');
    }
  }

  /**
   * Writes, through `connection`, a mark that follows every claim and write of this process, if the server it
   * reaches holds them all (`MARK_WRITTEN`): a `WAIT` after it on that connection then answers for them.
   */
  async markWritten(connection: Redis): Promise<boolean> {
    if (this.#id === undefined) return false;
    const marked = await runRedisScript(
      connection,
      MARK_WRITTEN,
      [this.epochKey, `${this.epochKey}:waited`, this.haltKey],
      [this.#id, String(this.#ownSeen), this.writer],
    );
    return marked === 1;
  }

  /** Runs a script on this ledger: its own keys first (if any), then the epoch's and the halt's. */
  private run(script: SingapayRedisScript, args: string[], keys: string[] = []): Promise<unknown> {
    return runRedisScript(this.#redis, script, [...keys, this.epochKey, this.haltKey], args);
  }

  /** The arguments of the guard, once this process holds an epoch; throws while payments are stopped. */
  private async guardArgs(): Promise<string[]> {
    if (this.#halt) await this.recheck();
    if (this.#id === undefined) await (this.#adopting ??= this.adopt().finally(() => (this.#adopting = undefined)));
    return [this.#id!, String(this.#seen), this.writer, String(this.ownFloor())];
  }

  /** The write of its own this process holds the ledger to; a mark older than the ones a process start drops is not held. */
  private ownFloor(): number {
    return Date.now() - this.#ownAt < (WRITER_MARK_SECONDS - 24 * 3600) * 1000 ? this.#ownSeen : 0;
  }

  async integrity(): Promise<SingapayPaymentStoreIntegrity> {
    try {
      if (this.#id === undefined && !this.#halt) await this.guardArgs();
      else await this.recheck();
      return { intact: true };
    } catch (error) {
      if (error instanceof SingapayPaymentStoreLostError) return { intact: false, since: error.since, reason: error.reason };
      throw error;
    }
  }

  async resume(): Promise<void> {
    const [id, seq] = (await this.run(RESUME, [randomUUID()])) as string[];
    this.take(id!, Number(seq));
  }

  private take(id: string, seq: number): void {
    this.#id = id;
    this.#seen = seq;
    this.#ownSeen = 0;
    this.#halt = undefined;
  }

  private async adopt(): Promise<void> {
    const reply = (await this.run(ADOPT, [randomUUID(), String(WRITER_MARK_SECONDS)])) as string[];
    if (reply[0] === 'halted') this.stopped(reply[1]);
    this.#id = reply[1];
    if (Number(reply[2]) > this.#seen) this.#seen = Number(reply[2]);
  }

  /**
   * Compares the ledger with what this process knows (a script refused, a probe asks): stops payments if it
   * lost records, and throws `SingapayPaymentStoreLostError` while it stands stopped; returns when a retry may pass.
   */
  private async recheck(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const [halt, idText, seqText, ownText] = (await this.run(READ, [this.writer])) as string[];
      if (halt) this.stopped(halt);
      const id = idText || null;
      const seq = Number(seqText || 0);
      // An operator resumed after what this process knew: a newer resume only, never an older one a rollback brought back.
      if (id !== null && resumedAt(id) > resumedAt(this.#id)) {
        if (this.#halt) this.logger.warn('payments resumed: an operator started a new payment ledger epoch after a loss');
        this.take(id, seq);
        return;
      }
      if (this.#id === undefined) {
        // Never adopted an epoch: the next claim adopts one, and checks for a stop in the same step.
        this.#halt = undefined;
        return;
      }
      const own = Number(/^\d+/.exec(ownText ?? '')?.[0] ?? 0);
      const reason =
        id === null
          ? 'its epoch is gone: the Redis was flushed, restarted without its data, evicted it, or failed over to an empty replica'
          : id !== this.#id
            ? 'its epoch changed: the Redis was emptied and another process started a new ledger on it, or it went back to before the latest resume'
            : seq < this.#seen || own < this.ownFloor()
              ? `it went back in time (write ${Math.min(seq, own)} found, after this process saw write ${this.#seen}): a restart from an older snapshot, or a failover to a replica that lacked the latest writes`
              : undefined;
      if (reason === undefined) {
        // Intact as far as this process saw: held to it from now on, so that a rollback is noticed here
        // too when the process whose writes it lost is gone. Nothing is wrong any more (a resume between
        // the script and this read): the caller may retry.
        this.#seen = Math.max(this.#seen, seq);
        this.#halt = undefined;
        return;
      }
      const mine = JSON.stringify({ since: formatSingapayIso(Date.now()), reason } satisfies Halt);
      const held = (await this.run(HALT, [mine, id ?? ''])) as string | null;
      if (held !== null) this.stopped(held);
      // The epoch changed between the read and the halt (a resume): look again, once.
      if (attempt > 0) this.stopped(mine);
    }
  }

  /** Stops payments for the halt a marker in Redis tells of; one written by hand or by another tool is still a stop. */
  private stopped(marker: string | undefined): never {
    let halt: Halt = { since: 'unknown', reason: 'payments were stopped by a halt marker in Redis' };
    try {
      const h = JSON.parse(marker ?? '') as Partial<Halt>;
      if (typeof h.since === 'string' && typeof h.reason === 'string') halt = { since: h.since, reason: h.reason };
    } catch {
      // Not JSON: a stop all the same.
    }
    if (!this.#halt || this.#halt.since !== halt.since) {
      this.logger.error(
        `Redis payment ledger lost records (${halt.reason}; noticed ${halt.since}): payments are stopped in every process that shares it, nothing is sent; ` +
          'reads carry on. Check the orders paid since the last good state, then resume with: npx singapay ledger resume',
      );
    }
    this.#halt = halt;
    throw new SingapayPaymentStoreLostError(halt.since, halt.reason);
  }
}
