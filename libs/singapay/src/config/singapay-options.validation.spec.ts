import { inspect } from 'node:util';
import { resolveSingapayOptions, SingapayConfigurationError } from './singapay-options.validation.js';
import { readSingapayOptionsFromEnv } from './singapay.config.js';
import type { SingapayModuleOptions } from '../singapay-module-options.interface.js';

const valid: SingapayModuleOptions = {
  apiKey: 'api-key-value',
  clientId: 'client-id-value',
  clientSecret: 'client-secret-value',
  password: 'payment-password-value',
};

function problemsOf(options: unknown): string {
  try {
    resolveSingapayOptions(options as SingapayModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(SingapayConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('resolveSingapayOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveSingapayOptions(valid);
    expect(o).toMatchObject({
      environment: 'sandbox',
      baseUrl: 'https://sandbox-biller-b2b.singapay.id',
      apiVersion: 'v2',
      timeoutMs: 30_000,
      tokenRefreshBufferMs: 60_000,
      clientId: 'client-id-value',
    });
    expect(resolveSingapayOptions({ ...valid, environment: 'production' }).baseUrl).toBe('https://biller-b2b.singapay.id');
  });

  it("refuses Singapay's production host outside production, however it is written", () => {
    for (const environment of [undefined, 'sandbox', 'development']) {
      for (const baseUrl of [
        'https://biller-b2b.singapay.id/',
        'https://BILLER-B2B.singapay.id.',
        'https://biller-b2b.singapay.id:443/x',
      ]) {
        expect(problemsOf({ ...valid, environment, baseUrl } as SingapayModuleOptions)).toContain(
          "baseUrl (SINGAPAY_BASE_URL) is Singapay's production host: set environment (SINGAPAY_ENV) to 'production'",
        );
      }
    }
    expect(resolveSingapayOptions({ ...valid, environment: 'production', baseUrl: 'http://127.0.0.1:4010' }).baseUrl).toBe(
      'http://127.0.0.1:4010',
    );
    expect(resolveSingapayOptions({ ...valid, baseUrl: 'http://simulator:4010' }).baseUrl).toBe('http://simulator:4010');
  });

  it("reads 'development' as sandbox and strips a trailing slash from baseUrl", () => {
    const o = resolveSingapayOptions({ ...valid, environment: 'development', baseUrl: 'http://127.0.0.1:4010/' });
    expect(o.environment).toBe('sandbox');
    expect(o.baseUrl).toBe('http://127.0.0.1:4010');
  });

  it('names every missing field with its environment variable, and no value', () => {
    const message = problemsOf({ clientId: 'client-id-value' });
    expect(message).toContain('apiKey (SINGAPAY_API_KEY) is missing');
    expect(message).toContain('clientSecret (SINGAPAY_CLIENT_SECRET) is missing');
    expect(message).toContain('password (SINGAPAY_PASSWORD) is missing');
    expect(message).not.toContain('clientId (');
  });

  it.each([
    [{ environment: 'staging' }, 'environment (SINGAPAY_ENV)'],
    [{ apiVersion: 'v3' }, 'apiVersion (SINGAPAY_API_VERSION)'],
    [{ timeoutMs: 0 }, 'timeoutMs (SINGAPAY_TIMEOUT_MS)'],
    [{ timeoutMs: Number.NaN }, 'timeoutMs (SINGAPAY_TIMEOUT_MS)'],
    [{ baseUrl: 'ftp://example.com' }, 'baseUrl (SINGAPAY_BASE_URL)'],
    [{ baseUrl: 'https://user:pw@example.com' }, 'baseUrl (SINGAPAY_BASE_URL)'],
    [{ clientId: 'has:colon' }, "must not contain ':'"],
    [{ clientSecret: ' padded ' }, 'clientSecret (SINGAPAY_CLIENT_SECRET) has leading/trailing spaces'],
    [{ httpStatusOverrides: { '17': 200 } }, "httpStatusOverrides['17']"],
    [{ tokenStore: { get: () => undefined } }, 'tokenStore must implement'],
    [{ databaseUrl: 'mysql://user:pw@host/db' }, 'databaseUrl (SINGAPAY_DATABASE_URL) must be a postgres:// or postgresql:// URL'],
    [{ databaseUrl: 'not a url' }, 'databaseUrl (SINGAPAY_DATABASE_URL)'],
    [{ paymentStore: 'redis' }, "paymentStore (SINGAPAY_PAYMENT_STORE) must be a SingapayPaymentStore or 'memory'"],
    [
      { databaseUrl: 'postgres://app:secret@db:99999/shop' },
      'databaseUrl (SINGAPAY_DATABASE_URL) is not a valid URL: check its host and port',
    ],
    [{ redisUrl: 'redis://cache:70000' }, 'redisUrl (SINGAPAY_REDIS_URL) is not a valid URL: check its host and port'],
    [{ paymentNotFoundAfterMs: 1_000 }, 'paymentNotFoundAfterMs must be at least timeoutMs (SINGAPAY_TIMEOUT_MS), which is 30000'],
    [
      { timeoutMs: 60_000, paymentNotFoundAfterMs: 59_999 },
      'paymentNotFoundAfterMs must be at least timeoutMs (SINGAPAY_TIMEOUT_MS), which is 60000',
    ],
  ])('refuses %j naming the field', (patch, expected) => {
    expect(problemsOf({ ...valid, ...patch })).toContain(expected);
  });

  it('takes a not-found horizon as short as the send timeout, no shorter', () => {
    expect(resolveSingapayOptions({ ...valid, timeoutMs: 1_000, paymentNotFoundAfterMs: 1_000 }).paymentNotFoundAfterMs).toBe(1_000);
    // A timeout refused for itself is not weighed against the horizon as well.
    expect(problemsOf({ ...valid, timeoutMs: 0, paymentNotFoundAfterMs: 5_000 })).not.toContain('paymentNotFoundAfterMs');
  });

  it('never prints a secret, even when a secret is malformed', () => {
    const message = problemsOf({ ...valid, clientSecret: ' secret-with-space ', password: 42, timeoutMs: -1 });
    expect(message).not.toContain('secret-with-space');
    expect(message).not.toContain('42');
    const o = resolveSingapayOptions(valid);
    const printed = `${inspect(o, { depth: 5 })} ${JSON.stringify(o)} ${String(o.password)}`;
    for (const secret of ['client-secret-value', 'payment-password-value', 'api-key-value']) {
      expect(printed).not.toContain(secret);
    }
    expect(o.clientSecret.reveal()).toBe('client-secret-value');
  });
});

describe('databaseUrl and paymentStore', () => {
  it("keeps the database URL wrapped, and reads 'memory' as the in-memory store asked for by name", () => {
    const o = resolveSingapayOptions({ ...valid, databaseUrl: 'postgresql://app:db-pa55-word@db:5432/shop', paymentStore: 'memory' });
    expect(o.databaseUrl?.reveal()).toBe('postgresql://app:db-pa55-word@db:5432/shop');
    expect(`${inspect(o, { depth: 5 })} ${JSON.stringify(o)}`).not.toContain('db-pa55-word');
    expect(o.paymentStore).toBe('memory');
    expect(resolveSingapayOptions({ ...valid, paymentStore: ' Memory ' as never }).paymentStore).toBe('memory');
    expect(resolveSingapayOptions(valid)).not.toHaveProperty('databaseUrl');
    expect(problemsOf({ ...valid, databaseUrl: 'mysql://app:db-pa55-word@db/shop' })).not.toContain('db-pa55-word');
  });

  it('reads SINGAPAY_DATABASE_URL and SINGAPAY_PAYMENT_STORE', () => {
    expect(readSingapayOptionsFromEnv({ SINGAPAY_DATABASE_URL: ' postgres://a@b/c ', SINGAPAY_PAYMENT_STORE: 'memory' })).toMatchObject({
      databaseUrl: 'postgres://a@b/c',
      paymentStore: 'memory',
    });
  });
});

describe('readSingapayOptionsFromEnv', () => {
  it('maps SINGAPAY_* variables, leaving unset ones out', () => {
    expect(
      readSingapayOptionsFromEnv({
        SINGAPAY_ENV: 'development',
        SINGAPAY_API_KEY: 'k',
        SINGAPAY_CLIENT_ID: 'id',
        SINGAPAY_CLIENT_SECRET: 's',
        SINGAPAY_PASSWORD: 'p',
        SINGAPAY_TIMEOUT_MS: '5000',
        SINGAPAY_API_VERSION: 'v1',
      }),
    ).toEqual({
      environment: 'development',
      apiKey: 'k',
      clientId: 'id',
      clientSecret: 's',
      password: 'p',
      timeoutMs: 5000,
      apiVersion: 'v1',
    });
  });

  it('turns an unparsable number into a validation error naming the variable', () => {
    const options = readSingapayOptionsFromEnv({
      SINGAPAY_API_KEY: 'k',
      SINGAPAY_CLIENT_ID: 'i',
      SINGAPAY_CLIENT_SECRET: 's',
      SINGAPAY_PASSWORD: 'p',
      SINGAPAY_TIMEOUT_MS: '30s',
    });
    expect(() => resolveSingapayOptions(options)).toThrow(/timeoutMs \(SINGAPAY_TIMEOUT_MS\)/);
  });
});
