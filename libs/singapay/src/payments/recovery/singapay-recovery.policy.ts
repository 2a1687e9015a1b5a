import { Inject, Injectable } from '@nestjs/common';
import { singapayWibDay } from '../../biller/singapay-time.js';
import type { SingapayResolvedOptions } from '../../config/singapay-options.validation.js';
import { singapayResponseCodeInfo } from '../../errors/singapay-response-codes.js';
import { SINGAPAY_RESOLVED_OPTIONS } from '../../singapay.constants.js';
import type { SingapayPaymentEvidence, SingapayPaymentRecord } from '../singapay-payment-record.js';
import { isAwaitingToken, isNotFoundFailure } from '../singapay-payment.state.js';
import { transactionDistance, type SingapayMatchableTransaction } from './singapay-payment.matcher.js';

/** The recovery's own settings, which are not options of the module. */
export const SINGAPAY_RECOVERY_DEFAULTS = {
  /**
   * How long this process keeps looking a late PLN token up by itself (30 minutes); the sweep,
   * `getPayment()` and callbacks carry on until the review window closes.
   */
  tokenChaseMs: 30 * 60_000,
  /** When the first follow-up of a record put under review comes; the wait doubles with each lookup up to `followUpMaxMs`. */
  followUpFirstMs: 2_000,
  followUpMaxMs: 300_000,
  /** List pages a search for a lost payment reads at most: a longer list leaves it incomplete, which never proves a payment missing. */
  searchMaxPages: 200,
  /**
   * How often a process checks a store that can lose records (a Redis ledger) by itself. A rollback is
   * noticed only by a process whose own writes it lost; one that writes rarely would otherwise leave
   * the others paying lost keys again until its next write.
   */
  integrityCheckMs: 5_000,
} as const;

type SingapayRecoveryModuleOptions = Pick<SingapayResolvedOptions, 'paymentNotFoundAfterMs' | 'paymentReviewMs' | 'clockSkewToleranceMs'>;

/** What the policy decides by: its own settings, and three options of the module under their own names. */
export type SingapayRecoveryOptions = Record<keyof typeof SINGAPAY_RECOVERY_DEFAULTS, number> & SingapayRecoveryModuleOptions;

/**
 * Who asks whether a record is due for a lookup:
 * - `pay`: the same key paid again;
 * - `read`: `getPayment()` (a caller waiting for an answer);
 * - `sweep`: the sweep, and the token chase, which keep records under review on their backoff.
 */
export type SingapayLookupTrigger = 'pay' | 'read' | 'sweep';

const DAY_MS = 86_400_000;

/**
 * The rules for a payment in doubt, in one place: when a record is due for a lookup, when "not
 * found" may be concluded, how long an inference stays under review, how follow-ups back off,
 * how long a late PLN token is chased and how far a search reads. No I/O: every answer is a pure
 * function of the record, the time and the options.
 */
@Injectable()
export class SingapayRecoveryPolicy {
  readonly options: SingapayRecoveryOptions;

  constructor(@Inject(SINGAPAY_RESOLVED_OPTIONS) resolved: SingapayRecoveryModuleOptions) {
    const { paymentNotFoundAfterMs, paymentReviewMs, clockSkewToleranceMs } = resolved;
    this.options = { ...SINGAPAY_RECOVERY_DEFAULTS, paymentNotFoundAfterMs, paymentReviewMs, clockSkewToleranceMs };
  }

  /**
   * Whether `trigger` should look the record up now. A record being sent is left to its sender
   * until its claim runs out; pending and unknown ones are always due; a final record only while
   * it is watched, on its backoff, except that a caller reading a payment whose PLN token is late
   * gets a lookup at once (one cheap detail request) and one paying again gets the success as it
   * stands. The sweep also takes a watched record nothing is left to learn of, to end its watch.
   */
  isDueForLookup(record: SingapayPaymentRecord, now: number, trigger: SingapayLookupTrigger): boolean {
    if (record.state === 'sending') return (record.leaseUntil ?? 0) <= now;
    if (record.state === 'pending' || record.state === 'unknown') return true;
    if (record.watchUntil === undefined) return false;
    const reason = this.watchReason(record);
    if (reason === undefined) return trigger === 'sweep';
    if (reason === 'token' && trigger !== 'sweep') return trigger === 'read';
    return (record.nextCheckAt ?? 0) <= now || (trigger === 'sweep' && record.watchUntil <= now);
  }

  /**
   * Why a final record is still watched: a PLN token not yet issued, or a "not found" Singapay may
   * still overturn; undefined when nothing is left to learn of it.
   */
  watchReason(record: SingapayPaymentRecord): 'token' | 'not_found' | undefined {
    if (record.watchUntil === undefined) return undefined;
    if (isAwaitingToken(record)) return 'token';
    if (isNotFoundFailure(record)) return 'not_found';
    return undefined;
  }

  /** Whether the watch of a final record is over: its time is up, or nothing is left to learn. */
  watchIsOver(record: SingapayPaymentRecord, now: number): boolean {
    return record.watchUntil !== undefined && (this.watchReason(record) === undefined || now >= record.watchUntil);
  }

