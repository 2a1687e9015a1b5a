// The closed loop every throughput measurement uses: N callers, each making its next call
// when its last one answered, for a fixed time; what it cost the event loop and the process.
import { LatencyRecorder } from './bench-stats.js';

export interface ThroughputResult {
  calls: number;
  failures: number;
  firstError?: string;
  callsPerSecond: number;
  p50: number;
  p99: number;
  /** CPU this process spent per successful call (user + system), in microseconds: less sensitive to a busy machine than calls/s. */
  cpuMicrosPerCall: number;
  /** Time the event loop (the one thread all calls share) was busy, per call, in microseconds: what caps calls/s. */
  loopMicrosPerCall: number;
  /** Monotonic clock (µs, the clock of V8's CPU profiles) at the start and end of the run, to cut a profile to it. */
  window: [number, number];
}

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** `concurrency` callers in a loop until `durationMs` has passed, as an app under steady load would be. */
export async function drive(call: () => Promise<unknown>, concurrency: number, durationMs: number): Promise<ThroughputResult> {
  const latencies = new LatencyRecorder();
  let failures = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const loopAtStart = performance.eventLoopUtilization();
  const windowStart = monotonicMicros();
  const end = started + durationMs;
  const caller = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await call();
        latencies.record(performance.now() - t0);
      } catch (error) {
        failures++;
        firstError ??= describe(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  const loop = performance.eventLoopUtilization(loopAtStart);
  const { p50, p99 } = latencies.summary();
  return {
    calls: latencies.count,
    failures,
    ...(firstError ? { firstError } : {}),
    callsPerSecond: (latencies.count / elapsed) * 1000,
    p50,
    p99,
    cpuMicrosPerCall: (cpu.user + cpu.system) / Math.max(1, latencies.count),
    loopMicrosPerCall: (loop.active * 1000) / Math.max(1, latencies.count),
    window: [windowStart, monotonicMicros()],
  };
}
