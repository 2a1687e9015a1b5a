import type { SingapayTransaction } from '../biller/singapay-biller.types.js';
import type { SingapayPaymentRecord } from '../payments/singapay-payment-record.js';
import { findPaymentCandidate } from '../payments/recovery/singapay-payment.matcher.js';
import { formatSingapayReconciliation, SINGAPAY_RECONCILIATION_CSV_COLUMNS } from './singapay-reconciliation.format.js';
import {
  hintLostPurchases,
  localOnlyRow,
  pairedRow,
  pairRecords,
  singapayOnlyRow,
  summarise,
  totals,
} from './singapay-reconciliation.pairing.js';
import { parseReconciliationDate } from './singapay-reconciliation.runner.js';
import type { SingapayReconciliationReport, SingapayReconciliationRow } from './singapay-reconciliation.types.js';

const AT = Date.UTC(2025, 5, 10, 3); // 10:00 WIB

function record(key: string, extra: Partial<SingapayPaymentRecord> = {}): SingapayPaymentRecord {
  return {
    key,
    requestHash: 'h',
    command: 'pulsa',
    productCode: 'SPTLKMAS10',
    customerId: '081200000001',
    state: 'success',
    sendCount: 1,
    lookups: 0,
    createdAt: AT,
    updatedAt: AT,
    version: 1,
    ...extra,
  };
}

function tx(id: string, extra: Partial<SingapayTransaction> = {}): SingapayTransaction {
  return {
    transactionId: id,
    referenceNumber: `REF-${id}`,
    customerId: '081200000001',
    type: 'prepaid',
    status: 'success',
    netPrice: 10_800,
    amount: 10_000,
    price: 11_000,
    product: { code: 'SPTLKMAS10', name: 'Telkomsel 10' },
    inquiredAt: null,
    paidAt: null,
    createdAt: '2025-06-10T10:00:01+07:00',
    otherInfo: {},
    raw: {},
    ...extra,
  };
}

describe('parseReconciliationDate', () => {
  it('gives the WIB day as [00:00+07:00, next 00:00+07:00)', () => {
    expect(parseReconciliationDate('2024-02-29')).toEqual({
      date: '2024-02-29',
      fromMs: Date.UTC(2024, 1, 28, 17),
      toMs: Date.UTC(2024, 1, 29, 17),
    });
    for (const bad of ['2025-02-29', '2025-13-01', '2025-06-10T00:00', ' 2025-06-10', null, 20250610]) {
      expect(() => parseReconciliationDate(bad)).toThrow(/Bad Request/);
    }
  });
});

