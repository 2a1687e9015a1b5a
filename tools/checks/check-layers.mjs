#!/usr/bin/env node
// Fails when a source file of the library imports a part that sits above its own in the layer
// order below (the README's "Repository layout" lists the same order). Parts on one line are
// peers: neither imports the other. Tests (`*.spec.ts`) may import anything.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { RELATIVE_IMPORT as IMPORT, sources } from './source-files.mjs';

const LAYERS = [
  ['util', 'contract', 'singapay.constants.ts'],
  ['config'],
  ['errors'],
  ['telemetry'],
  ['http'],
  ['auth'],
  ['biller'],
  ['payments'],
  ['redis', 'postgres', 'callbacks', 'reconciliation'],
  ['service'],
  ['singapay.tokens.ts', 'singapay-module-options.interface.ts'],
  ['singapay.module-definition.ts'],
  ['singapay.providers.ts'],
  ['singapay.module.ts', 'health'],
  ['doctor'],
  ['cli', 'index.ts', 'stores'],
];

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const src = join(root, 'libs/singapay/src');
const rank = new Map(LAYERS.flatMap((parts, i) => parts.map((part) => [part, i])));
const partOf = (file) => relative(src, file).split('/')[0];

const problems = [];
let files = 0;
for (const file of sources(src)) {
  files++;
  const from = partOf(file);
  if (!rank.has(from)) {
    problems.push(`${relative(root, file)}: its part '${from}' has no place in the layer order of tools/checks/check-layers.mjs`);
    continue;
  }
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const target = resolve(dirname(file), m[1] ?? m[2]);
    if (!target.startsWith(`${src}/`)) continue;
    const to = partOf(target.replace(/\.js$/, '.ts'));
    if (to === from || !rank.has(to)) continue;
    if (rank.get(to) >= rank.get(from)) {
      const how = rank.get(to) === rank.get(from) ? 'a peer of' : 'above';
      problems.push(`${relative(root, file)} imports ${to} (${m[1] ?? m[2]}), which sits ${how} ${from}`);
    }
  }
}
if (problems.length) {
  process.stderr.write(`${problems.length} import(s) against the layer order:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`${files} library files import only the layers below their own\n`);
