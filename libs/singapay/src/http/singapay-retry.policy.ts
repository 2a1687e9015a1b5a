import { singapayResponseCodeInfo } from '../errors/singapay-response-codes.js';
import { SingapayException } from '../errors/singapay.exception.js';
import type { SingapayResolvedRetryOptions } from '../config/singapay-module-options.interface.js';

/** What may be retried for a call that moves no money: transport failures, 5xx, unreadable answers, retryable codes. */
export function isRetryableRead(error: unknown): boolean {
  if (!(error instanceof SingapayException)) return false;
  if (error.responseCode !== null) return singapayResponseCodeInfo(error.responseCode).retryable;
  if (error.responseType === 'aborted') return false;
  if (error.responseType === 'token_request_failed') return (error.upstreamStatus ?? 0) >= 500 || error.upstreamStatus === 429;
  return true;
}

/** A payment may be tried again only when it provably never left, and the cause may pass. */
export function isRetryablePaymentFailure(error: unknown): boolean {
  return error instanceof SingapayException && error.delivery === 'not_sent' && isRetryableRead(error);
}

export type SingapaySleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const singapaySleep: SingapaySleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Runs `attempt` until it succeeds, fails with something `retryable` refuses,
 * runs out of attempts, or the next pause would pass the deadline.
 */
export async function withSingapayRetries<T>(
  attempt: (n: number) => Promise<T>,
  options: SingapayResolvedRetryOptions,
  retryable: (error: unknown) => boolean,
  context: {
    now: () => number;
    sleep?: SingapaySleep;
    signal?: AbortSignal;
    onRetry?: (error: unknown, n: number, delayMs: number) => void;
  },
): Promise<T> {
  const started = context.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= options.maxAttempts || !retryable(error) || context.signal?.aborted) throw error;
      const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (n - 1));
      const delay = Math.floor(Math.random() * cap);
      if (context.now() - started + delay > options.deadlineMs) throw error;
      context.onRetry?.(error, n, delay);
      await (context.sleep ?? singapaySleep)(delay, context.signal).catch(() => {
        throw error;
      });
    }
  }
}
