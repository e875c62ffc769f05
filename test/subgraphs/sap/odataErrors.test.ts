/**
 * OData V2 error bodies (JSON and XML) and the status → code mapping; the upstream text stays in
 * the cause.
 */
import { parseODataError, sapHttpError, SapUpstreamError } from '../../../subgraphs/sap/odataErrors';

const V2_ERROR = JSON.stringify({
  error: { code: 'V1/302', message: { lang: 'en', value: 'Sales document 9 is not in the database' }, innererror: { transactionid: 'ABC123', errordetails: [] } },
});

describe('OData error bodies', () => {
  it('reads code, message and transaction id from the JSON body', () => {
    expect(parseODataError(V2_ERROR)).toEqual({ code: 'V1/302', message: 'Sales document 9 is not in the database', transactionId: 'ABC123' });
  });

  it('reads the XML body', () => {
    const xml = '<?xml version="1.0"?><error xmlns="x"><code>SY/530</code><message xml:lang="en">An exception was raised.</message><innererror><transactionid>T1</transactionid></innererror></error>';
    expect(parseODataError(xml)).toEqual({ code: 'SY/530', message: 'An exception was raised.', transactionId: 'T1' });
  });

  it.each(['', 'CSRF token validation failed', 'null', '[]', '{"error":null}', '{"error":"x"}', '<html>oops</html>'])('returns null for %j', (raw) => {
    expect(parseODataError(raw)).toBeNull();
  });

  it('tolerates odd shapes and caps lengths', () => {
    expect(parseODataError(JSON.stringify({ error: { code: 42, message: 'plain' } }))).toEqual({ code: '', message: 'plain', transactionId: undefined });
    expect(parseODataError(JSON.stringify({ error: { code: 'C', message: { value: 'x'.repeat(10_000) } } }))?.message).toHaveLength(2000);
  });
});

describe('status mapping', () => {
  it.each([
    [400, 'UPSTREAM_REJECTED'], [401, 'UPSTREAM_AUTH_FAILED'], [403, 'UPSTREAM_FORBIDDEN'], [404, 'NOT_FOUND'], [412, 'CONFLICT'],
    [428, 'CONFLICT'], [429, 'UPSTREAM_RATE_LIMITED'], [500, 'UPSTREAM_UNAVAILABLE'], [503, 'UPSTREAM_UNAVAILABLE'], [504, 'UPSTREAM_TIMEOUT'],
  ])('maps %i to %s', (status, code) => {
    expect(sapHttpError({ status, text: '', operation: 'GET x' }).extensions.code).toBe(code);
  });

  it('keeps the upstream message in the cause only', () => {
    const err = sapHttpError({ status: 404, text: V2_ERROR, operation: 'GET API_SALES_ORDER_SRV/A_SalesOrder' });
    expect(err.message).not.toContain('Sales document');
    expect(err.extensions).toEqual({ code: 'NOT_FOUND', system: 'sap', retryable: false });
    expect(err.originalError).toBeInstanceOf(SapUpstreamError);
    expect(err.originalError?.message).toContain('V1/302 Sales document 9 is not in the database (transaction ABC123)');
  });

  it('adds retryAfterSeconds to a 429 that carried Retry-After', () => {
    expect(sapHttpError({ status: 429, text: '', retryAfter: '7', operation: 'x' }).extensions).toEqual({
      code: 'UPSTREAM_RATE_LIMITED', system: 'sap', retryable: true, retryAfterSeconds: 7,
    });
  });
});
