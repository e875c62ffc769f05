/**
 * The request pipeline every Graph v1.0 call goes through, directly or as a `$batch` item:
 * bearer-token verification (outer requests only; items run as the batch's caller) → per-app
 * throttling → query-option sanity → application-role check → the handler, whose thrown
 * `GraphHttpError`s become Graph error bodies. Replies get `request-id`/`client-request-id`
 * headers and Graph's JSON content type.
 */
import type { Fault } from '../../kit/faultKnobs';
import { matchPathPattern, type Route, type SandboxReply, type SandboxRequest } from '../../kit/sandboxServer';
import type { AccessTokenClaims, AccessTokenService } from './accessTokens';
import { graphError, GraphHttpError, idHeaders, requestIds, unauthorized, type RequestIds } from './graphErrors';
import type { Throttle } from './throttle';

export interface GraphRequest extends SandboxRequest {
  claims: AccessTokenClaims;
  ids: RequestIds;
  /** True when the request is an item of a `$batch`. */
  inBatch: boolean;
}

export interface GraphRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** A kit path pattern starting with `/v1.0/`. */
  path: string;
  /** Counter name, e.g. `GET /v1.0/teams/{id}/channels`. */
  name: string;
  /** The application roles that grant access (any one of them); empty for none needed. */
  roles: string[];
  /** How Graph words a missing role for this API. @default 'Forbidden' */
  forbiddenCode?: 'Forbidden' | 'Authorization_RequestDenied';
  handler(req: GraphRequest): SandboxReply | Promise<SandboxReply>;
}

export interface GraphPipelineOptions {
  routes: GraphRoute[];
  tokens: AccessTokenService;
  throttle: Throttle;
  /** Count a `$batch` item under a name (outer requests are counted by the kit). */
  countItem(name: string): void;
  /** Fault knobs applied to `$batch` items (outer requests get them from the kit). */
  itemFault(path: string): Promise<Fault | null>;
}

export type MatchResult =
  | { kind: 'found'; route: GraphRoute; params: Record<string, string> }
  | { kind: 'wrongMethod' }
  | { kind: 'none' };

export interface GraphPipeline {
  /** The routes to hand to the kit server. */
  kitRoutes(): Route[];
  match(method: string, path: string): MatchResult;
  /** Run a `$batch` item (already matched) as the batch's caller. */
  runItem(route: GraphRoute, req: SandboxRequest, claims: AccessTokenClaims): Promise<SandboxReply>;
}

export const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

function duplicateOption(query: URLSearchParams): string | null {
  const seen = new Set<string>();
  for (const key of query.keys()) {
    if (!key.startsWith('$')) continue;
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return null;
}

function finish(reply: SandboxReply, ids: RequestIds): SandboxReply {
  const headers: Record<string, string | string[] | number> = { ...idHeaders(ids), ...(reply.headers ?? {}) };
  if (reply.body !== undefined && reply.body !== null && typeof reply.body === 'object' && !Buffer.isBuffer(reply.body)
    && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
    headers['content-type'] = GRAPH_JSON;
  }
  return { ...reply, headers };
}

export function createGraphPipeline(opts: GraphPipelineOptions): GraphPipeline {
  async function serve(route: GraphRoute, req: SandboxRequest, claims: AccessTokenClaims, ids: RequestIds, inBatch: boolean): Promise<SandboxReply> {
    const wait = opts.throttle.take(claims.appid);
    if (wait > 0) {
      return graphError(429, 'TooManyRequests', 'Too many requests. Please retry after the time in the Retry-After header.', ids,
        { 'retry-after': String(wait) });
    }
    const dup = duplicateOption(req.query);
    if (dup) return graphError(400, 'BadRequest', `Query option '${dup}' was specified more than once, but it must be specified at most once.`, ids);
    const roles = Array.isArray(claims.roles) ? claims.roles : [];
    if (route.roles.length > 0 && !route.roles.some((r) => roles.includes(r))) {
      return route.forbiddenCode === 'Authorization_RequestDenied'
        ? graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.', ids)
        : graphError(403, 'Forbidden', `Missing role permissions on the request. API requires one of '${route.roles.join(', ')}'. Roles on the request '${roles.join(', ')}'.`, ids);
    }
    try {
      return finish(await route.handler({ ...req, claims, ids, inBatch }), ids);
    } catch (err) {
      if (err instanceof GraphHttpError) return graphError(err.status, err.code, err.message, ids, err.headers);
      throw err;
    }
  }

  async function outer(route: GraphRoute, req: SandboxRequest): Promise<SandboxReply> {
    const ids = requestIds(req.headers);
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const verdict = await opts.tokens.verify(m?.[1] ?? '');
    if (!verdict.ok) return unauthorized(verdict.message, ids);
    return serve(route, req, verdict.claims, ids, false);
  }

  return {
    kitRoutes: () => opts.routes.map((route) => ({
      method: route.method, path: route.path, name: route.name, handler: (req: SandboxRequest) => outer(route, req),
    })),
    match(method, path) {
      let wrongMethod = false;
      for (const route of opts.routes) {
        const params = matchPathPattern(route.path, path);
        if (!params) continue;
        if (route.method === method) return { kind: 'found', route, params };
        wrongMethod = true;
      }
      return wrongMethod ? { kind: 'wrongMethod' } : { kind: 'none' };
    },
    async runItem(route, req, claims) {
      const ids = requestIds(req.headers);
      opts.countItem(`$batch ${route.name}`);
      const fault = await opts.itemFault(req.path);
      if (fault) {
        const code = fault.status === 429 ? 'TooManyRequests' : fault.status === 503 ? 'ServiceUnavailable' : fault.status === 504 ? 'GatewayTimeout' : 'UnknownError';
        return graphError(fault.status, code, fault.message, ids, fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
      }
      return serve(route, req, claims, ids, true);
    },
  };
}
