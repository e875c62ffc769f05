import { startSandboxServer, type SandboxServer } from '../../subgraphs/kit/sandboxServer';
import { createLogger } from '../../subgraphs/kit/logger';
import net from 'node:net';

describe('sandbox server kit', () => {
  let s: SandboxServer;
  let resets = 0;
  let expiries = 0;
  let limit = 5;

  beforeAll(async () => {
    s = await startSandboxServer({
      system: 'sap',
      logger: createLogger('kit-test'),
      errorReply: (status, code, message) => ({ status, body: { error: { code, message } } }),
      maxBodyBytes: 1024,
      resetData: () => { resets++; },
      expireTokens: () => { expiries++; },
      settings: {
        get: () => ({ limit }),
        patch: (c) => (typeof c.limit === 'number' ? ((limit = c.limit), null) : 'limit must be a number'),
      },
      routes: [
        { method: 'GET', path: '/items/:id', name: 'GET /items/{id}', handler: (r) => ({ status: 200, body: { id: r.params.id } }) },
        { method: 'POST', path: '/echo', handler: (r) => ({ status: 200, body: { size: r.body.length } }) },
        { method: 'GET', path: '/boom', handler: () => { throw new Error('secret upstream detail'); } },
      ],
    }, 0);
  });
  afterAll(() => s.close());

  const call = async (path: string, init?: RequestInit) => {
    const r = await fetch(s.url + path, init);
    return { status: r.status, headers: r.headers, text: await r.text() };
  };

  it('counts requests per named endpoint and resets the counters', async () => {
    await call('/__admin/counters/reset', { method: 'POST' });
    await call('/items/1');
    await call('/items/2');
    await call('/nowhere');
    const counters = JSON.parse((await call('/__admin/counters')).text);
    expect(counters.byEndpoint).toEqual({ 'GET /items/{id}': 2, 'GET (unrouted)': 1 });
    expect(counters.total).toBe(3);
  });

  it('answers unknown paths 404 and wrong methods 405 in the system error shape', async () => {
    expect(JSON.parse((await call('/nowhere')).text).error.code).toBe('NOT_FOUND');
    const r = await call('/items/1', { method: 'DELETE' });
    expect(r.status).toBe(405);
    expect(JSON.parse(r.text).error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('refuses an oversized body with 413 and keeps serving', async () => {
    const r = await call('/echo', { method: 'POST', body: 'x'.repeat(5000) });
    expect(r.status).toBe(413);
    expect((await call('/echo', { method: 'POST', body: 'ok' })).text).toBe('{"size":2}');
  });

  it('masks a crashing handler as a 500 without the internal message', async () => {
    const r = await call('/boom');
    expect(r.status).toBe(500);
    expect(r.text).not.toContain('secret upstream detail');
    expect((await call('/items/3')).status).toBe(200);
  });

  it('answers broken percent-encoding with 400', async () => {
    expect((await call('/items/%E0%A4%A')).status).toBe(400);
  });

  it('answers HEAD through the GET route without a body', async () => {
    const r = await call('/items/9', { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
  });

  it('survives a garbage request line on a raw socket', async () => {
    await new Promise<void>((resolve) => {
      const sock = net.connect(s.port, '127.0.0.1', () => sock.write('\x00\x01 NOT HTTP\r\n\r\n'));
      sock.on('data', () => undefined);
      sock.on('close', () => resolve());
      sock.on('error', () => resolve());
    });
    expect((await call('/items/4')).status).toBe(200);
  });

  it('applies forced faults with Retry-After and never to admin endpoints', async () => {
    expect((await call('/__admin/faults', { method: 'PUT', body: JSON.stringify({ forceStatus: 503, forceCount: 1, retryAfter: 2 }) })).status).toBe(200);
    const r = await call('/items/5');
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('2');
    expect((await call('/__admin/counters')).status).toBe(200);
    expect((await call('/items/5')).status).toBe(200);
  });

  it('rejects invalid fault and settings bodies with a reason', async () => {
    const bad = await call('/__admin/faults', { method: 'PUT', body: '{"latencyMs":"slow"}' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/latencyMs/);
    expect((await call('/__admin/faults', { method: 'PUT', body: '[1]' })).status).toBe(400);
    expect((await call('/__admin/settings', { method: 'PATCH', body: '{"limit":"x"}' })).status).toBe(400);
    expect(JSON.parse((await call('/__admin/settings', { method: 'PATCH', body: '{"limit":9}' })).text)).toEqual({ limit: 9 });
  });

  it('runs the reset and token-expiry hooks', async () => {
    await call('/__admin/reset', { method: 'POST' });
    await call('/__admin/tokens/expire', { method: 'POST' });
    expect(resets).toBe(1);
    expect(expiries).toBe(1);
  });
});
