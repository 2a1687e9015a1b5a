import { HttpException } from '@nestjs/common';
import { SingapayConfigurationError } from '../config/singapay-options.validation.js';
import { SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import { diagnoseSingapayFailure, type SingapayDiagnosedCause } from '../errors/singapay-failure.diagnosis.js';
import { SingapayException } from '../errors/singapay.exception.js';

/* What the doctor says about what it found: each step's outcome, and the fix for each failure. */

const V = SINGAPAY_ENV_VARS;

export type SingapayDoctorStepName = 'config' | 'ledger' | 'host' | 'token' | 'balance' | 'inquiry';

export interface SingapayDoctorStep {
  name: SingapayDoctorStepName;
  status: 'pass' | 'fail' | 'skip';
  /** One line, never a secret. */
  summary: string;
  /** What to do about it. */
  fixes: string[];
  /** What a failed step comes down to: for the token, the cause of the module's diagnosis (what Singapay refused). */
  failure?: SingapayDiagnosedCause | 'production_refused' | 'config_invalid' | 'password_missing';
}

/** What one check found (the host, the payment ledger, the token), before it is numbered as a step. */
export type SingapayDoctorCheck = Omit<SingapayDoctorStep, 'name' | 'status'> & { status: 'pass' | 'fail' };

/** What each credential is, for the fix of a missing one. */
const MISSING: Record<string, string> = {
  [V.apiKey]: 'the API key (partner id, sent as X-PARTNER-ID) Singapay issued for this environment',
  [V.clientId]: 'the client id Singapay issued with the client secret (user name of the token request)',
  [V.clientSecret]: 'the client secret Singapay issued with the client id',
  [V.password]:
    'the payment password Singapay sent with your credentials. Token and balance work without it, but every payment is refused (code 08)',
};

/** A fix for each problem `resolveSingapayOptions` reports (it names fields, never values). */
export function configProblemFix(problem: string): string | undefined {
  const variable = /\((SINGAPAY_[A-Z_]+)\)/.exec(problem)?.[1];
  if (/ is missing$/.test(problem) && variable && MISSING[variable]) return `set ${variable}: ${MISSING[variable]}`;
  if (/leading\/trailing spaces/.test(problem) && variable) {
    return `remove the spaces, line breaks or stray quotes around ${variable} (in .env, write NAME=value or NAME="value")`;
  }
  if (/must not contain ':'/.test(problem)) {
    return `${V.clientId} contains ':': was "id:secret" pasted into it? Put the part before ':' in ${V.clientId} and the rest in ${V.clientSecret}`;
  }
  if (/production host/.test(problem)) {
    return `${V.baseUrl} names Singapay's production host: set ${V.environment}=production to pay for real (with a payment store that survives restarts), or remove ${V.baseUrl} to use the sandbox`;
  }
  if (variable === V.environment) return `set ${V.environment} to sandbox (or development) or production`;
  if (variable === V.baseUrl)
    return `${V.baseUrl} is optional: remove it to use Singapay's host for ${V.environment}, or give a URL such as https://host`;
  if (variable) return `fix ${variable} as the message says`;
  return undefined;
}

/**
 * Reads a failed token request through the one diagnosis the health check uses too, with the fixes
 * for this request: which credential to check, or which IP to submit. Whether client id and secret
 * are swapped is never tried: that sends the secret as a user name, which a server or a proxy on
 * the way may log.
 */
export function diagnoseTokenFailure(error: unknown, environment: string): SingapayDoctorCheck {
  const { cause, ipAddress: ip, responseType } = diagnoseSingapayFailure(error);
  const described = error instanceof SingapayException ? error.message : describeError(error);
  const fail = (summary: string, fixes: string[], failure = cause): SingapayDoctorCheck => ({ status: 'fail', summary, fixes, failure });
  // The host answered the doctor's own connection check: a connection broken or silent on this request is the same path failing.
  if (cause === 'unreachable' || cause === 'timeout' || responseType === 'connection_reset') {
    return fail(`Singapay could not be reached: ${described}`, [
      "the host answered the connection check but not this request: a proxy, a firewall or an outage on Singapay's side; try again, then contact Singapay",
    ]);
  }
  switch (cause) {
    case 'ip_not_whitelisted':
      return fail(`Singapay refused this caller's IP address${ip ? ` ${ip}` : ''} (not whitelisted)`, [
        ip
          ? `submit ${ip} to Singapay for IP whitelisting in ${environment}: it is the address Singapay saw, this network's public (egress) address, which differs from the machine's own address behind NAT, a proxy or a load balancer`
          : `submit this server's public (egress) IP address to Singapay for whitelisting in ${environment} (Singapay's answer did not name it; ask your network team or cloud console for the NAT/egress address)`,
        'each environment is whitelisted separately, and so is each server or NAT gateway that calls Singapay',
      ]);
    // Code 08 on the token request itself: nothing but the partner id was judged yet.
    case 'partner_id_refused':
    case 'permission_denied':
      return fail(
        'Singapay refused the partner id (X-PARTNER-ID)',
        [
          `check ${V.apiKey}: it is sent as X-PARTNER-ID and must be the API key of ${environment} (sandbox and production keys differ)`,
          `make sure ${V.apiKey} holds the API key, not the client id or client secret`,
        ],
        'partner_id_refused',
      );
    case 'client_credentials_refused':
    case 'credentials_mismatch':
      return fail('Singapay refused the client id / client secret (HTTP 401)', [
        `check ${V.clientId} and ${V.clientSecret}: both must come from the same credential set of ${environment} (sandbox and production sets differ)`,
        `check they are not swapped: ${V.clientId} is the user name, ${V.clientSecret} the password of the token request`,
      ]);
    case 'unexpected_error':
      return fail(described, []);
    default:
      return fail(described, [
        `Singapay answered ${error instanceof SingapayException && error.upstreamStatus ? `HTTP ${error.upstreamStatus}` : 'something unexpected'}: check ${V.baseUrl} points at Singapay (or leave it unset), then ask Singapay`,
      ]);
  }
}

/** The fixes for a failed balance or inquiry, once a token was granted. */
export function businessFixes(error: unknown): string[] {
  if (!(error instanceof SingapayException)) return ['check the --inquiry value: command:productCode:customerId[:period]'];
  switch (error.responseCode) {
    case '08':
      return ['Singapay denied permission: the account may not be activated for this product or environment; ask Singapay'];
    case '16':
      return ['Singapay refused the token it had just granted: check the system clock, then ask Singapay'];
    case '04':
    case '12':
    case '06':
      return ["check the --inquiry value: command, product code and customer id as in Singapay's product list"];
    default:
      return error.responseType === 'malformed_response'
        ? [`Singapay's answer could not be read: check ${V.baseUrl} points at Singapay (or leave it unset)`]
        : ['try again; if it persists, give Singapay the time of this run'];
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
