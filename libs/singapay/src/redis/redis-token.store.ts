import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SingapayStoredToken, SingapayTokenStore } from '../auth/singapay-token-store.interface.js';
import { redisScript, runRedisScript } from './singapay-redis.script.js';

// Compare-and-delete: a late refusal must not delete a token another replica just stored.
const DELETE_IF_TOKEN = redisScript(`
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local ok, t = pcall(cjson.decode, v)
if ok and t.accessToken == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

const RELEASE_IF_OWNER = redisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

export interface RedisStoreOptions {
  /**
   * Prefix of every key, to share a Redis between apps.
   * @default 'singapay'
   */
  prefix?: string;
}

/**
 * Access tokens in Redis, shared by every replica: one token per registration
 * and credential, refreshed under a short `SET NX PX` lock, invalidated with
 * compare-and-delete. `ioredis` is an optional peer dependency: pass your client.
 * @publicApi
 */
export class RedisTokenStore implements SingapayTokenStore {
  // A private field: the client keeps its options, password included, and util.inspect() shows ordinary fields.
  readonly #redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, options: RedisStoreOptions = {}) {
    this.#redis = redis;
    this.prefix = options.prefix ?? 'singapay';
  }

  private k(key: string): string {
    return `${this.prefix}:${key}`;
  }

  async get(key: string): Promise<SingapayStoredToken | undefined> {
    const text = await this.#redis.get(this.k(key));
    if (!text) return undefined;
    try {
      const t = JSON.parse(text) as SingapayStoredToken;
      return typeof t.accessToken === 'string' && Number.isFinite(t.expiresAt) && Number.isFinite(t.renewAt) ? t : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, token: SingapayStoredToken, ttlMs: number): Promise<void> {
    await this.#redis.set(this.k(key), JSON.stringify(token), 'PX', Math.max(1, Math.floor(ttlMs)));
  }

  async delete(key: string, ifAccessToken?: string): Promise<void> {
    if (ifAccessToken === undefined) await this.#redis.del(this.k(key));
    else await runRedisScript(this.#redis, DELETE_IF_TOKEN, [this.k(key)], [ifAccessToken]);
  }

  async acquireLock(key: string, ttlMs: number): Promise<string | undefined> {
    const id = randomUUID();
    const ok = await this.#redis.set(this.k(key), id, 'PX', Math.max(1, Math.floor(ttlMs)), 'NX');
    return ok === 'OK' ? id : undefined;
  }

  async releaseLock(key: string, lockId: string): Promise<void> {
    await runRedisScript(this.#redis, RELEASE_IF_OWNER, [this.k(key)], [lockId]);
  }
}
