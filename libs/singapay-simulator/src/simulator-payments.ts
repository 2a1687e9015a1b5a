import { SIMULATOR_COMMANDS, type SimulatorCommand } from './simulator-api-docs.js';
import type { SingapaySimulatorProduct } from './simulator-catalogue.js';
import { businessReply, responseTextFor, type SimulatorReply } from './simulator-envelopes.js';
import { formatRupiah, formatSingapayDateTime, singapayDay } from './simulator-format.js';
import { newPlnToken, newReferenceNumber, newTransactionId } from './simulator-ids.js';
import { simulatorNetPrice } from './simulator-options.js';
import type { SimulatorRuntime } from './simulator-runtime.js';
import { billKey, type SimulatorInquiry, type SimulatorStep, type SimulatorTransactionRecord } from './simulator-state.js';
import { simulatorScenarioFor, type SimulatorScenario } from './simulator-test-customers.js';

/**
 * Code for paying a prepaid reference (plntok, topupg) a second time. Singapay
 * does not document it; postpaid bills answer 21, which reads wrong for a
 * token, so the simulator says 07 already_exists: the first payment stands.
 */
const PREPAID_REFERENCE_REUSED_CODE = '07';
/** Code of the sandbox's once-per-day rule. Undocumented; 09 resource_exhausted reads as "quota reached". */
const ONCE_PER_DAY_CODE = '09';
/**
 * Failure codes that are the merchant's own refusal (input, auth, deposit, quota) or speak of another
 * transaction (07, 51): never the answer of a transaction created, whatever `failureTransactionId` says.
 */
const NO_TRANSACTION_CODES: ReadonlySet<string> = new Set(['04', '06', '07', '08', '09', '16', '17', '51']);

/** Sandbox rule: whether the customer id was used today (WIB day), when the rule is on. */
export function usedToday(rt: SimulatorRuntime, customerId: string): boolean {
  return rt.options.oncePerDay && rt.state().customerUsage.get(customerId) === singapayDay(rt.now());
}

export function oncePerDayReply(command: SimulatorCommand): SimulatorReply {
  return businessReply(command, ONCE_PER_DAY_CODE, 'Customer ID already used today; call reset-customer-id');
}

/** Payments that passed validation: of an inquired reference, or a direct purchase. Money moves here. */
export class SimulatorPayments {
  constructor(private readonly rt: SimulatorRuntime) {}

  payInquiry(command: SimulatorCommand, product: SingapaySimulatorProduct, customerId: string, referenceNumber: string): SimulatorReply {
    const state = this.rt.state();
    const inquiry = state.inquiries.get(referenceNumber);
    if (!inquiry || inquiry.customerId !== customerId || inquiry.productCode !== product.code) {
      return businessReply(command, '06', 'inquiry not found');
    }
    // Checked before expiry, so a client that retries a paid reference learns it was paid (variants.paidReference).
    if (inquiry.transactionId !== null) {
      if (this.rt.options.variants.paidReference === 'notFound') return businessReply(command, '06', 'inquiry not found');
      return SIMULATOR_COMMANDS[command].family === 'postpaid'
        ? businessReply(command, '21', responseTextFor('21'))
        : businessReply(command, PREPAID_REFERENCE_REUSED_CODE, 'Reference number already paid');
    }
    if (inquiry.expiresAt <= this.rt.now()) return businessReply(command, '06', 'inquiry not found');

    const outcome = paymentOutcome(inquiry.scenario, true);
    if (outcome.kind === 'code') return this.failure(command, product, customerId, outcome.code, inquiry);
    const isBill = SIMULATOR_COMMANDS[command].family === 'postpaid';
    if (isBill && state.paidBills.has(billKey(product.code, customerId))) return businessReply(command, '21', responseTextFor('21'));
    const refusal = this.chargeRefusal(command, customerId, inquiry.price);
    if (refusal) return refusal;

    // A PLN token issued with the payment (variants.paymentToken) needs no later step.
    const tokenNow = command === 'plntok' && outcome.kind === 'success' && this.rt.options.variants.paymentToken === 'issued';
    const steps: SimulatorStep[] = outcome.kind === 'success' ? (command === 'plntok' && !tokenNow ? ['issueToken'] : []) : outcome.steps;
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
    if (tokenNow) tx.token = newPlnToken();
    if (isBill) state.paidBills.add(billKey(product.code, customerId));

    const data: Record<string, unknown> = {
      amount: formatRupiah(tx.amount),
      customer_name: tx.customerName,
      ...(tx.period === null ? {} : { period: tx.period }),
      customer_id: customerId,
      price: formatRupiah(tx.price),
      // Null unless issued with the payment (variants.paymentToken); it shows up in rows once issued either way.
      ...(command === 'plntok' ? { token: tx.token } : {}),
      transaction_id: tx.transactionId,
      created_at: formatSingapayDateTime(tx.createdAt, this.rt.options.variants.zones.answerCreatedAt),
    };
    this.rt.settlement.begin(tx);
    return tx.status === 'success'
      ? businessReply(command, '00', 'Payment success', data)
      : businessReply(command, '01', 'Payment pending', data);
  }

