#!/usr/bin/env node
/**
 * `npx singapay-simulator`: the Singapay Biller simulator on its own, as
 * `npm run simulator` starts it in the monorepo. Configured by environment:
 * SIMULATOR_PORT (4010), SIMULATOR_HOST (127.0.0.1), SIMULATOR_SETTLE_DELAY_MS,
 * SIMULATOR_CALLBACK_URL, SIMULATOR_ONCE_PER_DAY=true, SIMULATOR_FAULT_SEED;
 * `--port N` overrides SIMULATOR_PORT.
 */
import { Logger } from '@nestjs/common';
import process from 'node:process';
import { SINGAPAY_SIMULATOR_DOCS_URL } from '../simulator-control.js';
import { SingapaySimulator } from '../singapay-simulator.js';

const HELP = `Usage: singapay-simulator [--port N]

Starts an imitation of Singapay's Biller B2B API over HTTP (default http://127.0.0.1:4010),
with the public test credentials sim-api-key / sim-client-id / sim-client-secret / sim-password.

Environment: SIMULATOR_PORT, SIMULATOR_HOST, SIMULATOR_SETTLE_DELAY_MS, SIMULATOR_CALLBACK_URL,
SIMULATOR_ONCE_PER_DAY=true, SIMULATOR_FAULT_SEED. Stop it with Ctrl-C.
GET <url>/__simulator lists the control routes (faults, ledger, stats, settle, reset).
Documentation: ${SINGAPAY_SIMULATOR_DOCS_URL}
`;

function wholeNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number >= 0, got "${raw}"`);
  return value;
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  const portFlag = argv.indexOf('--port');
  const port = portFlag >= 0 ? argv[portFlag + 1] : process.env.SIMULATOR_PORT;
  const unknown = argv.filter((a, i) => a.startsWith('-') && a !== '--port' && !(portFlag >= 0 && i === portFlag + 1));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown[0]} (see --help)`);

  const logger = new Logger('SingapaySimulator');
  const seed = process.env.SIMULATOR_FAULT_SEED;
  const simulator = await SingapaySimulator.start({
    port: wholeNumber('--port / SIMULATOR_PORT', port, 4010),
    host: process.env.SIMULATOR_HOST?.trim() || '127.0.0.1',
    settleDelayMs: wholeNumber('SIMULATOR_SETTLE_DELAY_MS', process.env.SIMULATOR_SETTLE_DELAY_MS, 2000),
    callbackUrl: process.env.SIMULATOR_CALLBACK_URL || undefined,
    oncePerDay: process.env.SIMULATOR_ONCE_PER_DAY === 'true',
    faultSeed: seed === undefined || seed.trim() === '' ? undefined : wholeNumber('SIMULATOR_FAULT_SEED', seed, 0),
  });

  // The simulator's credentials are public test values: printing them is the point. Tokens are never printed.
  logger.log(`Singapay Biller simulator listening on ${simulator.baseUrl}`);
  const c = simulator.credentials;
  logger.log(`X-PARTNER-ID (api key): ${c.apiKey}; client id: ${c.clientId}; client secret and password: the public sim-* defaults`);
  logger.log(
    `Control interface (faults, ledger, stats; loopback only): GET ${simulator.controlUrl} lists its routes; fault seed ${simulator.faults.seed}`,
  );
  logger.log(`Test customers, faults and options: ${SINGAPAY_SIMULATOR_DOCS_URL}`);

  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.log(`${signal} received, stopping`);
      void simulator.stop().then(() => process.exit(0));
    });
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`singapay-simulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
