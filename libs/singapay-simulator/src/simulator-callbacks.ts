import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { withPrintedCode } from './simulator-envelopes.js';
import type { SimulatorResolvedVariants } from './simulator-options.js';
import type { SimulatorCallbackCounters } from './simulator-state.js';

const ATTEMPT_TIMEOUT_MS = 5_000;
const REDIRECTS_FOLLOWED = 5;

/**
 * Delivers callbacks with a few retries. A failed delivery is logged and
 * dropped, never thrown: the receiving application is the thing under test,
 * and Singapay does not stop because a merchant's endpoint is down.
 */
export class SingapaySimulatorCallbacks {
  private readonly logger = new Logger('SingapaySimulator');
  private readonly inFlight = new Set<Promise<void>>();
  private controller = new AbortController();

  constructor(
    private readonly url: string | undefined,
    private readonly attempts: number,
    private readonly backoffMs: number,
    private readonly counters: () => SimulatorCallbackCounters,
    private readonly codes: SimulatorResolvedVariants['codes'] = 'padded',
  ) {}

  send(transactionId: string, envelope: unknown): void {
    if (this.url === undefined) return;
    const delivery = this.deliver(this.url, transactionId, JSON.stringify(withPrintedCode(envelope, this.codes)), this.controller.signal);
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  /** Resolves once every callback started so far was delivered or given up. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled(this.inFlight);
  }

  /** Drops every delivery in progress (reset, stop). */
  abortAll(): void {
    this.controller.abort();
    this.controller = new AbortController();
  }

  /**
   * One delivery: 307 and 308 are followed with the body, as the docs say Singapay's sender does
   * (up to `REDIRECTS_FOLLOWED`); any other redirect is a failed delivery, since the docs say no
   * more, and a sender that followed a 301 or 302 would turn the POST into a bodiless GET.
   */
  private async post(url: string, body: string, signal: AbortSignal): Promise<Response> {
    let target = url;
    for (let hop = 0; ; hop++) {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'singapay-simulator' },
        body,
        redirect: 'manual',
        signal,
      });
      await response.arrayBuffer().catch(() => undefined);
      const location = response.headers.get('location');
      if ((response.status !== 307 && response.status !== 308) || !location || hop >= REDIRECTS_FOLLOWED) return response;
      target = new URL(location, target).href;
    }
  }

  private async deliver(url: string, transactionId: string, body: string, signal: AbortSignal): Promise<void> {
    const counters = this.counters();
    for (let attempt = 1; attempt <= this.attempts; attempt += 1) {
      if (signal.aborted) return;
      counters.attempts += 1;
      let failure: string;
      try {
        const response = await this.post(url, body, AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]));
        if (response.ok) {
          counters.delivered += 1;
          return;
        }
        failure = `HTTP ${response.status}`;
      } catch (error) {
        if (signal.aborted) return;
        failure = error instanceof Error ? error.name : 'error';
      }
      this.logger.warn(`Callback for transaction ${transactionId} failed (${failure}), attempt ${attempt} of ${this.attempts}`);
      if (attempt < this.attempts) {
        try {
          await sleep(this.backoffMs * 2 ** (attempt - 1), undefined, { signal });
        } catch {
          return;
        }
      }
    }
    counters.abandoned += 1;
  }
}
