import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { SINGAPAY_CLOCK, type SingapayClock } from '../../singapay.constants.js';
import type { SingapayPaymentRecord } from '../singapay-payment-record.js';
import { SingapayPaymentInflight } from '../singapay-payment.inflight.js';
import { SingapayPaymentLedger } from '../singapay-payment.ledger.js';
import { SingapayPaymentResolver } from './singapay-payment.resolver.js';
import { SingapayRecoveryPolicy } from './singapay-recovery.policy.js';

/**
 * Looks a PLN token payment up again, in this process and on the record's backoff, for as long
 * as the policy says (`tokenChaseMs`), so that a token reaches `tokens$` even when nobody asks
 * and no sweep runs.
 */
@Injectable()
export class SingapayTokenChase implements OnModuleDestroy {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly ledger: SingapayPaymentLedger,
    private readonly inflight: SingapayPaymentInflight,
    private readonly resolver: SingapayPaymentResolver,
    private readonly policy: SingapayRecoveryPolicy,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
  ) {}

  start(record: SingapayPaymentRecord): void {
    if (this.stopped || this.timers.has(record.key)) return;
    this.schedule(record, this.now());
  }

  onModuleDestroy(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(record: SingapayPaymentRecord, startedAt: number): void {
    const delay = Math.max(0, (record.nextCheckAt ?? this.now()) - this.now());
    const timer = setTimeout(() => void this.step(record.key, startedAt), delay);
    timer.unref();
    this.timers.set(record.key, timer);
  }

  private async step(key: string, startedAt: number): Promise<void> {
    this.timers.delete(key);
    if (this.stopped) return;
    const record = await this.ledger.get(key, 'after_send').catch(() => undefined);
    // The step that comes due still looks; only the next one is weighed against the chase's length.
    if (!record || !this.policy.keepsChasingToken(record, startedAt, startedAt)) return;
    const after = await this.inflight.track(key, () => this.resolver.resolve(record, 'lookup')).catch(() => record);
    if (!this.stopped && this.policy.keepsChasingToken(after, startedAt, this.now())) this.schedule(after, startedAt);
  }
}
