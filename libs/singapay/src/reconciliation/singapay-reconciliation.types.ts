import type { SingapayListedTransaction, SingapayTransactionList } from '../biller/singapay-biller.types.js';
import type { SingapayPaymentFailureReason } from '../payments/singapay-payment-record.js';
import type { SingapayPayment } from '../payments/singapay-payment.types.js';

/*
 * The daily reconciliation report (`SingapayService.reconcileDay`, `singapay reconcile`):
 * the payment records of one WIB day against Singapay's transaction list. Amounts are
 * integer rupiah; times ISO 8601 with the WIB offset, as everywhere in this module.
 */

/**
 * What a row of the report found.
 * - `matched`: both sides agree on state, amount and price.
 * - `singapay_only`: Singapay has the transaction, no local record holds it.
 * - `local_only`: a local record Singapay has no transaction for (expected for a `failed` one).
 * - `state_differs`: paired, but the local state is not Singapay's status.
 * - `amount_differs`: paired, same state, but the amount or price the module recorded is not Singapay's.
 * - `unverified`: the other side could not be read in full (an incomplete list, a failed lookup),
 *   so the report cannot say whether it has a counterpart. Never read it as "missing".
 */
export type SingapayReconciliationCategory = 'matched' | 'singapay_only' | 'local_only' | 'state_differs' | 'amount_differs' | 'unverified';

/** One field the two sides disagree on. */
export interface SingapayReconciliationDifference {
  field: 'state' | 'amount' | 'price';
  local: string | number;
  singapay: string | number;
}

/**
 * The local record of a row, as `getPayment()` shows it: `transactionId` is absent while its
 * answer is lost (or it never left), `amount` and `price` (what the customer pays) come from
 * Singapay's answer to the payment and are absent when no answer was read, and `createdAt` is
 * when the record was made, just before sending.
 */
export interface SingapayReconciliationLocal extends Pick<
  SingapayPayment,
  | 'idempotencyKey'
  | 'state'
  | 'command'
  | 'productCode'
  | 'customerId'
  | 'referenceNumber'
  | 'transactionId'
  | 'amount'
  | 'price'
  | 'createdAt'
> {
  /** Why it failed, for a `failed` record, and for a `refunded` one that failed first (by Singapay's word). */
  failureReason?: SingapayPaymentFailureReason;
}

/** Singapay's transaction of a row, as its list (or detail) gives it: `netPrice` is what the deposit is charged, `createdAt` when Singapay created it. */
export interface SingapayReconciliationTransaction extends Pick<
  SingapayListedTransaction,
  'transactionId' | 'referenceNumber' | 'customerId' | 'status' | 'amount' | 'price' | 'netPrice' | 'createdAt'
> {
  productCode: string;
}

/** One line of the report: a pair, or one side alone. */
export interface SingapayReconciliationRow {
  category: SingapayReconciliationCategory;
  /**
   * Whether a person should look at it: the sides disagree (state, amount or price), a
   * record whose state says money moved (`success`, `pending`, `unknown`, `refunded`, a
   * `sending` that left) has no transaction (or could not be checked), or Singapay has a
   * `success`/`pending` transaction without a record. `false` for matches, for `failed`
   * records without a transaction (nothing was charged), for Singapay's failed or refunded
   * transactions without a record, and for rows both sides still have in flight (pending).
   */
  needsAttention: boolean;
  /** How the sides were paired: the transaction id the record holds, or the reference number (a record whose answer was lost). */
  pairedBy?: 'transaction_id' | 'reference_number';
  /** Where the transaction was read: the list, or a detail lookup (a record's transaction the list did not show). */
  foundIn?: 'list' | 'detail';
  local?: SingapayReconciliationLocal;
  singapay?: SingapayReconciliationTransaction;
  /** What differs, for `state_differs` and `amount_differs` (a state row lists amounts too when they differ). */
  differences: SingapayReconciliationDifference[];
  /** The two sides fall on different WIB days (a pair across midnight): the row belongs to the local record's day. */
  crossesMidnight: boolean;
  /** One sentence for a person: what it means and what to do. */
  note: string;
}

