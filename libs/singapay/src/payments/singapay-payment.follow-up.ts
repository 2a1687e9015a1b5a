import type { SingapayClock } from '../singapay.constants.js';
import type { SingapayPaymentRecord } from './singapay-payment-record.js';
import type { SingapayPaymentInflight } from './singapay-payment.inflight.js';
import type { SingapayPaymentLedger } from './singapay-payment.ledger.js';
import { isAwaitingToken } from './singapay-payment.state.js';

// In-process follow-ups of a late PLN token stop after this; the sweep, getPayment()
// and callbacks carry on until the review window closes.
const TOKEN_CHASE_MS = 30 * 60_000;

/**
 * Looks a PLN token payment up again, in this process and with the record's backoff,
 * until its token arrives or the chase ends, so that a token reaches `tokens$` even when
 * nobody asks and no sweep runs.
 */
export class SingapayTokenFollowUp {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly ledger: SingapayPaymentLedger,
    private readonly inflight: SingapayPaymentInflight,
    private readonly resolve: (record: SingapayPaymentRecord) => Promise<SingapayPaymentRecord>,
    private readonly now: SingapayClock,
  ) {}

  start(record: SingapayPaymentRecord): void {
    if (this.stopped || this.timers.has(record.key)) return;
    this.schedule(record, this.now());
  }

  stop(): void {
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
    if (!record || !isAwaitingToken(record) || record.watchUntil === undefined) return;
    const after = await this.inflight.track(key, () => this.resolve(record)).catch(() => record);
    if (!this.stopped && isAwaitingToken(after) && after.watchUntil !== undefined && this.now() - startedAt < TOKEN_CHASE_MS) {
      this.schedule(after, startedAt);
    }
  }
}
