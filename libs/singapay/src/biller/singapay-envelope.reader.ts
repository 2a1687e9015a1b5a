import type { SingapayErrorFactory } from '../errors/singapay-error.factory.js';
import type { SingapayEnvelope } from './singapay-api.client.js';
import { SingapayFieldReader } from './singapay-field.reader.js';

/**
 * A reader over an answer's `data` whose missing or unreadable fields become
 * a `malformed_response` exception that keeps the code and the raw answer.
 */
export function envelopeReader(
  errors: SingapayErrorFactory,
  envelope: SingapayEnvelope,
  operation: string,
  context = '',
): SingapayFieldReader {
  return new SingapayFieldReader(envelope.data, (problem) => {
    throw errors.malformed(operation, `${context || `Singapay ${operation} answered code ${envelope.responseCode} but `}${problem}`, {
      code: envelope.responseCode,
      upstreamStatus: envelope.httpStatus,
      raw: envelope.raw,
    });
  });
}
