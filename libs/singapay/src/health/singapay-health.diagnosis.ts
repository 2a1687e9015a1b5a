import { SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { SINGAPAY_HEADERS } from '../contract/singapay-api.contract.js';
import { SingapayException } from '../errors/singapay.exception.js';

/** Why the Singapay health check is `down`, as something a person can act on. */
export type SingapayHealthCause =
  /** Singapay refused this server's IP address: it must be whitelisted. */
  | 'ip_not_whitelisted'
  /** Singapay refused the API key sent as `X-PARTNER-ID`. */
  | 'partner_id_refused'
  /** Singapay refused the client id / client secret of the token request. */
  | 'client_credentials_refused'
  /** A token was granted but then refused: the API key and client credentials belong to different merchants or environments. */
  | 'credentials_mismatch'
  /** Singapay answered code 08 for another reason. */
  | 'permission_denied'
  /** No connection could be made (refused, DNS, network). */
  | 'unreachable'
  /** No answer within the health check's timeout. */
  | 'timeout'
  /** Singapay answered, but with an error (5xx, unreadable answer, an error code). */
  | 'singapay_error'
  /** Something other than a Singapay failure; see the application log. */
  | 'unexpected_error';

export interface SingapayHealthDiagnosis {
  cause: SingapayHealthCause;
  /** What is wrong and what to do about it. Never contains a secret. */
  message: string;
  /** Singapay's two-digit response code, or `null` when none was read. */
  responseCode: string | null;
  /** `SingapayException.responseType`, or the error's name for other errors. */
  responseType: string;
  /** The module's own (secret-scrubbed) exception message, for the details. */
  detail?: string;
}

const IP_ADDRESS = /\b(?:\d{1,3}\.){3}\d{1,3}\b|\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b/i;
const SYSTEM_CODE = /\((E[A-Z_]+)\)/;

const v = SINGAPAY_ENV_VARS;

/**
 * Turns what the balance check threw into a cause and a fix. It reads the
 * exception's response code, type, upstream status and the module's own
 * message (already scrubbed of secrets), never the request.
 */
export function diagnoseSingapayFailure(error: unknown): SingapayHealthDiagnosis {
  if (!(error instanceof SingapayException)) {
    const name = error instanceof Error ? error.name : typeof error;
    return {
      cause: 'unexpected_error',
      message: `The Singapay health check failed with ${name}; see the application log`,
      responseCode: null,
      responseType: name,
    };
  }
  const base = { responseCode: error.responseCode, responseType: error.responseType, detail: error.message };
  const text = error.message;

  if (error.responseCode === '08') {
    if (/\bIP\b/.test(text)) {
      const ip = IP_ADDRESS.exec(text)?.[0];
      return {
        ...base,
        cause: 'ip_not_whitelisted',
        message: `Singapay refused this server's IP address${ip ? ` (${ip})` : ''}: submit ${ip ?? 'the public IP address of this server'} to Singapay for whitelisting in this environment`,
      };
    }
    if (error.upstreamStatus === 403 || /partner id|API key/i.test(text)) {
      return {
        ...base,
        cause: 'partner_id_refused',
        message: `Singapay refused the partner id: check the API key (${v.apiKey}, sent as ${SINGAPAY_HEADERS.partnerId}) of this environment`,
      };
    }
    return {
      ...base,
      cause: 'permission_denied',
      message: 'Singapay denied permission (code 08): check with Singapay that this merchant may use the Biller API in this environment',
    };
  }
  if (error.responseCode === '16') {
    return /client credentials|client ID/i.test(text)
      ? {
          ...base,
          cause: 'client_credentials_refused',
          message: `Singapay refused the client credentials: check the client ID and client secret (${v.clientId}, ${v.clientSecret}) of this environment, and that they are not swapped`,
        }
      : {
          ...base,
          cause: 'credentials_mismatch',
          message: `Singapay granted a token and then refused it: check that the API key (${v.apiKey}) and the client credentials (${v.clientId}, ${v.clientSecret}) belong to the same merchant and environment`,
        };
  }
  switch (error.responseType) {
    case 'connection_failed': {
      const code = SYSTEM_CODE.exec(text)?.[1];
      return {
        ...base,
        cause: 'unreachable',
        message: `Singapay is unreachable${code ? ` (${code})` : ''}: check the host (${v.environment}, ${v.baseUrl}), DNS and this server's outbound network and firewall`,
      };
    }
    case 'timeout':
    case 'aborted':
      return { ...base, cause: 'timeout', message: 'Singapay did not answer in time: check the network path to Singapay, or Singapay\'s status' };
    default:
      return {
        ...base,
        cause: 'singapay_error',
        message: `Singapay answered with an error (${error.responseCode ? `code ${error.responseCode}, ` : ''}${error.responseType}): retry later or ask Singapay`,
      };
  }
}
