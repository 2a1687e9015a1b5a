import { Injectable } from '@nestjs/common';
import type { SingapayPaymentRecord } from './singapay-payment-record.js';

/**
 * The payment work under way in this process, one promise per key: a second caller
 * (a retry, the sweep, a callback, a token follow-up) joins the work instead of
 * starting the same lookup or send again.
 */
@Injectable()
export class SingapayPaymentInflight {
  private readonly work = new Map<string, Promise<SingapayPaymentRecord>>();

  get(key: string): Promise<SingapayPaymentRecord> | undefined {
    return this.work.get(key);
  }

  /** The outcome of the key's work under way, or undefined once `deadline` (on `now`'s clock) passes first. */
  async joinUntil(key: string, deadline: number, now: () => number): Promise<SingapayPaymentRecord | undefined> {
    const work = this.work.get(key);
    if (!work) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - now()));
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs `work` for the key unless work for it is already under way, which is joined instead. */
  track(key: string, work: () => Promise<SingapayPaymentRecord>): Promise<SingapayPaymentRecord> {
    const existing = this.work.get(key);
    if (existing) return existing;
    const promise = work().finally(() => this.work.delete(key));
    this.work.set(key, promise);
    return promise;
  }
}
