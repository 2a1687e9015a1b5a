import { Logger, type Provider } from '@nestjs/common';
import { SINGAPAY_INSTANCE_NAME, SINGAPAY_LOGGER_CONTEXT } from '../singapay.constants.js';
import { SingapayTelemetry } from './singapay-telemetry.service.js';

// Loaded only here, at start-up, so that the optional peer is never required by a plain import.
const loadOpenTelemetryApi = (): Promise<object> => import('@opentelemetry/api');

/**
 * The registration's telemetry: OpenTelemetry when `@opentelemetry/api` can be loaded
 * and looks like the 1.x API, otherwise a no-op that changes nothing else.
 */
export async function createSingapayTelemetry(registration: string, load = loadOpenTelemetryApi): Promise<SingapayTelemetry> {
  const logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  let api: Record<string, Record<string, unknown> | undefined>;
  try {
    api = (await load()) as typeof api;
  } catch (error) {
    // Not installed is the usual case, said in the README: no line for it. Anything else is a broken install.
    const code = (error as { code?: unknown } | undefined)?.code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') {
      logger.warn(
        `@opentelemetry/api could not be loaded (${String(code ?? (error as Error | undefined)?.name ?? 'error')}): no spans or metrics`,
      );
    }
    return new SingapayTelemetry(undefined, registration);
  }
  if (![api.trace?.getTracer, api.metrics?.getMeter, api.context?.with].every((method) => typeof method === 'function')) {
    logger.warn('@opentelemetry/api is installed but is not the 1.x API this module needs (^1.9): no spans or metrics');
    return new SingapayTelemetry(undefined, registration);
  }
  logger.log('spans and metrics go to the OpenTelemetry SDK registered with @opentelemetry/api (no-op without one)');
  return new SingapayTelemetry(api, registration);
}

/** The provider of `SingapayModule`: one telemetry per registration. */
export const SINGAPAY_TELEMETRY_PROVIDER: Provider = {
  provide: SingapayTelemetry,
  useFactory: (name: string) => createSingapayTelemetry(name),
  inject: [SINGAPAY_INSTANCE_NAME],
};
