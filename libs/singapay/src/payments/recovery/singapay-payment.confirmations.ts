import { Inject, Injectable } from '@nestjs/common';
import { SINGAPAY_CLOCK, type SingapayClock } from '../../singapay.constants.js';
import type { SingapayPaymentEvidence, SingapayPaymentRecord } from '../singapay-payment-record.js';
import { SingapayPaymentEvents } from '../singapay-payment.events.js';
import { SingapayPaymentLedger } from '../singapay-payment.ledger.js';
import type { SingapaySettlementSource } from '../singapay-payment.types.js';
import { SingapayPaymentResolver } from './singapay-payment.resolver.js';
import { SingapayRecoveryPolicy } from './singapay-recovery.policy.js';

/** How many of a customer's open payments a callback's claim reads. */
const CLAIM_READ_MAX = 20;

/**
 * Who may hold a transaction a callback names: `held`, a payment records its id (a lookup of
 * that id settles it whenever it runs); `open`, a payment of its customer still looks for its
 * transaction, and the callback may be the only word of it that comes.
 */
export type SingapayTransactionClaim = 'held' | 'open';

/**
 * What became of a confirmed transaction: `applied` to the payment that holds it (or now took
 * it); `kept` as evidence on the one open payment it fits, to be weighed when that payment is
 * resolved; `orphan`, no open payment could hold it; `undecided`, several could (or the open
 * payments could not all be read, or the one it fitted took another meanwhile), so nothing was
 * kept, and its callback should be delivered again.
 */
export interface SingapayConfirmation {
  outcome: 'applied' | 'kept' | 'orphan' | 'undecided';
  record?: SingapayPaymentRecord;
}

/**
 * Transactions Singapay confirmed outside our own lookups (a callback, then a lookup of
 * its id): applied to the payment that holds the id, or offered to the open payments it
 * could belong to (the matcher: same customer, and reference or product and send window).
 * One candidate keeps it as evidence on its record (a restart keeps it) and is resolved
 * with it, or, while still being sent, resolves with it once its send concludes (a purchase
 * with an inquiry too: its reference can carry an earlier payment's transaction). Two candidates get nothing
 * from it: each is looked up on its own, as before, and never guessed.
 */
@Injectable()
export class SingapayPaymentConfirmations {
  private backlogCache?: { at: number; records: Promise<SingapayPaymentRecord[]> };

  constructor(
    private readonly ledger: SingapayPaymentLedger,
    private readonly resolver: SingapayPaymentResolver,
    private readonly events: SingapayPaymentEvents,
    private readonly policy: SingapayRecoveryPolicy,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
  ) {}

