import { SingapayException, type SingapayExceptionInit } from '../errors/singapay.exception.js';
import { SINGAPAY_RETRY_DEFAULTS } from '../config/singapay-options.validation.js';
import { isRetryablePaymentFailure, isRetryableRead, withSingapayRetries } from './singapay-retry.policy.js';

const failure = (init: Partial<SingapayExceptionInit>) =>
  new SingapayException({ code: null, type: 'connection_reset', httpStatus: 502, message: 'x', ...init });

describe('retry policy', () => {
  it('retries reads on transport failures and retryable codes only', () => {
    expect(isRetryableRead(failure({ type: 'connection_reset' }))).toBe(true);
    expect(isRetryableRead(failure({ type: 'timeout' }))).toBe(true);
    expect(isRetryableRead(failure({ type: 'aborted' }))).toBe(false);
    for (const code of ['03', '05', '09', '14', '22', '89', '99'])
      expect(isRetryableRead(failure({ code, type: 'unknown' })), code).toBe(true);
    for (const code of ['04', '06', '07', '08', '17', '20', '21', '51'])
      expect(isRetryableRead(failure({ code, type: 'unknown' })), code).toBe(false);
    expect(isRetryableRead(failure({ type: 'token_request_failed', upstreamStatus: 503 }))).toBe(true);
    expect(isRetryableRead(failure({ type: 'token_request_failed', upstreamStatus: 400 }))).toBe(false);
    expect(isRetryableRead(new Error('bug'))).toBe(false);
  });

  it('retries a payment only when it provably never left', () => {
    expect(isRetryablePaymentFailure(failure({ type: 'connection_failed', delivery: 'not_sent' }))).toBe(true);
    expect(isRetryablePaymentFailure(failure({ type: 'connection_reset', delivery: 'maybe_sent' }))).toBe(false);
    expect(isRetryablePaymentFailure(failure({ code: '99', type: 'internal', delivery: 'received' }))).toBe(false);
  });

  it('stops at maxAttempts, at a refusal, and before the deadline', async () => {
    const run = async (errors: unknown[], options = SINGAPAY_RETRY_DEFAULTS, now = () => 0) => {
      let n = 0;
      const slept: number[] = [];
      const result = await withSingapayRetries(
        async () => {
          const e = errors[n++];
          if (e) throw e;
          return 'ok';
        },
        options,
        isRetryableRead,
        { now, sleep: async (ms) => void slept.push(ms) },
      ).catch((e: unknown) => e);
      return { result, attempts: n, slept };
    };
    const reset = failure({ type: 'connection_reset' });
    expect(await run([reset, reset])).toMatchObject({ result: 'ok', attempts: 3 });
    expect(await run([reset, reset, reset, reset])).toMatchObject({ result: reset, attempts: 3 });
    const refused = failure({ code: '20', type: 'customer_not_found', httpStatus: 404 });
    expect(await run([reset, refused])).toMatchObject({ result: refused, attempts: 2 });
    // Full jitter below the doubling cap.
    const { slept } = await run([reset, reset]);
    expect(slept[0]).toBeLessThan(200);
    expect(slept[1]).toBeLessThan(400);
    // A clock past the deadline: the first failure is final.
    let t = 0;
    expect(await run([reset], { ...SINGAPAY_RETRY_DEFAULTS, deadlineMs: 10 }, () => (t += 100))).toMatchObject({
      result: reset,
      attempts: 1,
    });
  });
});
