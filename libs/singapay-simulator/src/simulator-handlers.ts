import {
  SIMULATOR_COMMANDS,
  SIMULATOR_COMMAND_NAMES,
  SIMULATOR_GENERAL,
  SIMULATOR_PHONE_NUMBER_MAX,
  SIMULATOR_TRANSACTION_STATUSES,
  simulatorCommandDoc,
  type SimulatorApiVersion,
  type SimulatorCommand,
  type SimulatorFamily,
  type SimulatorStage,
} from './simulator-api-docs.js';
import { simulatorBillFor, simulatorCustomerName } from './simulator-bills.js';
import {
  SINGAPAY_SIMULATOR_GAME_PARAMETERS,
  SINGAPAY_SIMULATOR_PRODUCTS,
  findSimulatorProduct,
  type SingapaySimulatorProduct,
} from './simulator-catalogue.js';
import {
  businessReply,
  responseTextFor,
  transactionView,
  validationReply,
  type SimulatorReply,
} from './simulator-envelopes.js';
import { formatBalance, formatRupiah, formatSingapayDateTime, isCalendarDay, singapayDay } from './simulator-format.js';
import { newReferenceNumber, newUlid } from './simulator-ids.js';
import type { SimulatorResolvedOptions } from './simulator-options.js';
import type { SingapaySimulatorSettlement } from './simulator-settlement.js';
import {
  billKey,
  type SimulatorInquiry,
  type SimulatorStep,
  type SimulatorTransactionRecord,
  type SingapaySimulatorState,
} from './simulator-state.js';
import { simulatorScenarioFor, type SimulatorScenario } from './simulator-test-customers.js';
import { SimulatorValidator } from './simulator-validation.js';

/** What the handlers need from the simulator around them. */
export interface SimulatorRuntime {
  readonly options: SimulatorResolvedOptions;
  readonly settlement: SingapaySimulatorSettlement;
  state(): SingapaySimulatorState;
  now(): number;
}

type Body = Record<string, unknown>;

const OK_TEXT = 'Operation completed successfully';
const PHONE_COMMANDS: ReadonlySet<SimulatorCommand> = new Set(['pulsa', 'data', 'mobpos']);
const PHONE_PATTERN = /^(?:\+?62|0)8\d{7,12}$/;
const NIK_PATTERN = /^\d{16}$/;
const GAME_ID_PATTERN = /^[\w.@+-]{1,64}$/;
const NUMBER_ID_PATTERN = /^\d{6,20}$/;

/**
 * Code for paying a prepaid reference (plntok, topupg) a second time. Singapay
 * does not document it; postpaid bills answer 21, which reads wrong for a
 * token, so the simulator says 07 already_exists: the first payment stands.
 */
const PREPAID_REFERENCE_REUSED_CODE = '07';
/** Code of the sandbox's once-per-day rule. Undocumented; 09 resource_exhausted reads as "quota reached". */
const ONCE_PER_DAY_CODE = '09';

/** The business side of every endpoint. Inputs are parsed JSON bodies; outputs are replies, not yet written. */
export class SingapaySimulatorHandlers {
  constructor(private readonly rt: SimulatorRuntime) {}

  checkBalance(body: Body): SimulatorReply {
    const command = SIMULATOR_GENERAL.checkBalance.command;
    const v = this.general(body, command);
    if (v.failed) return validationReply(echo(body, command), v.errors);
    const balance = this.rt.state().balance;
    // The legacy page prints a decimal string with the currency; the OpenAPI example a bare number.
    return businessReply(
      command,
      '00',
      OK_TEXT,
      this.rt.options.variants.balance === 'number' ? { balance } : { balance: formatBalance(balance), currency: 'IDR' },
    );
  }

  resetCustomerId(body: Body): SimulatorReply {
    const command = SIMULATOR_GENERAL.resetCustomerId.command;
    const v = this.general(body, command);
    if (v.failed) return validationReply(echo(body, command), v.errors);
    // Lifting the once-per-day rule only helps if the sandbox bills can be paid again too.
    this.rt.state().customerUsage.clear();
    this.rt.state().paidBills.clear();
    return businessReply(command, '00', `${OK_TEXT}.`);
  }

