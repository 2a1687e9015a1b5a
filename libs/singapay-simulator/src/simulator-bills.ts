import { createHash } from 'node:crypto';
import type { SimulatorApiVersion } from './simulator-api-docs.js';
import type { SingapaySimulatorProduct } from './simulator-catalogue.js';
import { singapayDay } from './simulator-format.js';

/** A stable number from text, so the same customer always sees the same bill. */
export function stableHash(...parts: string[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUIntBE(0, 6);
}

const NAMES = [
  'SITI AMINAH',
  'BUDI SANTOSO',
  'DEWI LESTARI',
  'AGUS SETIAWAN',
  'RINA WULANDARI',
  'HENDRA GUNAWAN',
  'SRI MULYANI',
  'JOKO PRASETYO',
  'NUR HIDAYAH',
  'BAMBANG SUSILO',
  'ANI YULIANTI',
  'RUDI HARTONO',
];

export function simulatorCustomerName(customerId: string): string {
  return NAMES[stableHash('name', customerId) % NAMES.length];
}

export interface SimulatorBill {
  /** The bill itself, whole rupiah. */
  amount: number;
  customerName: string;
  /** Display text; its format varies by command, as in Singapay's examples. `null`: the answer has no period. */
  period: string | null;
}

/** Example bills: NARSONO is the docs' (kept as printed); the others and their periods are the simulator's own. */
const FIXED_BILLS: Readonly<Record<string, SimulatorBill>> = {
  'SPPLNPOS:146300068064': { amount: 151_005, customerName: 'NARSONO', period: '202403' },
  'SPPLNNON:5220117061994': { amount: 5_000, customerName: 'PT PLN NON TAGLIS', period: null },
  'SPINTOPOKE:512547917': { amount: 245_000, customerName: 'OPOKE CUSTOMER', period: '05/03/2024-05/03/2025' },
  'SPTKMSPOSH:08122962721': { amount: 125_620, customerName: 'HALO CUSTOMER', period: null },
  'SPBPJSTKPU:421021041000': { amount: 675_004, customerName: 'PT PEKERJA', period: '04/2024' },
  'SPBPJSTKBPU:3321120409790003': { amount: 16_800, customerName: 'PEKERJA MANDIRI', period: '1' },
  'SPPAMJYA:000770163': { amount: 50_059, customerName: '2A1-NURIDA', period: '202408' },
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
 * The bill a customer owes for a product. Deterministic in (product, customer,
 * months); only the period text follows the clock. Period texts take the documented
 * format per command: plnpos `"202403"` (v1) or a month count like `"4"` (v2), pdam
 * `"202408"`, intv a date range `"05/03/2024-05/03/2025"`, putk `"04/2024"`, bputk the
 * months paid (`"1"`); plnnon and mobpos answers have none. bpjsks is undocumented.
 */
export function simulatorBillFor(
  product: SingapaySimulatorProduct,
  customerId: string,
  months: number | undefined,
  epochMs: number,
  version: SimulatorApiVersion,
): SimulatorBill {
  const fixed = FIXED_BILLS[`${product.code}:${customerId}`];
  if (fixed) return fixed;
  const seed = stableHash('bill', product.code, customerId);
  const customerName = simulatorCustomerName(customerId);
  const last = previousMonth(epochMs);
  const yyyymm = `${last.year}${pad2(last.month)}`;
  const count = months ?? 1;
  switch (product.command) {
    case 'plnpos':
      return { amount: between(seed, 50_000, 750_000), customerName, period: version === 'v1' ? yyyymm : String(1 + (seed % 4)) };
    case 'pdam':
      return { amount: between(seed, 30_000, 400_000), customerName, period: yyyymm };
    case 'plnnon':
      return { amount: between(seed, 100_000, 2_500_000), customerName, period: null };
    case 'intv': {
      const [year, month, day] = singapayDay(epochMs).split('-');
      return {
        amount: between(seed, 2_000, 9_000) * 100,
        customerName,
        period: `${day}/${month}/${Number(year) - 1}-${day}/${month}/${year}`,
      };
    }
    case 'mobpos':
      return { amount: between(seed, 50_000, 500_000), customerName, period: null };
    case 'bpjsks': {
      // The three BPJS Kesehatan classes' monthly premiums.
      const premium = [150_000, 100_000, 35_000][seed % 3]!;
      return { amount: premium * count, customerName, period: String(count) };
    }
    case 'bputk':
      return { amount: between(seed, 168, 500) * 100 * count, customerName, period: String(count) };
    case 'putk':
      return { amount: between(seed, 1_000, 10_000) * 100 * count, customerName, period: `${pad2(last.month)}/${last.year}` };
    default:
      return { amount: between(seed, 50_000, 750_000), customerName, period: yyyymm };
  }
}
