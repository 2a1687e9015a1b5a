import { isSettledPaymentRecord, type SingapayPaymentRecord } from '../payments/singapay-payment-record.js';

/*
 * A payment record as a table row: the columns the store indexes, and the document.
 * jsonb refuses NUL characters and unpaired surrogates, and very deep nesting would hit the
 * server's stack limit: such a record is kept exactly as text in record_exact, and record holds
 * a copy jsonb can take, so no answer Singapay sends can make a record unwritable.
 */

export const COLUMNS = 'COALESCE(record_exact, record::text) AS record';

const JSONB_UNSAFE_TEXT = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const JSONB_MAX_DEPTH = 100;

function jsonbSafe(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return !JSONB_UNSAFE_TEXT.test(value);
  if (value === null || typeof value !== 'object') return true;
  if (depth >= JSONB_MAX_DEPTH) return false;
  if (Array.isArray(value)) return value.every((v) => jsonbSafe(v, depth + 1));
  return Object.entries(value).every(([k, v]) => !JSONB_UNSAFE_TEXT.test(k) && jsonbSafe(v, depth + 1));
}

function jsonbCopy(value: unknown, depth = 0): unknown {
  const clean = (s: string) => s.replace(new RegExp(JSONB_UNSAFE_TEXT.source, 'g'), '\ufffd');
  if (typeof value === 'string') return clean(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= JSONB_MAX_DEPTH) return '[nested too deep for jsonb: see record_exact]';
  if (Array.isArray(value)) return value.map((v) => jsonbCopy(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[clean(k)] = jsonbCopy(v, depth + 1);
  return out;
}

/**
 * The parameters $1 to $10 of the statements that write a record (insert and update alike):
 * namespace, key, version, state, settled, transaction_id, created_at, updated_at, then the
 * document: record (jsonb) and record_exact.
 */
export function rowParameters(namespace: string, record: SingapayPaymentRecord): unknown[] {
  const exact = JSON.stringify(record);
  const safe = jsonbSafe(record);
  return [
    namespace,
    record.key,
    record.version,
    record.state,
    isSettledPaymentRecord(record),
    record.transactionId ?? null,
    instant(record.createdAt, 'createdAt'),
    instant(record.updatedAt, 'updatedAt'),
    safe ? exact : JSON.stringify(jsonbCopy(record)),
    safe ? null : exact,
  ];
}

function instant(ms: number, field: string): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new TypeError(`payment record ${field} must be epoch milliseconds`);
  return new Date(ms).toISOString();
}