describe('pairing', () => {
  it('pairs by transaction id first, then by reference and customer for records holding none, each transaction once', () => {
    const records = [
      record('by-id', { transactionId: 'T1' }),
      record('by-ref', { state: 'unknown', referenceNumber: 'REF-T2' }),
      record('same-ref-later', { state: 'failed', referenceNumber: 'REF-T2' }),
      record('other-customer', { state: 'unknown', referenceNumber: 'REF-T3', customerId: '081299999999' }),
    ];
    const pairs = pairRecords(records, [tx('T1'), tx('T2'), tx('T3')]);
    expect([...pairs].map(([key, p]) => [key, p.tx.transactionId, p.pairedBy])).toEqual([
      ['by-id', 'T1', 'transaction_id'],
      ['by-ref', 'T2', 'reference_number'],
    ]);
  });

  it("pairs a reference carried by two transactions with the one its last send made, as the payments' own lookups choose", async () => {
    // Refused (22) without naming the transaction Singapay recorded, then paid again 40 s later under a new key: that answer
    // was lost. Singapay's clock runs 25 s ahead, so the refused one is the nearer in time; the paid one is the latest made.
    const lost = record('retry', { state: 'unknown', referenceNumber: 'REF-R', createdAt: AT + 40_000, sentAt: AT + 40_000 });
    const refused = tx('T1', { referenceNumber: 'REF-R', status: 'failed', createdAt: '2025-06-10T10:00:25+07:00' });
    const paid = tx('T2', { referenceNumber: 'REF-R', createdAt: '2025-06-10T10:01:05+07:00' });
    for (const listed of [
      [refused, paid],
      [paid, refused],
    ]) {
      expect(pairRecords([lost], listed, 60_000).get('retry')?.tx.transactionId).toBe('T2');
      const { match } = await findPaymentCandidate(lost, listed, async () => false, 60_000);
      expect(match?.transactionId).toBe('T2');
    }
  });

  it('pairs a reference with the payment whose answer was lost, never with an earlier one that provably made no transaction', () => {
    // Refused (17, deposit too low), then paid again under a new key after a top-up; that answer was lost.
    const rejected = record('rejected', {
      state: 'failed',
      referenceNumber: 'REF-T',
      failure: { reason: 'rejected', code: '17', type: 'insufficient_balance', httpStatus: 503, message: 'Deposit too low' },
    });
    const notSent = record('not-sent', {
      state: 'failed',
      referenceNumber: 'REF-T',
      sendCount: 0,
      failure: { reason: 'not_sent', code: null, type: 'not_sent', httpStatus: 503, message: 'never left' },
    });
    const lost = record('lost', { state: 'unknown', referenceNumber: 'REF-T', sentAt: AT });
    const pairs = pairRecords([rejected, notSent, lost], [tx('T')]);
    expect([...pairs].map(([key, p]) => [key, p.tx.transactionId, p.pairedBy])).toEqual([['lost', 'T', 'reference_number']]);
  });

  it('asks for attention on a refund both sides agree on when a customer is owed it, not when Singapay failed it first', () => {
    const pair = { tx: tx('T', { status: 'refunded' }), foundIn: 'list', pairedBy: 'transaction_id' } as const;
    const outcome = { transactionId: 'T', price: 11_000, amount: 10_000 };
    const owed = pairedRow(record('paid-then-refunded', { state: 'refunded', outcome }), pair);
    expect(owed).toMatchObject({ category: 'matched', needsAttention: true });
    expect(owed.note).toMatch(/^state, amount and price agree; refunded by Singapay: refund your customer/);
    // Amounts that differ besides (a refunded row's price shown otherwise) do not make the refund less owed.
    const repriced = pairedRow(record('refunded-repriced', { state: 'refunded', outcome: { ...outcome, price: 12_000 } }), pair);
    expect(repriced).toMatchObject({ category: 'amount_differs', needsAttention: true });
    expect(repriced.note).toMatch(/check what your customer was charged; refunded by Singapay: refund your customer/);
    const failedFirst = pairedRow(
      record('failed-then-refunded', {
        state: 'refunded',
        outcome,
        failure: { reason: 'transaction_failed', code: null, type: 'transaction_failed', httpStatus: 502, message: 'failed at Singapay' },
      }),
      pair,
    );
    expect(failedFirst).toMatchObject({ category: 'matched', needsAttention: false, note: 'state, amount and price agree' });
  });

  it('puts a state difference first, names every field that differs, and leaves pairs both sides have in flight alone', () => {
    const refunded = pairedRow(record('r', { outcome: { transactionId: 'T', price: 12_000, amount: 10_000 } }), {
      tx: tx('T', { status: 'refunded' }),
      foundIn: 'list',
      pairedBy: 'transaction_id',
    });
    expect(refunded).toMatchObject({ category: 'state_differs', needsAttention: true, crossesMidnight: false });
    expect(refunded.differences).toEqual([
      { field: 'state', local: 'success', singapay: 'refunded' },
      { field: 'price', local: 12_000, singapay: 11_000 },
    ]);
    expect(refunded.note).toMatch(/refund your customer.*price Rp 12,000 here, Rp 11,000 at Singapay/);
    const inFlight = pairedRow(record('p', { state: 'pending' }), {
      tx: tx('T', { status: 'pending' }),
      foundIn: 'list',
      pairedBy: 'transaction_id',
    });
    expect(inFlight).toMatchObject({ category: 'matched', needsAttention: false });
    const unknownPending = pairedRow(record('u', { state: 'unknown' }), {
      tx: tx('T', { status: 'pending' }),
      foundIn: 'list',
      pairedBy: 'reference_number',
    });
    expect(unknownPending).toMatchObject({ category: 'state_differs', needsAttention: false });
    // The record catches up by itself and announces the refund then: the report asks for it once, not now as well.
    const unknownRefunded = pairedRow(record('ur', { state: 'unknown' }), {
      tx: tx('T', { status: 'refunded' }),
      foundIn: 'list',
      pairedBy: 'reference_number',
    });
    expect(unknownRefunded.note).toMatch(/owed a refund, announced on settlements\$ by the process that applies it \(refund once, then/);
    expect(unknownRefunded.note).not.toMatch(/refund your customer/);
    const midnight = pairedRow(record('m', { createdAt: Date.UTC(2025, 5, 10, 16, 59, 59) }), {
      tx: tx('T', { createdAt: '2025-06-11T00:00:01+07:00' }),
      foundIn: 'detail',
      pairedBy: 'transaction_id',
    });
    expect(midnight).toMatchObject({ category: 'matched', crossesMidnight: true, foundIn: 'detail' });
    expect(midnight.note).toMatch(/found by a detail lookup.*crosses midnight/);
  });

  it('asks for attention only where money may have moved on one side', () => {
    const attention = (r: SingapayReconciliationRow) => r.needsAttention;
    expect(attention(localOnlyRow(record('f', { state: 'failed' }), true))).toBe(false);
    expect(attention(localOnlyRow(record('never', { state: 'sending', sendCount: 0 }), true))).toBe(false);
    for (const state of ['success', 'pending', 'unknown', 'refunded'] as const)
      expect(attention(localOnlyRow(record(state, { state }), true))).toBe(true);
    expect(attention(localOnlyRow(record('left', { state: 'sending', sendCount: 1 }), true))).toBe(true);
    expect(localOnlyRow(record('u', { state: 'unknown' }), false, 'page 2 failed')).toMatchObject({
      category: 'unverified',
      needsAttention: true,
    });
    expect(attention(singapayOnlyRow(tx('S'), true))).toBe(true);
    expect(attention(singapayOnlyRow(tx('F', { status: 'failed' }), true))).toBe(false);
    expect(singapayOnlyRow(tx('R', { status: 'refunded' }), false)).toMatchObject({ category: 'unverified', needsAttention: false });
  });

  it('points a lost direct purchase and the one transaction that fits it at each other, and only then', () => {
    const records = new Map(['lost', 'lost2'].map((key) => [key, record(key, { state: 'unknown' })]));
    const lost = localOnlyRow(records.get('lost')!, true);
    const fits = singapayOnlyRow(tx('FIT', { referenceNumber: null }), true);
    const otherProduct = singapayOnlyRow(tx('OTHER', { product: { code: 'SPTKMSF2G30', name: 'data' } }), true);
    const rows = [lost, fits, otherProduct];
    hintLostPurchases(rows, 600_000, records);
    expect(lost.note).toMatch(/transaction FIT \(singapay_only\) may be this payment/);
    expect(fits.note).toMatch(/recorded under key lost/);
    expect(otherProduct.note).not.toMatch(/may be/);
    const twice = [localOnlyRow(records.get('lost2')!, true), singapayOnlyRow(tx('A'), true), singapayOnlyRow(tx('B'), true)];
    hintLostPurchases(twice, 600_000, records);
    expect(twice.some((r) => /may be/.test(r.note))).toBe(false);
  });

  it('measures a lost direct purchase from its last send, not from the creation of a record sent again later', () => {
    // Made at 10:00 WIB, its first send never left (not_sent); sent again under the same key at 14:00, and that answer was lost.
    const resent = record('resent', { state: 'unknown', sendCount: 1, sentAt: AT + 4 * 3_600_000 });
    const lost = localOnlyRow(resent, true);
    const fits = singapayOnlyRow(tx('FIT', { referenceNumber: null, createdAt: '2025-06-10T14:00:01+07:00' }), true);
    hintLostPurchases([lost, fits], 600_000, new Map([[resent.key, resent]]));
    expect(lost.note).toMatch(/transaction FIT \(singapay_only\) may be this payment/);
    expect(fits.note).toMatch(/recorded under key resent/);
  });
});

function reportOf(rows: SingapayReconciliationRow[]): SingapayReconciliationReport {
  return {
    date: '2025-06-10',
    from: '2025-06-10T00:00:00+07:00',
    to: '2025-06-11T00:00:00+07:00',
    generatedAt: '2025-06-11T10:00:00+07:00',
    complete: true,
    warnings: [],
    singapay: {
      complete: true,
      startDate: '2025-06-09',
      endDate: '2025-06-10',
      pagesRead: 1,
      transactionsRead: rows.length,
      detailLookups: 0,
    },
    local: { complete: true, recordsRead: rows.length },
    summary: summarise(rows),
    totals: { singapay: totals(rows, 'singapay'), local: totals(rows, 'local') },
    rows,
  };
}

describe('formats', () => {
  it('writes RFC 4180 CSV: a header, CRLF, quotes doubled, and no formula a spreadsheet would run', () => {
    const row = localOnlyRow(record('=HYPERLINK("http://x","y"),\nnext', { state: 'failed' }), true);
    const csv = formatSingapayReconciliation(reportOf([row]), 'csv');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(SINGAPAY_RECONCILIATION_CSV_COLUMNS.join(','));
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv).toContain(`,"'=HYPERLINK(""http://x"",""y""),\nnext",`);
    expect(lines).toHaveLength(3);
  });

  it("keeps a customer number's leading zero in a spreadsheet: digits-only ids are written as text formulas", () => {
    const row = localOnlyRow(record('k', { state: 'failed', customerId: '081234567891' }), true);
    const csv = formatSingapayReconciliation(reportOf([row]), 'csv');
    expect(csv).toContain(',"=""081234567891""",');
    expect(csv).not.toContain(',081234567891,');
  });

  it('sums per product and status, Singapay with net price, and prints a table of both sides', () => {
    const rows = [
      pairedRow(record('a', { transactionId: 'A', outcome: { transactionId: 'A', price: 11_000 } }), {
        tx: tx('A'),
        foundIn: 'list',
        pairedBy: 'transaction_id',
      }),
      singapayOnlyRow(tx('B'), true),
      localOnlyRow(record('c', { state: 'failed', productCode: 'SPPLNPOS' }), true),
    ];
    const sums = totals(rows, 'singapay');
    expect(sums.byProductAndStatus).toEqual([{ productCode: 'SPTLKMAS10', status: 'success', count: 2, price: 22_000, netPrice: 21_600 }]);
    expect(totals(rows, 'local')).toEqual({
      byProductAndStatus: [
        { productCode: 'SPPLNPOS', status: 'failed', count: 1, price: 0 },
        { productCode: 'SPTLKMAS10', status: 'success', count: 1, price: 11_000 },
      ],
      // The money that moved: the failed record drew nothing.
      all: { productCode: '*', status: '*', count: 1, price: 11_000 },
      refunded: { productCode: '*', status: 'refunded', count: 0, price: 0 },
    });
    const table = formatSingapayReconciliation(reportOf(rows));
    expect(table).toMatch(/^SPTLKMAS10 +success +2 +22,000 +21,600 +1 +11,000$/m);
    expect(table).toMatch(/^moved +success\+pending +2 +22,000 +21,600 +1 +11,000$/m);
    // A refund is paid and given back: on its own line, never in what moved.
    const refund = singapayOnlyRow(tx('R', { status: 'refunded', price: 5_000, netPrice: 4_900 }), true);
    const withRefund = totals([...rows, refund], 'singapay');
    expect([withRefund.all.price, withRefund.refunded]).toEqual([
      22_000,
      { productCode: '*', status: 'refunded', count: 1, price: 5_000, netPrice: 4_900 },
    ]);
    expect(JSON.parse(formatSingapayReconciliation(reportOf(rows), 'json'))).toEqual(reportOf(rows));
  });
});
