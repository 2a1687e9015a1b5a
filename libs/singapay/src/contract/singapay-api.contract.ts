/**
 * Everything the module assumes about the Singapay Biller B2B API that could
 * turn out different from the public documentation lives in this file: hosts,
 * paths, header names, commands and their flows, and per-command field rules.
 * The simulator reads the same table, so one edit moves both.
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

export function singapayProductPath(
  version: SingapayApiVersion,
  family: SingapayProductFamily,
  stage: SingapayStage,
): string {
  return `/api/${version}/${family}/${stage}`;
}

/** How a period (months to pay) is accepted by a command. */
export interface SingapayPeriodRule {
  required: boolean;
  /** Allowed values; when absent any integer from `min` to `max`. */
  values?: readonly number[];
  min: number;
  max: number;
}

export interface SingapayCommandSpec {
  /** Product family: decides the prepaid or postpaid path. */
  family: SingapayProductFamily;
  /** Whether the purchase starts with an inquiry that mints a `reference_number`. */
  hasInquiry: boolean;
  /** API versions that know this command. */
  versions: readonly SingapayApiVersion[];
  /** Months-to-pay rule; absent where the command takes no period. */
  period?: SingapayPeriodRule;
  /** Whether the inquiry accepts `phone_number` (v2 postpaid). */
  phoneNumber?: boolean;
  /** Extra inquiry fields the command needs (game top-up). Uncertain in the docs. */
  gameFields?: boolean;
  /** What the command sells, for docs and error messages. */
  description: string;
}

const COMMANDS = {
  plntok: { family: 'prepaid', hasInquiry: true, versions: ['v1', 'v2'], description: 'PLN prepaid electricity token' },
  topupg: { family: 'prepaid', hasInquiry: true, versions: ['v2'], gameFields: true, description: 'Game top-up' },
  pulsa: { family: 'prepaid', hasInquiry: false, versions: ['v1', 'v2'], description: 'Mobile airtime' },
  data: { family: 'prepaid', hasInquiry: false, versions: ['v1', 'v2'], description: 'Mobile data package' },
  vouchg: { family: 'prepaid', hasInquiry: false, versions: ['v2'], description: 'Game voucher' },
  pdam: { family: 'postpaid', hasInquiry: true, versions: ['v1', 'v2'], phoneNumber: true, description: 'Water utility bill (PDAM)' },
  plnpos: { family: 'postpaid', hasInquiry: true, versions: ['v1', 'v2'], phoneNumber: true, description: 'PLN postpaid bill' },
  plnnon: { family: 'postpaid', hasInquiry: true, versions: ['v1', 'v2'], phoneNumber: true, description: 'PLN non-bill charges' },
  intv: { family: 'postpaid', hasInquiry: true, versions: ['v1', 'v2'], phoneNumber: true, description: 'Internet & TV bill' },
  bpjsks: {
    family: 'postpaid', hasInquiry: true, versions: ['v1', 'v2'], phoneNumber: true,
    period: { required: true, min: 1, max: 12 }, description: 'BPJS Kesehatan (health insurance)',
  },
  bputk: {
    family: 'postpaid', hasInquiry: true, versions: ['v1', 'v2'], phoneNumber: true,
    period: { required: true, values: [1, 2, 3, 6, 12], min: 1, max: 12 },
    description: 'BPJS Ketenagakerjaan, informal workers',
  },
  // Whether putk requires a period is uncertain: accepted, not demanded.
  putk: {
    family: 'postpaid', hasInquiry: true, versions: ['v1', 'v2'], phoneNumber: true,
    period: { required: false, min: 1, max: 12 }, description: 'BPJS Ketenagakerjaan, wage earners',
  },
  mobpos: { family: 'postpaid', hasInquiry: true, versions: ['v1', 'v2'], phoneNumber: true, description: 'Postpaid mobile bill' },
} as const satisfies Record<string, SingapayCommandSpec>;

export type SingapayCommand = keyof typeof COMMANDS;
/** Every product command with its family, flow, versions and field rules. */
export const SINGAPAY_COMMANDS: Readonly<Record<SingapayCommand, SingapayCommandSpec>> = COMMANDS;
export const SINGAPAY_COMMAND_NAMES = Object.keys(SINGAPAY_COMMANDS) as SingapayCommand[];
export const SINGAPAY_INQUIRY_COMMANDS = SINGAPAY_COMMAND_NAMES.filter((c) => SINGAPAY_COMMANDS[c].hasInquiry);
export const SINGAPAY_DIRECT_COMMANDS = SINGAPAY_COMMAND_NAMES.filter((c) => !SINGAPAY_COMMANDS[c].hasInquiry);

export function singapayCommandSpec(command: string): SingapayCommandSpec | undefined {
  return Object.hasOwn(SINGAPAY_COMMANDS, command)
    ? (SINGAPAY_COMMANDS as Record<string, SingapayCommandSpec>)[command]
    : undefined;
}

/** Transaction states of `detail-bill-transaction` and the list filter. */
export const SINGAPAY_TRANSACTION_STATUSES = ['pending', 'success', 'refunded', 'failed'] as const;
export type SingapayTransactionStatus = (typeof SINGAPAY_TRANSACTION_STATUSES)[number];

/** Limits the docs state for request fields. */
export const SINGAPAY_FIELD_LIMITS = {
  phoneNumberMaxLength: 25,
} as const;

/** Date format of the list filter (`Y-m-d`). */
export const SINGAPAY_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The zone of Singapay's `YYYY-MM-DD HH:mm:ss` timestamps, in minutes east of UTC.
 * Uncertain: payment answers and the reference numbers read as WIB (UTC+7); one
 * detail example looks like UTC. Matching a lost payment to a transaction relies on it.
 */
export const SINGAPAY_TIMESTAMP_UTC_OFFSET_MINUTES = 7 * 60;
