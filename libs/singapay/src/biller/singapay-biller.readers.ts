import {
  SINGAPAY_COMMANDS,
  SINGAPAY_ID_PATTERNS,
  SINGAPAY_LATE_FEE_FIELD,
  SINGAPAY_TIMESTAMP_ZONES,
  SINGAPAY_TRANSACTION_STATUSES,
  type SingapayCommand,
  type SingapayTransactionStatus,
} from '../contract/singapay-api.contract.js';
import { asRecord, dropUndefined } from '../util/singapay-json.js';
import { phpMap, type SingapayFieldReader } from './singapay-field.reader.js';
import type { SingapayInquiryResult, SingapayPaymentReceipt, SingapayTransaction } from './singapay-biller.types.js';
import { formatSingapayIso } from './singapay-time.js';
import { readSingapayToken } from './singapay-token.reader.js';

/*
 * How Singapay's answers read, field by field. Every name of Singapay's lives in
 * this folder; nothing above it knows `reference_number` from `referenceNumber`.
 */

/** An inquiry answer's `data`. */
export function readInquiry(
  data: SingapayFieldReader,
  command: SingapayCommand,
  customerId: string,
  raw: Record<string, unknown>,
  now: number,
): SingapayInquiryResult {
  return dropUndefined({
    command,
    referenceNumber: data.matching('reference_number', SINGAPAY_ID_PATTERNS.referenceNumber.pattern, 'a reference pay() can send'),
    customerId: data.optionalString('customer_id') ?? customerId,
    customerName: data.nullableString('customer_name'),
    amount: data.charge('amount'),
    price: data.charge('price'),
    lateFee: data.optionalCharge(SINGAPAY_LATE_FEE_FIELD),
    period: data.optionalString('period'),
    createdAt: formatSingapayIso(inquiredAt(data, command, now)),
    raw,
  });
}

/**
 * When Singapay made an inquiry. The docs print `created_at` in the postpaid inquiry and print no
 * prepaid one: a prepaid answer without it was made as it was read.
 */
function inquiredAt(data: SingapayFieldReader, command: SingapayCommand, now: number): number {
  if (SINGAPAY_COMMANDS[command].family === 'prepaid' && !data.has('created_at')) return now;
  return data.instant('created_at', SINGAPAY_TIMESTAMP_ZONES.inquiry.created_at);
}

/** A payment answer's `data` (`00` or `01`): the transaction Singapay created. */
export function readPaymentReceipt(
  data: SingapayFieldReader,
  responseCode: '00' | '01',
  raw: Record<string, unknown>,
  now: number,
): SingapayPaymentReceipt {
  const transactionId = data.string('transaction_id');
  const createdAt = data.createdAt(transactionId, SINGAPAY_TIMESTAMP_ZONES.payment.created_at, now);
  return dropUndefined({
    responseCode,
    transactionId,
    amount: data.rupiah('amount'),
    price: data.rupiah('price'),
    customerName: data.optionalString('customer_name'),
    period: data.optionalString('period'),
    token: readSingapayToken(data.value()),
    createdAt: formatSingapayIso(createdAt),
    raw,
  });
}

/** A detail answer's `data`, a list row, or a callback's `data`. */
export function readTransaction(data: SingapayFieldReader, raw: Record<string, unknown>, now: number): SingapayTransaction {
  const status = data.string('status').toLowerCase();
  if (!(SINGAPAY_TRANSACTION_STATUSES as readonly string[]).includes(status)) {
    data.fail(`data.status is not one of ${SINGAPAY_TRANSACTION_STATUSES.join(', ')}`);
  }
  const display = data.object('display_price');
  const product = data.object('product');
  const category = product.optionalObject('category');
  const zones = SINGAPAY_TIMESTAMP_ZONES.transaction;
  const transactionId = data.string('transaction_id');
  const createdAt = data.createdAt(transactionId, zones.created_at, now);
  const paidAt = data.nullableInstant('paid_at', zones.paid_at);
  const inquiredAt = data.nullableInstant('inquired_at', zones.inquired_at);
  // Undocumented and product-specific: passed on as it comes (`[]` is PHP's empty map).
  const other = data.value().other_info;
  const otherInfo: unknown = other === undefined || other === null ? {} : (phpMap(other) ?? other);
  return dropUndefined({
    transactionId,
    referenceNumber: data.nullableString('reference_number'),
    customerId: data.string('customer_id'),
    type: data.string('transaction_type'),
    status: status as SingapayTransactionStatus,
    netPrice: data.rupiah('net_price'),
    amount: display.rupiah('amount'),
    price: display.rupiah('price'),
    product: dropUndefined({
      code: product.string('code'),
      name: product.string('name'),
      category: category ? { code: category.string('code'), name: category.string('name') } : undefined,
    }),
    token: readSingapayToken(data.value()),
    inquiredAt: inquiredAt === null ? null : formatSingapayIso(inquiredAt),
    paidAt: paidAt === null ? null : formatSingapayIso(paidAt),
    createdAt: formatSingapayIso(createdAt),
    otherInfo,
    raw,
  });
}

/** The `transaction_id` an answer carried, even when the rest of it was unusable. */
export function transactionIdIn(raw: unknown): string | undefined {
  const id = asRecord(asRecord(raw)?.data)?.transaction_id;
  return isSingapayTransactionId(id) ? id : undefined;
}

/** Whether a callback's or a lookup's id can be a Singapay transaction id at all. */
export function isSingapayTransactionId(value: unknown): value is string {
  return typeof value === 'string' && SINGAPAY_ID_PATTERNS.transactionId.pattern.test(value);
}