  detailTransaction(body: Body): SimulatorReply {
    const command = SIMULATOR_GENERAL.detailTransaction.command;
    const v = this.general(body, command);
    const id = v.string('data.transaction_id', { required: true, max: 64 });
    if (v.failed || id === undefined) return validationReply(echo(body, command), v.errors);
    const tx = this.rt.state().transactions.get(id);
    // Singapay sends this one unpadded ("6"), on HTTP 404.
    if (!tx) return businessReply(command, '6', 'Transaction not found');
    return businessReply(command, '00', OK_TEXT, transactionView(tx, true, this.rt.options.variants));
  }

  listTransactions(body: Body): SimulatorReply {
    const command = SIMULATOR_GENERAL.listTransactions.command;
    const v = this.general(body, command);
    const transactionId = v.string('data.transaction_id', { required: false, max: 64 });
    const customerId = v.string('data.customer_id', { required: false, max: 64 });
    const status = v.string('data.status', { required: false, in: SIMULATOR_TRANSACTION_STATUSES });
    const page = v.integer('data.page', { required: false, min: 1 }) ?? 1;
    const range = this.dateRange(v);
    if (v.failed) return validationReply(echo(body, command), v.errors);

    const rows = this.rt
      .state()
      .transactionsNewestFirst()
      .filter(
        (tx) =>
          (transactionId === undefined || tx.transactionId === transactionId) &&
          (customerId === undefined || tx.customerId === customerId) &&
          (status === undefined || tx.status === status) &&
          (range === undefined || (singapayDay(tx.createdAt) >= range.start && singapayDay(tx.createdAt) <= range.end)),
      );
    const { listPageSize: perPage, listPagination, emptyList } = this.rt.options.variants;
    const total = rows.length;
    const pageRows = rows.slice((page - 1) * perPage, page * perPage);
    if (pageRows.length === 0 && emptyList !== 'emptyArray') {
      return emptyList === 'notFound' ? businessReply(command, '6', 'Transaction not found') : businessReply(command, '00', OK_TEXT);
    }
    return businessReply(command, '00', OK_TEXT, {
      bill_transactions: pageRows.map((tx) => transactionView(tx, false, this.rt.options.variants)),
      ...(listPagination
        ? { pagination: { current_page: page, last_page: Math.max(1, Math.ceil(total / perPage)), per_page: perPage, total } }
        : {}),
    });
  }

  gameTopupParameters(body: Body): SimulatorReply {
    const command = SIMULATOR_GENERAL.gameTopupParameters.command;
    const v = this.general(body, command);
    const category = v.string('data.category_code', { required: true, max: 64 });
    if (v.failed || category === undefined) return validationReply(echo(body, command), v.errors);
    const parameters = Object.hasOwn(SINGAPAY_SIMULATOR_GAME_PARAMETERS, category)
      ? SINGAPAY_SIMULATOR_GAME_PARAMETERS[category]
      : undefined;
    if (!parameters) return businessReply(command, '06', 'Category not found');
    return businessReply(command, '00', OK_TEXT, { category_code: category, parameters: structuredClone(parameters) });
  }

  /** Inquiry or payment on `/api/{version}/{family}/{stage}`. */
  product(version: SimulatorApiVersion, family: SimulatorFamily, stage: SimulatorStage, body: Body): SimulatorReply {
    const state = this.rt.state();
    const data = isObject(body.data) ? body.data : {};
    if (stage === 'payment') state.countPayment(data.reference_number, data.customer_id);

    const v = new SimulatorValidator(body);
    const known = SIMULATOR_COMMAND_NAMES.filter((name) => {
      const spec = SIMULATOR_COMMANDS[name];
      return spec.family === family && (spec.versions as readonly string[]).includes(version) && (stage === 'payment' || spec.inquiry);
    });
    const command = v.string('command', { required: true, in: known }) as SimulatorCommand | undefined;
    v.object('data', false);
    const customerId = v.string('data.customer_id', { required: true, max: 64 });
    const productCodes = SINGAPAY_SIMULATOR_PRODUCTS.filter((p) => command === undefined || p.command === command).map((p) => p.code);
    const productCode = v.string('data.product_code', { required: true, in: productCodes });
    const product = productCode === undefined ? undefined : findSimulatorProduct(productCode);
    const reply = echo(body, null);
    if (stage === 'payment') {
      const password = v.string('data.password', { required: true, max: 255 });
      const needsReference = command === undefined || SIMULATOR_COMMANDS[command].inquiry;
      const referenceNumber = v.string('data.reference_number', { required: needsReference, max: 64 });
      if (v.failed || command === undefined || customerId === undefined || product === undefined || password === undefined) {
        return validationReply(reply, v.errors);
      }
      const formatError = this.customerIdError(command, customerId);
      if (formatError) return businessReply(command, '04', formatError);
      if (password !== this.rt.options.credentials.password) {
        // Undocumented: the code is a variant (08 permission_denied by default).
        return businessReply(command, this.rt.options.variants.wrongPasswordCode, 'Invalid password');
      }
      return SIMULATOR_COMMANDS[command].inquiry
        ? this.payInquiry(command, product, customerId, referenceNumber!)
        : this.payDirect(command, product, customerId);
    }

    const months = command === undefined ? undefined : this.period(v, command);
    if (command !== undefined && version === 'v2' && family === 'postpaid' && specOf(command).phoneNumber) {
      v.string('data.phone_number', { required: false, max: SIMULATOR_PHONE_NUMBER_MAX });
    }
    const gameFields: Record<string, string> = {};
    if (command === 'topupg') {
      for (const field of ['username', 'platform']) v.string(`data.${field}`, { required: false, max: 64 });
      for (const parameter of product ? (SINGAPAY_SIMULATOR_GAME_PARAMETERS[product.category.code] ?? []) : []) {
        const value = v.string(`data.${parameter.name}`, {
          required: parameter.required,
          max: 64,
          in: parameter.options?.map((option) => option.value),
        });
        if (value !== undefined) gameFields[parameter.name] = value;
      }
    }
    if (v.failed || command === undefined || customerId === undefined || product === undefined) {
      return validationReply(reply, v.errors);
    }
    const formatError = this.customerIdError(command, customerId);
    if (formatError) return businessReply(command, '04', formatError);
    return this.inquire(version, command, product, customerId, months, gameFields);
  }

