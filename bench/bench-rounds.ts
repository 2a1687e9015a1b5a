// Interleaved rounds: every variant runs every cell once per round, in an order that rotates
// from round to round, so a slow moment of the machine lands on all variants alike.
import { say } from './bench-config.js';
import type { ThroughputResult } from './bench-drive.js';
import type { CellSummary } from './bench-results.js';
import { median } from './bench-stats.js';

export function summarise(list: readonly ThroughputResult[]): CellSummary {
  return {
    callsPerSecond: median(list.map((r) => r.callsPerSecond)),
    p50Ms: median(list.map((r) => r.p50)),
    p99Ms: median(list.map((r) => r.p99)),
    cpuMicrosPerCall: median(list.map((r) => r.cpuMicrosPerCall)),
    loopMicrosPerCall: median(list.map((r) => r.loopMicrosPerCall)),
    failures: list.reduce((n, r) => n + r.failures, 0),
    rounds: list.length,
  };
}

export interface InterleaveSpec<V extends string, C, R extends ThroughputResult> {
  rounds: number;
  variants: readonly V[];
  cells: readonly C[];
  run: (variant: V, cell: C) => Promise<R>;
  /** Rounds of one cell, when some cells need more than `rounds` (the ones a target is judged on). */
  roundsOf?: (cell: C) => number;
  /** Names a cell in the line printed when calls fail. */
  label: (cell: C) => string;
}

/** Runs `spec.rounds` rounds and returns every sample by variant and cell. */
export async function interleave<V extends string, C, R extends ThroughputResult>(
  spec: InterleaveSpec<V, C, R>,
): Promise<(variant: V, cell: C) => R[]> {
  const samples = new Map<V, Map<C, R[]>>(spec.variants.map((v) => [v, new Map()]));
  const roundsOf = spec.roundsOf ?? (() => spec.rounds);
  const total = Math.max(...spec.cells.map(roundsOf));
  for (let round = 0; round < total; round++) {
    // Rotate the order each round, so no variant always runs first (or right after the heaviest one).
    const variants = spec.variants.map((_, i) => spec.variants[(i + round) % spec.variants.length]);
    for (const cell of spec.cells) {
      if (round >= roundsOf(cell)) continue;
      for (const variant of variants) {
        const r = await spec.run(variant, cell);
        if (r.failures > 0) say(`  ! ${variant} ${spec.label(cell)}: ${r.failures} failed calls (${r.firstError})`);
        const byCell = samples.get(variant)!;
        byCell.set(cell, [...(byCell.get(cell) ?? []), r]);
      }
    }
    say(`  round ${round + 1}/${total} done`);
  }
  return (variant, cell) => samples.get(variant)?.get(cell) ?? [];
}

/**
 * The median over rounds of one variant's calls/s over another's in the same round. The two
 * ran back to back, so a slow stretch of the machine (seconds long on a shared VM) lands on
 * both; a ratio of two medians taken over different moments does not cancel it.
 */
export function pairedRatio(numerator: readonly ThroughputResult[], denominator: readonly ThroughputResult[]): number {
  return median(numerator.map((r, i) => r.callsPerSecond / denominator[i].callsPerSecond));
}
