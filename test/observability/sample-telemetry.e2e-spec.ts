/**
 * The sample app with `OTEL_EXPORTER=console`: it registers the OpenTelemetry SDK before
 * Nest starts, and the module's spans and metrics come out of the SDK's console exporters.
 */
import request from 'supertest';
import { Logger } from '@nestjs/common';
import { SINGAPAY_TELEMETRY_NAMES } from '@app/singapay';
import { startSampleTelemetry } from '../../apps/sample/src/telemetry/sample-telemetry.js';
import { capturedLogLines } from '../support/log-capture.js';
import { clearSingapayEnv, SAMPLE_KEY, startSampleOnSimulator } from '../support/sample-testing.js';

const { spans: S, metrics: M, attributes: A } = SINGAPAY_TELEMETRY_NAMES;

describe('sample app: OTEL_EXPORTER=console', () => {
  afterEach(() => {
    delete process.env.OTEL_EXPORTER;
    clearSingapayEnv();
    vi.restoreAllMocks();
  });

  it('prints the spans of its Singapay calls as they end, and the metrics when it closes', async () => {
    // The SDK's console exporters print with console.dir; keep the test output clean and read them.
    const printed: Record<string, unknown>[] = [];
    vi.spyOn(console, 'dir').mockImplementation((item: unknown) => void printed.push(item as Record<string, unknown>));
    process.env.OTEL_EXPORTER = 'console';
    const { sample } = await startSampleOnSimulator();
    try {
      expect(capturedLogLines.some((l) => l.includes('OpenTelemetry: spans and metrics are printed to the console'))).toBe(true);
      await request(sample.app.getHttpServer()).get('/balance').set('X-Api-Key', SAMPLE_KEY).expect(200);
      const span = printed.find((p) => p.name === `${S.callPrefix}checkBalance`);
      expect(span?.attributes).toMatchObject({ [A.operation]: 'checkBalance', [A.responseCode]: '00' });
      expect(span?.instrumentationScope).toMatchObject({ name: SINGAPAY_TELEMETRY_NAMES.scope });
    } finally {
      await sample.close();
    }
    const calls = printed.find((p) => (p.descriptor as { name?: string } | undefined)?.name === M.calls);
    expect(calls?.dataPoints).toEqual([
      expect.objectContaining({ attributes: expect.objectContaining({ [A.operation]: 'checkBalance' }) }),
    ]);
  });

  it('says so and registers nothing for an exporter it does not have', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(await startSampleTelemetry({ OTEL_EXPORTER: 'otlp' }, new Logger('Sample'))).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('register your own OpenTelemetry SDK before Nest starts'));
    expect(await startSampleTelemetry({}, new Logger('Sample'))).toBeUndefined();
  });
});
