import type { SingapayStoredToken, SingapayTokenStore } from './singapay-token-store.interface.js';

/** The default token store: a map in this process, entries dropped at their TTL. */
export class SingapayInMemoryTokenStore implements SingapayTokenStore {
  // A private field: util.inspect() of the store (or of what holds it) shows ordinary fields, tokens with them.
  readonly #entries = new Map<string, { token: SingapayStoredToken; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(key: string): Promise<SingapayStoredToken | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (this.now() >= entry.until) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.token;
  }

  async set(key: string, token: SingapayStoredToken, ttlMs: number): Promise<void> {
    this.#entries.set(key, { token, until: this.now() + Math.max(0, ttlMs) });
  }

  async delete(key: string, ifAccessToken?: string): Promise<void> {
    if (ifAccessToken === undefined || this.#entries.get(key)?.token.accessToken === ifAccessToken) {
      this.#entries.delete(key);
    }
  }
}
