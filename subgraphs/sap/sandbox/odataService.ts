/**
 * One OData V2 service as SAP Gateway serves it: CSRF fetch/validation, `X-HTTP-Method`
 * tunnelling, format negotiation (Atom by default, JSON on `Accept: application/json` or
 * `$format=json`), the service document, `$metadata`, `$batch`, reads and writes, and the mapping
 * of every failure to the V2 error body. Also generates the kit routes with readable counter names
 * (`GET API_SALES_ORDER_SRV/A_SalesOrder(key)`).
 */
import type { Logger } from 'pino';
import type { HttpMethod, Route, SandboxReply, SandboxRequest } from '../../kit/sandboxServer';
import { parseBatch, runBatch, BatchSyntaxError, type BatchRequest } from './batch';
import { csrfRequiredReply, DEFAULT_CLIENT, type CsrfSessions } from './csrf';
import type { EntitySetDef, Rec, ServiceDef } from './edmModel';
import { buildEdmx } from './edmxMetadata';
import { atomServiceDocument } from './odataAtom';
import type { SerializeContext } from './odataJson';
import { parseQueryOptions } from './odataQueryOptions';
import { readResource, type ReadEnv } from './odataRead';
import { parseResourcePath } from './odataUri';
import { writeResource, type EntityWriter } from './odataWrite';
import { applicationFor, errorReply, ODataError, SapCode } from './sapErrors';
import type { SapStore } from './sapStore';

export interface SapSettings {
  /** Server-driven page size for collections. */
  pageSize: number;
  /** Enforce the CSRF token on modifying requests. */
  requireCsrf: boolean;
}

export interface ServiceConfig {
  def: ServiceDef;
  store: SapStore;
  settings: SapSettings;
  csrf: CsrfSessions;
  logger: Logger;
  writers: ReadonlyMap<string, EntityWriter>;
  etagProperty: ReadonlyMap<string, string>;
  etagOf(def: EntitySetDef, rec: Rec): string | undefined;
  notFound(def: EntitySetDef, key: Rec): ODataError;
  /** The authenticated user of a request (the guard already rejected anonymous ones). */
  userOf(req: SandboxRequest): string;
}

/** What every service needs from the sandbox. */
export type ServiceDeps = Pick<ServiceConfig, 'store' | 'settings' | 'csrf' | 'logger' | 'userOf'>;

export interface ODataService {
  handle(req: SandboxRequest): SandboxReply;
  /** Kit routes for this service, one per resource shape and method, named for the request counters. */
  routes(): Route[];
}

/** A request as the dispatcher sees it: a real HTTP request or one part of a `$batch`. */
interface ExecRequest {
  method: string;
  /** Raw path below the service root. */
  rest: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: Buffer | string;
  origin: string;
  user: string;
}

/** Path and query of an absolute URL (a batch part may address the service with one). */
function safeUrlPath(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}

const MODIFYING = new Set(['POST', 'PUT', 'PATCH', 'MERGE', 'DELETE']);

function wantsJson(headers: ExecRequest['headers'], format: 'json' | 'atom' | undefined): boolean {
  if (format) return format === 'json';
  return /application\/json/i.test(headers.accept ?? '');
}

