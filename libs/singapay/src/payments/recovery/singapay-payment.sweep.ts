import { Inject, Injectable, Logger } from '@nestjs/common';
import type { SingapayException } from '../../errors/singapay.exception.js';
import { SINGAPAY_CLOCK, SINGAPAY_LOGGER_CONTEXT, type SingapayClock } from '../../singapay.constants.js';
import { hashIdempotencyKey } from '../../util/singapay-log.js';
import { SingapayPaymentInflight } from '../singapay-payment.inflight.js';
import { SingapayPaymentLedger } from '../singapay-payment.ledger.js';
import { SingapayPaymentResolver } from './singapay-payment.resolver.js';
import { SingapayRecoveryPolicy } from './singapay-recovery.policy.js';

/**
 * Sweeps every unsettled record (pending, unknown, and final ones still under review) that the
 * policy says is due, against Singapay, one sweep at a time, on a timer when `sweepIntervalMs`
 * is set. A key this process is already working on is left to that work.
 */
@Injectable()
export class SingapayPaymentSweep {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly ledger: SingapayPaymentLedger,
    private readonly inflight: SingapayPaymentInflight,
    private readonly resolver: SingapayPaymentResolver,
    private readonly policy: SingapayRecoveryPolicy,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
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
      if (this.inflight.has(record.key) || !this.policy.isDueForLookup(record, this.now(), 'sweep')) continue;
      try {
        const after = await this.inflight.track(record.key, () => this.resolver.resolve(record, 'sweep'));
        if (after.state !== record.state) changed++;
      } catch (error) {
        this.logger.warn(`sweep key=${hashIdempotencyKey(record.key)} failed: ${(error as SingapayException).responseType ?? 'error'}`);
      }
    }
    return changed;
  }
}
