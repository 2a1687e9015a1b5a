import type { SingapayFailureCause } from '../errors/singapay.exception.js';

const IP_ADDRESS = /\b(?:\d{1,3}\.){3}\d{1,3}\b|\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b/i;

/**
 * What an HTTP 403 from Singapay's gateway refuses, read from its message: this
 * server's IP ("Your IP address (1.2.3.4) is not registered"), or else the partner id.
 */
export function readSingapayRefusal(message: string): {
  cause: Extract<SingapayFailureCause, 'ip_not_whitelisted' | 'partner_id_refused'>;
  ipAddress?: string;
} {
  if (!/\bIP\b/i.test(message)) return { cause: 'partner_id_refused' };
  const ip = IP_ADDRESS.exec(message)?.[0];
  return ip ? { cause: 'ip_not_whitelisted', ipAddress: ip } : { cause: 'ip_not_whitelisted' };
}
