/*
 * Bodies nested thousands of levels deep cost nothing: the sample app (the module's DTOs under
 * the ValidationPipe the README recommends, behind SingapayInputShapePipe) answers each with a
 * 400, and a burst of them does not stall the event loop. Over real HTTP, in this process, so
 * that the loop measured is the app's.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BadRequestException, Logger } from '@nestjs/common';
import { SingapayInputShapePipe } from '@app/singapay';
import type { SampleApp } from '../../apps/sample/src/sample-bootstrap.js';
import { clearSingapayEnv, SAMPLE_KEY, startSampleOnSimulator } from '../support/sample-testing.js';

/** `{"extra":{"a":{"a":…}}}` about `bytes` long: some 12,000 levels in 90 KB. */
function nestedBody(fields: Record<string, unknown>, bytes: number): string {
  const levels = Math.floor(bytes / 7);
  const inner = `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
  return `${JSON.stringify(fields).slice(0, -1)},"extra":${inner}}`;
}

describe('hostile bodies: deep nesting is refused before class-transformer walks it', () => {
  let sample: SampleApp;
  let baseUrl: string;

  beforeAll(async () => {
    ({ sample, baseUrl } = await startSampleOnSimulator());
  });
  afterAll(async () => {
    await sample.close();
    clearSingapayEnv();
  });

  it('the pipe refuses depth and size past its limits, and passes what is within them untouched', () => {
    const pipe = new SingapayInputShapePipe({ maxDepth: 3, maxValues: 5 });
    const ok = { a: { b: { c: 1 } } };
    expect(pipe.transform(ok)).toBe(ok);
    expect(() => pipe.transform({ a: { b: { c: { d: 1 } } } })).toThrow(BadRequestException);
    expect(() => pipe.transform({ a: [1, 2, 3, 4, 5, 6] })).toThrow(/too many values \(more than 5\)/);
    expect(() => new SingapayInputShapePipe().transform(JSON.parse(nestedBody({ x: 1 }, 90_000)))).toThrow(
      /nested too deeply \(more than 32 levels\)/,
    );
    expect(pipe.transform('plain')).toBe('plain');
    // An upload or a raw body is bytes, not JSON: left alone, never walked byte by byte.
    const upload = { originalname: 'bill.pdf', buffer: Buffer.alloc(200_000) };
    expect(pipe.transform(Buffer.alloc(200_000)).length).toBe(200_000);
    expect(new SingapayInputShapePipe({ maxValues: 10 }).transform(upload)).toBe(upload);
    // A limit read from an unset setting takes its default; one that is no count is refused, never a pipe that lets all through.
    expect(() => new SingapayInputShapePipe({ maxDepth: undefined }).transform(JSON.parse(nestedBody({ x: 1 }, 5_000)))).toThrow(
      /more than 32 levels/,
    );
    for (const maxDepth of [Number.NaN, -1, 0, 1.5])
      expect(() => new SingapayInputShapePipe({ maxDepth })).toThrow(/maxDepth must be an integer/);
    expect(new SingapayInputShapePipe({ maxValues: Number.POSITIVE_INFINITY }).transform({ a: [1, 2, 3] })).toEqual({ a: [1, 2, 3] });
  });

  it('a burst of 200 bodies of 90 KB nested 12,000 levels: each a 400, and the event loop stays free', async () => {
    const bodies = [
      ['/bills/pay', nestedBody({ command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '081234567891' }, 90_000)],
      ['/bills/inquiry', nestedBody({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064' }, 90_000)],
    ] as const;
    const paymentsBefore = sample.simulator!.stats().paymentsReceived;
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const [path, body] = bodies[i % 2]!;
        return fetch(`${baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `hostile-${i}`, 'x-api-key': SAMPLE_KEY },
          body,
        }).then(async (res) => ({ status: res.status, body: (await res.json()) as { message?: unknown } }));
      }),
    );
    delay.disable();
    const maxMs = delay.max / 1e6;
    new Logger('HostileBodies').log(
      `event-loop delay under the burst: p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${maxMs.toFixed(1)} ms`,
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([400]));
    expect(String(answers[0]!.body.message)).toMatch(/nested too deeply/);
    expect(sample.simulator!.stats().paymentsReceived).toBe(paymentsBefore);
    // Before the pipe, 200 such bodies held the loop for 24 s; this bound is generous for a loaded CI machine.
    expect(maxMs).toBeLessThan(2_000);
  }, 60_000);
});
