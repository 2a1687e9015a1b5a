import { HttpException } from '@nestjs/common';
import { SingapayConfigurationError } from '../config/singapay-options.validation.js';
import { SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { diagnoseSingapayFailure, type SingapayDiagnosedCause } from '../errors/singapay-failure.diagnosis.js';
import { SingapayException } from '../errors/singapay.exception.js';

const V = SINGAPAY_ENV_VARS;

export interface SingapayTokenDiagnosis {
  /** What the failure comes down to: the cause every diagnosis of the module names. */
  cause: SingapayDiagnosedCause;
  /** The caller IP Singapay named in its refusal, when it named one. */
  ip?: string;
  summary: string;
  fixes: string[];
}

/** A fix for each problem `resolveSingapayOptions` reports (it names fields, never values). */
export function configProblemFix(problem: string): string | undefined {
  const variable = /\((SINGAPAY_[A-Z_]+)\)/.exec(problem)?.[1];
  if (/ is missing$/.test(problem)) {
    switch (variable) {
      case V.apiKey:
        return `set ${V.apiKey}: the API key (partner id, sent as X-PARTNER-ID) Singapay issued for this environment`;
      case V.clientId:
        return `set ${V.clientId}: the client id Singapay issued with the client secret (user name of the token request)`;
      case V.clientSecret:
        return `set ${V.clientSecret}: the client secret Singapay issued with the client id`;
      case V.password:
        return `set ${V.password}: the payment password Singapay sent with your credentials. Token and balance work without it, but every payment is refused (code 08)`;
    }
  }
  if (/leading\/trailing spaces/.test(problem) && variable) {
    return `remove the spaces, line breaks or stray quotes around ${variable} (in .env, write NAME=value or NAME="value")`;
  }
  if (/must not contain ':'/.test(problem)) {
    return `${V.clientId} contains ':': was "id:secret" pasted into it? Put the part before ':' in ${V.clientId} and the rest in ${V.clientSecret}`;
  }
  if (variable === V.environment) return `set ${V.environment} to sandbox (or development) or production`;
  if (variable === V.baseUrl)
    return `${V.baseUrl} is optional: remove it to use Singapay's host for ${V.environment}, or give a URL such as https://host`;
  if (variable) return `fix ${variable} as the message says`;
  return undefined;
}

/**
 * Reads a failed token request through the one diagnosis the health check uses too, with the fixes
 * for this request: which credential to check, or which IP to submit.
 */
export function diagnoseTokenFailure(error: unknown, environment: string): SingapayTokenDiagnosis {
  const diagnosis = diagnoseSingapayFailure(error);
  const { cause, ipAddress: ip } = diagnosis;
  const summary = error instanceof SingapayException ? error.message : describeError(error);
  // The host answered the doctor's own connection check: a connection broken or silent on this request is the same path failing.
  const unreachable = cause === 'unreachable' || cause === 'timeout' || diagnosis.responseType === 'connection_reset';
  if (unreachable) {
    return {
      cause,
      summary: `Singapay could not be reached: ${summary}`,
      fixes: [
        "the host answered the connection check but not this request: a proxy, a firewall or an outage on Singapay's side; try again, then contact Singapay",
      ],
    };
  }
  switch (cause) {
    case 'ip_not_whitelisted':
      return {
        cause,
        ...(ip ? { ip } : {}),
        summary: ip
          ? `Singapay refused this caller's IP address ${ip} (not whitelisted)`
          : `Singapay refused this caller's IP address (not whitelisted)`,
        fixes: [
          ip
            ? `submit ${ip} to Singapay for IP whitelisting in ${environment}: it is the address Singapay saw, this network's public (egress) address, which differs from the machine's own address behind NAT, a proxy or a load balancer`
            : `submit this server's public (egress) IP address to Singapay for whitelisting in ${environment} (Singapay's answer did not name it; ask your network team or cloud console for the NAT/egress address)`,
          'each environment is whitelisted separately, and so is each server or NAT gateway that calls Singapay',
        ],
      };
    // Code 08 on the token request itself: nothing but the partner id was judged yet.
    case 'partner_id_refused':
    case 'permission_denied':
      return {
        cause: 'partner_id_refused',
        summary: 'Singapay refused the partner id (X-PARTNER-ID)',
        fixes: [
          `check ${V.apiKey}: it is sent as X-PARTNER-ID and must be the API key of ${environment} (sandbox and production keys differ)`,
          `make sure ${V.apiKey} holds the API key, not the client id or client secret`,
        ],
      };
    case 'client_credentials_refused':
    case 'credentials_mismatch':
      return {
        cause,
        summary: 'Singapay refused the client id / client secret (HTTP 401)',
        fixes: [
          `check ${V.clientId} and ${V.clientSecret}: both must come from the same credential set of ${environment} (sandbox and production sets differ)`,
          `check they are not swapped: ${V.clientId} is the user name, ${V.clientSecret} the password of the token request`,
        ],
      };
    case 'unexpected_error':
      return { cause, summary, fixes: [] };
    default:
      return {
        cause,
        summary,
        fixes: [
          `Singapay answered ${error instanceof SingapayException && error.upstreamStatus ? `HTTP ${error.upstreamStatus}` : 'something unexpected'}: check ${V.baseUrl} points at Singapay (or leave it unset), then ask Singapay`,
        ],
      };
  }
}

/** One line for an error, without stack or request details. */
export function describeError(error: unknown): string {
  if (error instanceof SingapayConfigurationError) return error.problems.join('; ');
  if (error instanceof SingapayException) {
    return `${error.message} (${error.responseCode ? `code ${error.responseCode}, ` : ''}${error.responseType})`;
  }
  if (error instanceof HttpException) {
    const response = error.getResponse() as { message?: unknown };
    const message = Array.isArray(response?.message) ? response.message.join('; ') : String(response?.message ?? error.message);
    return `${message} (HTTP ${error.getStatus()})`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
