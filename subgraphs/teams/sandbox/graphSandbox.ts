/**
 * The Microsoft Graph (Teams) sandbox: an HTTPS server speaking the Entra ID v2 token endpoint and
 * the Graph v1.0 Teams, users and `$batch` APIs over a seeded tenant, so the unmodified
 * `@microsoft/microsoft-graph-client` with `@azure/identity` runs against it. See README.md.
 *
 * ```ts
 * const sandbox = await startGraphSandbox();
 * const credential = new ClientSecretCredential(sandbox.tenantId, sandbox.clientId, sandbox.clientSecret,
 *   { authorityHost: sandbox.url, disableInstanceDiscovery: true });
 * ```
 */
import type { Logger } from 'pino';
import { DEFAULT_SEED } from '../../kit/seedPeople';
import { createLogger } from '../../kit/logger';
import { startSandboxServer, type SandboxReply, type SandboxServer } from '../../kit/sandboxServer';
import { createAccessTokenService, type AccessTokenService } from './accessTokens';
import { batchRoutes } from './batchRoutes';
import { createChangeNotifier, type ChangeNotifier } from './changeNotifier';
import { deltaRoutes } from './deltaRoutes';
import { entraRoutes } from './entraRoutes';
import { kitErrorReply } from './graphErrors';
import { createGraphPipeline, type GraphPipeline } from './graphRouter';
import { buildGraphData } from './graphSeed';
import type { GraphData, GraphSize } from './graphStore';
import { messagesRoutes } from './messagesRoutes';
import { notificationAdminRoutes } from './notificationAdminRoutes';
import {
  DEFAULT_APPS, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TENANT_DOMAIN, DEFAULT_TENANT_ID, registerApps,
  type GraphSandboxApp,
} from './registeredApps';
import { createSandboxSettings, type SandboxSettings } from './sandboxSettings';
import { subscriptionsRoutes } from './subscriptionsRoutes';
import { createSubscriptionStore, type SubscriptionStore } from './subscriptionStore';
import { teamsRoutes, type StoreRef } from './teamsRoutes';
import { createThrottle } from './throttle';
import { defaultTlsDir, ensureTlsCertificate } from './tlsCertificate';
import { usersRoutes } from './usersRoutes';

export interface GraphSandboxOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** @default createLogger('graph-sandbox', { system: 'teams' }) */
  logger?: Logger;
  /** Seed for the generated tenant. @default DEFAULT_SEED (20261001) */
  seed?: number;
  /** Size of the generated tenant (small worlds for tests). @default 5000 users, 10 teams, 50 channels, 10000 root messages */
  size?: GraphSize;
  /** Directory holding `key.pem`/`cert.pem` (created on first start). @default env GRAPH_SANDBOX_TLS_DIR, else `var/sandbox/teams-tls` in the repository */
  tlsDir?: string;
  /** The tenant (directory) id. @default DEFAULT_TENANT_ID ('8d2f7c1e-4b6a-4e9d-a3c5-1f0b9e7d2a64') */
  tenantId?: string;
  /** The tenant's domain, accepted in place of its id in Entra URLs. @default 'luminasandbox.onmicrosoft.com' */
  tenantDomain?: string;
  /** Registered client apps. @default one app: DEFAULT_CLIENT_ID with DEFAULT_CLIENT_SECRET and DEFAULT_ROLES */
  apps?: GraphSandboxApp[];
  /** Graph requests per second allowed per app (token bucket, one second of burst). @default 100 */
  requestsPerSecond?: number;
  /** Lifetime of issued access tokens. @default 3599 */
  tokenLifetimeSeconds?: number;
  /** Longest subscription lifetime accepted (Teams `chatMessage`: 4320 minutes in current Graph docs). @default 4320 */
  maxSubscriptionMinutes?: number;
  /** Delivery attempts per notification POST, the first included (real Graph retries for up to 4 h). @default 4 */
  notificationAttempts?: number;
  /** Wait before the first redelivery, doubled for each further one. @default 1000 */
  notificationRetryBaseMs?: number;
  /** A notification POST slower than this counts as failed (Graph: 3 s). @default 3000 */
  notificationTimeoutMs?: number;
  /** How long the validation handshake may take (Graph: 10 s). @default 10000 */
  validationTimeoutMs?: number;
  /** Accept `http://` notification URLs (real Graph requires https; local subgraphs serve http). @default true */
  allowHttpNotificationUrls?: boolean;
}

export interface GraphSandbox extends SandboxServer {
  tenantId: string;
  tenantDomain: string;
  /** The first registered app's client id and secret (the defaults unless `apps` says otherwise). */
  clientId: string;
  clientSecret: string | undefined;
  /** `authorityHost` for `@azure/identity` (the sandbox origin). */
  authorityHost: string;
  /** Graph base URL including the version, e.g. `https://localhost:1234/v1.0`. */
  graphBaseUrl: string;
  /** Path of the PEM certificate clients must trust (`NODE_EXTRA_CA_CERTS`). */
  certPath: string;
  /** The token service (tests mint expired or foreign tokens with it). */
  tokens: AccessTokenService;
  settings: SandboxSettings;
  /** The current tenant data (replaced by `POST /__admin/reset`). */
  data(): GraphData;
  /** Register another client app at runtime (also `POST /__admin/apps`). */
  registerApp(app: GraphSandboxApp): void;
  /** The change-notification subscriptions (cleared by `POST /__admin/reset`). */
  subscriptions: SubscriptionStore;
  /** Notification delivery: `idle()` waits for deliveries and retries, `deliveries()` lists attempts. */
  notifications: ChangeNotifier;
}

function readJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Start the sandbox; resolves once it listens. */
export async function startGraphSandbox(options: GraphSandboxOptions = {}): Promise<GraphSandbox> {
  const tenantId = (options.tenantId ?? DEFAULT_TENANT_ID).toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(tenantId)) {
    throw new Error(`tenantId must be a GUID (got '${options.tenantId}')`);
  }
  const tenantDomain = (options.tenantDomain ?? DEFAULT_TENANT_DOMAIN).toLowerCase();
  const appList = options.apps ?? DEFAULT_APPS;
  const apps = registerApps(appList);
  const settings = createSandboxSettings({
    requestsPerSecond: options.requestsPerSecond ?? 100,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
    maxSubscriptionMinutes: options.maxSubscriptionMinutes ?? 4320,
    notificationAttempts: options.notificationAttempts ?? 4,
    notificationRetryBaseMs: options.notificationRetryBaseMs ?? 1000,
    notificationTimeoutMs: options.notificationTimeoutMs ?? 3000,
    validationTimeoutMs: options.validationTimeoutMs ?? 10_000,
  });
  const logger = options.logger ?? createLogger('graph-sandbox', { system: 'teams' });
  const seed = options.seed ?? DEFAULT_SEED;
  const size = options.size ?? {};
  const [tls, tokens] = await Promise.all([ensureTlsCertificate(options.tlsDir ?? defaultTlsDir()), createAccessTokenService(tenantId)]);
  const ref: StoreRef = { data: buildGraphData(tenantId, seed, size) };
  const throttle = createThrottle(() => settings.get().requestsPerSecond);
  const subscriptions = createSubscriptionStore();
  const notifier = createChangeNotifier({ tenantId, store: subscriptions, tokens, settings: settings.get, logger });
  const adminSettings = {
    get: settings.get,
    patch(changes: Record<string, unknown>): string | null {
      const problem = settings.patch(changes);
      // A new rate starts every app with a full bucket, so the change applies cleanly.
      if (!problem && 'requestsPerSecond' in changes) throttle.reset();
      return problem;
    },
  };
  // The kit server exists only after the routes are built; batch items reach its counters and faults through this.
  const late: { server?: SandboxServer } = {};
  const pipeline: GraphPipeline = createGraphPipeline({
    routes: [
      ...teamsRoutes(ref), ...deltaRoutes(ref),
      ...messagesRoutes(ref, (posted) => { notifier.messageChanged({ ...posted, changeType: 'created' }); }),
      ...usersRoutes(ref),
      ...subscriptionsRoutes({ ref, store: subscriptions, settings: settings.get, allowHttp: options.allowHttpNotificationUrls ?? true }),
      ...batchRoutes(() => pipeline),
    ],
    tokens,
    throttle,
    countItem: (name) => late.server?.counters.record(name),
    itemFault: async (path) => (late.server ? late.server.faults.apply(path) : null),
  });
  const registerApp = (app: GraphSandboxApp): void => {
    for (const [id, registered] of registerApps([app])) {
      if (apps.has(id)) throw new Error(`app '${id}' is already registered`);
      apps.set(id, registered);
    }
  };
  const server = await startSandboxServer({
    system: 'teams',
    logger,
    tls: { key: tls.key, cert: tls.cert },
    errorReply: kitErrorReply,
    routes: [
      ...entraRoutes({ tenantId, tenantDomain, apps, tokens, tokenLifetimeSeconds: () => settings.get().tokenLifetimeSeconds }),
      ...pipeline.kitRoutes(),
    ],
    expireTokens: () => tokens.revokeAll(),
    resetData: () => {
      ref.data = buildGraphData(tenantId, seed, size);
      throttle.reset();
      subscriptions.clear();
    },
    settings: adminSettings,
    adminRoutes: [...notificationAdminRoutes({ ref, store: subscriptions, notifier }), {
      method: 'POST', path: '/__admin/apps',
      handler: (req): SandboxReply => {
        const app = readJson(req.body);
        if (!app || typeof app !== 'object' || Array.isArray(app)) return { status: 400, body: { error: 'the app must be a JSON object' } };
        try {
          registerApp(app as GraphSandboxApp);
        } catch (err) {
          return { status: 400, body: { error: err instanceof Error ? err.message : String(err) } };
        }
        return { status: 201, body: { registered: (app as GraphSandboxApp).clientId } };
      },
    }],
  }, options.port ?? 0, options.host ?? '127.0.0.1');
  late.server = server;
  logger.info({ url: server.url, tenantId }, 'graph sandbox listening');
  const first = appList[0];
  return {
    ...server,
    tenantId,
    tenantDomain,
    clientId: first?.clientId.toLowerCase() ?? DEFAULT_CLIENT_ID,
    clientSecret: first ? first.secrets?.[0] : DEFAULT_CLIENT_SECRET,
    authorityHost: server.url,
    graphBaseUrl: `${server.url}/v1.0`,
    certPath: tls.certPath,
    tokens,
    settings: adminSettings,
    data: () => ref.data,
    registerApp,
    subscriptions,
    notifications: notifier,
    async close() {
      await notifier.close();
      await server.close();
    },
  };
}
