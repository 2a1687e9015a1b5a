#!/usr/bin/env node
// Fails when the source files under the given folders import each other in a cycle
// (type-only imports included: a cycle of types is still a knot a reader must untie).
// Usage: node tools/checks/check-cycles.mjs [dir ...]   (default: libs)
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import process from 'node:process';
import { RELATIVE_IMPORT as IMPORT, sources } from './source-files.mjs';

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const dirs = (process.argv.slice(2).length ? process.argv.slice(2) : ['libs']).map((d) => resolve(root, d));

const graph = new Map();
for (const dir of dirs) {
  for (const file of sources(dir)) {
    const text = readFileSync(file, 'utf8');
    const deps = new Set();
    for (const m of text.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2]).replace(/\.js$/, '.ts');
      deps.add(resolve(dirname(file), spec));
    }
    graph.set(file, deps);
  }
}

// Tarjan's strongly connected components: any component of more than one file is a cycle.
let index = 0;
const stack = [];
const meta = new Map();
const cycles = [];
function visit(v) {
  meta.set(v, { index, low: index, onStack: true });
  index++;
  stack.push(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    if (!meta.has(w)) {
      visit(w);
      meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
    } else if (meta.get(w).onStack) meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
  }
  if (meta.get(v).low === meta.get(v).index) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      meta.get(w).onStack = false;
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.has(v)) cycles.push(component);
  }
}
for (const v of graph.keys()) if (!meta.has(v)) visit(v);

if (cycles.length) {
  process.stderr.write(`${cycles.length} import cycle(s):\n`);
  for (const c of cycles)
    process.stderr.write(
      `  - ${c
        .map((f) => relative(root, f))
        .sort()
        .join('\n    ')}\n`,
    );
  process.exit(1);
}
process.stdout.write(`no import cycle among ${graph.size} files\n`);
