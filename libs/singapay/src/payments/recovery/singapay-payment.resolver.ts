import { Inject, Injectable, Logger } from '@nestjs/common';
import { isUnknownSingapayTransaction, SingapayBillerApi } from '../../biller/singapay-biller.api.js';
import type { SingapayException } from '../../errors/singapay.exception.js';
import type { SingapayCallOptions } from '../../http/singapay-transport.js';
import { SINGAPAY_CLOCK, SINGAPAY_LOGGER_CONTEXT, type SingapayClock } from '../../singapay.constants.js';
import { dropUndefined } from '../../util/singapay-json.js';
import { hashIdempotencyKey } from '../../util/singapay-log.js';
import {
  isFinalPaymentState,
  isSettledPaymentRecord,
  type SingapayPaymentEvidence,
  type SingapayPaymentRecord,
} from '../singapay-payment-record.js';
import { SingapayPaymentEvents } from '../singapay-payment.events.js';
import { SingapayPaymentStoreException } from '../singapay-payment.exception.js';
import { SingapayPaymentLedger, type SingapayKeptSettlement } from '../singapay-payment.ledger.js';
import { SingapayPaymentInflight } from '../singapay-payment.inflight.js';
import { failureAfter, isAwaitingToken, RELEASED, SINGAPAY_FAILURES, type SingapayRecordPatch } from '../singapay-payment.state.js';
import type { SingapaySettlementSource } from '../singapay-payment.types.js';
import { findPaymentCandidate } from './singapay-payment.matcher.js';
import { SingapayRecoveryPolicy } from './singapay-recovery.policy.js';

/** What a search found: the transactions that could be the payment, and the evidence among them no list showed. */
interface SingapaySearch {
  transactions: SingapayPaymentEvidence[];
  /** The list ended without a failure and within the page limit. */
  complete: boolean;
  /** The record's evidence (a callback's transaction), when the list did not show it. */
  unlisted?: SingapayPaymentEvidence;
}

/**
 * Finds out what became of a payment by asking Singapay, never by resending it: the detail of its
 * transaction id, or else a search of the list that reads every page. Applies what Singapay says
 * (adopt); concludes "not found" only from complete searches long after sending; keeps following up
 * final records still in doubt (a `not_found` inference, a PLN token not yet issued). When is the
 * policy's to say; the engine, the sweep and callbacks only trigger it, and a second trigger on a
 * key joins the work under way on it (its send, or another lookup) instead of starting it again.
 */
@Injectable()
export class SingapayPaymentResolver {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  /** Payments said (`heldBack`) to wait for a list, so that the sweep does not say it at every pass. */
  private readonly heldBackLogged = new Set<string>();

  constructor(
    private readonly biller: SingapayBillerApi,
    private readonly ledger: SingapayPaymentLedger,
    private readonly inflight: SingapayPaymentInflight,
    private readonly events: SingapayPaymentEvents,
    private readonly policy: SingapayRecoveryPolicy,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
  ) {}

  /** Finds out what became of the payment, or joins the work on its key under way in this process. */
  resolve(record: SingapayPaymentRecord, via: SingapaySettlementSource, call?: SingapayCallOptions): Promise<SingapayPaymentRecord> {
    return this.inflight.track(record, () => this.resolveHeld(record, via, call));
  }

  /**
   * Applies what Singapay says of a transaction to the payment that holds (or is matched to) it, once the
   * work under way on its key is done: joining that work would answer with what it found, which can be
   * older than `tx` (or nothing), and `tx` would be lost.
   */
  async adopt(record: SingapayPaymentRecord, tx: SingapayPaymentEvidence, via: SingapaySettlementSource): Promise<SingapayPaymentRecord> {
    let current = record;
    for (let running = this.inflight.get(current.key); running; running = this.inflight.get(current.key)) {
      await running.catch(() => undefined);
      // Applied to the record as that work left it, so that what it announced is not announced again.
      current = (await this.ledger.get(current.key, 'after_send')) ?? current;
    }
    return this.inflight.track(current, () => this.adoptHeld(current, tx, via));
  }

