// `npm run bench`: starts an upstream on 127.0.0.1, drives the module and the hand-written
// baselines against it from separate processes, and writes bench/results.md and
// bench/results.json. `--quick` shortens every phase (for trying the bench out, not for
// numbers); `--only=<sections>` runs some sections and prints them; `--repeat=N` runs
// section 1 N times (5 by default in a full run); `--profile` records CPU profiles instead.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { checkFlags, CONFIG, machine, ONLY, PROFILE, QUICK, ROOT, runs, say, startClient, startUpstream } from './bench-config.js';
import { OPERATIONS } from './bench-clients.js';
import { runProfile } from './bench-profile.js';
import { renderMarkdown } from './bench-report.js';
import type { BenchResults } from './bench-results.js';
import { round } from './bench-stats.js';
import { measureApps, measureMemory } from './section-apps.js';
import { measurePayments } from './section-payments.js';
import { measureScale } from './section-scale.js';
import { measureThroughput, probeSimulator } from './section-throughput.js';
import { steadiness } from './report-throughput.js';
import { measureBurst, measureRotation, measureSimulatorRotation } from './section-token.js';

async function runBench(): Promise<void> {
  const started = performance.now();
  const results: BenchResults = {
    date: new Date().toISOString(),
    quick: QUICK,
    wallClockSeconds: NaN,
    machine: machine(),
    config: CONFIG,
    upstream: 'minimal',
  };
  say(
    `nestjs-singapay bench${QUICK ? ' (quick: not for numbers)' : ''}: ${results.machine.cpuCount} CPUs (${results.machine.cpuModel}), Node ${process.version}`,
  );
  const minimal = await startUpstream('minimal');
  const client = await startClient();
  try {
    if (runs('upstream')) {
      say("▸ upstream: simulator vs the bench's minimal server (node:http client, concurrency 16)");
      results.upstreamProbe = await probeSimulator(client, minimal);
    }
    if (runs('throughput')) {
      say(`▸ 1. throughput and latency: module vs axios vs node:http${CONFIG.repeat > 1 ? `, ${CONFIG.repeat} runs` : ''}`);
      Object.assign(results, await measureThroughput(minimal));
    }
    if (runs('burst')) {
      say('▸ 2. cold burst of 1000 first calls');
      results.burst = await measureBurst(client, minimal);
    }
    if (runs('rotation')) {
      say('▸ 3. token rotation under load (2 s tokens, 10 s)');
      results.rotation = await measureRotation(client);
      results.simulatorRotation = await measureSimulatorRotation(client);
    }
    if (runs('apps')) {
      say('▸ 4. sample app vs bare Nest app under autocannon');
      results.apps = await measureApps(minimal.target);
    }
    if (runs('memory')) {
      say('▸ 5. memory after 10k vs 100k calls');
      results.memory = await measureMemory(minimal.target);
    }
    if (runs('payments')) {
      say('▸ 6. payments: pay() on the memory, Redis and PostgreSQL stores vs a hand-written payment call');
      results.payments = await measurePayments(minimal);
    }
    if (runs('scale')) {
      say('▸ 7. scale: the daily report of 1k to 100k transactions a day, the sweep among 10k to 1M final records');
      results.scale = await measureScale();
    }
  } finally {
    await client.stop();
    await minimal.child.stop();
  }
  results.wallClockSeconds = round((performance.now() - started) / 1000, 1);
  // Other work on the machine slows every variant alike (rounds interleave them) but widens the spread: say how busy it was.
  results.machine.loadAverageAtEnd = os.loadavg().map((l) => round(l, 2));
  const markdown = renderMarkdown(results);
  say('');
  say(markdown);
  if (ONLY.size > 0) {
    // A focused run: the sections it ran, as markdown above and as JSON here; results.md is left as it was.
    const { date, quick, wallClockSeconds, machine: m, config: _config, upstream: _upstream, ...sections } = results;
    const steady = results.throughputRuns && Object.fromEntries(OPERATIONS.map((op) => [op, steadiness(results.throughputRuns!, op)]));
    const loadAverage = { atStart: m.loadAverageAtStart, atEnd: m.loadAverageAtEnd };
    say(JSON.stringify({ date, quick, wallClockSeconds, loadAverage, ...(steady ? { steadiness: steady } : {}), ...sections }, null, 2));
    say('(focused run: results not written)');
    return;
  }
  if (!QUICK) {
    writeFileSync(join(ROOT, 'bench/results.md'), markdown);
    writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  }
  say(QUICK ? '(quick run: results not written)' : 'written to bench/results.md and bench/results.json');
}

try {
  checkFlags();
  await (PROFILE ? runProfile() : runBench());
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