  private inquire(
    version: SimulatorApiVersion,
    command: SimulatorCommand,
    product: SingapaySimulatorProduct,
    customerId: string,
    months: number | undefined,
    gameFields: Record<string, string>,
  ): SimulatorReply {
    const state = this.rt.state();
    const now = this.rt.now();
    const scenario = simulatorScenarioFor(customerId);
    if (scenario.kind === 'codeAtInquiry' && scenario.code !== '00') {
      return businessReply(command, scenario.code, responseTextFor(scenario.code));
    }
    if (this.usedToday(customerId)) return this.oncePerDayReply(command);

    const spec = SIMULATOR_COMMANDS[command];
    let amount: number;
    let price: number;
    let customerName: string;
    let period: string | null = null;
    if (spec.family === 'postpaid') {
      if (state.paidBills.has(billKey(product.code, customerId))) return businessReply(command, '21', responseTextFor('21'));
      const bill = simulatorBillFor(product, customerId, months, now, version);
      amount = bill.amount;
      price = bill.amount + (product.adminFee ?? 0);
      customerName = bill.customerName;
      period = bill.period;
    } else {
      amount = product.amount ?? 0;
      price = product.price ?? amount;
      customerName = simulatorCustomerName(customerId);
    }

    const inquiry: SimulatorInquiry = {
      referenceNumber: newReferenceNumber(product.code, now),
      command,
      productCode: product.code,
      customerId,
      customerName,
      amount,
      price,
      period,
      inquiredAt: now,
      expiresAt: now + this.rt.options.inquiryTtlMs,
      scenario,
      transactionId: null,
    };
    state.inquiries.set(inquiry.referenceNumber, inquiry);
    return businessReply(command, '00', 'Inquiry success', {
      amount: formatRupiah(amount),
      customer_name: customerName,
      ...(period === null ? {} : { period }),
      customer_id: customerId,
      ...gameFields,
      reference_number: inquiry.referenceNumber,
      price: formatRupiah(price),
      created_at: formatSingapayDateTime(now, this.rt.options.variants.zones.answerCreatedAt),
    });
  }