  /**
   * `resolve` for the work that holds the key already (its send), which joining would wait on.
   * Lookup failures leave the record as it was, and so does a store that can be read but not
   * written (one that lost records refuses every write): the caller gets the record as read.
   * Nothing here ever sends a payment.
   */
  async resolveHeld(record: SingapayPaymentRecord, via: SingapaySettlementSource, call?: SingapayCallOptions) {
    let current = record;
    try {
      // Singapay's word kept here for a store that could not take it comes first (announced as it is written).
      const settled = await this.settleKept(current);
      // While the store still fails, the record with the kept word applied is the answer; nothing is written on it.
      if (settled && (!settled.written || isSettledPaymentRecord(settled.record))) return settled.record;
      if (settled) current = settled.record;
      if (current.state === 'sending' && current.sendCount === 0) {
        // No send counted: a claim counts its send as it is written, so this is a record from before
        // that (a sender that stopped before counting), and it never left. Only while it stays so: a
        // claim taken afresh meanwhile counts a send of its own, and is no longer "never left".
        const neverLeft = (r: SingapayPaymentRecord) => r.state === 'sending' && r.sendCount === 0;
        return (
          (await this.ledger.transition(
            current,
            { state: 'failed', failure: SINGAPAY_FAILURES.notSent(), ...RELEASED },
            false,
            neverLeft,
          )) ??
          (await this.ledger.get(record.key, 'after_send')) ??
          current
        );
      }
      if (current.state === 'sending') {
        current = (await this.ledger.transition(current, { state: 'unknown', ...RELEASED })) ?? current;
      }
      if (isFinalPaymentState(current.state)) {
        if (current.watchUntil === undefined) return current;
        // Evidence a callback left on it (or a contest of two) is weighed first: Singapay's word outlasts the watch.
        if (this.policy.watchIsOver(current, this.now()) && !current.evidence && !current.evidenceContested) {
          // The doubt is over (time is up, or nothing is left to learn): it settles for good.
          if (this.policy.watchReason(current) === 'token') {
            this.logger.warn(
              `payment key=${hashIdempotencyKey(current.key)} succeeded but Singapay issued no PLN token within the review window; look it up in the Singapay dashboard`,
            );
          }
          return (await this.ledger.transition(current, { watchUntil: null, nextCheckAt: null }, true)) ?? current;
        }
      }
      current = (await this.ledger.transition(current, { lookups: current.lookups + 1 }, true)) ?? current;
    } catch (error) {
      if (!(error instanceof SingapayPaymentStoreException)) throw error;
      this.logger.warn(`lookup key=${hashIdempotencyKey(record.key)} not written: the payment store refused it; answering from the record`);
      return current;
    }
    try {
      return await this.lookUp(current, via, call);
    } catch (error) {
      this.logger.warn(`lookup key=${hashIdempotencyKey(record.key)} failed: ${(error as SingapayException).responseType ?? 'error'}`);
      return current;
    }
  }

  /**
   * Writes Singapay's word kept for a store that could not take it (`SingapayPaymentLedger.settleKept`),
   * then a callback's word on that same transaction left on the record meanwhile (a refusal's
   * refund). The record as it now stands; undefined when nothing was kept or the record knew more.
   */
  async settleKept(record: SingapayPaymentRecord): Promise<SingapayKeptSettlement | undefined> {
    const settled = await this.writeKept(record);
    const written = settled?.written ? settled.record : undefined;
    const evidence = written?.evidence;
    if (settled && written && evidence && evidence.transactionId === written.transactionId) {
      return { ...settled, record: await this.adoptHeld(written, evidence, 'callback').catch(() => written) };
    }
    return settled;
  }

