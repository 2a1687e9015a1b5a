import type { SingapayCommand } from '../contract/singapay-api.contract.js';
import type { SingapayPaymentFailure, SingapayPaymentState } from './singapay-payment-record.js';

/** A payment as `getPayment()` shows it. Times are ISO-8601. */
export interface SingapayPayment {
  idempotencyKey: string;
  state: SingapayPaymentState;
  command: SingapayCommand;
  productCode: string;
  customerId: string;
  referenceNumber?: string;
  transactionId?: string;
  responseCode?: string;
  amount?: number;
  price?: number;
  customerName?: string;
  period?: string;
  /** PLN token, once Singapay delivered it. */
  token?: string;
  failure?: SingapayPaymentFailure;
  /** Requests that may have reached Singapay: 0 or 1, never more. */
  sendCount: number;
  createdAt: string;
  updatedAt: string;
  settledAt?: string;
}

/** How a settlement was learned. */
export type SingapaySettlementSource = 'payment' | 'lookup' | 'callback' | 'reconciler';

/** A payment reached a final state. Announced once per process per transition. */
export interface SingapayPaymentSettlement {
  /** `undefined` for a transaction this module has no record of (paid elsewhere, or records expired). */
  idempotencyKey?: string;
  transactionId?: string;
  status: 'success' | 'failed' | 'refunded';
  via: SingapaySettlementSource;
  payment?: SingapayPayment;
}

export interface SingapayWaitOptions {
  /**
   * Give up waiting after this long and return the current state.
   * @default 60000
   */
  timeoutMs?: number;
  /**
   * Pause between two lookups at Singapay.
   * @default 1000
   */
  pollIntervalMs?: number;
  signal?: AbortSignal;
}
