import type { SingapaySimulatorFaultKind } from './simulator-faults.js';
import type { SimulatorCommand, SimulatorTransactionStatus } from './simulator-api-docs.js';

/* What the simulator reports about itself: counters and the ledger of applied payments. */

export interface SingapaySimulatorStats {
  /** Requests to the token path, failed ones included. */
  tokenRequests: number;
  /** Tokens handed out. */
  tokensIssued: number;
  /** Requests per URL path, including unknown paths and rejected requests. */
  requests: Readonly<Record<string, number>>;
  /** Authenticated payment requests with a JSON body, whatever their outcome. */
  paymentsReceived: number;
  /** Same, per `data.reference_number` sent. */
  paymentsByReference: Readonly<Record<string, number>>;
  /** Same, per `data.customer_id` sent. */
  paymentsByCustomer: Readonly<Record<string, number>>;
  transactions: number;
  balance: number;
  callbacks: { attempts: number; delivered: number; abandoned: number };
  /** Requests to the control interface under `/__simulator`; they are not in `requests`. */
  controlRequests: number;
  /** Requests faulted by `faults` rules, in all and per kind (faulted requests also count in `requests`). */
  faults: { injected: number; byKind: Partial<Record<SingapaySimulatorFaultKind, number>> };
}

/** One payment the simulator applied: a transaction exists and its price was drawn. */
export interface SingapaySimulatorLedgerEntry {
  transactionId: string;
  referenceNumber: string;
  customerId: string;
  productCode: string;
  command: SimulatorCommand;
  /** Where it is now: `success`, `pending`, `failed` or `refunded` (a refunded one was applied, then paid back). */
  status: SimulatorTransactionStatus;
  amount: number;
  price: number;
  /** Epoch ms on the simulator's clock. */
  createdAt: number;
}

/**
 * Payments applied, as opposed to received (`stats().paymentsReceived`): a
 * payment whose answer was lost (`resetAfterApply`, `hang` with apply, ...)
 * is here; one refused, or dropped before processing, is not.
 */
export interface SingapaySimulatorLedger {
  /** Oldest first, in the order they were applied. */
  transactions: SingapaySimulatorLedgerEntry[];
  /** Number of transactions. */
  applied: number;
  /** Transactions per `reference_number` (more than 1 would be a double payment). */
  appliedByReference: Record<string, number>;
  /** Transactions per `customer_id`. */
  appliedByCustomer: Record<string, number>;
  /** Deposit balance now, in whole rupiah. */
  balance: number;
}
