import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { SingapayConfigurationError } from '../config/singapay-options.validation.js';

/** The variables the doctor reads, and where they came from. */
export interface SingapayDoctorEnv {
  env: NodeJS.ProcessEnv;
  /** The `.env` file read, if any (absolute path). */
  envFile?: string;
  /** Variable name -> `environment` or `.env`, for `SINGAPAY_*` variables only. */
  sources: Record<string, 'environment' | '.env'>;
}

/**
 * Reads configuration as `ConfigModule.forRoot()` does by default: the `.env`
 * file of the working directory fills in variables the environment does not
 * already set (the environment wins), without variable expansion.
 * `envFile: false` reads the environment only; a path given explicitly must exist.
 */
export function loadSingapayDoctorEnv(
  options: { env?: NodeJS.ProcessEnv; cwd?: string; envFile?: string | false } = {},
): SingapayDoctorEnv {
  const base = options.env ?? process.env;
  const env: NodeJS.ProcessEnv = { ...base };
  const sources: SingapayDoctorEnv['sources'] = {};
  for (const key of Object.keys(base)) if (key.startsWith('SINGAPAY_') && base[key]?.trim()) sources[key] = 'environment';
  const file = options.envFile === false ? undefined : resolve(options.cwd ?? process.cwd(), options.envFile ?? '.env');
  if (!file || !existsSync(file)) {
    if (file && options.envFile !== undefined) throw new SingapayConfigurationError([`the env file ${file} does not exist`]);
    return { env, sources };
  }
  for (const [key, value] of Object.entries(parseEnv(withValuesOnly(readFileSync(file, 'utf8'))))) {
    if (env[key] !== undefined || value === undefined) continue;
    env[key] = value;
    if (key.startsWith('SINGAPAY_') && value.trim()) sources[key] = '.env';
  }
  return { env, envFile: file, sources };
}

/**
 * The file as the app's dotenv reads it (`NAME: value` as `NAME=value`), without its lines that set nothing (a name with no "="), as dotenv drops them:
 * Node 20's parser reads such a line into the next line's name (`FLAG\nSINGAPAY_ENV`), so that
 * `SINGAPAY_ENV` would go unseen here while the app runs with it. A quoted value's later lines stay.
 */
function withValuesOnly(text: string): string {
  const kept: string[] = [];
  let quote: string | undefined;
  for (let line of text.split(/\r?\n/)) {
    // dotenv also reads `NAME: value` (a colon, then a space) as an assignment; Node's parser does not.
    if (!quote) line = line.replace(/^(\s*(?:export\s+)?[\w.-]+):(?=\s)/, '$1=');
    if (quote) {
      kept.push(line);
      if (line.includes(quote)) quote = undefined;
      continue;
    }
    const opened = /^\s*(?:export\s+)?[\w.-]+\s*=\s*(["'`])(.*)$/.exec(line);
    if (opened) {
      kept.push(line);
      if (!opened[2]!.includes(opened[1]!)) quote = opened[1];
    } else if (/^\s*(#|$)/.test(line) || line.includes('=')) kept.push(line);
  }
  return kept.join('\n');
}
