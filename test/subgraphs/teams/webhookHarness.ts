/**
 * Helpers for the Graph webhook tests: mount the webhook's kit routes on a real HTTP server on
 * 127.0.0.1:0, build notification items the way Graph does, and POST them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SubgraphRoute } from '../../../subgraphs/kit/subgraphServer';

export interface RouteServer {
  url: string;
  close(): Promise<void>;
}

export async function serveRoutes(routes: readonly SubgraphRoute[]): Promise<RouteServer> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = routes.find((r) => r.path === path && r.method === req.method);
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    route.handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface PostResult {
  status: number;
  contentType: string | null;
  text: string;
}

export async function postRaw(url: string, body: string, contentType = 'application/json'): Promise<PostResult> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}

export const postJson = (url: string, body: unknown): Promise<PostResult> => postRaw(url, JSON.stringify(body));

export const TEAM = '399ad927-3175-4275-be35-ba69cadb98ea';
export const CHANNEL = '19:14af05d2455a888c63841adf8205b67c@thread.tacv2';

/** A basic (thin) notification item about a root message, as Graph sends it. */
export function thinItem(opts: { clientState: string | null; messageId?: string; changeType?: string; subscriptionId?: string; resource?: string }): Record<string, unknown> {
  const id = opts.messageId ?? '1700000000001';
  const resource = opts.resource ?? `teams('${TEAM}')/channels('${CHANNEL}')/messages('${id}')`;
  const item: Record<string, unknown> = {
    subscriptionId: opts.subscriptionId ?? '5b4a1b34-0a0a-4b0b-9c0c-0d0d0d0d0d0d', subscriptionExpirationDateTime: '2030-01-01T00:00:00Z',
    changeType: opts.changeType ?? 'created', resource, resourceData: { id, '@odata.type': '#Microsoft.Graph.chatMessage', '@odata.id': resource },
    tenantId: '8d2f7c1e-4b6a-4e9d-a3c5-1f0b9e7d2a64',
  };
  if (opts.clientState !== null) item.clientState = opts.clientState;
  return item;
}
