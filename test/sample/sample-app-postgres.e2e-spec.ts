import request from 'supertest';
import { Logger } from '@nestjs/common';
import { SINGAPAY_ENV_VARS } from '@app/singapay';
import { PostgresPaymentStore } from '@app/singapay/postgres/index.js';
import { createSampleApp } from '../../apps/sample/src/sample-bootstrap.js';
import { freePort } from '../support/free-port.js';
import { capturedLogLines, registerSecret } from '../support/log-capture.js';
import { postgresAvailable, postgresRequired, startPostgres, type TestPostgres } from '../support/postgres-server.js';
import { clearSingapayEnv, SAMPLE_KEY } from '../support/sample-testing.js';

describe.skipIf(!postgresAvailable && !postgresRequired)('sample app with SINGAPAY_DATABASE_URL (real PostgreSQL server)', () => {
  let server: TestPostgres;

  beforeAll(async () => {
    if (!postgresAvailable) throw new Error('PostgreSQL is required here (SINGAPAY_REQUIRE_POSTGRES=1) but not installed');
    server = await startPostgres();
    registerSecret(server.password);
  }, 60_000);
  afterAll(async () => {
    clearSingapayEnv();
    await server?.stop();
  });

  // Each app starts its own simulator on a port of its own, as `npm start` does: payment records are the
  // account's, not the address's, so a restarted app finds them whatever port its simulator got.
  async function sampleOn(databaseUrl: string) {
    clearSingapayEnv();
    process.env[SINGAPAY_ENV_VARS.databaseUrl] = databaseUrl;
    const port = await freePort();
    const sample = await createSampleApp(new Logger('Sample'), port);
    registerSecret(sample.simulator!.credentials.clientSecret, sample.simulator!.credentials.password);
    await sample.app.listen(port, '127.0.0.1');
    return sample;
  }

  it('refuses to start on a database that was never migrated, naming npx singapay migrate', async () => {
    const url = await server.createDatabase('sample_unmigrated');
    await expect(sampleOn(url)).rejects.toThrow(/npx singapay migrate/);
  });

  it('keeps payments in PostgreSQL: a restarted app still answers a key from its record, and sends nothing', async () => {
    const url = await server.createDatabase('sample_ledger');
    const setup = new PostgresPaymentStore(url);
    await setup.migrate();
    await setup.close();

    const first = await sampleOn(url);
    expect(capturedLogLines.some((l) => l.includes('Payment records are kept in PostgreSQL (SINGAPAY_DATABASE_URL'))).toBe(true);
    const body = { command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '081234567891' };
    const paid = await request(first.app.getHttpServer())
      .post('/bills/pay')
      .set('X-Api-Key', SAMPLE_KEY)
      .set('Idempotency-Key', 'sample-order-1')
      .send(body);
    expect(paid.status).toBe(202);
    expect(first.simulator!.paymentsFor({ customerId: body.customerId })).toBe(1);
    await first.close();

    const { rows } = await server
      .pool('sample_ledger')
      .query(`SELECT state, transaction_id FROM singapay_payments WHERE idempotency_key = 'sample-order-1'`);
    expect(rows).toEqual([{ state: 'pending', transaction_id: paid.body.transactionId }]);

    // A new app (and a new simulator, on another port, which knows nothing of the first payment) on the same database.
    const second = await sampleOn(url);
    try {
      const again = await request(second.app.getHttpServer())
        .post('/bills/pay')
        .set('X-Api-Key', SAMPLE_KEY)
        .set('Idempotency-Key', 'sample-order-1')
        .send(body);
      expect(again.body).toMatchObject({ idempotencyKey: 'sample-order-1', transactionId: paid.body.transactionId });
      expect(second.simulator!.paymentsFor({ customerId: body.customerId })).toBe(0);
      const followed = await request(second.app.getHttpServer()).get('/payments/sample-order-1').set('X-Api-Key', SAMPLE_KEY);
      expect(followed.body).toMatchObject({ idempotencyKey: 'sample-order-1', transactionId: paid.body.transactionId, sendCount: 1 });
    } finally {
      await second.close();
    }
  });
});