  payDirect(command: SimulatorCommand, product: SingapaySimulatorProduct, customerId: string): SimulatorReply {
    const outcome = paymentOutcome(simulatorScenarioFor(customerId), false);
    if (outcome.kind === 'code') return this.failure(command, product, customerId, outcome.code);
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

  /**
   * A failure code at payment. Under `failureTransactionId: 'whenCreated'` a failure from the
   * provider's side first creates its transaction: the price is drawn, the transaction is listed
   * `failed` and is refunded after `settleDelayMs`, and the answer's `data` names it. The reference
   * stays payable (nothing was bought) and a bill stays unpaid.
   */
  private failure(
    command: SimulatorCommand,
    product: SingapaySimulatorProduct,
    customerId: string,
    code: string,
    inquiry?: SimulatorInquiry,
  ): SimulatorReply {
    if (this.rt.options.variants.failureTransactionId !== 'whenCreated' || NO_TRANSACTION_CODES.has(code)) {
      return businessReply(command, code, responseTextFor(code));
    }
    const amount = inquiry?.amount ?? product.amount ?? 0;
    const price = inquiry?.price ?? product.price ?? amount;
    const refusal = this.chargeRefusal(command, customerId, price);
    if (refusal) return refusal;
    const tx = this.createTransaction({
      command,
      product,
      customerId,
      customerName: inquiry?.customerName ?? null,
      referenceNumber: inquiry?.referenceNumber ?? newReferenceNumber(product.code, this.rt.now()),
      amount,
      price,
      period: inquiry?.period ?? null,
      inquiredAt: inquiry?.inquiredAt ?? null,
      status: 'failed',
      steps: ['refund'],
    });
    this.rt.settlement.begin(tx);
    return businessReply(command, code, responseTextFor(code), {
      customer_id: customerId,
      amount: formatRupiah(amount),
      price: formatRupiah(price),
      transaction_id: tx.transactionId,
      created_at: formatSingapayDateTime(tx.createdAt, this.rt.options.variants.zones.answerCreatedAt),
    });
  }

  /** The reasons a payment is refused before money moves: deposit too low, or the sandbox's daily limit. */
  private chargeRefusal(command: SimulatorCommand, customerId: string, price: number): SimulatorReply | undefined {
    if (this.rt.state().balance < this.netPriceOf(price)) return businessReply(command, '17', responseTextFor('17'));
    if (usedToday(this.rt, customerId)) return oncePerDayReply(command);
    return undefined;
  }

  /** What the deposit is charged for a price: the price, or the merchant's cost below it (`variants.netPrice`). */
  private netPriceOf(price: number): number {
    return simulatorNetPrice(price, this.rt.options.variants);
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
    status: 'success' | 'pending' | 'failed';
    steps: SimulatorStep[];
  }): SimulatorTransactionRecord {
    const state = this.rt.state();
    const now = this.rt.now();
    const netPrice = this.netPriceOf(input.price);
    state.balance -= netPrice;
    state.customerUsage.set(input.customerId, singapayDay(now));
    return state.addTransaction({
      transactionId: newTransactionId(now, this.rt.options.variants.transactionIdTime),
      referenceNumber: input.referenceNumber,
      command: input.command,
      productCode: input.product.code,
      customerId: input.customerId,
      customerName: input.customerName,
      transactionType: SIMULATOR_COMMANDS[input.command].family,
      status: input.status,
      amount: input.amount,
      price: input.price,
      netPrice,
      period: input.period,
      inquiredAt: input.inquiredAt,
      paidAt: now,
      createdAt: now,
      token: null,
      steps: input.steps,
      nextStepAt: null,
    });
  }
}

type PaymentOutcome = { kind: 'success' } | { kind: 'pending'; steps: SimulatorStep[] } | { kind: 'code'; code: string };

/** How a payment by this customer ends. `afterInquiry`: the inquiry-flow commands, which succeed at once by default. */
function paymentOutcome(scenario: SimulatorScenario, afterInquiry: boolean): PaymentOutcome {
  const ordinary: PaymentOutcome = afterInquiry ? { kind: 'success' } : { kind: 'pending', steps: ['succeed'] };
  switch (scenario.kind) {
    case 'pendingForever':
      return { kind: 'pending', steps: [] };
    case 'refund':
      return { kind: 'pending', steps: ['fail', 'refund'] };
    case 'failQuietly':
      return { kind: 'pending', steps: ['failForGood'] };
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
