import { checkSingapaySimulatorFaultSeed } from './simulator-faults.js';

/** The four secrets Singapay issues per environment; the simulator's are public test values. */
export interface SingapaySimulatorCredentials {
  /** Sent as `X-PARTNER-ID` on every request. */
  apiKey: string;
  /** Username of the Basic auth of the token request. */
  clientId: string;
  /** Password of the Basic auth of the token request. */
  clientSecret: string;
  /** `data.password` of every payment. */
  password: string;
}

export const SINGAPAY_SIMULATOR_DEFAULT_CREDENTIALS: Readonly<SingapaySimulatorCredentials> = Object.freeze({
  apiKey: 'sim-api-key',
  clientId: 'sim-client-id',
  clientSecret: 'sim-client-secret',
  password: 'sim-password',
});

/**
 * Answers the documentation leaves open, or prints in more than one way. The defaults
 * are what the documentation prints where it prints anything; tests of a client should
 * run over every value, since the real API may answer any of them.
 */
export interface SingapaySimulatorVariants {
  /**
   * Zone of the zone-less timestamps. Documented: detail, list and callback rows print
   * `created_at` in UTC and `paid_at` in WIB; inquiry and payment answers print `created_at`
   * in WIB. `inquired_at` is never shown filled: WIB is a guess.
   * @default { rowCreatedAt: 'UTC', rowPaidAt: 'WIB', rowInquiredAt: 'WIB', answerCreatedAt: 'WIB' }
   */
  zones?: Partial<SimulatorZones>;
  /**
   * Where an issued PLN token appears in detail, list and callback rows: top-level
   * `data.token`, `other_info.token`, or `other_info` as a list of `{ name, value }` pairs. Undocumented.
   * @default 'otherInfo'
   */
  tokenIn?: SimulatorTokenPlace;
  /**
   * The `data.token` of a PLN token payment answered `00`. The docs: "`data.token` can be `null`
   * even on `00`; the token may appear later". `'null'`: always null, the token issued after
   * `settleDelayMs`. `'issued'`: the token is issued with the payment and answered in it (a
   * pending payment still answers null and gets its token when it succeeds).
   * @default 'null'
   */
  paymentToken?: 'null' | 'issued';
  /**
   * The `00` callback of a PLN token payment whose token comes later. The docs: a callback "when a
   * transaction ends `00`", and a token that "may appear later"; whether the callback waits for the
   * token, comes at the success with `other_info: []`, or comes at both is not said. `'afterToken'`:
   * one callback, once the token exists. `'atSuccess'`: one at the success, without the token, none
   * after. `'both'`: one at the success and another once the token exists.
   * @default 'afterToken'
   */
  plnTokenCallback?: 'afterToken' | 'atSuccess' | 'both';
  /**
   * What paying a reference already paid answers (under another key, say). Undocumented: the docs give
   * only `06` "inquiry not found" for a reference unknown or expired. `'alreadyPaid'`: `21` for a bill,
   * `07` for a prepaid reference (the first payment stands). `'notFound'`: `06`, as if the reference
   * were gone once used. Nothing is charged either way.
   * @default 'alreadyPaid'
   */
  paidReference?: 'alreadyPaid' | 'notFound';
  /**
   * How a list with no rows is answered. Undocumented: `bill_transactions: []`, code 00
   * without `data`, or code 06 "Transaction not found".
   * @default 'emptyArray'
   */
  emptyList?: 'emptyArray' | 'noData' | 'notFound';
  /**
   * Whether list answers carry `data.pagination` (the newer docs) or not (the legacy page).
   * Without it the list is still cut in pages of `listPageSize`.
   * @default true
   */
  listPagination?: boolean;
  /**
   * Rows per list page.
   * @default 10
   */
  listPageSize?: number;
  /**
   * What a list request's `per_page` does. The docs name only `page`: an API may honour a page
   * size asked for (up to 1000 rows), ignore it (pages of `listPageSize`), or refuse the
   * request with 04 as an unknown field.
   * @default 'ignored'
   */
  listPerPage?: 'ignored' | 'honoured' | 'refused';
  /**
   * The balance as the legacy page prints it (`"8910003.00"` with `currency`) or as the
   * OpenAPI example does (a bare number, no currency).
   * @default 'decimalString'
   */
  balance?: 'decimalString' | 'number';
  /**
   * The instant a `transaction_id` (a ULID) encodes. The documented payment answers carry ids
   * minted when the transaction was created (a second or two after their `created_at`); the
   * documented detail row's id is six days older than its `created_at`, `paid_at` and reference
   * number: `'daysBefore'` mints every id that long before its transaction.
   * @default 'created'
   */
  transactionIdTime?: 'created' | 'daysBefore';
  /**
   * Code answered to a payment with a wrong `data.password`. Undocumented.
   * @default '08'
   */
  wrongPasswordCode?: string;
  /**
   * Whether a failure code at payment comes with the transaction it created. The docs: "anything
   * else failure, with `transaction_id` when the transaction was created", and never say which
   * failures create one. `'whenCreated'`: a failure from the provider's side (the test customers'
   * codes at payment, other than the merchant's own refusals 04, 06, 07, 08, 09, 16, 17 and 51)
   * draws the price, answers `data` with the `transaction_id`, lists the transaction `failed`, and
   * refunds it after `settleDelayMs` (a 50 callback). `'never'`: no failure creates a transaction.
   * @default 'never'
   */
  failureTransactionId?: 'never' | 'whenCreated';
  /**
   * What a transaction's `net_price` is. Undocumented; the documented rows print it equal to
   * `price`. `'price'`: the deposit is charged the customer's price. `'belowPrice'`: the merchant's
   * cost, 2% below the price (`price - floor(price / 50)`); the deposit is charged, checked against
   * and refunded that net price, while answers still show `price`.
   * @default 'price'
   */
  netPrice?: 'price' | 'belowPrice';
  /**
   * How every business `response_code` is printed: two digits as the examples print them
   * (`"00"`, `"06"`), or without the leading zero (`"0"`, `"6"`, `"17"`), as the docs say
   * codes may come ("6" for "06" was seen on an HTTP 404). Applies to every business answer
   * and callback; the detail's "Transaction not found" is the seen `"6"` either way.
   * @default 'padded'
   */
  codes?: 'padded' | 'unpadded';
  /**
   * The token answer's `expires_in`: a string of seconds as every example prints it (`"3600"`),
   * a number as other Singapay hosts send it, or left out (the docs say to treat a missing value
   * conservatively). The token is a JWT with `iat` and `exp` either way.
   * @default 'string'
   */
  expiresIn?: 'string' | 'number' | 'missing';
  /**
   * The zone whose calendar days a list's `start_date` and `end_date` (`Y-m-d`) name, matched
   * against each transaction's creation instant. Undocumented: Singapay is in Jakarta (WIB), but
   * the rows print `created_at` in UTC.
   * @default 'WIB'
   */
  listDayZone?: SimulatorTimeZone;
  /**
   * Whether a prepaid inquiry (`plntok`, `topupg`) answers a `created_at`. The docs print it in the
   * postpaid inquiry and print no prepaid inquiry at all; postpaid inquiries always state it.
   * @default 'stated'
   */
  prepaidInquiryCreatedAt?: 'stated' | 'absent';
  /**
   * The `data` of `get-parameter-game-topup`, whose answer the docs do not show: a map
   * `{ category_code, parameters: [...] }`, or the list of parameters itself.
   * @default 'object'
   */
  gameParameters?: 'object' | 'list';
}

