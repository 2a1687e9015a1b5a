import type { SingapayPaymentRecord } from './singapay-payment-record.js';

/**
 * The payment work under way in this process, one promise per key: a second caller
 * (a retry, the reconciler, a callback, a token follow-up) joins the work instead of
 * starting the same lookup or send again.
 */
export class SingapayPaymentInflight {
  private readonly work = new Map<string, Promise<SingapayPaymentRecord>>();

  has(key: string): boolean {
    return this.work.has(key);
  }

  get(key: string): Promise<SingapayPaymentRecord> | undefined {
    return this.work.get(key);
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
