import { ConsoleLogger, Logger, type LoggerService } from '@nestjs/common';

/** Every log line written through Nest's Logger during the test run. */
export const capturedLogLines: string[] = [];
const secrets = new Set<string>();

/** Values that must never appear in a log line (client secrets, passwords, tokens…). */
export function registerSecret(...values: string[]): void {
  for (const v of values) if (v && v.length >= 4) secrets.add(v);
}

const PATTERNS: [string, RegExp][] = [
  ['a JWT', /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]{4,}/],
  ['a Basic authorization', /Basic\s+[A-Za-z0-9+/]{8,}={0,2}/],
  ['a Bearer authorization', /Bearer\s+[\w.-]{8,}/],
];

/** Problems found in the captured lines: a registered secret or a credential-shaped string. */
export function secretLeaks(lines: readonly string[] = capturedLogLines): string[] {
  const found: string[] = [];
  for (const line of lines) {
    for (const s of secrets) if (line.includes(s)) found.push(`a registered secret in: ${line.replace(s, '***')}`);
    for (const [what, re] of PATTERNS) if (re.test(line)) found.push(`${what} in: ${line}`);
  }
  return found;
}

class CapturingLogger implements LoggerService {
  private readonly echo = process.env.SINGAPAY_TEST_LOGS ? new ConsoleLogger() : undefined;
  private capture(level: string, message: unknown, rest: unknown[]): void {
    const text = [message, ...rest]
      .map((p) => (typeof p === 'string' ? p : p instanceof Error ? `${p.name}: ${p.message}\n${p.stack}` : JSON.stringify(p)))
      .join(' ');
    capturedLogLines.push(`${level} ${text}`);
  }
  log(m: unknown, ...r: unknown[]) {
    this.capture('log', m, r);
    this.echo?.log(m, ...r);
  }
  error(m: unknown, ...r: unknown[]) {
    this.capture('error', m, r);
    this.echo?.error(m, ...r);
  }
  warn(m: unknown, ...r: unknown[]) {
    this.capture('warn', m, r);
    this.echo?.warn(m, ...r);
  }
  debug(m: unknown, ...r: unknown[]) {
    this.capture('debug', m, r);
    this.echo?.debug(m, ...r);
  }
  verbose(m: unknown, ...r: unknown[]) {
    this.capture('verbose', m, r);
    this.echo?.verbose(m, ...r);
  }
  fatal(m: unknown, ...r: unknown[]) {
    this.capture('fatal', m, r);
    this.echo?.fatal(m, ...r);
  }
}

export const capturingLogger = new CapturingLogger();

let guarded = false;

/**
 * Routes every Nest log line to the capture, and keeps it there: `@nestjs/testing`'s
 * `compile()` installs its own TestingLogger, which prints error lines to the console
 * (the "ERROR … : Error" lines of tests that make the payment store fail on purpose)
 * and would take them out of the secret check; `logger: false` would drop them
 * unchecked. Both are replaced by the capture, which stays silent unless
 * SINGAPAY_TEST_LOGS is set. A logger a test passes on purpose is left alone.
 */
export function installLogCapture(): void {
  Logger.overrideLogger(capturingLogger);
  if (guarded) return;
  guarded = true;
  const override = Logger.overrideLogger.bind(Logger);
  Logger.overrideLogger = (logger: Parameters<typeof Logger.overrideLogger>[0]) =>
    override(logger === false || isNestTestingLogger(logger) ? capturingLogger : logger);
}

/** @nestjs/testing's TestingLogger (not exported): a ConsoleLogger that prints errors only. */
function isNestTestingLogger(logger: unknown): boolean {
  return logger instanceof ConsoleLogger && logger.constructor.name === 'TestingLogger';
}
