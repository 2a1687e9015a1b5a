import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';
import {
  SINGAPAY_COMMANDS,
  SINGAPAY_GENERAL_COMMANDS,
  SINGAPAY_GENERAL_PATHS,
  singapayCommandSpec,
  singapayProductPath,
  type SingapayCommand,
  type SingapayCommandSpec,
  type SingapayStage,
} from '../contract/singapay-api.contract.js';
import { SINGAPAY_RESOLVED_OPTIONS } from '../singapay.constants.js';
import type { SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { SingapayErrorFactory } from '../errors/singapay-error.factory.js';
import { SingapayApiClient } from '../http/singapay-api.client.js';
import type { SingapayCallOptions } from '../http/singapay-transport.js';
import { SingapayPaymentProcessor } from '../payments/singapay-payment.processor.js';
import type { SingapayPayment, SingapayPaymentSettlement, SingapayWaitOptions } from '../payments/singapay-payment.types.js';
import { SingapayGameCategoryRequest, SingapayInquiryRequest, SingapayPayRequest } from './dto/singapay-requests.dto.js';
import { compact, envelopeReader } from './singapay-envelope.reader.js';
import { validateSingapayInput } from './singapay-request.validation.js';
import { SingapayTransactionsService, type SingapayListTransactionsInput } from './singapay-transactions.service.js';
import type {
  SingapayBalance,
  SingapayGameTopupParameters,
  SingapayInquiryResult,
  SingapayPaymentResult,
  SingapayResetResult,
  SingapayTransaction,
  SingapayTransactionPage,
} from './singapay.types.js';

export type { SingapayListTransactionsInput };

/** Input shapes of the service, as plain objects (the DTO classes validate them). */
export type SingapayInquiryInput = Omit<SingapayInquiryRequest, never>;
export type SingapayPayInput = Omit<SingapayPayRequest, never>;

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
    private readonly transactions: SingapayTransactionsService,
    private readonly payments: SingapayPaymentProcessor,
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
    const data = envelopeReader(this.errors, envelope, 'checkBalance');
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
      log: { productCode: req.productCode, customerId: req.customerId },
    });
    const data = envelopeReader(this.errors, envelope, 'inquiry');
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
   * password is added from the module options.
   *
   * Recorded under `idempotencyKey` (default: the reference number) before it
   * is sent: the same key again returns the recorded outcome and sends nothing.
   * Resolves to `success`, `pending` or `unknown` (it may have gone through:
   * never pay again, follow it with `getPayment()`); definitive refusals throw.
   */
  async pay(input: SingapayPayInput, call?: SingapayCallOptions): Promise<SingapayPaymentResult> {
    const req = validateSingapayInput(SingapayPayRequest, input, (r) => this.payRules(r));
    return this.payments.pay(req, call);
  }

  /** The payment recorded under a key, resolved against Singapay when pending or unknown. 404 for an unknown key. */
  getPayment(idempotencyKey: string, call?: SingapayCallOptions): Promise<SingapayPayment> {
    return this.payments.getPayment(idempotencyKey, call);
  }

  /** Waits (polling Singapay) until the payment is final or `timeoutMs` passes; returns its state either way. */
  waitForPayment(idempotencyKey: string, options?: SingapayWaitOptions): Promise<SingapayPayment> {
    return this.payments.waitForPayment(idempotencyKey, options);
  }

  /** Payments that reached a final state (success, failed, refunded), however that was learned. */
  get settlements$(): Observable<SingapayPaymentSettlement> {
    return this.payments.settlements$;
  }

  /** Sweeps pending and unknown payments once (the `reconcileIntervalMs` timer does it on its own). */
  reconcile(): Promise<number> {
    return this.payments.reconcile();
  }

  /** One transaction by Singapay's id: the status check for pending payments. */
  getTransaction(transactionId: string, call?: SingapayCallOptions): Promise<SingapayTransaction> {
    return this.transactions.getTransaction(transactionId, call);
  }

  /** Lists transactions, newest first, filtered and paginated by Singapay. */
  listTransactions(input: SingapayListTransactionsInput = {}, call?: SingapayCallOptions): Promise<SingapayTransactionPage> {
    return this.transactions.listTransactions(input, call);
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
    return { categoryCode: req.categoryCode, parameters: envelope.raw.data ?? {}, raw: envelope.raw };
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
}
