/**
 * The public API, pinned: what `nestjs-singapay` and its entries export at run time.
 * Adding or removing a name is a change of the package's contract: update this list
 * on purpose, with the README. (Type-only exports leave no trace at run time; the
 * consumer matrix type-checks them against the packed package.)
 */
import * as health from '@app/singapay/health/index.js';
import * as singapay from '@app/singapay';
import * as postgres from '@app/singapay/postgres/index.js';
import * as reconciliation from '@app/singapay/reconciliation/index.js';
import * as redis from '@app/singapay/redis/index.js';
import * as stores from '@app/singapay/stores/index.js';
import * as simulator from '@app/singapay-simulator';

describe('the public API', () => {
  it('nestjs-singapay exports exactly these names', () => {
    expect(Object.keys(singapay).sort()).toEqual(
      [
        'InjectSingapay',
        'SINGAPAY_CLOCK',
        'SINGAPAY_COMMAND_NAMES',
        'SINGAPAY_ENV_VARS',
        'SINGAPAY_INQUIRY_COMMANDS',
        'SINGAPAY_RESPONSE_CODES',
        'SINGAPAY_TRANSACTION_STATUSES',
        'SINGAPAY_TELEMETRY_NAMES',
        'SingapayAuthService',
        'SingapayAuthenticationException',
        'SingapayBillAlreadyPaidException',
        'SingapayCallbackReceiver',
        'SingapayConfigurationError',
        'SingapayCustomerNotFoundException',
        'SingapayException',
        'SingapayGameCategoryRequest',
        'SingapayIdempotencyConflictException',
        'SingapayInquiryRequest',
        'SingapayInputShapePipe',
        'SingapayInsufficientBalanceException',
        'SingapayListTransactionsRequest',
        'SingapayMalformedResponseException',
        'SingapayModule',
        'SingapayNotFoundException',
        'SingapayPayRequest',
        'SingapayPaymentFailedException',
        'SingapayPaymentStoreException',
        'SingapayService',
        'SingapayTimeoutException',
        'SingapayTokenProvider',
        'SingapayTransactionIdRequest',
        'SingapayTransportException',
        'SingapayValidationException',
        'getSingapayToken',
        'isFinalPaymentState',
        'singapayConfig',
        'singapayResponseCodeInfo',
      ].sort(),
    );
  });

  it('nestjs-singapay/postgres and nestjs-singapay/redis export exactly these names', () => {
    expect(Object.keys(postgres).sort()).toEqual(
      [
        'PostgresPaymentStore',
        'SINGAPAY_POSTGRES_SCHEMA_VERSION',
        'SingapayPostgresError',
        'SingapayPostgresSchemaError',
        'checkSingapayPostgresSchema',
        'migrateSingapayPostgres',
        'pruneSingapayPostgres',
        'singapayPostgresMigrationSql',
      ].sort(),
    );
    expect(Object.keys(redis).sort()).toEqual(['RedisPaymentStore', 'RedisTokenStore']);
  });

  it('nestjs-singapay/stores and nestjs-singapay/reconciliation export exactly these names', () => {
    expect(Object.keys(stores).sort()).toEqual(
      [
        'SINGAPAY_FINAL_PAYMENT_STATES',
        'SingapayInMemoryPaymentStore',
        'SingapayInMemoryTokenStore',
        'SingapayPaymentStore',
        'SingapayPaymentStoreError',
        'SingapayPaymentStoreLostError',
        'SingapayTokenStore',
        'isSettledPaymentRecord',
      ].sort(),
    );
    expect(Object.keys(reconciliation)).toEqual(['formatSingapayReconciliation']);
  });

  it('nestjs-singapay/health exports exactly these names', () => {
    expect(Object.keys(health).sort()).toEqual(
      [
        'InjectSingapayHealthIndicator',
        'SINGAPAY_HEALTH_DEFAULTS',
        'SINGAPAY_HEALTH_MODULE_OPTIONS',
        'SINGAPAY_HEALTH_OPTIONS',
        'SingapayHealthIndicator',
        'SingapayHealthModule',
        'diagnoseSingapayFailure',
        'getSingapayHealthIndicatorToken',
        'resolveSingapayHealthOptions',
      ].sort(),
    );
  });

  it('nestjs-singapay/simulator exports exactly these names', () => {
    expect(Object.keys(simulator).sort()).toEqual(
      [
        'SINGAPAY_SIMULATOR_DEFAULT_CREDENTIALS',
        'SINGAPAY_SIMULATOR_DOCUMENTED_VARIANTS',
        'SINGAPAY_SIMULATOR_FAULT_ENDPOINTS',
        'SINGAPAY_SIMULATOR_FAULT_KINDS',
        'SINGAPAY_SIMULATOR_GAME_PARAMETERS',
        'SINGAPAY_SIMULATOR_PRODUCTS',
        'SINGAPAY_TEST_CUSTOMERS',
        'SINGAPAY_TEST_CUSTOMER_EXAMPLES',
        'SingapaySimulator',
        'SingapaySimulatorFaultRuleError',
        'SingapaySimulatorFaults',
        'findSimulatorProduct',
        'parseSingapaySimulatorFaultRule',
        'singapayTestCustomerId',
      ].sort(),
    );
  });

  it('SingapayModule exports exactly what nestjs-singapay and its stores entry offer to inject', () => {
    const dynamic = singapay.SingapayModule.forRoot({ apiKey: 'a', clientId: 'b', clientSecret: 'c', password: 'd' });
    const offered = new Set<unknown>([...Object.values(singapay), ...Object.values(stores)]);
    const exported = dynamic.exports ?? [];
    expect(exported.length).toBeGreaterThan(0);
    for (const token of exported) expect(offered.has(token), String((token as { name?: string }).name ?? token)).toBe(true);
    // The injectables an app builds on: the service, the receiver, the token provider and the auth service, and the stores.
    expect(exported).toEqual(
      expect.arrayContaining([
        singapay.SingapayService,
        singapay.SingapayCallbackReceiver,
        singapay.SingapayTokenProvider,
        singapay.SingapayAuthService,
        stores.SingapayTokenStore,
        stores.SingapayPaymentStore,
      ]),
    );
  });

  it('every exported class and function is named as its role says', () => {
    for (const [name, value] of Object.entries({ ...singapay, ...stores, ...reconciliation, ...postgres, ...redis })) {
      if (typeof value !== 'function') continue;
      // Classes carry the Singapay prefix (or name their store's technology); functions are camelCase.
      expect(name, name).toMatch(/^(Singapay|Redis|Postgres|Inject)[A-Za-z]*$|^[a-z][A-Za-z]*$/);
    }
  });
});
