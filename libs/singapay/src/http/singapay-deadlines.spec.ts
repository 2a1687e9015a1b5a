import { describe, expect, it } from 'vitest';
import { SINGAPAY_DEADLINE_SLOT_MS, SingapayDeadlines } from './singapay-deadlines.js';

function abortedAt(signal: AbortSignal): Promise<number> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(performance.now()), { once: true }));
}

describe('SingapayDeadlines', () => {
  it('gives requests whose deadlines fall in one slot the same signal, and later deadlines another', () => {
    const deadlines = new SingapayDeadlines();
    const first = deadlines.signal(30_000);
    expect(deadlines.signal(30_000)).toBe(first);
    expect(deadlines.signal(30_000 + 10 * SINGAPAY_DEADLINE_SLOT_MS)).not.toBe(first);
    expect(first.aborted).toBe(false);
  });

  it('never fires early, fires as a timeout, and a fired slot is not handed out again', async () => {
    const deadlines = new SingapayDeadlines();
    const started = performance.now();
    const signal = deadlines.signal(60);
    const at = await abortedAt(signal);
    expect(at - started).toBeGreaterThanOrEqual(60);
    // Generous: a loaded CI machine delays timers, but not by seconds.
    expect(at - started).toBeLessThan(2_000);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
    const next = deadlines.signal(60);
    expect(next).not.toBe(signal);
    expect(next.aborted).toBe(false);
  });

  it('lets many requests listen to one slot without a listener-leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const signal = new SingapayDeadlines().signal(30_000);
      for (let i = 0; i < 100; i++) signal.addEventListener('abort', () => undefined);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
