import { Logger } from '@nestjs/common';
import { SingapaySimulator } from '@app/singapay-simulator';

const logger = new Logger('SingapaySimulator');

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number >= 0, got "${raw}"`);
  return value;
}

function optionalNumberFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  return raw === undefined || raw.trim() === '' ? undefined : numberFromEnv(name, 0);
}

const simulator = await SingapaySimulator.start({
  port: numberFromEnv('SIMULATOR_PORT', 4010),
  settleDelayMs: numberFromEnv('SIMULATOR_SETTLE_DELAY_MS', 2000),
  callbackUrl: process.env.SIMULATOR_CALLBACK_URL || undefined,
  oncePerDay: process.env.SIMULATOR_ONCE_PER_DAY === 'true',
  faultSeed: optionalNumberFromEnv('SIMULATOR_FAULT_SEED'),
});

// The simulator's credentials are public test values: printing them is the point. Tokens are never printed.
logger.log(`Singapay Biller simulator listening on ${simulator.baseUrl}`);
logger.log(`X-PARTNER-ID (api key): ${simulator.credentials.apiKey}; client id: ${simulator.credentials.clientId}`);
// The seed is printed so a run with probabilistic faults can be replayed with SIMULATOR_FAULT_SEED.
logger.log(`Control interface (faults, ledger, stats; loopback only): ${simulator.controlUrl}; fault seed ${simulator.faults.seed}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received, stopping`);
    void simulator.stop().then(() => process.exit(0));
  });
}
