import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { singapaySleep } from '../http/singapay-retry.policy.js';
import {
  SINGAPAY_CLOCK,
  SINGAPAY_DEFAULT_NAME,
  SINGAPAY_INSTANCE_NAME,
  SINGAPAY_LOGGER_CONTEXT,
  SINGAPAY_RESOLVED_OPTIONS,
  type SingapayClock,
} from '../singapay.constants.js';
import type { SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { SingapayErrorFactory } from '../errors/singapay-error.factory.js';
import { SingapayException, type SingapayFailureCause } from '../errors/singapay.exception.js';
import { SingapayAuthService } from './singapay-auth.service.js';
import { SingapayTokenStore, type SingapayStoredToken } from './singapay-token-store.interface.js';
import { singapayStoreScope } from '../util/singapay-log.js';

const FAILED = Symbol('store failed');
/** Refusals of our credentials or address, which no retry within seconds changes. */
const REFUSED = new Set<SingapayFailureCause>(['client_credentials_refused', 'ip_not_whitelisted', 'partner_id_refused']);
/**
 * How long a token store operation is waited for. A store that hangs rather than fails (a Redis
 * connection a NAT dropped silently answers nothing for minutes) counts as failed after it, and the
 * token this process holds carries calls on: waited for without end, every call would hang with it.
 */
const STORE_WAIT_MS = 1_000;
/** How long a store that failed (or said nothing) is left alone by reads while this process holds a token. */
const STORE_RETRY_MS = 5_000;

/**
 * Serves the access token. It is fetched once for any number of concurrent
 * callers, kept in the `SingapayTokenStore`, renewed in the background once it
 * is due (callers keep using the still-valid token meanwhile), and fetched
 * in the foreground only when none is usable. A failed fetch is never cached.
 *
 * With a shared store that offers locks, a refresh takes the store's lock and
 * re-checks the store inside it, so a cold burst across replicas makes one
 * token request; a replica that cannot get the lock in time fetches on its own
 * (a second token request is harmless, a stalled payment is not). When the
 * store fails, the token this process last saw carries reads on.
 * @publicApi
 */
@Injectable()
export class SingapayTokenProvider {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  // Private fields, tokens in them: util.inspect() of the provider (or of what holds it) shows ordinary fields.
  #inflight?: Promise<SingapayStoredToken>;
  /** The token this process last fetched or read: the fallback while the store is down. */
  #local?: SingapayStoredToken;
  private storeDown = false;
  /** While the store is down, when a read next asks it. */
  #askStoreAt = 0;
  /** The last token Singapay refused here, never taken back from the store. */
  #refused?: string;
  /** Background renewals that failed in a row, and when the next may run. */
  #renewFailures = 0;
  #renewAgainAt = 0;
  /**
   * Singapay's last refusal of our credentials or address at the token endpoint, answered again to the
   * callers that need a token until its pause ends (1 s, doubling to 30 s while it keeps refusing): a wrong
   * secret or an address not yet whitelisted would otherwise cost a token request, and a warning, per call.
   */
  #refusal?: { error: unknown; until: number; count: number };
  /** Store key: registration, host and a hash of the client id, so registrations never share a token by accident. */
  readonly cacheKey: string;

  constructor(
    private readonly auth: SingapayAuthService,
    @Inject(SingapayTokenStore) private readonly store: SingapayTokenStore,
    @Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: SingapayResolvedOptions,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
    private readonly errors: SingapayErrorFactory,
    @Optional() @Inject(SINGAPAY_INSTANCE_NAME) name: string = SINGAPAY_DEFAULT_NAME,
  ) {
    this.cacheKey = `singapay:token:${singapayStoreScope('token', name, options)}`;
  }

  async getAccessToken(): Promise<string> {
    const cached = await this.read();
    const now = this.now();
    // Usable until a margin before the real expiry, so a request in flight does not arrive with a dead
    // token; between renewAt and that point the old token is served while a new one is fetched.
    // A refused token the store could not forget is never served again.
    const usable = cached && cached.accessToken !== this.#refused;
    if (usable && now < cached.expiresAt - Math.min(5_000, Math.floor((cached.expiresAt - cached.renewAt) / 2))) {
      // A token fetched by another replica is scrubbed from errors too.
      this.errors.rememberToken(cached.accessToken);
      // Due: renewed in the background. Callers still hold a valid token; a failure (logged in
      // fetchOnce()) is tried again on a doubling pause, not on every call.
      if (now >= cached.renewAt && now >= this.#renewAgainAt && !this.#inflight) this.renew();
      return cached.accessToken;
    }
    if (this.#refusal && now < this.#refusal.until) throw this.#refusal.error;
    // Fetched here, or read fresh from another replica's refresh: scrubbed from errors either way.
    const { accessToken } = await this.fetch();
    this.errors.rememberToken(accessToken);
    return accessToken;
  }

  /**
   * A background renewal. One that fails waits 1 s, then 2, 4… up to 30 s before the next, so a
   * refused secret or IP does not send a token request (and a warning) per call for the whole window.
   */
  private renew(): void {
    this.fetch().then(
      () => undefined,
      () => {
        this.#renewAgainAt = this.now() + Math.min(30_000, 1_000 * 2 ** Math.min(this.#renewFailures++, 5));
      },
    );
  }

  /**
   * Drops `token` if it is still the current one, after Singapay refused it.
   * A token fetched meanwhile by another caller is kept.
   */
  async invalidate(token: string): Promise<void> {
    this.#refused = token;
    if (this.#local?.accessToken === token) this.#local = undefined;
    await this.guard('delete', () => this.store.delete(this.cacheKey, token));
  }

  private async read(): Promise<SingapayStoredToken | undefined> {
    // While the store is down, this process's token is served without asking it again, but every few seconds.
    if (this.storeDown && this.#local && this.now() < this.#askStoreAt) return this.#local;
    const stored = await this.guard('get', () => this.store.get(this.cacheKey));
    if (stored === FAILED) return this.#local;
    if (stored) this.#local = stored;
    return stored;
  }

  /** The stored token, when another caller renewed it: not yet due, and not the one Singapay refused here. */
  private async readFresh(): Promise<SingapayStoredToken | undefined> {
    const current = await this.read();
    return current && this.now() < current.renewAt && current.accessToken !== this.#refused ? current : undefined;
  }

  /** Runs a store operation; a failing (or silent) store is logged once and worked around. */
  private async guard<T>(what: string, work: () => Promise<T>): Promise<T | typeof FAILED> {
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error(`no answer in ${STORE_WAIT_MS} ms`), { name: 'TimeoutError' })),
        STORE_WAIT_MS,
      );
      timer.unref();
    });
    try {
      const result = await Promise.race([work(), silent]);
      if (this.storeDown) this.logger.log('token store reachable again');
      this.storeDown = false;
      return result;
    } catch (error) {
      if (!this.storeDown)
        this.logger.warn(`token store ${what} failed (${(error as Error)?.name ?? 'error'}); carrying on with this process's token`);
      this.storeDown = true;
      this.#askStoreAt = this.now() + STORE_RETRY_MS;
      return FAILED;
    } finally {
      clearTimeout(timer);
    }
  }

  private fetch(): Promise<SingapayStoredToken> {
    this.#inflight ??= this.fetchShared().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** One refresh across replicas: under the store's lock when it has one. */
  private async fetchShared(): Promise<SingapayStoredToken> {
    const { acquireLock, releaseLock } = this.store;
    if (!acquireLock || !releaseLock) return this.fetchOnce();
    const lockKey = `${this.cacheKey}:lock`;
    // The lease outlives a token request, so a slow one is not joined by a second.
    const leaseMs = this.options.timeoutMs + 5_000;
    const waitUntil = this.now() + leaseMs;
    for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
      const locking = acquireLock.call(this.store, lockKey, leaseMs);
      const lockId = await this.guard('lock', () => locking);
      if (lockId === FAILED) {
        // A lock taken after the wait is let go at once: held, it would keep the other replicas waiting for its lease.
        locking.then((late) => (late ? releaseLock.call(this.store, lockKey, late) : undefined)).catch(() => undefined);
        return this.fetchOnce();
      }
      if (lockId) {
        try {
          // Someone may have refreshed between our look and our lock.
          return (await this.readFresh()) ?? (await this.fetchOnce());
        } finally {
          await this.guard('unlock', () => releaseLock.call(this.store, lockKey, lockId));
        }
      }
      await singapaySleep(pause);
      const current = await this.readFresh();
      if (current) return current;
      if (this.now() >= waitUntil) {
        this.logger.warn('token lock not released in time; requesting a token without it');
        return this.fetchOnce();
      }
    }
  }

  private async fetchOnce(): Promise<SingapayStoredToken> {
    const started = this.now();
    try {
      const { accessToken, tokenType, expiresIn } = await this.auth.requestAccessToken();
      this.errors.rememberToken(accessToken);
      // Count the lifetime from when we asked, not when the answer came: the server started its clock first.
      const lifetimeMs = expiresIn * 1000;
      const token: SingapayStoredToken = {
        accessToken,
        tokenType,
        expiresAt: started + lifetimeMs,
        // The buffer is at most a tenth of the lifetime, so short-lived tokens are renewed in time too.
        renewAt: started + lifetimeMs - Math.min(this.options.tokenRefreshBufferMs, Math.floor(lifetimeMs * 0.1)),
      };
      this.#local = token;
      // Any token granted ends a run of failed renewals (and of refusals), whoever asked for it.
      this.#renewFailures = 0;
      this.#renewAgainAt = 0;
      this.#refusal = undefined;
      await this.guard('set', () => this.store.set(this.cacheKey, token, Math.max(1, token.expiresAt - this.now())));
      if (this.options.debugLogs) this.logger.debug(`access token granted, lifetime ${expiresIn}s, took ${this.now() - started}ms`);
      return token;
    } catch (error) {
      this.logger.warn(`access token request failed: ${describeTokenFailure(error)}`);
      if (error instanceof SingapayException && REFUSED.has(error.cause)) {
        const count = (this.#refusal?.count ?? 0) + 1;
        this.#refusal = { error, count, until: this.now() + Math.min(30_000, 1_000 * 2 ** Math.min(count - 1, 5)) };
      }
      throw error;
    }
  }
}

/**
 * What went wrong at the token endpoint, for the log: Singapay's own HTTP status
 * (a refused client secret is a 401 there), not the status our exception carries
 * for the app's callers (502), which would read as a gateway fault.
 */
export function describeTokenFailure(error: unknown): string {
  const e = error as { responseType?: string; responseCode?: string | null; upstreamStatus?: number; getStatus?: () => number };
  const upstream = e.upstreamStatus === undefined ? 'no answer from Singapay' : `Singapay answered HTTP ${e.upstreamStatus}`;
  const code = e.responseCode ? `, code ${e.responseCode}` : '';
  const raised = typeof e.getStatus === 'function' ? `; raised as HTTP ${e.getStatus()}` : '';
  return `${e.responseType ?? 'error'} (${upstream}${code}${raised})`;
}
