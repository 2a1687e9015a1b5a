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
    const text = [message, ...rest].map((p) => (typeof p === 'string' ? p : p instanceof Error ? `${p.name}: ${p.message}\n${p.stack}` : JSON.stringify(p))).join(' ');
    capturedLogLines.push(`${level} ${text}`);
  }
  log(m: unknown, ...r: unknown[]) { this.capture('log', m, r); this.echo?.log(m, ...r); }
  error(m: unknown, ...r: unknown[]) { this.capture('error', m, r); this.echo?.error(m, ...r); }
  warn(m: unknown, ...r: unknown[]) { this.capture('warn', m, r); this.echo?.warn(m, ...r); }
  debug(m: unknown, ...r: unknown[]) { this.capture('debug', m, r); this.echo?.debug(m, ...r); }
  verbose(m: unknown, ...r: unknown[]) { this.capture('verbose', m, r); this.echo?.verbose(m, ...r); }
  fatal(m: unknown, ...r: unknown[]) { this.capture('fatal', m, r); this.echo?.fatal(m, ...r); }
}

export const capturingLogger = new CapturingLogger();

export function installLogCapture(): void {
  Logger.overrideLogger(capturingLogger);
}