  /**
   * `SingapayPaymentLedger.settleKept`, announcing the move as its sender would have: only once
   * it is written, so that a replica that learns the same outcome by a lookup meanwhile and writes
   * it first is the only one to announce it, never both.
   */
  private async writeKept(record: SingapayPaymentRecord): Promise<SingapayKeptSettlement | undefined> {
    const settled = await this.ledger.settleKept(record);
    if (settled?.written && settled.announced) this.events.changed(...settled.announced, 'payment');
    return settled;
  }

  /** `adopt` for the work that holds the key already, which joining would wait on. */
  async adoptHeld(record: SingapayPaymentRecord, tx: SingapayPaymentEvidence, via: SingapaySettlementSource) {
    // Singapay's word kept here for a store that could not take it first (a refusal, say, whose refund this may be).
    const settled = await this.writeKept(record);
    // Not over a kept word the store has not taken yet: written first, it would be refused after this (a
    // refusal after its refund), and Singapay's word lost.
    if (settled && !settled.written) throw SingapayPaymentStoreException.unavailable('write the payment outcome kept for it', 'after_send');
    if (settled) record = settled.record;
    // A transaction's status is the state of the payment it belongs to.
    const state = tx.status;
    // Made from the version it is written over, which another writer may have moved since it was read.
    const patch = (base: SingapayPaymentRecord): SingapayRecordPatch => {
      const outcome = dropUndefined({
        ...base.outcome,
        transactionId: tx.transactionId,
        amount: base.outcome?.amount ?? tx.amount,
        price: base.outcome?.price ?? tx.price,
        token: tx.token ?? base.outcome?.token,
        createdAt: base.outcome?.createdAt ?? tx.createdAt,
      });
      const awaiting = isAwaitingToken({ state, command: base.command, outcome });
      return {
        state,
        transactionId: tx.transactionId,
        outcome,
        ...RELEASED,
        failure: failureAfter(base, state),
        evidence: null,
        evidenceContested: null,
        ...(awaiting ? this.policy.watch(base, this.now()) : { watchUntil: null, nextCheckAt: null }),
      };
    };
    const moved = await this.ledger.move(record, patch);
    if (moved) this.events.changed(moved.before, moved.after, via);
    return moved?.after ?? (await this.ledger.get(record.key, 'after_send')) ?? record;
  }

  private async lookUp(record: SingapayPaymentRecord, via: SingapaySettlementSource, call?: SingapayCallOptions) {
    const started = this.now();
    let complete: boolean;
    if (record.transactionId) {
      try {
        return await this.adoptHeld(record, await this.biller.getTransaction(record.transactionId, call), via);
      } catch (error) {
        if (!isUnknownSingapayTransaction(error)) throw error;
        // An id Singapay does not know falls under the same not-found horizon as a missing one.
        complete = true;
      }
    } else {
      const search = await this.search(record, call);
      const claimedByOther = async (txid: string) => {
        const owner = await this.ledger.findByTransactionId(txid);
        return owner !== undefined && owner.key !== record.key;
      };
      const skewMs = this.policy.options.clockSkewToleranceMs;
      const found = await findPaymentCandidate(record, search.transactions, claimedByOther, skewMs);
      const { ambiguous } = found;
      let { match } = found;
      // A refusal or refund no list shows (a callback's) never wins over a transaction the list shows of this payment.
      if (match && match === search.unlisted && !this.policy.settlesUnlisted(match)) {
        const listed = search.transactions.filter((t) => t !== search.unlisted);
        const instead = await findPaymentCandidate(record, listed, claimedByOther, skewMs);
        // Only a success or a pending one: another refusal listed may be an earlier payment's, and would skip the horizon.
        if (instead.match && this.policy.settlesUnlisted(instead.match)) match = instead.match;
      }
      // A direct purchase takes a transaction only if no other open payment could hold it too (one
      // still being sent, say): which of them it belongs to cannot be told, so none is guessed.
      const seen = { listed: match !== search.unlisted, complete: search.complete };
      const mayTake = match !== undefined && this.policy.mayTakeMatch(record, match, seen, started);
      if (match && mayTake && (record.referenceNumber || !(await this.hasRival(record, match))))
        return await this.adoptHeld(record, match, via);
      if (match && !mayTake) this.heldBack(record, match, started);
      // A match not taken, or candidates it cannot choose between, are not an absence: it stays as it is.
      complete = search.complete && !ambiguous && !match;
    }
    const now = this.now();
    if (complete && this.policy.mayConcludeNotFound(record, started)) {
      // The search speaks only of the record it began with: one another writer has given a transaction or
      // evidence (a callback, another replica's lookup) or moved on meanwhile is not concluded missing.
      const failed = await this.ledger.move(
        record,
        { state: 'failed', failure: SINGAPAY_FAILURES.notFound(record, now), ...this.policy.watch({ lookups: record.lookups }, now) },
        false,
        (current) =>
          current.transactionId === record.transactionId &&
          current.evidence?.transactionId === record.evidence?.transactionId &&
          current.evidenceContested === record.evidenceContested &&
          this.policy.mayConcludeNotFound(current, started),
      );
      if (failed) this.events.changed(failed.before, failed.after, via);
      return failed?.after ?? (await this.ledger.get(record.key, 'after_send')) ?? record;
    }
    if (record.watchUntil === undefined) return record;
    return (await this.ledger.transition(record, { nextCheckAt: this.policy.nextFollowUpAt(record, now) }, true)) ?? record;
  }

