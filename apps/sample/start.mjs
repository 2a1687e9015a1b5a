#!/usr/bin/env node
// `npm start`: the sample app on its built-in simulator. It runs the build in dist/ when that is
// newer than every file it is made from, and builds it first (`nest build sample`, about 7 s)
// when it is not, saying which; so only the first start after a change waits for the compiler.
// `npm run start:dev` watches the sources instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = join(root, 'dist/apps/sample/src/main.js');
// Written after each build: an incremental build leaves the files it did not change as they were.
const stamp = join(root, 'dist/apps/sample/.built');
const inputs = ['apps/sample/src', 'libs/singapay/src', 'libs/singapay-simulator/src'];
const configs = ['tsconfig.json', 'apps/sample/tsconfig.app.json', 'nest-cli.json', 'package-lock.json'];
const say = (line) => process.stdout.write(`sample: ${line}\n`);

/** The newest modification time among the sources the build is made from (tests left out). */
function newestInput() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !/\.(e2e-)?spec\.ts$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of inputs) walk(join(root, dir));
  for (const file of configs) if (existsSync(join(root, file))) newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  return newest;
}

// The stamp holds the newest source time the last build saw, as a number (file times lose precision when set).
const built = existsSync(main) && existsSync(stamp) ? Number(readFileSync(stamp, 'utf8')) || 0 : 0;
// Taken before the build: a file saved while it compiles is newer than the stamp, and builds next time.
const newest = newestInput();
if (built < newest) {
  // Without its output, an incremental build would find nothing to emit.
  if (!existsSync(main)) rmSync(join(root, 'dist/tsbuildinfo/sample.tsbuildinfo'), { force: true });
  say(
    built
      ? 'sources changed since the last build: compiling (nest build sample) …'
      : 'first start: compiling (nest build sample, a few seconds; later starts skip it) …',
  );
  const build = spawnSync(process.execPath, [join(root, 'node_modules/@nestjs/cli/bin/nest.js'), 'build', 'sample'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) {
    process.stderr.write('sample: the build failed (see above)\n');
    process.exit(build.status ?? 1);
  }
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, `${newest}\n`);
} else {
  say('the build is up to date: starting it');
}

const app = spawn(process.execPath, ['--enable-source-maps', main], { cwd: root, stdio: 'inherit' });
const forward = (signal) => app.kill(signal);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, forward);
app.on('exit', (code, signal) => {
  // Ended by a signal (the app closes itself on SIGINT and SIGTERM, then dies by it): end the same way.
  if (signal) {
    process.off(signal, forward);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 0);
});
