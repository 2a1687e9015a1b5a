import { SingapayFieldReader } from './singapay-field.reader.js';

const reader = (data: Record<string, unknown>) =>
  new SingapayFieldReader(data, (problem) => {
    throw new Error(problem);
  });

describe('SingapayFieldReader', () => {
  it("reads Singapay's loose types: amounts as strings or numbers, a decimal balance", () => {
    const r = reader({ a: '151005', b: 151005, c: '151005.00', d: '8910003.00', e: 250000, f: ' 42 ' });
    expect([r.rupiah('a'), r.rupiah('b'), r.rupiah('c'), r.decimal('d'), r.decimal('e'), r.integer('f')]).toEqual([
      151005, 151005, 151005, 8910003, 250000, 42,
    ]);
  });

  it('refuses an amount a dot could group in thousands ("151.000" may be 151,000 rupiah in Indonesian writing)', () => {
    const r = reader({ price: '151.000', fee: '1.500', balance: '250.000', amount: '151005.000', fine: '8910003.0000', cents: '2500.50' });
    expect(() => r.charge('price')).toThrow('data.price is not an amount in whole rupiah');
    expect(() => r.decimal('fee')).toThrow('data.fee is not a decimal amount');
    expect(() => r.decimal('balance')).toThrow('data.balance is not a decimal amount');
    expect([r.rupiah('amount'), r.decimal('fine'), r.decimal('cents')]).toEqual([151005, 8910003, 2500.5]);
  });

  it('names the path of a field that is missing or unreadable, never returning undefined or NaN', () => {
    const r = reader({ amount: '15.5', name: '', nested: { price: 'abc' }, list: [{ x: 1 }, 'no'] });
    expect(() => r.rupiah('amount')).toThrow('data.amount is not an amount in whole rupiah');
    expect(() => r.string('name')).toThrow('data.name is not a non-empty string');
    expect(() => r.string('absent')).toThrow('data.absent is missing');
    expect(() => r.object('nested').rupiah('price')).toThrow('data.nested.price is not an amount in whole rupiah');
    expect(() => r.array('list')).toThrow('data.list[1] is not an object');
    expect(() => r.instant('absent', 'WIB')).toThrow('data.absent is missing');
  });

  it('refuses a charge below zero (it would read as a credit) and a negative count; takes what Singapay records as it comes', () => {
    const r = reader({ text: '-151005', number: -5, zero: '-0', page: -3 });
    expect(() => r.charge('text')).toThrow('data.text is not an amount in whole rupiah at or above zero');
    expect(() => r.charge('number')).toThrow('data.number is not an amount in whole rupiah at or above zero');
    expect(() => r.charge('zero')).toThrow('data.zero is not an amount in whole rupiah at or above zero');
    expect(() => r.integer('page')).toThrow('data.page is not an integer');
    expect([r.rupiah('text'), r.rupiah('number')]).toEqual([-151005, -5]);
  });

  it("reads absent, null and empty as absent for optional fields, and PHP's [] as an empty map", () => {
    const r = reader({ a: null, b: '', c: [], d: '2025-06-10 17:54:29' });
    expect([r.optionalString('a'), r.optionalString('b'), r.nullableString('a')]).toEqual([undefined, undefined, null]);
    expect(r.object('c').value()).toEqual({});
    expect(r.nullableInstant('a', 'UTC')).toBeNull();
    expect(r.instant('d', 'WIB')).toBe(Date.UTC(2025, 5, 10, 10, 54, 29));
  });

  it('never reads inherited properties', () => {
    expect(reader({}).has('constructor')).toBe(false);
    expect(() => reader({}).string('toString')).toThrow('data.toString is missing');
  });
});
