/** `singapay doctor`: the command line of `runSingapayDoctor`, read and run like every other `singapay` command. */
import { isIntegerIn, SINGAPAY_INTEGER_RULES } from '../config/singapay-options.validation.js';
import { SINGAPAY_INQUIRY_COMMANDS, type SingapayCommand } from '../contract/singapay-api.contract.js';
import { runSingapayDoctor, type SingapayDoctorOptions } from '../doctor/singapay-doctor.js';
import { parseSingapayCliArgs, runSingapayCliCommand, SingapayCliUsageError, type SingapayCliIo } from './singapay-cli.app.js';

export const SINGAPAY_DOCTOR_USAGE = `Usage: singapay doctor [--inquiry command:productCode:customerId[:period]] [--production]
                       [--env-file PATH | --no-env-file] [--timeout MS] [--verbose]

Checks a Singapay setup in order: configuration complete, host reachable, token granted,
balance readable and, with --inquiry, one inquiry (no money moves). Reads SINGAPAY_* variables
and the .env file of the working directory, as ConfigModule.forRoot() does.
Exit code 0 when every check passes, 1 otherwise, 2 for a usage error.

  --inquiry c:p:id   also inquire, e.g. plnpos:SPPLNPOS:146300068064
  --production       allow SINGAPAY_ENV=production (refused otherwise)
  --env-file PATH    read this file instead of ./.env; --no-env-file reads none
  --timeout MS       timeout of each network step, ${SINGAPAY_INTEGER_RULES.timeoutMs[1]} to ${SINGAPAY_INTEGER_RULES.timeoutMs[2]} (default min(SINGAPAY_TIMEOUT_MS, 15000))
  --verbose          show the module's own log lines
`;

/** Parses `singapay doctor` arguments (after the subcommand). */
export function parseSingapayDoctorArgs(argv: readonly string[]): SingapayDoctorOptions & { help?: boolean } {
  const line = parseSingapayCliArgs(argv, { valued: ['--inquiry', '--timeout'], flags: ['--production', '--verbose'] });
  const { inquiry, timeout } = line.values;
  // The module's own range for timeoutMs: a value it would refuse is a usage error here.
  const [, min, max] = SINGAPAY_INTEGER_RULES.timeoutMs;
  if (timeout !== undefined && (!/^\d+$/.test(timeout) || !isIntegerIn(Number(timeout), min, max))) {
    throw new SingapayCliUsageError(`--timeout must be a number of milliseconds from ${min} to ${max}`);
  }
  return {
    ...(line.help ? { help: true } : {}),
    ...(line.flags.has('production') ? { production: true } : {}),
    ...(line.flags.has('verbose') ? { logLevels: ['error', 'warn', 'log'] } : {}),
    ...(line.envFile !== undefined ? { envFile: line.envFile } : {}),
    ...(timeout !== undefined ? { timeoutMs: Number(timeout) } : {}),
    ...(inquiry !== undefined ? { inquiry: parseInquiry(inquiry) } : {}),
  };
}

/** Runs `singapay doctor`; returns the exit code. */
export function runSingapayDoctorCommand(argv: readonly string[], io: SingapayCliIo): Promise<number> {
  return runSingapayCliCommand('doctor', SINGAPAY_DOCTOR_USAGE, argv, parseSingapayDoctorArgs, io, async (options) => {
    const report = await runSingapayDoctor({ ...options, env: io.env, cwd: io.cwd, write: io.write });
    return report.ok ? 0 : 1;
  });
}

function parseInquiry(text: string): NonNullable<SingapayDoctorOptions['inquiry']> {
  const parts = text.split(':');
  const [command, productCode, customerId, period] = parts;
  if (parts.length < 3 || parts.length > 4 || !command || !productCode || !customerId) {
    throw new SingapayCliUsageError('--inquiry must be command:productCode:customerId[:period], e.g. plnpos:SPPLNPOS:146300068064');
  }
  if (!(SINGAPAY_INQUIRY_COMMANDS as readonly string[]).includes(command)) {
    throw new SingapayCliUsageError(`--inquiry command must be one of: ${SINGAPAY_INQUIRY_COMMANDS.join(', ')}`);
  }
  if (period !== undefined && !/^\d{1,2}$/.test(period)) throw new SingapayCliUsageError('--inquiry period must be a number of months');
  return { command: command as SingapayCommand, productCode, customerId, ...(period !== undefined ? { period: Number(period) } : {}) };
}
