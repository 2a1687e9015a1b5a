import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import {
  SINGAPAY_COMMANDS,
  SINGAPAY_GENERAL_COMMANDS,
  SINGAPAY_GENERAL_PATHS,
  SINGAPAY_TRANSACTION_STATUSES,
  singapayCommandSpec,
  singapayProductPath,
  type SingapayCommand,
  type SingapayCommandSpec,
  type SingapayStage,
  type SingapayTransactionStatus,
} from '../contract/singapay-api.contract.js';
import { SINGAPAY_RESOLVED_OPTIONS } from '../singapay.constants.js';
import type { SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { SingapayErrorFactory } from '../errors/singapay-error.factory.js';
import { SingapayApiClient, type SingapayEnvelope } from '../http/singapay-api.client.js';
import type { SingapayCallOptions } from '../http/singapay-transport.js';
import {
  SingapayGameCategoryRequest,
  SingapayInquiryRequest,
  SingapayListTransactionsRequest,
  SingapayPayRequest,
  SingapayTransactionIdRequest,
} from './dto/singapay-requests.dto.js';
import { SingapayFieldReader } from './singapay-field.reader.js';
import { validateSingapayInput } from './singapay-request.validation.js';
import type {
  SingapayBalance,
  SingapayGameTopupParameters,
  SingapayInquiryResult,
  SingapayPaymentResult,
  SingapayResetResult,
  SingapayTransaction,
  SingapayTransactionPage,
} from './singapay.types.js';

/** Input shapes of the service, as plain objects (the DTO classes validate them). */
export type SingapayInquiryInput = Omit<SingapayInquiryRequest, never>;
export type SingapayPayInput = Omit<SingapayPayRequest, never>;
export type SingapayListTransactionsInput = Omit<SingapayListTransactionsRequest, never>;

/**
 * The Biller API as a Nest service: inquiry, payment, transactions and the
 * deposit. Inputs are validated before anything is sent (a 400 naming the
 * field); answers come back camelCase with integer rupiah and the envelope
 * under `raw`; every Singapay failure is a `SingapayException`.
 *
 * Payments are sent exactly once: nothing here resends a payment, except the
 * single replay after Singapay refused the access token, which it did not process.
 * @publicApi
 */
@Injectable()
export class SingapayService {
  constructor(
    private readonly api: SingapayApiClient,
    private readonly errors: SingapayErrorFactory,
    @Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: SingapayResolvedOptions,
  ) {}

  /** The merchant's deposit balance. */
  async checkBalance(call?: SingapayCallOptions): Promise<SingapayBalance> {
    const envelope = await this.api.call({
      operation: 'checkBalance',
      path: SINGAPAY_GENERAL_PATHS.checkBalance,
      body: { command: SINGAPAY_GENERAL_COMMANDS.checkBalance },
      ...(call ? { call } : {}),
    });
    const data = this.reader(envelope, 'checkBalance');
    return { balance: data.decimal('balance'), currency: data.optionalString('currency') ?? 'IDR', raw: envelope.raw };
  }

  /**
   * Asks what a customer owes (postpaid) or confirms a prepaid customer
   * (`plntok`, `topupg`). Returns the `referenceNumber` to pay. No money moves.
   */
  async inquiry(input: SingapayInquiryInput, call?: SingapayCallOptions): Promise<SingapayInquiryResult> {
    const req = validateSingapayInput(SingapayInquiryRequest, input, (r) => this.inquiryRules(r));
    const spec = SINGAPAY_COMMANDS[req.command];
    const envelope = await this.api.call({
      operation: 'inquiry',
      path: this.productPath(spec, 'inquiry'),
      body: {
        command: req.command,
        data: compact({
          customer_id: req.customerId,
          product_code: req.productCode,
          period: req.period,
          phone_number: req.phoneNumber,
          server_id: req.serverId,
          username: req.username,
          platform: req.platform,
        }),
      },
      ...(call ? { call } : {}),
    });
    const data = this.reader(envelope, 'inquiry');
    return compact({
      command: req.command,
      referenceNumber: data.string('reference_number'),
      customerId: data.optionalString('customer_id') ?? req.customerId,
      customerName: data.nullableString('customer_name'),
      amount: data.rupiah('amount'),
      price: data.rupiah('price'),
      lateFee: data.optionalRupiah('late_fee'),
      period: data.optionalString('period'),
      createdAt: data.string('created_at'),
      raw: envelope.raw,
    }) as SingapayInquiryResult;
  }

  /**
   * Pays an inquired bill or product (`referenceNumber` required), or buys
   * `pulsa` / `data` / `vouchg` directly (no `referenceNumber`). The payment
   * password is added from the module options. `pending` is a result, not an
   * error; failures throw. Never call it again for the same purchase after an
   * error that is not a definitive refusal: look the transaction up first.
   */
  async pay(input: SingapayPayInput, call?: SingapayCallOptions): Promise<SingapayPaymentResult> {
    const req = validateSingapayInput(SingapayPayRequest, input, (r) => this.payRules(r));
    const spec = SINGAPAY_COMMANDS[req.command];
    const envelope = await this.api.call({
      operation: 'pay',
      path: this.productPath(spec, 'payment'),
      body: {
        command: req.command,
        data: compact({
          password: this.options.password.reveal(),
          product_code: req.productCode,
          customer_id: req.customerId,
          reference_number: req.referenceNumber,
          phone_number: req.phoneNumber,
        }),
      },
      acceptPending: true,
      ...(call ? { call } : {}),
    });
    const data = this.reader(envelope, 'pay', 'Singapay accepted the payment (code ' + envelope.responseCode + ') but ');
    return compact({
      command: req.command,
      status: envelope.responseCode === '00' ? 'success' : 'pending',
      responseCode: envelope.responseCode,
      transactionId: data.string('transaction_id'),
      customerId: data.optionalString('customer_id') ?? req.customerId,
      customerName: data.optionalString('customer_name'),
      amount: data.rupiah('amount'),
      price: data.rupiah('price'),
      period: data.optionalString('period'),
      token: data.optionalString('token'),
      createdAt: data.string('created_at'),
      raw: envelope.raw,
    }) as SingapayPaymentResult;
  }

  /** One transaction by Singapay's id: the status check for pending payments. */
  async getTransaction(transactionId: string, call?: SingapayCallOptions): Promise<SingapayTransaction> {
    const req = validateSingapayInput(SingapayTransactionIdRequest, { transactionId });
    const envelope = await this.api.call({
      operation: 'getTransaction',
      path: SINGAPAY_GENERAL_PATHS.detailTransaction,
      body: { command: SINGAPAY_GENERAL_COMMANDS.detailTransaction, data: { transaction_id: req.transactionId } },
      ...(call ? { call } : {}),
    });
    return this.transaction(this.reader(envelope, 'getTransaction'), envelope.raw);
  }

  /** Lists transactions, newest first, filtered and paginated by Singapay. */
  async listTransactions(input: SingapayListTransactionsInput = {}, call?: SingapayCallOptions): Promise<SingapayTransactionPage> {
    const req = validateSingapayInput(SingapayListTransactionsRequest, input, listRules);
    const data = compact({
      transaction_id: req.transactionId,
      customer_id: req.customerId,
      status: req.status,
      start_date: req.startDate,
      end_date: req.endDate,
      // Sent as text, as in Singapay's example.
      page: req.page === undefined ? undefined : String(req.page),
    });
    const envelope = await this.api.call({
      operation: 'listTransactions',
      path: SINGAPAY_GENERAL_PATHS.listTransactions,
      body: { command: SINGAPAY_GENERAL_COMMANDS.listTransactions, ...(Object.keys(data).length ? { data } : {}) },
      ...(call ? { call } : {}),
    });
    const reader = this.reader(envelope, 'listTransactions');
    const items = reader.array('bill_transactions').map((row) => this.transaction(row, row.value()));
    const page = reader.optionalObject('pagination');
    return {
      items,
      pagination: page
        ? {
            currentPage: page.integer('current_page'),
            lastPage: page.integer('last_page'),
            perPage: page.integer('per_page'),
            total: page.integer('total'),
          }
        : null,
      raw: envelope.raw,
    };
  }

  /** Parameters of a game top-up category (servers…), for `inquiry({ command: 'topupg' })`. */
  async getGameTopupParameters(categoryCode: string, call?: SingapayCallOptions): Promise<SingapayGameTopupParameters> {
    const req = validateSingapayInput(SingapayGameCategoryRequest, { categoryCode });
    const envelope = await this.api.call({
      operation: 'getGameTopupParameters',
      path: SINGAPAY_GENERAL_PATHS.gameTopupParameters,
      body: { command: SINGAPAY_GENERAL_COMMANDS.gameTopupParameters, data: { category_code: req.categoryCode } },
      ...(call ? { call } : {}),
    });
    return { categoryCode: req.categoryCode, parameters: envelope.data, raw: envelope.raw };
  }

  /** Sandbox only: lets test customer ids be used again today. Refused in production before anything is sent. */
  async resetCustomerIds(call?: SingapayCallOptions): Promise<SingapayResetResult> {
    if (this.options.environment !== 'sandbox') {
      throw new ForbiddenException('resetCustomerIds() is a sandbox-only call; this module is configured for production');
    }
    const envelope = await this.api.call({
      operation: 'resetCustomerIds',
      path: SINGAPAY_GENERAL_PATHS.resetCustomerId,
      body: { command: SINGAPAY_GENERAL_COMMANDS.resetCustomerId },
      ...(call ? { call } : {}),
    });
    return { responseText: envelope.responseText, raw: envelope.raw };
  }

  private productPath(spec: SingapayCommandSpec, stage: SingapayStage): string {
    return singapayProductPath(this.options.apiVersion, spec.family, stage);
  }

  private versionRule(command: SingapayCommand): string[] {
    const spec = singapayCommandSpec(command);
    return spec && !spec.versions.includes(this.options.apiVersion)
      ? [`command ${command} is not available on API ${this.options.apiVersion} (needs ${spec.versions.join(' or ')})`]
      : [];
  }

  private inquiryRules(r: SingapayInquiryRequest): string[] {
    const spec = SINGAPAY_COMMANDS[r.command];
    const problems = this.versionRule(r.command);
    const rule = spec.period;
    if (!rule && r.period !== undefined) problems.push(`period is not accepted for command ${r.command}`);
    if (rule?.required && r.period === undefined) problems.push(`period is required for command ${r.command}`);
    if (rule && r.period !== undefined) {
      const ok = rule.values ? rule.values.includes(r.period) : r.period >= rule.min && r.period <= rule.max;
      if (!ok) problems.push(`period must be ${rule.values ? `one of ${rule.values.join(', ')}` : `from ${rule.min} to ${rule.max}`} for command ${r.command}`);
    }
    problems.push(...this.phoneRule(r.command, r.phoneNumber));
    const gameFields = (['serverId', 'username', 'platform'] as const).filter((f) => r[f] !== undefined);
    if (!spec.gameFields && gameFields.length) problems.push(`${gameFields.join(', ')} ${gameFields.length > 1 ? 'are' : 'is'} only accepted for game top-up (topupg)`);
    return problems;
  }

  private payRules(r: SingapayPayRequest): string[] {
    const spec = SINGAPAY_COMMANDS[r.command];
    const problems = this.versionRule(r.command);
    if (spec.hasInquiry && !r.referenceNumber) {
      problems.push(`referenceNumber is required for command ${r.command}: pay the referenceNumber returned by inquiry()`);
    }
    if (!spec.hasInquiry && r.referenceNumber !== undefined) {
      problems.push(`referenceNumber is not accepted for command ${r.command}: it is a direct purchase without inquiry`);
    }
    problems.push(...this.phoneRule(r.command, r.phoneNumber));
    return problems;
  }

  private phoneRule(command: SingapayCommand, phoneNumber: string | undefined): string[] {
    if (phoneNumber === undefined) return [];
    const spec = SINGAPAY_COMMANDS[command];
    if (!spec.phoneNumber) return [`phoneNumber is not accepted for command ${command}`];
    if (this.options.apiVersion !== 'v2') return ['phoneNumber is only accepted on API v2'];
    return [];
  }

  private reader(envelope: SingapayEnvelope, operation: string, context = ''): SingapayFieldReader {
    return new SingapayFieldReader(envelope.data, (problem) => {
      throw this.errors.other({
        code: envelope.responseCode,
        type: 'malformed_response',
        httpStatus: 502,
        message: `${context || `Singapay ${operation} answered code ${envelope.responseCode} but `}${problem}`,
        operation,
        upstreamStatus: envelope.httpStatus,
        raw: envelope.raw,
        delivery: 'received',
      });
    });
  }

  private transaction(data: SingapayFieldReader, raw: Record<string, unknown>): SingapayTransaction {
    const status = data.string('status').toLowerCase();
    if (!(SINGAPAY_TRANSACTION_STATUSES as readonly string[]).includes(status)) {
      data.reject(`data.status is not one of ${SINGAPAY_TRANSACTION_STATUSES.join(', ')}`);
    }
    const display = data.object('display_price');
    const product = data.object('product');
    const category = product.optionalObject('category');
    const otherInfo = data.has('other_info') ? data.object('other_info').value() : {};
    const token = typeof otherInfo.token === 'string' && otherInfo.token ? otherInfo.token : undefined;
    return compact({
      transactionId: data.string('transaction_id'),
      referenceNumber: data.nullableString('reference_number'),
      customerId: data.string('customer_id'),
      type: data.string('transaction_type'),
      status: status as SingapayTransactionStatus,
      netPrice: data.rupiah('net_price'),
      amount: display.rupiah('amount'),
      price: display.rupiah('price'),
      product: compact({
        code: product.string('code'),
        name: product.string('name'),
        category: category ? { code: category.string('code'), name: category.string('name') } : undefined,
      }) as SingapayTransaction['product'],
      token,
      inquiredAt: data.nullableString('inquired_at'),
      paidAt: data.nullableString('paid_at'),
      createdAt: data.string('created_at'),
      otherInfo,
      raw,
    }) as SingapayTransaction;
  }
}

function listRules(r: SingapayListTransactionsRequest): string[] {
  if ((r.startDate === undefined) !== (r.endDate === undefined)) return ['startDate and endDate must be given together'];
  if (r.startDate && r.endDate) {
    const valid = (d: string) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);
    if (!valid(r.startDate)) return ['startDate is not a calendar date'];
    if (!valid(r.endDate)) return ['endDate is not a calendar date'];
    if (r.startDate > r.endDate) return ['startDate must not be after endDate'];
  }
  return [];
}

/** Drops `undefined` fields, so optional values are omitted rather than sent as null. */
function compact<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