  /**
   * Says, once per payment here, that a refusal or refund Singapay gave of it waits past the not-found horizon
   * for a list that shows it: the payment stays unknown (never paid again) until one does, or someone looks.
   */
  private heldBack(record: SingapayPaymentRecord, tx: SingapayPaymentEvidence, searchedAt: number): void {
    if (searchedAt < (record.sentAt ?? record.createdAt) + this.policy.options.paymentNotFoundAfterMs) return;
    if (this.heldBackLogged.has(record.key)) return;
    if (this.heldBackLogged.size >= 10_000) this.heldBackLogged.clear();
    this.heldBackLogged.add(record.key);
    this.logger.warn(
      `payment key=${hashIdempotencyKey(record.key)}: Singapay says ${tx.status} (transaction ${tx.transactionId}) but no complete list shows it; it stays ${record.state} until one does: check it in the Singapay dashboard`,
    );
  }

  /** Whether another open payment could hold `tx` as well (a listing cut short counts as one). */
  private async hasRival(record: SingapayPaymentRecord, tx: SingapayPaymentEvidence): Promise<boolean> {
    const open = await this.ledger.listUnsettledOf(record.customerId);
    return !open.complete || open.records.some((r) => r.key !== record.key && this.policy.couldHold(r, tx));
  }

  /**
   * Transactions that could be this payment: the customer's, over the days around when
   * it was sent, every page, and the evidence a callback left on it. `complete` only when
   * the list ended without a failure and within the page limit; a search that is not
   * complete never proves anything missing. A page that failed fails the search: a partial
   * list could hide the second candidate that makes a direct purchase ambiguous.
   */
  private async search(record: SingapayPaymentRecord, call?: SingapayCallOptions): Promise<SingapaySearch> {
    const { evidence } = record;
    let search: SingapaySearch = { transactions: [], complete: false };
    try {
      const days = this.policy.searchDays(record, this.now());
      const list = await this.biller.listAllTransactions({ customerId: record.customerId, ...days }, call, {
        maxPages: this.policy.options.searchMaxPages,
      });
      if (list.error !== undefined) throw list.error;
      search = list;
    } catch (error) {
      // A list that cannot be read leaves the evidence alone to weigh (never enough to conclude "not found").
      if (!evidence) throw error;
    }
    if (!evidence || search.transactions.some((t) => t.transactionId === evidence.transactionId)) return search;
    return { transactions: [...search.transactions, evidence], complete: search.complete, unlisted: evidence };
  }
}
