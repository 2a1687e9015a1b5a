import { createHash } from 'node:crypto';
import type { SingapaySimulatorProduct } from './simulator-catalogue.js';
import { singapayDay } from './simulator-format.js';

/** A stable number from text, so the same customer always sees the same bill. */
export function stableHash(...parts: string[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUIntBE(0, 6);
}

const NAMES = [
  'SITI AMINAH', 'BUDI SANTOSO', 'DEWI LESTARI', 'AGUS SETIAWAN', 'RINA WULANDARI', 'HENDRA GUNAWAN',
  'SRI MULYANI', 'JOKO PRASETYO', 'NUR HIDAYAH', 'BAMBANG SUSILO', 'ANI YULIANTI', 'RUDI HARTONO',
];

export function simulatorCustomerName(customerId: string): string {
  return NAMES[stableHash('name', customerId) % NAMES.length];
}

export interface SimulatorBill {
  /** The bill itself, whole rupiah. */
  amount: number;
  customerName: string;
  /** Display text; its format varies by command, as in Singapay's examples. */
  period: string;
}

/** The documented example keeps its documented numbers. */
const FIXED_BILLS: Readonly<Record<string, SimulatorBill>> = {
  'SPPLNPOS:146300068064': { amount: 151_005, customerName: 'NARSONO', period: '202403' },
};

/** Previous month as `YYYYMM`, the usual billing period. */
function previousMonth(epochMs: number): { year: number; month: number } {
  const [year, month] = singapayDay(epochMs).split('-').map(Number);
  return month === 1 ? { year: year - 1, month: 12 } : { year, month: month - 1 };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

function between(seed: number, min: number, max: number): number {
  return min + (seed % (max - min + 1));
}

/**
 * The bill a customer owes for a product. Deterministic in (product,
 * customer, months); only the period text follows the clock.
 */
export function simulatorBillFor(
  product: SingapaySimulatorProduct,
  customerId: string,
  months: number | undefined,
  epochMs: number,
): SimulatorBill {
  const fixed = FIXED_BILLS[`${product.code}:${customerId}`];
  if (fixed) return fixed;
  const seed = stableHash('bill', product.code, customerId);
  const customerName = simulatorCustomerName(customerId);
  const last = previousMonth(epochMs);
  const yyyymm = `${last.year}${pad2(last.month)}`;
  const count = months ?? 1;
  switch (product.command) {
    case 'pdam':
      return { amount: between(seed, 30_000, 400_000), customerName, period: `${pad2(last.month)}/${last.year}` };
    case 'plnnon':
      return { amount: between(seed, 100_000, 2_500_000), customerName, period: yyyymm };
    case 'intv':
      return { amount: between(seed, 2_000, 9_000) * 100, customerName, period: yyyymm };
    case 'mobpos':
      return { amount: between(seed, 50_000, 500_000), customerName, period: yyyymm };
    case 'bpjsks': {
      // The three BPJS Kesehatan classes' monthly premiums.
      const premium = [150_000, 100_000, 35_000][seed % 3];
      return { amount: premium * count, customerName, period: String(count) };
    }
    case 'bputk': {
      const premium = between(seed, 168, 500) * 100;
      const [year, month, day] = singapayDay(epochMs).split('-').map(Number);
      const endMonthIndex = month - 1 + count;
      const end = `${pad2(day)}/${pad2((endMonthIndex % 12) + 1)}/${year + Math.floor(endMonthIndex / 12)}`;
      return { amount: premium * count, customerName, period: `${pad2(day)}/${pad2(month)}/${year}-${end}` };
    }
    case 'putk':
      return { amount: between(seed, 1_000, 10_000) * 100 * count, customerName, period: String(count) };
    default:
      return { amount: between(seed, 50_000, 750_000), customerName, period: yyyymm };
  }
}
