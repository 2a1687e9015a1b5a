/**
 * The Biller API as Singapay's documentation prints it, read on its own for the
 * simulator. The simulator never imports the module's contract or code table: a
 * simulator that shared the module's guesses would only prove the module agrees with
 * itself. Where the documentation is silent the simulator chooses, and where more than
 * one reading is plausible it can answer each (`SingapaySimulatorVariants`).
 * Sources: docs-biller-b2b.singapay.id (June 2025) and docs.singapay.id (API reference).
 */

export const SIMULATOR_TOKEN_PATH = '/api/v1.0/access-token/b2b';
export const SIMULATOR_GRANT_TYPE = 'client_credentials';

/** The "General" endpoints: v1 only (the game parameters are v2 prepaid). */
export const SIMULATOR_GENERAL = {
  checkBalance: { path: '/api/v1/check-balance', command: 'check-balance' },
  detailTransaction: { path: '/api/v1/detail-bill-transaction', command: 'detail-bill-transaction' },
  listTransactions: { path: '/api/v1/list-bill-transaction', command: 'list-bill-transaction' },
  resetCustomerId: { path: '/api/v1/reset-customer-id', command: 'reset-customer-id' },
  gameTopupParameters: { path: '/api/v2/prepaid/get-parameter-game-topup', command: 'get-parameter-game-topup' },
} as const;

/** `command` of the callbacks Singapay POSTs. */
export const SIMULATOR_CALLBACK_COMMAND = 'callback';

export type SimulatorApiVersion = 'v1' | 'v2';
export type SimulatorFamily = 'prepaid' | 'postpaid';
export type SimulatorStage = 'inquiry' | 'payment';

export function simulatorProductPath(version: SimulatorApiVersion, family: SimulatorFamily, stage: SimulatorStage): string {
  return `/api/${version}/${family}/${stage}`;
}

export interface SimulatorCommandDoc {
  family: SimulatorFamily;
  /** Paid after an inquiry that mints the `reference_number`. */
  inquiry: boolean;
  versions: readonly SimulatorApiVersion[];
  /** `data.period` (months) as the inquiry takes it. */
  period?: { required: boolean; values?: readonly number[]; min: number; max: number };
  /** v2 postpaid inquiries take an optional `phone_number` of at most 25 characters. */
  phoneNumber?: boolean;
}

const postpaid = (period?: SimulatorCommandDoc['period']): SimulatorCommandDoc => ({
  family: 'postpaid',
  inquiry: true,
  versions: ['v1', 'v2'],
  phoneNumber: true,
  ...(period ? { period } : {}),
});

/** Commands (product categories), their flow and paths, as the endpoint pages list them. */
export const SIMULATOR_COMMANDS = {
  plntok: { family: 'prepaid', inquiry: true, versions: ['v1', 'v2'] },
  topupg: { family: 'prepaid', inquiry: true, versions: ['v2'] },
  pulsa: { family: 'prepaid', inquiry: false, versions: ['v1', 'v2'] },
  data: { family: 'prepaid', inquiry: false, versions: ['v1', 'v2'] },
  vouchg: { family: 'prepaid', inquiry: false, versions: ['v2'] },
  pdam: postpaid(),
  plnpos: postpaid(),
  plnnon: postpaid(),
  intv: postpaid(),
  bpjsks: postpaid({ required: true, min: 1, max: 12 }),
  bputk: postpaid({ required: true, values: [1, 2, 3, 6, 12], min: 1, max: 12 }),
  // The legacy page shows a putk inquiry without a period; the v2 spec lists one: optional here.
  putk: postpaid({ required: false, min: 1, max: 12 }),
  mobpos: postpaid(),
} as const satisfies Record<string, SimulatorCommandDoc>;

export type SimulatorCommand = keyof typeof SIMULATOR_COMMANDS;
export const SIMULATOR_COMMAND_NAMES = Object.keys(SIMULATOR_COMMANDS) as SimulatorCommand[];

export function simulatorCommandDoc(command: SimulatorCommand): SimulatorCommandDoc {
  return SIMULATOR_COMMANDS[command];
}

export const SIMULATOR_TRANSACTION_STATUSES = ['pending', 'success', 'refunded', 'failed'] as const;
export type SimulatorTransactionStatus = (typeof SIMULATOR_TRANSACTION_STATUSES)[number];

export const SIMULATOR_PHONE_NUMBER_MAX = 25;

/** `response_code` → default `response_text`, from the Getting Started page. */
export const SIMULATOR_RESPONSE_TEXTS: Readonly<Record<string, string>> = Object.freeze({
  '00': 'Operation completed successfully',
  '01': 'Operation is pending confirmation or in progress',
  '02': 'Operation was canceled by the user or system',
  '03': 'Unknown error occurred',
  '04': 'Rejected Format Error',
  '05': 'Operation timed out before completion',
  '06': 'Requested resource or endpoint not found',
  '07': 'Resource already exists',
  '08': 'Permission denied',
  '09': 'Resource limit or quota reached',
  '10': 'System state does not allow the operation',
  '11': 'Operation aborted due to a conflict or concurrency issue',
  '12': 'Input value outside the allowed range',
  '13': 'Operation not implemented or supported',
  '14': 'Service temporarily unavailable',
  '15': 'Critical data loss or corruption',
  '16': 'Authentication failed or credentials missing',
  '17': 'Insufficient balance',
  '20': 'Customer not found',
  '21': 'Bill already paid',
  '22': 'Biller side error',
  '50': 'Transaction will be or has been refunded',
  '51': 'Transaction already marked successful',
  '89': 'Temporary issue at the service provider, try later',
  '99': 'Internal system error',
});
