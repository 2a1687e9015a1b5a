import { createSingapayException, SingapayException } from '../errors/singapay.exception.js';
import { diagnoseSingapayFailure } from './singapay-health.diagnosis.js';

const fail = (init: Partial<ConstructorParameters<typeof SingapayException>[0]>) =>
  createSingapayException({ code: null, type: 'unknown', httpStatus: 502, message: 'x', ...init });

describe('diagnoseSingapayFailure', () => {
  it('names the IP address to whitelist', () => {
    const d = diagnoseSingapayFailure(
      fail({ code: '08', type: 'permission_denied', upstreamStatus: 403, message: "Singapay refused the caller's IP address (198.51.100.4): submit it" }),
    );
    expect(d).toMatchObject({ cause: 'ip_not_whitelisted', responseCode: '08' });
    expect(d.message).toContain('submit 198.51.100.4 to Singapay');
  });

  it('tells a refused partner id from other code 08 answers', () => {
    expect(diagnoseSingapayFailure(fail({ code: '08', type: 'permission_denied', upstreamStatus: 403, message: 'refused the request' })).cause).toBe('partner_id_refused');
    expect(diagnoseSingapayFailure(fail({ code: '08', type: 'permission_denied', upstreamStatus: 200, message: 'Invalid password' })).cause).toBe('permission_denied');
  });

  it('tells refused client credentials from a refused fresh token', () => {
    expect(diagnoseSingapayFailure(fail({ code: '16', type: 'unauthenticated', message: 'Singapay refused the client credentials: check' })).cause).toBe(
      'client_credentials_refused',
    );
    expect(diagnoseSingapayFailure(fail({ code: '16', type: 'unauthenticated', message: 'Singapay refused a freshly issued access token' })).cause).toBe(
      'credentials_mismatch',
    );
  });

  it('reads transport failures', () => {
    const unreachable = diagnoseSingapayFailure(fail({ type: 'connection_failed', message: 'Could not connect to Singapay for checkBalance (ENOTFOUND); not sent' }));
    expect(unreachable).toMatchObject({ cause: 'unreachable', responseCode: null });
    expect(unreachable.message).toContain('(ENOTFOUND)');
    expect(diagnoseSingapayFailure(fail({ type: 'timeout' })).cause).toBe('timeout');
    expect(diagnoseSingapayFailure(fail({ type: 'malformed_response' })).cause).toBe('singapay_error');
    expect(diagnoseSingapayFailure(fail({ code: '89', type: 'general_service_error' })).message).toContain('code 89');
  });

  it('says nothing of an unexpected error but its name', () => {
    const d = diagnoseSingapayFailure(new TypeError('something with a s3cr3t inside'));
    expect(d).toEqual({ cause: 'unexpected_error', message: 'The Singapay health check failed with TypeError; see the application log', responseCode: null, responseType: 'TypeError' });
  });
});
