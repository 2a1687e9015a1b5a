import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { SingapayException } from '../../errors/singapay.exception.js';
import { SINGAPAY_CLOCK, SINGAPAY_LOGGER_CONTEXT, type SingapayClock } from '../../singapay.constants.js';
import { hashIdempotencyKey } from '../../util/singapay-log.js';
import type { SingapayPaymentRecord } from '../singapay-payment-record.js';
import { SingapayPaymentInflight } from '../singapay-payment.inflight.js';
import { SingapayPaymentLedger } from '../singapay-payment.ledger.js';
import { SingapayPaymentResolver } from './singapay-payment.resolver.js';
import { SingapayRecoveryPolicy } from './singapay-recovery.policy.js';

/** What the sweep and the token chase share: records looked up again in the background, through the resolver, as the policy says. */
@Injectable()
export abstract class SingapayPaymentFollowUp {
  constructor(
    protected readonly ledger: SingapayPaymentLedger,
    protected readonly inflight: SingapayPaymentInflight,
    protected readonly resolver: SingapayPaymentResolver,
    protected readonly policy: SingapayRecoveryPolicy,
    @Inject(SINGAPAY_CLOCK) protected readonly now: SingapayClock,
  ) {}
}

/**
 * Sweeps every unsettled record (pending, unknown, and final ones still under review) that the
 * policy says is due, against Singapay, one sweep at a time, on a timer when `sweepIntervalMs`
 * is set. A key this process is already working on is left to that work.
 */
@Injectable()
export class SingapayPaymentSweep extends SingapayPaymentFollowUp {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

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
      if (this.inflight.get(record.key) || !this.policy.isDueForLookup(record, this.now(), 'sweep')) continue;
      try {
        const after = await this.resolver.resolve(record, 'sweep');
        if (after.state !== record.state) changed++;
      } catch (error) {
        this.logger.warn(`sweep key=${hashIdempotencyKey(record.key)} failed: ${(error as SingapayException).responseType ?? 'error'}`);
      }
    }
    return changed;
  }
}

/**
 * Looks a PLN token payment up again, in this process and on the record's backoff, for as long
 * as the policy says (`tokenChaseMs`), so that a token reaches `tokens$` even when nobody asks
 * and no sweep runs.
 */
@Injectable()
export class SingapayTokenChase extends SingapayPaymentFollowUp implements OnModuleDestroy {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

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
    const after = await this.resolver.resolve(record, 'lookup').catch(() => record);
    if (!this.stopped && this.policy.keepsChasingToken(after, startedAt, this.now())) this.schedule(after, startedAt);
  }
}
