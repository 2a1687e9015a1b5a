import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { SingapayResolvedOptions } from '../../config/singapay-options.validation.js';
import type { SingapayException } from '../../errors/singapay.exception.js';
import { SINGAPAY_CLOCK, SINGAPAY_LOGGER_CONTEXT, SINGAPAY_RESOLVED_OPTIONS, type SingapayClock } from '../../singapay.constants.js';
import { hashIdempotencyKey } from '../../util/singapay-log.js';
import type { SingapayPaymentRecord } from '../singapay-payment-record.js';
import { SingapayPaymentInflight } from '../singapay-payment.inflight.js';
import { SingapayPaymentLedger } from '../singapay-payment.ledger.js';
import { isAwaitingToken } from '../singapay-payment.state.js';
import { SingapayPaymentResolver } from './singapay-payment.resolver.js';
import { SingapayRecoveryPolicy } from './singapay-recovery.policy.js';

/**
 * The background follow-ups, through the resolver and as the policy says. The sweep: every
 * unsettled record that is due, one sweep at a time, on a timer when `sweepIntervalMs` is set,
 * leaving a key this process is working on to that work. The token chase: a late PLN token looked
 * up on the record's backoff for `tokenChaseMs`, so that it reaches `tokens$` when nobody asks.
 * Singapay's word the store could not take, written as soon as the store takes it. And a store that
 * can lose records, checked every `integrityCheckMs`.
 */
