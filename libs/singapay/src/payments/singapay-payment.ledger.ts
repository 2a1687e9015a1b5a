import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { SingapayException } from '../errors/singapay.exception.js';
import { SINGAPAY_CLOCK, SINGAPAY_LOGGER_CONTEXT, type SingapayClock } from '../singapay.constants.js';
import type { SingapayPaymentRecord } from './singapay-payment-record.js';
import { SingapayPaymentStoreException, type SingapayStorePhase } from './singapay-payment.exception.js';
import {
  SingapayPaymentStore,
  SingapayPaymentStoreError,
  SingapayPaymentStoreLostError,
  type SingapayPaymentRecordCursor,
  type SingapayPaymentStoreIntegrity,
} from './singapay-payment-store.interface.js';
import { SingapayTelemetry } from '../telemetry/singapay-telemetry.service.js';
import type { SingapayUnknownPayments } from '../telemetry/singapay-unknown-payments.tracker.js';
import {
  applyPatch,
  canMove,
  holdsAnswer,
  isRefundOwed,
  isReportedFailure,
  RELEASED,
  SINGAPAY_FAILURES,
  type SingapayRecordPatch,
} from './singapay-payment.state.js';
import { hashIdempotencyKey } from '../util/singapay-log.js';

// What a check of a store that cannot lose records reads: a key of the shape every store takes (a payment
// recorded under it would only be read).
const SINGAPAY_STORE_PROBE_KEY = 'singapay-store-probe';
/** Most unsettled records one listing reads; a listing that reaches it may have left some out. */
const SINGAPAY_UNSETTLED_LIST_MAX = 10_000;

/** Most outcomes kept for a store that could not take them; past it the oldest is given up (its record is looked up instead). */
const SINGAPAY_KEPT_OUTCOMES_MAX = 10_000;

/** Singapay's word on a payment that the store could not take, and whether it may be written without a transaction another payment holds. */
interface SingapayKeptOutcome {
  patch: SingapayRecordPatch;
  dropHeldTransaction: boolean;
  /** Whether its sender announces the move it makes (a refusal is thrown to the caller instead). */
  announce: boolean;
  /** The record as it was sent: the payment it is of (a key used again after its record went is another one), and the send. */
  sent: SingapayPaymentRecord;
  /** The version a write of it was last tried on: where it landed, if one landed with its answer lost. */
  tried: SingapayPaymentRecord;
  /** Its write under way, if any. */
  writing?: Promise<SingapayKeptSettlement | undefined>;
}

/**
 * What writing a kept word came to: written (with the move this process announces, `announced`,
 * when its sender announces such a move and no one has), or not yet, the store still failing.
 */
export type SingapayKeptSettlement =
  | { record: SingapayPaymentRecord; written: true; announced?: readonly [SingapayPaymentRecord, SingapayPaymentRecord] }
  | { record: SingapayPaymentRecord; written: false };

/**
 * A store client's error as one the app may show and log: its name, code and first line. Never the error
 * itself, whose own properties a client fills with the command it failed (ioredis: a reconnection's
 * `HELLO 3 AUTH default <password>`). The store's own errors say what went wrong without a credential.
 */
function showableStoreError(error: unknown, what: string): SingapayPaymentStoreError {
  if (error instanceof SingapayPaymentStoreError) return error;
  const { name, message, code } = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  const line = typeof message === 'string' ? message.split('\n')[0]!.slice(0, 200) : '';
  const label = typeof name === 'string' ? name : 'Error';
  return new SingapayPaymentStoreError(
    `the payment store could not ${what}: ${label}${line ? `: ${line}` : ''}`,
    typeof code === 'string' ? code : undefined,
  );
}

/** Whether `stored` is `claim` as it was written: its owner is unique to the claim, and nothing wrote over it since. */
function isOwnClaim(stored: SingapayPaymentRecord, claim: SingapayPaymentRecord): boolean {
  return claim.owner !== undefined && stored.owner === claim.owner && stored.version === claim.version && stored.state === 'sending';
}

/**
 * The engine's only way to the payment store. Every failure of the store becomes a
 * `SingapayPaymentStoreException` whose `delivery` follows the phase it happened in,
 * and only here: before sending it says "not sent", at any later point "may have been
 * sent", so a caller is never told a payment that left did not.
 */
