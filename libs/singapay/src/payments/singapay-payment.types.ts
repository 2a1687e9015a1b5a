import type { SingapayPaymentOutcome, SingapayPaymentRecord } from './singapay-payment-record.js';

/** A payment as `getPayment()` shows it. Times are ISO 8601 with the WIB offset (`+07:00`). */
export interface SingapayPayment
  extends
    Pick<SingapayPaymentRecord, 'state' | 'command' | 'productCode' | 'customerId' | 'referenceNumber' | 'transactionId' | 'failure'>,
    Pick<SingapayPaymentOutcome, 'amount' | 'price' | 'customerName' | 'period' | 'token'> {
  idempotencyKey: string;
  /**
   * Where the payment stands in Singapay's codes: `00` settled (a payment answered `01` and
   * settled later reads `00`), `01` pending, `50` refunded, the failure's code when it failed
   * (none when Singapay marked the transaction failed), else the last code Singapay answered.
   * `pay()`'s result keeps the code of its own answer.
   */
  responseCode?: string;
  /** What `responseCode` means, from the code table. */
  responseText?: string;
  /** `plntok` only: paid, and the token not issued yet; it is being looked up. */
  awaitingToken?: true;
  /**
   * Until when this module keeps checking a payment that is final only by inference
   * (`not_found`), or waits for its PLN token. Absent when nothing is in doubt.
   */
  reviewUntil?: string;
  /** Requests that may have reached Singapay: 0 or 1, never more. */
  sendCount: number;
  createdAt: string;
  updatedAt: string;
  settledAt?: string;
}

/** How a settlement was learned. */
export type SingapaySettlementSource = 'payment' | 'lookup' | 'callback' | 'sweep';

/** A payment reached a final state. Announced once per process per transition. */
export interface SingapayPaymentSettlement {
  /** `undefined` for a transaction this module has no record of (paid elsewhere, or records expired). */
  idempotencyKey?: string;
  transactionId?: string;
  status: 'success' | 'failed' | 'refunded';
  via: SingapaySettlementSource;
  /** The payment as it now stands; a `refunded` one with a `failure` failed first, by Singapay's word (nothing is owed to its customer). */
  payment?: SingapayPayment;
}

/**
 * A PLN token was recorded for a payment: in the payment's own answer or, as is usual,
 * later (a lookup, a callback, the sweep). Announced once per process.
 */
export interface SingapayTokenDelivery {
  idempotencyKey: string;
  transactionId: string;
  token: string;
  via: SingapaySettlementSource;
  payment: SingapayPayment;
}

export interface SingapayWaitOptions {
  /**
   * Give up waiting after this long and return the current state (an integer from 1 to 3600000); each
   * lookup at Singapay gets what is left of it, at most the module's `timeoutMs`.
   * @default 60000
   */
  timeoutMs?: number;
  /**
   * Pause between two lookups at Singapay (an integer from 50 to 600000).
   * @default 1000
   */
  pollIntervalMs?: number;
  /** Stops the wait: the pause rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A payment Singapay accepted: `success`, or `pending` (settles later; poll or wait for the callback). */
export interface SingapayAcceptedPayment extends Pick<SingapayPaymentRecord, 'command' | 'customerId'> {
  /** The key the payment is recorded under (yours, else the reference number, else generated). */
  idempotencyKey: string;
  status: 'success' | 'pending';
  responseCode: string;
  /** Singapay's transaction id (a ULID); keep it. */
  transactionId: string;
  customerName?: string;
  amount: number;
  price: number;
  period?: string;
  /** PLN token; often absent at payment time and available later on the transaction. */
  token?: string;
  /**
   * `plntok` only: Singapay accepted the payment but has not issued the token yet. The
   * module keeps looking it up and announces it on `tokens$`; `getPayment()` shows it.
   */
  awaitingToken?: true;
  /** When Singapay created the transaction: ISO 8601 with the WIB offset. */
  createdAt: string;
  raw: Record<string, unknown>;
}

/**
 * A payment that may have reached Singapay without an answer we can trust
 * (timeout, broken connection, 5xx, unreadable answer, uncertain code), and
 * that a lookup could not settle yet. It is not an error: do not pay again;
 * follow it with `getPayment(idempotencyKey)` / `waitForPayment()`.
 */
export interface SingapayUnknownPayment extends Pick<SingapayPaymentRecord, 'command' | 'customerId'> {
  idempotencyKey: string;
  status: 'unknown';
  /** The last code Singapay sent, if any. */
  responseCode?: string;
  /** Known when the answer carried it even though the rest was unreadable. */
  transactionId?: string;
  /** Why the outcome is unknown. */
  reason: string;
}

/** What `pay()` resolves to; definitive refusals throw instead. */
export type SingapayPaymentResult = SingapayAcceptedPayment | SingapayUnknownPayment;
