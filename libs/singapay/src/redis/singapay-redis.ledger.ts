import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { formatSingapayIso } from '../biller/singapay-time.js';
import { SingapayPaymentStoreLostError, type SingapayPaymentStoreIntegrity } from '../payments/singapay-payment-store.interface.js';
import { SINGAPAY_LOGGER_CONTEXT } from '../singapay.constants.js';
import { redisScript, runRedisScript } from './singapay-redis.script.js';

/*
 * A Redis that keeps payment records is a ledger only while it forgets nothing: a record it
 * drops makes its idempotency key new again, and the order is paid twice. Its settings are
 * checked at start-up (singapay-redis.durability.ts); what a restart, a flush or a failover
 * loses anyway is noticed here: an epoch, written once per ledger, and a sequence bumped by
 * every write let each claim and write check, in its own script, that the ledger is the one
 * this process has been writing to.
 */

// Refuses unless no loss was noticed, the epoch is this process's and the sequence has not gone
// back below what this process saw. Evaluated inside the claim and write scripts, so a check and
// its write are one atomic step and cost no round trip.
export const REDIS_LEDGER_GUARD = `
local function ledgerIntact(epochKey, haltKey, id, seen)
  if redis.call('EXISTS', haltKey) == 1 then return false end
  local e = redis.call('HMGET', epochKey, 'id', 'seq')
  return e[1] == id and (tonumber(e[2]) or 0) >= tonumber(seen)
end`;

// Takes the epoch a ledger has, or writes one for a ledger that has none.
const ADOPT = redisScript(`
local halt = redis.call('GET', KEYS[2])
if halt then return {'halted', halt} end
redis.call('HSETNX', KEYS[1], 'id', ARGV[1])
local e = redis.call('HMGET', KEYS[1], 'id', 'seq')
return {'ok', e[1], e[2] or '0'}`);

// The first process to notice a loss says so for all of them; later ones read its words.
const HALT = redisScript(`
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])`);

// An operator's resume: a new epoch that processes stopped by a loss may take.
const RESUME = redisScript(`
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'id', ARGV[1])
return redis.call('HGET', KEYS[1], 'seq') or '0'`);

const RESUMED = 'resumed:';

interface Halt {
  since: string;
  reason: string;
}

/**
 * The epoch of one Redis payment ledger (one namespace) as this process knows it: the id it
 * adopted and the highest write sequence it has seen. A mismatch found by a script, by a health
 * probe or at start-up becomes a stop that every process sharing the ledger obeys, until an
 * operator resumes with a new epoch.
 */
export class SingapayRedisLedgerEpoch {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  #id?: string;
  #seen = 0;
  #adopting?: Promise<void>;
  #halt?: Halt;

  constructor(
    private readonly redis: Redis,
    /** A hash: `id` (the epoch) and `seq` (bumped by every claim and write). */
    readonly epochKey: string,
    /** Set, without expiry, by the first process that notices a loss. */
    readonly haltKey: string,
  ) {}

  /** The arguments of the guard, once this process holds an epoch; throws while payments are stopped. */
  async guardArgs(): Promise<[id: string, seen: string]> {
    if (this.#halt) await this.recheck();
    if (this.#id === undefined) await (this.#adopting ??= this.adopt().finally(() => (this.#adopting = undefined)));
    return [this.#id!, String(this.#seen)];
  }

  /** A write reported its place in the sequence. */
  observe(seq: number): void {
    if (seq > this.#seen) this.#seen = seq;
  }

  /** A script refused: find out why, stop payments if the ledger lost records; returns normally when a retry may pass. */
  async refused(): Promise<void> {
    await this.recheck();
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
    const id = `${RESUMED}${randomUUID()}`;
    const seq = Number(await runRedisScript(this.redis, RESUME, [this.epochKey, this.haltKey], [id]));
    this.#id = id;
    this.#seen = seq;
    this.#halt = undefined;
  }

  private async adopt(): Promise<void> {
    const reply = (await runRedisScript(this.redis, ADOPT, [this.epochKey, this.haltKey], [randomUUID()])) as string[];
    if (reply[0] === 'halted') this.stopped(parseHalt(reply[1]));
    this.#id = reply[1];
    this.observe(Number(reply[2]));
  }

  /** Compares the ledger with what this process knows; throws `SingapayPaymentStoreLostError` while it stands stopped. */
  private async recheck(): Promise<void> {
    const [halt, [id, seqText]] = await Promise.all([
      this.redis.get(this.haltKey),
      this.redis.hmget(this.epochKey, 'id', 'seq') as Promise<(string | null)[]>,
    ]);
    if (halt) this.stopped(parseHalt(halt));
    const seq = Number(seqText ?? 0);
    if (id !== null && id.startsWith(RESUMED) && id !== this.#id) {
      // An operator resumed after the loss this process knew of, or before it noticed one.
      if (this.#halt) this.logger.warn('payments resumed: an operator started a new payment ledger epoch after a loss');
      this.#id = id;
      this.#seen = seq;
      this.#halt = undefined;
      return;
    }
    if (this.#id === undefined) {
      // Never adopted an epoch: the next claim adopts one, and checks for a stop in the same step.
      this.#halt = undefined;
      return;
    }
    const reason =
      id === null
        ? 'its epoch is gone: the Redis was flushed, restarted without its data, evicted it, or failed over to an empty replica'
        : id !== this.#id
          ? 'its epoch changed: the Redis was emptied and another process started a new ledger on it'
          : seq < this.#seen
            ? `it went back in time (write ${seq}, after this process saw write ${this.#seen}): a restart from an older snapshot, or a failover to a replica that lacked the latest writes`
            : undefined;
    if (reason === undefined) {
      // Nothing is wrong any more (a resume between the script and this read): the caller may retry.
      this.#halt = undefined;
      return;
    }
    const mine = JSON.stringify({ since: formatSingapayIso(Date.now()), reason } satisfies Halt);
    const held = (await runRedisScript(this.redis, HALT, [this.haltKey], [mine])) as string | null;
    this.stopped(parseHalt(held ?? mine));
  }

  private stopped(halt: Halt): never {
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

function parseHalt(text: string | undefined | null): Halt {
  try {
    const h = JSON.parse(text ?? '') as Partial<Halt>;
    if (typeof h.since === 'string' && typeof h.reason === 'string') return { since: h.since, reason: h.reason };
  } catch {
    // Written by hand or by another tool: still a stop.
  }
  return { since: 'unknown', reason: 'payments were stopped by a halt marker in Redis' };
}
