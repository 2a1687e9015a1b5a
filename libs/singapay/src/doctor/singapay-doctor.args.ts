import { SINGAPAY_INQUIRY_COMMANDS, type SingapayCommand } from '../contract/singapay-api.contract.js';
import type { SingapayDoctorOptions } from './singapay-doctor.js';

export const SINGAPAY_DOCTOR_USAGE = `Usage: singapay doctor [--inquiry command:productCode:customerId[:period]] [--production]
                       [--env-file PATH | --no-env-file] [--timeout MS] [--verbose]

Checks a Singapay setup in order: configuration complete, host reachable, token granted,
balance readable and, with --inquiry, one inquiry (no money moves). Reads SINGAPAY_* variables
and the .env file of the working directory, as ConfigModule.forRoot() does.
Exit code 0 when every check passes, 1 otherwise.

  --inquiry c:p:id   also inquire, e.g. plnpos:SPPLNPOS:146300068064
  --production       allow SINGAPAY_ENV=production (refused otherwise)
  --env-file PATH    read this file instead of ./.env; --no-env-file reads none
  --timeout MS       timeout of each network step (default min(SINGAPAY_TIMEOUT_MS, 15000))
  --verbose          show the module's own log lines
`;

export class SingapayDoctorUsageError extends Error {}

/** Parses `singapay doctor` arguments (after the subcommand). */
export function parseSingapayDoctorArgs(argv: readonly string[]): SingapayDoctorOptions & { help?: boolean } {
  const out: SingapayDoctorOptions & { help?: boolean } = {};
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new SingapayDoctorUsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.startsWith('--') && argv[i]!.includes('=') ? argv[i]!.split(/=(.*)/s, 2) : [argv[i]!, undefined];
    const take = () => inline ?? value(i++, flag!);
    switch (flag) {
      case '--help':
      case '-h':
        out.help = true;
        break;
      case '--production':
        out.production = true;
        break;
      case '--verbose':
        out.logLevels = ['error', 'warn', 'log'];
        break;
      case '--no-env-file':
        out.envFile = false;
        break;
      case '--env-file':
        out.envFile = take();
        break;
      case '--timeout': {
        const v = take();
        if (!/^\d{1,6}$/.test(v) || Number(v) < 1) throw new SingapayDoctorUsageError('--timeout must be a number of milliseconds');
        out.timeoutMs = Number(v);
        break;
      }
      case '--inquiry':
        out.inquiry = parseInquiry(take());
        break;
      default:
        throw new SingapayDoctorUsageError(`unknown argument ${flag}`);
    }
  }
  return out;
}

function parseInquiry(text: string): NonNullable<SingapayDoctorOptions['inquiry']> {
  const parts = text.split(':');
  const [command, productCode, customerId, period] = parts;
  if (parts.length < 3 || parts.length > 4 || !command || !productCode || !customerId) {
    throw new SingapayDoctorUsageError('--inquiry must be command:productCode:customerId[:period], e.g. plnpos:SPPLNPOS:146300068064');
  }
  if (!(SINGAPAY_INQUIRY_COMMANDS as readonly string[]).includes(command)) {
    throw new SingapayDoctorUsageError(`--inquiry command must be one of: ${SINGAPAY_INQUIRY_COMMANDS.join(', ')}`);
  }
  if (period !== undefined && !/^\d{1,2}$/.test(period)) throw new SingapayDoctorUsageError('--inquiry period must be a number of months');
  return { command: command as SingapayCommand, productCode, customerId, ...(period !== undefined ? { period: Number(period) } : {}) };
}
