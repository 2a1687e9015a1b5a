import { createSingapayException } from '../errors/singapay.exception.js';
import { callAttributes, failureAttributes } from './singapay-telemetry.attributes.js';

describe('telemetry attributes', () => {
  it("keep a failure's type, cause, delivery, code and status, never its message", () => {
    const error = createSingapayException({
      code: '17',
      type: 'insufficient_balance',
      httpStatus: 503,
      upstreamStatus: 200,
      message: 'Singapay said: deposit of merchant 146300068064 too low',
    });
    expect(failureAttributes(error)).toEqual({
      'error.type': 'insufficient_balance',
      'singapay.cause': 'insufficient_balance',
      'singapay.delivery': 'received',
      'singapay.response_code': '17',
      'http.response.status_code': 200,
    });
  });

  it("drop values that are not the module's own words, and name foreign errors by class only", () => {
    const odd = createSingapayException({ code: '<b>9</b>', type: 'unrecognised', httpStatus: 502, message: 'x', upstreamStatus: 42 });
    expect(failureAttributes(odd)).toEqual({
      'error.type': 'unrecognised',
      'singapay.cause': 'singapay_error',
      'singapay.delivery': 'received',
    });
    expect(failureAttributes(new TypeError('customer 146300068064 broke it'))).toEqual({ 'error.type': 'TypeError' });
    expect(failureAttributes({ name: 'has spaces and 146300068064' })).toEqual({ 'error.type': '_OTHER' });
    expect(failureAttributes(undefined)).toEqual({ 'error.type': '_OTHER' });
  });

  it('describe a call without its customer or body', () => {
    const call = {
      operation: 'inquiry',
      body: { command: 'plnpos', data: { customer_id: '146300068064' } },
      log: { productCode: 'SPPLNPOS', customerId: '146300068064' },
    };
    expect(callAttributes(call, 'default')).toEqual({
      'singapay.registration': 'default',
      'singapay.operation': 'inquiry',
      'singapay.command': 'plnpos',
      'singapay.product_code': 'SPPLNPOS',
    });
    expect(callAttributes({ operation: 'pay', body: { command: 'pulsa' }, log: { productCode: 'SP 10; DROP' } }, 'b')).not.toHaveProperty(
      'singapay.product_code',
    );
  });
});
