/**
 * Slow and silent clients end to end, with the gateway's timeouts set small through its
 * environment: a WebSocket that never sends `connection_init` is closed with 4408, a graphql-ws
 * `connection_init` without or with a bad token is closed with 4403, an HTTP client trickling its
 * headers is cut by the headers timeout, and a WebSocket client that stops reading while results
 * are pushed to it is dropped. The gateway keeps serving others throughout.
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import { createClient } from 'graphql-ws';
import pino from 'pino';
import WebSocket from 'ws';
import { startStack, testToken, type Stack } from '../federatedGraph/startStack';
import { expectStillServing, send } from './abuseChecks';

const GRAPHQL_WS = 'graphql-transport-ws';
/** Lines (one every 50 ms) a trickling client sends before it gives up and completes its headers. */
const TRICKLE_LINES = 200;

/** The gateway's warn-level log lines, kept in memory. */
function capturedLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

/** Waits until `check()` holds, polling every 50 ms, at most `tries` times. */
async function until(check: () => boolean | Promise<boolean>, what: string, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** How the gateway closed a graphql-ws client that sent `connectionParams` (its close code). */
function closeCodeFor(url: string, connectionParams: Record<string, unknown>): Promise<number | 'connected'> {
  return new Promise((resolve) => {
    const client = createClient({
      url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams,
      onNonLazyError: () => undefined,
      on: {
        connected: () => {
          resolve('connected');
          void client.dispose();
        },
        closed: (event) => resolve((event as { code: number }).code),
      },
    });
  });
}

describe('slow and silent clients', () => {
  let stack: Stack;
  let wsUrl: string;
  const logs = capturedLogger();

  beforeAll(async () => {
    stack = await startStack({
      gateway: {
        logger: logs.logger,
        env: { ...process.env, GATEWAY_WS_INIT_TIMEOUT_MS: '300', GATEWAY_HEADERS_TIMEOUT_MS: '300', GATEWAY_WS_MAX_BUFFERED_BYTES: '1024' },
      },
    });
    wsUrl = stack.gatewayUrl.replace('http', 'ws');
  }, 120_000);
  afterAll(() => stack?.close());
  afterEach(() => jest.restoreAllMocks());

  const openSockets = async (): Promise<number> => {
    const reply = await send(stack.gatewayUrl.replace('/graphql', '/metrics'));
    const m = /^lumina_gateway_websocket_connections (\d+)/m.exec(reply.text);
    if (!m) throw new Error('no lumina_gateway_websocket_connections in /metrics');
    return Number(m[1]);
  };

  it('closes a WebSocket that never sends connection_init with 4408', async () => {
    const ws = new WebSocket(wsUrl, GRAPHQL_WS);
    const code = await new Promise<number>((resolve) => ws.on('close', (c: number) => resolve(c)));
    expect(code).toBe(4408);
    await expectStillServing(stack);
  });

  it('closes a graphql-ws connection without a token, or with a bad one, with 4403', async () => {
    expect(await closeCodeFor(wsUrl, {})).toBe(4403);
    expect(await closeCodeFor(wsUrl, { authorization: 'Bearer abc' })).toBe(4403);
    expect(await closeCodeFor(wsUrl, { authorization: `Bearer ${await testToken({ expiresInS: -300 })}` })).toBe(4403);
    expect(await closeCodeFor(wsUrl, { authorization: `Bearer ${await testToken()}` })).toBe('connected');
    await expectStillServing(stack);
  });

  it('cuts an HTTP client that trickles its headers with 408, before it has sent them all', async () => {
    const { hostname, port, host } = new URL(stack.gatewayUrl);
    const outcome = await new Promise<{ status: number; headersComplete: boolean }>((resolve, reject) => {
      let headersComplete = false;
      let got = '';
      let timer: NodeJS.Timeout | undefined;
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(`POST /graphql HTTP/1.1\r\nHost: ${host}\r\n`);
        let sent = 0;
        timer = setInterval(() => {
          if (sent++ < TRICKLE_LINES) {
            socket.write(`X-Trickle-${sent}: ${'a'.repeat(10)}\r\n`);
            return;
          }
          clearInterval(timer);
          headersComplete = true;
          socket.write('Connection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
        }, 50);
      });
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        got += chunk;
      });
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0), headersComplete });
      });
      socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    });
    expect(outcome).toEqual({ status: 408, headersComplete: false });
    await expectStillServing(stack);
  }, 60_000);

  it('drops a WebSocket client that stops reading while results are pushed to it, and keeps serving', async () => {
    // Logs go through pino only: dropping the client must not make graphql-ws print to the console.
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const token = await testToken();
    const ws = new WebSocket(wsUrl, GRAPHQL_WS);
    let raw: net.Socket | undefined;
    ws.once('upgrade', (res) => {
      raw = res.socket as net.Socket;
    });
    const acked = new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer) => {
        if ((JSON.parse(data.toString('utf8')) as { type: string }).type === 'connection_ack') resolve();
      });
      ws.once('close', (code: number) => reject(new Error(`closed with ${code} before the ack`)));
    });
    ws.on('error', () => undefined);
    await new Promise<void>((resolve) => ws.once('open', () => resolve()));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await acked;
    expect(await openSockets()).toBe(1);

    // Stop reading, then ask for far more than the socket buffers hold (about 200 KB per result).
    raw!.pause();
    const fields = Array.from({ length: 25 }, (_, i) => `f${i}: email`).join(' ');
    const query = `{ contacts(first: 200) { nodes { id name title phone department ${fields} } } }`;
    for (let i = 0; i < 80; i++) ws.send(JSON.stringify({ id: `q${i}`, type: 'subscribe', payload: { query } }));

    await until(() => logs.lines.some((l) => l.includes('does not read')), 'the gateway to drop the slow reader');
    await until(async () => (await openSockets()) === 0, 'the open-socket count to fall');
    raw!.destroy();
    await expectStillServing(stack);
    expect(consoleError.mock.calls.map((args) => String(args[0]).slice(0, 120))).toEqual([]);
  }, 60_000);
});
