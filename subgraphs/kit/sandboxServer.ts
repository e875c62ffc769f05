/**
 * The HTTP(S) server every sandbox runs on: a small router, body reading with a size cap,
 * per-endpoint request counters, fault knobs and the `/__admin` endpoints that tests and
 * benchmarks drive. A sandbox supplies its routes and how its system shapes an error body;
 * everything else here is shared so that the three sandboxes behave alike under faults.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createFaultKnobs, type FaultKnobs } from './faultKnobs';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'MERGE';

export interface SandboxRequest {
  method: string;
  /** Decoded path without the query string. */
  path: string;
  /** The raw (still percent-encoded) path, for protocols whose keys carry quotes and commas. */
  rawPath: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  params: Record<string, string>;
  /** The request body, read once and capped at `maxBodyBytes`. */
  body: Buffer;
  /** `http(s)://host:port` as the client addressed us, for absolute links. */
  origin: string;
  raw: http.IncomingMessage;
}

export interface SandboxReply {
  status: number;
  headers?: Record<string, string | string[] | number>;
  body?: string | Buffer | object | null;
}

export type RouteHandler = (req: SandboxRequest) => Promise<SandboxReply> | SandboxReply;

export interface Route {
  /** HTTP method, or '*' for any. */
  method: HttpMethod | '*';
  /** A path pattern with `:name` segments and an optional trailing `*` (captured as `params.rest`), or a RegExp with named groups. */
  path: string | RegExp;
  /** Counter name; defaults to `METHOD path-pattern`. */
  name?: string;
  handler: RouteHandler;
}

export interface SandboxErrorShape {
  /** Build the system's own error reply for a status (used for faults, 404, 413, 500). */
  (status: number, code: string, message: string): SandboxReply;
}

export interface SandboxServerOptions {
  system: 'salesforce' | 'sap' | 'teams';
  routes: Route[];
  errorReply: SandboxErrorShape;
  logger: Logger;
  /** Serve TLS with this key and certificate. */
  tls?: { key: string; cert: string };
  /** @default 10 MiB */
  maxBodyBytes?: number;
  /** Called by `POST /__admin/tokens/expire`. */
  expireTokens?: () => void;
  /** Called by `POST /__admin/reset`. */
  resetData?: () => void;
  /** Current tunable settings (daily limit, rate, page size ...), readable and patchable at `/__admin/settings`. */
  settings?: { get(): Record<string, unknown>; patch(changes: Record<string, unknown>): string | null };
  /** Extra admin routes mounted under `/__admin/` (not counted, no faults). */
  adminRoutes?: Route[];
  /** Runs before every counted request (for example a rate limiter); a reply short-circuits the route. */
  guard?: (req: SandboxRequest) => SandboxReply | null;
}

export interface SandboxServer {
  server: http.Server;
  url: string;
  port: number;
  counters: RequestCounters;
  faults: FaultKnobs;
  close(): Promise<void>;
}

export interface RequestCounters {
  record(name: string): void;
  snapshot(): { total: number; byEndpoint: Record<string, number> };
  reset(): void;
}

