import { findSimulatorProduct } from './simulator-catalogue.js';
import { simulatorBillFor } from './simulator-bills.js';

const now = Date.UTC(2025, 5, 10, 9, 0);
const product = (code: string) => findSimulatorProduct(code)!;

describe('simulatorBillFor', () => {
  it('keeps the documented NARSONO bill', () => {
    expect(simulatorBillFor(product('SPPLNPOS'), '146300068064', undefined, now)).toEqual({
      amount: 151_005,
      customerName: 'NARSONO',
      period: '202403',
    });
  });

  it('gives the same customer the same bill, and different customers different bills', () => {
    const a = simulatorBillFor(product('SPPAMJYA'), '0112345671', undefined, now);
    expect(simulatorBillFor(product('SPPAMJYA'), '0112345671', undefined, now)).toEqual(a);
    expect(a.period).toBe('05/2025');
    expect(a.amount).toBeGreaterThanOrEqual(30_000);
    expect(a.amount).toBeLessThanOrEqual(400_000);
    const amounts = new Set(['0112345672', '0112345673', '0112345674', '0112345675'].map(
      (id) => simulatorBillFor(product('SPPAMJYA'), id, undefined, now).amount,
    ));
    expect(amounts.size).toBeGreaterThan(1);
  });

  it('multiplies insurance premiums by the months paid and shows the period per command', () => {
    const one = simulatorBillFor(product('SPBPJSKS'), '0001234567891', 1, now);
    const three = simulatorBillFor(product('SPBPJSKS'), '0001234567891', 3, now);
    expect(three.amount).toBe(one.amount * 3);
    expect([35_000, 100_000, 150_000]).toContain(one.amount);
    expect(three.period).toBe('3');
    expect(simulatorBillFor(product('SPBPJSTKBPU'), '3174012345670001', 12, now).period).toBe('10/06/2025-10/06/2026');
    expect(simulatorBillFor(product('SPPLNPOS'), '146300061234', undefined, Date.UTC(2025, 0, 5)).period).toBe('202412');
  });
});
