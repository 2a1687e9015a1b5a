import { createSingapayException, SingapayException, SingapayTransportException } from './singapay.exception.js';
import { diagnoseSingapayFailure } from './singapay-failure.diagnosis.js';

const fail = (init: Partial<ConstructorParameters<typeof SingapayException>[0]>) =>
  createSingapayException({ code: null, type: 'unknown', httpStatus: 502, message: 'x', ...init });

describe('diagnoseSingapayFailure', () => {
  it('names the IP address to whitelist, from the exception, not its message', () => {
    const d = diagnoseSingapayFailure(
      fail({ code: '08', type: 'permission_denied', upstreamStatus: 403, cause: 'ip_not_whitelisted', ipAddress: '198.51.100.4' }),
    );
    expect(d).toMatchObject({ cause: 'ip_not_whitelisted', responseCode: '08', ipAddress: '198.51.100.4' });
    expect(d.message).toContain('submit 198.51.100.4 to Singapay');
  });

  it('reads the cause the exception carries; the code alone gives a default', () => {
    expect(diagnoseSingapayFailure(fail({ code: '08', type: 'permission_denied', cause: 'partner_id_refused' })).cause).toBe(
      'partner_id_refused',
    );
    expect(diagnoseSingapayFailure(fail({ code: '08', type: 'permission_denied', message: 'mentions an IP address' })).cause).toBe(
      'permission_denied',
    );
    expect(diagnoseSingapayFailure(fail({ code: '16', type: 'unauthenticated', cause: 'client_credentials_refused' })).cause).toBe(
      'client_credentials_refused',
    );
    expect(diagnoseSingapayFailure(fail({ code: '16', type: 'unauthenticated', message: 'refused the client credentials' })).cause).toBe(
      'credentials_mismatch',
    );
  });

  it('reads transport failures', () => {
    const unreachable = diagnoseSingapayFailure(
      fail({ type: 'connection_failed', message: 'Could not connect to Singapay for checkBalance (ENOTFOUND); not sent' }),
    );
    expect(unreachable).toMatchObject({ cause: 'unreachable', responseCode: null });
    expect(unreachable.message).toContain('(ENOTFOUND)');
    expect(diagnoseSingapayFailure(fail({ type: 'timeout' })).cause).toBe('timeout');
    expect(diagnoseSingapayFailure(fail({ type: 'aborted' })).cause).toBe('timeout');
    // Singapay's code 11 shares the name: an answer, neither a transport failure nor the caller's abort.
    const conflict = fail({ code: '11', type: 'aborted', httpStatus: 409 });
    expect(conflict).not.toBeInstanceOf(SingapayTransportException);
    expect([conflict.cause, conflict.delivery]).toEqual(['singapay_error', 'received']);
    expect(diagnoseSingapayFailure(conflict).cause).toBe('singapay_error');
    expect(diagnoseSingapayFailure(fail({ type: 'malformed_response' })).cause).toBe('singapay_error');
    expect(diagnoseSingapayFailure(fail({ code: '89', type: 'general_service_error' })).message).toContain('code 89');
  });

  it('says nothing of an unexpected error but its name', () => {
    const d = diagnoseSingapayFailure(new TypeError('something with a s3cr3t inside'));
    expect(d).toEqual({
      cause: 'unexpected_error',
      message: 'The Singapay health check failed with TypeError; see the application log',
      responseCode: null,
      responseType: 'TypeError',
    });
  });
});

describe('SingapayException.cause', () => {
  it('is a plain string derived from the type or the code table, and stays off getResponse()', () => {
    expect(fail({ type: 'connection_failed' }).cause).toBe('unreachable');
    expect(fail({ code: '17', type: 'insufficient_balance', httpStatus: 503 }).cause).toBe('insufficient_balance');
    expect(fail({ code: '20', type: 'customer_not_found', httpStatus: 404 }).cause).toBe('rejected');
    expect(fail({ code: '99', type: 'internal', httpStatus: 502 }).cause).toBe('singapay_error');
    expect(JSON.stringify(fail({ type: 'timeout' }).getResponse())).not.toContain('cause');
  });
});