export function createRequestCounters(): RequestCounters {
  let byEndpoint = new Map<string, number>();
  return {
    record(name) {
      byEndpoint.set(name, (byEndpoint.get(name) ?? 0) + 1);
    },
    snapshot() {
      let total = 0;
      const out: Record<string, number> = {};
      for (const [k, v] of [...byEndpoint.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        out[k] = v;
        total += v;
      }
      return { total, byEndpoint: out };
    },
    reset() {
      byEndpoint = new Map();
    },
  };
}

interface CompiledRoute {
  route: Route;
  name: string;
  match(path: string): Record<string, string> | null;
}

/** A request target split into its decoded path, raw path and query; null when the percent-encoding is broken. */
export function parseRequestTarget(target: string): { path: string; rawPath: string; query: URLSearchParams } | null {
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  try {
    return { path: decodeURIComponent(rawPath), rawPath, query: new URLSearchParams(q === -1 ? '' : target.slice(q + 1)) };
  } catch {
    return null;
  }
}

/**
 * Match a path against a pattern with `:name` segments and an optional trailing `*` (the rest of
 * the path, captured as `params.rest`). Returns the captured params, or null when it does not match.
 */
export function matchPathPattern(pattern: string, path: string): Record<string, string> | null {
  const parts = pattern.split('/').filter(Boolean);
  const wildcard = parts[parts.length - 1] === '*';
  if (wildcard) parts.pop();
  const segs = path.split('/').filter(Boolean);
  if (wildcard ? segs.length < parts.length : segs.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const seg = segs[i] as string;
    if (part.startsWith(':')) params[part.slice(1)] = seg;
    else if (part !== seg) return null;
  }
  if (wildcard) params.rest = segs.slice(parts.length).join('/');
  return params;
}

function compileRoute(route: Route): CompiledRoute {
  const name = route.name ?? `${route.method} ${String(route.path)}`;
  if (route.path instanceof RegExp) {
    const re = route.path;
    return { route, name, match: (p) => { const m = re.exec(p); return m ? { ...(m.groups ?? {}) } : null; } };
  }
  const pattern = route.path;
  return { route, name, match: (p) => matchPathPattern(pattern, p) };
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      reject(new BodyTooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Write a reply; objects are sent as JSON unless a content type says otherwise. */
export function send(res: http.ServerResponse, reply: SandboxReply, headOnly = false): void {
  const headers: Record<string, string | string[] | number> = { ...(reply.headers ?? {}) };
  let payload: Buffer | undefined;
  if (reply.body !== undefined && reply.body !== null) {
    if (Buffer.isBuffer(reply.body)) payload = reply.body;
    else if (typeof reply.body === 'string') payload = Buffer.from(reply.body);
    else {
      payload = Buffer.from(JSON.stringify(reply.body));
      if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json;charset=UTF-8';
    }
  }
  if (payload && !hasHeader(headers, 'content-length')) headers['content-length'] = payload.length;
  res.writeHead(reply.status, headers);
  res.end(headOnly || reply.status === 204 || reply.status === 304 ? undefined : payload);
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

function parseJsonBody(body: Buffer): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(body.toString('utf8') || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function adminRoutes(opts: SandboxServerOptions, counters: RequestCounters, faults: FaultKnobs): Route[] {
  const ok = (body: object): SandboxReply => ({ status: 200, body });
  const bad = (reason: string): SandboxReply => ({ status: 400, body: { error: reason } });
  return [
    { method: 'GET', path: '/__admin/counters', handler: () => ok(counters.snapshot()) },
    { method: 'POST', path: '/__admin/counters/reset', handler: () => { counters.reset(); return ok(counters.snapshot()); } },
    { method: 'GET', path: '/__admin/faults', handler: () => ok(faults.get()) },
    {
      method: 'PUT',
      path: '/__admin/faults',
      handler: (req) => {
        const body = parseJsonBody(req.body);
        if (!body) return bad('faults must be a JSON object');
        const problem = faults.set(body);
        return problem ? bad(problem) : ok(faults.get());
      },
    },
    { method: 'DELETE', path: '/__admin/faults', handler: () => { faults.clear(); return ok(faults.get()); } },
    {
      method: 'POST',
      path: '/__admin/tokens/expire',
      handler: () => { opts.expireTokens?.(); return ok({ expired: true }); },
    },
    {
      method: 'POST',
      path: '/__admin/reset',
      handler: () => { opts.resetData?.(); counters.reset(); faults.clear(); return ok({ reset: true }); },
    },
    { method: 'GET', path: '/__admin/settings', handler: () => ok(opts.settings?.get() ?? {}) },
    {
      method: 'PATCH',
      path: '/__admin/settings',
      handler: (req) => {
        const body = parseJsonBody(req.body);
        if (!body) return bad('settings must be a JSON object');
        if (!opts.settings) return bad('this sandbox has no settings');
        const problem = opts.settings.patch(body);
        return problem ? bad(problem) : ok(opts.settings.get());
      },
    },
    { method: 'GET', path: '/__admin/health', handler: () => ok({ status: 'ok', system: opts.system }) },
    ...(opts.adminRoutes ?? []),
  ];
}

/** Start a sandbox server on `port` (0 for an ephemeral port) and resolve once it listens. */
export async function startSandboxServer(opts: SandboxServerOptions, port: number, host = '127.0.0.1'): Promise<SandboxServer> {
  const counters = createRequestCounters();
  const faults = createFaultKnobs();
  const admin = adminRoutes(opts, counters, faults).map(compileRoute);
  const routes = opts.routes.map(compileRoute);
  const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const scheme = opts.tls ? 'https' : 'http';

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      opts.logger.error({ err }, 'sandbox handler crashed');
      if (!res.headersSent) send(res, opts.errorReply(500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred.'));
      else res.destroy();
    });
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = parseRequestTarget(req.url ?? '/');
    if (!target) {
      send(res, opts.errorReply(400, 'BAD_REQUEST', 'The request path is not valid percent-encoding.'));
      return;
    }
    const { path, rawPath, query } = target;
    const method = (req.method ?? 'GET').toUpperCase();
    const isAdmin = path.startsWith('/__admin/');
    const table = isAdmin ? admin : routes;
    let found: { c: CompiledRoute; params: Record<string, string> } | null = null;
    let pathMatched = false;
    for (const c of table) {
      const params = c.match(path);
      if (!params) continue;
      pathMatched = true;
      if (c.route.method === '*' || c.route.method === method || (method === 'HEAD' && c.route.method === 'GET')) {
        found = { c, params };
        break;
      }
    }
    const name = found ? found.c.name : `${method} (unrouted)`;
    if (!isAdmin) counters.record(name);

    let body: Buffer;
    try {
      body = await readBody(req, maxBody);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        send(res, opts.errorReply(413, 'REQUEST_TOO_LARGE', `The request body exceeds ${maxBody} bytes.`));
        return;
      }
      throw err;
    }
    const host = req.headers.host ?? `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? ''}`;
    const sreq: SandboxRequest = {
      method, path, rawPath, query, headers: req.headers, params: found?.params ?? {}, body,
      origin: `${scheme}://${host}`, raw: req,
    };

    if (!isAdmin) {
      const fault = await faults.apply(path);
      if (fault) {
        const reply = opts.errorReply(fault.status, fault.code, fault.message);
        if (fault.retryAfter !== undefined) reply.headers = { ...(reply.headers ?? {}), 'retry-after': String(fault.retryAfter) };
        send(res, reply, method === 'HEAD');
        return;
      }
      const blocked = opts.guard?.(sreq);
      if (blocked) {
        send(res, blocked, method === 'HEAD');
        return;
      }
    }
    if (!found) {
      send(res, pathMatched
        ? opts.errorReply(405, 'METHOD_NOT_ALLOWED', `HTTP method '${method}' not allowed for this resource.`)
        : opts.errorReply(404, 'NOT_FOUND', 'The requested resource does not exist'), method === 'HEAD');
      return;
    }
    const reply = await found.c.route.handler(sreq);
    send(res, reply, method === 'HEAD');
  }

  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, listener) : http.createServer(listener);
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const actual = (server.address() as AddressInfo).port;
  const urlHost = host === '127.0.0.1' || host === '0.0.0.0' || host === '::' ? (opts.tls ? 'localhost' : '127.0.0.1') : host;
  return {
    server,
    port: actual,
    url: `${scheme}://${urlHost}:${actual}`,
    counters,
    faults,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
