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

const simulator = await SingapaySimulator.start({
  port: numberFromEnv('SIMULATOR_PORT', 4010),
  settleDelayMs: numberFromEnv('SIMULATOR_SETTLE_DELAY_MS', 2000),
  callbackUrl: process.env.SIMULATOR_CALLBACK_URL || undefined,
  oncePerDay: process.env.SIMULATOR_ONCE_PER_DAY === 'true',
});

// The simulator's credentials are public test values: printing them is the point. Tokens are never printed.
logger.log(`Singapay Biller simulator listening on ${simulator.baseUrl}`);
logger.log(`X-PARTNER-ID (api key): ${simulator.credentials.apiKey}; client id: ${simulator.credentials.clientId}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received, stopping`);
    void simulator.stop().then(() => process.exit(0));
  });
}
