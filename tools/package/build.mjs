#!/usr/bin/env node
// Builds the installable package `nestjs-singapay` into dist/package, a dual
// package: libs/singapay/src and libs/singapay-simulator/src (no specs, no
// testing/) compiled twice with tsc, to lib/esm (ESM, type-checked) and lib/cjs
// (CommonJS, with its own package.json {"type":"commonjs"}), each with its .d.ts.
// Writes package.json (exports with import/require conditions, typesVersions for
// moduleResolution node10, bins, peer ranges from PEER_RANGES below: what the
// consumer matrix tests, not the monorepo's own versions), the package README
// (tools/package/README.md) and LICENSE, then checks the output: no `@app/`
// import, every relative import resolves to a shipped file, no bare import
// outside the peers and node:, no import.meta in the CommonJS build.
// Usage: node tools/package/build.mjs [--quiet]
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const out = join(root, 'dist/package');
const lib = join(out, 'lib');
const quiet = process.argv.includes('--quiet');
const say = (line) => {
  if (!quiet) process.stdout.write(`${line}\n`);
};
const fail = (message) => {
  process.stderr.write(`build:lib failed: ${message}\n`);
  process.exit(1);
};

/**
 * Peer ranges: what the consumer matrix (test/consumer) installs and runs, one
 * line per Nest major. Not derived from the monorepo's dependencies, which only
 * say what this repository develops against.
 * - Nest 10, 11, 12: @nestjs/common/core.
 * - @nestjs/axios: 3.x is the Nest 10 line, 4.x Nest 10/11, 12.x Nest 10-12.
 * - @nestjs/config: 3.x Nest 8-10, 4.x Nest 10/11, 12.x Nest 11/12.
 * - @nestjs/terminus (optional, ./health only): 10.x is the Nest 10 line, 11.x Nest 10/11,
 *   12.x Nest 11/12; the indicator builds its results itself and reads which of them it runs on.
 * - class-validator: 0.x, so each minor may break; the ones the matrix runs.
 */
export const PEER_RANGES = {
  '@nestjs/common': '^10.0.0 || ^11.0.0 || ^12.0.0',
  '@nestjs/core': '^10.0.0 || ^11.0.0 || ^12.0.0',
  '@nestjs/axios': '^3.0.0 || ^4.0.0 || ^12.0.0',
  '@nestjs/config': '^3.0.0 || ^4.0.0 || ^12.0.0',
  axios: '^1.3.1',
  rxjs: '^7.1.0',
  'class-validator': '^0.14.0 || ^0.15.0',
  'class-transformer': '^0.5.1',
  'reflect-metadata': '^0.1.13 || ^0.2.0',
};
export const OPTIONAL_PEER_RANGES = {
  ioredis: '^5.0.0 || ^6.0.0',
  '@nestjs/terminus': '^10.0.0 || ^11.0.0 || ^12.0.0',
  pg: '^8.0.0',
  '@opentelemetry/api': '^1.9.0',
};
export const PEERS = Object.keys(PEER_RANGES);
export const OPTIONAL_PEERS = Object.keys(OPTIONAL_PEER_RANGES);

/**
 * Node: util.parseEnv (singapay doctor's .env reading) is 20.12+, AbortSignal.any
 * (per-call signals, simulator callbacks) 20.3+. Both builds load on any Node 20;
 * Nest 12 itself needs 20.19+ (its own engines say so).
 */
export const NODE_ENGINES = '>=20.12.0';

const REPOSITORY = 'https://github.com/nestjs-singapay/nestjs-singapay';

const started = Date.now();
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// Both compilations at once (about 8 s each on 2 cores).
const compile = (config, label) =>
  new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(here, config)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => done({ label, code, output }));
  });
