import {
  SIMULATOR_COMMANDS,
  SIMULATOR_COMMAND_NAMES,
  SIMULATOR_PHONE_NUMBER_MAX,
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
import { businessReply, echoCommand, isJsonObject, responseTextFor, validationReply, type SimulatorReply } from './simulator-envelopes.js';
import { formatRupiah, formatSingapayDateTime } from './simulator-format.js';
import { newReferenceNumber } from './simulator-ids.js';
import { oncePerDayReply, SimulatorPayments, usedToday } from './simulator-payments.js';
import type { SimulatorRuntime } from './simulator-runtime.js';
import { billKey, type SimulatorInquiry } from './simulator-state.js';
import { simulatorScenarioFor } from './simulator-test-customers.js';
import { SimulatorValidator } from './simulator-validation.js';

type Body = Record<string, unknown>;

const PHONE_COMMANDS: ReadonlySet<SimulatorCommand> = new Set(['pulsa', 'data', 'mobpos']);
const PHONE_PATTERN = /^(?:\+?62|0)8\d{7,12}$/;
const NIK_PATTERN = /^\d{16}$/;
const GAME_ID_PATTERN = /^[\w.@+-]{1,64}$/;
const NUMBER_ID_PATTERN = /^\d{6,20}$/;
const specOf = simulatorCommandDoc;

/** Inquiries and payments on `/api/{version}/{family}/{stage}`: validation, bills, references. */
export class SimulatorPurchases {
  private readonly payments: SimulatorPayments;

  constructor(private readonly rt: SimulatorRuntime) {
    this.payments = new SimulatorPayments(rt);
  }

  /** Inquiry or payment on `/api/{version}/{family}/{stage}`. */
  handle(version: SimulatorApiVersion, family: SimulatorFamily, stage: SimulatorStage, body: Body): SimulatorReply {
    const state = this.rt.state();
    const data = isJsonObject(body.data) ? body.data : {};
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
    const reply = echoCommand(body, null);
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
        ? this.payments.payInquiry(command, product, customerId, referenceNumber!)
        : this.payments.payDirect(command, product, customerId);
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
    if (usedToday(this.rt, customerId)) return oncePerDayReply(command);

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
      ...(spec.family === 'prepaid' && this.rt.options.variants.prepaidInquiryCreatedAt === 'absent'
        ? {}
        : { created_at: formatSingapayDateTime(now, this.rt.options.variants.zones.answerCreatedAt) }),
    });
  }

  private period(v: SimulatorValidator, command: SimulatorCommand): number | undefined {
    const rule = specOf(command).period;
    if (!rule) return undefined;
    return v.integer('data.period', { required: rule.required, values: rule.values, min: rule.min, max: rule.max });
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
