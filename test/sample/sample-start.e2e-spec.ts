/*
 * `npm start` as a person runs it: apps/sample/start.mjs builds the sample when its sources are
 * newer than the build (or there is none) and then runs the build, saying which; the app answers,
 * its log lines carry the one time format (ISO 8601, milliseconds, +07:00), the demo pays a bill
 * against it, and a second start skips the compiler. Over real HTTP, on the built-in simulator.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort } from '../support/free-port.js';

const run = promisify(execFile);
const WIB_TIME = /^\[Nest\] \d+ {2}- \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+07:00 +LOG /;

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** `npm start`'s script on a free port (the simulator's callbacks need it known), no credentials, until it says where it listens. */
async function start(): Promise<Started> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(await freePort()), NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const name of Object.keys(env)) if (name.startsWith('SINGAPAY_') || name === 'NODE_ENV') delete env[name];
  const child = spawn(process.execPath, ['apps/sample/start.mjs'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  for (let waited = 0; waited < 150_000; waited += 100) {
    const url = /Sample app listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
    if (url) return { child, url, output: () => text };
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`npm start did not listen within 150 s:\n${text}`);
}

/** Ctrl-C: the app closes and ends by the signal, as a process interrupted should. */
async function stop(started: Started): Promise<string> {
  const exited = new Promise<string>((resolve) => started.child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));
  started.child.kill('SIGINT');
  return exited;
}

describe('npm start', () => {
  it('builds when the sources are newer, serves the build, logs WIB times, and pays the demo bill; a second start skips the compiler', async () => {
    const first = await start();
    try {
      expect(first.output()).toMatch(
        /^sample: (first start: compiling|sources changed since the last build: compiling|the build is up to date)/m,
      );
      const health = await fetch(`${first.url}/health`);
      expect(health.status).toBe(200);
      const { stdout } = await run(process.execPath, ['apps/sample/demo.mjs'], { env: { ...process.env, SAMPLE_URL: first.url } });
      expect(stdout).toMatch(/under order demo-\d+: success\./);
      const nestLines = first
        .output()
        .split('\n')
        .filter((line) => line.startsWith('[Nest]'));
      expect(nestLines.length).toBeGreaterThan(3);
      for (const line of nestLines) expect(line).toMatch(/^\[Nest\] \d+ {2}- \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+07:00 /);
      expect(nestLines.some((line) => WIB_TIME.test(line) && line.includes('Sample app listening'))).toBe(true);
      // Nothing at WARN or above while the demo ran, but the notice that the simulator stands in for Singapay.
      const loud = nestLines.filter((line) => /^\[Nest\] \d+ +- \S+ +(WARN|ERROR|FATAL) /.test(line));
      expect(loud.map((line) => line.replace(/^.*?(WARN|ERROR|FATAL)/, '$1'))).toEqual([
        expect.stringMatching(/^WARN \[Sample\] No SINGAPAY_\* credentials set: using the built-in Singapay simulator/),
      ]);
    } finally {
      expect(await stop(first)).toBe('SIGINT');
    }

    const second = await start();
    try {
      expect(second.output()).toMatch(/^sample: the build is up to date: starting it$/m);
      expect((await fetch(`${second.url}/health`)).status).toBe(200);
    } finally {
      expect(await stop(second)).toBe('SIGINT');
    }
  }, 240_000);
});
