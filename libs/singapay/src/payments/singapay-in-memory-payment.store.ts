import { isSettledPaymentRecord, type SingapayPaymentRecord } from './singapay-payment-record.js';
import {
  compareByCreation,
  inCreationPage,
  type SingapayPaymentRecordCursor,
  type SingapayPaymentStore,
} from './singapay-payment-store.interface.js';

/**
 * The default payment store: records in this process's memory. Records are
 * copied in and out so that callers cannot change stored state by accident.
 * Final records are kept for `retentionMs`, unsettled ones until they settle.
 */
export class SingapayInMemoryPaymentStore implements SingapayPaymentStore {
  private readonly records = new Map<string, SingapayPaymentRecord>();
  private readonly byTransaction = new Map<string, string>();
  /**
   * Keys of records not yet final, oldest first (ties by key, as `listUnsettled` pages them):
   * sweeps and callbacks read these, not every record of the last week. Records arrive in
   * creation order, so the set stays in order; only a key that comes back (a payment never sent,
   * claimed again) can land out of place, and then the next listing puts it back once.
   */
  private readonly unsettled = new Set<string>();
  private unsettledInOrder = true;
  /** The keys of `unsettled`, by customer: a callback asks for one customer's open payments. */
  private readonly unsettledByCustomer = new Map<string, Set<string>>();
  private newestUnsettled?: SingapayPaymentRecordCursor;
  private lastEviction = 0;
  /** Every key with its creation time, in `listCreatedBetween` order: a report reads a page without sorting every record. */
  private byCreation: SingapayPaymentRecordCursor[] = [];

  constructor(
    private readonly retentionMs = 7 * 24 * 3600_000,
    private readonly now: () => number = Date.now,
  ) {}

  async create(record: SingapayPaymentRecord): Promise<{ created: boolean; record: SingapayPaymentRecord }> {
    this.evict();
    const existing = this.records.get(record.key);
    if (existing) return { created: false, record: copyRecord(existing) };
    this.store(record);
    // The caller's own object: what is stored is a copy of it already.
    return { created: true, record };
  }

  async get(key: string): Promise<SingapayPaymentRecord | undefined> {
    const r = this.records.get(key);
    return r ? copyRecord(r) : undefined;
  }