@Injectable()
export class SingapayPaymentFollowUps implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  private timer?: NodeJS.Timeout;
  private integrityTimer?: NodeJS.Timeout;
  private checking = false;
  private running?: Promise<number>;
  /** The token chases under way: the timer of each one's next step, by key. */
  private readonly chases = new Map<string, NodeJS.Timeout>();
  /** Kept words waiting for the store: the timer of each one's next try, by key. */
  private readonly keptTries = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly ledger: SingapayPaymentLedger,
    private readonly inflight: SingapayPaymentInflight,
    private readonly resolver: SingapayPaymentResolver,
    private readonly policy: SingapayRecoveryPolicy,
    @Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: Pick<SingapayResolvedOptions, 'sweepIntervalMs'>,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
  ) {}

  onModuleInit(): void {
    if (this.ledger.canLoseRecords) {
      // A loss found here stops payments in every process (the store says so, and logs it); the check's own failures are the store's to log.
      this.integrityTimer = setInterval(() => void this.checkIntegrity(), this.policy.options.integrityCheckMs);
      this.integrityTimer.unref();
    }
    if (this.options.sweepIntervalMs <= 0) return;
    this.timer = setInterval(() => void this.sweep().catch(() => undefined), this.options.sweepIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.integrityTimer) clearInterval(this.integrityTimer);
    for (const timer of [...this.chases.values(), ...this.keptTries.values()]) clearTimeout(timer);
    this.chases.clear();
    this.keptTries.clear();
  }

  // One check at a time: a store that does not answer gets no pile of them.
  private async checkIntegrity(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    await this.ledger.checkIntegrity().catch(() => undefined);
    this.checking = false;
  }

  /** One sweep; a call during a sweep joins it. Resolves to how many records changed state. */
  sweep(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Chases the record's PLN token, unless it is chased already. */
  chaseToken(record: SingapayPaymentRecord): void {
    if (this.stopped || this.chases.has(record.key)) return;
    this.schedule(record, this.now());
  }

  /**
   * Writes Singapay's word that the store could not take (`SingapayPaymentLedger.keep`) once the
   * store takes it, tried on the follow-ups' backoff while it is kept: it is announced when written,
   * so it must not wait for someone to work on the payment again. `tries` is how many came before.
   */
  writeKeptLater(key: string, tries = 0): void {
    if (this.stopped || this.keptTries.has(key)) return;
    const timer = setTimeout(() => void this.writeKept(key, tries), this.policy.nextFollowUpAt({ lookups: tries }, 0));
    timer.unref();
    this.keptTries.set(key, timer);
  }

  private async writeKept(key: string, tries: number): Promise<void> {
    this.keptTries.delete(key);
    if (this.stopped || !this.ledger.hasKept(key)) return;
    // Work under way on the key writes the kept word first; this try comes after it.
    await this.inflight.get(key)?.catch(() => undefined);
    let written = false;
    const record = await this.ledger.get(key, 'after_send').catch(() => null);
    if (this.stopped) return;
    // A record the store no longer holds: nothing to write it on (its key, used again, is another payment).
    if (record === undefined) return this.ledger.giveUpKept(key, 'the store no longer holds its record');
    if (record) {
      const current = await this.inflight
        .track(record, async () => {
          const settled = await this.resolver.settleKept(record);
          written = settled?.written ?? false;
          return settled?.record ?? record;
        })
        .catch(() => record);
      if (written && isAwaitingToken(current)) this.chaseToken(current);
    }
    if (!written && this.ledger.hasKept(key)) this.writeKeptLater(key, tries + 1);
  }

  private async run(): Promise<number> {
    let changed = 0;
    // Page by page, every open payment however many an outage left: the newest are swept too.
    for await (const page of this.ledger.unsettledPages()) {
      for (const record of page) {
        // A sweep under way at shutdown stops between records, before the connections close.
        if (this.stopped) return changed;
        if (this.inflight.get(record.key) || !this.policy.isDueForLookup(record, this.now(), 'sweep')) continue;
        try {
          const after = await this.resolver.resolve(record, 'sweep');
          if (after.state !== record.state) changed++;
        } catch (error) {
          this.logger.warn(`sweep key=${hashIdempotencyKey(record.key)} failed: ${(error as SingapayException).responseType ?? 'error'}`);
        }
      }
    }
    return changed;
  }

  private schedule(record: Pick<SingapayPaymentRecord, 'key' | 'nextCheckAt'>, startedAt: number, waits = 0): void {
    // A chase started meanwhile (a kept success written while this step read) is the one that goes on.
    if (this.chases.has(record.key)) return;
    const delay = Math.max(0, (record.nextCheckAt ?? this.now()) - this.now());
    const timer = setTimeout(() => void this.step(record.key, startedAt, waits), delay);
    timer.unref();
    this.chases.set(record.key, timer);
  }

  private async step(key: string, startedAt: number, waits: number): Promise<void> {
    this.chases.delete(key);
    if (this.stopped) return;
    // A success the store has not taken yet (kept here, or a read that fails) is waited for on the follow-ups'
    // backoff, within the chase's length: whoever writes it, the chase goes on from the record it leaves.
    const record = this.ledger.hasKept(key) ? null : await this.ledger.get(key, 'after_send').catch(() => null);
    if (record === null) {
      const now = this.now();
      if (!this.stopped && now - startedAt < this.policy.options.tokenChaseMs) {
        this.schedule({ key, nextCheckAt: this.policy.nextFollowUpAt({ lookups: waits }, now) }, startedAt, waits + 1);
      }
      return;
    }
    // The step that comes due still looks; only the next one is weighed against the chase's length.
    if (!record || !this.policy.keepsChasingToken(record, startedAt, startedAt)) return;
    const after = await this.resolver.resolve(record, 'lookup').catch(() => record);
    const now = this.now();
    if (this.stopped || !this.policy.keepsChasingToken(after, startedAt, now)) return;
    // A lookup that failed, or whose write was refused, leaves the next check where it was, now past: the chase
    // backs off on its own count of such steps instead of asking again at once.
    if ((after.nextCheckAt ?? 0) > now) this.schedule(after, startedAt);
    else this.schedule({ key, nextCheckAt: this.policy.nextFollowUpAt({ lookups: waits }, now) }, startedAt, waits + 1);
  }
}
