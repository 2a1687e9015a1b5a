#!/usr/bin/env node
// Consumer test of the nestjs-singapay package (npm run test:consumer):
// builds the package, packs it, installs the tarball and its peers (exact versions
// from the monorepo's lock, from the npm registry) into a fresh app in os.tmpdir(),
// compiles that app with tsc (strict, nodenext, skipLibCheck: false, no ioredis,
// no @nestjs/terminus, no @nestjs/platform-express) and runs it: it starts the
// simulator from `nestjs-singapay/simulator`, registers SingapayModule.forRootAsync
// with @nestjs/config (singapayConfig.asProvider()) and makes a real inquiry and
// payment. Then the bins (`singapay-simulator`, `singapay doctor`) and the
// `./health` subpath (with @nestjs/terminus installed). Exit code 0 on pass, 1 on fail.
// KEEP_CONSUMER=1 keeps the temporary app; it is always kept on failure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const started = Date.now();
const out = (line) => process.stdout.write(`${line}\n`);
const elapsed = (since) => `${((Date.now() - since) / 1000).toFixed(1)}s`;
let app;

class StepFailure extends Error {}

function fail(step, message, output) {
  throw new StepFailure(`${step}: ${message}${output ? `\n----- output -----\n${output.trim()}\n------------------` : ''}`);
}

async function step(name, fn) {
  const t = Date.now();
  out(`== ${name}`);
  const result = await fn();
  out(`   ok (${elapsed(t)})`);
  return result;
}

