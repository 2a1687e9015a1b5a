import type { SingapayAcceptedPayment, SingapayException, SingapayPaymentResult } from '@app/singapay';

/** Runs `fn` and returns what it threw; fails the test when it does not throw. */
export async function failure(fn: () => Promise<unknown>): Promise<SingapayException> {
  try {
    await fn();
  } catch (error) {
    return error as SingapayException;
  }
  throw new Error('expected a failure');
}

/** Narrows a payment result to an accepted one, failing the test otherwise. */
export function accepted(result: SingapayPaymentResult): SingapayAcceptedPayment {
  if (result.status === 'unknown') throw new Error(`payment outcome unknown: ${result.reason}`);
  return result;
}