@Injectable()
export class SingapayPaymentLedger implements OnModuleDestroy {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  /** Shown every record this ledger sees, for the `singapay.payments.unknown` gauge. */
  private readonly unknown?: SingapayUnknownPayments;
  /** Outcomes the store could not take, by key: written first by whatever next works on the payment here (`settleKept`). */
  private readonly kept = new Map<string, SingapayKeptOutcome>();
  private stuckLogged = false;
  private stopped = false;

  constructor(
    @Inject(SingapayPaymentStore) private readonly store: SingapayPaymentStore,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
    telemetry: SingapayTelemetry,
  ) {
    this.unknown = telemetry.unknownPayments;
  }

  async create(record: SingapayPaymentRecord): Promise<{ created: boolean; record: SingapayPaymentRecord }> {
    const result = await this.guard('record the payment', 'before_send', () =>
      this.store.create(record).catch(async (error: unknown) => {
        // A store that lost records refuses every claim; a key it still holds answers from its record (reads carry on).
        const existing = error instanceof SingapayPaymentStoreLostError ? await this.store.get(record.key) : undefined;
        if (!existing) throw error;
        return { created: false, record: existing, refused: true };
      }),
    );
    // Found written by this very claim (its owner is unique to it): a store client that ran the write twice
    // (ioredis resends a command whose connection closed before the reply). It is ours to send; not when
    // the store refused the claim (it lost records), which it would refuse the outcome of too.
    const ours = !result.created && !('refused' in result) && isOwnClaim(result.record, record);
    if (result.created || ours) await this.confirmed(result.record);
    return { created: result.created || ours, record: this.seen(result.record) };
  }

  /**
   * Returns once the store holds `claim` where a failover keeps it (`confirmClaim`, for a store that can lose
   * writes that way). Otherwise it is marked not sent (its send given back, so that the key may be claimed
   * again) and refused: sent now, a replica promoted without the claim would let the key be paid twice.
   */
  private async confirmed(claim: SingapayPaymentRecord): Promise<void> {
    // A claim answered, or confirmed, only after its lease ran out (a client that resent it late, a replica
    // that caught up late) is too late to send: others may be looking the payment up.
    const inTime = () => (claim.leaseUntil ?? 0) > this.now();
    let held = inTime();
    if (held && this.store.confirmClaim) {
      held = await this.store.confirmClaim().catch((error: unknown) => {
        this.logger.error(`payment store could not confirm a claim: ${(error as Error)?.name ?? 'error'}`);
        return false;
      });
      held &&= inTime();
    }
    if (held) return;
    // Marked not sent while it is still this claim (a callback may have left evidence on it meanwhile: read
    // again then). Should that fail, the record stays "sending", and lookups, never a send, settle it.
    const reverted = await this.move(
      claim,
      (base) => ({ state: 'failed', failure: SINGAPAY_FAILURES.notSent(), sendCount: base.sendCount - 1, ...RELEASED }),
      true,
      (current) => current.owner === claim.owner && current.state === 'sending',
    ).catch(() => undefined);
    if (!reverted) {
      this.logger.error(
        `payment key=${hashIdempotencyKey(claim.key)}: a claim refused before sending could not be marked not sent; it is looked up once its lease ends`,
      );
    }
    throw SingapayPaymentStoreException.unavailable(
      claim.leaseUntil !== undefined && claim.leaseUntil <= this.now()
        ? 'record the claim before its lease ran out'
        : 'copy the claim where a failover keeps it (no replica confirmed it in time)',
      'before_send',
    );
  }

  async get(key: string, phase: SingapayStorePhase): Promise<SingapayPaymentRecord | undefined> {
    return this.seen(await this.guard('read the payment', phase, () => this.store.get(key)));
  }

  async findByTransactionId(transactionId: string): Promise<SingapayPaymentRecord | undefined> {
    return this.seen(await this.guard('read the payment', 'after_send', () => this.store.findByTransactionId(transactionId)));
  }

  /** Every unsettled record, page by page, up to `max`. */
  async listUnsettled(max = SINGAPAY_UNSETTLED_LIST_MAX): Promise<SingapayPaymentRecord[]> {
    const records: SingapayPaymentRecord[] = [];
    for await (const page of this.unsettledPages()) {
      records.push(...page);
      if (records.length >= max) break;
    }
    return records;
  }

