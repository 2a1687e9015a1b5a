import { ConsoleLogger, type LogLevel } from '@nestjs/common';

const WIB_OFFSET_MS = 7 * 3600_000;

/** An instant as every time the module gives out: ISO 8601 with milliseconds and the WIB offset. */
export function sampleWibTime(epochMs = Date.now()): string {
  return `${new Date(epochMs + WIB_OFFSET_MS).toISOString().slice(0, 23)}+07:00`;
}

/**
 * Nest's console logger with the one time format of the API and the reports (rather than the
 * machine's locale and zone), and with `LOG_FORMAT=json` one JSON object a line for a log shipper.
 */
export class SampleLogger extends ConsoleLogger {
  protected override getTimestamp(): string {
    return sampleWibTime();
  }

  protected override getJsonLogObject(
    ...args: Parameters<ConsoleLogger['getJsonLogObject']>
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    const object = super.getJsonLogObject(...args);
    // Serialised as it is: Nest's type says epoch ms, the line says the time as everything else does.
    return { ...object, timestamp: sampleWibTime(object.timestamp) as unknown as number };
  }
}

/** The sample's logger: debug lines (one per Singapay call) only with `LOG_LEVEL=debug`. */
export function createSampleLogger(env: NodeJS.ProcessEnv = process.env): SampleLogger {
  const logLevels: LogLevel[] = ['fatal', 'error', 'warn', 'log', ...(env.LOG_LEVEL === 'debug' ? (['debug'] as const) : [])];
  return new SampleLogger({ logLevels, json: env.LOG_FORMAT === 'json' });
}
