#!/usr/bin/env node
// Fails when a file under libs/singapay-simulator, tests included, imports the module it
// imitates (libs/singapay/src, '@app/singapay' or the published 'nestjs-singapay'). The
// simulator follows Singapay's documentation, never the module: sharing the module's
// paths, commands or codes would let the module's tests prove only that it agrees with itself.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const simulator = join(root, 'libs/singapay-simulator');
const moduleSrc = join(root, 'libs/singapay');

/** Every module specifier: static and type-only imports, re-exports, `import()` and `require()`. */
const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(c|m)?(t|j)s$/.test(name)) yield path;
  }
}

function forbidden(file, spec) {
  if (spec.startsWith('.')) {
    const target = resolve(dirname(file), spec);
    return target === moduleSrc || target.startsWith(`${moduleSrc}/`);
  }
  return /^(@app\/singapay|nestjs-singapay)(\/|$)/.test(spec);
}

const problems = [];
let count = 0;
for (const file of files(simulator)) {
  count++;
  for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (forbidden(file, spec)) problems.push(`${relative(root, file)} imports ${spec}`);
  }
}
if (problems.length) {
  process.stderr.write(
    `${problems.length} import(s) of the module from the simulator (it must read Singapay's docs, src/simulator-api-docs.ts, instead):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
  );
  process.exit(1);
}
process.stdout.write(`${count} simulator files import nothing of the module\n`);