  /**
   * Every unsettled record, oldest first, a page at a time and with no cap: the sweep works through
   * a page before it reads the next. A listing read to its end tells the `unknown` gauge.
   */
  async *unsettledPages(size = 100): AsyncGenerator<SingapayPaymentRecord[]> {
    const mark = this.unknown?.mark() ?? 0;
    let after: SingapayPaymentRecordCursor | undefined;
    // A store of the app's own that ignores `after` gives its first page again, and would for ever: a page with
    // nothing new ends the listing. Told by keys, which asks nothing of the store's order (a collation, say);
    // the previous page's too, for a store that starts a page at the cursor's own record.
    let first: Set<string> | undefined;
    let previous = new Set<string>();
    for (;;) {
      const full = await this.guard('list unsettled payments', 'after_send', () => this.store.listUnsettled(size, after));
      const page = full.filter((record) => !first?.has(record.key) && !previous.has(record.key));
      if (page.length === 0 && full.length >= size) return this.pagesStuck();
      previous = new Set(page.map((record) => this.seen(record).key));
      first ??= previous;
      if (page.length > 0) yield page;
      if (full.length < size) return this.unknown?.listed([], mark);
      const last = full[full.length - 1]!;
      after = { createdAt: last.createdAt, key: last.key };
    }
  }

  private pagesStuck(): void {
    if (this.stuckLogged) return;
    this.stuckLogged = true;
    this.logger.error(
      'the payment store gave no later page of unsettled records: its listUnsettled(limit, after) must list the records after `after`; sweeps and callbacks read only its first page',
    );
  }

  /** Whether the store lists one customer's unsettled records by itself (`listUnsettledOf`). */
  get listsByCustomer(): boolean {
    return typeof this.store.listUnsettledOf === 'function';
  }

  /**
   * The unsettled records of one customer, from the store's own query when it has one (else every
   * unsettled record, filtered); `complete` false when a listing reached `max` and may have left some out.
   */
  async listUnsettledOf(
    customerId: string,
    max = SINGAPAY_UNSETTLED_LIST_MAX,
  ): Promise<{ records: SingapayPaymentRecord[]; complete: boolean }> {
    if (!this.store.listUnsettledOf) {
      const all = await this.listUnsettled(max);
      return { records: all.filter((r) => r.customerId === customerId), complete: all.length < max };
    }
    const records = await this.guard('list unsettled payments', 'after_send', () => this.store.listUnsettledOf!(customerId, max));
    for (const record of records) this.seen(record);
    return { records, complete: records.length < max };
  }

  /** One compare-and-set write of `patch`; undefined when another writer came first. No state rule is checked. */
  async replace(
    record: SingapayPaymentRecord,
    patch: SingapayRecordPatch,
    phase: SingapayStorePhase,
  ): Promise<SingapayPaymentRecord | undefined> {
    const updated = applyPatch(record, patch, this.now());
    const claims = typeof patch.owner === 'string';
    if (await this.guard('update the payment', phase, () => this.store.replace(updated, record.version))) {
      if (claims) await this.confirmed(updated);
      return this.seen(updated);
    }
    if (!claims) return undefined;
    // A claim refused may have been written by itself, its write run twice by the store's client (as in create).
    const current = await this.guard('read the payment', phase, () => this.store.get(record.key));
    if (!current || !isOwnClaim(current, updated)) return undefined;
    await this.confirmed(current);
    return this.seen(current);
  }

  /**
   * Writes a change with compare-and-set, re-reading on conflict. Returns undefined when
   * the change is no longer allowed (a state move the current state refuses, or a second
   * transaction id for a payment that holds one, or a record `when` refuses). `force` skips
   * the state rule, for bookkeeping that changes no state. `when` is asked of every version
   * the write would land on, the first and any re-read after a conflict.
   */
  async transition(
    record: SingapayPaymentRecord,
    patch: SingapayRecordPatch,
    force = false,
    when?: (current: SingapayPaymentRecord) => boolean,
  ): Promise<SingapayPaymentRecord | undefined> {
    return (await this.move(record, patch, force, when))?.after;
  }

