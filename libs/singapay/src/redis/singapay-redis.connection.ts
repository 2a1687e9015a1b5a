import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { SINGAPAY_LOGGER_CONTEXT, SINGAPAY_RESOLVED_OPTIONS } from '../singapay.constants.js';
import { SINGAPAY_REDIS_CLIENT_SETTINGS } from './singapay-redis.durability.js';

/**
 * The Redis client the module opens itself when `redisUrl` is set. `ioredis`
 * is loaded only then, so it stays an optional dependency. The client fails
 * fast (no offline queue): a payment whose record cannot be written is
 * refused, never queued or sent unrecorded; a write whose answer was lost with
 * the connection fails, never runs a second time (SINGAPAY_REDIS_CLIENT_SETTINGS).
 */
@Injectable()
export class SingapayRedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  // A private field: the client keeps its options, password included, and util.inspect() shows ordinary fields.
  #client?: Redis;
  #closed = false;

  constructor(@Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: SingapayResolvedOptions) {}

  async connect(): Promise<Redis | undefined> {
    const url = this.options.redisUrl?.reveal();
    if (!url) return undefined;
    const { Redis: RedisClass } = await import('ioredis').catch(() => {
      throw new Error('redisUrl (SINGAPAY_REDIS_URL) is set but the ioredis package is not installed: npm install ioredis');
    });
    // A start-up refused meanwhile (by PostgreSQL, checked at the same time) closed the module's connections.
    if (this.#closed) return undefined;
    const client = new RedisClass(url, {
      ...SINGAPAY_REDIS_CLIENT_SETTINGS,
      enableOfflineQueue: false,
      // The commands of concurrent payments share one write to the socket instead of one each.
      enableAutoPipelining: true,
      retryStrategy: (n) => Math.min(n * 200, 2_000),
    });
    let warned = false;
    client.on('error', (error: Error) => {
      if (!warned) this.logger.warn(`Redis unavailable (${error.name}): payments are refused until it is back; reads carry on`);
      warned = true;
    });
    client.on('ready', () => {
      if (warned) this.logger.log('Redis reachable again');
      warned = false;
    });
    this.#client = client;
    // Start-up waits a little for Redis; a payment ledger still out of reach then stops it (see checkSingapayRedisLedger),
    // a Redis that holds only the token lets the app come up and fetch tokens itself until it is back.
    await Promise.race([
      new Promise((resolve) => client.once('ready', resolve)),
      new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
    ]);
    return client;
  }

  async onApplicationShutdown(): Promise<void> {
    this.#closed = true;
    await this.#client?.quit().catch(() => this.#client?.disconnect());
  }
}
