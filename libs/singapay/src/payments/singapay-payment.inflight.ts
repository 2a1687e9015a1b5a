import { Injectable } from '@nestjs/common';
import type { SingapayPaymentRecord } from './singapay-payment-record.js';

/**
 * The payment work under way in this process, one promise per key: a second caller
 * (a retry, the sweep, a callback, a token follow-up) joins the work instead of
 * starting the same lookup or send again.
 */
@Injectable()
export class SingapayPaymentInflight {
  private readonly work = new Map<string, { outcome: Promise<SingapayPaymentRecord>; from: SingapayPaymentRecord }>();

  get(key: string): Promise<SingapayPaymentRecord> | undefined {
    return this.work.get(key)?.outcome;
  }

  /**
   * The outcome of the key's work under way; once `deadline` (on `now`'s clock) passes first, the
   * newer of `seen` and the record the work started from: a copy read before a send began (a
   * payment provably never sent, about to be reclaimed) must not answer for that send. Undefined
   * when no work is under way.
   */
  async joinUntil(
    key: string,
    seen: SingapayPaymentRecord,
    deadline: number,
    now: () => number,
  ): Promise<SingapayPaymentRecord | undefined> {
    const work = this.work.get(key);
    if (!work) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<SingapayPaymentRecord>((resolve) => {
      timer = setTimeout(() => resolve(work.from.version > seen.version ? work.from : seen), Math.max(0, deadline - now()));
    });
    try {
      return await Promise.race([work.outcome, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs `work` on `from` (the record as it starts) unless work for its key is already under way, which is joined instead. */
  track(from: SingapayPaymentRecord, work: () => Promise<SingapayPaymentRecord>): Promise<SingapayPaymentRecord> {
    const existing = this.work.get(from.key);
    if (existing) return existing.outcome;
    const outcome = work().finally(() => this.work.delete(from.key));
    this.work.set(from.key, { outcome, from });
    return outcome;
  }
}
