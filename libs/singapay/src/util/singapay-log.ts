import { hash } from 'node:crypto';

/** `146300068064` → `1463****8064`: enough to tell customers apart in logs, not enough to identify one. */
export function maskCustomerId(customerId: string): string {
  if (customerId.length <= 4) return '*'.repeat(customerId.length);
  const keep = Math.min(4, Math.floor(customerId.length / 3));
  return `${customerId.slice(0, keep)}${'*'.repeat(customerId.length - 2 * keep)}${customerId.slice(-keep)}`;
}

/**
 * A short, stable hash of an idempotency key: correlates log lines and spans without printing order ids.
 * Unsalted, so guessable ids (sequential order numbers) can be found again by hashing candidates.
 */
export function hashIdempotencyKey(key: string): string {
  return hash('sha256', key, 'hex').slice(0, 12);
}

/**
 * The scope of shared store keys, so that two registrations or Singapay accounts never share them
 * and the client id itself is never written: registration, then a hash of the client id. A cached
 * token belongs to the server that granted it (`token`: scoped by host as well). Payment records
 * belong to the account in its environment (`payments`): a base URL that changes, a port or a proxy
 * in front of Singapay, must not make every recorded key new again, and pay those orders twice.
 */
export function singapayStoreScope(
  of: 'token' | 'payments',
  name: string,
  { baseUrl, clientId, environment }: { baseUrl: string; clientId: string; environment: string },
): string {
  const where = of === 'token' ? new URL(baseUrl).host : environment;
  return `${name}:${where}:${hash('sha256', clientId, 'hex').slice(0, 16)}`;
}
