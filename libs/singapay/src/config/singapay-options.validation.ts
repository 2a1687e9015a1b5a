import { SINGAPAY_BASE_URLS, type SingapayApiVersion, type SingapayEnvironment } from '../contract/singapay-api.contract.js';
import { SingapaySecret } from '../util/singapay-secret.js';
import type { SingapayClientOptions, SingapayResolvedRetryOptions } from './singapay-module-options.interface.js';
import { SINGAPAY_ENV_VARS } from './singapay.config.js';

/** Thrown at start-up for a bad configuration; a plain `Error` so the app refuses to boot. */
export class SingapayConfigurationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid Singapay configuration: ${problems.join('; ')}`);
    this.name = 'SingapayConfigurationError';
  }
}

/** Options after validation: defaults applied, secrets wrapped so they cannot be printed. */
export interface SingapayResolvedOptions {
  environment: SingapayEnvironment;
  baseUrl: string;
  apiKey: SingapaySecret;
  clientId: string;
  clientSecret: SingapaySecret;
  password: SingapaySecret;
  apiVersion: SingapayApiVersion;
  timeoutMs: number;
  tokenRefreshBufferMs: number;
  debugLogs: boolean;
  /** Checked for its methods here; typed as `SingapayTokenStore` where stores are chosen. */
  tokenStore?: object;
  httpStatusOverrides: Readonly<Record<string, number>>;
  retry: SingapayResolvedRetryOptions;
  /** A store (checked for its methods; typed where stores are chosen), or `'memory'` when in-memory records were asked for explicitly. */
  paymentStore?: object | 'memory';
  paymentNotFoundAfterMs: number;
  paymentReviewMs: number;
  clockSkewToleranceMs: number;
  sweepIntervalMs: number;
  /** May hold a password: kept wrapped. */
  redisUrl?: SingapaySecret;
  redisDurabilityVerified: boolean;
  /** Holds a password: kept wrapped. */
  databaseUrl?: SingapaySecret;
}

export const SINGAPAY_DEFAULTS = {
  environment: 'sandbox',
  apiVersion: 'v2',
  timeoutMs: 30_000,
  tokenRefreshBufferSeconds: 60,
  paymentNotFoundAfterMs: 30 * 60_000,
  paymentReviewMs: 24 * 3600_000,
  clockSkewToleranceMs: 10 * 60_000,
  sweepIntervalMs: 0,
} as const;

export const SINGAPAY_RETRY_DEFAULTS: SingapayResolvedRetryOptions = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  deadlineMs: 60_000,
});

/** What `resolveSingapayOptions` reads: the options, with the stores still unchecked. */
export type SingapayOptionsInput = SingapayClientOptions & { tokenStore?: unknown; paymentStore?: unknown };

const label = (field: string): string =>
  field in SINGAPAY_ENV_VARS ? `${field} (${SINGAPAY_ENV_VARS[field as keyof typeof SINGAPAY_ENV_VARS]})` : field;

/**
 * Checks the options a user gave and applies defaults. Every problem is
 * reported at once, by field name; values never appear in a message.
 */
export function resolveSingapayOptions(input: SingapayOptionsInput | undefined | null): SingapayResolvedOptions {
  const problems: string[] = [];
  const o = (input ?? {}) as Partial<Record<keyof SingapayOptionsInput, unknown>>;

  const requiredString = (field: 'apiKey' | 'clientId' | 'clientSecret' | 'password'): string => {
    const v = o[field];
    if (v === undefined || v === null || v === '') problems.push(`${label(field)} is missing`);
    else if (typeof v !== 'string') problems.push(`${label(field)} must be a string`);
    else if (v.trim() !== v || /[\r\n\0]/.test(v)) problems.push(`${label(field)} has leading/trailing spaces or control characters`);
    else return v;
    return '';
  };
  const apiKey = requiredString('apiKey');
  const clientId = requiredString('clientId');
  const clientSecret = requiredString('clientSecret');
  const password = requiredString('password');
  if (clientId.includes(':')) problems.push(`${label('clientId')} must not contain ':' (it is the Basic auth user name)`);

  let environment: SingapayEnvironment = SINGAPAY_DEFAULTS.environment;
  const env = o.environment;
  if (env !== undefined && env !== null && env !== '') {
    const normalised = typeof env === 'string' ? env.trim().toLowerCase() : env;
    if (normalised === 'development' || normalised === 'sandbox') environment = 'sandbox';
    else if (normalised === 'production') environment = 'production';
    else problems.push(`${label('environment')} must be 'sandbox' (or 'development') or 'production'`);
  }

  let baseUrl: string = SINGAPAY_BASE_URLS[environment];
  if (o.baseUrl !== undefined && o.baseUrl !== null && o.baseUrl !== '') {
    const parsed = typeof o.baseUrl === 'string' && URL.canParse(o.baseUrl) ? new URL(o.baseUrl) : undefined;
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password || parsed.search || parsed.hash) {
      problems.push(`${label('baseUrl')} must be an http(s) URL without credentials, query or fragment`);
    } else {
      baseUrl = parsed.href.replace(/\/+$/, '');
    }
  }

  let apiVersion: SingapayApiVersion = SINGAPAY_DEFAULTS.apiVersion;
  if (o.apiVersion !== undefined && o.apiVersion !== null && o.apiVersion !== '') {
    const v = typeof o.apiVersion === 'string' ? o.apiVersion.trim().toLowerCase() : o.apiVersion;
    if (v === 'v1' || v === 'v2') apiVersion = v;
    else problems.push(`${label('apiVersion')} must be 'v1' or 'v2'`);
  }

  const positiveInt = (field: string, fallback: number, min: number, max: number, from: Record<string, unknown> = o): number => {
    const v = from[field.split('.').pop()!];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`${label(field)} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return v;
  };
  const timeoutMs = positiveInt('timeoutMs', SINGAPAY_DEFAULTS.timeoutMs, 1, 600_000);
  const bufferSeconds = positiveInt('tokenRefreshBufferSeconds', SINGAPAY_DEFAULTS.tokenRefreshBufferSeconds, 0, 3_600);

  const paymentNotFoundAfterMs = positiveInt('paymentNotFoundAfterMs', SINGAPAY_DEFAULTS.paymentNotFoundAfterMs, 1_000, 30 * 24 * 3600_000);
  const paymentReviewMs = positiveInt('paymentReviewMs', SINGAPAY_DEFAULTS.paymentReviewMs, 0, 30 * 24 * 3600_000);
  const clockSkewToleranceMs = positiveInt('clockSkewToleranceMs', SINGAPAY_DEFAULTS.clockSkewToleranceMs, 0, 24 * 3600_000);
  const sweepIntervalMs = positiveInt('sweepIntervalMs', SINGAPAY_DEFAULTS.sweepIntervalMs, 0, 24 * 3600_000);

  const retryInput = o.retry ?? {};
  if (typeof retryInput !== 'object') problems.push('retry must be an object');
  const r = (typeof retryInput === 'object' ? retryInput : {}) as Record<string, unknown>;
  const retry: SingapayResolvedRetryOptions = {
    maxAttempts: positiveInt('retry.maxAttempts', SINGAPAY_RETRY_DEFAULTS.maxAttempts, 1, 10, r),
    baseDelayMs: positiveInt('retry.baseDelayMs', SINGAPAY_RETRY_DEFAULTS.baseDelayMs, 0, 60_000, r),
    maxDelayMs: positiveInt('retry.maxDelayMs', SINGAPAY_RETRY_DEFAULTS.maxDelayMs, 0, 600_000, r),
    deadlineMs: positiveInt('retry.deadlineMs', SINGAPAY_RETRY_DEFAULTS.deadlineMs, 0, 3_600_000, r),
  };

  const hasMethods = (value: unknown, methods: string[]) =>
    typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
  const store = o.tokenStore as object | undefined;
  if (store !== undefined && store !== null && !hasMethods(store, ['get', 'set', 'delete'])) {
    problems.push('tokenStore must implement get(), set() and delete()');
  }
  let paymentStore = o.paymentStore as object | 'memory' | undefined;
  const paymentMethods = ['create', 'get', 'replace', 'findByTransactionId', 'listUnsettled'];
  if (typeof paymentStore === 'string') {
    if (paymentStore.trim().toLowerCase() === 'memory') paymentStore = 'memory';
    else problems.push(`${label('paymentStore')} must be a SingapayPaymentStore or 'memory'`);
  } else if (paymentStore !== undefined && paymentStore !== null && !hasMethods(paymentStore, paymentMethods)) {
    problems.push(`paymentStore must implement ${paymentMethods.map((m) => `${m}()`).join(', ')}`);
  }

  const overrides: Record<string, number> = {};
  if (o.httpStatusOverrides !== undefined && o.httpStatusOverrides !== null) {
    if (typeof o.httpStatusOverrides !== 'object') problems.push('httpStatusOverrides must be an object');
    else {
      for (const [code, status] of Object.entries(o.httpStatusOverrides as Record<string, unknown>)) {
        if (!/^(\d{2}|[a-z_]{3,40})$/.test(code))
          problems.push(`httpStatusOverrides key '${code}' must be a two-digit code or a type such as 'unrecognised'`);
        else if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) {
          problems.push(`httpStatusOverrides['${code}'] must be an HTTP error status (400-599)`);
        } else overrides[code] = status;
      }
    }
  }

  let redisUrl: SingapaySecret | undefined;
  if (o.redisUrl !== undefined && o.redisUrl !== null && o.redisUrl !== '') {
    if (typeof o.redisUrl === 'string' && /^rediss?:\/\//i.test(o.redisUrl) && !URL.canParse(o.redisUrl)) {
      problems.push(
        `${label('redisUrl')} is not a valid URL: check its host and port (1-65535), and percent-encode special characters in the password`,
      );
    } else if (typeof o.redisUrl !== 'string' || !URL.canParse(o.redisUrl) || !/^rediss?:$/.test(new URL(o.redisUrl).protocol)) {
      problems.push(`${label('redisUrl')} must be a redis:// or rediss:// URL`);
    } else redisUrl = new SingapaySecret(o.redisUrl);
  }

  const debugLogs = o.debugLogs;
  if (debugLogs !== undefined && debugLogs !== null && typeof debugLogs !== 'boolean') {
    problems.push(`${label('debugLogs')} must be true or false`);
  }
  const verified = o.redisDurabilityVerified;
  if (verified !== undefined && verified !== null && typeof verified !== 'boolean') {
    problems.push(`${label('redisDurabilityVerified')} must be true or false`);
  }

  let databaseUrl: SingapaySecret | undefined;
  if (o.databaseUrl !== undefined && o.databaseUrl !== null && o.databaseUrl !== '') {
    if (typeof o.databaseUrl === 'string' && /^postgres(ql)?:\/\//i.test(o.databaseUrl) && !URL.canParse(o.databaseUrl)) {
      problems.push(
        `${label('databaseUrl')} is not a valid URL: check its host and port (1-65535), and percent-encode special characters in the password`,
      );
    } else if (
      typeof o.databaseUrl !== 'string' ||
      !URL.canParse(o.databaseUrl) ||
      !/^postgres(ql)?:$/.test(new URL(o.databaseUrl).protocol)
    ) {
      problems.push(`${label('databaseUrl')} must be a postgres:// or postgresql:// URL`);
    } else databaseUrl = new SingapaySecret(o.databaseUrl);
  }

  if (problems.length > 0) throw new SingapayConfigurationError(problems);
  return Object.freeze({
    environment,
    baseUrl,
    apiKey: new SingapaySecret(apiKey),
    clientId,
    clientSecret: new SingapaySecret(clientSecret),
    password: new SingapaySecret(password),
    apiVersion,
    timeoutMs,
    tokenRefreshBufferMs: bufferSeconds * 1000,
    debugLogs: debugLogs === true,
    ...(store ? { tokenStore: store } : {}),
    httpStatusOverrides: Object.freeze(overrides),
    retry: Object.freeze(retry),
    ...(paymentStore ? { paymentStore } : {}),
    paymentNotFoundAfterMs,
    paymentReviewMs,
    clockSkewToleranceMs,
    sweepIntervalMs,
    ...(redisUrl ? { redisUrl } : {}),
    redisDurabilityVerified: verified === true,
    ...(databaseUrl ? { databaseUrl } : {}),
  });
}
