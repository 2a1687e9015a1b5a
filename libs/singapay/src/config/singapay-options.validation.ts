import type { Logger } from '@nestjs/common';
import { SINGAPAY_BASE_URLS, type SingapayApiVersion, type SingapayEnvironment } from '../contract/singapay-api.contract.js';
import { SingapaySecret } from '../util/singapay-secret.js';
import type { SingapayClientOptions, SingapayResolvedRetryOptions } from './singapay-module-options.interface.js';
import { SINGAPAY_CREDENTIALS, SINGAPAY_ENV_VARS } from './singapay.config.js';

/** Thrown at start-up for a bad configuration; a plain `Error` so the app refuses to boot. */
export class SingapayConfigurationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid Singapay configuration: ${problems.join('; ')}`);
    this.name = 'SingapayConfigurationError';
  }
}

/**
 * A payment ledger that could lose records is a reason to refuse the start-up in production and
 * a warning in sandbox, where an app must still start on a developer's own server.
 */
export function refuseInProduction(problems: readonly string[], production: boolean, logger: Pick<Logger, 'warn'>): void {
  if (problems.length === 0) return;
  if (production) throw new SingapayConfigurationError(problems);
  for (const problem of problems) logger.warn(`${problem} (a warning in sandbox; production refuses to start)`);
}

/** Options after validation: defaults applied, secrets wrapped so they cannot be printed. */
export type SingapayResolvedOptions = ReturnType<typeof resolveSingapayOptions>;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** An integer option: the default taken when it is not given, and the range it must lie in. */
type IntegerRule = readonly [fallback: number, min: number, max: number];

/** The integer options: default and range. The `singapay` commands read their bounds here too. */
export const SINGAPAY_INTEGER_RULES = {
  timeoutMs: [30_000, 1, 600_000],
  tokenRefreshBufferSeconds: [60, 0, 3_600],
  paymentNotFoundAfterMs: [30 * MINUTE, 1_000, 30 * DAY],
  paymentReviewMs: [DAY, 0, 30 * DAY],
  clockSkewToleranceMs: [10 * MINUTE, 0, DAY],
  sweepIntervalMs: [0, 0, DAY],
} as const satisfies Record<string, IntegerRule>;

const RETRY_RULES = {
  maxAttempts: [3, 1, 10],
  baseDelayMs: [200, 0, 60_000],
  maxDelayMs: [2_000, 0, 600_000],
  deadlineMs: [60_000, 0, 3_600_000],
} as const satisfies Record<keyof SingapayResolvedRetryOptions, IntegerRule>;

/** Whether `v` is an integer from `min` to `max`. */
export const isIntegerIn = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

const label = (field: string): string =>
  field in SINGAPAY_ENV_VARS ? `${field} (${SINGAPAY_ENV_VARS[field as keyof typeof SINGAPAY_ENV_VARS]})` : field;

/** Each field of `rules` read from `from`: its default when not given, and when out of its range (a problem). */
function readIntegers<K extends string>(from: object, rules: Record<K, IntegerRule>, problems: string[], prefix = ''): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const field of Object.keys(rules) as K[]) {
    const [fallback, min, max] = rules[field];
    const v = (from as Record<string, unknown>)[field];
    const valid = isIntegerIn(v, min, max);
    if (!valid && v !== undefined && v !== null) problems.push(`${label(prefix + field)} must be an integer from ${min} to ${max}`);
    out[field] = valid ? v : fallback;
  }
  return out;
}

export const SINGAPAY_RETRY_DEFAULTS: SingapayResolvedRetryOptions = Object.freeze(readIntegers({}, RETRY_RULES, []));

/** What `resolveSingapayOptions` reads: the options, with the stores still unchecked. */
export type SingapayOptionsInput = SingapayClientOptions & { tokenStore?: unknown; paymentStore?: unknown };

// `development` is Singapay's word for the sandbox.
const ENVIRONMENTS: Record<string, SingapayEnvironment> = { sandbox: 'sandbox', development: 'sandbox', production: 'production' };
const TOKEN_STORE_METHODS = ['get', 'set', 'delete'];
const PAYMENT_STORE_METHODS = ['create', 'get', 'replace', 'findByTransactionId', 'listUnsettled'];

const hasMethods = (value: unknown, methods: string[]) =>
  typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

const unset = (v: unknown): v is undefined | null => v === undefined || v === null;
/** Not given: the option takes its default (a credential is missing). */
const absent = (v: unknown): boolean => unset(v) || v === '';

/**
 * Checks the options a user gave and applies defaults. Every problem is
 * reported at once, by field name; values never appear in a message.
 * `failureTypes`: the code table's failure types (`SINGAPAY_FAILURE_TYPES`, of a layer above this
 * one), which `httpStatusOverrides` may name; without them any type-shaped key is taken.
 */
export function resolveSingapayOptions(input: SingapayOptionsInput | undefined | null, failureTypes?: ReadonlySet<string>) {
  const problems: string[] = [];
  const o = (input ?? {}) as Partial<Record<keyof SingapayOptionsInput, unknown>>;

  const credential = (field: (typeof SINGAPAY_CREDENTIALS)[number]): string => {
    const v = o[field];
    if (absent(v)) problems.push(`${label(field)} is missing`);
    else if (typeof v !== 'string') problems.push(`${label(field)} must be a string`);
    else if (v.trim() !== v || /[\r\n\0]/.test(v)) problems.push(`${label(field)} has leading/trailing spaces or control characters`);
    else return v;
    return '';
  };
  const [apiKey, clientId, clientSecret, password] = SINGAPAY_CREDENTIALS.map(credential);
  if (clientId.includes(':')) problems.push(`${label('clientId')} must not contain ':' (it is the Basic auth user name)`);

  // One of a few words, read trimmed and in lower case.
  const oneOf = <T>(field: 'environment' | 'apiVersion', words: Record<string, T>, fallback: T, expected: string): T => {
    const v = o[field];
    if (absent(v)) return fallback;
    const word = typeof v === 'string' ? v.trim().toLowerCase() : '';
    if (Object.hasOwn(words, word)) return words[word];
    problems.push(`${label(field)} must be ${expected}`);
    return fallback;
  };
  const environment = oneOf('environment', ENVIRONMENTS, 'sandbox', "'sandbox' (or 'development') or 'production'");

  let baseUrl: string = SINGAPAY_BASE_URLS[environment];
  if (!absent(o.baseUrl)) {
    const parsed = typeof o.baseUrl === 'string' && URL.canParse(o.baseUrl) ? new URL(o.baseUrl) : undefined;
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password || parsed.search || parsed.hash) {
      problems.push(`${label('baseUrl')} must be an http(s) URL without credentials, query or fragment`);
    } else {
      baseUrl = parsed.href.replace(/\/+$/, '');
      // Real money under the sandbox's rules (payment records in memory, no --production guard) is refused: the
      // production host is production, whatever the environment was left at (a trailing dot or a port is the same host).
      const production = new URL(SINGAPAY_BASE_URLS.production).hostname;
      if (environment !== 'production' && parsed.hostname.replace(/\.$/, '') === production)
        problems.push(`${label('baseUrl')} is Singapay's production host: set ${label('environment')} to 'production'`);
    }
  }

  const apiVersion = oneOf<SingapayApiVersion>('apiVersion', { v1: 'v1', v2: 'v2' }, 'v2', "'v1' or 'v2'");
  const { tokenRefreshBufferSeconds, ...integers } = readIntegers(o, SINGAPAY_INTEGER_RULES, problems);
  // A horizon shorter than the send's own wait could conclude "not found" of a payment Singapay is
  // still working on, and an order retried on that pays twice.
  // Weighed against a timeout given, or the default: one refused already is not named twice.
  const [, minTimeout, maxTimeout] = SINGAPAY_INTEGER_RULES.timeoutMs;
  if (integers.paymentNotFoundAfterMs < integers.timeoutMs && (unset(o.timeoutMs) || isIntegerIn(o.timeoutMs, minTimeout, maxTimeout)))
    problems.push(`${label('paymentNotFoundAfterMs')} must be at least ${label('timeoutMs')}, which is ${integers.timeoutMs}`);
  const retryInput = o.retry ?? {};
  if (typeof retryInput !== 'object') problems.push('retry must be an object');
  const retry = readIntegers(typeof retryInput === 'object' ? retryInput : {}, RETRY_RULES, problems, 'retry.');

  const store = o.tokenStore as object | undefined;
  if (!unset(store) && !hasMethods(store, TOKEN_STORE_METHODS)) problems.push('tokenStore must implement get(), set() and delete()');
  let paymentStore = o.paymentStore as object | 'memory' | undefined;
  if (typeof paymentStore === 'string') {
    if (paymentStore.trim().toLowerCase() === 'memory') paymentStore = 'memory';
    else problems.push(`${label('paymentStore')} must be a SingapayPaymentStore or 'memory'`);
  } else if (!unset(paymentStore) && !hasMethods(paymentStore, PAYMENT_STORE_METHODS)) {
    problems.push(`paymentStore must implement ${PAYMENT_STORE_METHODS.map((m) => `${m}()`).join(', ')}`);
  }

  const overrides: Record<string, number> = {};
  const statuses = o.httpStatusOverrides ?? {};
  if (typeof statuses !== 'object') problems.push('httpStatusOverrides must be an object');
  for (const [code, status] of Object.entries(typeof statuses === 'object' ? statuses : {})) {
    // A typo, a transport failure's type or 00/01 (no failures) would be taken and never apply.
    if (
      !/^(\d{2}|[a-z_]{3,40})$/.test(code) ||
      code === '00' ||
      code === '01' ||
      (/^[a-z]/.test(code) && failureTypes && !failureTypes.has(code))
    )
      problems.push(`httpStatusOverrides key '${code}' is none of Singapay's failure codes or their types (the README's table)`);
    else if (!isIntegerIn(status, 400, 599)) problems.push(`httpStatusOverrides['${code}'] must be an HTTP error status (400-599)`);
    else overrides[code] = status;
  }

  // A connection URL may hold a password: kept wrapped. `scheme` is how it must begin.
  const connectionUrl = (field: 'redisUrl' | 'databaseUrl', scheme: RegExp, schemes: string): SingapaySecret | undefined => {
    const v = o[field];
    if (absent(v)) return undefined;
    if (typeof v === 'string' && scheme.test(v) && !URL.canParse(v)) {
      problems.push(
        `${label(field)} is not a valid URL: check its host and port (1-65535), and percent-encode special characters in the password`,
      );
    } else if (typeof v !== 'string' || !URL.canParse(v) || !scheme.test(`${new URL(v).protocol}//`)) {
      problems.push(`${label(field)} must be a ${schemes} URL`);
    } else return new SingapaySecret(v);
    return undefined;
  };
  const flag = (field: 'debugLogs' | 'redisDurabilityVerified'): boolean => {
    const v = o[field];
    if (!unset(v) && typeof v !== 'boolean') problems.push(`${label(field)} must be true or false`);
    return v === true;
  };
  const redisUrl = connectionUrl('redisUrl', /^rediss?:\/\//i, 'redis:// or rediss://');
  const debugLogs = flag('debugLogs');
  const redisDurabilityVerified = flag('redisDurabilityVerified');
  const databaseUrl = connectionUrl('databaseUrl', /^postgres(ql)?:\/\//i, 'postgres:// or postgresql://');

  if (problems.length > 0) throw new SingapayConfigurationError(problems);
  return Object.freeze({
    environment,
    baseUrl,
    apiKey: new SingapaySecret(apiKey),
    clientId,
    clientSecret: new SingapaySecret(clientSecret),
    password: new SingapaySecret(password),
    apiVersion,
    ...integers,
    tokenRefreshBufferMs: tokenRefreshBufferSeconds * 1000,
    debugLogs,
    // Stores are checked for their methods here and typed where they are chosen; `'memory'` when
    // in-memory records were asked for explicitly.
    ...(store ? { tokenStore: store } : {}),
    httpStatusOverrides: Object.freeze(overrides),
    retry: Object.freeze(retry),
    ...(paymentStore ? { paymentStore } : {}),
    ...(redisUrl ? { redisUrl } : {}),
    redisDurabilityVerified,
    ...(databaseUrl ? { databaseUrl } : {}),
  });
}
