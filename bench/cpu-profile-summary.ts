// Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): where the samples
// landed, by function and by component, to decide what is worth optimising.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FrameCost {
  frame: string;
  /** Share of busy (non-idle) time in the window. */
  pct: number;
  /** Busy time per call, when the number of calls is known. */
  microsPerCall: number;
}

export interface ProfileSummary {
  busyMs: number;
  /** Busy time by the component whose code was on top of the stack (self time). */
  components: FrameCost[];
  /** Busy time with a frame of the module anywhere on the stack. */
  moduleInclusive: FrameCost;
  /** Busy time with each module function on the stack (inclusive), largest first. */
  moduleFunctions: FrameCost[];
  /** Functions by self time, largest first. */
  top: FrameCost[];
}

const IDLE = new Set(['(idle)', '(program)']);
const MODULE_DIR = '/libs/singapay/src/';

function component(url: string, name: string): string {
  if (name === '(garbage collector)') return 'gc';
  if (url.includes(MODULE_DIR)) return 'module';
  if (
    url.includes('/node_modules/axios/') ||
    url.includes('/node_modules/follow-redirects/') ||
    url.includes('/node_modules/proxy-from-env/')
  )
    return 'axios';
  if (url.includes('/node_modules/class-validator/') || url.includes('/node_modules/class-transformer/'))
    return 'class-validator/transformer';
  if (url.includes('/node_modules/@nestjs/')) return 'nest';
  if (/\/node_modules\/(ioredis|@ioredis|redis-parser|redis-errors|denque|cluster-key-slot)\//.test(url)) return 'ioredis';
  if (/\/node_modules\/(pg|pg-[a-z-]+|postgres-[a-z-]+|pgpass)\//.test(url)) return 'pg';
  if (url.includes('/node_modules/')) return 'other packages';
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('/bench/')) return 'bench harness';
  return url === '' ? 'native/V8 (syscalls, JSON, builtins)' : 'other';
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const short = url.replace(/^.*\/(node_modules\/|libs\/|bench\/)/, '$1').replace(/^file:\/\//, '');
  return `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
}

/**
 * `window` ([start, end] in µs of the monotonic clock V8 stamps samples with)
 * keeps only the measured run, not start-up; `calls` turns times into per-call costs.
 */
export function summariseCpuProfile(
  path: string,
  options: { window?: [number, number]; calls?: number; top?: number } = {},
): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const components = new Map<string, number>();
  const moduleInclusive = new Map<string, number>();
  let busy = 0;
  let underModule = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (options.window && (at < options.window[0] || at > options.window[1])) return;
    const node = byId.get(id)!;
    if (IDLE.has(node.callFrame.functionName)) return;
    busy += dt;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + dt);
    const comp = component(node.callFrame.url, node.callFrame.functionName);
    components.set(comp, (components.get(comp) ?? 0) + dt);
    // Walk the stack once; count each module function once per sample (recursion would double it).
    const seen = new Set<string>();
    for (let frame: number | undefined = id; frame !== undefined; frame = parent.get(frame)) {
      const f = byId.get(frame)!;
      if (f.callFrame.url.includes(MODULE_DIR)) seen.add(frameName(f));
    }
    if (seen.size > 0) underModule += dt;
    for (const s of seen) moduleInclusive.set(s, (moduleInclusive.get(s) ?? 0) + dt);
  });
  const cost = (frame: string, micros: number): FrameCost => ({
    frame,
    pct: Math.round((micros / busy) * 1000) / 10,
    microsPerCall: options.calls ? Math.round((micros / options.calls) * 10) / 10 : NaN,
  });
  const ranked = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([f, v]) => cost(f, v));
  return {
    busyMs: Math.round(busy / 1000),
    components: ranked(components, 20),
    moduleInclusive: cost('module', underModule),
    moduleFunctions: ranked(moduleInclusive, 20),
    top: ranked(self, options.top ?? 25),
  };
}
