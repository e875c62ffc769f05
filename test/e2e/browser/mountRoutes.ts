/**
 * The IDE and operations routes on a test stack's gateway, answered ahead of the gateway's own
 * routing (same origin, so `/graphql` and its WebSocket are the gateway's). `startGateway` does not
 * serve them yet: once `gateway/server.ts` calls `createIdeRoute`/`createAdminRoute` in `route()`,
 * mounting is skipped (`GET /ide` already answers) and only the admin route's JWT auth is built here.
 */
import type http from 'node:http';
import { createAdminRoute, type AdminRoute } from '../../../gateway/adminPage';
import { createIdeRoute } from '../../../gateway/ideAssets';
import { createJwtAuth, type JwtAuthOptions } from '../../../gateway/jwtAuth';
import { createReadiness } from '../../../gateway/readiness';
import { STACK_GATEWAY_OPTIONS, type Stack } from '../federatedGraph/startStack';

export interface MountedRoutes {
  /** Whether this helper mounted the routes (false: the gateway serves them itself). */
  mounted: boolean;
  close(): Promise<void>;
}

export async function mountRoutes(stack: Stack): Promise<MountedRoutes> {
  const probe = await fetch(stack.gatewayUrl.replace('/graphql', '/ide'), { method: 'HEAD' });
  if (probe.status !== 404) return { mounted: false, close: () => Promise.resolve() };
  const subgraphUrls = () => Object.fromEntries(Object.entries(stack.subgraphs).map(([name, s]) => [name, s.url]));
  const readiness = createReadiness({ loaded: () => stack.gateway.supergraph.hash() !== '', subgraphUrls });
  const ide = createIdeRoute({ enabled: true });
  const admin: AdminRoute = createAdminRoute({
    auth: createJwtAuth(STACK_GATEWAY_OPTIONS.auth as JwtAuthOptions), readiness, stats: () => stack.gateway.stats(), subgraphUrls,
  });
  const server = stack.gateway.server;
  const original = server.listeners('request') as ((req: http.IncomingMessage, res: http.ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const answered = async () => (await ide.handle(req, res, url)) || (await admin.handle(req, res, url));
    answered().then((done) => {
      if (!done) for (const l of original) l(req, res);
    }, (err: unknown) => {
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  });
  return { mounted: true, close: async () => Promise.all([readiness.close(), admin.close()]).then(() => undefined) };
}
