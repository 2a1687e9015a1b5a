import { Inject, Injectable } from '@nestjs/common';
import type { SingapayTransaction } from '../../biller/singapay-biller.types.js';
import { SINGAPAY_CLOCK, type SingapayClock } from '../../singapay.constants.js';
import type { SingapayPaymentRecord } from '../singapay-payment-record.js';
import { SingapayPaymentEvents } from '../singapay-payment.events.js';
import { SingapayPaymentInflight } from '../singapay-payment.inflight.js';
import { SingapayPaymentLedger } from '../singapay-payment.ledger.js';
import type { SingapaySettlementSource } from '../singapay-payment.types.js';
import { findPaymentCandidates, transactionDistance } from './singapay-payment.matcher.js';
import { SingapayPaymentResolver } from './singapay-payment.resolver.js';
import { SingapayRecoveryPolicy } from './singapay-recovery.policy.js';

/**
 * Transactions Singapay confirmed outside our own lookups (a callback, then a lookup of
 * its id): applied to the payment that holds the id, or to a lost payment it can only
 * belong to. A lost payment is matched by its reference at once; a direct purchase only
 * through a full search of its own, so that the rule "two candidates, no guess" sees
 * every transaction and not just this one.
 */
@Injectable()
export class SingapayPaymentConfirmations {
  private openCache?: { at: number; records: Promise<SingapayPaymentRecord[]> };

  constructor(
    private readonly ledger: SingapayPaymentLedger,
    private readonly inflight: SingapayPaymentInflight,
    private readonly resolver: SingapayPaymentResolver,
    private readonly events: SingapayPaymentEvents,
    private readonly policy: SingapayRecoveryPolicy,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
  ) {}

  async apply(tx: SingapayTransaction, via: SingapaySettlementSource): Promise<SingapayPaymentRecord | undefined> {
    const holder = await this.ledger.findByTransactionId(tx.transactionId);
    if (holder) return this.inflight.track(holder.key, () => this.resolver.adopt(holder, tx, via));
    const open = await this.lost();
    const { skewMs } = this.policy.options;
    const byReference = open.find((r) => r.referenceNumber && transactionDistance(r, tx, skewMs) !== undefined);
    if (byReference) return this.inflight.track(byReference.key, () => this.resolver.adopt(byReference, tx, via));
    const direct = open.filter((r) => !r.referenceNumber);
    const { matches } = await findPaymentCandidates(direct, [tx], async () => false, skewMs);
    let adopted: SingapayPaymentRecord | undefined;
    for (const { record } of matches) {
      const resolved = await this.inflight.track(record.key, () => this.resolver.resolve(record, via));
      if (resolved.transactionId === tx.transactionId) adopted = resolved;
    }
    if (!adopted && matches.length === 0) this.events.orphan(tx, via);
    return adopted;
  }

  /**
   * Whether a transaction may be one of ours: a payment holds its id, or a payment of
   * that customer is still looking for its transaction. Such callbacks get room that
   * forged ones cannot take; the lookup decides the rest.
   */
  async mayHold(transactionId: string, customerId?: string): Promise<boolean> {
    if (await this.ledger.findByTransactionId(transactionId)) return true;
    if (customerId === undefined) return false;
    return (await this.lost()).some((r) => r.customerId === customerId);
  }

  /** Payments still looking for their transaction, read at most once a second under a burst. */
  private async lost(): Promise<SingapayPaymentRecord[]> {
    const now = this.now();
    if (!this.openCache || now - this.openCache.at > 1_000) {
      const records = this.ledger.listUnsettled();
      records.catch(() => (this.openCache = undefined));
      this.openCache = { at: now, records };
    }
    return (await this.openCache.records).filter((r) => this.policy.isOpenToEvidence(r));
  }
}