export type SimulatorTimeZone = 'UTC' | 'WIB';

/** What the deposit is charged for a transaction of `price` (`variants.netPrice`). */
export function simulatorNetPrice(price: number, variants: Pick<SimulatorResolvedVariants, 'netPrice'>): number {
  return variants.netPrice === 'belowPrice' ? price - Math.floor(price / 50) : price;
}
export type SimulatorTokenPlace = 'data' | 'otherInfo' | 'otherInfoPairs';

export interface SimulatorZones {
  rowCreatedAt: SimulatorTimeZone;
  rowPaidAt: SimulatorTimeZone;
  rowInquiredAt: SimulatorTimeZone;
  answerCreatedAt: SimulatorTimeZone;
}

export type SimulatorResolvedVariants = Required<Omit<SingapaySimulatorVariants, 'zones'>> & { zones: SimulatorZones };

export const SINGAPAY_SIMULATOR_DOCUMENTED_VARIANTS: Readonly<SimulatorResolvedVariants> = Object.freeze({
  zones: Object.freeze({ rowCreatedAt: 'UTC', rowPaidAt: 'WIB', rowInquiredAt: 'WIB', answerCreatedAt: 'WIB' }),
  tokenIn: 'otherInfo',
  paymentToken: 'null',
  plnTokenCallback: 'afterToken',
  paidReference: 'alreadyPaid',
  emptyList: 'emptyArray',
  listPagination: true,
  listPageSize: 10,
  listPerPage: 'ignored',
  balance: 'decimalString',
  transactionIdTime: 'created',
  wrongPasswordCode: '08',
  failureTransactionId: 'never',
  netPrice: 'price',
  codes: 'padded',
  expiresIn: 'string',
  listDayZone: 'WIB',
  prepaidInquiryCreatedAt: 'stated',
  gameParameters: 'object',
});

