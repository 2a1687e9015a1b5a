import type { SimulatorCommand, SimulatorFamily, SimulatorTransactionStatus } from './simulator-api-docs.js';
import type { SimulatorScenario } from './simulator-test-customers.js';

/** An inquiry's `reference_number` and what it promised. */
export interface SimulatorInquiry {
  referenceNumber: string;
  command: SimulatorCommand;
  productCode: string;
  customerId: string;
  customerName: string;
  amount: number;
  price: number;
  period: string | null;
  inquiredAt: number;
  expiresAt: number;
  scenario: SimulatorScenario;
  /** Set once paid: a reference pays once. */
  transactionId: string | null;
}

/** Automatic steps a transaction still has to go through, run in order after `settleDelayMs` each. */
export type SimulatorStep = 'issueToken' | 'succeed' | 'fail' | 'failForGood' | 'refund';

export interface SimulatorTransactionRecord {
  /** Creation order; breaks ties between transactions of the same millisecond. */
  sequence: number;
  transactionId: string;
  referenceNumber: string;
  command: SimulatorCommand;
  productCode: string;
  customerId: string;
  customerName: string | null;
  transactionType: SimulatorFamily;
  status: SimulatorTransactionStatus;
  amount: number;
  price: number;
  netPrice: number;
  period: string | null;
  inquiredAt: number | null;
  paidAt: number;
  createdAt: number;
  /** The PLN token once issued (plntok only); where it shows in answers is a variant. */
  token: string | null;
  steps: SimulatorStep[];
  /** Simulator time the next step is due; null when none is scheduled (done or pending for ever). */
  nextStepAt: number | null;
}

export interface SimulatorCallbackCounters {
  /** HTTP attempts, retries included. */
  attempts: number;
  /** Callbacks the receiver answered with 2xx. */
  delivered: number;
  /** Callbacks given up on after the last attempt. */
  abandoned: number;
}

/** Everything `reset()` puts back to its start. */
export class SingapaySimulatorState {
  balance: number;
  readonly inquiries = new Map<string, SimulatorInquiry>();
  readonly transactions = new Map<string, SimulatorTransactionRecord>();
  /** `productCode:customerId` of bills paid. */
  readonly paidBills = new Set<string>();
  /** Customer id → WIB day it was last used (once-per-day sandbox rule). */
  readonly customerUsage = new Map<string, string>();
  sequence = 0;

  /** Requests to the control interface under `/__simulator`, kept apart from `requestsByPath`. */
  controlRequests = 0;
  tokenRequests = 0;
  tokensIssued = 0;
  readonly requestsByPath = new Map<string, number>();
  paymentsReceived = 0;
  readonly paymentsByReference = new Map<string, number>();
  readonly paymentsByCustomer = new Map<string, number>();
  readonly callbacks: SimulatorCallbackCounters = { attempts: 0, delivered: 0, abandoned: 0 };

  constructor(initialBalance: number) {
    this.balance = initialBalance;
  }

  countRequest(path: string): void {
    this.requestsByPath.set(path, (this.requestsByPath.get(path) ?? 0) + 1);
  }

  countPayment(referenceNumber: unknown, customerId: unknown): void {
    this.paymentsReceived += 1;
    if (typeof referenceNumber === 'string' && referenceNumber !== '') {
      this.paymentsByReference.set(referenceNumber, (this.paymentsByReference.get(referenceNumber) ?? 0) + 1);
    }
    if (typeof customerId === 'string' && customerId !== '') {
      this.paymentsByCustomer.set(customerId, (this.paymentsByCustomer.get(customerId) ?? 0) + 1);
    }
  }

  addTransaction(record: Omit<SimulatorTransactionRecord, 'sequence'>): SimulatorTransactionRecord {
    this.sequence += 1;
    const stored = { ...record, sequence: this.sequence };
    this.transactions.set(stored.transactionId, stored);
    return stored;
  }

  /** Newest first, as the list endpoint orders them; sorted again only after a transaction was added. */
  transactionsNewestFirst(): SimulatorTransactionRecord[] {
    if (this.ordered?.sequence !== this.sequence) {
      const rows = [...this.transactions.values()].sort((a, b) => b.createdAt - a.createdAt || b.sequence - a.sequence);
      this.ordered = { sequence: this.sequence, rows };
    }
    return this.ordered.rows;
  }

  /**
   * The rows of a list search, newest first. The rows of the last few searches are kept until a
   * transaction is added, so that reading a day of 100,000 transactions page by page does not
   * filter the whole ledger for every page. `key` names the search; `status` filters are never
   * kept, since a settlement changes a status in place.
   */
  search(key: string | undefined, matches: (tx: SimulatorTransactionRecord) => boolean): SimulatorTransactionRecord[] {
    if (key === undefined) return this.transactionsNewestFirst().filter(matches);
    const kept = this.searches.get(key);
    if (kept && kept.sequence === this.sequence) return kept.rows;
    const rows = this.transactionsNewestFirst().filter(matches);
    if (this.searches.size >= 8) this.searches.delete(this.searches.keys().next().value!);
    this.searches.set(key, { sequence: this.sequence, rows });
    return rows;
  }

  private ordered?: { sequence: number; rows: SimulatorTransactionRecord[] };
  private readonly searches = new Map<string, { sequence: number; rows: SimulatorTransactionRecord[] }>();
}

export const billKey = (productCode: string, customerId: string): string => `${productCode}:${customerId}`;
