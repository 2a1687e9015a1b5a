import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import { SINGAPAY_LOGGER_CONTEXT } from '../singapay.constants.js';
import { dropUndefined } from '../util/singapay-json.js';
import { hashIdempotencyKey, maskCustomerId } from '../util/singapay-log.js';
import { isFinalPaymentState, type SingapayPaymentEvidence, type SingapayPaymentRecord } from './singapay-payment-record.js';
import type { SingapayPaymentSettlement, SingapaySettlementSource, SingapayTokenDelivery } from './singapay-payment.types.js';
import { paymentView } from './singapay-payment.views.js';

const ORPHANS_REMEMBERED = 10_000;

/** The streams a registration announces on: settlements, and PLN tokens that came late. */
@Injectable()
export class SingapayPaymentEvents implements OnApplicationShutdown {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  private readonly settlements = new Subject<SingapayPaymentSettlement>();
  private readonly tokens = new Subject<SingapayTokenDelivery>();
  private readonly orphansAnnounced = new Set<string>();

  readonly settlements$: Observable<SingapayPaymentSettlement> = this.settlements.asObservable();
  readonly tokens$: Observable<SingapayTokenDelivery> = this.tokens.asObservable();

  /** A record moved from `before` to where it is now: announce what that changed. */
  changed(before: SingapayPaymentRecord, after: SingapayPaymentRecord, via: SingapaySettlementSource): void {
    if (after.state !== before.state && isFinalPaymentState(after.state)) {
      this.logger.log(
        `payment key=${hashIdempotencyKey(after.key)} customer=${maskCustomerId(after.customerId)} settled ${after.state} via ${via}`,
      );
      this.settlements.next(
        dropUndefined({
          idempotencyKey: after.key,
          transactionId: after.transactionId,
          status: after.state as SingapayPaymentSettlement['status'],
          via,
          payment: paymentView(after),
        }),
      );
    }
    const token = after.outcome?.token;
    if (token && token !== before.outcome?.token && after.transactionId) {
      this.logger.log(`payment key=${hashIdempotencyKey(after.key)} PLN token recorded via ${via}`);
      this.tokens.next({ idempotencyKey: after.key, transactionId: after.transactionId, token, via, payment: paymentView(after) });
    }
  }

  /**
   * A final transaction that no recorded payment holds (paid elsewhere, or records pruned). No
   * record remembers it was announced, so this does: Singapay's retries and resends of one callback
   * are announced once, as a record's move is (the oldest forgotten past `ORPHANS_REMEMBERED`).
   */
  orphan(tx: SingapayPaymentEvidence, via: SingapaySettlementSource): void {
    if (!isFinalPaymentState(tx.status)) return;
    const seen = `${tx.status} ${tx.transactionId}`;
    if (this.orphansAnnounced.has(seen)) return;
    this.orphansAnnounced.add(seen);
    if (this.orphansAnnounced.size > ORPHANS_REMEMBERED) this.orphansAnnounced.delete(this.orphansAnnounced.values().next().value!);
    this.settlements.next({ transactionId: tx.transactionId, status: tx.status as SingapayPaymentSettlement['status'], via });
  }

  // At application shutdown, not module destroy: Nest 10 and 11 run every onModuleDestroy of a module at once, and
  // the callback receiver's wait (and the transport's for requests on the wire) still settles payments then.
  onApplicationShutdown(): void {
    this.settlements.complete();
    this.tokens.complete();
  }
}
