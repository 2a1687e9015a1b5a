import { formatSingapayIso } from '../biller/singapay-time.js';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import * as terminus from '@nestjs/terminus';
import type { HealthIndicatorResult, HealthIndicatorStatus } from '@nestjs/terminus';
import { SingapayService } from '../service/singapay.service.js';
import { SINGAPAY_LOGGER_CONTEXT } from '../singapay.constants.js';
import { diagnoseSingapayFailure, type SingapayDiagnosedCause } from '../errors/singapay-failure.diagnosis.js';
import { resolveSingapayHealthOptions, type SingapayHealthOptions, type SingapayResolvedHealthOptions } from './singapay-health.options.js';

/**
 * What the installed `@nestjs/terminus` understands, read from its exports: 12 has a degraded
 * state (11 and 10 show it as up, HTTP 200 as degraded is, with the cause); 10, without
 * `HealthIndicatorService`, takes a down check only as a thrown `HealthCheckError`.
 */
const TERMINUS = ((): { degraded: boolean; throwsDown?: new (message: string, causes: unknown) => Error } => {
  const exported = terminus as unknown as Record<string, unknown>;
  const service = exported.HealthIndicatorService as (new () => { check(key: string): Record<string, unknown> }) | undefined;
  // Neither export seen: a down check could read as up. Said at load rather than at the first outage.
  if (!service && typeof exported.HealthCheckError !== 'function') {
    throw new Error(
      '@nestjs/terminus exports neither HealthIndicatorService (11+) nor HealthCheckError (10): install terminus 10, 11 or 12',
    );
  }
  return {
    degraded: typeof (service && new service().check('probe'))?.degraded === 'function',
    ...(service ? {} : { throwsDown: exported.HealthCheckError as new (message: string, causes: unknown) => Error }),
  };
})();

/** Options of a `SingapayHealthIndicator` provided by hand (optional). */
export const SINGAPAY_HEALTH_OPTIONS = Symbol('SINGAPAY_HEALTH_OPTIONS');

/** What one check found; reused for `cacheTtlMs`. */
export interface SingapayHealthOutcome {
  status: HealthIndicatorStatus;
  data: SingapayHealthData;
}

/** The fields next to `status` in the health answer. */
export interface SingapayHealthData extends Record<string, unknown> {
  /**
   * `low_balance` when degraded; the failure's cause when down: Singapay's, or the payment
   * store's (`payment_store_lost`: it lost records and payments are stopped until an operator
   * resumes them; `payment_store_unavailable`: it cannot be reached, payments are refused).
   */
  cause?: SingapayDiagnosedCause | 'low_balance' | 'payment_store_lost' | 'payment_store_unavailable';
  /** With `payment_store_lost`: when the loss was first noticed (ISO 8601). */
  since?: string;
  message?: string;
  balance?: number;
  currency?: string;
  minBalance?: number;
  responseCode?: string | null;
  responseType?: string;
  detail?: string;
  /** When Singapay was last asked: ISO 8601 with milliseconds and the WIB offset, as every time the module gives out. */
  checkedAt: string;
  /** How long that check took. */
  responseTimeMs: number;
  /** Present (true) when this answer came from the cache. */
  cachedResponse?: boolean;
}

/**
 * A `@nestjs/terminus` health indicator for Singapay: `up` when an access
 * token can be had and the deposit read; `degraded` when the deposit is below
 * `minBalance`; `down` with a `cause` and a `message` that say what to fix
 * (IP not whitelisted, partner id or client credentials refused, Singapay
 * unreachable). One check at a time, its result reused for `cacheTtlMs`, so a
 * probe never hammers Singapay.
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.singapay.isHealthy()]); }
 * ```
 * @publicApi
 */
@Injectable()
export class SingapayHealthIndicator {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  private readonly options: SingapayResolvedHealthOptions;
  /** The last check, or the one running: probes arriving meanwhile share it. */
  private entry?: { promise: Promise<SingapayHealthOutcome>; expiresAt: number; settled: boolean };

  constructor(
    @Inject(SingapayService) private readonly singapay: SingapayService,
    @Optional() @Inject(SINGAPAY_HEALTH_OPTIONS) options?: SingapayHealthOptions | SingapayResolvedHealthOptions,
  ) {
    this.options = resolveSingapayHealthOptions(options ?? {});
  }

  /** The indicator's result under `key` (default: the `key` option), from the cache when fresh. */
  async isHealthy(key: string = this.options.key): Promise<HealthIndicatorResult<string>> {
    const { outcome, cached } = await this.outcome();
    const data = cached ? { ...outcome.data, cachedResponse: true } : outcome.data;
    const status = outcome.status === 'degraded' && !TERMINUS.degraded ? 'up' : outcome.status;
    const result = { [key]: { status, ...data } } as HealthIndicatorResult<string>;
    // Terminus 10 reads a check as down only when it throws; 11 and 12 read the returned status.
    if (status === 'down' && TERMINUS.throwsDown) throw new TERMINUS.throwsDown(`${key} is down`, result);
    return result;
  }