function run(stepName, command, args, options = {}) {
  const r = spawnSync(command, args, {
    cwd: options.cwd ?? app,
    env: { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false', ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error) fail(stepName, `${command} ${args.join(' ')}: ${r.error.message}`, output);
  if (r.status !== (options.expectStatus ?? 0)) fail(stepName, `${command} ${args.join(' ')} exited ${r.status}`, output);
  return options.stdoutOnly ? (r.stdout ?? '') : output;
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const locked = (name) => {
  const v = lock.packages?.[`node_modules/${name}`]?.version;
  if (!v) fail('versions', `${name} is not in package-lock.json`);
  return `${name}@${v}`;
};

const TSCONFIG = (include) =>
  JSON.stringify(
    {
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'ES2023',
        lib: ['ES2023'],
        strict: true,
        skipLibCheck: false,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        isolatedModules: true,
        esModuleInterop: true,
        types: ['node'],
        rootDir: 'src',
        outDir: 'dist',
      },
      include,
    },
    null,
    2,
  );

const APP_MODULE = `import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { SingapayModule, singapayConfig } from 'nestjs-singapay';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    SingapayModule.forRootAsync({ ...singapayConfig.asProvider(), isGlobal: true }),
  ],
})
export class AppModule {}
`;

const MAIN = `import 'reflect-metadata';
import assert from 'node:assert/strict';
import { NestFactory } from '@nestjs/core';
import {
  SingapayCustomerNotFoundException,
  SingapayException,
  SingapayService,
  SINGAPAY_RESPONSE_CODES,
  type SingapayInquiryResult,
  type SingapayPaymentResult,
} from 'nestjs-singapay';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES, singapayTestCustomerId } from 'nestjs-singapay/simulator';
import { AppModule } from './app.module.js';

const sim = await SingapaySimulator.start({ settleDelayMs: 50 });
try {
  // The app reads SINGAPAY_* like any deployment would.
  process.env.SINGAPAY_BASE_URL = sim.baseUrl;
  process.env.SINGAPAY_API_KEY = sim.credentials.apiKey;
  process.env.SINGAPAY_CLIENT_ID = sim.credentials.clientId;
  process.env.SINGAPAY_CLIENT_SECRET = sim.credentials.clientSecret;
  process.env.SINGAPAY_PASSWORD = sim.credentials.password;

  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'], abortOnError: false });
  const singapay = app.get(SingapayService);

  const before = await singapay.checkBalance();
  const example = SINGAPAY_TEST_CUSTOMER_EXAMPLES.plnpos;
  const inquiry: SingapayInquiryResult = await singapay.inquiry({ command: 'plnpos', productCode: example.productCode, customerId: example.customerId });
  assert.ok(inquiry.referenceNumber, 'inquiry gave a reference number');
  const paid: SingapayPaymentResult = await singapay.pay({
    command: 'plnpos',
    productCode: example.productCode,
    customerId: example.customerId,
    referenceNumber: inquiry.referenceNumber,
  });
  assert.equal(paid.status, 'success');
  const after = await singapay.checkBalance();
  assert.equal(before.balance - after.balance, inquiry.price, 'the price was drawn from the deposit');
  assert.equal(sim.ledger().applied, 1, 'exactly one payment applied');

  // Exception classes are the package's own: instanceof works across the boundary.
  const missing = singapayTestCustomerId('plnpos', 'customerNotFound');
  const error = await singapay.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: missing }).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof SingapayCustomerNotFoundException && error instanceof SingapayException, 'customer not found raises SingapayCustomerNotFoundException');
  assert.ok(SINGAPAY_RESPONSE_CODES, 'response code table exported');

  // Deep imports are closed by the exports map.
  const deep = 'nestjs-singapay/lib/singapay/src/index.js';
  const deepError = await import(deep).then(() => undefined, (e: unknown) => e as { code?: string });
  assert.equal(deepError?.code, 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'deep import refused');

  await app.close();
  process.stdout.write(\`CONSUMER APP OK: paid \${paid.transactionId} (\${paid.price} rupiah), balance \${before.balance} -> \${after.balance}\\n\`);
} finally {
  await sim.stop();
}
`;

const HEALTH = `import 'reflect-metadata';
import assert from 'node:assert/strict';
import { SingapayHealthIndicator } from 'nestjs-singapay/health';

assert.equal(typeof SingapayHealthIndicator, 'function');
process.stdout.write('CONSUMER HEALTH OK\\n');
`;

async function main() {
  await step('build the package (npm run build:lib)', () => run('build', process.execPath, [join(root, 'tools/package/build.mjs')], { cwd: root }));

  app = mkdtempSync(join(tmpdir(), 'nestjs-singapay-consumer-'));
  out(`   consumer app: ${app}`);

  const tarball = await step('npm pack', () => {
    const text = run('pack', npm, ['pack', '--json', '--pack-destination', app], { cwd: join(root, 'dist/package'), stdoutOnly: true });
    const json = JSON.parse(text.slice(text.indexOf('[')));
    const files = json[0].files.map((f) => f.path);
    for (const must of ['package.json', 'README.md', 'LICENSE', 'lib/singapay/src/index.js', 'lib/singapay/src/index.d.ts']) {
      if (!files.includes(must)) fail('pack', `the tarball lacks ${must}`);
    }
    if (files.some((f) => /\.(spec|e2e-spec)\.|\/testing\//.test(f))) fail('pack', 'the tarball ships tests');
    out(`   ${json[0].filename}: ${files.length} files, ${(json[0].size / 1024).toFixed(0)} kB`);
    return join(app, json[0].filename);
  });

  const pkg = JSON.parse(readFileSync(join(root, 'dist/package/package.json'), 'utf8'));
  const optional = Object.keys(pkg.peerDependenciesMeta ?? {});
  const peers = Object.keys(pkg.peerDependencies).filter((p) => !optional.includes(p));

  await step(`npm install the tarball, ${peers.length} peers, typescript, @types/node (no optional peers)`, () => {
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'singapay-consumer', private: true, type: 'module' }, null, 2));
    run('install', npm, ['install', '--no-audit', '--no-fund', tarball, ...peers.map(locked), locked('typescript'), locked('@types/node')]);
    for (const absent of [...optional, '@nestjs/platform-express']) {
      if (existsSync(join(app, 'node_modules', absent))) fail('install', `${absent} was installed, so the test could not prove the package works without it`);
    }
  });

  await step('installed package: exports and bins point at shipped files', () => {
    const dir = join(app, 'node_modules/nestjs-singapay');
    const installed = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const targets = [
      ...Object.values(installed.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e))),
      ...Object.values(installed.bin),
    ];
    for (const t of targets) if (!existsSync(join(dir, t))) fail('exports', `${t} is missing from the installed package`);
    for (const sub of ['.', './simulator']) if (!installed.exports[sub]) fail('exports', `no ${sub} in the exports map`);
    for (const bin of ['singapay', 'singapay-simulator']) if (!existsSync(join(app, 'node_modules/.bin', bin))) fail('bins', `node_modules/.bin/${bin} missing`);
    return installed;
  });

  await step('compile the consumer app (tsc strict, nodenext, skipLibCheck: false)', () => {
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(join(app, 'src/app.module.ts'), APP_MODULE);
    writeFileSync(join(app, 'src/main.ts'), MAIN);
    writeFileSync(join(app, 'tsconfig.json'), TSCONFIG(['src/main.ts', 'src/app.module.ts']));
    run('tsc', process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
  });

  await step('run it: simulator from nestjs-singapay/simulator, forRootAsync + @nestjs/config, inquiry and payment', () => {
    const text = run('app', process.execPath, ['dist/main.js'], { timeoutMs: 60_000 });
    const line = text.split('\n').find((l) => l.startsWith('CONSUMER APP OK'));
    if (!line) fail('app', 'the app did not report success', text);
    out(`   ${line}`);
  });

  await step('npx singapay-simulator, then singapay doctor against it', async () => {
    const child = spawn(join(app, 'node_modules/.bin/singapay-simulator'), ['--port', '0'], {
      cwd: app,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      let url;
      for (let i = 0; i < 100 && !url; i++) {
        url = /listening on (http:\/\/[^\s]+)/.exec(log)?.[1];
        if (!url) {
          if (child.exitCode !== null) fail('simulator bin', 'exited early', log);
          await sleep(100);
        }
      }
      if (!url) fail('simulator bin', 'did not say where it listens within 10 s', log);
      const doctor = run(
        'doctor bin',
        join(app, 'node_modules/.bin/singapay'),
        ['doctor', '--no-env-file', '--inquiry', 'plnpos:SPPLNPOS:146300068064'],
        {
          env: {
            SINGAPAY_BASE_URL: url,
            SINGAPAY_API_KEY: 'sim-api-key',
            SINGAPAY_CLIENT_ID: 'sim-client-id',
            SINGAPAY_CLIENT_SECRET: 'sim-client-secret',
            SINGAPAY_PASSWORD: 'sim-password',
          },
          timeoutMs: 60_000,
        },
      );
      if (!/PASS: 5 of 5 checks passed/.test(doctor)) fail('doctor bin', 'singapay doctor did not pass', doctor);
      if (/sim-client-secret|sim-password/.test(doctor)) fail('doctor bin', 'singapay doctor printed a secret', doctor);
      out(`   simulator on ${url}; singapay doctor: 5 of 5 checks passed`);
    } finally {
      child.kill('SIGTERM');
      const { code, signal } = await Promise.race([exited, sleep(5_000).then(() => ({ code: 'timeout' }))]);
      if (code !== 0) {
        child.kill('SIGKILL');
        fail('simulator bin', `did not stop cleanly on SIGTERM (exit ${code ?? signal})`, log);
      }
    }
  });

  const installed = JSON.parse(readFileSync(join(app, 'node_modules/nestjs-singapay/package.json'), 'utf8'));
  if (installed.exports['./health']) {
    await step('nestjs-singapay/health with @nestjs/terminus installed', () => {
      run('install terminus', npm, ['install', '--no-audit', '--no-fund', locked('@nestjs/terminus')]);
      writeFileSync(join(app, 'src/health.ts'), HEALTH);
      writeFileSync(join(app, 'tsconfig.health.json'), TSCONFIG(['src/health.ts']));
      run('tsc health', process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.health.json']);
      const text = run('health', process.execPath, ['dist/health.js'], { timeoutMs: 30_000 });
      if (!text.includes('CONSUMER HEALTH OK')) fail('health', 'the health import did not report success', text);
    });
  } else {
    out('== nestjs-singapay/health: not in the exports map, skipped');
  }
}

try {
  await main();
  out(`\nCONSUMER TEST PASSED in ${elapsed(started)}`);
  if (process.env.KEEP_CONSUMER === '1') out(`(kept ${app})`);
  else rmSync(app, { recursive: true, force: true });
} catch (error) {
  out(`\nCONSUMER TEST FAILED after ${elapsed(started)}: ${error instanceof StepFailure ? error.message : (error?.stack ?? String(error))}`);
  if (app) out(`(consumer app kept for inspection: ${app})`);
  process.exitCode = 1;
}
