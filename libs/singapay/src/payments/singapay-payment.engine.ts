import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SingapayBillerApi } from '../biller/singapay-biller.api.js';
import type { SingapayPaymentParams } from '../biller/singapay-biller.types.js';
import type { SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { SingapayException } from '../errors/singapay.exception.js';
import { singapaySleep } from '../http/singapay-retry.policy.js';
import type { SingapayCallOptions } from '../http/singapay-transport.js';
import { SINGAPAY_CLOCK, SINGAPAY_LOGGER_CONTEXT, SINGAPAY_RESOLVED_OPTIONS, type SingapayClock } from '../singapay.constants.js';
import { hashIdempotencyKey } from '../util/singapay-log.js';
import { isFinalPaymentState, type SingapayPaymentEvidence, type SingapayPaymentRecord } from './singapay-payment-record.js';
import { SingapayIdempotencyConflictException, SingapayPaymentFailedException } from './singapay-payment.exception.js';
import { SingapayPaymentEvents } from './singapay-payment.events.js';
import { SingapayPaymentLedger } from './singapay-payment.ledger.js';
import { SingapayPaymentInflight } from './singapay-payment.inflight.js';
import {
  applyPatch,
  canMove,
  hashPaymentRequest,
  holdsAnswer,
  isSamePaymentRequest,
  isAwaitingToken,
  isFailedFor,
  paymentClaim,
  paymentParamsOf,
  reclaimPatch,
  type SingapayRecordPatch,
} from './singapay-payment.state.js';
import { SingapayPaymentConfirmations } from './recovery/singapay-payment.confirmations.js';
import { SingapayPaymentResolver } from './recovery/singapay-payment.resolver.js';
import { SingapayPaymentFollowUps } from './recovery/singapay-payment.follow-ups.js';
import { SingapayRecoveryPolicy } from './recovery/singapay-recovery.policy.js';
import type { SingapayPayment, SingapayPaymentResult, SingapayWaitOptions } from './singapay-payment.types.js';
import { paymentResult, paymentView } from './singapay-payment.views.js';
import { failureVerdict, receiptPatch, type SingapaySendVerdict } from './singapay-payment.verdict.js';

/** A payment request as the engine takes it: validated by the service. */
export type SingapayPaymentOrder = SingapayPaymentParams & { idempotencyKey?: string };

/**
 * The payment engine: one payment per idempotency key, recorded before it is sent,
 * never resent once any byte may have left, and resolved against Singapay when its
 * answer was lost. It claims and sends through the ledger (the store), and hands a
 * payment in doubt to the recovery (policy, resolver, token chase, confirmations);
 * per-key work in this process never runs twice.
 */

/** The least of a wait's time a lookup of `waitForPayment()` is started with. */
const WAIT_LAST_LOOKUP_MS = 100;
@Injectable()
export class SingapayPaymentEngine {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);

  /** Payments that reached a final state, however that was learned. */
  readonly settlements$: SingapayPaymentEvents['settlements$'];
  /** PLN tokens as they are recorded (often after the payment succeeded). */
  readonly tokens$: SingapayPaymentEvents['tokens$'];

  constructor(
    private readonly ledger: SingapayPaymentLedger,
    private readonly inflight: SingapayPaymentInflight,
    private readonly events: SingapayPaymentEvents,
    private readonly policy: SingapayRecoveryPolicy,
    private readonly resolver: SingapayPaymentResolver,
    private readonly followUps: SingapayPaymentFollowUps,
    private readonly confirmations: SingapayPaymentConfirmations,
    private readonly biller: SingapayBillerApi,
    @Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: SingapayResolvedOptions,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
  ) {
    this.settlements$ = events.settlements$;
    this.tokens$ = events.tokens$;
  }

  /**
   * Who makes a claim: an id of the claim's own, so that a claim found written is known as this very one
   * (a store client that ran its write twice) and never as another call's. From Node's entropy cache (a
   * fresh draw for each claim is a system call on the payment path), with the monotonic clock's nanoseconds:
   * two processes restored from one snapshot share the cache, never the instant of a claim.
   */
  private claimOwner(): string {
    return `${randomUUID()}:${process.hrtime.bigint()}`;
  }

  /** The key a payment is recorded under: the caller's, else the inquiry's reference number. */
  keyFor(req: SingapayPaymentOrder): string {
    return req.idempotencyKey ?? req.referenceNumber ?? `auto:${randomUUID()}`;
  }

  async pay(req: SingapayPaymentOrder, call?: SingapayCallOptions, key = this.keyFor(req)): Promise<SingapayPaymentResult> {
    const requestHash = hashPaymentRequest(req);
    const waitUntil = this.now() + (call?.timeoutMs ?? this.options.timeoutMs);
    const params = paymentParamsOf(req);
    // The token first: a claim counts its send, so nothing may stand between the claim and the
    // request but the request itself. A failure (or a crash) while the token is fetched leaves no
    // record that could read as "may have been sent"; a key already recorded still answers.
    let tokenError: unknown;
    const token = await this.biller.paymentToken(call).catch((error: unknown) => void (tokenError = error));
    for (;;) {
      const now = this.now();
      let record: SingapayPaymentRecord;
      if (token !== undefined) {
        const claimed = await this.ledger.create(
          paymentClaim({ key, requestHash, params, owner: this.claimOwner(), leaseUntil: now + this.leaseMs(call) }, now),
        );
        if (claimed.created)
          return this.answer(await this.inflight.track(claimed.record, () => this.send(claimed.record, params, token, call)));
        record = claimed.record;
      } else {
        // Without a token nothing can be sent: a key already recorded answers from its record; a new
        // one fails as the token did (`delivery: 'not_sent'`) and leaves no record.
        const found = await this.ledger.get(key, 'before_send');
        if (!found) throw tokenError;
        record = found;
      }
      if (!isSamePaymentRequest(record, req, requestHash)) throw SingapayIdempotencyConflictException.forRecord(record);

      if (this.inflight.get(key)) {
        const joined = await this.inflight.joinUntil(key, record, waitUntil, this.now);
        // The work ended between the two looks: the record as it left it is read again.
        if (joined) return this.answer(joined);
        continue;
      }

      const kept = await this.withKept(record);
      if (kept.answer) return this.answer(kept.answer);
      record = kept.record;

      if (isFailedFor(record, 'not_sent')) {
        if (token === undefined) throw tokenError;
        // Provably never sent: this call may send it, if it wins the record back first (counting its send in the same write).
        const reclaimed = await this.ledger.replace(
          record,
          reclaimPatch(record, this.claimOwner(), now + this.leaseMs(call), now),
          'before_send',
        );
        if (reclaimed) return this.answer(await this.inflight.track(reclaimed, () => this.send(reclaimed, params, token, call)));
        continue;
      }
      const due = this.policy.isDueForLookup(record, now, 'pay');
      if (record.state === 'sending' && !due) {
        // Someone else is sending it: wait for its outcome, but no longer than this call may take.
        if (now >= waitUntil) return this.answer(record);
        await singapaySleep(Math.min(100, Math.max(1, waitUntil - now)), call?.signal);
        continue;
      }
      if (!due) return this.answer(record);
      // Due for a lookup (a sender that died or lost its claim mid-payment among them): never resent, only looked up.
      const resolved = await this.resolver.resolve(record, 'lookup');
      // Its sender stopped before counting the send: it never left, and this call may send it.
      if (record.state === 'sending' && isFailedFor(resolved, 'not_sent')) continue;
      return this.answer(resolved);
    }
  }

  /** The recorded payment, resolved against Singapay first when it is pending, unknown or under review. */
  async getPayment(key: string, call?: SingapayCallOptions): Promise<SingapayPayment> {
    return this.read(key, this.now() + (call?.timeoutMs ?? this.options.timeoutMs), call);
  }

  /** Waits until the payment is final (and its PLN token in) or the deadline passes, and returns where it stands. */
  async waitForPayment(key: string, options: SingapayWaitOptions = {}): Promise<SingapayPayment> {
    const deadline = this.now() + (options.timeoutMs ?? 60_000);
    const interval = options.pollIntervalMs ?? 1_000;
    for (;;) {
      // Each lookup within what is left of the wait, so that the wait ends by its deadline.
      const left = Math.max(1, Math.min(this.options.timeoutMs, deadline - this.now()));
      const payment = await this.read(key, deadline, { timeoutMs: left, ...(options.signal ? { signal: options.signal } : {}) });
      // No lookup is started with less than WAIT_LAST_LOOKUP_MS of the wait left: it could only time out.
      if ((isFinalPaymentState(payment.state) && !payment.awaitingToken) || this.now() + interval + WAIT_LAST_LOOKUP_MS > deadline)
        return payment;
      await singapaySleep(interval, options.signal);
    }
  }

  /** `getPayment()`, waiting on this process's own work on the key until `waitUntil` at most. */
  private async read(key: string, waitUntil: number, call?: SingapayCallOptions): Promise<SingapayPayment> {
    for (;;) {
      const record = await this.ledger.get(key, 'after_send');
      if (!record) throw new NotFoundException('No payment is recorded under this idempotency key');
      if (this.inflight.get(key)) {
        // The sender's error is the sender's: a reader gets the payment as it was recorded when the send failed.
        // Its time is its own, as for pay() joining a send: once it is up, the record as read is the answer.
        const settled = await this.inflight.joinUntil(key, record, waitUntil, this.now).catch(() => undefined);
        if (settled) return paymentView(settled);
        continue;
      }
      const kept = await this.withKept(record);
      if (kept.answer) return paymentView(kept.answer);
      const due = this.policy.isDueForLookup(kept.record, this.now(), 'read');
      return paymentView(due ? await this.resolver.resolve(kept.record, 'lookup', call) : kept.record);
    }
  }

  /**
   * Singapay's word kept here for the store comes first (`settleKept`): the answer, unless it was written and
   * leaves the payment in doubt (a 51, a transaction id in an unreadable answer), which is then looked up as any
   * unknown payment is.
   */
  private async withKept(record: SingapayPaymentRecord): Promise<{ answer?: SingapayPaymentRecord; record: SingapayPaymentRecord }> {
    const kept = await this.resolver.settleKept(record);
    if (!kept) return { record };
    return kept.written && kept.record.state === 'unknown' ? { record: kept.record } : { answer: kept.record, record: kept.record };
  }

  /**
   * Sends a claimed payment exactly once. The claim already counts the send (it is written with
   * the access token in hand), so from the claim on everyone treats the payment as "may have been
   * sent"; a send that provably never left takes that count back.
   */
  private async send(record: SingapayPaymentRecord, params: SingapayPaymentParams, token: string, call?: SingapayCallOptions) {
    let verdict: SingapaySendVerdict;
    try {
      const receipt = await this.biller.pay(params, call, { idempotencyKey: record.key, token });
      verdict = { kind: 'accepted', patch: receiptPatch(record, receipt, this.now(), this.policy) };
    } catch (error) {
      verdict = failureVerdict(error, record.sendCount);
    }
    if (verdict.kind === 'accepted') {
      // Singapay has answered: whatever the store does now, the caller learns the truth. A record
      // that cannot be written stays "sending", and a later lookup settles it; it is never resent.
      let storeFailure: string | undefined;
      let attempted = record;
      const stored = await this.ledger
        .move(record, verdict.patch, false, undefined, (base) => (attempted = base))
        .catch((error: unknown) => {
          storeFailure = (error as Error)?.name ?? 'error';
          return undefined;
        });
      // Announced from the version written over: a callback that settled it meanwhile has announced it already.
      const outcome = stored
        ? { current: stored.after, announced: [stored.before, stored.after] as const, stored: true }
        : await this.unrecordedOutcome(record, attempted, verdict.patch, storeFailure);
      let current = outcome.current;
      if (outcome.announced) this.events.changed(outcome.announced[0], outcome.announced[1], 'payment');
      // A record the store holds only: one with the kept answer applied is no base to write on.
      if (outcome.stored && current.evidence) current = await this.weighEvidence(current, current.evidence);
      if (isAwaitingToken(current)) this.followUps.chaseToken(current);
      return current;
    }
    let tried = record;
    const moved = await this.recordFailure(record, verdict.patch, (base) => (tried = base));
    // Singapay's own word (a refusal, a refund, a 51 or a transaction id in an answer otherwise unreadable) that the
    // store could not take: no one else knows of it. Kept in this process and written later, as an accepted answer
    // is; a verdict of ours alone (no answer, or one with nothing of Singapay's in it) is left to a lookup.
    const singapaySaid =
      verdict.kind === 'uncertain' && (verdict.patch.responseCode !== undefined || verdict.patch.transactionId !== undefined);
    if (moved === null && (verdict.kind === 'rejected' || verdict.kind === 'refunded' || singapaySaid)) {
      this.keep(record, verdict.patch, { dropHeldTransaction: true, announce: verdict.kind !== 'uncertain', tried });
    }
    // A refusal is a final state like any other on settlements$ (the caller also has it as the exception), announced
    // before what evidence waiting on the record makes of it; a send that never left is not: its key may be paid again.
    if (moved && verdict.kind === 'rejected') this.events.changed(moved.before, moved.after, 'payment');
    let recorded = moved?.after;
    // A callback may have left its transaction on the record while it was being sent: weighed now, as for an accepted answer.
    if (recorded?.evidence && verdict.kind !== 'uncertain') recorded = await this.weighEvidence(recorded, recorded.evidence);
    if (verdict.kind === 'not_sent' || verdict.kind === 'rejected') throw verdict.error;
    if (verdict.kind === 'refunded') {
      if (moved) this.events.changed(moved.before, moved.after, 'payment');
      return recorded ?? applyPatch(record, verdict.patch, this.now());
    }
    const cause = verdict.error instanceof SingapayException ? verdict.error.responseType : 'error';
    this.logger.warn(`pay key=${hashIdempotencyKey(record.key)} outcome unknown (${cause}); looking it up`);
    if (!(verdict.error instanceof SingapayException)) throw verdict.error;
    // Looked up from the record as the store holds it. One made here and never written is no base to write
    // on: it has the version a callback's evidence may have taken meanwhile, and a write on it would drop it.
    const held = recorded ?? (await this.ledger.get(record.key, 'after_send').catch(() => undefined));
    return held ? this.resolver.resolveHeld(held, 'lookup') : applyPatch(record, verdict.patch, this.now());
  }

  /**
   * Keeps Singapay's word that the store could not take (`SingapayPaymentLedger.keep`), to be written
   * by whatever next works on the payment here, or by the follow-ups as soon as the store takes it;
   * announced (when `announce`) only then, so that a replica that writes it first by a lookup is the
   * only one to announce it.
   */
  private keep(record: SingapayPaymentRecord, patch: SingapayRecordPatch, options: Parameters<SingapayPaymentLedger['keep']>[2]) {
    this.ledger.keep(record, patch, options);
    this.followUps.writeKeptLater(record.key);
  }

  /**
   * Records what a failed send came to (`recordOutcome`, without a transaction another payment
   * holds): undefined when the record refused it (another writer moved it), null when the store failed.
   */
  private async recordFailure(
    record: SingapayPaymentRecord,
    patch: SingapayRecordPatch,
    attempting: (base: SingapayPaymentRecord) => void,
  ) {
    try {
      return await this.ledger.recordOutcome(record, patch, true, undefined, attempting);
    } catch {
      this.logger.error(`pay key=${hashIdempotencyKey(record.key)} failure could not be recorded; it will be looked up later`);
      return null;
    }
  }

  /**
   * A transaction a callback confirmed while this payment was being sent, now that its answer
   * came: its own transaction (Singapay's later word on it, applied), or another payment's,
   * which goes back to the confirmations to find its owner.
   */
  private async weighEvidence(record: SingapayPaymentRecord, evidence: SingapayPaymentEvidence): Promise<SingapayPaymentRecord> {
    try {
      if (evidence.transactionId === record.transactionId) return await this.resolver.adoptHeld(record, evidence, 'callback');
      // Offered on before it is cleared here, so that it is never dropped on the way.
      if ((await this.confirmations.apply(evidence, 'callback')).outcome === 'undecided') return record;
      return (await this.ledger.transition(record, { evidence: null }, true)) ?? record;
    } catch {
      // Singapay's answer is recorded already; the evidence waits on the record for the next lookup.
      return record;
    }
  }

  /**
   * An accepted answer the store did not take. Read back first: the write may have gone through
   * before the store failed to say so, or the record moved on meanwhile (a callback settled it with
   * this very transaction, say), and then it is answered as it now stands, each move announced by
   * whoever made it (`announced`: this write's own, when it landed). Otherwise the outcome is kept
   * (`keep`), and announced once written; a record holding another transaction is said loudly,
   * because records and Singapay disagree about money.
   */
  private async unrecordedOutcome(
    record: SingapayPaymentRecord,
    attempted: SingapayPaymentRecord,
    patch: SingapayRecordPatch,
    storeFailure?: string,
  ): Promise<{ current: SingapayPaymentRecord; announced?: readonly [SingapayPaymentRecord, SingapayPaymentRecord]; stored: boolean }> {
    const latest = await this.ledger.get(record.key, 'after_send').catch(() => undefined);
    if (latest && latest.transactionId === patch.transactionId) {
      // This very write landed and its answer was lost: the record holds this answer's code and body, which only
      // this send writes. It landed on the version it last tried (every earlier try was refused outright), and
      // its move is announced here from that version, however many writes came after it; theirs, by whoever wrote them.
      if (holdsAnswer(latest, patch, attempted)) {
        return { current: latest, announced: [attempted, applyPatch(attempted, patch, this.now())], stored: true };
      }
      // Another writer recorded this transaction already: kept only while this answer still moves it (pending to success).
      if (latest.state === patch.state || !canMove(latest, patch.state!)) return { current: latest, stored: true };
    }
    const key = hashIdempotencyKey(record.key);
    const held = latest?.transactionId;
    if ((held === undefined || held === patch.transactionId) && storeFailure !== undefined) {
      this.logger.error(`pay key=${key} outcome could not be recorded (${storeFailure}); kept in this process and looked up later`);
    } else {
      const failed = storeFailure === undefined ? '' : ` (${storeFailure})`;
      this.logger.error(
        `pay key=${key} answer (transaction ${String(patch.transactionId)}) could not be recorded${failed}: the record ${held === undefined ? 'refused it' : `holds transaction ${held}`}; kept in this process, check the Singapay dashboard`,
      );
    }
    this.keep(record, patch, { dropHeldTransaction: false, announce: true, tried: attempted });
    return { current: applyPatch(latest ?? record, patch, this.now()), stored: false };
  }

  /** What `pay()` gives back for a record; failed and refunded ones throw. */
  private answer(record: SingapayPaymentRecord): SingapayPaymentResult {
    const result = paymentResult(record);
    if (!result) throw SingapayPaymentFailedException.forRecord(record);
    return result;
  }

  // How long a sender's claim holds before others presume it dead. A takeover never resends,
  // it only looks the payment up, so a claim that runs out early costs a lookup, not money.
  private leaseMs(call?: SingapayCallOptions): number {
    const perRequest = call?.timeoutMs ?? this.options.timeoutMs;
    return perRequest * (this.options.retry.maxAttempts + 1) + this.options.retry.deadlineMs + 1_000;
  }
}