  async apply(tx: SingapayPaymentEvidence, via: SingapaySettlementSource): Promise<SingapayConfirmation> {
    const holder = await this.ledger.findByTransactionId(tx.transactionId);
    if (holder) return this.applyToHolder(holder, tx, via);
    const takes = (r: SingapayPaymentRecord) => this.policy.couldHold(r, tx);
    // Read afresh, not from the callbacks' cache: the payment this transaction is can have been claimed a moment ago.
    const listed = await this.ledger.listUnsettledOf(tx.customerId);
    const open = listed.records.filter(takes);
    if (!listed.complete) return { outcome: 'undecided' };
    if (open.length === 0) {
      // Its payment may have recorded it since the first look (its own answer came meanwhile).
      const late = await this.ledger.findByTransactionId(tx.transactionId);
      if (late) return this.applyToHolder(late, tx, via);
      this.events.orphan(tx, via);
      return { outcome: 'orphan' };
    }
    if (open.length > 1) {
      // Several could hold it: each looks itself up (its resolution refuses what a rival could hold too).
      let adopted: SingapayPaymentRecord | undefined;
      for (const record of open.filter((r) => r.state !== 'sending')) {
        const resolved = await this.resolver.resolve(record, via);
        if (resolved.transactionId === tx.transactionId) adopted = resolved;
      }
      return adopted ? { outcome: 'applied', record: adopted } : { outcome: 'undecided' };
    }
    // Kept and looked up even for a reference: one reference can carry an earlier refused payment's transaction
    // (refunded later, its callback now) made within the clock skew of this payment's send, and only the list,
    // which shows both, tells which is its own (the matcher's likeliest).
    const [candidate] = open as [SingapayPaymentRecord];
    const { raw: _raw, ...evidence } = tx as SingapayPaymentEvidence & { raw?: unknown };
    // A second transaction offered to a payment that holds another's evidence: which is its own cannot be told.
    // Neither is weighed alone (the evidence goes; once read, Singapay's list shows both), and this one is
    // undecided (delivered again) until a lookup decides, as any it is offered after.
    const rival = (r: SingapayPaymentRecord) =>
      r.evidenceContested === true || (r.evidence != null && r.evidence.transactionId !== tx.transactionId);
    const contest = async (r: SingapayPaymentRecord): Promise<SingapayConfirmation> => {
      if (!r.evidenceContested)
        await this.ledger.transition(r, { evidence: null, evidenceContested: true }, true, (c) => takes(c) && rival(c));
      return { outcome: 'undecided' };
    };
    if (rival(candidate)) return contest(candidate);
    // Not as work on the key: while the key is being sent, its work is the send itself, which this must not join.
    // Written only on a version that can still take it: a record that meanwhile took a transaction refuses, and so
    // does one that meanwhile took another's evidence.
    const kept = await this.ledger.transition(candidate, { evidence }, true, (r) => takes(r) && !rival(r));
    if (!kept) {
      const latest = await this.ledger.get(candidate.key, 'after_send');
      if (latest?.transactionId === tx.transactionId) return this.applyToHolder(latest, tx, via);
      return latest && takes(latest) && rival(latest) ? contest(latest) : { outcome: 'undecided' };
    }
    if (kept.state === 'sending') return { outcome: 'kept', record: kept };
    const resolved = await this.resolver.resolve(kept, via);
    if (resolved.transactionId === tx.transactionId) return { outcome: 'applied', record: resolved };
    // It took another transaction, its own: this one is offered on (to another open payment, or orphaned). Only
    // once the store holds that (an answer kept for a store that refused it would offer this one to it again).
    if (resolved.transactionId && (await this.ledger.get(kept.key, 'after_send'))?.transactionId === resolved.transactionId)
      return this.apply(tx, via);
    if (resolved.transactionId) return { outcome: 'undecided' };
    return { outcome: 'kept', record: resolved };
  }

  private async applyToHolder(
    holder: SingapayPaymentRecord,
    tx: SingapayPaymentEvidence,
    via: SingapaySettlementSource,
  ): Promise<SingapayConfirmation> {
    const record = await this.resolver.adopt(holder, tx, via);
    // A payment that took another transaction meanwhile (its own lookup found one) refused this one: it is weighed again.
    return record.transactionId === tx.transactionId ? { outcome: 'applied', record } : { outcome: 'undecided' };
  }

  /**
   * Whether a transaction may be one of ours: a payment holds its id, or a payment of
   * that customer is still looking for its transaction. Such callbacks get room that
   * forged ones cannot take; the lookup decides the rest.
   */
  async mayHold(transactionId: string, customerId?: string): Promise<SingapayTransactionClaim | undefined> {
    if (await this.ledger.findByTransactionId(transactionId)) return 'held';
    if (customerId === undefined) return undefined;
    if (await this.mayBeAwaited(customerId)) return 'open';
    // Its payment may have taken it between the two reads (by its own answer or a lookup), and is no longer open.
    return (await this.ledger.findByTransactionId(transactionId)) ? 'held' : undefined;
  }

  /** Whether an open payment of the customer may be waiting for a transaction. */
  private async mayBeAwaited(customerId: string): Promise<boolean> {
    const open = (records: SingapayPaymentRecord[]) => records.some((r) => r.customerId === customerId && this.policy.isOpenToEvidence(r));
    if (this.ledger.listsByCustomer) {
      // A few records, read afresh (a payment claimed a moment ago counts): a customer with more open
      // payments than that has one that may be waiting, and gets the room.
      const { records, complete } = await this.ledger.listUnsettledOf(customerId, CLAIM_READ_MAX);
      return open(records) || !complete;
    }
    // A store without a per-customer query: the whole backlog, read at most once a second under a flood.
    if (open(await this.backlog())) return true;
    // A payment claimed since the list was read must not be missed; under a flood, read again at most every 100 ms.
    const age = this.now() - (this.backlogCache?.at ?? 0);
    return age > 100 && open(await this.backlog(true));
  }

  private async backlog(fresh = false): Promise<SingapayPaymentRecord[]> {
    const now = this.now();
    if (fresh || !this.backlogCache || now - this.backlogCache.at > 1_000) {
      const records = this.ledger.listUnsettled();
      records.catch(() => (this.backlogCache = undefined));
      this.backlogCache = { at: now, records };
    }
    return this.backlogCache.records;
  }
}
