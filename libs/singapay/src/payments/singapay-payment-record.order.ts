import type { SingapayPaymentRecordCursor } from './singapay-payment-store.interface.js';

/*
 * The order of `SingapayPaymentStore.listCreatedBetween`: by `createdAt`, then by the
 * bytes of the key in UTF-8, which is how Redis orders members of equal score and how
 * PostgreSQL orders text under COLLATE "C". One order for every store, so that a cursor
 * means the same everywhere and a test can hold all of them to it.
 */

/** Negative when `a` comes first in `listCreatedBetween`, positive when `b` does, 0 for the same position. */
export function compareByCreation(a: SingapayPaymentRecordCursor, b: SingapayPaymentRecordCursor): number {
  return a.createdAt - b.createdAt || Buffer.compare(Buffer.from(a.key, 'utf8'), Buffer.from(b.key, 'utf8'));
}

/** Whether `record` lies in `[fromMs, toMs)` and after `after`. */
export function inCreationPage(
  record: SingapayPaymentRecordCursor,
  fromMs: number,
  toMs: number,
  after?: SingapayPaymentRecordCursor,
): boolean {
  return record.createdAt >= fromMs && record.createdAt < toMs && (after === undefined || compareByCreation(record, after) > 0);
}
