/** Small statistics helpers: latency samples in milliseconds, medians over rounds. */

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  // Nearest-rank, so p99 of 100 samples is the 99th, never an interpolated value no call had.
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return NaN;
  return percentile(Float64Array.from(finite).sort(), 50);
}

/** Latencies of one run, kept in a growable typed array so recording costs no allocation per call. */
export class LatencyRecorder {
  private samples = new Float64Array(1 << 14);
  private size = 0;

  record(ms: number): void {
    if (this.size === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.size++] = ms;
  }

  get count(): number {
    return this.size;
  }

  summary(): { p50: number; p99: number } {
    const sorted = this.samples.slice(0, this.size).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  }
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** High-resolution wall clock in epoch milliseconds, comparable across processes on one machine. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
