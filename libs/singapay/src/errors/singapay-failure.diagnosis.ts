import { SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { SINGAPAY_HEADERS } from '../contract/singapay-api.contract.js';
import { SingapayException, type SingapayFailureCause } from './singapay.exception.js';

/** The causes a diagnosis names: the exception's own, or `unexpected_error` for anything that is not one. */
export type SingapayDiagnosedCause =
  | Extract<
      SingapayFailureCause,
      | 'ip_not_whitelisted'
      | 'partner_id_refused'
      | 'client_credentials_refused'
      | 'credentials_mismatch'
      | 'permission_denied'
      | 'unreachable'
      | 'timeout'
    >
  /** Singapay answered, but with an error (5xx, unreadable answer, an error code). */
  | 'singapay_error'
  /** Something other than a Singapay failure; see the application log. */
  | 'unexpected_error';

export interface SingapayFailureDiagnosis {
  cause: SingapayDiagnosedCause;
  /** What is wrong and what to do about it. Never contains a secret. */
  message: string;
  /** Singapay's two-digit response code, or `null` when none was read. */
  responseCode: string | null;
  /** `SingapayException.responseType`, or the error's name for other errors. */
  responseType: string;
  /** The caller IP Singapay named when it refused it. */
  ipAddress?: string;
  /** The module's own (secret-scrubbed) exception message, for the details. */
  detail?: string;
}

const v = SINGAPAY_ENV_VARS;
const SYSTEM_CODE = /\((E[A-Z_]+)\)/;

/**
 * A failure as something a person can act on: the cause the exception carries and
 * the fix for it. The health indicator and `singapay doctor` both read failures
 * through this one function; it never reads a request, and no message text is parsed
 * for the cause.
 */
export function diagnoseSingapayFailure(error: unknown): SingapayFailureDiagnosis {
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
  const ip = error.ipAddress;
  switch (error.cause) {
    case 'ip_not_whitelisted':
      return {
        ...base,
        ...(ip ? { ipAddress: ip } : {}),
        cause: 'ip_not_whitelisted',
        message: `Singapay refused this server's IP address${ip ? ` (${ip})` : ''}: submit ${ip ?? 'the public IP address of this server'} to Singapay for whitelisting in this environment`,
      };
    case 'partner_id_refused':
      return {
        ...base,
        cause: 'partner_id_refused',
        message: `Singapay refused the partner id: check the API key (${v.apiKey}, sent as ${SINGAPAY_HEADERS.partnerId}) of this environment`,
      };
    case 'client_credentials_refused':
      return {
        ...base,
        cause: 'client_credentials_refused',
        message: `Singapay refused the client credentials: check the client ID and client secret (${v.clientId}, ${v.clientSecret}) of this environment, and that they are not swapped`,
      };
    case 'credentials_mismatch':
      return {
        ...base,
        cause: 'credentials_mismatch',
        message: `Singapay granted a token and then refused it: check that the API key (${v.apiKey}) and the client credentials (${v.clientId}, ${v.clientSecret}) belong to the same merchant and environment`,
      };
    case 'permission_denied':
      return {
        ...base,
        cause: 'permission_denied',
        message: 'Singapay denied permission (code 08): check with Singapay that this merchant may use the Biller API in this environment',
      };
    case 'unreachable': {
      const code = SYSTEM_CODE.exec(error.message)?.[1];
      return {
        ...base,
        cause: 'unreachable',
        message: `Singapay is unreachable${code ? ` (${code})` : ''}: check the host (${v.environment}, ${v.baseUrl}), DNS and this server's outbound network and firewall`,
      };
    }
    case 'timeout':
    case 'aborted':
      return {
        ...base,
        cause: 'timeout',
        message: "Singapay did not answer in time: check the network path to Singapay, or Singapay's status",
      };
    default:
      return {
        ...base,
        cause: 'singapay_error',
        message: `Singapay answered with an error (${error.responseCode ? `code ${error.responseCode}, ` : ''}${error.responseType}): retry later or ask Singapay`,
      };
  }
}
