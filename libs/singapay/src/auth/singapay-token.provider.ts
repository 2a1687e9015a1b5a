import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { SINGAPAY_CLOCK, SINGAPAY_LOGGER_CONTEXT, SINGAPAY_RESOLVED_OPTIONS, type SingapayClock } from '../singapay.constants.js';
import type { SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { SingapayErrorFactory } from '../errors/singapay-error.factory.js';
import { SingapayAuthService } from './singapay-auth.service.js';
import { SingapayTokenStore, type SingapayStoredToken } from './singapay-token-store.interface.js';

/**
 * Serves the access token. It is fetched once for any number of concurrent
 * callers, kept in the `SingapayTokenStore`, renewed in the background once it
 * is due (callers keep using the still-valid token meanwhile), and fetched
 * in the foreground only when none is usable. A failed fetch is never cached.
 * @publicApi
 */
@Injectable()
export class SingapayTokenProvider {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  private inflight?: Promise<SingapayStoredToken>;
  /** Store key: host and a hash of the client id, so registrations never share a token by accident. */
  readonly cacheKey: string;

  constructor(
    private readonly auth: SingapayAuthService,
    @Inject(SingapayTokenStore) private readonly store: SingapayTokenStore,
    @Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: SingapayResolvedOptions,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
    private readonly errors: SingapayErrorFactory,
  ) {
    const credential = createHash('sha256').update(options.clientId).digest('hex').slice(0, 16);
    this.cacheKey = `singapay:token:${new URL(options.baseUrl).host}:${credential}`;
  }

  async getAccessToken(): Promise<string> {
    const cached = await this.store.get(this.cacheKey);
    const now = this.now();
    if (cached && now < this.usableUntil(cached)) {
      // A token fetched by another replica is scrubbed from errors too.
      this.errors.rememberToken(cached.accessToken);
      if (now >= cached.renewAt) this.renewInBackground();
      return cached.accessToken;
    }
    return (await this.fetch()).accessToken;
  }

  /**
   * Drops `token` if it is still the current one, after Singapay refused it.
   * A token fetched meanwhile by another caller is kept.
   */
  async invalidate(token: string): Promise<void> {
    await this.store.delete(this.cacheKey, token);
  }

  // Keep a margin before the real expiry so a request in flight does not arrive with a dead token.
  // Between renewAt and this point the old token is served while a new one is fetched.
  private usableUntil(token: SingapayStoredToken): number {
    return token.expiresAt - Math.min(5_000, Math.floor((token.expiresAt - token.renewAt) / 2));
  }

  private bufferFor(lifetimeMs: number): number {
    return Math.min(this.options.tokenRefreshBufferMs, Math.floor(lifetimeMs * 0.1));
  }

  private renewInBackground(): void {
    if (this.inflight) return;
    this.fetch().catch(() => {
      // Already logged in fetch(); callers still hold a valid token and the next due call tries again.
    });
  }

  private fetch(): Promise<SingapayStoredToken> {
    this.inflight ??= this.fetchOnce().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchOnce(): Promise<SingapayStoredToken> {
    const started = this.now();
    try {
      const granted = await this.auth.requestAccessToken();
      this.errors.rememberToken(granted.accessToken);
      // Count the lifetime from when we asked, not when the answer came: the server started its clock first.
      const lifetimeMs = granted.expiresIn * 1000;
      const token: SingapayStoredToken = {
        accessToken: granted.accessToken,
        tokenType: granted.tokenType,
        expiresAt: started + lifetimeMs,
        renewAt: started + lifetimeMs - this.bufferFor(lifetimeMs),
      };
      await this.store.set(this.cacheKey, token, Math.max(0, token.expiresAt - this.now()));
      this.logger.debug(`access token granted, lifetime ${granted.expiresIn}s, took ${this.now() - started}ms`);
      return token;
    } catch (error) {
      const e = error as { responseType?: string; getStatus?: () => number };
      this.logger.warn(`access token request failed: ${e.responseType ?? 'error'} (HTTP ${e.getStatus?.() ?? 'n/a'})`);
      throw error;
    }
  }
}