  /** Forgets the cached result: the next probe asks Singapay. */
  clearCache(): void {
    this.entry = undefined;
  }

  private async outcome(): Promise<{ outcome: SingapayHealthOutcome; cached: boolean }> {
    const current = this.entry;
    if (current && current.expiresAt > Date.now()) return { outcome: await current.promise, cached: current.settled };
    const entry = { promise: this.run(), expiresAt: Number.POSITIVE_INFINITY, settled: false };
    this.entry = entry;
    const outcome = await entry.promise;
    entry.settled = true;
    entry.expiresAt = Date.now() + this.options.cacheTtlMs;
    return { outcome, cached: false };
  }

  /** One check; never rejects. */
  private async run(): Promise<SingapayHealthOutcome> {
    const started = Date.now();
    const { timeoutMs, minBalance, includeBalance } = this.options;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HealthCheckTimeout()), timeoutMs);
    });
    try {
      const [storeDown, singapay] = await Promise.all([
        // The payment store is asked beside Singapay: a store that lost records stops payments whatever Singapay says.
        this.checkPaymentStore(deadline),
        // The token request is bounded by the module's own timeout; the race bounds the whole check.
        Promise.race([this.singapay.checkBalance({ timeoutMs, signal: controller.signal }), deadline]).then(
          (balance) => ({ balance }),
          (error: unknown) => ({
            failure:
              error instanceof HealthCheckTimeout
                ? {
                    cause: 'timeout' as const,
                    message: `Singapay did not answer the health check within ${timeoutMs} ms: check the network path to Singapay, or Singapay's status`,
                    responseCode: null,
                    responseType: 'timeout',
                  }
                : diagnoseSingapayFailure(error),
          }),
        ),
      ]);
      const stamp = { checkedAt: formatSingapayIso(started), responseTimeMs: Date.now() - started };
      if (storeDown) return { status: 'down', data: { ...storeDown, ...stamp } };
      if ('failure' in singapay) {
        const { cause, message, responseCode, responseType, detail } = { detail: undefined, ...singapay.failure };
        this.logger.warn(`health: down, cause=${cause} type=${responseType} code=${responseCode ?? '-'}`);
        return { status: 'down', data: { cause, message, responseCode, responseType, ...(detail ? { detail } : {}), ...stamp } };
      }
      const { balance, currency } = singapay.balance;
      const shown = includeBalance ? { balance, currency } : {};
      if (minBalance === undefined || balance >= minBalance) {
        return { status: 'up', data: { ...shown, ...(minBalance !== undefined ? { minBalance } : {}), ...stamp } };
      }
      this.logger.warn(`health: deposit below the configured minimum (degraded)`);
      const deposit = includeBalance ? `The deposit (${balance} ${currency})` : 'The deposit';
      const message = `${deposit} is below the configured minimum of ${minBalance}: top it up at Singapay before payments fail with code 17`;
      return { status: 'degraded', data: { cause: 'low_balance', message, ...shown, minBalance, ...stamp } };
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  /** What the payment store adds to a check: nothing when it is intact, else why payments cannot be made. Never rejects. */
  private async checkPaymentStore(deadline: Promise<never>): Promise<Pick<SingapayHealthData, 'cause' | 'message' | 'since'> | undefined> {
    try {
      const integrity = await Promise.race([this.singapay.checkPaymentStore(), deadline]);
      if (integrity.intact) return undefined;
      this.logger.warn(`health: down, cause=payment_store_lost since=${integrity.since}`);
      return {
        cause: 'payment_store_lost',
        since: integrity.since,
        message:
          `The payment store lost records (${integrity.reason}): payments are stopped, nothing is sent. Check the orders paid ` +
          'since the last good state, then resume with: npx singapay ledger resume',
      };
    } catch (error) {
      const slow = error instanceof HealthCheckTimeout;
      this.logger.warn(
        `health: down, cause=payment_store_unavailable (${slow ? 'no answer in time' : error instanceof Error ? error.name : 'error'})`,
      );
      return {
        cause: 'payment_store_unavailable',
        message: slow
          ? `The payment store did not answer within ${this.options.timeoutMs} ms (out of reach, or its connections all busy): payments wait for it or are refused`
          : 'The payment store could not be reached: payments are refused (nothing is sent) until it is back; reads carry on',
      };
    }
  }
}

class HealthCheckTimeout extends Error {}
