// `npm run bench`: every section, written to bench/results.md and bench/results.json. `--quick` shortens every phase (to
// try the bench, not for numbers); `--only=<sections>` runs some and prints them; `--repeat=N` runs section 1 N times (5
// in a full run); `--profile` records CPU profiles instead (bench-profile.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG, loadAverage, machine, ONLY, PROFILE, QUICK, ROOT, runs, say, SECTIONS } from './bench-sections.js';
import { startUpstream, startWorker, stopAfter, type BenchResults } from './bench-sections.js';
import { runProfile } from './bench-profile.js';
import { renderMarkdown } from './bench-report.js';
import { round } from './bench-util.js';

async function runBench(): Promise<void> {
  const [started, date] = [performance.now(), new Date().toISOString()];
  const results: BenchResults = { date, quick: QUICK, wallClockSeconds: 0, machine: machine(), config: CONFIG, upstream: 'minimal' };
  say(`nestjs-singapay bench${QUICK ? ' (quick: not for numbers)' : ''}: ${results.machine.cpuCount} CPUs, Node ${process.version}`);
  const [minimal, client] = [await startUpstream('minimal'), await startWorker()];
  await stopAfter([minimal, client], async () => {
    for (const [, title, measure] of SECTIONS.filter(([name]) => runs(name))) {
      say(`▸ ${title}`);
      Object.assign(results, await measure({ client, minimal }));
    }
  });
  results.wallClockSeconds = round((performance.now() - started) / 1000, 1);
  // Other work on the machine slows every variant alike (rounds interleave them) but widens the spread: say how busy it was.
  results.machine.loadAverageAtEnd = loadAverage();
  const markdown = renderMarkdown(results);
  say(`\n${markdown}`);
  if (ONLY.size > 0 || QUICK) return say(`(${QUICK ? 'quick' : 'focused'} run: results not written)`);
  writeFileSync(join(ROOT, 'bench/results.md'), markdown);
  writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  say('written to bench/results.md and bench/results.json');
}

try {
  const known = SECTIONS.map(([name]) => name as string);
  const unknown = [...ONLY].filter((s) => !known.includes(s));
  if (unknown.length > 0) throw new Error(`--only: unknown section(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  if (!(CONFIG.repeat >= 1 && CONFIG.repeat <= 20 && Number.isInteger(CONFIG.repeat)))
    throw new Error('--repeat: a whole number from 1 to 20');
  await (PROFILE ? runProfile() : runBench());
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