  /**
   * `transition`, answering the version it wrote over (`before`) with the result: what a change
   * is announced from, which is not the version the caller read when another writer came first.
   * A `patch` given as a function is made from that version, at each try. `attempting` is told each
   * version a write is tried on: when the store fails, the last one is where the write may have landed.
   */
  async move(
    record: SingapayPaymentRecord,
    patch: SingapayRecordPatch | ((base: SingapayPaymentRecord) => SingapayRecordPatch),
    force = false,
    when?: (current: SingapayPaymentRecord) => boolean,
    attempting?: (base: SingapayPaymentRecord) => void,
  ): Promise<{ before: SingapayPaymentRecord; after: SingapayPaymentRecord } | undefined> {
    let base = record;
    for (let i = 0; i < 5; i++) {
      const change = typeof patch === 'function' ? patch(base) : patch;
      if (change.state && !force && !canMove(base, change.state)) return undefined;
      if (when && !when(base)) return undefined;
      // A payment holds one transaction for good: a later match never replaces it.
      if (change.transactionId && base.transactionId && base.transactionId !== change.transactionId) return undefined;
      attempting?.(base);
      const updated = await this.replace(base, change, 'after_send');
      if (updated) return { before: base, after: updated };
      const latest = await this.get(record.key, 'after_send');
      if (!latest) return undefined;
      // The transaction is another key's: the store refused the write itself, and will again. Anything else (a
      // read that lags the write it lost to, too) is a conflict, tried again on the version read.
      if (latest.version === base.version && (await this.heldByAnother(latest, change.transactionId))) return undefined;
      base = latest;
    }
    // Rare (five writers in a row came first). Not a refusal: what this write knew is not on the record, so its
    // caller treats it as a store failure (Singapay's answer is kept and written later, a lookup tried again).
    this.logger.warn(`payment key=${hashIdempotencyKey(record.key)} change given up after 5 conflicting writes`);
    throw SingapayPaymentStoreException.unavailable('update the payment (five other writes came first)', 'after_send');
  }

  private async heldByAnother(record: SingapayPaymentRecord, transactionId: string | null | undefined): Promise<boolean> {
    if (!transactionId || transactionId === record.transactionId) return false;
    const holder = await this.findByTransactionId(transactionId);
    return holder !== undefined && holder.key !== record.key;
  }

  /**
   * Writes Singapay's word on a payment (`patch`). An answer naming a transaction another payment
   * holds (a refusal naming the bill's earlier payment, say) names not this payment's: with
   * `dropHeldTransaction` it is written without it (its failure says which it named), only while
   * the record holds no transaction of its own. Undefined when the record refused it.
   */
  async recordOutcome(
    record: SingapayPaymentRecord,
    patch: SingapayRecordPatch,
    dropHeldTransaction: boolean,
    when?: (current: SingapayPaymentRecord) => boolean,
    attempting?: (base: SingapayPaymentRecord) => void,
  ): Promise<{ before: SingapayPaymentRecord; after: SingapayPaymentRecord } | undefined> {
    const moved = await this.move(record, patch, false, when, attempting);
    const named = patch.transactionId;
    if (moved || !named || !dropHeldTransaction) return moved;
    const holder = await this.findByTransactionId(named);
    if (!holder || holder.key === record.key) return undefined;
    this.logger.warn(
      `pay key=${hashIdempotencyKey(record.key)} answer names transaction ${named}, which another payment holds: recorded without it`,
    );
    const failure = patch.failure && {
      ...patch.failure,
      message: `${patch.failure.message} (the answer named transaction ${named}, another payment's)`,
    };
    const unheld = (current: SingapayPaymentRecord) => current.transactionId === undefined && (when?.(current) ?? true);
    return this.move(record, { ...patch, transactionId: undefined, ...(failure ? { failure } : {}) }, false, unheld, attempting);
  }

