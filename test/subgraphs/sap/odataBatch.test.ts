/**
 * `$batch` wire format: the request body we build, and parsing (untrusted) multipart responses,
 * including abuse cases.
 */
import { BatchResponseError, buildReadBatch, MAX_RESPONSE_PARTS, multipartBoundary, parseBatchResponse } from '../../../subgraphs/sap/odataBatch';

const http = (status: string, body: string, headers = 'Content-Type: application/json'): string =>
  `Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 ${status}\r\n${headers}\r\n\r\n${body}`;

describe('$batch request body', () => {
  it('writes one application/http GET part per URL with CRLF line endings and a closing delimiter', () => {
    const { contentType, body } = buildReadBatch(["A_SalesOrder?$filter=SalesOrder%20eq%20'1'", 'A_SalesOrder?$top=1'], 'batch_x');
    expect(contentType).toBe('multipart/mixed; boundary=batch_x');
    expect(body).toBe(
      '--batch_x\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n'
      + "GET A_SalesOrder?$filter=SalesOrder%20eq%20'1' HTTP/1.1\r\nAccept: application/json\r\n\r\n\r\n"
      + '--batch_x\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n'
      + 'GET A_SalesOrder?$top=1 HTTP/1.1\r\nAccept: application/json\r\n\r\n\r\n'
      + '--batch_x--\r\n');
  });

  it('refuses unencoded URLs (a space or CRLF would forge a request line)', () => {
    expect(() => buildReadBatch(['A_SalesOrder HTTP/1.1\r\nX: y'])).toThrow();
    expect(() => buildReadBatch(["A_SalesOrder?$filter=a eq 'b'"])).toThrow();
  });

  it('uses a fresh random boundary by default', () => {
    expect(buildReadBatch(['A']).contentType).not.toBe(buildReadBatch(['A']).contentType);
  });
});

describe('$batch response parsing', () => {
  it('reads per-part status, headers and body, and changesets as nested lists', () => {
    const body = `--b1\r\n${http('200 OK', '{"d":{"results":[]}}')}\r\n--b1\r\n${http('404 Not Found', '{"error":{}}')}\r\n`
      + '--b1\r\nContent-Type: multipart/mixed; boundary=cs1\r\n\r\n'
      + `--cs1\r\n${http('204 No Content', '', 'ETag: W/"x"')}\r\n--cs1--\r\n`
      + '--b1--\r\n';
    const items = parseBatchResponse('multipart/mixed; boundary=b1', body);
    expect(items).toEqual([
      { kind: 'response', response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"d":{"results":[]}}' } },
      { kind: 'response', response: { status: 404, headers: { 'content-type': 'application/json' }, body: '{"error":{}}' } },
      { kind: 'changeset', responses: [{ status: 204, headers: { etag: 'W/"x"' }, body: '' }] },
    ]);
  });

  it('accepts quoted boundaries, a preamble and bare LF line endings', () => {
    const lf = `preamble\n--b\n${http('200 OK', '{}').replace(/\r\n/g, '\n')}\n--b--`;
    expect(parseBatchResponse('multipart/mixed; boundary="b"', lf)).toEqual([
      { kind: 'response', response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' } },
    ]);
  });

  it.each([
    ['not multipart', 'application/json', '{}'],
    ['no boundary parameter', 'multipart/mixed', '--b\r\n\r\n--b--'],
    ['no delimiter in the body', 'multipart/mixed; boundary=b', 'hello'],
    ['no closing delimiter', 'multipart/mixed; boundary=b', `--b\r\n${http('200 OK', '{}')}`],
    ['a malformed status line', 'multipart/mixed; boundary=b', '--b\r\nContent-Type: application/http\r\n\r\nHTTP/9 OK\r\n\r\n\r\n--b--'],
    ['a malformed header line', 'multipart/mixed; boundary=b', '--b\r\nno colon here\r\n\r\nx\r\n--b--'],
    ['an unknown part type', 'multipart/mixed; boundary=b', '--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--'],
  ])('refuses %s with BatchResponseError', (_what, contentType, body) => {
    expect(() => parseBatchResponse(contentType, body)).toThrow(BatchResponseError);
  });

  it(`refuses responses with more than ${MAX_RESPONSE_PARTS} parts`, () => {
    const body = `${`--b\r\n${http('200 OK', '{}')}\r\n`.repeat(MAX_RESPONSE_PARTS + 1)}--b--\r\n`;
    expect(() => parseBatchResponse('multipart/mixed; boundary=b', body)).toThrow(/more than/);
  });

  it('does not treat a boundary-like text inside a line as a delimiter', () => {
    const body = `--b\r\n${http('200 OK', '{"v":"x --b y"}')}\r\n--b--\r\n`;
    expect(parseBatchResponse('multipart/mixed; boundary=b', body)[0]).toMatchObject({ response: { body: '{"v":"x --b y"}' } });
  });

  it('reads the boundary of a content type', () => {
    expect(multipartBoundary('multipart/mixed; boundary=batchresponse_1')).toBe('batchresponse_1');
    expect(() => multipartBoundary(undefined)).toThrow(BatchResponseError);
  });
});