  /**
   * Whether the last code Singapay gave says the transaction exists: 51, or a 00 / 01 whose
   * answer could not be read. Such a payment is never concluded missing.
   */
  singapaySaidApplied(record: Pick<SingapayPaymentRecord, 'responseCode'>): boolean {
    if (record.responseCode === undefined) return false;
    const outcome = singapayResponseCodeInfo(record.responseCode).paymentOutcome;
    return outcome === 'applied' || outcome === 'success' || outcome === 'pending';
  }

  /** Whether Singapay's word of a transaction settles a payment without a list that shows it: a success or a pending one. */
  settlesUnlisted(tx: Pick<SingapayPaymentEvidence, 'status'>): boolean {
    return tx.status === 'success' || tx.status === 'pending';
  }

  /**
   * Whether a payment may take the transaction its search matched, in a search that began at `searchedAt`.
   * A success or a pending one at once. A refusal or a refund from a complete list that shows it (`listed`
   * and `complete`), or, once the not-found horizon has passed since the last send, from a list read in part
   * that shows it or a complete one that shows no transaction of the payment but it (a callback's word): before
   * that it may be an earlier refused payment's of the reference or product (made within
   * the clock skew of this send, its refusal naming no transaction), and only a full list shows the payment's
   * own beside it; taken, it would read as this payment's failure while its own went through. After it, a
   * list that stays partial (a server that ignores paging) will not show more. A callback's word with no list
   * read in full beside it never settles a refusal: it waits for a list that can be read.
   */
  mayTakeMatch(
    record: SingapayPaymentRecord,
    match: Pick<SingapayPaymentEvidence, 'status'>,
    seen: { listed: boolean; complete: boolean },
    searchedAt: number,
  ): boolean {
    if (this.settlesUnlisted(match) || (seen.listed && seen.complete)) return true;
    if (!seen.listed && !seen.complete) return false;
    return searchedAt >= (record.sentAt ?? record.createdAt) + this.options.paymentNotFoundAfterMs;
  }

  /**
   * Whether an unknown payment may be concluded `failed` (`not_found`) after a search that
   * began at `searchedAt`, read every page without a failure and found nothing: Singapay
   * never said it exists, and that search began after the horizon. A partial search (a
   * page missing, the page limit reached) proves nothing and is never passed here.
   */
  mayConcludeNotFound(record: SingapayPaymentRecord, searchedAt: number): boolean {
    // Two transactions Singapay confirmed by callback contest it: something exists, whatever a list shows.
    if (record.state !== 'unknown' || this.singapaySaidApplied(record) || record.evidenceContested) return false;
    return searchedAt >= (record.sentAt ?? record.createdAt) + this.options.paymentNotFoundAfterMs;
  }

  /**
   * A payment still looking for its transaction, so that evidence from elsewhere (a callback's
   * transaction) is offered to it: being sent (its answer may yet be lost), unknown, or
   * concluded not found, and holding no transaction.
   */
  isOpenToEvidence(record: SingapayPaymentRecord): boolean {
    return !record.transactionId && (record.state === 'sending' || record.state === 'unknown' || isNotFoundFailure(record));
  }

  /** Whether `tx` could be the transaction of `record`, a payment still looking for its own (the matcher's rule). */
  couldHold(record: SingapayPaymentRecord, tx: SingapayMatchableTransaction): boolean {
    return this.isOpenToEvidence(record) && transactionDistance(record, tx, this.options.clockSkewToleranceMs) !== undefined;
  }

  /** The watch a record is put under (or keeps): until the review window closes, next looked at on its backoff. */
  watch(record: Pick<SingapayPaymentRecord, 'lookups' | 'watchUntil'>, now: number): { watchUntil: number; nextCheckAt: number } {
    return { watchUntil: record.watchUntil ?? now + this.options.paymentReviewMs, nextCheckAt: this.nextFollowUpAt(record, now) };
  }

  /** When a watched record is next looked up: doubling from `followUpFirstMs` to at most `followUpMaxMs`. */
  nextFollowUpAt(record: Pick<SingapayPaymentRecord, 'lookups'>, now: number): number {
    const { followUpFirstMs, followUpMaxMs } = this.options;
    return now + Math.min(followUpMaxMs, followUpFirstMs * 2 ** Math.min(record.lookups, 16));
  }

  /** Whether this process goes on chasing a late PLN token it began chasing at `startedAt`. */
  keepsChasingToken(record: SingapayPaymentRecord, startedAt: number, now: number): boolean {
    return this.watchReason(record) === 'token' && now - startedAt < this.options.tokenChaseMs;
  }

  /**
   * The list days a search for a lost payment reads: from a day before it was first sent (less
   * the skew) to a day after now. The list filters on days of a zone it does not document; a day
   * either side covers UTC and WIB.
   */
  searchDays(record: Pick<SingapayPaymentRecord, 'createdAt'>, now: number): { startDate: string; endDate: string } {
    return {
      startDate: singapayWibDay(record.createdAt - this.options.clockSkewToleranceMs - DAY_MS),
      endDate: singapayWibDay(now + DAY_MS),
    };
  }
}
