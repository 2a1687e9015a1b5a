import { findSimulatorProduct } from './simulator-catalogue.js';
import { simulatorBillFor } from './simulator-bills.js';

const now = Date.UTC(2025, 5, 10, 9, 0);
const product = (code: string) => findSimulatorProduct(code)!;

describe('simulatorBillFor', () => {
  it('keeps the documented NARSONO bill', () => {
    expect(simulatorBillFor(product('SPPLNPOS'), '146300068064', undefined, now, 'v1')).toEqual({
      amount: 151_005,
      customerName: 'NARSONO',
      period: '202403',
    });
  });

  it('gives the same customer the same bill, and different customers different bills', () => {
    const a = simulatorBillFor(product('SPPAMJYA'), '0112345671', undefined, now, 'v1');
    expect(simulatorBillFor(product('SPPAMJYA'), '0112345671', undefined, now, 'v1')).toEqual(a);
    expect(a.period).toBe('202505');
    expect(a.amount).toBeGreaterThanOrEqual(30_000);
    expect(a.amount).toBeLessThanOrEqual(400_000);
    const amounts = new Set(
      ['0112345672', '0112345673', '0112345674', '0112345675'].map(
        (id) => simulatorBillFor(product('SPPAMJYA'), id, undefined, now, 'v1').amount,
      ),
    );
    expect(amounts.size).toBeGreaterThan(1);
  });

  it('multiplies insurance premiums by the months paid and shows the period per command', () => {
    const one = simulatorBillFor(product('SPBPJSKS'), '0001234567891', 1, now, 'v1');
    const three = simulatorBillFor(product('SPBPJSKS'), '0001234567891', 3, now, 'v1');
    expect(three.amount).toBe(one.amount * 3);
    expect([35_000, 100_000, 150_000]).toContain(one.amount);
    expect(three.period).toBe('3');
    expect(simulatorBillFor(product('SPBPJSTKBPU'), '3174012345670001', 12, now, 'v1').period).toBe('12');
    expect(simulatorBillFor(product('SPPLNPOS'), '146300061234', undefined, Date.UTC(2025, 0, 5), 'v1').period).toBe('202412');
  });

  it('answers the documented examples with their documented numbers and period formats', () => {
    expect(simulatorBillFor(product('SPPLNNON'), '5220117061994', undefined, now, 'v1')).toMatchObject({ amount: 5_000, period: null });
    expect(simulatorBillFor(product('SPINTOPOKE'), '512547917', undefined, now, 'v1')).toMatchObject({
      amount: 245_000,
      period: '05/03/2024-05/03/2025',
    });
    expect(simulatorBillFor(product('SPTKMSPOSH'), '08122962721', undefined, now, 'v1')).toMatchObject({ amount: 125_620, period: null });
    expect(simulatorBillFor(product('SPBPJSTKPU'), '421021041000', undefined, now, 'v1')).toMatchObject({
      amount: 675_004,
      period: '04/2024',
    });
    expect(simulatorBillFor(product('SPBPJSTKBPU'), '3321120409790003', 1, now, 'v1')).toMatchObject({ amount: 16_800, period: '1' });
    expect(simulatorBillFor(product('SPPAMJYA'), '000770163', undefined, now, 'v1')).toMatchObject({
      amount: 50_059,
      customerName: '2A1-NURIDA',
      period: '202408',
    });
    // Other customers: the same formats, intv a year-long date range, plnpos a month count on v2.
    expect(simulatorBillFor(product('SPINTOPOKE'), '122334455661', undefined, now, 'v1').period).toBe('10/06/2024-10/06/2025');
    expect(simulatorBillFor(product('SPPLNPOS'), '146300061234', undefined, now, 'v2').period).toMatch(/^[1-4]$/);
    expect(simulatorBillFor(product('SPBPJSTKPU'), '3174012345670002', undefined, now, 'v1').period).toBe('05/2025');
    expect(simulatorBillFor(product('SPPLNNON'), '5392211234561', undefined, now, 'v1').period).toBeNull();
  });
});
