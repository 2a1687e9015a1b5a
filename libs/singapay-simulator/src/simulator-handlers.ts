import {
  SIMULATOR_GENERAL,
  SIMULATOR_TRANSACTION_STATUSES,
  type SimulatorApiVersion,
  type SimulatorFamily,
  type SimulatorStage,
} from './simulator-api-docs.js';
import { SINGAPAY_SIMULATOR_GAME_PARAMETERS } from './simulator-catalogue.js';
import { businessReply, echoCommand, transactionView, validationReply, type SimulatorReply } from './simulator-envelopes.js';
import { formatBalance, isCalendarDay, singapayDay } from './simulator-format.js';
import { SimulatorPurchases } from './simulator-purchases.js';
import type { SimulatorRuntime } from './simulator-runtime.js';
import { SimulatorValidator } from './simulator-validation.js';

export type { SimulatorRuntime } from './simulator-runtime.js';

type Body = Record<string, unknown>;

const OK_TEXT = 'Operation completed successfully';

/** The business side of every endpoint. Inputs are parsed JSON bodies; outputs are replies, not yet written. */
export class SingapaySimulatorHandlers {
  private readonly purchases: SimulatorPurchases;

  constructor(private readonly rt: SimulatorRuntime) {
    this.purchases = new SimulatorPurchases(rt);
  }

  checkBalance(body: Body): SimulatorReply {
    const command = SIMULATOR_GENERAL.checkBalance.command;
    const v = this.general(body, command);
    if (v.failed) return validationReply(echoCommand(body, command), v.errors);
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
    if (v.failed) return validationReply(echoCommand(body, command), v.errors);
    // Lifting the once-per-day rule only helps if the sandbox bills can be paid again too.
    this.rt.state().customerUsage.clear();
    this.rt.state().paidBills.clear();
    return businessReply(command, '00', `${OK_TEXT}.`);
  }

  detailTransaction(body: Body): SimulatorReply {
    const command = SIMULATOR_GENERAL.detailTransaction.command;
    const v = this.general(body, command);
    const id = v.string('data.transaction_id', { required: true, max: 64 });
    if (v.failed || id === undefined) return validationReply(echoCommand(body, command), v.errors);
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
    if (v.failed) return validationReply(echoCommand(body, command), v.errors);

    const { listPageSize, listPagination, emptyList, listPerPage, listDayZone } = this.rt.options.variants;
    // `per_page` is not in the docs: whether Singapay honours it, ignores it or refuses it is a variant.
    const askedPerPage = listPerPage === 'ignored' ? undefined : v.integer('data.per_page', { required: false, min: 1, max: 1000 });
    if (v.failed) return validationReply(echoCommand(body, command), v.errors);
    if (askedPerPage !== undefined && listPerPage === 'refused') {
      return validationReply(echoCommand(body, command), { 'data.per_page': 'The data.per page field is prohibited.' });
    }
    const perPage = askedPerPage !== undefined && listPerPage === 'honoured' ? askedPerPage : listPageSize;
    const searchKey = status === undefined ? JSON.stringify([transactionId, customerId, range?.start, range?.end]) : undefined;
    const rows = this.rt.state().search(
      searchKey,
      (tx) =>
        (transactionId === undefined || tx.transactionId === transactionId) &&
        (customerId === undefined || tx.customerId === customerId) &&
        (status === undefined || tx.status === status) &&
        // The zone the filter's days are cut in is undocumented: variants.listDayZone.
        (range === undefined ||
          (singapayDay(tx.createdAt, listDayZone) >= range.start && singapayDay(tx.createdAt, listDayZone) <= range.end)),
    );
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
    if (v.failed || category === undefined) return validationReply(echoCommand(body, command), v.errors);
    const parameters = Object.hasOwn(SINGAPAY_SIMULATOR_GAME_PARAMETERS, category)
      ? SINGAPAY_SIMULATOR_GAME_PARAMETERS[category]
      : undefined;
    if (!parameters) return businessReply(command, '06', 'Category not found');
    const listed = structuredClone(parameters);
    const asList = this.rt.options.variants.gameParameters === 'list';
    return businessReply(command, '00', OK_TEXT, asList ? listed : { category_code: category, parameters: listed });
  }

  /** Inquiry or payment on `/api/{version}/{family}/{stage}`. */
  product(version: SimulatorApiVersion, family: SimulatorFamily, stage: SimulatorStage, body: Body): SimulatorReply {
    return this.purchases.handle(version, family, stage, body);
  }

  /** Validator with the checks every general endpoint shares: the fixed command and an object `data`. */
  private general(body: Body, command: string): SimulatorValidator {
    const v = new SimulatorValidator(body);
    v.string('command', { required: true, in: [command] });
    v.object('data', false);
    return v;
  }

  private dateRange(v: SimulatorValidator): { start: string; end: string } | undefined {
    const start = v.value('data.start_date');
    const end = v.value('data.end_date');
    if (start === undefined && end === undefined) return undefined;
    if (start === undefined) v.fail('data.start_date', 'The data.start date field is required when data.end date is present.');
    if (end === undefined) v.fail('data.end_date', 'The data.end date field is required when data.start date is present.');
    for (const [path, value] of [
      ['data.start_date', start],
      ['data.end_date', end],
    ] as const) {
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
}
