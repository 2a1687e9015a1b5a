import { ULID_PATTERN, newPlnToken, newReferenceNumber, newUlid } from './simulator-ids.js';
import { formatBalance, formatSingapayDateTime, isCalendarDay, singapayDay } from './simulator-format.js';

describe('simulator ids and formats', () => {
  it('mints ULIDs whose first ten characters encode the time, so they sort by time', () => {
    const early = newUlid(Date.UTC(2025, 5, 10));
    const late = newUlid(Date.UTC(2025, 5, 11));
    expect(early).toMatch(ULID_PATTERN);
    expect(early).toHaveLength(26);
    expect(early < late).toBe(true);
    expect(newUlid(0).slice(0, 10)).toBe('0000000000');
    // The docs' direct payment: ULID 01JXCQAZ8Z..., created_at 2025-06-10 17:49:20 WIB.
    expect(newUlid(1_749_552_561_439).slice(0, 10)).toBe('01JXCQAZ8Z');
  });

  it('shapes reference numbers and PLN tokens like Singapay', () => {
    const ref = newReferenceNumber('SPPLNPOS', 1_749_548_209_000);
    expect(ref).toMatch(/^SPPLNPOSRJBL\d{12}1749548209$/);
    expect(newPlnToken()).toMatch(/^\d{4}-\d{4}-\d{4}-\d{4}-\d{4}$/);
  });

  it('writes times in WIB or UTC and the balance with two decimals', () => {
    // The docs' inquiry example: reference minted at 1749548209 shows created_at 16:36:49 (WIB).
    expect(formatSingapayDateTime(1_749_548_209_000, 'WIB')).toBe('2025-06-10 16:36:49');
    // The docs' detail row: created_at 10:54:29 in UTC, the instant its paid_at (WIB) and its reference number's Unix time give.
    expect(formatSingapayDateTime(Date.UTC(2025, 5, 10, 10, 54, 29), 'UTC')).toBe('2025-06-10 10:54:29');
    expect(singapayDay(Date.UTC(2025, 5, 10, 17, 30))).toBe('2025-06-11');
    expect(formatBalance(8_910_003)).toBe('8910003.00');
    expect(isCalendarDay('2025-02-28')).toBe(true);
    expect(isCalendarDay('2025-02-30')).toBe(false);
    expect(isCalendarDay('2025-2-3')).toBe(false);
  });
});
