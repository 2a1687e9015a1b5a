/**
 * The token and payment records in Redis, shared by every replica. Apart from the main entry so
 * that its declarations name `ioredis` (an optional peer dependency) only for apps that use it.
 */
export { RedisTokenStore, type RedisStoreOptions } from './redis-token.store.js';
export { RedisPaymentStore, type RedisPaymentStoreOptions } from './redis-payment.store.js';
