import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { SINGAPAY_COMMANDS, SINGAPAY_GAME_FIELDS, type SingapayCommand } from '../contract/singapay-api.contract.js';
import { SingapayBillerApi } from '../biller/singapay-biller.api.js';
import { calendarDayStart } from '../biller/singapay-time.js';
import type {
  SingapayBalance,
  SingapayGameTopupParameters,
  SingapayInquiryResult,
  SingapayResetResult,
  SingapayTransaction,
  SingapayTransactionPage,
} from '../biller/singapay-biller.types.js';
import { SINGAPAY_RESOLVED_OPTIONS } from '../singapay.constants.js';
import { isIntegerIn, type SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { checkCallOptions, type SingapayCallOptions } from '../http/singapay-transport.js';
import { SingapayPaymentEngine } from '../payments/singapay-payment.engine.js';
import { SingapayPaymentLedger } from '../payments/singapay-payment.ledger.js';
import { SingapayPaymentFollowUps } from '../payments/recovery/singapay-payment.follow-ups.js';
import type { SingapayPaymentStoreIntegrity } from '../payments/singapay-payment-store.interface.js';
import { SingapayDayReconciliation } from '../reconciliation/singapay-reconciliation.runner.js';
import type { SingapayReconciliationOptions, SingapayReconciliationReport } from '../reconciliation/singapay-reconciliation.types.js';
import type {
  SingapayPayment,
  SingapayPaymentResult,
  SingapayPaymentSettlement,
  SingapayTokenDelivery,
  SingapayWaitOptions,
} from '../payments/singapay-payment.types.js';
import {
  SingapayGameCategoryRequest,
  SingapayInquiryRequest,
  SingapayListTransactionsRequest,
  SingapayPayRequest,
  SingapayTransactionIdRequest,
  SingapayIdempotencyKeyRequest,
} from './dto/singapay-requests.dto.js';
import { validateSingapayInput } from './singapay-request.validation.js';
import { SingapayTelemetry } from '../telemetry/singapay-telemetry.service.js';

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
    private readonly biller: SingapayBillerApi,
    private readonly payments: SingapayPaymentEngine,
    private readonly ledger: SingapayPaymentLedger,
    private readonly followUps: SingapayPaymentFollowUps,
    private readonly reconciliation: SingapayDayReconciliation,
    @Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: SingapayResolvedOptions,
    private readonly telemetry: SingapayTelemetry,
  ) {}

  /** The merchant's deposit balance. */
  async checkBalance(call?: SingapayCallOptions): Promise<SingapayBalance> {
    checkCallOptions('checkBalance', call);
    return this.biller.checkBalance(call);
  }

  /**
   * Asks what a customer owes (postpaid) or confirms a prepaid customer
   * (`plntok`, `topupg`). Returns the `referenceNumber` to pay. No money moves.
   */
  async inquiry(input: SingapayInquiryRequest, call?: SingapayCallOptions): Promise<SingapayInquiryResult> {
    const req = validateSingapayInput(SingapayInquiryRequest, input, this.inquiryRules);
    checkCallOptions('inquiry', call);
    return this.biller.inquiry(req, call);
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
  async pay(input: SingapayPayRequest, call?: SingapayCallOptions): Promise<SingapayPaymentResult> {
    const req = validateSingapayInput(SingapayPayRequest, input, this.payRules);
    // Before the record is made: a call refused for its options leaves no trace. A send that waits
    // longer than the not-found horizon could see its own search conclude "not found" while Singapay works on it.
    const { paymentNotFoundAfterMs: horizon } = this.options;
    if (horizon < 600_000) checkCallOptions('pay', call, horizon, ' (at most paymentNotFoundAfterMs)');
    else checkCallOptions('pay', call);
    const key = this.payments.keyFor(req);
    return this.telemetry.tracePayment(req, key, () => this.payments.pay(req, call, key));
  }

  /** The payment recorded under a key, resolved against Singapay when pending or unknown. 404 for an unknown key. */
  async getPayment(idempotencyKey: string, call?: SingapayCallOptions): Promise<SingapayPayment> {
    const req = validateSingapayInput(SingapayIdempotencyKeyRequest, { idempotencyKey });
    checkCallOptions('getPayment', call);
    return this.payments.getPayment(req.idempotencyKey, call);
  }

  /** Waits (polling Singapay) until the payment is final or `timeoutMs` passes; returns its state either way. */
  async waitForPayment(idempotencyKey: string, options: SingapayWaitOptions = {}): Promise<SingapayPayment> {
    const req = validateSingapayInput(SingapayIdempotencyKeyRequest, { idempotencyKey });
    const poll = options?.pollIntervalMs;
    const problems = poll === undefined || isIntegerIn(poll, 50, 600_000) ? [] : ['pollIntervalMs must be an integer from 50 to 600000'];
    checkCallOptions('waitForPayment', options ?? undefined, 3_600_000, '', problems);
    return this.payments.waitForPayment(req.idempotencyKey, options ?? {});
  }

  /** Payments that reached a final state (success, failed, refunded), however that was learned. */
  get settlements$(): Observable<SingapayPaymentSettlement> {
    return this.payments.settlements$;
  }

  /** PLN tokens as they are recorded: in the payment's answer or, usually, some seconds later. */
  get tokens$(): Observable<SingapayTokenDelivery> {
    return this.payments.tokens$;
  }

  /**
   * Whether the payment store still holds every record written to it. A Redis that was
   * flushed, restarted without its data or failed over to a replica that lacked the latest
   * writes does not: payments then stop with a 503 (nothing sent) in every process that
   * shares it, reads carry on, and the health indicator reports it. Rejects with a
   * `SingapayPaymentStoreError` when the store cannot be reached (payments are refused then too):
   * the store's own, or a client's error by its name, code and first line, never its properties
   * (ioredis hangs the failed command on it, a reconnection's password among its arguments).
   */
  async checkPaymentStore(): Promise<SingapayPaymentStoreIntegrity> {
    return this.ledger.checkIntegrity();
  }

  /**
   * Lifts that stop, for every process that shares the store: an operator's decision, once
   * the orders paid since the last good state are checked (their keys are unknown to the
   * store again, so paying one of them again would pay it twice). `npx singapay ledger resume`
   * does the same from a shell.
   */
  async resumePayments(): Promise<void> {
    return this.ledger.resumeAfterLoss();
  }

  /** Sweeps pending and unknown payments once (the `sweepIntervalMs` timer does it on its own). */
  async sweepPayments(): Promise<number> {
    return this.followUps.sweep();
  }

  /**
   * The daily reconciliation report of one WIB day (`YYYY-MM-DD`): every payment record
   * made that day against Singapay's transaction list (every page), paired by transaction
   * id, then by reference number, with the totals finance checks. Read-only: list and
   * detail calls only, nothing written. A report whose `complete` is false proves nothing
   * missing (see `warnings`). A bad date is a 400 naming `date`, and nothing is sent; a store
   * without `listCreatedBetween` is a 501.
   */
  async reconcileDay(
    date: string,
    call?: SingapayCallOptions,
    options?: SingapayReconciliationOptions,
  ): Promise<SingapayReconciliationReport> {
    const day = this.reconciliation.dayOf(date);
    checkCallOptions('reconcileDay', call);
    return this.reconciliation.run(day, call, options);
  }

  /** One transaction by Singapay's id: the status check for pending payments. */
  async getTransaction(transactionId: string, call?: SingapayCallOptions): Promise<SingapayTransaction> {
    const req = validateSingapayInput(SingapayTransactionIdRequest, { transactionId });
    checkCallOptions('getTransaction', call);
    return this.biller.getTransaction(req.transactionId, call);
  }

  /** Lists transactions, newest first, filtered and paginated by Singapay. */
  async listTransactions(input: SingapayListTransactionsRequest = {}, call?: SingapayCallOptions): Promise<SingapayTransactionPage> {
    const req = validateSingapayInput(SingapayListTransactionsRequest, input, listRules);
    checkCallOptions('listTransactions', call);
    return this.biller.listTransactions(req, call);
  }

  /** Parameters of a game top-up category (servers…), for `inquiry({ command: 'topupg' })`. */
  async getGameTopupParameters(categoryCode: string, call?: SingapayCallOptions): Promise<SingapayGameTopupParameters> {
    const req = validateSingapayInput(SingapayGameCategoryRequest, { categoryCode });
    checkCallOptions('getGameTopupParameters', call);
    return this.biller.getGameTopupParameters(req.categoryCode, call);
  }

  /** Sandbox only: lets test customer ids be used again today. Refused in production before anything is sent. */
  async resetCustomerIds(call?: SingapayCallOptions): Promise<SingapayResetResult> {
    checkCallOptions('resetCustomerIds', call);
    if (this.options.environment !== 'sandbox') {
      throw new ForbiddenException('resetCustomerIds() is a sandbox-only call; this module is configured for production');
    }
    return this.biller.resetCustomerIds(call);
  }

  // Cross-field rules, checked on a valid DTO; arrow properties, so that no closure is made per call.
  private readonly inquiryRules = (r: SingapayInquiryRequest): string[] => {
    const problems = this.versionRule(r.command);
    const { period: rule, gameFields: takesGameFields } = SINGAPAY_COMMANDS[r.command];
    if (r.period === undefined) {
      if (rule?.required) problems.push(`period is required for command ${r.command}`);
    } else if (!rule) {
      problems.push(`period is not accepted for command ${r.command}`);
    } else if (rule.values ? !rule.values.includes(r.period) : r.period < rule.min || r.period > rule.max) {
      const allowed = rule.values ? `one of ${rule.values.join(', ')}` : `from ${rule.min} to ${rule.max}`;
      problems.push(`period must be ${allowed} for command ${r.command}`);
    }
    this.phoneRule(r, problems);
    const gameFields = GAME_FIELDS.filter((f) => r[f] !== undefined);
    if (!takesGameFields && gameFields.length)
      problems.push(`${gameFields.join(', ')} ${gameFields.length > 1 ? 'are' : 'is'} only accepted for game top-up (topupg)`);
    return problems;
  };

  private readonly payRules = (r: SingapayPayRequest): string[] => {
    const problems = this.versionRule(r.command);
    const { hasInquiry } = SINGAPAY_COMMANDS[r.command];
    if (hasInquiry && !r.referenceNumber) {
      problems.push(`referenceNumber is required for command ${r.command}: pay the referenceNumber returned by inquiry()`);
    }
    if (!hasInquiry && r.referenceNumber !== undefined) {
      problems.push(`referenceNumber is not accepted for command ${r.command}: it is a direct purchase without inquiry`);
    }
    return problems;
  };

  private versionRule(command: SingapayCommand): string[] {
    const { versions } = SINGAPAY_COMMANDS[command];
    if (versions.includes(this.options.apiVersion)) return [];
    return [`command ${command} is not available on API ${this.options.apiVersion} (needs ${versions.join(' or ')})`];
  }

  private phoneRule({ command, phoneNumber }: { command: SingapayCommand; phoneNumber?: string }, problems: string[]): void {
    if (phoneNumber === undefined) return;
    if (!SINGAPAY_COMMANDS[command].phoneNumber) problems.push(`phoneNumber is not accepted for command ${command}`);
    else if (this.options.apiVersion !== 'v2') problems.push('phoneNumber is only accepted on API v2');
  }
}

const GAME_FIELDS = Object.keys(SINGAPAY_GAME_FIELDS) as (keyof typeof SINGAPAY_GAME_FIELDS)[];

function listRules(r: SingapayListTransactionsRequest): string[] {
  if ((r.startDate === undefined) !== (r.endDate === undefined)) return ['startDate and endDate must be given together'];
  if (r.startDate && r.endDate) {
    if (calendarDayStart(r.startDate) === undefined) return ['startDate is not a calendar date'];
    if (calendarDayStart(r.endDate) === undefined) return ['endDate is not a calendar date'];
    if (r.startDate > r.endDate) return ['startDate must not be after endDate'];
  }
  return [];
}
