import { formatSingapayIso, readSingapayTime, singapayWibDay, ulidInstant } from './singapay-time.js';

describe('Singapay times', () => {
  // The documented detail row: ULID 01JXCQMCF879… created 2025-06-10T10:54:29.864Z.
  const instant = Date.UTC(2025, 5, 10, 10, 54, 29, 864);

  it('reads the ULID instant of the documented row', () => {
    expect(ulidInstant('01JXCQMCF8790000000000000A', instant)).toBe(instant);
    expect(ulidInstant('01jxcqmcf8790000000000000a', instant)).toBe(instant);
  });

  it('refuses ids that are not plausible ULIDs', () => {
    expect(ulidInstant('01JXCQMCF879', instant)).toBeUndefined();
    expect(ulidInstant('01JXCQMCF879000000000000IL', instant)).toBeUndefined(); // I and L are not Crockford
    expect(ulidInstant('00000000000000000000000000', instant)).toBeUndefined(); // 1970
    expect(ulidInstant('7ZZZZZZZZZZZZZZZZZZZZZZZZZ', instant)).toBeUndefined(); // far future
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