  private payInquiry(
    command: SimulatorCommand,
    product: SingapaySimulatorProduct,
    customerId: string,
    referenceNumber: string,
  ): SimulatorReply {
    const state = this.rt.state();
    const inquiry = state.inquiries.get(referenceNumber);
    if (!inquiry || inquiry.customerId !== customerId || inquiry.productCode !== product.code) {
      return businessReply(command, '06', 'inquiry not found');
    }
    // Checked before expiry, so a client that retries a paid reference learns it was paid.
    if (inquiry.transactionId !== null) {
      return SIMULATOR_COMMANDS[command].family === 'postpaid'
        ? businessReply(command, '21', responseTextFor('21'))
        : businessReply(command, PREPAID_REFERENCE_REUSED_CODE, 'Reference number already paid');
    }
    if (inquiry.expiresAt <= this.rt.now()) return businessReply(command, '06', 'inquiry not found');

    const outcome = paymentOutcome(inquiry.scenario, true);
    if (outcome.kind === 'code') return businessReply(command, outcome.code, responseTextFor(outcome.code));
    const isBill = SIMULATOR_COMMANDS[command].family === 'postpaid';
    if (isBill && state.paidBills.has(billKey(product.code, customerId))) return businessReply(command, '21', responseTextFor('21'));
    const refusal = this.chargeRefusal(command, customerId, inquiry.price);
    if (refusal) return refusal;

    const steps: SimulatorStep[] =
      outcome.kind === 'success' ? (command === 'plntok' ? ['issueToken'] : []) : outcome.steps;
    const tx = this.createTransaction({
      command,
      product,
      customerId,
      customerName: inquiry.customerName,
      referenceNumber,
      amount: inquiry.amount,
      price: inquiry.price,
      period: inquiry.period,
      inquiredAt: inquiry.inquiredAt,
      status: outcome.kind === 'success' ? 'success' : 'pending',
      steps,
    });
    inquiry.transactionId = tx.transactionId;
    if (isBill) state.paidBills.add(billKey(product.code, customerId));

    const data: Record<string, unknown> = {
      amount: formatRupiah(tx.amount),
      customer_name: tx.customerName,
      ...(tx.period === null ? {} : { period: tx.period }),
      customer_id: customerId,
      price: formatRupiah(tx.price),
      // The token is never in the payment answer; it shows up in other_info once issued.
      ...(command === 'plntok' ? { token: null } : {}),
      transaction_id: tx.transactionId,
      created_at: formatSingapayDateTime(tx.createdAt, this.rt.options.variants.zones.answerCreatedAt),
    };
    this.rt.settlement.begin(tx);
    return tx.status === 'success'
      ? businessReply(command, '00', 'Payment success', data)
      : businessReply(command, '01', 'Payment pending', data);
  }

  private payDirect(command: SimulatorCommand, product: SingapaySimulatorProduct, customerId: string): SimulatorReply {
    const outcome = paymentOutcome(simulatorScenarioFor(customerId), false);
    if (outcome.kind === 'code') return businessReply(command, outcome.code, responseTextFor(outcome.code));
    const amount = product.amount ?? 0;
    const price = product.price ?? amount;
    const refusal = this.chargeRefusal(command, customerId, price);
    if (refusal) return refusal;

    const now = this.rt.now();
    const tx = this.createTransaction({
      command,
      product,
      customerId,
      customerName: null,
      referenceNumber: newReferenceNumber(product.code, now),
      amount,
      price,
      period: null,
      inquiredAt: null,
      status: outcome.kind === 'success' ? 'success' : 'pending',
      steps: outcome.kind === 'success' ? [] : outcome.steps,
    });
    const data = {
      customer_id: customerId,
      amount: formatRupiah(amount),
      price: formatRupiah(price),
      transaction_id: tx.transactionId,
      created_at: formatSingapayDateTime(tx.createdAt, this.rt.options.variants.zones.answerCreatedAt),
    };
    this.rt.settlement.begin(tx);
    return tx.status === 'success'
      ? businessReply(command, '00', 'Payment success', data)
      : businessReply(command, '01', 'Payment pending', data);
  }

  /** The reasons a payment is refused before money moves: deposit too low, or the sandbox's daily limit. */
  private chargeRefusal(command: SimulatorCommand, customerId: string, price: number): SimulatorReply | undefined {
    if (this.rt.state().balance < price) return businessReply(command, '17', responseTextFor('17'));
    if (this.usedToday(customerId)) return this.oncePerDayReply(command);
    return undefined;
  }

  private createTransaction(input: {
    command: SimulatorCommand;
    product: SingapaySimulatorProduct;
    customerId: string;
    customerName: string | null;
    referenceNumber: string;
    amount: number;
    price: number;
    period: string | null;
    inquiredAt: number | null;
    status: 'success' | 'pending';
    steps: SimulatorStep[];
  }): SimulatorTransactionRecord {
    const state = this.rt.state();
    const now = this.rt.now();
    state.balance -= input.price;
    state.customerUsage.set(input.customerId, singapayDay(now));
    return state.addTransaction({
      transactionId: newUlid(now),
      referenceNumber: input.referenceNumber,
      command: input.command,
      productCode: input.product.code,
      customerId: input.customerId,
      customerName: input.customerName,
      transactionType: SIMULATOR_COMMANDS[input.command].family,
      status: input.status,
      amount: input.amount,
      price: input.price,
      netPrice: input.price,
      period: input.period,
      inquiredAt: input.inquiredAt,
      paidAt: now,
      createdAt: now,
      token: null,
      steps: input.steps,
      nextStepAt: null,
    });
  }

