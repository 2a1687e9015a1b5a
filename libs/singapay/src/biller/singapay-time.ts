import {
  SINGAPAY_DATE_PATTERN,
  SINGAPAY_ULID_AGREEMENT_MS,
  SINGAPAY_WIB_OFFSET_MINUTES,
  type SingapayTimeZone,
} from '../contract/singapay-api.contract.js';

const WIB_OFFSET_MS = SINGAPAY_WIB_OFFSET_MINUTES * 60_000;
const SINGAPAY_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/i;
// ULIDs minted before 2020 or more than a day ahead are not Singapay's transaction ids.
const ULID_PLAUSIBLE_FROM = Date.UTC(2020, 0, 1);

/**
 * The instant of a Singapay `YYYY-MM-DD HH:mm:ss`, read in `zone` (the contract's
 * table says which answer uses which); undefined when the text is not such a time
 * or names no real calendar moment.
 */
export function readSingapayTime(text: string, zone: SingapayTimeZone): number | undefined {
  const t = text.trim();
  if (!SINGAPAY_TIME.test(t)) return undefined;
  // Read by character codes: every answer carries such times, and regex groups cost arrays per call.
  const year = digits(t, 0, 4);
  const month = digits(t, 5, 2);
  const day = digits(t, 8, 2);
  const hour = digits(t, 11, 2);
  const minute = digits(t, 14, 2);
  const second = digits(t, 17, 2);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  return zone === 'WIB' ? utc - WIB_OFFSET_MS : utc;
}

function digits(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The creation instant a ULID encodes in its first ten characters, when the id is a plausible ULID. */
export function ulidInstant(id: string, now = Date.now()): number | undefined {
  if (!ULID.test(id)) return undefined;
  let ms = 0;
  for (const ch of id.slice(0, 10).toUpperCase()) ms = ms * 32 + CROCKFORD.indexOf(ch);
  return ms >= ULID_PLAUSIBLE_FROM && ms <= now + 86_400_000 ? ms : undefined;
}

/**
 * When transaction `id` was created, from its zone-less `created_at` (read in `zone`, the contract's
 * guess) and the instant its ULID encodes. A ULID within `SINGAPAY_ULID_AGREEMENT_MS` of `created_at`
 * read in either zone settles the zone and gives the instant, finer than seconds; one that agrees with
 * neither reading is no clock (see the constant), and `created_at` in `zone` stands. The ULID alone
 * serves only when `created_at` cannot be read.
 */
export function transactionCreatedAt(createdAt: string | undefined, zone: SingapayTimeZone, id: string, now: number): number | undefined {
  const ulid = ulidInstant(id, now);
  const stated = createdAt === undefined ? undefined : readSingapayTime(createdAt, zone);
  if (ulid === undefined || stated === undefined) return stated ?? ulid;
  const inOtherZone = zone === 'WIB' ? stated + WIB_OFFSET_MS : stated - WIB_OFFSET_MS;
  const agrees = (reading: number) => Math.abs(ulid - reading) <= SINGAPAY_ULID_AGREEMENT_MS;
  return agrees(stated) || agrees(inOtherZone) ? ulid : stated;
}

/**
 * The one format of every timestamp this module gives out, whatever its source's precision: ISO 8601
 * with the WIB offset and milliseconds (`2025-06-10T17:54:29.000+07:00`), Singapay's business time.
 * The offset makes it unambiguous; one offset everywhere keeps the strings comparable as text.
 */
export function formatSingapayIso(epochMs: number): string {
  return `${new Date(Math.trunc(epochMs) + WIB_OFFSET_MS).toISOString().slice(0, 23)}+07:00`;
}

/** The WIB calendar day of an instant, as `YYYY-MM-DD` (the list filter's days). */
export function singapayWibDay(epochMs: number): string {
  return new Date(epochMs + WIB_OFFSET_MS).toISOString().slice(0, 10);
}

/** The UTC midnight of a calendar day written `YYYY-MM-DD`; undefined for anything else, 2025-02-30 included (which `Date.parse` takes for 2 March). */
export function calendarDayStart(text: string): number | undefined {
  const midnightUtc = SINGAPAY_DATE_PATTERN.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
  return !Number.isNaN(midnightUtc) && new Date(midnightUtc).toISOString().slice(0, 10) === text ? midnightUtc : undefined;
}
