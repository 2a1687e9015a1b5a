#!/usr/bin/env node
// Fails when a source file (not a test) under libs/ or apps/ grows past what a reviewer
// reads in one go. Data files (examples, tables) are listed with the reason they may be longer.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';

const LIMIT = 310;
const DATA_FILES = {
  'apps/sample/src/docs/sample-examples.ts': 'Swagger examples: documented answers, no logic',
};

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');
function* sources(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (/\.ts$/.test(name) && !/\.(e2e-)?spec\.ts$/.test(name)) yield path;
  }
}
const long = [];
for (const dir of ['libs', 'apps']) {
  for (const file of sources(join(root, dir))) {
    const rel = relative(root, file);
    const lines = readFileSync(file, 'utf8').split('\n').length;
    if (lines > LIMIT && !(rel in DATA_FILES)) long.push(`${rel}: ${lines} lines`);
  }
}
if (long.length) {
  process.stderr.write(`source files over ${LIMIT} lines:\n${long.map((l) => `  - ${l}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`every source file is at most ${LIMIT} lines\n`);
