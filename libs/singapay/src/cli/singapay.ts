#!/usr/bin/env node
/** The `singapay` command of the nestjs-singapay package (its commands: USAGE). A command-line tool: it writes to stdout. */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import process from 'node:process';
import { runSingapayDoctorCommand } from './singapay-doctor.command.js';
import { runSingapayLedger } from './singapay-ledger.command.js';
import { runSingapayMigrate, runSingapayPrune } from './singapay-postgres.commands.js';
import { runSingapayReconcile } from './singapay-reconcile.command.js';

const USAGE = `Usage: singapay <command>

Commands:
  doctor     check a Singapay setup (configuration, host, token, balance, inquiry)
  migrate    create or upgrade the PostgreSQL payment ledger (--print: the SQL)
  prune      delete final payment records older than a date from the PostgreSQL ledger
  reconcile  the daily reconciliation report: one WIB day's payment records against Singapay's list
  ledger     whether the shared payment store lost records (payments stop then), and resume after checking

Run "singapay <command> --help" for its options. Exit code 2: a usage or configuration error.
`;

const COMMANDS = {
  doctor: runSingapayDoctorCommand,
  migrate: runSingapayMigrate,
  prune: runSingapayPrune,
  reconcile: runSingapayReconcile,
  ledger: runSingapayLedger,
} as const;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? process.stderr : process.stdout).write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (!Object.hasOwn(COMMANDS, command)) {
    process.stderr.write(`singapay: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  // The command prints its own outcome; the store's log lines would only repeat it (the doctor shows the module's with --verbose).
  if (command !== 'doctor') Logger.overrideLogger(false);
  return COMMANDS[command as keyof typeof COMMANDS](rest, {
    write: (line: string) => process.stdout.write(`${line}\n`),
    error: (line: string) => process.stderr.write(`${line}\n`),
    // On a terminal only: a log file or a pipe gets no carriage returns.
    ...(process.stderr.isTTY ? { progress: (line: string) => process.stderr.write(`\r\x1b[K${line}`) } : {}),
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // A socket left open somewhere must not keep the terminal waiting.
    setTimeout(() => process.exit(code), 2_000).unref();
  },
  (error: unknown) => {
    // Messages of this module never carry a secret; no stack, no request details.
    process.stderr.write(`singapay: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
