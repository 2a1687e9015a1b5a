// The shape of bench/results.json: what each section measured. A focused run (`--only=`)
// fills in only the sections it ran.
import type { ScaleReportResult, ScaleSweepResult } from './scale-worker.js';
import type { Operation, Variant } from './bench-clients.js';
import type { BurstMode, MemoryPoint } from './client-worker.js';
import type { PaymentVariant, StoreTally } from './payment-clients.js';

/** One cell's rounds, reduced to medians. */
export interface CellSummary {
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerCall: number;
  loopMicrosPerCall: number;
  failures: number;
  rounds: number;
}

export interface ThroughputCell extends CellSummary {
  operation: Operation;
  concurrency: number;
  variant: Variant;
}

/** One run of section 1 (with `--repeat=N`, one of N). */
export interface ThroughputRun {
  cells: ThroughputCell[];
  /** Module calls/s over axios calls/s, the median over rounds of each round's ratio (`pairedRatio`). */
  moduleToAxios?: { operation: Operation; concurrency: number; ratio: number }[];
  /** What the upstream saw during the measured rounds. */
  upstream: { requests: number; connections: number; tokenRequests: number };
  loadAverageAtEnd: number[];
}

export interface UpstreamProbeRow {
  upstream: 'minimal' | 'simulator';
  operation: Operation;
  callsPerSecond: number;
  upstreamCpuMicrosPerCall: number;
}

export interface BurstRow {
  variant: 'module' | 'axios';
  mode: BurstMode;
  size: number;
  ms: number;
  tokenRequestsPerRound: number[];
  connectionsPerRound: number[];
  failures: number;
}

export interface RotationResults {
  tokenLifetimeSeconds: number;
  durationMs: number;
  concurrency: number;
  calls: number;
  failedCalls: number;
  firstError?: string;
  tokenRequests: number;
  refusedByUpstream: number;
  replayedRequests: number;
  callsDuringRotation: number;
  callsOutsideRotation: number;
  p99DuringMs: number;
  p99OutsideMs: number;
  p99Ratio: number;
  maxDuringMs: number;
  window: string;
}

export interface SimulatorRotationResults {
  calls: number;
  failedCalls: number;
  firstError?: string;
  tokenRequests: number;
  replayedRequests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface AppRow {
  app: 'sample' | 'bare';
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

export interface PaymentCell extends CellSummary {
  variant: PaymentVariant;
  concurrency: number;
  /** pay() calls made in the measured rounds of this cell, failed ones included. */
  payments: number;
  /** Store work per payment in this cell, counted in the load client (see `StoreTally`). */
  perPayment: StoreTally;
}

export interface PaymentsResults {
  product: { command: string; productCode: string; answerCode: string };
  cells: PaymentCell[];
  /** Variants not run, and why (a server binary missing, a server that would not start). */
  skipped: { variant: PaymentVariant; reason: string }[];
  /**
   * What redis-server did per payment (INFO commandstats over the measured rounds): the commands it ran, the scripts'
   * own calls included, and its time in the commands the client sent (µs, a script's calls inside it).
   */
  redisServer?: { commandsPerPayment: Record<string, number>; microsPerPayment: number };
  servers: { redis?: string; postgres?: string };
  postgresPoolSize: number;
  /** Payment requests the upstream answered in the measured rounds, against pay() calls made: equal when nothing is deduplicated or retried. */
  upstream: { paymentRequests: number; paymentsMade: number };
}

export interface BenchResults {
  date: string;
  quick: boolean;
  wallClockSeconds: number;
  machine: {
    cpuCount: number;
    availableParallelism: number;
    cpuModel: string;
    node: string;
    platform: string;
    totalMemoryGb: number;
    loadAverageAtStart: number[];
    loadAverageAtEnd?: number[];
  };
  config: unknown;
  upstream: 'minimal' | 'simulator';
  upstreamProbe?: UpstreamProbeRow[];
  /** Section 1: each cell's median over the runs. */
  throughput?: ThroughputCell[];
  throughputRuns?: ThroughputRun[];
  /** What the upstream saw during the measured rounds of section 1, all runs together. */
  throughputUpstream?: { requests: number; connections: number; tokenRequests: number };
  burst?: BurstRow[];
  rotation?: RotationResults;
  simulatorRotation?: SimulatorRotationResults;
  apps?: AppRow[];
  memory?: MemoryPoint[];
  payments?: PaymentsResults;
  scale?: ScaleResults;
}

export interface ScaleReportCase extends ScaleReportResult {
  transactionsPerDay: number;
  /** Rows a list page holds: 10 as documented, or 100 where Singapay honours the module's `per_page`. */
  pageRows: number;
  latencyMs: number;
  listRequests: number;
}

export interface ScaleResults {
  reports: ScaleReportCase[];
  sweeps: ScaleSweepResult[];
  /** Stores whose sweep was not measured, and why. */
  skippedStores?: string[];
}