export function createODataService(cfg: ServiceConfig): ODataService {
  const svc = cfg.def;
  const app = applicationFor(svc.name, svc.componentId);
  const metadata = buildEdmx(svc, { writable: new Set(cfg.writers.keys()), etagProperty: cfg.etagProperty });
  const rootRe = new RegExp(`^${svc.root.replace(/[$/]/g, '\\$&')}(?=/|$)`, 'i');

  function execute(req: ExecRequest, batchAllowed: boolean): SandboxReply {
    const serviceUrl = `${req.origin}${svc.root}`;
    let json = wantsJson(req.headers, /json/i.test(req.query.get('$format') ?? '') ? 'json' : undefined);
    try {
      const path = parseResourcePath(req.rest, svc);
      const set = path.kind === 'resource' ? (path.navs[path.navs.length - 1]?.target ?? path.set) : undefined;
      const opts = parseQueryOptions(req.query, set, svc);
      json = wantsJson(req.headers, opts.format);
      if (path.kind === 'metadata' || path.kind === 'serviceDocument') {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw new ODataError(405, SapCode.methodNotAllowed, `The method '${req.method}' is not allowed here`);
        if (path.kind === 'metadata') return { status: 200, headers: { 'content-type': 'application/xml;charset=utf-8', dataserviceversion: '2.0' }, body: metadata };
        const sets = [...svc.sets.keys()];
        return json
          ? { status: 200, headers: { 'content-type': 'application/json;charset=utf-8', dataserviceversion: '2.0' }, body: { d: { EntitySets: sets } } }
          : { status: 200, headers: { 'content-type': 'application/xml;charset=utf-8', dataserviceversion: '2.0' }, body: atomServiceDocument(serviceUrl, sets) };
      }
      if (path.kind === 'batch') {
        if (req.method !== 'POST') throw new ODataError(405, SapCode.methodNotAllowed, `The method '${req.method}' is not allowed for $batch`);
        if (!batchAllowed) throw new ODataError(400, SapCode.batch, '$batch cannot be nested');
        return batch(req);
      }
      const ser: SerializeContext = { serviceUrl, service: svc, store: cfg.store, etagOf: cfg.etagOf };
      const env: ReadEnv = {
        store: cfg.store, ser, notFound: cfg.notFound, pageSize: cfg.settings.pageSize, json, query: req.query,
        selfUrl: `${serviceUrl}${req.rest.replace(/\/+$/, '')}`,
      };
      if (req.method === 'GET' || req.method === 'HEAD') return readResource(env, path, opts);
      if (MODIFYING.has(req.method)) {
        return writeResource(env, cfg.writers, path, { method: req.method as 'POST', ifMatch: req.headers['if-match'], body: req.body, user: req.user });
      }
      throw new ODataError(405, SapCode.methodNotAllowed, `The method '${req.method}' is not allowed`);
    } catch (err) {
      if (err instanceof ODataError) return errorReply(err.status, err.code, err.message, { app, xml: !json, details: err.details, headers: err.headers });
      cfg.logger.error({ err, method: req.method, path: req.rest }, 'sap sandbox request failed');
      return errorReply(500, SapCode.internal, 'An exception was raised.', { app, xml: !json });
    }
  }

  function batch(req: ExecRequest): SandboxReply {
    let parts;
    try {
      parts = parseBatch(Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body), req.headers['content-type']);
    } catch (err) {
      if (err instanceof BatchSyntaxError) throw new ODataError(400, SapCode.batch, err.message);
      throw err;
    }
    const serviceUrl = `${req.origin}${svc.root}`;
    return runBatch(parts, {
      execute: (part: BatchRequest, ids) => {
        let url = /^https?:\/\//i.test(part.url) ? safeUrlPath(part.url) : part.url;
        const ref = /^\$([^/?]+)/.exec(url);
        if (ref) {
          const target = ids.get(ref[1] as string);
          if (!target) return errorReply(404, SapCode.resourceNotFound, `Content-ID '${ref[1]}' is not known`, { app });
          url = target + url.slice(ref[0].length);
        }
        const abs = url.startsWith('/') ? url.replace(rootRe, '') : `/${url}`;
        if (url.startsWith('/') && !rootRe.test(url)) return errorReply(404, SapCode.resourceNotFound, 'Batch request URL is outside this service', { app });
        const q = abs.indexOf('?');
        const method = part.method === 'POST' && part.headers['x-http-method'] ? part.headers['x-http-method'].toUpperCase() : part.method;
        return execute({
          method, rest: q === -1 ? abs : abs.slice(0, q), query: new URLSearchParams(q === -1 ? '' : abs.slice(q + 1)),
          headers: part.headers, body: part.body, origin: req.origin, user: req.user,
        }, false);
      },
      begin: () => cfg.store.begin(),
      commit: () => cfg.store.commit(),
      rollback: () => cfg.store.rollback(),
      createdPath: (reply) => {
        const loc = reply.status === 201 ? reply.headers?.location : undefined;
        return typeof loc === 'string' && loc.startsWith(serviceUrl) ? loc.slice(serviceUrl.length + 1) : undefined;
      },
    });
  }

  function handle(req: SandboxRequest): SandboxReply {
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    let method = req.method;
    const tunnel = headers['x-http-method']?.toUpperCase();
    if (method === 'POST' && tunnel && ['MERGE', 'PATCH', 'PUT', 'DELETE'].includes(tunnel)) method = tunnel;
    const user = cfg.userOf(req);
    const csrfHeader = headers['x-csrf-token'];
    let extra: Record<string, string | string[]> = {};
    if ((method === 'GET' || method === 'HEAD') && csrfHeader?.toLowerCase() === 'fetch') {
      extra = cfg.csrf.fetch(user, headers.cookie, req.query.get('sap-client') ?? DEFAULT_CLIENT);
    } else if (MODIFYING.has(method) && cfg.settings.requireCsrf && !cfg.csrf.validate(user, csrfHeader, headers.cookie)) {
      return csrfRequiredReply();
    }
    const m = rootRe.exec(req.rawPath);
    const reply = m
      ? execute({ method, rest: req.rawPath.slice(m[0].length), query: req.query, headers, body: req.body, origin: req.origin, user }, true)
      : errorReply(404, SapCode.serviceNotFound, 'No service found', { app });
    return { ...reply, headers: { ...(reply.headers ?? {}), ...extra } };
  }

  function routes(): Route[] {
    const base = svc.root.replace(/[$/]/g, '\\$&');
    const out: Route[] = [];
    const add = (methods: HttpMethod[], tail: string, label: string): void => {
      for (const method of methods) out.push({ method, path: new RegExp(`^${base}${tail}/?$`), name: `${method} ${svc.name}/${label}`, handler: handle });
    };
    // CSRF token fetches (HEAD) are counted apart from reads.
    out.push({ method: 'HEAD', path: new RegExp(`^${base}(/.*)?$`), name: `HEAD ${svc.name}/*`, handler: handle });
    add(['GET'], '', '');
    add(['GET'], '/\\$metadata', '$metadata');
    add(['POST'], '/\\$batch', '$batch');
    const nonSlash = "[^/]*";
    for (const def of svc.sets.values()) {
      add(['GET', 'POST'], `/${def.set}`, def.set);
      add(['GET'], `/${def.set}/\\$count`, `${def.set}/$count`);
      add(['GET', 'PUT', 'PATCH', 'MERGE', 'DELETE', 'POST'], `/${def.set}\\(${nonSlash}\\)`, `${def.set}(key)`);
      for (const nav of def.navs) {
        add(['GET', 'POST'], `/${def.set}\\(${nonSlash}\\)/${nav.name}`, `${def.set}(key)/${nav.name}`);
        add(['GET'], `/${def.set}\\(${nonSlash}\\)/${nav.name}/\\$count`, `${def.set}(key)/${nav.name}/$count`);
      }
    }
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'MERGE', 'DELETE'] as const) {
      out.push({ method, path: new RegExp(`^${base}(/.*)?$`), name: `${method} ${svc.name}/*`, handler: handle });
    }
    out.push({ method: '*', path: new RegExp(`^${base}(/.*)?$`), name: `OTHER ${svc.name}/*`, handler: handle });
    return out;
  }

  return { handle, routes };
}
