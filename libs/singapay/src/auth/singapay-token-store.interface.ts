/** An access token as kept in a `SingapayTokenStore`. */
export interface SingapayStoredToken {
  accessToken: string;
  tokenType: string;
  /** When Singapay says the token expires (epoch milliseconds). */
  expiresAt: number;
  /** When it should be renewed, ahead of expiry (epoch milliseconds). */
  renewAt: number;
}

/**
 * Where access tokens live. The default keeps them in memory per module
 * registration; a shared implementation (`RedisTokenStore`) lets replicas
 * share one token. Keys are namespaced per registration, host and credential
 * (a hash of the client id); they hold no secret.
 * @publicApi
 */
export interface SingapayTokenStore {
  get(key: string): Promise<SingapayStoredToken | undefined>;
  /** Stores the token; it must be gone after `ttlMs`. */
  set(key: string, token: SingapayStoredToken, ttlMs: number): Promise<void>;
  /**
   * Deletes the token. With `ifAccessToken`, only when the stored token is that one
   * (compare-and-delete), so a late 401 never drops a token another caller just fetched.
   */
  delete(key: string, ifAccessToken?: string): Promise<void>;
  /**
   * Optional, for shared stores: takes a lock held for at most `ttlMs`, so one
   * replica refreshes while the others wait for its token. Resolves to a lock
   * id, or `undefined` when someone else holds it.
   */
  acquireLock?(key: string, ttlMs: number): Promise<string | undefined>;
  /** Releases the lock if `lockId` still holds it. */
  releaseLock?(key: string, lockId: string): Promise<void>;
}

/** Injection token of the `SingapayTokenStore` (same name as the interface, as `ThrottlerStorage` does). */
export const SingapayTokenStore = Symbol('SingapayTokenStore');
