import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUndiciFetcher, SubgraphResponseTooLargeError, SubgraphTimeoutError, type UndiciFetcher } from '../../gateway/undiciFetcher';

describe('undici fetcher', () => {
  let server: http.Server;
  let url: string;
  let connections = 0;
  const received: { method?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  let fetcher: UndiciFetcher;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (req.url === '/slow') {
          setTimeout(() => res.end('{}'), 1_000).unref();
          return;
        }
        if (req.url === '/big') {
          res.end('x'.repeat(2048));
          return;
        }
        const status = req.url === '/fail' ? 503 : 200;
        res.writeHead(status, { 'content-type': 'application/json', 'x-echo': 'yes' });
        res.end(JSON.stringify({ data: { ok: status === 200 } }));
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fetcher = createUndiciFetcher({ timeoutMs: 200, maxResponseBytes: 1024 });
  });
  afterAll(async () => {
    await fetcher.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('sends method, headers and body and exposes the response the way the gateway reads it', async () => {
    const res = await fetcher.fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'abc' }, body: '{"query":"{a}"}' });
    expect(received.at(-1)).toMatchObject({ method: 'POST', body: '{"query":"{a}"}', headers: { 'x-request-id': 'abc' } });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.statusText).toBe('OK');
    expect(res.headers.get('Content-Type')).toBe('application/json');
    expect([...res.headers].some(([k, v]) => k === 'x-echo' && v === 'yes')).toBe(true);
    const copy = res.clone();
    expect(await res.json()).toEqual({ data: { ok: true } });
    expect(res.bodyUsed).toBe(true);
    expect(await copy.text()).toBe('{"data":{"ok":true}}');
  });

  it('returns error statuses as responses (ok false) for the data source to map', async () => {
    const res = await fetcher.fetch(`${url}/fail`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(503);
    expect(res.ok).toBe(false);
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    await fetcher.fetch(`${url}/graphql`, { method: 'POST', body: '{}' });
    const before = connections;
    for (let i = 0; i < 5; i += 1) await fetcher.fetch(`${url}/graphql`, { method: 'POST', body: '{}' });
    expect(connections).toBe(before);
  });

  it('gives up after the timeout with SubgraphTimeoutError', async () => {
    await expect(fetcher.fetch(`${url}/slow`, { method: 'POST', body: '{}' })).rejects.toBeInstanceOf(SubgraphTimeoutError);
  });

  it('refuses a response body over the limit', async () => {
    await expect(fetcher.fetch(`${url}/big`, { method: 'GET' })).rejects.toBeInstanceOf(SubgraphResponseTooLargeError);
  });

  it('honours the caller abort signal', async () => {
    const ctrl = new AbortController();
    const pending = fetcher.fetch(`${url}/slow`, { method: 'POST', body: '{}', signal: ctrl.signal });
    ctrl.abort();
    await expect(pending).rejects.toBeTruthy();
    await expect(pending).rejects.not.toBeInstanceOf(SubgraphTimeoutError);
  });
});
