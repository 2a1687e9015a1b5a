#!/usr/bin/env node
// Builds the installable package `nestjs-singapay` into dist/package:
// compiles libs/singapay/src and libs/singapay-simulator/src (no specs, no testing/)
// with tsc into one tree, writes package.json (exports, bins, peers), README and
// LICENSE, then checks the output: no `@app/` import, every relative import
// resolves to a shipped file, and no bare import outside the peers and node:.
// Usage: node tools/package/build.mjs [--quiet]
import { spawnSync } from 'node:child_process';
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

export const PEERS = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/axios',
  '@nestjs/config',
  'axios',
  'rxjs',
  'class-validator',
  'class-transformer',
  'reflect-metadata',
];
export const OPTIONAL_PEERS = ['ioredis', '@nestjs/terminus', 'pg'];

const started = Date.now();
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const range = (name) => {
  const r = rootPkg.dependencies?.[name] ?? rootPkg.devDependencies?.[name];
  if (!r) fail(`${name} is not a dependency of the monorepo: cannot derive its peer range`);
  return r;
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

say('== tsc (libs/singapay, libs/singapay-simulator)');
const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(here, 'tsconfig.build.json')], {
  cwd: root,
  stdio: 'inherit',
});
if (tsc.status !== 0) fail('tsc reported errors');

// --- the entry points -------------------------------------------------------
const entry = (dir) => ({ types: `./lib/${dir}/index.d.ts`, import: `./lib/${dir}/index.js`, default: `./lib/${dir}/index.js` });
const exportsMap = {
  '.': entry('singapay/src'),
  './simulator': entry('singapay-simulator/src'),
};
const hasHealth = existsSync(join(root, 'libs/singapay/src/health/index.ts'));
if (hasHealth) exportsMap['./health'] = entry('singapay/src/health');
exportsMap['./package.json'] = './package.json';

const bin = {
  singapay: './lib/singapay/src/cli/singapay.js',
  'singapay-simulator': './lib/singapay-simulator/src/cli/singapay-simulator.js',
};

const pkg = {
  name: 'nestjs-singapay',
  version: rootPkg.version,
  description: "NestJS module for Singapay's Biller B2B API (PPOB: PLN, PDAM, BPJS, airtime, data, game top-ups), with a simulator of the API",
  license: 'MIT',
  type: 'module',
  keywords: ['nestjs', 'singapay', 'ppob', 'biller', 'pln', 'bpjs', 'indonesia', 'payments'],
  engines: { node: '>=20.12' },
  exports: exportsMap,
  main: './lib/singapay/src/index.js',
  types: './lib/singapay/src/index.d.ts',
  bin,
  files: ['lib', 'README.md', 'LICENSE', 'SIMULATOR.md'],
  peerDependencies: Object.fromEntries([...PEERS, ...OPTIONAL_PEERS].map((name) => [name, range(name)])),
  peerDependenciesMeta: Object.fromEntries(OPTIONAL_PEERS.map((name) => [name, { optional: true }])),
};
writeFileSync(join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
copyFileSync(join(root, 'README.md'), join(out, 'README.md'));
copyFileSync(join(root, 'libs/singapay-simulator/README.md'), join(out, 'SIMULATOR.md'));
copyFileSync(existsSync(join(root, 'LICENSE')) ? join(root, 'LICENSE') : join(here, 'LICENSE'), join(out, 'LICENSE'));

// --- optional peers in declarations ------------------------------------------
// The Redis stores' declarations `import type { Redis } from 'ioredis'`. A consumer
// without ioredis, compiling with skipLibCheck: false, would get TS2307 on them
// although it never uses Redis. Marked like this, `Redis` is `any` there and the
// full type when ioredis is installed. (@nestjs/terminus only appears under
// ./health, which needs it anyway.)
const OPTIONAL_TYPE_IMPORT = /^(import type \{[^}]*\} from '(?:ioredis|pg)';)$/gm;
const IGNORE = "// @ts-ignore -- an optional peer dependency (ioredis, pg): without it this type is `any`.";

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
for (const target of [...Object.values(exportsMap).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e))), ...Object.values(bin)]) {
  if (!existsSync(join(out, target))) problems.push(`${target} (exports/bin) does not exist`);
}
for (const target of Object.values(bin)) {
  const file = join(out, target);
  if (existsSync(file)) {
    if (!readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node')) problems.push(`${target} has no #!/usr/bin/env node line`);
    chmodSync(file, 0o755);
  }
}
if (problems.length > 0) fail(`\n  ${problems.join('\n  ')}`);

say(`== nestjs-singapay@${pkg.version} in ${relative(root, out)} (${files.length} files, ${Date.now() - started} ms)`);
say(`   exports: ${Object.keys(exportsMap).join(', ')}${hasHealth ? '' : ' (no libs/singapay/src/health/index.ts: ./health left out)'}`);
say(`   bins: ${Object.keys(bin).join(', ')}`);
