/**
 * Everything the module assumes about the Singapay Biller B2B API that could
 * turn out different from the public documentation lives in this file: hosts,
 * paths, header names, commands and their flows, and per-command field rules.
 * The simulator does not read it: it keeps its own reading of the documentation
 * (`simulator-api-docs.ts`), so that a wrong guess here fails against it.
 */

/** Where each environment lives. `development` is Singapay's own word for the sandbox. */
export const SINGAPAY_BASE_URLS = {
  sandbox: 'https://sandbox-biller-b2b.singapay.id',
  production: 'https://biller-b2b.singapay.id',
} as const;

export type SingapayEnvironment = keyof typeof SINGAPAY_BASE_URLS;
export type SingapayApiVersion = 'v1' | 'v2';

export const SINGAPAY_HEADERS = {
  partnerId: 'X-PARTNER-ID',
  authorization: 'Authorization',
} as const;

export const SINGAPAY_TOKEN_PATH = '/api/v1.0/access-token/b2b';
export const SINGAPAY_GRANT_TYPE = 'client_credentials';

/** Paths of the calls that do not depend on the API version. */
export const SINGAPAY_GENERAL_PATHS = {
  checkBalance: '/api/v1/check-balance',
  detailTransaction: '/api/v1/detail-bill-transaction',
  listTransactions: '/api/v1/list-bill-transaction',
  resetCustomerId: '/api/v1/reset-customer-id',
  gameTopupParameters: '/api/v2/prepaid/get-parameter-game-topup',
} as const;

/** The `command` values of the calls that are not product purchases. */
export const SINGAPAY_GENERAL_COMMANDS = {
  checkBalance: 'check-balance',
  detailTransaction: 'detail-bill-transaction',
  listTransactions: 'list-bill-transaction',
  resetCustomerId: 'reset-customer-id',
  gameTopupParameters: 'get-parameter-game-topup',
  callback: 'callback',
} as const;

export type SingapayProductFamily = 'prepaid' | 'postpaid';
export type SingapayStage = 'inquiry' | 'payment';

export function singapayProductPath(version: SingapayApiVersion, family: SingapayProductFamily, stage: SingapayStage): string {
  return `/api/${version}/${family}/${stage}`;
}

export interface SingapayCommandSpec {
  /** Product family: decides the prepaid or postpaid path. */
  family: SingapayProductFamily;
  /** Whether the purchase starts with an inquiry that mints a `reference_number`. */
  hasInquiry: boolean;
  /** API versions that know this command. */
  versions: readonly SingapayApiVersion[];
  /** Months-to-pay rule, absent where the command takes no period: the allowed `values`, else any integer from `min` to `max`. */
  period?: { required: boolean; values?: readonly number[]; min: number; max: number };
  /** Whether the inquiry accepts `phone_number` (v2 postpaid). */
  phoneNumber?: boolean;
  /** Whether the inquiry takes the game top-up's fields (`SINGAPAY_GAME_FIELDS`). */
  gameFields?: boolean;
  /** What the command sells, for docs and error messages. */
  description: string;
}

// What most commands share: every version, and for postpaid bills an inquiry and a phone number.
const BOTH = ['v1', 'v2'] as const;
const POSTPAID = { family: 'postpaid', hasInquiry: true, versions: BOTH, phoneNumber: true } as const;

const COMMANDS = {
  plntok: { family: 'prepaid', hasInquiry: true, versions: BOTH, description: 'PLN prepaid electricity token' },
  topupg: { family: 'prepaid', hasInquiry: true, versions: ['v2'], gameFields: true, description: 'Game top-up' },
  pulsa: { family: 'prepaid', hasInquiry: false, versions: BOTH, description: 'Mobile airtime' },
  data: { family: 'prepaid', hasInquiry: false, versions: BOTH, description: 'Mobile data package' },
  vouchg: { family: 'prepaid', hasInquiry: false, versions: ['v2'], description: 'Game voucher' },
  pdam: { ...POSTPAID, description: 'Water utility bill (PDAM)' },
  plnpos: { ...POSTPAID, description: 'PLN postpaid bill' },
  plnnon: { ...POSTPAID, description: 'PLN non-bill charges' },
  intv: { ...POSTPAID, description: 'Internet & TV bill' },
  bpjsks: { ...POSTPAID, period: { required: true, min: 1, max: 12 }, description: 'BPJS Kesehatan (health insurance)' },
  bputk: {
    ...POSTPAID,
    period: { required: true, values: [1, 2, 3, 6, 12], min: 1, max: 12 },
    description: 'BPJS Ketenagakerjaan, informal workers',
  },
  // Whether putk requires a period is uncertain: accepted, not demanded.
  putk: { ...POSTPAID, period: { required: false, min: 1, max: 12 }, description: 'BPJS Ketenagakerjaan, wage earners' },
  mobpos: { ...POSTPAID, description: 'Postpaid mobile bill' },
} as const satisfies Record<string, SingapayCommandSpec>;

/**
 * The game top-up inquiry's fields, the module's name to Singapay's. Uncertain: the docs list
 * `server_id`, `username` and `platform` for `topupg` and mark them so.
 */
