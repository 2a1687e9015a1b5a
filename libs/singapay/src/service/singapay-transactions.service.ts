import { Injectable } from '@nestjs/common';
import {
  SINGAPAY_GENERAL_COMMANDS,
  SINGAPAY_GENERAL_PATHS,
  SINGAPAY_TRANSACTION_STATUSES,
  type SingapayTransactionStatus,
} from '../contract/singapay-api.contract.js';
import { SingapayErrorFactory } from '../errors/singapay-error.factory.js';
import { SingapayApiClient } from '../http/singapay-api.client.js';
import type { SingapayCallOptions } from '../http/singapay-transport.js';
import { SingapayListTransactionsRequest, SingapayTransactionIdRequest } from './dto/singapay-requests.dto.js';
import { asRecord } from '../util/singapay-json.js';
import { compact, envelopeReader } from './singapay-envelope.reader.js';
import type { SingapayFieldReader } from './singapay-field.reader.js';
import { validateSingapayInput } from './singapay-request.validation.js';
import type { SingapayTransaction, SingapayTransactionPage } from './singapay.types.js';

export type SingapayListTransactionsInput = Omit<SingapayListTransactionsRequest, never>;

/**
 * Transaction lookups: the status check of one transaction and the list
 * search. The payment engine resolves uncertain payments through them too.
 */
@Injectable()
export class SingapayTransactionsService {
  constructor(
    private readonly api: SingapayApiClient,
    private readonly errors: SingapayErrorFactory,
  ) {}

  async getTransaction(transactionId: string, call?: SingapayCallOptions): Promise<SingapayTransaction> {
    const req = validateSingapayInput(SingapayTransactionIdRequest, { transactionId });
    const envelope = await this.api.call({
      operation: 'getTransaction',
      path: SINGAPAY_GENERAL_PATHS.detailTransaction,
      body: { command: SINGAPAY_GENERAL_COMMANDS.detailTransaction, data: { transaction_id: req.transactionId } },
      ...(call ? { call } : {}),
    });
    return this.transaction(envelopeReader(this.errors, envelope, 'getTransaction'), envelope.raw);
  }

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
    const reader = envelopeReader(this.errors, envelope, 'listTransactions');
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

  private transaction(data: SingapayFieldReader, raw: Record<string, unknown>): SingapayTransaction {
    const status = data.string('status').toLowerCase();
    if (!(SINGAPAY_TRANSACTION_STATUSES as readonly string[]).includes(status)) {
      data.reject(`data.status is not one of ${SINGAPAY_TRANSACTION_STATUSES.join(', ')}`);
    }
    const display = data.object('display_price');
    const product = data.object('product');
    const category = product.optionalObject('category');
    // Undocumented and product-specific: passed on as it comes, searched for a token only when it is a map.
    const rawOther = data.value().other_info;
    const otherInfo: unknown = rawOther === undefined || rawOther === null || (Array.isArray(rawOther) && rawOther.length === 0) ? {} : rawOther;
    const token = typeof asRecord(otherInfo)?.token === 'string' && asRecord(otherInfo)?.token ? (asRecord(otherInfo)!.token as string) : undefined;
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