say('== tsc: lib/esm (ESM, type-checked) and lib/cjs (CommonJS) from libs/singapay, libs/singapay-simulator');
const compiled = await Promise.all([compile('tsconfig.build.json', 'esm'), compile('tsconfig.build-cjs.json', 'cjs')]);
for (const c of compiled) {
  if (c.output.trim()) process.stderr.write(c.output);
  if (c.code !== 0) fail(`tsc (${c.label}) reported errors`);
}
writeFileSync(join(lib, 'cjs/package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);

// --- the entry points -------------------------------------------------------
// Types first in each branch; each format gets its own declarations, so
// TypeScript never takes CommonJS files for ESM or the reverse.
const entry = (dir) => ({
  import: { types: `./lib/esm/${dir}/index.d.ts`, default: `./lib/esm/${dir}/index.js` },
  require: { types: `./lib/cjs/${dir}/index.d.ts`, default: `./lib/cjs/${dir}/index.js` },
});
const SUBPATHS = {
  '.': 'singapay/src',
  './postgres': 'singapay/src/postgres',
  './redis': 'singapay/src/redis',
  './stores': 'singapay/src/stores',
  './reconciliation': 'singapay/src/reconciliation',
  './simulator': 'singapay-simulator/src',
};
const hasHealth = existsSync(join(root, 'libs/singapay/src/health/index.ts'));
if (hasHealth) SUBPATHS['./health'] = 'singapay/src/health';
const exportsMap = Object.fromEntries(Object.entries(SUBPATHS).map(([sub, dir]) => [sub, entry(dir)]));
exportsMap['./package.json'] = './package.json';
// moduleResolution node10 (TypeScript before `exports`): subpaths by typesVersions.
const typesVersions = {
  '*': Object.fromEntries(
    Object.entries(SUBPATHS)
      .filter(([sub]) => sub !== '.')
      .map(([sub, dir]) => [sub.slice(2), [`./lib/cjs/${dir}/index.d.ts`]]),
  ),
};

// The bins run the ESM build: it loads Nest 10/11 (CommonJS) and 12 (ESM) alike.
const bin = {
  singapay: './lib/esm/singapay/src/cli/singapay.js',
  'singapay-simulator': './lib/esm/singapay-simulator/src/cli/singapay-simulator.js',
};

const pkg = {
  name: 'nestjs-singapay',
  version: rootPkg.version,
  description:
    "NestJS module for Singapay's Biller B2B API (PPOB: PLN, PDAM, BPJS, airtime, data, game top-ups), with a simulator of the API",
  license: 'MIT',
  type: 'module',
  keywords: ['nestjs', 'singapay', 'ppob', 'biller', 'pln', 'bpjs', 'indonesia', 'payments'],
  repository: { type: 'git', url: `git+${REPOSITORY}.git` },
  homepage: `${REPOSITORY}#readme`,
  bugs: { url: `${REPOSITORY}/issues` },
  engines: { node: NODE_ENGINES },
  exports: exportsMap,
  main: './lib/cjs/singapay/src/index.js',
  types: './lib/cjs/singapay/src/index.d.ts',
  typesVersions,
  bin,
  files: ['lib', 'README.md', 'LICENSE'],
  peerDependencies: { ...PEER_RANGES, ...OPTIONAL_PEER_RANGES },
  peerDependenciesMeta: Object.fromEntries(OPTIONAL_PEERS.map((name) => [name, { optional: true }])),
};
writeFileSync(join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
copyFileSync(join(here, 'README.md'), join(out, 'README.md'));
copyFileSync(existsSync(join(root, 'LICENSE')) ? join(root, 'LICENSE') : join(here, 'LICENSE'), join(out, 'LICENSE'));

// --- optional peers in declarations ------------------------------------------
// The Redis stores' declarations `import type { Redis } from 'ioredis'`. A consumer
// without ioredis, compiling with skipLibCheck: false, would get TS2307 on them
// although it never uses Redis. Marked like this, `Redis` is `any` there and the
// full type when ioredis is installed. (@nestjs/terminus only appears under
// ./health, which needs it anyway. The telemetry's declarations that name
// @opentelemetry/api are internal, never reached from an entry point; marked all the same.)
const OPTIONAL_TYPE_IMPORT = /^(import type \{[^}]*\} from '(?:ioredis|pg|@opentelemetry\/api)';)$/gm;
const IGNORE = '// @ts-ignore -- an optional peer dependency (ioredis, pg, @opentelemetry/api): without it this type is `any`.';

// --- checks on the output ---------------------------------------------------
const files = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else files.push(p);
  }
};
walk(lib);
for (const file of files.filter((f) => f.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8');
  const patched = text.replace(OPTIONAL_TYPE_IMPORT, `${IGNORE}\n$1`);
  if (patched !== text) writeFileSync(file, patched);
}

const allowed = new Set([...PEERS, ...OPTIONAL_PEERS]);
const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
const problems = [];
for (const file of files.filter((f) => /\.(js|d\.ts)$/.test(f))) {
  const text = readFileSync(file, 'utf8');
  const rel = relative(out, file);
  if (text.includes('@app/')) problems.push(`${rel} mentions @app/`);
  // import.meta is a SyntaxError in CommonJS: the CommonJS build must not contain it.
  if (rel.startsWith('lib/cjs/') && rel.endsWith('.js') && /\bimport\.meta\b/.test(text)) problems.push(`${rel} uses import.meta`);
  for (const [, spec] of text.matchAll(IMPORT)) {
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec);
      const candidates = file.endsWith('.d.ts') ? [target, target.replace(/\.js$/, '.d.ts')] : [target];
      if (!candidates.some((c) => existsSync(c))) problems.push(`${rel} imports ${spec}, which is not in the package`);
    } else if (!spec.startsWith('node:') && !allowed.has(packageName(spec))) {
      problems.push(`${rel} imports ${spec}, which is neither node:, a peer nor an optional peer`);
    }
  }
}
// The main entry's declarations must not reach pg or ioredis: an app that keeps records
// elsewhere type-checks without them (the stores are behind ./postgres and ./redis).
const reached = new Set();
const reach = (file) => {
  if (reached.has(file) || !existsSync(file)) return;
  reached.add(file);
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    if (spec.startsWith('.')) reach(resolve(dirname(file), spec).replace(/\.js$/, '.d.ts'));
    else if (['pg', 'ioredis'].includes(packageName(spec)))
      problems.push(`the main entry's types reach ${spec} (in ${relative(out, file)})`);
  }
};
reach(join(lib, 'esm/singapay/src/index.d.ts'));