export const SINGAPAY_GAME_FIELDS = { serverId: 'server_id', username: 'username', platform: 'platform' } as const;

/** An inquiry answer's field the docs describe ("late fee where any") without naming it: a guess at the name. */
export const SINGAPAY_LATE_FEE_FIELD = 'late_fee';

export type SingapayCommand = keyof typeof COMMANDS;
/** Every product command with its family, flow, versions and field rules. */
export const SINGAPAY_COMMANDS: Readonly<Record<SingapayCommand, SingapayCommandSpec>> = COMMANDS;
export const SINGAPAY_COMMAND_NAMES = Object.keys(SINGAPAY_COMMANDS) as SingapayCommand[];
export const SINGAPAY_INQUIRY_COMMANDS = SINGAPAY_COMMAND_NAMES.filter((c) => SINGAPAY_COMMANDS[c].hasInquiry);

/** Transaction states of `detail-bill-transaction` and the list filter. */
export const SINGAPAY_TRANSACTION_STATUSES = ['pending', 'success', 'refunded', 'failed'] as const;
export type SingapayTransactionStatus = (typeof SINGAPAY_TRANSACTION_STATUSES)[number];

/** Limits the docs state for request fields. */
export const SINGAPAY_FIELD_LIMITS = {
  phoneNumberMaxLength: 25,
} as const;

/**
 * The page size the module asks of the transaction list. Uncertain: the docs name only `page`
 * (pages of 10 in every example), so `per_page` is a guess at the usual name. The answer's
 * `pagination` says what was honoured, and a list that refuses the field is read without it.
 */
export const SINGAPAY_LIST_PAGE_SIZE = { field: 'per_page', rows: 100 } as const;

/**
 * The ids the module reads from answers and takes back from callers. Uncertain: the docs show
 * transaction ids as ULIDs and references as letters and digits (`SPPLNPOSRJBL0080217757411749548209`)
 * and state no format. An inquiry whose reference does not match is a malformed answer, so that
 * `pay()` never refuses a reference `inquiry()` handed out; widen a pattern here if Singapay's ids do.
 */
export const SINGAPAY_ID_PATTERNS = {
  transactionId: { pattern: /^[A-Za-z0-9_-]{1,64}$/, says: '1-64 letters, digits, "_" or "-"' },
  referenceNumber: { pattern: /^[A-Za-z0-9_-]{1,128}$/, says: '1-128 letters, digits, "_" or "-"' },
} as const;

/** Date format of the list filter (`Y-m-d`). */
export const SINGAPAY_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** Western Indonesian Time, UTC+7 all year (no daylight saving): Singapay's business day. */
export const SINGAPAY_WIB_OFFSET_MINUTES = 7 * 60;

export type SingapayTimeZone = 'WIB' | 'UTC';

/**
 * The zone each answer writes its zone-less `YYYY-MM-DD HH:mm:ss` timestamps in: undocumented,
 * read off the examples. Inquiry and payment answers print `created_at` in WIB (it matches the
 * Unix time at the end of their reference numbers). The documented detail row prints
 * `created_at` "2025-06-10 10:54:29" and `paid_at` "2025-06-10 17:54:29", and its reference
 * number ends in 1749552869 (2025-06-10T10:54:29Z): `created_at` in UTC, `paid_at` in WIB.
 * `inquired_at` is never shown filled in a row; WIB, like `paid_at`, is a guess.
 */
export const SINGAPAY_TIMESTAMP_ZONES = {
  inquiry: { created_at: 'WIB' },
  payment: { created_at: 'WIB' },
  transaction: { created_at: 'UTC', paid_at: 'WIB', inquired_at: 'WIB' },
} as const satisfies Record<string, Record<string, SingapayTimeZone>>;

/**
 * How close the instant a transaction id (a ULID) encodes must come to a reading of its
 * `created_at` to settle that reading's zone (the two zones are 7 hours apart). The documented
 * payment answers carry ids minted within 2 s of their `created_at`, but the documented detail
 * row's id (01JWX2F2DZC68TC94XMNBJCC3H) encodes 2025-06-04T08:55:59Z, six days before the row's
 * `created_at`: an id is evidence of the zone, never the clock itself.
 */
export const SINGAPAY_ULID_AGREEMENT_MS = 60 * 60_000;

/**
 * Where a PLN token may appear once Singapay issued it. Undocumented: the payment
 * answer carries `token: null`; later it may be the detail's top-level `data.token`,
 * a key of `other_info`, or a name/value pair of `other_info` as a list. These names
 * (compared case-insensitively, `_`/`-`/space ignored) are read in all three places.
 */
export const SINGAPAY_TOKEN_FIELD_NAMES = ['token', 'plntoken', 'tokenpln', 'stroomtoken', 'tokennumber'] as const;
/** Keys of a name/value pair in an `other_info` list; guesses, like the token's place. */
export const SINGAPAY_PAIR_NAME_KEYS = ['name', 'key', 'label', 'title', 'field'] as const;
export const SINGAPAY_PAIR_VALUE_KEYS = ['value', 'val', 'content', 'text'] as const;
