import { hash } from 'node:crypto';

/** `146300068064` → `1463****8064`: enough to tell customers apart in logs, not enough to identify one. */
export function maskCustomerId(customerId: string): string {
  if (customerId.length <= 4) return '*'.repeat(customerId.length);
  const keep = Math.min(4, Math.floor(customerId.length / 3));
  return `${customerId.slice(0, keep)}${'*'.repeat(customerId.length - 2 * keep)}${customerId.slice(-keep)}`;
}

/** A short, stable hash of an idempotency key: correlates log lines without exposing order ids. */
export function hashIdempotencyKey(key: string): string {
  return hash('sha256', key, 'hex').slice(0, 12);
}

/**
 * The scope of shared store keys (the token cache, payment namespaces): registration, host and a
 * hash of the client id, so two registrations or Singapay accounts never share records and the id
 * itself is never written. Both stores must derive it the same way, so it is computed here only.
 */
export function singapayStoreScope(name: string, { baseUrl, clientId }: { baseUrl: string; clientId: string }): string {
  return `${name}:${new URL(baseUrl).host}:${hash('sha256', clientId, 'hex').slice(0, 16)}`;
}
