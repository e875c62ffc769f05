/**
 * A real webhook receiver on 127.0.0.1:0 for the Event Mesh tests: answers the OPTIONS handshake
 * as scripted, records every request, answers POSTs from a status script (then 202), can hold POST
 * answers until released, and lets a test wait for the n-th POST without timers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  posts(): ReceivedRequest[];
  /** How OPTIONS is answered. @default 200 echoing WebHook-Request-Origin */
  handshake: (req: ReceivedRequest) => { status: number; headers?: Record<string, string> };
  /** Statuses for the next POSTs, consumed in order; afterwards 202. */
  script: number[];
  /** Hold POST answers until the returned function is called. */
  hold(): () => void;
  /** Resolves once `n` POSTs have arrived in total. */
  waitForPosts(n: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: Array<{ n: number; resolve: (r: ReceivedRequest[]) => void }> = [];
  let held: Promise<void> | null = null;
  const posts = (): ReceivedRequest[] => requests.filter((r) => r.method === 'POST');

  const receiver: Omit<WebhookReceiver, 'url' | 'close'> = {
    requests,
    posts,
    handshake: (req) => ({ status: 200, headers: { 'webhook-allowed-origin': String(req.headers['webhook-request-origin'] ?? '') } }),
    script: [],
    hold() {
      let release!: () => void;
      held = new Promise<void>((r) => { release = r; });
      return () => { held = null; release(); };
    },
    waitForPosts(n) {
      if (posts().length >= n) return Promise.resolve(posts());
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: ReceivedRequest = { method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      if (rec.method === 'OPTIONS') {
        const answer = receiver.handshake(rec);
        res.writeHead(answer.status, answer.headers ?? {}).end();
        return;
      }
      const status = receiver.script.shift() ?? 202;
      const gate = held ?? Promise.resolve();
      for (const w of [...waiters]) {
        if (posts().length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(posts());
        }
      }
      void gate.then(() => res.writeHead(status).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks/sap`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  });
}
