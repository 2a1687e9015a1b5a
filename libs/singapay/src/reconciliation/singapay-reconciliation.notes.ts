import type { SingapayTransactionStatus } from '../contract/singapay-api.contract.js';
import { isFinalPaymentState, type SingapayPaymentRecord } from '../payments/singapay-payment-record.js';
import { isFailedBySingapay, isNotFoundFailure, isRefundOwed } from '../payments/singapay-payment.state.js';
import type { SingapayReconciliationDifference, SingapayReconciliationRow } from './singapay-reconciliation.types.js';

/*
 * The one sentence each row carries for the person who reads the report: what the
 * category means for this row, and what to do. Plain text, never a secret (rows hold
 * ids, states and amounts only).
 */

/** Whether a status says the deposit drew money and kept it: a failed transaction drew none, and a refunded one gave it back. */
export const keptMoney = (status: string): boolean => status === 'success' || status === 'pending';

const rupiah = (n: number | string): string => (typeof n === 'number' ? `Rp ${n.toLocaleString('en-US')}` : n);
const amounts = (diffs: SingapayReconciliationDifference[], here: string): string[] =>
  diffs.map((d) => `${d.field} ${rupiah(d.local)} ${here}, ${rupiah(d.singapay)} at Singapay`);

/**
 * What Singapay's status means for a record that has not caught up with it. Its move is announced on
 * `settlements$` by the process that applies it, so the reader is told to act then, not now as well:
 * a refund or a delivery done by hand from the report would be done again on the announcement.
 */
const CATCHING_UP: Partial<Record<SingapayTransactionStatus, string>> = {
  refunded:
    '; Singapay refunded it: your customer is owed a refund, announced on settlements$ by the process that applies it (refund once, then; by hand only if a process nobody listens to applies it)',
  failed: '; Singapay failed it: nothing was charged',
  success:
    '; Singapay says it went through: announced on settlements$ by the process that applies it (deliver once, then; by hand only if a process nobody listens to applies it)',
};

function stateNote(row: SingapayReconciliationRow, record: SingapayPaymentRecord): string {
  const status = row.singapay!.status;
  const local = record.state;
  if (isNotFoundFailure(record)) {
    return `concluded not found, but Singapay has it (${status}): ${keptMoney(status) ? 'money moved; do not pay it again' : 'no money kept'}; getPayment(key) applies Singapay's word`;
  }
  if (local === 'success' && status === 'refunded')
    return 'recorded success, then refunded by Singapay: refund your customer (once: its callback, if it comes, announces it on settlements$ too)';
  if (isFailedBySingapay(record) && status === 'refunded')
    return 'recorded failed, then refunded by Singapay: your deposit got back what was drawn; your customer was told it failed, nothing more is owed';
  if (local === 'success' && status === 'failed')
    return 'recorded success, but Singapay marks it failed: check with Singapay before delivering';
  if (!isFinalPaymentState(local)) {
    const how =
      row.pairedBy === 'reference_number'
        ? 'its answer was lost and the record does not hold the transaction yet'
        : 'the record has not caught up with Singapay';
    return `${how}${CATCHING_UP[status] ?? ''}; getPayment(key) or the sweep (sweepIntervalMs) settles it${status === 'pending' ? ' once Singapay does' : ''}`;
  }
  return `recorded ${local}, Singapay says ${status}: check with Singapay which is right`;
}

/** The note of a row; `record` for rows with a local side, `why` for an unverified record. */
/** A refund Singapay made that the customer is owed (both sides refunded, no failure first), whatever else differs. */
function owed(row: SingapayReconciliationRow, record: SingapayPaymentRecord | undefined): string {
  return record && row.singapay?.status === 'refunded' && isRefundOwed(record)
    ? '; refunded by Singapay: refund your customer, unless you did when it was announced or when it was reported failed'
    : '';
}

export function explainRow(row: SingapayReconciliationRow, record?: SingapayPaymentRecord, why?: string): string {
  const across = row.crossesMidnight ? " (the pair crosses midnight WIB: reported on the record's day)" : '';
  const viaDetail = row.foundIn === 'detail' ? ' (found by a detail lookup: not in the list)' : '';
  switch (row.category) {
    case 'matched':
      return `state, amount and price agree${owed(row, record)}${row.pairedBy === 'reference_number' ? '; paired by reference number' : ''}${viaDetail}${across}`;
    case 'state_differs': {
      const priced = row.differences.filter((d) => d.field !== 'state');
      const extra = amounts(priced, 'here').join(', ');
      return `${stateNote(row, record!)}${extra && `; ${extra}`}${viaDetail}${across}`;
    }
    case 'amount_differs':
      return `${amounts(row.differences, 'recorded').join('; ')}: check what your customer was charged${owed(row, record)}${viaDetail}${across}`;
    case 'local_only': {
      const { state, failure, sendCount, transactionId } = record!;
      if (state === 'failed')
        return `no transaction, as expected: the payment failed (${failure?.reason ?? 'failed'}) and nothing was charged`;
      if (state === 'sending' && sendCount === 0) return 'no transaction, as expected: it was never sent';
      const lookedUp = transactionId ? ' (its transaction id is unknown to Singapay)' : '';
      return state === 'unknown' || state === 'sending'
        ? `Singapay has no transaction for it${lookedUp}: the payment may never have arrived; it stays unknown until a complete search after paymentNotFoundAfterMs concludes it`
        : `recorded ${state}, but Singapay has no such transaction${lookedUp}: check with Singapay before delivering or refunding`;
    }
    case 'singapay_only':
      return keptMoney(row.singapay!.status)
        ? 'no local record: a payment made outside this module (another system, the dashboard, another store), or a record lost: find out who paid it'
        : `no local record; ${row.singapay!.status} at Singapay, so no money was kept`;
    case 'unverified':
      return row.local
        ? `not checked: ${why ?? "Singapay's list was not read in full"}; it may be on a page that was not read, so do not read it as missing`
        : 'not checked: the local records were not all read, so its record may be among those left out';
  }
}
