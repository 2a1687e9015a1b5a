import { metrics, trace, type Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SINGAPAY_TELEMETRY_NAMES } from '@app/singapay';

/**
 * The OpenTelemetry SDK as an app would register it, with in-memory exporters: every
 * span as it ends, metrics on demand (`collect()`, cumulative). Register it before the
 * Nest module is created, as the README says; `stop()` unregisters it, so a later test
 * in the same file starts from the API's no-op providers. (Vitest runs each file in a
 * fork of its own, so the globals never cross files.)
 */
export class OtelTestSdk {
  readonly spans = new InMemorySpanExporter();
  private readonly metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  private readonly reader = new PeriodicExportingMetricReader({ exporter: this.metricExporter, exportIntervalMillis: 3_600_000 });
  private readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.spans)] });
  private readonly meterProvider = new MeterProvider({ readers: [this.reader] });

  start(): this {
    if (!trace.setGlobalTracerProvider(this.tracerProvider) || !metrics.setGlobalMeterProvider(this.meterProvider)) {
      throw new Error('an OpenTelemetry provider was already registered in this process');
    }
    return this;
  }

  private stopped = false;

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    trace.disable();
    metrics.disable();
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
  }

  /** The module's spans that ended so far. */
  finished(): ReadableSpan[] {
    return this.spans.getFinishedSpans().filter((s) => s.instrumentationScope.name === SINGAPAY_TELEMETRY_NAMES.scope);
  }

  /** Every metric of the module's scope, as the SDK exports them now. */
  async collect(): Promise<MetricData[]> {
    this.metricExporter.reset();
    await this.reader.forceFlush();
    return (this.metricExporter.getMetrics()[0]?.scopeMetrics ?? [])
      .filter((s) => s.scope.name === SINGAPAY_TELEMETRY_NAMES.scope)
      .flatMap((s) => s.metrics);
  }

  /** Everything exported, spans and metrics, resource and scope included, as plain JSON. */
  async exportedText(): Promise<string> {
    const spans = this.spans.getFinishedSpans().map((s) => ({
      name: s.name,
      kind: s.kind,
      attributes: s.attributes,
      events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
      status: s.status,
      links: s.links,
      resource: s.resource.attributes,
      scope: s.instrumentationScope,
    }));
    this.metricExporter.reset();
    await this.reader.forceFlush();
    return JSON.stringify({ spans, metrics: this.metricExporter.getMetrics() });
  }
}

/** Whether `attributes` has every one of `expected`. */
export function hasAttributes(attributes: Attributes, expected: Attributes): boolean {
  return Object.entries(expected).every(([name, value]) => attributes[name] === value);
}

/** The data points of metric `name` whose attributes include `where`. */
export function points(all: MetricData[], name: string, where: Attributes = {}) {
  const metric = all.find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []).filter((p) => hasAttributes(p.attributes, where)) as { attributes: Attributes; value: unknown }[];
}

/** The sum of a counter's points whose attributes include `where`. */
export function counted(all: MetricData[], name: string, where: Attributes = {}): number {
  return points(all, name, where).reduce((sum, p) => sum + (p.value as number), 0);
}
