import type { SingapayPaymentRecord } from '../payments/singapay-payment-record.js';
import type { SingapayReconciliationRow } from './singapay-reconciliation.types.js';

/*
 * The one sentence each row carries for the person who reads the report: what the
 * category means for this row, and what to do. Plain text, never a secret (rows hold
 * ids, states and amounts only).
 */

const rupiah = (n: number | string): string => (typeof n === 'number' ? `Rp ${n.toLocaleString('en-US')}` : n);

function stateNote(row: SingapayReconciliationRow, record: SingapayPaymentRecord): string {
  const status = row.singapay!.status;
  const local = record.state;
  if (local === 'failed' && record.failure?.reason === 'not_found') {
    return `concluded not found, but Singapay has it (${status}): ${status === 'success' || status === 'pending' ? 'money moved; do not pay it again' : 'no money kept'}; getPayment(key) applies Singapay's word`;
  }
  if (local === 'success' && status === 'refunded') return 'recorded success, then refunded by Singapay: refund your customer';
  if (local === 'success' && status === 'failed')
    return 'recorded success, but Singapay marks it failed: check with Singapay before delivering';
  if (local === 'sending' || local === 'pending' || local === 'unknown') {
    const how =
      row.pairedBy === 'reference_number'
        ? 'its answer was lost and the record does not hold the transaction yet'
        : 'the record has not caught up with Singapay';
    const meaning =
      status === 'refunded'
        ? '; Singapay refunded it: refund your customer'
        : status === 'failed'
          ? '; Singapay failed it: nothing was charged'
          : status === 'success'
            ? '; Singapay says it went through: deliver'
            : '';
    return `${how}${meaning}; getPayment(key) or the sweep (sweepIntervalMs) settles it${status === 'pending' ? ' once Singapay does' : ''}`;
  }
  return `recorded ${local}, Singapay says ${status}: check with Singapay which is right`;
}

/** The note of a row; `record` for rows with a local side, `why` for an unverified record. */
export function explainRow(row: SingapayReconciliationRow, record?: SingapayPaymentRecord, why?: string): string {
  const across = row.crossesMidnight ? " (the pair crosses midnight WIB: reported on the record's day)" : '';
  const viaDetail = row.foundIn === 'detail' ? ' (found by a detail lookup: not in the list)' : '';
  switch (row.category) {
    case 'matched':
      return `state, amount and price agree${row.pairedBy === 'reference_number' ? '; paired by reference number' : ''}${viaDetail}${across}`;
    case 'state_differs': {
      const amounts = row.differences.filter((d) => d.field !== 'state');
      const extra = amounts.length
        ? `; ${amounts.map((d) => `${d.field} ${rupiah(d.local)} here, ${rupiah(d.singapay)} at Singapay`).join(', ')}`
        : '';
      return `${stateNote(row, record!)}${extra}${viaDetail}${across}`;
    }
    case 'amount_differs':
      return `${row.differences.map((d) => `${d.field} ${rupiah(d.local)} recorded, ${rupiah(d.singapay)} at Singapay`).join('; ')}: check what your customer was charged${viaDetail}${across}`;
    case 'local_only': {
      if (record!.state === 'failed') {
        return `no transaction, as expected: the payment failed (${record!.failure?.reason ?? 'failed'}) and nothing was charged`;
      }
      if (record!.state === 'sending' && record!.sendCount === 0) return 'no transaction, as expected: it was never sent';
      const lookedUp = record!.transactionId ? ' (its transaction id is unknown to Singapay)' : '';
      return record!.state === 'unknown' || record!.state === 'sending'
        ? `Singapay has no transaction for it${lookedUp}: the payment may never have arrived; it stays unknown until a complete search after paymentNotFoundAfterMs concludes it`
        : `recorded ${record!.state}, but Singapay has no such transaction${lookedUp}: check with Singapay before delivering or refunding`;
    }
    case 'singapay_only':
      return row.singapay!.status === 'success' || row.singapay!.status === 'pending'
        ? 'no local record: a payment made outside this module (another system, the dashboard, another store), or a record lost: find out who paid it'
        : `no local record; ${row.singapay!.status} at Singapay, so no money was kept`;
    case 'unverified':
      return row.local
        ? `not checked: ${why ?? "Singapay's list was not read in full"}; it may be on a page that was not read, so do not read it as missing`
        : 'not checked: the local records were not all read, so its record may be among those left out';
  }
}