  async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
    const existing = this.records.get(record.key);
    if (!existing || existing.version !== expectedVersion || record.version !== expectedVersion + 1) return false;
    // A transaction belongs to one payment: claiming one another key holds is refused.
    const holder = record.transactionId ? this.byTransaction.get(record.transactionId) : undefined;
    if (holder !== undefined && holder !== record.key) return false;
    this.store(record);
    return true;
  }

  async findByTransactionId(transactionId: string): Promise<SingapayPaymentRecord | undefined> {
    const key = this.byTransaction.get(transactionId);
    return key ? this.get(key) : undefined;
  }

  async listUnsettled(limit: number, after?: SingapayPaymentRecordCursor): Promise<SingapayPaymentRecord[]> {
    if (!this.unsettledInOrder) {
      const ordered = [...this.unsettled].sort((a, b) => compareByCreation(this.records.get(a)!, this.records.get(b)!));
      this.unsettled.clear();
      for (const key of ordered) this.unsettled.add(key);
      this.unsettledInOrder = true;
    }
    const page: SingapayPaymentRecord[] = [];
    if (!(limit > 0)) return page;
    for (const key of this.unsettled) {
      const record = this.records.get(key)!;
      if (after && compareByCreation(record, after) <= 0) continue;
      page.push(copyRecord(record));
      if (page.length >= limit) break;
    }
    return page;
  }

  async listUnsettledOf(customerId: string, limit: number): Promise<SingapayPaymentRecord[]> {
    const keys = this.unsettledByCustomer.get(customerId);
    if (!keys || limit <= 0) return [];
    return [...keys]
      .map((key) => this.records.get(key)!)
      .sort((a, b) => a.createdAt - b.createdAt)
      .slice(0, Math.floor(limit))
      .map(copyRecord);
  }

  async listCreatedBetween(
    fromMs: number,
    toMs: number,
    limit: number,
    after?: SingapayPaymentRecordCursor,
  ): Promise<SingapayPaymentRecord[]> {
    const page: SingapayPaymentRecord[] = [];
    const take = Math.floor(limit);
    if (!(take > 0)) return page;
    const from = after && after.createdAt >= fromMs ? after : { createdAt: fromMs, key: '' };
    for (let i = this.firstAfter(from, after !== undefined && after.createdAt >= fromMs); i < this.byCreation.length; i++) {
      const entry = this.byCreation[i]!;
      if (entry.createdAt >= toMs || page.length >= take) break;
      if (inCreationPage(entry, fromMs, toMs, after)) page.push(copyRecord(this.records.get(entry.key)!));
    }
    return page;
  }

  /** The position of the first entry after `cursor` (`strictly`) or at it or after. */
  private firstAfter(cursor: SingapayPaymentRecordCursor, strictly: boolean): number {
    let lo = 0;
    let hi = this.byCreation.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const order = compareByCreation(this.byCreation[mid]!, cursor);
      if (order < 0 || (strictly && order === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private store(record: SingapayPaymentRecord): void {
    const previous = this.records.get(record.key);
    // A record's creation time never changes: it is placed in the creation order once.
    if (!previous) {
      const entry = { createdAt: record.createdAt, key: record.key };
      const last = this.byCreation[this.byCreation.length - 1];
      if (!last || compareByCreation(last, entry) < 0) this.byCreation.push(entry);
      else this.byCreation.splice(this.firstAfter(entry, false), 0, entry);
    }
    this.records.set(record.key, copyRecord(record));
    if (isSettledPaymentRecord(record)) {
      this.unsettled.delete(record.key);
      // A customer is forgotten once none of its keys is left.
      const keys = this.unsettledByCustomer.get(record.customerId);
      if (keys?.delete(record.key) && keys.size === 0) this.unsettledByCustomer.delete(record.customerId);
    } else if (this.unsettled.has(record.key)) {
      if (previous && previous.createdAt !== record.createdAt) this.unsettledInOrder = false;
    } else {
      if (!this.newestUnsettled || compareByCreation(record, this.newestUnsettled) > 0)
        this.newestUnsettled = { createdAt: record.createdAt, key: record.key };
      else this.unsettledInOrder = false;
      this.unsettled.add(record.key);
      const keys = this.unsettledByCustomer.get(record.customerId);
      if (keys) keys.add(record.key);
      else this.unsettledByCustomer.set(record.customerId, new Set<string>().add(record.key));
    }
    if (record.transactionId) this.byTransaction.set(record.transactionId, record.key);
  }

  // A sweep at most once a minute keeps create() O(1) on the hot path.
  private evict(): void {
    const now = this.now();
    if (now - this.lastEviction < 60_000) return;
    this.lastEviction = now;
    const horizon = now - this.retentionMs;
    let evicted = false;
    for (const [key, r] of this.records) {
      if (isSettledPaymentRecord(r) && r.updatedAt < horizon) {
        this.records.delete(key);
        if (r.transactionId) this.byTransaction.delete(r.transactionId);
        evicted = true;
      }
    }
    if (evicted) this.byCreation = this.byCreation.filter((entry) => this.records.has(entry.key));
  }
}

/**
 * A deep copy of a record. Records hold JSON values only (Singapay's raw answer included), so
 * a walk of plain objects and arrays is enough, and it is several times cheaper than
 * `structuredClone`, which the payment path would otherwise pay twice a payment.
 */
function copyRecord<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyRecord) as T;
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const item = copyRecord((value as Record<string, unknown>)[key]);
    // JSON.parse makes `__proto__` an own field; an assignment would set the prototype instead.
    if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    else out[key] = item;
  }
  return out as T;
}