  /**
   * Keeps Singapay's word on `record` (as it was sent) that the store could not take, to be written by
   * `settleKept`; `tried` is the version its write was last tried on (the record as sent unless a
   * conflict made it read a later one).
   */
  keep(
    record: SingapayPaymentRecord,
    patch: SingapayRecordPatch,
    options: { dropHeldTransaction: boolean; announce: boolean; tried?: SingapayPaymentRecord },
  ): void {
    this.kept.delete(record.key);
    if (this.kept.size >= SINGAPAY_KEPT_OUTCOMES_MAX) this.giveUpKept(this.kept.keys().next().value!, 'too many kept');
    const { tried = record, ...rest } = options;
    this.kept.set(record.key, { patch, ...rest, sent: record, tried });
    // A send that ends while the module stops: nothing here will write it, and the stop's own list is said already.
    if (this.stopped) this.logger.error(this.unwrittenMessage([record.key]));
  }

  /** Drops the word kept for `key`, saying so: Singapay's answer then lives only in its record, as the store holds it. */
  giveUpKept(key: string, why: string): void {
    if (!this.kept.delete(key)) return;
    this.logger.error(
      `pay key=${hashIdempotencyKey(key)} outcome kept for the store given up (${why}): check it in the Singapay dashboard`,
    );
  }

  /** Whether a word is kept for `key`, still to be written. */
  hasKept(key: string): boolean {
    return this.kept.has(key);
  }

  /**
   * Writes the outcome kept for `record`'s payment, if any. Undefined when nothing was kept for this
   * very payment (a key used again after its record went is another one), or when the record had
   * taken another transaction or moved to a state the kept word may not replace (it knows more: the
   * kept word is dropped). `written: false` while the store still fails: the kept word stays, and
   * `record` is the one read with it applied, what this process says but never a base to write on.
   */
  async settleKept(record: SingapayPaymentRecord): Promise<SingapayKeptSettlement | undefined> {
    const kept = this.kept.get(record.key);
    if (!kept) return undefined;
    if (kept.sent.createdAt !== record.createdAt || kept.sent.requestHash !== record.requestHash) {
      this.giveUpKept(record.key, 'its key now holds another payment');
      return undefined;
    }
    // One write of a kept word at a time: a second would find the first's answer on the record and announce
    // its move again. It gets the first one's result, with its move announced by the first only.
    if (kept.writing) {
      const first = await kept.writing;
      return first?.written ? { record: first.record, written: true } : first;
    }
    kept.writing = this.writeKept(record, kept).finally(() => (kept.writing = undefined));
    return kept.writing;
  }

  private async writeKept(record: SingapayPaymentRecord, kept: SingapayKeptOutcome): Promise<SingapayKeptSettlement | undefined> {
    const { patch, sent, tried } = kept;
    const named = patch.transactionId;
    // A write of it that landed before, its answer lost, made the move: nothing to write again (a second write would
    // put back the watch of a PLN token found since). The move it made, from the version it was tried on, is announced.
    const landed = (current: SingapayPaymentRecord) => current.state === patch.state && holdsAnswer(current, patch, sent);
    // An uncertain answer only adds Singapay's code and transaction to a record still in doubt: a lookup that learned more wins.
    const inDoubt = (current: SingapayPaymentRecord) =>
      patch.state !== 'unknown' || current.state === 'sending' || current.state === 'unknown';
    const open = (current: SingapayPaymentRecord) =>
      (current.transactionId === undefined || current.transactionId === named) && !landed(current) && inDoubt(current);
    let moved: { before: SingapayPaymentRecord; after: SingapayPaymentRecord } | undefined;
    let attempt = tried;
    let latest: SingapayPaymentRecord | undefined;
    let refusalOnRefund: SingapayPaymentRecord | undefined;
    try {
      moved = await this.recordOutcome(record, patch, kept.dropHeldTransaction, open, (base) => (attempt = base));
      if (!moved) latest = landed(record) ? record : await this.get(record.key, 'after_send');
      if (latest && !landed(latest)) refusalOnRefund = await this.writeRefusalOnRefund(latest, patch);
    } catch {
      // This write may have landed too: on the version it was tried on, unless one of before had landed already.
      if (!holdsAnswer(attempt, patch, sent)) kept.tried = attempt;
      return { record: applyPatch(record, patch, this.now()), written: false };
    }
    if (this.kept.get(record.key) === kept) this.kept.delete(record.key);
    if (moved) {
      const before = holdsAnswer(moved.before, patch, sent) ? tried : moved.before;
      return { record: moved.after, written: true, ...(kept.announce ? { announced: [before, moved.after] } : {}) };
    }
    if (latest && landed(latest)) {
      // Written as it landed: without a transaction another payment holds, when recordOutcome had to drop it.
      const wrote = latest.transactionId === named ? patch : { ...patch, transactionId: undefined, failure: latest.failure ?? null };
      const announced = [tried, applyPatch(tried, wrote, this.now())] as const;
      return { record: latest, written: true, ...(kept.announce ? { announced } : {}) };
    }
    if (refusalOnRefund) return { record: refusalOnRefund, written: true };
    // The record knows more (a later final state, another transaction): Singapay's word here is not written.
    this.logger.warn(
      `pay key=${hashIdempotencyKey(record.key)} outcome kept for the store not written: the record is ${latest?.state ?? 'gone'}${latest?.transactionId ? ` with transaction ${latest.transactionId}` : ''}`,
    );
    return undefined;
  }

