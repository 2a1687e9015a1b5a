import type { SingapayApiVersion, SingapayEnvironment } from '../contract/singapay-api.contract.js';

/**
 * Every option of the module but the pluggable stores, which are typed where they are
 * defined (`SingapayModuleOptions` adds them): this layer sits below the stores.
 */
export interface SingapayClientOptions {
  /**
   * Which Singapay environment to call. `development` (Singapay's word) is read as `sandbox`.
   * Production refuses sandbox-only calls such as `resetCustomerIds()`.
   * @default 'sandbox'
   */
  environment?: SingapayEnvironment | 'development';
  /**
   * Overrides the environment's host, e.g. the simulator's URL in tests.
   * @default the environment's Singapay host
   */
  baseUrl?: string;
  /** API key issued by Singapay, sent as `X-PARTNER-ID` on every request. Required. */
  apiKey: string;
  /** Client ID: user name of the Basic auth on the token request. Required. */
  clientId: string;
  /** Client secret: password of the Basic auth on the token request; sent nowhere else. Required. */
  clientSecret: string;
  /** Payment password, added to payment bodies only. Required. */
  password: string;
  /**
   * `v2` uses `/api/v2/{prepaid,postpaid}/...`; `v1` the legacy paths (no game top-up or vouchers).
   * @default 'v2'
   */
  apiVersion?: SingapayApiVersion;
  /**
   * Timeout of one HTTP request to Singapay, in milliseconds: it bounds the whole
   * exchange (an answer dripped byte by byte included).
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * Renew the access token this many seconds before it expires (at most a tenth of
   * its lifetime, so short-lived tokens are renewed in time too).
   * @default 60
   */
  tokenRefreshBufferSeconds?: number;
  /**
   * DEBUG lines for what goes well: one per successful Singapay call (operation, product, masked
   * customer, hashed key, result, duration) and one per access token granted. Off by default, so
   * that an app on Nest's default logger (which shows DEBUG) logs only what needs a reader:
   * refusals and failures, at LOG, WARN and ERROR.
   * @default false
   */
  debugLogs?: boolean;
  /**
   * HTTP status of the exception raised for a response code, overriding the
   * built-in table, e.g. `{ '17': 402 }`. Keys are two-digit codes (not 00 or 01, which are no
   * failures) or the table's types (`insufficient_balance`, `unrecognised`…); any other key is
   * refused at start-up.
   * @default {} (the table in the README)
   */
  httpStatusOverrides?: Record<string, number>;
  /**
   * Retries of reads and inquiries (balance, transactions, game parameters,
   * inquiry) on transport failures, 5xx, unreadable answers and codes 03, 05, 09,
   * 14, 22, 89, 99. Payments are never retried once they may have left.
   * @default { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2000, deadlineMs: 60000 }
   */
  retry?: SingapayRetryOptions;
  /**
   * A payment whose outcome is unknown, and which Singapay still does not list
   * this long after it was sent, is concluded `failed` (`not_found`). At least `timeoutMs`; a `pay()`
   * call's own `timeoutMs` may not exceed it.
   * @default 1800000 (30 minutes)
   */
  paymentNotFoundAfterMs?: number;
  /**
   * How long a payment that is final only by inference stays looked after: a `not_found`
   * failure (Singapay's later word still wins) and a PLN token payment whose token has not
   * arrived. The sweep, `getPayment()` and callbacks keep checking it until then.
   * @default 86400000 (24 hours)
   */
  paymentReviewMs?: number;
  /**
   * How far Singapay's clock may be from ours when a lost direct purchase is matched to a
   * transaction by time. Larger is safer against skew; two candidates inside it leave the
   * payment `unknown` rather than guess.
   * @default 600000 (10 minutes)
   */
  clockSkewToleranceMs?: number;
  /**
   * Sweep pending and unknown payments against Singapay every this many
   * milliseconds, announcing settlements. 0 turns the sweep off.
   * @default 0 (off)
   */
  sweepIntervalMs?: number;
  /**
   * A Redis URL (`redis://` or `rediss://`). When set, the token and the payment
   * records are kept in Redis and shared by every replica (unless `tokenStore` /
   * `paymentStore` are given). Needs the optional `ioredis` package.
   * @default undefined (in-memory stores)
   */
  redisUrl?: string;
  /**
   * Say that you have checked the Redis that keeps payment records yourself: it never evicts
   * (`maxmemory-policy noeviction`) and keeps its data across a restart (`appendonly yes`).
   * Only for a Redis that refuses `CONFIG GET` (many managed services), whose settings the
   * module cannot read: without it, production refuses to start on such a Redis. Settings the
   * module can read and finds unsafe stop a production start whatever this says.
   * @default false
   */
  redisDurabilityVerified?: boolean;
  /**
   * A PostgreSQL connection string (`postgres://user:password@host:5432/db`). When set,
   * payment records are kept in PostgreSQL (table `singapay_payments`, created by
   * `npx singapay migrate`) until you prune them, shared by every replica, unless
   * `paymentStore` is given. With `redisUrl` too, payments go to PostgreSQL and the
   * token to Redis. The module opens its own pool, checks the schema at start-up
   * (refusing to start when the table is missing or old) and closes the pool on
   * shutdown. Needs the optional `pg` package.
   * @default undefined (payment records per `paymentStore` / `redisUrl`)
   */
  databaseUrl?: string;
}

/** How reads and inquiries are tried again. Payments follow their own, stricter rule. */
export interface SingapayRetryOptions {
  /**
   * Attempts in all, the first included; 1 turns retries off.
   * @default 3
   */
  maxAttempts?: number;
  /**
   * Pause before the first retry; it doubles each time, with full jitter.
   * @default 200
   */
  baseDelayMs?: number;
  /**
   * Longest pause between two attempts.
   * @default 2000
   */
  maxDelayMs?: number;
  /**
   * No retry starts later than this after the call began.
   * @default 60000
   */
  deadlineMs?: number;
}

export type SingapayResolvedRetryOptions = Required<SingapayRetryOptions>;
