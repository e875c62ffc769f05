/**
 * A scripted webhook endpoint for the sandbox's change-notification tests: a real HTTP server on
 * 127.0.0.1:0 that answers Graph's validation handshake (or fails it as told) and records every
 * notification POST, answering with the scripted statuses.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type HandshakeMode = 'echo' | 'wrongEcho' | 'forbidden' | 'json' | 'hang';

export interface ReceivedPost {
  path: string;
  validationToken: string | null;
  contentType: string | undefined;
  body: Record<string, unknown> | null;
}

export interface WebhookReceiver {
  url: string;
  /** Every request received, in order. */
  received: ReceivedPost[];
  /** Notification POSTs (not handshakes) received on `path` (all paths when omitted). */
  notifications(path?: string): Array<Record<string, unknown>>;
  handshake: HandshakeMode;
  /** Statuses for the next notification POSTs, used up in order; afterwards 202. */
  statuses: number[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const hanging: http.ServerResponse[] = [];
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    notifications: (path) => receiver.received
      .filter((r) => r.validationToken === null && r.body !== null && (path === undefined || r.path === path))
      .map((r) => r.body as Record<string, unknown>),
    handshake: 'echo',
    statuses: [],
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const token = url.searchParams.get('validationToken');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | null = null;
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
      } catch {
        body = null;
      }
      receiver.received.push({ path: url.pathname, validationToken: token, contentType: req.headers['content-type'], body });
      if (token !== null) {
        if (receiver.handshake === 'hang') {
          hanging.push(res);
          return;
        }
        if (receiver.handshake === 'forbidden') res.writeHead(403).end();
        else if (receiver.handshake === 'json') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(token));
        else res.writeHead(200, { 'content-type': 'text/plain' }).end(receiver.handshake === 'wrongEcho' ? encodeURIComponent(token) : token);
        return;
      }
      res.writeHead(receiver.statuses.shift() ?? 202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}
