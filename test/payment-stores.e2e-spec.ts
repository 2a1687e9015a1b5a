import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SingapayInMemoryPaymentStore } from '@app/singapay/stores/index.js';
import { PostgresPaymentStore } from '@app/singapay/postgres/index.js';
import { RedisPaymentStore } from '@app/singapay/redis/index.js';
import { describePaymentStoreConformance } from './payment-store-conformance.js';
import { registerSecret } from './support/log-capture.js';
import { postgresAvailable, postgresRequired, startPostgres, type TestPostgres } from './support/postgres-server.js';
import { redisAvailable, redisRequired, startRedis, type TestRedis } from './support/redis-server.js';

// One contract, every store: what the payment engine relies on must hold whichever store is plugged in.

describePaymentStoreConformance('SingapayInMemoryPaymentStore', () => ({
  shared: false,
  fresh: async () => new SingapayInMemoryPaymentStore(),
}));

if (!redisAvailable)
  new Logger('StoreTests').warn('redis-server is not installed: the Redis store contract is SKIPPED (apt-get install redis-server)');
describe.skipIf(!redisAvailable && !redisRequired)('on a real redis-server', () => {
  let redis: TestRedis;
  let base: RedisPaymentStore;
  beforeAll(async () => {
    if (!redisAvailable) throw new Error('redis-server is required here (SINGAPAY_REQUIRE_REDIS=1) but not installed');
    redis = await startRedis();
    base = new RedisPaymentStore(await redis.client(), { prefix: 'conformance' });
  });
  afterAll(() => redis?.stop());
  describePaymentStoreConformance('RedisPaymentStore', () => ({
    shared: true,
    fresh: async () => base.withNamespace(randomUUID()),
  }));
});

if (!postgresAvailable) {
  new Logger('StoreTests').warn(
    'PostgreSQL server binaries are not installed: the Postgres store contract is SKIPPED (apt-get install postgresql)',
  );
}
describe.skipIf(!postgresAvailable && !postgresRequired)('on a real PostgreSQL server', () => {
  let server: TestPostgres;
  let base: PostgresPaymentStore;
  beforeAll(async () => {
    if (!postgresAvailable) throw new Error('PostgreSQL is required here (SINGAPAY_REQUIRE_POSTGRES=1) but not installed');
    server = await startPostgres();
    registerSecret(server.password);
    base = new PostgresPaymentStore(server.url);
    await base.migrate();
  }, 60_000);
  afterAll(async () => {
    await base?.close();
    await server?.stop();
  });
  describePaymentStoreConformance('PostgresPaymentStore', () => ({ shared: true, fresh: async () => base.withNamespace(randomUUID()) }));
});
