import type { SingapayPaymentRecord } from './singapay-payment-record.js';

/** Where a listing (`listUnsettled`, `listCreatedBetween`) resumes: the `createdAt` and `key` of the last record read. */
export interface SingapayPaymentRecordCursor {
  createdAt: number;
  key: string;
}

/*
 * The order of `SingapayPaymentStore.listCreatedBetween`: by `createdAt`, then by the
 * bytes of the key in UTF-8, which is how Redis orders members of equal score and how
 * PostgreSQL orders text under COLLATE "C". One order for every store, so that a cursor
 * means the same everywhere and a test can hold all of them to it.
 */

/** Negative when `a` comes first in `listCreatedBetween`, positive when `b` does, 0 for the same position. */
export function compareByCreation(a: SingapayPaymentRecordCursor, b: SingapayPaymentRecordCursor): number {
  return a.createdAt - b.createdAt || Buffer.compare(Buffer.from(a.key, 'utf8'), Buffer.from(b.key, 'utf8'));
}

/** Whether `record` lies in `[fromMs, toMs)` and after `after`. */
export function inCreationPage(
  record: SingapayPaymentRecordCursor,
  fromMs: number,
  toMs: number,
  after?: SingapayPaymentRecordCursor,
): boolean {
  return record.createdAt >= fromMs && record.createdAt < toMs && (after === undefined || compareByCreation(record, after) > 0);
}

/**
 * Where payment records live. Every write is compare-and-set on `version`, so
 * that exactly one caller (or replica) wins a claim or a state change. The
 * default keeps records in memory; a shared store (Redis…) makes the
 * guarantees hold across replicas.
 * @publicApi
 */
export interface SingapayPaymentStore {
  /** Creates the record unless one exists for its key; returns what is stored and whether this call created it. */
  create(record: SingapayPaymentRecord): Promise<{ created: boolean; record: SingapayPaymentRecord }>;
  /**
   * The record as last written: a read sees every `create` and `replace` that returned before it (read
   * from where writes go, not a replica or a cache that lags them).
   */
  get(key: string): Promise<SingapayPaymentRecord | undefined>;
  /**
   * Replaces the record if its stored `version` is still `expectedVersion`; the new
   * record's version must be `expectedVersion + 1`. Returns false when someone else wrote
   * first, or when the record's `transactionId` is already held by another key (atomically:
   * two payments must never claim one transaction).
   */
  replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean>;
  /** The record that holds this Singapay transaction id, if any; as fresh as `get`. */
  findByTransactionId(transactionId: string): Promise<SingapayPaymentRecord | undefined>;
  /**
   * Records not yet final (`sending`, `pending`, `unknown`), oldest first (ties in the order of
   * their keys): at most `limit` of them after `after` (the last record of the previous page) or
   * from the start. Pages resume from a record rather than an offset, so a record that settles
   * between two pages never shifts the rest: no unsettled record is skipped for a sweep.
   */
  listUnsettled(limit: number, after?: SingapayPaymentRecordCursor): Promise<SingapayPaymentRecord[]>;
  /**
   * Optional: the records of one customer not yet final, oldest first, at most `limit`. Asked
   * whenever a transaction could be one of several open payments (a callback, a lost answer); a
   * transaction is only ever a payment of its own customer. Without it, every unsettled record
   * is listed and filtered, which costs what the whole backlog costs.
   */
  listUnsettledOf?(customerId: string, limit: number): Promise<SingapayPaymentRecord[]>;
  /**
   * Optional; the daily reconciliation (`reconcileDay`) needs it. Records created in
   * `[fromMs, toMs)` (epoch ms, by `createdAt`), whatever their state, oldest first; ties
   * in the byte order of their keys (UTF-8). At most `limit` of them, after `after` (the
   * last record of the previous page) or from the start. A page shorter than `limit` is the
   * last. Pages resume from a record rather than an offset, so that a record created, pruned
   * or expired between two pages never shifts the rest: nothing is skipped or read twice.
   */
  listCreatedBetween?(fromMs: number, toMs: number, limit: number, after?: SingapayPaymentRecordCursor): Promise<SingapayPaymentRecord[]>;
  /**
   * Optional, for shared stores: the same storage with keys of one registration
   * and credential, so two Singapay accounts never see each other's records.
   */
  withNamespace?(namespace: string): SingapayPaymentStore;
  /**
   * Optional, for stores that can lose records behind the module's back (a Redis that was
   * flushed, restarted without its data, or failed over to a replica that lacked the latest
   * writes): whether every record written is still there. A store that finds it is not
   * refuses every claim and write with `SingapayPaymentStoreLostError` from then on, in
   * every process that shares it, until `resumeAfterLoss()`. The module calls it every 5 s
   * (one call at a time; its failures are the store's to log), and from health checks.
   */
  checkIntegrity?(): Promise<SingapayPaymentStoreIntegrity>;
  /**
   * Optional, with `checkIntegrity`: lifts the stop after a loss, for every process that
   * shares the store. Called by an operator (`npx singapay ledger resume`) once the orders
   * paid in the affected window have been checked, since their keys are unknown again.
   */
  resumeAfterLoss?(): Promise<void>;
  /**
   * Optional, for stores whose writes a failover can lose (a Redis primary with replicas, copied
   * asynchronously): resolves `true` once the claim just written (`create`, or a `replace` that
   * claims a record again) is held where a failover keeps it (`WAIT 1` on Redis), `false` when it
   * is not within the store's wait. The module sends a payment only after `true`; after `false` it
   * marks the claim not sent and refuses the payment with a 503, so that no replica promoted
   * without the claim can see the key as new while this one's payment is on its way.
   */
  confirmClaim?(): Promise<boolean>;
}

/** Whether a payment store still holds every record written to it. */
export type SingapayPaymentStoreIntegrity =
  | { intact: true }
  | {
      intact: false;
      /** When the loss was first noticed (ISO 8601), by any process that shares the store. */
      since: string;
      /** What was noticed, for a person; never a secret. */
      reason: string;
    };

/**
 * An error a payment store raises on purpose, whose message says what went wrong and never
 * holds a credential (so that it may be shown, as the daily report does). Stores' own
 * errors (`SingapayPostgresError`…) extend it.
 * @publicApi
 */
export class SingapayPaymentStoreError extends Error {
  constructor(
    message: string,
    /** The store's own code for it (a SQLSTATE, a socket error code…), when it has one. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SingapayPaymentStoreError';
  }
}

/**
 * A store refused a claim or a write because it has lost records: a key it no longer knows
 * may have been paid already, so nothing is sent until an operator resumes payments.
 * @publicApi
 */
export class SingapayPaymentStoreLostError extends SingapayPaymentStoreError {
  constructor(
    /** When the loss was first noticed (ISO 8601). */
    readonly since: string,
    readonly reason: string,
  ) {
    super(`the payment store lost records (${reason}; noticed ${since})`, 'lost');
    this.name = 'SingapayPaymentStoreLostError';
  }
}

/** Injection token of the `SingapayPaymentStore`. */
export const SingapayPaymentStore = Symbol('SingapayPaymentStore');
