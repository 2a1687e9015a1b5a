import type { SimulatorTimeZone } from './simulator-options.js';

/**
 * Singapay writes times as `YYYY-MM-DD HH:mm:ss` without a zone, and not all in one
 * zone: the documented rows print `created_at` in UTC and `paid_at` in Western
 * Indonesian Time (UTC+7, no daylight saving), the answers to inquiries and payments
 * WIB (see `SingapaySimulatorVariants.zones`). Days are cut on WIB midnight for the
 * once-per-day rule, and on the midnight of `variants.listDayZone` for the list filter.
 */
const WIB_OFFSET_MS = 7 * 60 * 60 * 1000;

export function formatSingapayDateTime(epochMs: number, zone: SimulatorTimeZone): string {
  return new Date(epochMs + (zone === 'WIB' ? WIB_OFFSET_MS : 0)).toISOString().slice(0, 19).replace('T', ' ');
}

/** The calendar day of an instant in `zone` (WIB unless said), as `YYYY-MM-DD`. */
export function singapayDay(epochMs: number, zone: SimulatorTimeZone = 'WIB'): string {
  return new Date(epochMs + (zone === 'WIB' ? WIB_OFFSET_MS : 0)).toISOString().slice(0, 10);
}

/** Whether `YYYY-MM-DD` names a real calendar day (Laravel's `date_format:Y-m-d` rejects 2025-02-30). */
export function isCalendarDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const parsed = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === text;
}

/** Amounts travel as strings of whole rupiah. */
export function formatRupiah(amount: number): string {
  return String(Math.round(amount));
}

/** The balance travels as a decimal string with two places. */
export function formatBalance(amount: number): string {
  return amount.toFixed(2);
}
