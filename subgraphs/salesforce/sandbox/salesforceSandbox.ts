/**
 * The Salesforce sandbox: a real HTTP server speaking enough of Salesforce's REST wire protocol
 * (OAuth token endpoint, `/services/data/vNN.0` query, sObject CRUD, collections, composite,
 * describe) that unmodified jsforce works against it, over a seeded org of 500 Accounts and 5000
 * Contacts whose emails are the cross-system identity. Record changes are published as Change Data
 * Capture events on the Streaming API (`/cometd/NN.0`, faye). See README.md for credentials and knobs.
 */
import type { Logger } from 'pino';
import { createLogger } from '../../kit/logger';
import { DEFAULT_SEED, type SeedSize } from '../../kit/seedPeople';
import { startSandboxServer, type SandboxServer } from '../../kit/sandboxServer';
import { bulkRoutes } from './bulkRoutes';
import { changeEventAdminRoutes } from './changeEventAdmin';
import { changeEventsOf } from './changeEvents';
import { createChangeEventStream, type ChangeEventStream } from './changeEventStream';
import { collectionResources } from './collectionRoutes';
import { mountCometd, type CometdEndpoint } from './cometdEndpoint';
import { compositeResource } from './compositeRoutes';
import { describeResources, versionsRoute } from './describe';
import { loadJwtKey, oauthRoutes } from './oauthRoutes';
import { queryResources, MAX_BATCH, MIN_BATCH } from './queryRoutes';
import { createApiUsage, mountResources, withLimitHeader, type ApiUsage, type RestDeps, type RestResource } from './restSupport';
import { salesforceErrorReply, sessionInvalid } from './salesforceErrors';
import { createSalesforceStore, type SalesforceStore } from './salesforceStore';
import { DEFAULT_USERNAME, INTEGRATION_USER_ID, ORG_ID } from './seedRecords';
import { createSessionStore, type SessionStore } from './sessions';
import { sobjectResources } from './sobjectRoutes';

/** The connected app and integration user the sandbox accepts. */
export interface SalesforceCredentials {
  /** Connected app consumer key. @default 'lumina-sandbox-client' */
  clientId?: string;
  /** Connected app consumer secret. @default 'lumina-sandbox-secret' */
  clientSecret?: string;
  /** Username of the integration user (password, client-credentials and JWT flows). @default 'integration@lumina.example' */
  username?: string;
  /** Password of the integration user. @default 'lumina-sandbox-password' */
  password?: string;
  /** Security token; `password + securityToken` is accepted as well as the bare password. @default 'LuminaSandboxToken' */
  securityToken?: string;
  /** PEM public keys or X.509 certificates registered for the JWT bearer flow. @default [] (JWT bearer disabled) */
  jwtPublicKeys?: string[];
}

/** Change Data Capture over the Streaming API. */
export interface ChangeDataCaptureOptions {
  /** How long events stay replayable (also `cdcRetentionMs` in `/__admin/settings`). @default 259_200_000 (72 h) */
  retentionMs?: number;
  /** Most events retained. @default 100_000 */
  maxRetained?: number;
  /** Replay id of the first event. @default the clock in ms at start (ids keep growing across restarts) */
  firstReplayId?: number;
  /** Seconds a CometD `/meta/connect` is held open. @default 110 */
  connectTimeoutSeconds?: number;
}

export interface SalesforceSandboxOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Bind address. @default '127.0.0.1' */
  host?: string;
  /** @default createLogger('salesforce-sandbox') */
  logger?: Logger;
  /** Seed of the shared seed world. @default DEFAULT_SEED (20261001) */
  seed?: number;
  /** Number of accounts and people, for small test worlds. @default { accounts: 500, people: 5000 } */
  size?: SeedSize;
  /** REST requests allowed per UTC day before 403 REQUEST_LIMIT_EXCEEDED. @default 100000 */
  dailyApiLimit?: number;
  /** Idle seconds after which a session expires (401 INVALID_SESSION_ID). @default 7200 */
  sessionTtlSeconds?: number;
  /** Page size of query results when the client sends no `Sforce-Query-Options: batchSize`. @default 2000 */
  defaultBatchSize?: number;
  /** Credentials of the connected app and integration user. @default see SalesforceCredentials */
  credentials?: SalesforceCredentials;
  /** Clock, for tests that move time (session TTL, daily limit, date literals, event retention). @default Date.now */
  now?: () => number;
  /** Change Data Capture settings. @default see ChangeDataCaptureOptions */
  cdc?: ChangeDataCaptureOptions;
}