  /**
   * A refusal kept here, over a refund of its transaction that another replica wrote meanwhile with no
   * failure (a lookup does not know of the refusal): the refund is the refusal's, so the record carries
   * it, as it would had the refusal been written first (`failureAfter`), and is not a refund owed.
   * The record written, if any; a store failure is thrown, the refusal staying kept.
   */
  private async writeRefusalOnRefund(current: SingapayPaymentRecord, patch: SingapayRecordPatch) {
    const { failure } = patch;
    const refundOf = (r: SingapayPaymentRecord) =>
      isRefundOwed(r) && r.transactionId !== undefined && r.transactionId === patch.transactionId;
    if (patch.state !== 'failed' || !failure || !isReportedFailure(failure) || !refundOf(current)) return undefined;
    return this.transition(current, { failure }, true, refundOf);
  }

  /** Kept words a stopping process never wrote are said, so that someone looks those payments up. */
  onModuleDestroy(): void {
    this.stopped = true;
    if (this.kept.size > 0) this.logger.error(this.unwrittenMessage([...this.kept.keys()]));
  }

  private unwrittenMessage(keys: string[]): string {
    const shown = keys.slice(0, 20).map(hashIdempotencyKey);
    return (
      `${keys.length} payment outcome(s) kept for the store were never written (key=${shown.join(',')}${keys.length > 20 ? ',…' : ''}): ` +
      'their records stay in doubt until getPayment(), a callback or the sweep looks them up'
    );
  }

  /** Whether the store can lose records behind the module's back, and checks for it (`checkIntegrity`). */
  get canLoseRecords(): boolean {
    return typeof this.store.checkIntegrity === 'function';
  }

  /**
   * Whether the store still holds every record written to it; a store that cannot lose any is intact
   * once it answers a read (of a key no payment uses). Throws the store's error when it cannot be
   * reached: every payment is refused then, and a health check must say so.
   */
  async checkIntegrity(): Promise<SingapayPaymentStoreIntegrity> {
    try {
      if (this.store.checkIntegrity) return await this.store.checkIntegrity();
      await this.store.get(SINGAPAY_STORE_PROBE_KEY);
      return { intact: true };
    } catch (error) {
      throw showableStoreError(error, 'check its records');
    }
  }

  /** Lifts a stop after the store lost records (an operator's decision; see `SingapayService.resumePayments`). */
  async resumeAfterLoss(): Promise<void> {
    if (!this.store.resumeAfterLoss) throw new Error('this payment store cannot lose records, so there is nothing to resume');
    await this.store.resumeAfterLoss().catch((error: unknown) => {
      throw showableStoreError(error, 'resume payments');
    });
    this.logger.warn('payments resumed after the payment store lost records: an operator said the affected orders were checked');
  }

  private seen<T extends SingapayPaymentRecord | undefined>(record: T): T {
    this.unknown?.seen(record);
    return record;
  }

  private async guard<T>(what: string, phase: SingapayStorePhase, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof SingapayException) throw error;
      // The store logged the loss once when it noticed it; every refusal after that says so itself.
      if (error instanceof SingapayPaymentStoreLostError) throw SingapayPaymentStoreException.lost(error, phase);
      this.logger.error(`payment store could not ${what}: ${(error as Error)?.name ?? 'error'}`);
      throw SingapayPaymentStoreException.unavailable(what, phase);
    }
  }
}