/** Count and sums of one product code and status (or local state). */
export interface SingapayReconciliationTotal {
  productCode: string;
  /** Singapay's status, or the local record's state. */
  status: string;
  count: number;
  /** Sum of `price`: Singapay's, or the one the module recorded from the payment's answer (0 when none was read). */
  price: number;
  /**
   * Sum of `net_price`, what the deposit was charged: Singapay's side only. Singapay's answer to a
   * payment carries no net price, so the local side has none to add up.
   */
  netPrice?: number;
}

/** The totals finance checks, for one side. */
export interface SingapayReconciliationTotals {
  /** By product code, then status; sorted by both. */
  byProductAndStatus: SingapayReconciliationTotal[];
  /**
   * The money that moved: every row of the side whose status drew on the deposit and kept it
   * (`success`, `pending`; `productCode` and `status` are `*`). Failed rows drew nothing, and
   * refunded ones gave it back: they are not in it.
   */
  all: SingapayReconciliationTotal;
  /** The refunded rows of the side together (`productCode` `*`, `status` `refunded`): paid, then given back. */
  refunded: SingapayReconciliationTotal;
}

/** How many rows of each kind. */
export interface SingapayReconciliationSummary {
  rows: number;
  matched: number;
  singapayOnly: number;
  localOnly: number;
  stateDiffers: number;
  amountDiffers: number;
  unverified: number;
  needsAttention: number;
}

/** The daily reconciliation of one WIB day. */
export interface SingapayReconciliationReport {
  /** The WIB day reconciled, `YYYY-MM-DD`. */
  date: string;
  /** Its first instant (`…T00:00:00.000+07:00`). */
  from: string;
  /** The first instant of the next day: the day is `[from, to)`. */
  to: string;
  generatedAt: string;
  /**
   * Both sides were read in full. When false, some rows are `unverified` and the report proves
   * nothing missing; `warnings` says why. Never act on a `false` report as if it were complete.
   */
  complete: boolean;
  /** Read these first: an incomplete list, a day not over yet, rows left to another day. */
  warnings: string[];
  /** What was asked of Singapay: list and detail calls only, nothing that moves money. */
  singapay: {
    complete: boolean;
    /**
     * The list filter sent: the day before and the day itself. The filter's zone is undocumented,
     * and a WIB day falls on those two dates whether it reads them in UTC or in WIB.
     */
    startDate: string;
    endDate: string;
    pagesRead: number;
    transactionsRead: number;
    /** Detail lookups of transactions that records hold and the list did not show. */
    detailLookups: number;
    /** Why the list is not complete: its page limit, a page that failed, or pages that held fewer rows than it counts. */
    incomplete?: SingapayTransactionList['incomplete'];
    /** What failed, when a page did: the exception's message (it never holds a secret). */
    failure?: string;
  };
  local: {
    complete: boolean;
    /** Records read: those of the day and of the day either side (for pairs across midnight). */
    recordsRead: number;
    /** Why the records were not all read: more than `maxRecords`, or a store that answered a page already read (it ignores the cursor). */
    incomplete?: 'record_limit' | 'page_repeated';
  };
  summary: SingapayReconciliationSummary;
  totals: { singapay: SingapayReconciliationTotals; local: SingapayReconciliationTotals };
  /** Sorted by time (the local record's, else the transaction's). */
  rows: SingapayReconciliationRow[];
}

/** Limits of one run of `reconcileDay`. */
export interface SingapayReconciliationOptions {
  /**
   * List pages read at most; a longer list makes the report incomplete.
   * @default what the first page's `pagination.total` needs, plus a tenth (at least 10) for a list that grows meanwhile; 200 without pagination
   */
  maxPages?: number;
  /**
   * List pages read at a time, once the first page named the last.
   * @default 4
   */
  listConcurrency?: number;
  /**
   * Told after each list page: how many pages were read, and how many the list has once its
   * first page said (with pagination). For a progress line; it must not throw.
   */
  onProgress?: (progress: { pagesRead: number; pages?: number }) => void;
  /**
   * Local records read at most (three days of them); more makes the report incomplete.
   * @default twice the transactions Singapay listed, and at least 100000
   */
  maxRecords?: number;
  /**
   * Detail lookups at most, for transactions records hold that the list did not show;
   * records beyond it are `unverified`.
   * @default 100
   */
  maxDetailLookups?: number;
}
