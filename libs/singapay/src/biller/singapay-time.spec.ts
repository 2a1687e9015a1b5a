import { formatSingapayIso, readSingapayTime, singapayWibDay, transactionCreatedAt, ulidInstant } from './singapay-time.js';

describe('Singapay times', () => {
  // A ULID minted at 2025-06-10T10:54:29.864Z, the instant of the documented detail row's created_at.
  const instant = Date.UTC(2025, 5, 10, 10, 54, 29, 864);

  it('reads the instant a ULID encodes', () => {
    expect(ulidInstant('01JXCQMCF8790000000000000A', instant)).toBe(instant);
    expect(ulidInstant('01jxcqmcf8790000000000000a', instant)).toBe(instant);
  });

  it('refuses ids that are not plausible ULIDs', () => {
    expect(ulidInstant('01JXCQMCF879', instant)).toBeUndefined();
    expect(ulidInstant('01JXCQMCF879000000000000IL', instant)).toBeUndefined(); // I and L are not Crockford
    expect(ulidInstant('00000000000000000000000000', instant)).toBeUndefined(); // 1970
    expect(ulidInstant('7ZZZZZZZZZZZZZZZZZZZZZZZZZ', instant)).toBeUndefined(); // far future
  });

  it("takes a transaction's creation from created_at in its zone, which a ULID minted then settles, but never from the ULID alone", () => {
    const now = Date.UTC(2026, 0, 1);
    // The documented detail row, verbatim: its id encodes 2025-06-04T08:55:59Z, six days before its created_at.
    expect(transactionCreatedAt('2025-06-10 10:54:29', 'UTC', '01JWX2F2DZC68TC94XMNBJCC3H', now)).toBe(Date.UTC(2025, 5, 10, 10, 54, 29));
    // The documented payment answers: created_at in WIB, ids minted a second and a half later, which give the milliseconds.
    expect(transactionCreatedAt('2025-06-10 16:37:02', 'WIB', '01JXCK6K1CMRGJKQ2J863Q6P5J', now)).toBe(
      Date.UTC(2025, 5, 10, 9, 37, 3, 532),
    );
    expect(transactionCreatedAt('2025-06-10 17:49:20', 'WIB', '01JXCQAZ8Z8AT5YRAP3V66GR70', now)).toBe(
      Date.UTC(2025, 5, 10, 10, 49, 21, 439),
    );
    // A row printed in the other zone than guessed: the ULID settles it, either way round.
    expect(transactionCreatedAt('2025-06-10 17:54:29', 'UTC', '01JXCQMCF8790000000000000A', now)).toBe(instant);
    expect(transactionCreatedAt('2025-06-10 10:54:29', 'WIB', '01JXCQMCF8790000000000000A', now)).toBe(instant);
    // Without a readable created_at, the ULID is all there is; without either, nothing.
    expect(transactionCreatedAt(undefined, 'UTC', '01JXCQMCF8790000000000000A', now)).toBe(instant);
    expect(transactionCreatedAt('yesterday', 'UTC', '01JXCQMCF8790000000000000A', now)).toBe(instant);
    expect(transactionCreatedAt('2025-06-10 10:54:29', 'UTC', 'TX-1', now)).toBe(Date.UTC(2025, 5, 10, 10, 54, 29));
    expect(transactionCreatedAt(undefined, 'UTC', 'TX-1', now)).toBeUndefined();
  });

  it('reads a zone-less time in the zone its answer uses', () => {
    expect(readSingapayTime('2025-06-10 10:54:29', 'UTC')).toBe(Date.UTC(2025, 5, 10, 10, 54, 29));
    expect(readSingapayTime('2025-06-10 17:54:29', 'WIB')).toBe(Date.UTC(2025, 5, 10, 10, 54, 29));
    expect(readSingapayTime('2025-06-10T17:54:29', 'WIB')).toBe(Date.UTC(2025, 5, 10, 10, 54, 29));
    // WIB just after midnight is the previous day in UTC.
    expect(readSingapayTime('2025-06-11 00:10:00', 'WIB')).toBe(Date.UTC(2025, 5, 10, 17, 10, 0));
    expect(readSingapayTime(' 2025-06-10 10:54:29.123 ', 'UTC')).toBe(Date.UTC(2025, 5, 10, 10, 54, 29));
    expect(readSingapayTime('2024-02-29 23:59:59', 'UTC')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59));
    expect(readSingapayTime('2000-02-29 00:00:00', 'UTC')).toBe(Date.UTC(2000, 1, 29));
    expect(readSingapayTime('2025-12-31 23:59:59', 'WIB')).toBe(Date.UTC(2025, 11, 31, 16, 59, 59));
  });

  it('agrees with Date on every day of four years, leap days included', () => {
    for (let day = Date.UTC(2023, 0, 1); day < Date.UTC(2027, 0, 1); day += 86_400_000) {
      const iso = new Date(day + 3_723_000).toISOString();
      expect(readSingapayTime(`${iso.slice(0, 10)} ${iso.slice(11, 19)}`, 'UTC')).toBe(day + 3_723_000);
    }
  });

  it.each([
    '',
    '2025-06-10',
    '2025-02-30 10:00:00',
    '2025-02-29 10:00:00',
    '1900-02-29 10:00:00',
    '2025-13-05 10:00:00',
    '2025-00-05 10:00:00',
    '2025-04-31 10:00:00',
    '2025-06-00 10:00:00',
    '2025-06-10 24:00:00',
    '2025-06-10 10:61:00',
    'yesterday',
    '2025-06-10 10:54:29+07:00',
  ])('refuses %j', (text) => {
    expect(readSingapayTime(text, 'WIB')).toBeUndefined();
  });

  it('gives times out as ISO 8601 with the WIB offset, comparable as text', () => {
    expect(formatSingapayIso(instant)).toBe('2025-06-10T17:54:29.864+07:00');
    expect(formatSingapayIso(Date.UTC(2025, 5, 10, 17, 0, 0))).toBe('2025-06-11T00:00:00.000+07:00');
    expect(Date.parse(formatSingapayIso(instant))).toBe(instant);
    expect(formatSingapayIso(instant) < formatSingapayIso(instant + 1)).toBe(true);
    expect(singapayWibDay(Date.UTC(2025, 5, 10, 17, 30))).toBe('2025-06-11');
  });
});