export interface SalesforceSandbox extends SandboxServer {
  store: SalesforceStore;
  sessions: SessionStore;
  usage: ApiUsage;
  /** The Change Data Capture event bus (retained events, replay ids). */
  changeEvents: ChangeEventStream;
  /** The Streaming API endpoint. */
  cometd: CometdEndpoint;
  orgId: string;
  /** The credentials in force, defaults filled in. */
  credentials: Required<SalesforceCredentials>;
}

export const DEFAULT_CREDENTIALS: Required<SalesforceCredentials> = {
  clientId: 'lumina-sandbox-client',
  clientSecret: 'lumina-sandbox-secret',
  username: DEFAULT_USERNAME,
  password: 'lumina-sandbox-password',
  securityToken: 'LuminaSandboxToken',
  jwtPublicKeys: [],
};

function positiveInt(name: string, v: unknown, min = 1, max = Number.MAX_SAFE_INTEGER): string | null {
  return Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? null : `${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`;
}

function fail(problem: string | null): void {
  if (problem) throw new Error(`startSalesforceSandbox: ${problem}`);
}

export async function startSalesforceSandbox(options: SalesforceSandboxOptions = {}): Promise<SalesforceSandbox> {
  const logger = options.logger ?? createLogger('salesforce-sandbox');
  const now = options.now ?? Date.now;
  const credentials: Required<SalesforceCredentials> = { ...DEFAULT_CREDENTIALS, ...(options.credentials ?? {}) };
  const settings = {
    dailyApiLimit: options.dailyApiLimit ?? 100_000,
    sessionTtlSeconds: options.sessionTtlSeconds ?? 7200,
    defaultBatchSize: options.defaultBatchSize ?? MAX_BATCH,
  };
  fail(positiveInt('dailyApiLimit', settings.dailyApiLimit));
  fail(positiveInt('sessionTtlSeconds', settings.sessionTtlSeconds));
  fail(positiveInt('defaultBatchSize', settings.defaultBatchSize, MIN_BATCH, MAX_BATCH));
  const jwtKeys = credentials.jwtPublicKeys.map(loadJwtKey);

  const store = createSalesforceStore({ seed: options.seed ?? DEFAULT_SEED, size: options.size ?? {}, username: credentials.username, now });
  const cdc = options.cdc ?? {};
  fail(positiveInt('cdc.retentionMs', cdc.retentionMs ?? 1));
  fail(positiveInt('cdc.maxRetained', cdc.maxRetained ?? 1));
  fail(positiveInt('cdc.connectTimeoutSeconds', cdc.connectTimeoutSeconds ?? 1, 1, 3600));
  const changeEvents = createChangeEventStream({ ...cdc, now });
  store.onChanges((changes) => {
    try {
      changeEvents.publish(changeEventsOf(changes));
    } catch (err) {
      logger.error({ err }, 'publishing change events failed');
    }
  });
  const sessions = createSessionStore({ ttlSeconds: () => settings.sessionTtlSeconds, now });
  const usage = createApiUsage(settings.dailyApiLimit, now);
  const deps: RestDeps = { store, sessions, usage, logger, now, defaultBatchSize: () => settings.defaultBatchSize };
  const resources: RestResource[] = [
    ...describeResources(), ...queryResources(), ...sobjectResources(), ...collectionResources(),
  ];
  resources.push(compositeResource(() => resources));

  /** The Streaming API endpoint, mounted once the server listens (the token admin endpoint ends its clients). */
  const streaming: { endpoint?: CometdEndpoint } = {};
  const server = await startSandboxServer({
    system: 'salesforce',
    logger,
    routes: [
      ...oauthRoutes({
        app: { clientId: credentials.clientId, clientSecret: credentials.clientSecret, jwtKeys },
        username: credentials.username, password: credentials.password, securityToken: credentials.securityToken,
        store, sessions, logger, now,
      }),
      versionsRoute(),
      ...mountResources(resources, deps),
      ...bulkRoutes(deps),
    ],
    errorReply: (status, code, message) => withLimitHeader(salesforceErrorReply(status, code, message), usage),
    guard: (req) => {
      if (!/^\/services\/data\/[^/]+/.test(req.path)) return null;
      if (!sessions.lookup(req.headers.authorization)) return { status: 401, body: sessionInvalid().toBody() };
      if (!usage.consume()) {
        return withLimitHeader({ status: 403, body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }] }, usage);
      }
      return null;
    },
    adminRoutes: changeEventAdminRoutes({ stream: changeEvents, defaultUserId: INTEGRATION_USER_ID, now }),
    expireTokens: () => {
      sessions.expireAll();
      streaming.endpoint?.dropClients();
    },
    resetData: () => {
      store.reset();
      usage.set(0);
    },
    settings: {
      get: () => ({ ...settings, apiUsage: usage.used(), cdcRetentionMs: changeEvents.retentionMs(), sessions: sessions.size(), records: store.counts() }),
      patch(changes) {
        const known = new Set(['dailyApiLimit', 'sessionTtlSeconds', 'defaultBatchSize', 'apiUsage', 'cdcRetentionMs']);
        for (const k of Object.keys(changes)) if (!known.has(k)) return `unknown setting '${k}' (known: ${[...known].join(', ')})`;
        const problem = (changes.dailyApiLimit !== undefined ? positiveInt('dailyApiLimit', changes.dailyApiLimit) : null)
          ?? (changes.sessionTtlSeconds !== undefined ? positiveInt('sessionTtlSeconds', changes.sessionTtlSeconds) : null)
          ?? (changes.defaultBatchSize !== undefined ? positiveInt('defaultBatchSize', changes.defaultBatchSize, MIN_BATCH, MAX_BATCH) : null)
          ?? (changes.apiUsage !== undefined ? positiveInt('apiUsage', changes.apiUsage, 0) : null)
          ?? (changes.cdcRetentionMs !== undefined ? positiveInt('cdcRetentionMs', changes.cdcRetentionMs) : null);
        if (problem) return problem;
        if (changes.dailyApiLimit !== undefined) {
          settings.dailyApiLimit = changes.dailyApiLimit as number;
          usage.setLimit(settings.dailyApiLimit);
        }
        if (changes.sessionTtlSeconds !== undefined) settings.sessionTtlSeconds = changes.sessionTtlSeconds as number;
        if (changes.defaultBatchSize !== undefined) settings.defaultBatchSize = changes.defaultBatchSize as number;
        if (changes.apiUsage !== undefined) usage.set(changes.apiUsage as number);
        if (changes.cdcRetentionMs !== undefined) changeEvents.setRetentionMs(changes.cdcRetentionMs as number);
        return null;
      },
    },
  }, options.port ?? 0, options.host ?? '127.0.0.1');
  const cometd = mountCometd({
    server: server.server, sessions, stream: changeEvents, logger, counters: server.counters, faults: server.faults,
    timeoutSeconds: cdc.connectTimeoutSeconds ?? 110,
  });
  streaming.endpoint = cometd;
  logger.debug({ url: server.url, orgId: ORG_ID }, 'salesforce sandbox listening');
  return {
    ...server, store, sessions, usage, changeEvents, cometd, orgId: ORG_ID, credentials,
    async close() {
      cometd.close();
      await server.close();
    },
  };
}
