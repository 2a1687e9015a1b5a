import { SIMULATOR_RESPONSE_TEXTS } from './simulator-api-docs.js';
import { findSimulatorProduct } from './simulator-catalogue.js';
import { formatRupiah, formatSingapayDateTime } from './simulator-format.js';
import type { SimulatorResolvedVariants } from './simulator-options.js';
import type { SimulatorTransactionRecord } from './simulator-state.js';

/** What the simulator answers to one request, before it is written. */
export interface SimulatorReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** The token endpoint's and the gateway's envelope: `{status, success, error}`. */
export function statusEnvelopeReply(status: number, message: string): SimulatorReply {
  return { status, body: { status, success: false, error: { code: status, message } } };
}

/**
 * HTTP status of a business envelope. Documented: 04 on 422, 06 (also sent
 * unpadded as "6") on 404, success and pending on 200. Every other code's
 * status is undocumented; the simulator sends 200, and this is the one place
 * to change that.
 */
export function businessHttpStatus(code: string): number {
  const padded = code.padStart(2, '0');
  if (padded === '04') return 422;
  if (padded === '06') return 404;
  return 200;
}

/** A `response_code` as `variants.codes` prints it: `"06"`, or `"6"` without the leading zero. */
export function printedCode(code: string, codes: SimulatorResolvedVariants['codes']): string {
  return codes === 'unpadded' && /^0\d$/.test(code) ? code.slice(1) : code;
}

/**
 * A business envelope (an answer or a callback) with its `response_code` printed as
 * `variants.codes` says; anything else (the token's and the gateway's envelopes) unchanged.
 */
export function withPrintedCode<T>(body: T, codes: SimulatorResolvedVariants['codes']): T {
  if (codes === 'padded' || typeof body !== 'object' || body === null) return body;
  const code = (body as { response_code?: unknown }).response_code;
  if (typeof code !== 'string') return body;
  return { ...body, response_code: printedCode(code, codes) };
}

/** A `response_text` for a code the simulator answers without a more specific one. */
export function responseTextFor(code: string): string {
  return SIMULATOR_RESPONSE_TEXTS[code] ?? 'Unknown error';
}

export function businessReply(command: unknown, code: string, text: string, data?: unknown): SimulatorReply {
  const body: Record<string, unknown> = { command, response_code: code, response_text: text };
  if (data !== undefined) body.data = data;
  return { status: businessHttpStatus(code), body };
}

/** A 04 with Laravel's field → message map. */
export function validationReply(command: unknown, errors: Record<string, string>): SimulatorReply {
  return businessReply(command, '04', responseTextFor('04'), errors);
}

/**
 * A transaction as `detail-bill-transaction` shows it; list rows leave out the
 * product's category. Times and the PLN token's place follow the variants.
 */
export function transactionView(
  tx: SimulatorTransactionRecord,
  withCategory: boolean,
  variants: SimulatorResolvedVariants,
): Record<string, unknown> {
  const product = findSimulatorProduct(tx.productCode);
  const productView: Record<string, unknown> = { code: tx.productCode, name: product?.name ?? tx.productCode };
  if (withCategory) productView.category = { ...(product?.category ?? { code: '', name: '' }) };
  const { zones, tokenIn } = variants;
  const token = tx.token;
  // Singapay (PHP) serialises an empty map as [], as the documented rows and callback show.
  const otherInfo = token === null || tokenIn === 'data' ? [] : tokenIn === 'otherInfo' ? { token } : [{ name: 'token', value: token }];
  return {
    transaction_id: tx.transactionId,
    reference_number: tx.referenceNumber,
    customer_id: tx.customerId,
    transaction_type: tx.transactionType,
    status: tx.status,
    inquired_at: tx.inquiredAt === null ? null : formatSingapayDateTime(tx.inquiredAt, zones.rowInquiredAt),
    paid_at: formatSingapayDateTime(tx.paidAt, zones.rowPaidAt),
    net_price: formatRupiah(tx.netPrice),
    display_price: { amount: formatRupiah(tx.amount), price: formatRupiah(tx.price) },
    other_info: otherInfo,
    created_at: formatSingapayDateTime(tx.createdAt, zones.rowCreatedAt),
    product: productView,
    ...(token !== null && tokenIn === 'data' ? { token } : {}),
  };
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `command` to echo: what the client sent when it is a string. */
export function echoCommand(body: Record<string, unknown>, fallback: string | null): unknown {
  return typeof body.command === 'string' ? body.command : fallback;
}
