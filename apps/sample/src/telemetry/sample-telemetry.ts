import type { Logger } from '@nestjs/common';

/** Sample-app settings of OpenTelemetry, from the environment. */
export const SAMPLE_OTEL_ENV = {
  /** `console` prints spans and metrics (the SDK's console exporters); unset or `none`: nothing is registered. */
  exporter: 'OTEL_EXPORTER',
  /** How often metrics are exported, in milliseconds (the SDK's standard variable). */
  metricInterval: 'OTEL_METRIC_EXPORT_INTERVAL',
} as const;

/**
 * Registers the OpenTelemetry SDK with `@opentelemetry/api` when `OTEL_EXPORTER=console`,
 * before Nest creates the app, which is all the module needs: it traces and measures
 * through whatever SDK is registered globally (yours: NodeSDK with an OTLP exporter, say).
 * The SDK packages are dev dependencies of this repository, loaded only when asked for.
 * Returns what flushes and unregisters it, or undefined when nothing was registered.
 */
export async function startSampleTelemetry(env: NodeJS.ProcessEnv, logger: Logger): Promise<(() => Promise<void>) | undefined> {
  const exporter = env[SAMPLE_OTEL_ENV.exporter]?.trim().toLowerCase();
  if (!exporter || exporter === 'none') return undefined;
  if (exporter !== 'console') {
    logger.warn(
      `${SAMPLE_OTEL_ENV.exporter}=${exporter} is not available in the sample app (console or none): register your own OpenTelemetry SDK before Nest starts, see the README`,
    );
    return undefined;
  }
  const [{ metrics, trace }, traces, meters] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/sdk-metrics'),
  ]);
  const interval = Number(env[SAMPLE_OTEL_ENV.metricInterval] ?? 60_000);
  const tracerProvider = new traces.BasicTracerProvider({
    spanProcessors: [new traces.SimpleSpanProcessor(new traces.ConsoleSpanExporter())],
  });
  const meterProvider = new meters.MeterProvider({
    readers: [
      new meters.PeriodicExportingMetricReader({
        exporter: new meters.ConsoleMetricExporter(),
        exportIntervalMillis: Number.isInteger(interval) && interval > 0 ? interval : 60_000,
      }),
    ],
  });
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  logger.log(`OpenTelemetry: spans and metrics are printed to the console (${SAMPLE_OTEL_ENV.exporter}=console)`);
  return async () => {
    // Shutting down exports what is left (the last metrics) before unregistering.
    await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
    trace.disable();
    metrics.disable();
  };
}
