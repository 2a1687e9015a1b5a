import { randomBytes, randomInt } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID (26 Crockford base32 characters: 48-bit millisecond time, 80 random bits), like Singapay's `transaction_id`. */
export function newUlid(epochMs: number): string {
  let time = '';
  let rest = Math.max(0, Math.floor(epochMs));
  for (let i = 0; i < 10; i += 1) {
    time = CROCKFORD[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  // 256 is a multiple of 32, so the modulo keeps every character equally likely.
  const random = Array.from(randomBytes(16), (byte) => CROCKFORD[byte % 32]).join('');
  return time + random;
}

// The documented detail row: created_at 2025-06-10 10:54:29 (UTC), id 01JWX2F2DZC68TC94XMNBJCC3H (2025-06-04T08:55:59.167Z).
const DOCUMENTED_ID_LAG_MS = 525_509_833;

/** A transaction's id, minted when it was created or, as in the documented detail row, six days before. */
export function newTransactionId(createdAt: number, time: 'created' | 'daysBefore'): string {
  return newUlid(time === 'created' ? createdAt : createdAt - DOCUMENTED_ID_LAG_MS);
}

export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function digits(count: number): string {
  let out = '';
  for (let i = 0; i < count; i += 1) out += String(randomInt(10));
  return out;
}

/**
 * A reference number shaped like Singapay's (`SPPLNPOSRJBL0080217757411749548209`):
 * product code, `RJBL`, twelve digits, then the Unix time in seconds.
 */
export function newReferenceNumber(productCode: string, epochMs: number): string {
  return `${productCode}RJBL${digits(12)}${Math.floor(epochMs / 1000)}`;
}

/** A 20-digit PLN token, grouped by four as printed on receipts. */
export function newPlnToken(): string {
  return digits(20).match(/\d{4}/g)!.join('-');
}

/** A serial number like the ones operators return for airtime and vouchers. */
export function newSerialNumber(): string {
  return digits(16);
}