const leaves = (value) => (typeof value === 'string' ? [value] : Object.values(value).flatMap(leaves));
for (const target of [...leaves(exportsMap), ...leaves(typesVersions), ...Object.values(bin), pkg.main, pkg.types]) {
  if (!existsSync(join(out, target))) problems.push(`${target} (exports/bin) does not exist`);
}
for (const target of Object.values(bin)) {
  const file = join(out, target);
  if (existsSync(file)) {
    if (!readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node')) problems.push(`${target} has no #!/usr/bin/env node line`);
    chmodSync(file, 0o755);
  }
}
// The OpenTelemetry scope version is a constant in the source (no build can read package.json at run time).
const names = readFileSync(join(root, 'libs/singapay/src/telemetry/singapay-telemetry.names.ts'), 'utf8');
const scopeVersion = /SINGAPAY_PACKAGE_VERSION = '([^']+)'/.exec(names)?.[1];
if (scopeVersion !== pkg.version) problems.push(`SINGAPAY_PACKAGE_VERSION is ${scopeVersion}, the package is ${pkg.version}`);
if (problems.length > 0) fail(`\n  ${problems.join('\n  ')}`);

say(`== nestjs-singapay@${pkg.version} in ${relative(root, out)} (${files.length} files, ${Date.now() - started} ms)`);
say(`   exports: ${Object.keys(exportsMap).join(', ')}${hasHealth ? '' : ' (no libs/singapay/src/health/index.ts: ./health left out)'}`);
say(`   bins: ${Object.keys(bin).join(', ')}`);
say(`   formats: ESM (lib/esm, import) and CommonJS (lib/cjs, require), types for both; engines node ${NODE_ENGINES}`);
