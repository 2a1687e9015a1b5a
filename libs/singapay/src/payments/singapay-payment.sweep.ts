import { Logger } from '@nestjs/common';
import type { SingapayException } from '../errors/singapay.exception.js';
import { SINGAPAY_LOGGER_CONTEXT, type SingapayClock } from '../singapay.constants.js';
import { hashIdempotencyKey } from '../util/singapay-log.js';
import type { SingapayPaymentRecord } from './singapay-payment-record.js';
import type { SingapayPaymentLedger } from './singapay-payment.ledger.js';

/** What the sweep needs from the engine: its lookups, deduplicated per key. */
export interface SingapaySweepTarget {
  /** Whether this process is already working on the key (sending or looking it up). */
  isBusy(key: string): boolean;
  resolve(record: SingapayPaymentRecord): Promise<SingapayPaymentRecord>;
}

/**
 * Sweeps every unsettled record (pending, unknown, and final ones still under review)
 * against Singapay, one sweep at a time, on a timer when `sweepIntervalMs` is set.
 */
export class SingapayPaymentSweep {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly ledger: SingapayPaymentLedger,
    private readonly target: SingapaySweepTarget,
    private readonly now: SingapayClock,
  ) {}

  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.sweep().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One sweep; a call during a sweep joins it. Resolves to how many records changed state. */
  sweep(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    let changed = 0;
    for (const record of await this.ledger.listUnsettled()) {
      const now = this.now();
      if (this.target.isBusy(record.key)) continue;
      if (record.state === 'sending' && (record.leaseUntil ?? 0) > now) continue;
      // Final records under review back off between their follow-ups.
      if ((record.nextCheckAt ?? 0) > now && (record.watchUntil ?? Infinity) > now) continue;
      try {
        const after = await this.target.resolve(record);
        if (after.state !== record.state) changed++;
      } catch (error) {
        this.logger.warn(`sweep key=${hashIdempotencyKey(record.key)} failed: ${(error as SingapayException).responseType ?? 'error'}`);
      }
    }
    return changed;
  }
}
