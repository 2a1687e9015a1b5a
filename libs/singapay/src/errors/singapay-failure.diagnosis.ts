import { SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { SINGAPAY_HEADERS } from '../contract/singapay-api.contract.js';
import { SingapayException, type SingapayFailureCause } from './singapay.exception.js';

const v = SINGAPAY_ENV_VARS;
const SYSTEM_CODE = /\((E[A-Z_]+)\)/;

/**
 * What to do when Singapay refuses this server's address or credentials: the message of the exception
 * where the refusal is read (the token request, a business call) and the diagnosis's advice alike.
 */
const REFUSALS = {
  ip_not_whitelisted: (ip?: string) =>
    `Singapay refused this server's IP address${ip ? ` (${ip})` : ''}: submit ${ip ?? 'the public IP address of this server'} to Singapay for whitelisting in this environment`,
  partner_id_refused: () =>
    `Singapay refused the partner id: check the API key (${v.apiKey}, sent as ${SINGAPAY_HEADERS.partnerId}) of this environment`,
  client_credentials_refused: () =>
    `Singapay refused the client credentials: check the client ID and client secret (${v.clientId}, ${v.clientSecret}) of this environment, and that they are not swapped`,
} satisfies Partial<Record<SingapayFailureCause, (ipAddress?: string) => string>>;

/** The causes of a refusal of this server's address or credentials. */
export type SingapayRefusalCause = keyof typeof REFUSALS;

/** What to do about a refusal, naming the address Singapay saw when it named one. */
export const singapayRefusalAdvice = (cause: SingapayRefusalCause, ipAddress?: string): string => REFUSALS[cause](ipAddress);

/**
 * The fix for each cause a diagnosis names: the exception's own cause, read as it is set where
 * the failure is understood. A cause not listed is `singapay_error`; `aborted` reads as `timeout`.
 */
const ADVICE = {
  ip_not_whitelisted: ({ ipAddress }: SingapayException) => REFUSALS.ip_not_whitelisted(ipAddress),
  partner_id_refused: () => REFUSALS.partner_id_refused(),
  client_credentials_refused: () => REFUSALS.client_credentials_refused(),
  credentials_mismatch: () =>
    `Singapay granted a token and then refused it: check that the API key (${v.apiKey}) and the client credentials (${v.clientId}, ${v.clientSecret}) belong to the same merchant and environment`,
  permission_denied: () =>
    'Singapay denied permission (code 08): check with Singapay that this merchant may use the Biller API in this environment',
  unreachable: ({ message }: SingapayException) => {
    const code = SYSTEM_CODE.exec(message)?.[1];
    return `Singapay is unreachable${code ? ` (${code})` : ''}: check the host (${v.environment}, ${v.baseUrl}), DNS and this server's outbound network and firewall`;
  },
  timeout: () => "Singapay did not answer in time: check the network path to Singapay, or Singapay's status",
  /** Singapay answered, but with an error (5xx, unreadable answer, an error code). */
  singapay_error: ({ responseCode, responseType }: SingapayException) =>
    `Singapay answered with an error (${responseCode ? `code ${responseCode}, ` : ''}${responseType}): retry later or ask Singapay`,
} satisfies Partial<Record<SingapayFailureCause, (error: SingapayException) => string>>;

/** The causes a diagnosis names: the exception's own, or `unexpected_error` for anything that is not one. */
export type SingapayDiagnosedCause =
  | keyof typeof ADVICE
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
  const named = error.cause === 'aborted' ? 'timeout' : error.cause;
  const cause = Object.hasOwn(ADVICE, named) ? (named as keyof typeof ADVICE) : 'singapay_error';
  return {
    responseCode: error.responseCode,
    responseType: error.responseType,
    detail: error.message,
    ...(cause === 'ip_not_whitelisted' && error.ipAddress ? { ipAddress: error.ipAddress } : {}),
    cause,
    message: ADVICE[cause](error),
  };
}