  private usedToday(customerId: string): boolean {
    return this.rt.options.oncePerDay && this.rt.state().customerUsage.get(customerId) === singapayDay(this.rt.now());
  }

  private oncePerDayReply(command: SimulatorCommand): SimulatorReply {
    return businessReply(command, ONCE_PER_DAY_CODE, 'Customer ID already used today; call reset-customer-id');
  }

  /** Validator with the checks every general endpoint shares: the fixed command and an object `data`. */
  private general(body: Body, command: string): SimulatorValidator {
    const v = new SimulatorValidator(body);
    v.string('command', { required: true, in: [command] });
    v.object('data', false);
    return v;
  }

  private period(v: SimulatorValidator, command: SimulatorCommand): number | undefined {
    const rule = specOf(command).period;
    if (!rule) return undefined;
    return v.integer('data.period', { required: rule.required, values: rule.values, min: rule.min, max: rule.max });
  }

  private dateRange(v: SimulatorValidator): { start: string; end: string } | undefined {
    const start = v.value('data.start_date');
    const end = v.value('data.end_date');
    if (start === undefined && end === undefined) return undefined;
    if (start === undefined) v.fail('data.start_date', 'The data.start date field is required when data.end date is present.');
    if (end === undefined) v.fail('data.end_date', 'The data.end date field is required when data.start date is present.');
    for (const [path, value] of [['data.start_date', start], ['data.end_date', end]] as const) {
      if (value !== undefined && (typeof value !== 'string' || !isCalendarDay(value))) {
        v.fail(path, `The ${path.replaceAll('_', ' ')} field must match the format Y-m-d.`);
      }
    }
    if (typeof start !== 'string' || typeof end !== 'string' || v.failed) return undefined;
    if (end < start) {
      v.fail('data.end_date', 'The data.end date field must be a date after or equal to data.start date.');
      return undefined;
    }
    return { start, end };
  }

  /** Format checks on `customer_id`; Singapay reports these as a 04 with a sentence, not a field map. */
  private customerIdError(command: SimulatorCommand, customerId: string): string | undefined {
    if (PHONE_COMMANDS.has(command)) {
      return PHONE_PATTERN.test(customerId) ? undefined : `customer_id (phone number) column value ${customerId} is not valid`;
    }
    if (command === 'bputk') {
      return NIK_PATTERN.test(customerId) ? undefined : `customer_id (NIK) column value ${customerId} is not valid`;
    }
    const pattern = command === 'topupg' || command === 'vouchg' ? GAME_ID_PATTERN : NUMBER_ID_PATTERN;
    return pattern.test(customerId) ? undefined : `customer_id column value ${customerId} is not valid`;
  }
}

type PaymentOutcome =
  | { kind: 'success' }
  | { kind: 'pending'; steps: SimulatorStep[] }
  | { kind: 'code'; code: string };

/** How a payment by this customer ends. `afterInquiry`: the inquiry-flow commands, which succeed at once by default. */
function paymentOutcome(scenario: SimulatorScenario, afterInquiry: boolean): PaymentOutcome {
  const ordinary: PaymentOutcome = afterInquiry ? { kind: 'success' } : { kind: 'pending', steps: ['succeed'] };
  switch (scenario.kind) {
    case 'pendingForever':
      return { kind: 'pending', steps: [] };
    case 'refund':
      return { kind: 'pending', steps: ['fail', 'refund'] };
    case 'codeAtInquiry':
      // Inquiry-flow customers with another code never get a reference to pay.
      if (afterInquiry || scenario.code === '01') return ordinary;
      return scenario.code === '00' ? { kind: 'success' } : { kind: 'code', code: scenario.code };
    case 'codeAtPayment':
      if (scenario.code === '00') return { kind: 'success' };
      if (scenario.code === '01') return { kind: 'pending', steps: ['succeed'] };
      return { kind: 'code', code: scenario.code };
    default:
      return ordinary;
  }
}

const specOf = simulatorCommandDoc;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `command` to echo: what the client sent when it is a string. */
function echo(body: Body, fallback: string | null): unknown {
  return typeof body.command === 'string' ? body.command : fallback;
}