export interface SingapaySimulatorOptions {
  /**
   * TCP port to listen on; 0 picks a free one (read it back from `port`).
   * @default 0
   */
  port?: number;
  /**
   * Interface to bind. Keep the loopback one: the simulator has no security worth exposing.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Credentials the simulator accepts; missing fields keep their defaults.
   * @default { apiKey: 'sim-api-key', clientId: 'sim-client-id', clientSecret: 'sim-client-secret', password: 'sim-password' }
   */
  credentials?: Partial<SingapaySimulatorCredentials>;
  /**
   * Lifetime of an access token, reported as `expires_in` (a string, as the examples print it;
   * see `variants.expiresIn`) and in the JWT's `exp`.
   * @default 3600
   */
  tokenLifetimeSeconds?: number;
  /**
   * Delay before a pending purchase settles (and before a PLN token is issued,
   * and between the failure and the refund of a refunding test customer).
   * `settleAll()` and `advance()` skip the wait.
   * @default 2000
   */
  settleDelayMs?: number;
  /**
   * How long an inquiry's `reference_number` stays payable, on the simulator's clock.
   * @default 900000 (15 minutes)
   */
  inquiryTtlMs?: number;
  /**
   * Deposit balance in whole rupiah at start and after `reset()`.
   * @default 10000000
   */
  initialBalance?: number;
  /**
   * Where callbacks are POSTed when a transaction ends in success or refund.
   * @default undefined (no callbacks)
   */
  callbackUrl?: string;
  /**
   * Client IPs allowed to call; any other gets HTTP 403 "Your IP address (x) is not registered".
   * @default undefined (every client allowed)
   */
  allowedIps?: readonly string[];
  /**
   * Sandbox rule: a customer id may be used once per (WIB) day until `reset-customer-id`.
   * @default false
   */
  oncePerDay?: boolean;
  /**
   * Attempts per callback before giving up (the first one included).
   * @default 4
   */
  callbackAttempts?: number;
  /**
   * Pause before the first callback retry; it doubles on each further retry.
   * @default 100
   */
  callbackBackoffMs?: number;
  /**
   * The clock, in epoch milliseconds. `advance(ms)` moves the simulator's time on top of it.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Seed of the generator that decides `probability` fault rules, an integer
   * 0..4294967295: the same seed and the same requests fault the same way.
   * `reset()` rewinds the generator to it. Read the seed in use from `sim.faults.seed`.
   * @default a random seed per start
   */
  faultSeed?: number;
  /**
   * Answers where the documentation is silent or shows several forms; see `SingapaySimulatorVariants`.
   * @default the documented forms (`SINGAPAY_SIMULATOR_DOCUMENTED_VARIANTS`)
   */
  variants?: SingapaySimulatorVariants;
}

export interface SimulatorResolvedOptions {
  port: number;
  host: string;
  credentials: SingapaySimulatorCredentials;
  tokenLifetimeSeconds: number;
  settleDelayMs: number;
  inquiryTtlMs: number;
  initialBalance: number;
  callbackUrl: string | undefined;
  allowedIps: readonly string[] | undefined;
  oncePerDay: boolean;
  callbackAttempts: number;
  callbackBackoffMs: number;
  now: () => number;
  faultSeed: number | undefined;
  variants: SimulatorResolvedVariants;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isFinite(resolved) || resolved < 0) {
    throw new RangeError(`SingapaySimulator option ${name} must be a finite number >= 0, got ${String(value)}`);
  }
  return resolved;
}

