import { Logger, ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SINGAPAY_ENV_VARS, SingapayConfigurationError, SingapayInputShapePipe } from '@app/singapay';
import { SingapayInMemoryPaymentStore, SingapayPaymentStore } from '@app/singapay/stores/index.js';
import { SingapaySimulator } from '@app/singapay-simulator';
import { AppModule } from './app.module.js';
import { SAMPLE_API_KEY_VAR, SAMPLE_SIMULATOR_API_KEY } from './auth/sample-guards.js';
import { setupSampleDocs } from './docs/sample-docs.js';
import { startSampleTelemetry } from './telemetry/sample-telemetry.js';

const CREDENTIAL_VARS = [
  SINGAPAY_ENV_VARS.apiKey,
  SINGAPAY_ENV_VARS.clientId,
  SINGAPAY_ENV_VARS.clientSecret,
  SINGAPAY_ENV_VARS.password,
] as const;

export interface SampleApp {
  app: INestApplication;
  /** The in-process simulator, when no credentials were configured. */
  simulator?: SingapaySimulator;
  close(): Promise<void>;
}

/**
 * With no `SINGAPAY_*` credentials at all, starts the simulator in this
 * process and points the module at it through the environment, so the same
 * `singapayConfig` path runs as in production. Partial credentials are not
 * completed: the module then names what is missing. In production
 * (`SINGAPAY_ENV=production`, or `NODE_ENV=production` with `SINGAPAY_ENV` unset)
 * missing credentials stop the start-up instead.
 */
export async function startSimulatorIfUnconfigured(
  env: NodeJS.ProcessEnv,
  logger: Logger,
  appPort: number,
): Promise<SingapaySimulator | undefined> {
  if (CREDENTIAL_VARS.some((name) => env[name]?.trim())) return undefined;
  // Secrets that failed to load in production must stop the app, never send it to a simulator
  // that takes orders nobody pays: the simulator is for sandbox and development only.
  const environment = env[SINGAPAY_ENV_VARS.environment]?.trim().toLowerCase() || undefined;
  // A misspelt environment (prod, live) is no permission for the simulator: said, not guessed.
  if (environment !== undefined && !['sandbox', 'development', 'production'].includes(environment)) {
    throw new SingapayConfigurationError([`${SINGAPAY_ENV_VARS.environment} must be 'sandbox' (or 'development') or 'production'`]);
  }
  const production = environment === 'production' || (environment === undefined && env.NODE_ENV?.trim().toLowerCase() === 'production');
  if (production) {
    throw new SingapayConfigurationError([
      `${environment === 'production' ? `${SINGAPAY_ENV_VARS.environment} is production` : 'NODE_ENV is production'} but no Singapay credentials are set: ` +
        `set ${CREDENTIAL_VARS.join(', ')} (the built-in simulator runs only with ${SINGAPAY_ENV_VARS.environment}=sandbox or development, or unset outside production)`,
    ]);
  }
  const simulator = await SingapaySimulator.start({
    port: Number(env.SIMULATOR_PORT ?? 0),
    // The simulator reports settlements to this app's callback receiver, as Singapay would; with
    // PORT=0 the app's port is not known yet, and settlements are learnt by lookups alone.
    ...(appPort > 0 ? { callbackUrl: `http://127.0.0.1:${appPort}/singapay/callback` } : {}),
  });
  env[SINGAPAY_ENV_VARS.environment] = 'sandbox';
  env[SINGAPAY_ENV_VARS.baseUrl] = simulator.baseUrl;
  env[SINGAPAY_ENV_VARS.apiKey] = simulator.credentials.apiKey;
  env[SINGAPAY_ENV_VARS.clientId] = simulator.credentials.clientId;
  env[SINGAPAY_ENV_VARS.clientSecret] = simulator.credentials.clientSecret;
  env[SINGAPAY_ENV_VARS.password] = simulator.credentials.password;
  logger.warn(`No SINGAPAY_* credentials set: using the built-in Singapay simulator at ${simulator.baseUrl} (no real money moves)`);
  if (!env[SAMPLE_API_KEY_VAR]?.trim()) {
    env[SAMPLE_API_KEY_VAR] = SAMPLE_SIMULATOR_API_KEY;
    logger.log(
      `The API takes X-Api-Key: ${SAMPLE_SIMULATOR_API_KEY} (the simulator's key; set ${SAMPLE_API_KEY_VAR} with real credentials)`,
    );
  }
  return simulator;
}

/** Pipes, API docs (/docs, /docs-json) and shutdown hooks shared by `main.ts` and the tests. */
export function configureSampleApp(app: INestApplication): INestApplication {
  // The shape pipe first: class-transformer (transform: true) would recurse into a body nested thousands of levels deep.
  app.useGlobalPipes(new SingapayInputShapePipe(), new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  setupSampleDocs(app);
  app.enableShutdownHooks();
  return app;
}

/** Builds the sample app from `process.env`, which `singapayConfig` reads too; `port` is where it will listen. */
export async function createSampleApp(logger = new Logger('Sample'), port = Number(process.env.PORT ?? 3000)): Promise<SampleApp> {
  // Before Nest creates the app: the module binds its meter to the SDK registered by then.
  const stopTelemetry = await startSampleTelemetry(process.env, logger);
  const simulator = await startSimulatorIfUnconfigured(process.env, logger, port);
  try {
    const app = configureSampleApp(await NestFactory.create(AppModule, { abortOnError: false }));
    // Where the module chose to keep records (SINGAPAY_PAYMENT_STORE=memory wins over the URLs): asked of it, not guessed.
    const memory = app.get<unknown>(SingapayPaymentStore) instanceof SingapayInMemoryPaymentStore;
    const database = Boolean(process.env[SINGAPAY_ENV_VARS.databaseUrl]?.trim());
    const token = process.env[SINGAPAY_ENV_VARS.redisUrl]?.trim() ? 'in Redis (SINGAPAY_REDIS_URL)' : 'in memory';
    logger.log(
      memory
        ? `Payment records are kept in memory: a restart forgets them; set SINGAPAY_DATABASE_URL to keep payments in PostgreSQL. The access token ${token}`
        : database
          ? `Payment records are kept in PostgreSQL (SINGAPAY_DATABASE_URL; the schema is checked at start-up), the access token ${token}`
          : 'Payment records and the access token are shared through Redis (SINGAPAY_REDIS_URL)',
    );
    const apiKey = process.env[SAMPLE_API_KEY_VAR]?.trim() ?? '';
    const weak = !simulator && (apiKey.length < 16 || apiKey === SAMPLE_SIMULATOR_API_KEY);
    if (!apiKey || weak) {
      await app.close();
      throw new SingapayConfigurationError([
        `${SAMPLE_API_KEY_VAR} is ${apiKey ? "too weak (at least 16 characters, and not the simulator's key)" : 'missing'}: ` +
          "the sample's routes move money and show payments, and must not be open to whoever reaches this port; set it to a long random key that callers send as X-Api-Key",
      ]);
    }
    return {
      app,
      ...(simulator ? { simulator } : {}),
      close: async () => {
        await app.close();
        await simulator?.stop();
        await stopTelemetry?.();
      },
    };
  } catch (error) {
    await simulator?.stop();
    await stopTelemetry?.();
    throw error;
  }
}
