import { isIntegerIn } from '../config/singapay-options.validation.js';

/**
 * Options of `SingapayHealthModule.forFeature()` / `forFeatureAsync()`, or of a
 * `SingapayHealthIndicator` listed in your own providers (`SINGAPAY_HEALTH_OPTIONS`).
 * @publicApi
 */
export interface SingapayHealthOptions {
  /**
   * Key of the indicator in the health check's answer.
   * @default 'singapay' (or 'singapay-<name>' for a named registration)
   */
  key?: string;
  /**
   * Deposit in rupiah below which the indicator reports `degraded` (still 200):
   * payments will soon fail with code 17. Unset: never degraded.
   * @default undefined
   */
  minBalance?: number;
  /**
   * How long a result (up, degraded or down) is reused, in milliseconds, so that
   * probes never hammer Singapay. Probes arriving while a check runs share it.
   * @default 10000
   */
  cacheTtlMs?: number;
  /**
   * How long one check may take (token and balance, retries included) before it is `down` with cause `timeout`.
   * @default 5000
   */
  timeoutMs?: number;
  /**
   * Whether the answer shows the deposit balance. Turn it off if your health endpoint is public.
   * @default true
   */
  includeBalance?: boolean;
}

/** The options with their defaults applied (`minBalance` stays unset when not given). */
export type SingapayResolvedHealthOptions = Required<Omit<SingapayHealthOptions, 'minBalance'>> & { minBalance: number | undefined };

export const SINGAPAY_HEALTH_DEFAULTS = { key: 'singapay', cacheTtlMs: 10_000, timeoutMs: 5_000, includeBalance: true } as const;

const KEY = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Checks the options when the app starts; an error names the field. */
export function resolveSingapayHealthOptions(
  options: SingapayHealthOptions = {},
  defaultKey: string = SINGAPAY_HEALTH_DEFAULTS.key,
): SingapayResolvedHealthOptions {
  const problems: string[] = [];
  const integer = (field: 'minBalance' | 'cacheTtlMs' | 'timeoutMs', min: number, max: number) => {
    if (options[field] !== undefined && !isIntegerIn(options[field], min, max))
      problems.push(`${field} must be an integer from ${min} to ${max}`);
  };
  integer('minBalance', 0, Number.MAX_SAFE_INTEGER);
  integer('cacheTtlMs', 0, 3_600_000);
  integer('timeoutMs', 1, 600_000);
  if (options.key !== undefined && (typeof options.key !== 'string' || !KEY.test(options.key))) {
    problems.push('key must be 1-64 letters, digits, "_", ".", ":" or "-"');
  }
  if (options.includeBalance !== undefined && typeof options.includeBalance !== 'boolean')
    problems.push('includeBalance must be a boolean');
  if (problems.length) throw new Error(`Invalid Singapay health options: ${problems.join('; ')}`);
  return {
    key: options.key ?? defaultKey,
    minBalance: options.minBalance,
    cacheTtlMs: options.cacheTtlMs ?? SINGAPAY_HEALTH_DEFAULTS.cacheTtlMs,
    timeoutMs: options.timeoutMs ?? SINGAPAY_HEALTH_DEFAULTS.timeoutMs,
    includeBalance: options.includeBalance ?? SINGAPAY_HEALTH_DEFAULTS.includeBalance,
  };
}
