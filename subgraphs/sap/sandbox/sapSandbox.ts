/**
 * The SAP S/4HANA sandbox: API_SALES_ORDER_SRV and API_BUSINESS_PARTNER over OData V2 as SAP
 * Gateway serves them (Basic auth, CSRF, ETags, `$batch`), on seeded data shared with the other
 * sandboxes through the seed people's emails. See README.md in this folder.
 */
import type { Logger } from 'pino';
import { createLogger } from '../../kit/logger';
import { startSandboxServer, type SandboxReply, type SandboxRequest, type SandboxServer } from '../../kit/sandboxServer';
import { createBusinessPartnerService } from './businessPartnerRoutes';
import { createCsrfSessions, DEFAULT_CLIENT, SYSTEM_ID } from './csrf';
import { SERVICE_PATH_PREFIX } from './edmModel';
import type { SapSettings, ServiceDeps } from './odataService';
import { createSalesOrderService } from './salesOrderRoutes';
import { errorReply, kitErrorReply, SapCode } from './sapErrors';
import { createSapStore, type SapStore } from './sapStore';
import { constantTimeEqual } from '../../kit/constantTimeEqual';
import { createEventMesh, type EventMesh, type EventMeshOptions } from './eventMesh';

/** The default communication user. */
export const DEFAULT_SAP_USER = 'LUMINA_COMM';
/** Its password: a sandbox-only secret, documented in README.md. */
export const DEFAULT_SAP_PASSWORD = 'Welcome1!Sandbox';

export interface SapSandboxOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default createLogger('sap-sandbox', { system: 'sap' }) */
  logger?: Logger;
  /** Seed of the deterministic data. @default 20261001 (the shared seed world) */
  seed?: number;
  /** Data volume; small worlds make fast tests. @default { people: 5000, accounts: 500, orders: 20000 } */
  size?: { people?: number; accounts?: number; orders?: number };
  /** Basic-auth communication users, name to password. @default { LUMINA_COMM: 'Welcome1!Sandbox' } */
  users?: Record<string, string>;
  /** Server-driven page size: collections longer than this answer with `__next`. @default 1000 */
  pageSize?: number;
  /** Enforce CSRF tokens on modifying requests. @default true */
  requireCsrf?: boolean;
  /** Request body cap (413 above). @default 10 MiB */
  maxBodyBytes?: number;
  /**
   * Business events to registered webhooks (see eventMesh.ts): CloudEvents `source`, handshake origin
   * and the QoS 1 retry policy.
   * @default { source: '/default/sap.s4.beh/S4HCLNT100', origin: 'sap-event-mesh.sandbox.lumina.local', maxAttempts: 8, initialBackoffMs: 250, maxBackoffMs: 30000, timeoutMs: 5000, maxQueue: 10000 }
   */
  events?: EventMeshOptions;
}

export interface SapSandbox extends SandboxServer {
  store: SapStore;
  /** Live settings (also at `/__admin/settings`). */
  settings: SapSettings;
  /** Service roots with trailing slash, e.g. `http://127.0.0.1:1234/sap/opu/odata/sap/API_SALES_ORDER_SRV/`. */
  services: { salesOrder: string; businessPartner: string };
  /** The first configured user, for clients and tests. */
  credentials: { username: string; password: string };
  /** Webhook registrations and event delivery (also at `/__admin/webhooks`, `/__admin/events`). */
  events: EventMesh;
}

function checkPageSize(v: unknown, key: string): string | null {
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100_000 ? null : `${key} must be an integer from 1 to 100000`;
}

function basicUser(req: SandboxRequest, users: ReadonlyMap<string, string>): string | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(String(req.headers.authorization ?? ''));
  if (!m) return null;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const user = decoded.slice(0, colon).toUpperCase();
  const expected = users.get(user);
  if (expected === undefined) return null;
  return constantTimeEqual(expected, decoded.slice(colon + 1)) ? user : null;
}

export async function startSapSandbox(options: SapSandboxOptions = {}): Promise<SapSandbox> {
  const logger = options.logger ?? createLogger('sap-sandbox', { system: 'sap' });
  const pageSize = options.pageSize ?? 1000;
  const problem = checkPageSize(pageSize, 'SapSandboxOptions.pageSize');
  if (problem) throw new Error(problem);
  const userEntries = Object.entries(options.users ?? { [DEFAULT_SAP_USER]: DEFAULT_SAP_PASSWORD });
  if (userEntries.length === 0) throw new Error('SapSandboxOptions.users must name at least one user (name -> password)');
  const users = new Map(userEntries.map(([u, p]) => [u.toUpperCase(), p] as const));
  const [firstUser, firstPassword] = userEntries[0] as [string, string];

  const store = createSapStore({ ...(options.seed !== undefined ? { seed: options.seed } : {}), ...(options.size ?? {}) });
  const settings: SapSettings = { pageSize, requireCsrf: options.requireCsrf ?? true };
  const csrf = createCsrfSessions();
  const deps: ServiceDeps = { store, settings, csrf, logger, userOf: (req) => basicUser(req, users) ?? '' };
  const services = [createSalesOrderService(deps), createBusinessPartnerService(deps)];
  const events = createEventMesh(store, logger, options.events);
  // Every request that wrote something raises its business events once it is answered (a rolled-back
  // changeset raises none); delivery runs in the background.
  const routes = services.flatMap((s) => s.routes()).map((r) => ({
    ...r,
    handler: async (req: SandboxRequest): Promise<SandboxReply> => {
      try {
        return await r.handler(req);
      } finally {
        events.publishChanges();
      }
    },
  }));

  const unauthorized = (): SandboxReply => errorReply(401, SapCode.unauthorized, 'Logon failed: user name or password is incorrect', {
    headers: { 'www-authenticate': `Basic realm="SAP NetWeaver Application Server [${SYSTEM_ID}/${DEFAULT_CLIENT}]"` },
  });

  const server = await startSandboxServer({
    system: 'sap',
    logger,
    routes,
    errorReply: kitErrorReply,
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    guard: (req) => (basicUser(req, users) ? null : unauthorized()),
    expireTokens: () => csrf.expireAll(),
    resetData: () => store.reset(),
    adminRoutes: events.adminRoutes(),
    settings: {
      get: () => ({ ...settings }),
      patch(changes) {
        for (const [k, v] of Object.entries(changes)) {
          if (k === 'pageSize') { const p = checkPageSize(v, 'pageSize'); if (p) return p; }
          else if (k === 'requireCsrf') { if (typeof v !== 'boolean') return 'requireCsrf must be a boolean'; }
          else return `unknown setting '${k}' (known: pageSize, requireCsrf)`;
        }
        Object.assign(settings, changes);
        return null;
      },
    },
  }, options.port ?? 0, options.host ?? '127.0.0.1').catch(async (err: unknown) => {
    await events.close();
    throw err;
  });

  return {
    ...server,
    events,
    async close() {
      await events.close();
      await server.close();
    },
    store,
    settings,
    services: {
      salesOrder: `${server.url}${SERVICE_PATH_PREFIX}API_SALES_ORDER_SRV/`,
      businessPartner: `${server.url}${SERVICE_PATH_PREFIX}API_BUSINESS_PARTNER/`,
    },
    credentials: { username: firstUser, password: firstPassword },
  };
}
