import { Inject, Injectable } from '@nestjs/common';
import { SINGAPAY_GRANT_TYPE, SINGAPAY_TOKEN_PATH } from '../contract/singapay-api.contract.js';
import { SINGAPAY_CLOCK, SINGAPAY_RESOLVED_OPTIONS, type SingapayClock } from '../singapay.constants.js';
import type { SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { readSingapayRefusal, SingapayErrorFactory } from '../errors/singapay-error.factory.js';
import { singapayRefusalAdvice } from '../errors/singapay-failure.diagnosis.js';
import { SINGAPAY_PERMISSION_DENIED_CODE, SINGAPAY_UNAUTHENTICATED_CODE } from '../errors/singapay-response-codes.js';
import { SingapayTransport, type SingapayCallOptions } from '../http/singapay-transport.js';
import { asRecord } from '../util/singapay-json.js';
import { SingapayTelemetry } from '../telemetry/singapay-telemetry.service.js';

export interface SingapayAccessToken {
  accessToken: string;
  tokenType: string;
  /** Lifetime in seconds (`singapayTokenLifetimeSeconds`): as Singapay stated it, within the JWT's own and a day. */
  expiresIn: number;
}

/** Lifetime assumed when Singapay states none we can read: short, so a wrong guess costs one extra request. */
const SINGAPAY_FALLBACK_TOKEN_LIFETIME_SECONDS = 300;
/** The longest a token is cached, whatever it states: a day. */
const SINGAPAY_MAX_TOKEN_LIFETIME_SECONDS = 86_400;

/**
 * The JWT's lifetime, if the token is a JWT with an `exp`: `exp - iat` when it has an `iat`, both on
 * Singapay's clock (`onItsClock`: our skew changes nothing); else the seconds until `exp` on ours.
 */
function jwtLifetime(token: string, nowMs: number): SingapayJwtLifetime | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const { exp, iat } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown; iat?: unknown };
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
    if (typeof iat === 'number' && Number.isFinite(iat)) return { seconds: Math.floor(exp - iat), onItsClock: true };
    return { seconds: Math.floor(exp - nowMs / 1000), onItsClock: false };
  } catch {
    return undefined;
  }
}

/** What a JWT says of its own lifetime (`jwtLifetime`). */
export interface SingapayJwtLifetime {
  seconds: number;
  onItsClock: boolean;
}

// Visible ASCII only, as an HTTP header value may carry it (a JWT is far shorter than the bound).
const HEADER_TOKEN = /^[\x21-\x7e]{1,8192}$/;

/** Reads `expires_in`: a string in Singapay's examples, a number on other hosts; under a second is none. */
export function parseExpiresIn(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 1 ? Math.floor(n) : undefined;
}

/**
 * The lifetime a token is cached for: `expires_in`, but never longer than the JWT's own `exp - iat`
 * (a host stating milliseconds would keep a dead token for weeks, and every call would be refused),
 * and never more than a day; the JWT's alone when nothing is stated, else a short guess.
 */
export function singapayTokenLifetimeSeconds(stated: number | undefined, jwt: SingapayJwtLifetime | undefined): number {
  const usable = jwt && jwt.seconds >= 1 ? jwt : undefined;
  // Only a lifetime measured on Singapay's clock bounds a stated one: ours may be skewed.
  const cap = usable?.onItsClock ? usable.seconds : undefined;
  const lifetime = stated !== undefined ? Math.min(stated, cap ?? stated) : (usable?.seconds ?? SINGAPAY_FALLBACK_TOKEN_LIFETIME_SECONDS);
  return Math.min(lifetime, SINGAPAY_MAX_TOKEN_LIFETIME_SECONDS);
}

/**
 * Performs the token request: Basic auth with the client ID and secret,
 * `X-PARTNER-ID`, and `grant_type=client_credentials`. Refusals become
 * exceptions that say which credential to check, never what it is.
 * @publicApi
 */
@Injectable()
export class SingapayAuthService {
  constructor(
    private readonly transport: SingapayTransport,
    private readonly errors: SingapayErrorFactory,
    @Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: SingapayResolvedOptions,
    private readonly telemetry: SingapayTelemetry,
    // The module's clock, as the token provider counts the lifetime by it.
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock = Date.now,
  ) {}

  requestAccessToken(call?: SingapayCallOptions): Promise<SingapayAccessToken> {
    return this.telemetry.traceTokenRequest(() => this.request(call));
  }

  private async request(call?: SingapayCallOptions): Promise<SingapayAccessToken> {
    const operation = 'accessToken';
    const { clientId, clientSecret } = this.options;
    const basic = Buffer.from(`${clientId}:${clientSecret.reveal()}`).toString('base64');
    const answer = await this.transport.post(operation, SINGAPAY_TOKEN_PATH, { grant_type: SINGAPAY_GRANT_TYPE }, `Basic ${basic}`, call);
    const body = asRecord(answer.body);
    const refusal = readSingapayRefusal(answer.status, body);
    // Only an address is ever copied from Singapay's message into ours.
    if (refusal.status === 401 || refusal.status === 403) {
      const cause = refusal.status === 401 ? 'client_credentials_refused' : refusal.cause!;
      throw this.errors.fromCode({
        code: cause === 'client_credentials_refused' ? SINGAPAY_UNAUTHENTICATED_CODE : SINGAPAY_PERMISSION_DENIED_CODE,
        operation,
        upstreamStatus: answer.status,
        raw: body,
        message: singapayRefusalAdvice(cause, refusal.ipAddress),
        cause,
        ipAddress: refusal.ipAddress,
      });
    }

    const data = asRecord(body?.data);
    const accessToken = data?.access_token;
    // A token goes into a header as it is: one with a space or a control character would be refused by Node
    // there, after the payment was claimed, for as long as it is cached. Refused here, as an answer without one.
    if (answer.status !== 200 || body?.success === false || typeof accessToken !== 'string' || !HEADER_TOKEN.test(accessToken)) {
      throw this.errors.transport(
        answer.status >= 200 && answer.status < 300 ? 'malformed_response' : 'token_request_failed',
        operation,
        // Scrubbed before it is cut: a secret Singapay echoes across the cut would keep its first characters.
        `Singapay token request answered HTTP ${answer.status} without an access token${refusal.message ? `: ${this.errors.redact(refusal.message, typeof accessToken === 'string' ? [accessToken] : []).slice(0, 200)}` : ''}`,
        {
          httpStatus: answer.status === 503 || answer.status === 429 ? 503 : 502,
          delivery: 'received',
          upstreamStatus: answer.status,
          raw: this.errors.redact(body, typeof accessToken === 'string' ? [accessToken] : []),
        },
      );
    }
    const tokenType = typeof data?.token_type === 'string' && /^[A-Za-z]{1,32}$/.test(data.token_type) ? data.token_type : 'Bearer';
    const expiresIn = singapayTokenLifetimeSeconds(parseExpiresIn(data?.expires_in), jwtLifetime(accessToken, this.now()));
    return { accessToken, tokenType, expiresIn };
  }
}
