import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLError } from 'graphql';
import pino from 'pino';
import { codeForStatus, createUpstreamHttp, retryAfterMs } from '../../subgraphs/kit/upstreamHttp';

/** A real HTTP server that answers with a scripted sequence of statuses ('hang' never answers). */
async function scriptedServer(script: (number | 'hang')[], headers: Record<string, string> = {}) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const step = script.shift() ?? 200;
    if (step === 'hang') return;
    res.writeHead(step, { 'content-type': 'text/plain', ...headers });
    res.end(`status ${step}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  return { url, seen, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const log = pino({ level: 'silent' });

describe('upstream HTTP policy', () => {
  it('retries idempotent requests on 503 and 429 and returns the eventual answer', async () => {
    const s = await scriptedServer([503, 429, 200]);
    const client = createUpstreamHttp({ system: 'sap', logger: log, backoffMs: 1 });
    const res = await client.request({ method: 'GET', url: s.url });
    expect(res).toMatchObject({ status: 200, text: 'status 200' });
    expect(s.seen).toHaveLength(3);
    await client.close();
    await s.close();
  });

  it('does not repeat a non-idempotent write', async () => {
    const s = await scriptedServer([503, 200]);
    const client = createUpstreamHttp({ system: 'sap', logger: log, backoffMs: 1 });
    const res = await client.request({ method: 'PATCH', url: s.url, body: '{}' });
    expect(res.status).toBe(503);
    expect(s.seen).toEqual(['PATCH /x']);
    await client.close();
    await s.close();
  });

  it('returns a throttling answer whose Retry-After is longer than it will wait', async () => {
    const s = await scriptedServer([429, 200], { 'retry-after': '30' });
    const client = createUpstreamHttp({ system: 'teams', logger: log, backoffMs: 1, maxRetryAfterMs: 1000 });
    const res = await client.request({ method: 'GET', url: s.url });
    expect(res.status).toBe(429);
    expect(s.seen).toHaveLength(1);
    await client.close();
    await s.close();
  });

  it('turns a hung upstream into UPSTREAM_TIMEOUT after the retries', async () => {
    const s = await scriptedServer(['hang', 'hang']);
    const client = createUpstreamHttp({ system: 'sap', logger: log, timeoutMs: 150, retries: 1, backoffMs: 1 });
    const err = (await client.request({ method: 'GET', url: s.url }).catch((e: unknown) => e)) as GraphQLError;
    expect(err.extensions).toEqual({ code: 'UPSTREAM_TIMEOUT', system: 'sap', retryable: true });
    expect(err.message).not.toContain('127.0.0.1');
    expect(s.seen).toHaveLength(2);
    await client.close();
    await s.close();
  });

  it('turns a refused connection into UPSTREAM_UNAVAILABLE', async () => {
    const s = await scriptedServer([]);
    await s.close();
    const client = createUpstreamHttp({ system: 'salesforce', logger: log, retries: 0 });
    const err = (await client.request({ method: 'GET', url: s.url }).catch((e: unknown) => e)) as GraphQLError;
    expect(err.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    await client.close();
  });

  it('maps statuses and Retry-After values', () => {
    expect([400, 401, 403, 404, 412, 429, 504, 500].map(codeForStatus)).toEqual([
      'UPSTREAM_REJECTED', 'UPSTREAM_AUTH_FAILED', 'UPSTREAM_FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'UPSTREAM_RATE_LIMITED', 'UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE']);
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(undefined)).toBeNull();
    expect(retryAfterMs('soon')).toBeNull();
  });
});
