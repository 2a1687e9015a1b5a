import type { SingapayListedTransaction } from '../biller/singapay-biller.types.js';
import type { SingapayCommand } from '../contract/singapay-api.contract.js';
import type { SingapayExceptionType } from '../errors/singapay.exception.js';

/**
 * Where a payment stands, as far as this module knows.
 * - `sending`: claimed; the request may be on its way.
 * - `pending`: Singapay accepted it (`01`); it settles later.
 * - `unknown`: it may have reached Singapay and no trustworthy answer came; it is being looked up.
 * - `success`, `failed`, `refunded`: final.
 */
export type SingapayPaymentState = 'sending' | 'pending' | 'unknown' | 'success' | 'failed' | 'refunded';

export const SINGAPAY_FINAL_PAYMENT_STATES: readonly SingapayPaymentState[] = ['success', 'failed', 'refunded'];

/** Why a payment is `failed`. */
export type SingapayPaymentFailureReason =
  /**
   * Singapay refused it with a definitive code; no money moved, unless the answer named the
   * transaction it created (kept in `transactionId`): then the price may have been drawn, and
   * the transaction's refund moves the record to `refunded`.
   */
  | 'rejected'
  /** Provably never sent (no connection, no token); the same key may be paid again. */
  | 'not_sent'
  /** The transaction exists and Singapay marked it failed. */
  | 'transaction_failed'
  /**
   * Complete searches long enough after sending found no such transaction. An inference,
   * not Singapay's word: the record stays under review (`watchUntil`) and a later word wins.
   */
  | 'not_found';

export interface SingapayPaymentFailure {
  reason: SingapayPaymentFailureReason;
  /** Response code, when Singapay sent one. */
  code: string | null;
  type: SingapayExceptionType;
  httpStatus: number;
  message: string;
}

/** What Singapay said about the transaction, in our camelCase form. */
export interface SingapayPaymentOutcome {
  transactionId: string;
  amount?: number;
  price?: number;
  customerName?: string;
  period?: string;
  /** PLN token, once Singapay delivered it. */
  token?: string;
  /** When Singapay created the transaction, ISO 8601 with the WIB offset. */
  createdAt?: string;
  /** Singapay's answer to the payment, as sent. */
  raw?: Record<string, unknown>;
}

/** A transaction as a payment record keeps it: Singapay's reading of it, without the answer it came in. */
export type SingapayPaymentEvidence = SingapayListedTransaction;

/** One payment attempt per idempotency key, as kept in the `SingapayPaymentStore`. */
export interface SingapayPaymentRecord {
  key: string;
  /** SHA-256 of the request's identity (command, product, customer, reference). */
  requestHash: string;
  command: SingapayCommand;
  productCode: string;
  customerId: string;
  referenceNumber?: string;
  state: SingapayPaymentState;
  /** Last response code seen for it. */
  responseCode?: string;
  transactionId?: string;
  outcome?: SingapayPaymentOutcome;
  /**
   * Why it failed. A `refunded` payment keeps the failure Singapay reported before the refund
   * (`rejected` or `transaction_failed`), if there was one: it failed first, and the refund only
   * gives the deposit its money back; a refund without it is one the customer is owed.
   */
  failure?: SingapayPaymentFailure;
  /** Requests that may have left for Singapay (0 while never sent). */
  sendCount: number;
  /** Lookups made to resolve it. */
  lookups: number;
  createdAt: number;
  sentAt?: number;
  updatedAt: number;
  settledAt?: number;
  /**
   * A final record still looked after until then (epoch ms): a `not_found` failure (Singapay
   * may yet report it) or a PLN token payment whose token has not arrived. Cleared when the
   * doubt is settled or the time is up; stores list such records as unsettled.
   */
  watchUntil?: number;
  /** When the next follow-up lookup of a watched record is due (epoch ms); backs off. */
  nextCheckAt?: number;
  /**
   * A transaction Singapay confirmed (a callback, then a lookup of its id) that only this payment
   * could hold, while the payment held none: kept here so that a restart keeps it, and weighed
   * when the payment is resolved, with whatever Singapay's list shows, or alone when the list
   * cannot be read. Cleared when the payment takes a transaction.
   */
  evidence?: SingapayPaymentEvidence;
  /**
   * Set when callbacks offered two different transactions that only this payment could hold: which is
   * its own cannot be told, so neither is weighed alone (the evidence goes) and the payment is left to
   * its lookups, where Singapay's list shows both and no guess is made.
   */
  evidenceContested?: true;
  /**
   * Who sends it (an id unique to the claim), and until when that claim holds
   * (epoch ms); after it, others resolve instead of waiting.
   */
  owner?: string;
  leaseUntil?: number;
  /** Bumped on every write; stores use it for compare-and-set. */
  version: number;
}

export function isFinalPaymentState(state: SingapayPaymentState): boolean {
  return SINGAPAY_FINAL_PAYMENT_STATES.includes(state);
}

/**
 * Whether a record needs no more looking after. Stores keep every other record in
 * their unsettled index (`listUnsettled`), which the sweep and callbacks read;
 * every store must decide it with this one function.
 */
export function isSettledPaymentRecord(record: Pick<SingapayPaymentRecord, 'state' | 'watchUntil'>): boolean {
  return isFinalPaymentState(record.state) && record.watchUntil === undefined;
}
