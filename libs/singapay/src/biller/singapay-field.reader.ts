import type { SingapayTimeZone } from '../contract/singapay-api.contract.js';
import { readSingapayTime, transactionCreatedAt } from './singapay-time.js';
import { asRecord } from '../util/singapay-json.js';

const WHOLE = /^\s*-?\d{1,15}(\.0+)?\s*$/;
const DECIMAL = /^\s*-?\d{1,15}(\.\d{1,4})?\s*$/;
// In Indonesian writing a dot groups thousands: "151.000" may be 151,000 rupiah. An amount that reads two
// ways (a factor of 1,000 apart) is unreadable, never guessed.
const THOUSANDS_GROUPED = /^\s*-?\d{1,3}(\.\d{3})+\s*$/;
const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;
const isCharge = (n: number) => isCount(n) && !Object.is(n, -0);

/** PHP encodes an empty map as `[]`: it reads as `{}`. Anything else that is not an object is `undefined`. */
export function phpMap(value: unknown): Record<string, unknown> | undefined {
  return Array.isArray(value) && value.length === 0 ? {} : asRecord(value);
}

/**
 * Reads fields out of an answer's `data`, with Singapay's loose typing
 * (amounts as strings or numbers, `null` for absent) and one rule: a field we
 * need that is missing or unreadable is reported by its path through `fail`,
 * never returned as `undefined` or `NaN`.
 */
export class SingapayFieldReader {
  constructor(
    private readonly data: Record<string, unknown>,
    /** Reports a problem: a field's, or one its caller found. */
    readonly fail: (problem: string) => never,
    private readonly path = 'data',
  ) {}

  private at(name: string): unknown {
    return Object.hasOwn(this.data, name) ? this.data[name] : undefined;
  }

  /** The one report of a field that is missing, or present and `not…` what was asked for. */
  private bad(name: string, not: string): never {
    return this.fail(`${this.path}.${name} is ${this.at(name) === undefined ? 'missing' : not}`);
  }

  /** A number sent as one (when `ok`) or as text (when it matches `text`). */
  private number(name: string, text: RegExp, ok: (n: number) => boolean, not: string): number {
    const v = this.at(name);
    if (typeof v === 'number' && ok(v)) return v;
    if (typeof v === 'string' && text.test(v) && !THOUSANDS_GROUPED.test(v)) return Number(v);
    return this.bad(name, not);
  }

  has(name: string): boolean {
    const v = this.at(name);
    return v !== undefined && v !== null && v !== '';
  }

  string(name: string): string {
    const v = this.at(name);
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    return this.bad(name, 'not a non-empty string');
  }

  /** A string matching `pattern`, or reported as not being `what`. */
  matching(name: string, pattern: RegExp, what: string): string {
    const v = this.string(name);
    return pattern.test(v) ? v : this.bad(name, `not ${what}`);
  }

  optionalString(name: string): string | undefined {
    return this.has(name) ? this.string(name) : undefined;
  }

  nullableString(name: string): string | null {
    return this.has(name) ? this.string(name) : null;
  }

  /** Whole rupiah, from `"151005"`, `"151005.00"` or `151005`. */
  rupiah(name: string): number {
    return this.number(name, WHOLE, Number.isSafeInteger, 'not an amount in whole rupiah');
  }

  /**
   * Whole rupiah the app is about to charge (an inquiry's amount and price): never below zero, which
   * would read as a credit. What Singapay records of a payment made (`rupiah`) is taken as it comes.
   */
  charge(name: string): number {
    const n = this.rupiah(name);
    return isCharge(n) ? n : this.bad(name, 'not an amount in whole rupiah at or above zero');
  }

  optionalCharge(name: string): number | undefined {
    return this.has(name) ? this.charge(name) : undefined;
  }

  /** A decimal amount such as the balance `"8910003.00"`. */
  decimal(name: string): number {
    return this.number(name, DECIMAL, Number.isFinite, 'not a decimal amount');
  }

  integer(name: string): number {
    return this.number(name, /^\s*\d{1,15}\s*$/, isCount, 'not an integer');
  }

  /** A zone-less Singapay timestamp read in `zone` (the contract's table), as epoch ms. */
  instant(name: string, zone: SingapayTimeZone): number {
    const at = readSingapayTime(this.string(name), zone);
    return at ?? this.fail(`${this.path}.${name} is not a YYYY-MM-DD HH:mm:ss time`);
  }

  /** When transaction `id` was created: `created_at` read in `zone`, unless its ULID settles the zone (`transactionCreatedAt`). */
  createdAt(id: string, zone: SingapayTimeZone, now: number): number {
    const stated = this.has('created_at') ? this.string('created_at') : undefined;
    return transactionCreatedAt(stated, zone, id, now) ?? this.instant('created_at', zone);
  }

  nullableInstant(name: string, zone: SingapayTimeZone): number | null {
    return this.has(name) ? this.instant(name, zone) : null;
  }

  /** A nested object; `[]` (PHP's empty map) reads as `{}`. */
  object(name: string): SingapayFieldReader {
    const record = phpMap(this.at(name));
    return record ? new SingapayFieldReader(record, this.fail, `${this.path}.${name}`) : this.bad(name, 'not an object');
  }

  optionalObject(name: string): SingapayFieldReader | undefined {
    return this.has(name) ? this.object(name) : undefined;
  }

  array(name: string): SingapayFieldReader[] {
    const v = this.at(name);
    if (!Array.isArray(v)) return this.bad(name, 'not a list');
    return v.map((item, i) => {
      const record = asRecord(item);
      if (!record) return this.fail(`${this.path}.${name}[${i}] is not an object`);
      return new SingapayFieldReader(record, this.fail, `${this.path}.${name}[${i}]`);
    });
  }

  /** The underlying object, for fields passed on as they are. */
  value(): Record<string, unknown> {
    return this.data;
  }
}
