/**
 * `singapay ledger` and `singapay ledger resume`: whether the payment store the app shares
 * still holds every record, and the operator's resume after it lost some.
 */
import { SINGAPAY_ENV_VARS } from '../config/singapay.config.js';
import {
  openSingapayCliApp,
  parseSingapayCliArgs,
  runSingapayCliCommand,
  SingapayCliUsageError,
  type SingapayCliIo,
} from './singapay-cli.app.js';

export const SINGAPAY_LEDGER_USAGE = `Usage: singapay ledger [status | resume] [--env-file FILE | --no-env-file] [--production] [--name NAME]

A Redis that keeps payment records and loses some (flushed, restarted without its data, failed
over to a replica that lacked the latest writes) stops payments in every replica: an
idempotency key it no longer knows may have been paid already. Reads carry on.

  status   (the default) whether the payment store holds every record; exit 0 when it does,
           1 when payments are stopped (since when, and why)
  resume   lift the stop for every replica. First check the orders paid since the last good
           state (in your order system and Singapay's dashboard, or with singapay reconcile):
           their keys are unknown to the store again, and paying one again pays it twice.

Reads SINGAPAY_* variables and ./.env as the app does, and the store the app shares:
${SINGAPAY_ENV_VARS.redisUrl} (Redis) or ${SINGAPAY_ENV_VARS.databaseUrl} (PostgreSQL, which cannot lose records this way).
Exit code 2: a usage or configuration error.

  --env-file FILE    read variables from FILE instead of ./.env; --no-env-file reads none
  --production       allow ${SINGAPAY_ENV_VARS.environment}=production (refused otherwise)
  --name NAME        the registration's name, when the app names it (SingapayModule.forRoot({ name }))
`;

function parseArgs(argv: readonly string[]) {
  const line = parseSingapayCliArgs(argv, { app: true, words: 1 });
  const action = line.words[0] ?? 'status';
  if (action !== 'status' && action !== 'resume') throw new SingapayCliUsageError(`unknown action "${action}"`);
  return { ...line, action };
}

/** Runs `singapay ledger`; returns the exit code. */
export function runSingapayLedger(argv: readonly string[], io: SingapayCliIo): Promise<number> {
  return runSingapayCliCommand('ledger', SINGAPAY_LEDGER_USAGE, argv, parseArgs, io, async (args, run) => {
    const service = await openSingapayCliApp(args, io, run, {
      production: args.action === 'resume' ? 'resume lets your live replicas pay again' : 'status reads your live payment store',
      noSharedStore: `no shared payment store is configured: set ${SINGAPAY_ENV_VARS.redisUrl} or ${SINGAPAY_ENV_VARS.databaseUrl} to the store your app uses`,
    });
    const before = await service.checkPaymentStore();
    if (before.intact) {
      io.write(run.scrub(`payment store: intact; ${args.action === 'status' ? 'payments are not stopped' : 'nothing to resume'}`));
      return 0;
    }
    if (args.action === 'status') {
      io.write(
        run.scrub(
          `payment store: LOST RECORDS (${before.reason}; noticed ${before.since}); payments are stopped in every replica until: singapay ledger resume`,
        ),
      );
      return 1;
    }
    await service.resumePayments();
    io.write(run.scrub(`payment store: payments resumed for every replica (they had stopped at ${before.since}: ${before.reason})`));
    return 0;
  });
}