export function resolveSimulatorOptions(options: SingapaySimulatorOptions = {}): SimulatorResolvedOptions {
  return {
    port: nonNegative('port', options.port, 0),
    host: options.host ?? '127.0.0.1',
    credentials: { ...SINGAPAY_SIMULATOR_DEFAULT_CREDENTIALS, ...options.credentials },
    tokenLifetimeSeconds: nonNegative('tokenLifetimeSeconds', options.tokenLifetimeSeconds, 3600),
    settleDelayMs: nonNegative('settleDelayMs', options.settleDelayMs, 2000),
    inquiryTtlMs: nonNegative('inquiryTtlMs', options.inquiryTtlMs, 15 * 60 * 1000),
    initialBalance: nonNegative('initialBalance', options.initialBalance, 10_000_000),
    callbackUrl: options.callbackUrl,
    allowedIps: options.allowedIps,
    oncePerDay: options.oncePerDay ?? false,
    callbackAttempts: Math.max(1, nonNegative('callbackAttempts', options.callbackAttempts, 4)),
    callbackBackoffMs: nonNegative('callbackBackoffMs', options.callbackBackoffMs, 100),
    now: options.now ?? Date.now,
    faultSeed: checkSingapaySimulatorFaultSeed(options.faultSeed),
    variants: resolveVariants(options.variants),
  };
}

function resolveVariants(input: SingapaySimulatorVariants = {}): SimulatorResolvedVariants {
  const d = SINGAPAY_SIMULATOR_DOCUMENTED_VARIANTS;
  const zones = { ...d.zones, ...input.zones };
  for (const [name, zone] of Object.entries(zones)) {
    if (zone !== 'UTC' && zone !== 'WIB') throw new RangeError(`SingapaySimulator variant zones.${name} must be 'UTC' or 'WIB'`);
  }
  const pick = <T>(name: string, value: T | undefined, allowed: readonly T[], fallback: T): T => {
    if (value === undefined) return fallback;
    if (!allowed.includes(value)) throw new RangeError(`SingapaySimulator variant ${name} must be one of ${allowed.join(', ')}`);
    return value;
  };
  const pageSize = input.listPageSize ?? d.listPageSize;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
    throw new RangeError('SingapaySimulator variant listPageSize must be an integer from 1 to 1000');
  const wrongPasswordCode = input.wrongPasswordCode ?? d.wrongPasswordCode;
  if (!/^\d{1,2}$/.test(wrongPasswordCode)) throw new RangeError('SingapaySimulator variant wrongPasswordCode must be a code such as 08');
  return {
    zones,
    tokenIn: pick('tokenIn', input.tokenIn, ['data', 'otherInfo', 'otherInfoPairs'] as const, d.tokenIn),
    paymentToken: pick('paymentToken', input.paymentToken, ['null', 'issued'] as const, d.paymentToken),
    plnTokenCallback: pick('plnTokenCallback', input.plnTokenCallback, ['afterToken', 'atSuccess', 'both'] as const, d.plnTokenCallback),
    paidReference: pick('paidReference', input.paidReference, ['alreadyPaid', 'notFound'] as const, d.paidReference),
    emptyList: pick('emptyList', input.emptyList, ['emptyArray', 'noData', 'notFound'] as const, d.emptyList),
    listPagination: input.listPagination ?? d.listPagination,
    listPageSize: pageSize,
    listPerPage: pick('listPerPage', input.listPerPage, ['ignored', 'honoured', 'refused'] as const, d.listPerPage),
    balance: pick('balance', input.balance, ['decimalString', 'number'] as const, d.balance),
    transactionIdTime: pick('transactionIdTime', input.transactionIdTime, ['created', 'daysBefore'] as const, d.transactionIdTime),
    wrongPasswordCode,
    failureTransactionId: pick(
      'failureTransactionId',
      input.failureTransactionId,
      ['never', 'whenCreated'] as const,
      d.failureTransactionId,
    ),
    netPrice: pick('netPrice', input.netPrice, ['price', 'belowPrice'] as const, d.netPrice),
    codes: pick('codes', input.codes, ['padded', 'unpadded'] as const, d.codes),
    expiresIn: pick('expiresIn', input.expiresIn, ['string', 'number', 'missing'] as const, d.expiresIn),
    listDayZone: pick('listDayZone', input.listDayZone, ['WIB', 'UTC'] as const, d.listDayZone),
    prepaidInquiryCreatedAt: pick(
      'prepaidInquiryCreatedAt',
      input.prepaidInquiryCreatedAt,
      ['stated', 'absent'] as const,
      d.prepaidInquiryCreatedAt,
    ),
    gameParameters: pick('gameParameters', input.gameParameters, ['object', 'list'] as const, d.gameParameters),
  };
}
