/**
 * The token and payment records in Redis, shared by every replica. Apart from the main entry so
 * that its declarations name `ioredis` (an optional peer dependency) only for apps that use it.
 */
export { RedisTokenStore } from './redis-token.store.js';
export type { RedisStoreOptions } from './redis-token.store.js';
export { RedisPaymentStore } from './redis-payment.store.js';
export type { RedisPaymentStoreOptions } from './redis-payment.store.js';
