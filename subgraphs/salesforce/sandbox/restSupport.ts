/**
 * Plumbing shared by the REST resources under `/services/data/vNN.0/`: the version check, the
 * caller's session, turning a thrown `SalesforceApiError` into Salesforce's error array, the
 * `Sforce-Limit-Info` header, and the daily API request allowance. Resources are declared once as
 * `RestResource`s so that `/composite` can dispatch subrequests to them without HTTP.
 */
import type { Logger } from 'pino';
import type { Route, SandboxReply, SandboxRequest } from '../../kit/sandboxServer';
import { DAY_MS } from '../../kit/seedPeople';
import { SalesforceApiError, notFound, sessionInvalid } from './salesforceErrors';
import type { SalesforceStore } from './salesforceStore';
import type { SessionStore } from './sessions';

export interface ApiUsage {
  used(): number;
  limit(): number;
  setLimit(n: number): void;
  /** Count one request; false when the daily allowance is already spent. */
  consume(): boolean;
  /** Set today's count (0 starts over). */
  set(n: number): void;
  header(): string;
}

/** A 24-hour allowance that starts over at midnight UTC. */
export function createApiUsage(initialLimit: number, now: () => number): ApiUsage {
  let limit = initialLimit;
  let used = 0;
  let day = Math.floor(now() / DAY_MS);
  const roll = (): void => {
    const today = Math.floor(now() / DAY_MS);
    if (today !== day) { day = today; used = 0; }
  };
  return {
    used: () => { roll(); return used; },
    limit: () => limit,
    setLimit: (n) => { limit = n; },
    consume() {
      roll();
      if (used >= limit) return false;
      used++;
      return true;
    },
    set: (n) => { used = n; },
    header: () => { roll(); return `api-usage=${used}/${limit}`; },
  };
}

export interface RestDeps {
  store: SalesforceStore;
  sessions: SessionStore;
  usage: ApiUsage;
  logger: Logger;
  now: () => number;
  /** Rows per query page when the client sends no batchSize. */
  defaultBatchSize: () => number;
}

export interface RestCall {
  req: SandboxRequest;
  /** e.g. `59.0`. */
  version: string;
  userId: string;
  params: Record<string, string>;
  deps: RestDeps;
}

/** CDC's `changeOrigin` of a change made by this REST call, e.g. `com/salesforce/api/rest/59.0`. */
export function changeOrigin(call: RestCall): string {
  return `com/salesforce/api/rest/${call.version}`;
}

export type RestHandler = (call: RestCall) => SandboxReply | Promise<SandboxReply>;

export interface RestResource {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path below `/services/data/vNN.0`, with `:param` segments, e.g. `/sobjects/:type/:id`. */
  pattern: string;
  handler: RestHandler;
}

const VERSION = /^v(\d{2})\.0$/;

/** `v59.0` → `59.0`; null for anything that is not a `vNN.0` version. */
export function parseVersion(segment: string | undefined): string | null {
  const m = VERSION.exec(segment ?? '');
  return m && Number(m[1]) >= 20 ? `${m[1]}.0` : null;
}

export function errorToReply(err: unknown, logger: Logger): SandboxReply {
  if (err instanceof SalesforceApiError) return { status: err.status, body: err.toBody() };
  logger.error({ err }, 'unexpected error in Salesforce sandbox resource');
  return { status: 500, body: [{ message: 'An unexpected error occurred. Please include this ErrorId if you contact support: 0000000000-00000 (-0)', errorCode: 'UNKNOWN_EXCEPTION' }] };
}

/** Run a resource handler for a request whose version and session are checked here. */
export async function runResource(handler: RestHandler, req: SandboxRequest, params: Record<string, string>, deps: RestDeps): Promise<SandboxReply> {
  try {
    const version = parseVersion(params.version);
    if (!version) throw notFound();
    const session = deps.sessions.lookup(req.headers.authorization);
    if (!session) throw sessionInvalid();
    return await handler({ req, version, userId: session.userId, params, deps });
  } catch (err) {
    return errorToReply(err, deps.logger);
  }
}

/** Mount resources as kit routes named version-agnostically, e.g. `GET /services/data/vXX.X/query`. */
export function mountResources(resources: RestResource[], deps: RestDeps): Route[] {
  return resources.map((r) => ({
    method: r.method,
    path: `/services/data/:version${r.pattern}`,
    name: `${r.method} /services/data/vXX.X${r.pattern}`,
    handler: async (req: SandboxRequest) => withLimitHeader(await runResource(r.handler, req, req.params, deps), deps.usage),
  }));
}

export function withLimitHeader(reply: SandboxReply, usage: ApiUsage): SandboxReply {
  return { ...reply, headers: { ...(reply.headers ?? {}), 'Sforce-Limit-Info': usage.header() } };
}

/** Find the resource for a method and a path below `/services/data` (`/v59.0/sobjects/...`). */
export function matchResource(resources: RestResource[], method: string, path: string): { resource: RestResource; params: Record<string, string> } | null {
  const segs = path.split('/').filter(Boolean);
  for (const r of resources) {
    if (r.method !== method) continue;
    const parts = [':version', ...r.pattern.split('/').filter(Boolean)];
    if (parts.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const part = parts[i] as string;
      const seg = segs[i] as string;
      if (part.startsWith(':')) params[part.slice(1)] = seg;
      else ok = part === seg;
    }
    if (ok) return { resource: r, params };
  }
  return null;
}
