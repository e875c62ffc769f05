/**
 * JSON batching, `POST /v1.0/$batch` (counter `POST /v1.0/$batch`; each item is also counted as
 * `$batch <its route's counter name>`).
 *
 * Request `{"requests":[{"id","method","url","headers"?,"body"?,"dependsOn"?}]}`: 1..20 items, unique
 * string ids, relative urls with or without the `/v1.0` prefix, a `Content-Type` header on items
 * with a body, `dependsOn` naming other items without cycles; anything else fails the whole batch
 * with 400. Items run in order (dependencies first) as the batch's caller, each one throttled and
 * fault-injected on its own, so single items can be 429 with their own `Retry-After`. Dependents of
 * a failed item are answered 424. The batch itself answers 200 `{"responses":[{"id","status","headers","body"}]}`.
 */
import type { SandboxReply, SandboxRequest } from '../../kit/sandboxServer';
import { graphErrorBody, GraphHttpError, requestIds } from './graphErrors';
import type { GraphPipeline, GraphRequest, GraphRoute } from './graphRouter';

export const MAX_BATCH_REQUESTS = 20;
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  hasBody: boolean;
  dependsOn: string[];
}

interface ItemResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

function bad(message: string): GraphHttpError {
  return new GraphHttpError(400, 'BadRequest', message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseItems(raw: Buffer): BatchItem[] {
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch {
    throw bad('Invalid batch payload format: the body is not valid JSON.');
  }
  if (!isObject(doc) || !Array.isArray(doc.requests)) throw bad("Invalid batch payload format: expected an object with a 'requests' array.");
  const list = doc.requests;
  if (list.length === 0) throw bad('Invalid batch payload format: the batch contains no requests.');
  if (list.length > MAX_BATCH_REQUESTS) throw bad(`The batch contains ${list.length} requests; at most ${MAX_BATCH_REQUESTS} are allowed.`);
  const items: BatchItem[] = [];
  const ids = new Set<string>();
  list.forEach((r: unknown, i) => {
    if (!isObject(r)) throw bad(`Invalid batch payload format: requests[${i}] is not an object.`);
    if (typeof r.id !== 'string' || r.id === '' || r.id.length > 128) throw bad(`requests[${i}].id must be a non-empty string.`);
    if (ids.has(r.id)) throw bad(`Batch request contains duplicate request id '${r.id}'.`);
    ids.add(r.id);
    const method = typeof r.method === 'string' ? r.method.toUpperCase() : '';
    if (!METHODS.has(method)) throw bad(`requests[${i}].method must be one of ${[...METHODS].join(', ')}.`);
    if (typeof r.url !== 'string' || r.url === '' || r.url.length > 4096) throw bad(`requests[${i}].url must be a non-empty relative URL.`);
    const headers: Record<string, string> = {};
    if (r.headers !== undefined && r.headers !== null) {
      if (!isObject(r.headers)) throw bad(`requests[${i}].headers must be an object of strings.`);
      for (const [k, v] of Object.entries(r.headers)) {
        if (typeof v !== 'string') throw bad(`requests[${i}].headers['${k.slice(0, 40)}'] must be a string.`);
        headers[k.toLowerCase()] = v;
      }
    }
    const hasBody = r.body !== undefined && r.body !== null;
    if (hasBody && !headers['content-type']) throw bad(`requests[${i}] has a body but no Content-Type header.`);
    let dependsOn: string[] = [];
    if (r.dependsOn !== undefined && r.dependsOn !== null) {
      if (!Array.isArray(r.dependsOn) || r.dependsOn.length > MAX_BATCH_REQUESTS || !r.dependsOn.every((d) => typeof d === 'string')) {
        throw bad(`requests[${i}].dependsOn must be an array of request ids.`);
      }
      dependsOn = r.dependsOn as string[];
    }
    items.push({ id: r.id, method, url: r.url, headers, body: r.body, hasBody, dependsOn });
  });
  return items;
}

/** Order items so that dependencies run first (stable otherwise); 400 on unknown ids or cycles. */
function executionOrder(items: BatchItem[]): BatchItem[] {
  const byId = new Map(items.map((it) => [it.id, it]));
  for (const it of items) {
    for (const d of it.dependsOn) {
      if (!byId.has(d)) throw bad(`Request '${it.id}' depends on '${d.slice(0, 128)}', which is not in the batch.`);
      if (d === it.id) throw bad(`Request '${it.id}' depends on itself.`);
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const out: BatchItem[] = [];
  const visit = (it: BatchItem): void => {
    const s = state.get(it.id);
    if (s === 'done') return;
    if (s === 'visiting') throw bad(`The dependsOn references in the batch form a cycle through request '${it.id}'.`);
    state.set(it.id, 'visiting');
    for (const d of it.dependsOn) visit(byId.get(d) as BatchItem);
    state.set(it.id, 'done');
    out.push(it);
  };
  items.forEach(visit);
  return out;
}

function itemError(id: string, status: number, code: string, message: string, extra: Record<string, string> = {}): ItemResponse {
  const ids = requestIds();
  return { id, status, headers: { 'Content-Type': 'application/json', ...extra }, body: graphErrorBody(code, message, ids) };
}

function toItemResponse(id: string, reply: SandboxReply): ItemResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.headers ?? {})) {
    const key = k.toLowerCase();
    if (key === 'content-length' || key === 'request-id' || key === 'client-request-id') continue;
    const name = key === 'content-type' ? 'Content-Type' : key === 'retry-after' ? 'Retry-After' : key;
    headers[name] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  let body: unknown = reply.body ?? undefined;
  if (Buffer.isBuffer(body)) body = body.toString('base64');
  return body === undefined ? { id, status: reply.status, headers } : { id, status: reply.status, headers, body };
}

async function runItem(pipeline: GraphPipeline, outer: GraphRequest, item: BatchItem): Promise<ItemResponse> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(item.url)) return itemError(item.id, 400, 'BadRequest', 'Batch request URLs must be relative.');
  const q = item.url.indexOf('?');
  let rawPath = q === -1 ? item.url : item.url.slice(0, q);
  if (!rawPath.startsWith('/')) rawPath = `/${rawPath}`;
  if (/^\/beta(\/|$)/i.test(rawPath)) return itemError(item.id, 400, 'BadRequest', 'A v1.0 batch cannot contain beta requests.');
  if (!/^\/v1\.0(\/|$)/i.test(rawPath)) rawPath = `/v1.0${rawPath}`;
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return itemError(item.id, 400, 'BadRequest', 'The request URL is not valid percent-encoding.');
  }
  if (/^\/v1\.0\/\$batch\/?$/i.test(path)) return itemError(item.id, 400, 'BadRequest', 'Nested batch requests are not supported.');
  const match = pipeline.match(item.method, path);
  if (match.kind === 'none') return itemError(item.id, 404, 'NotFound', `Resource not found for the segment '${path.slice(0, 200)}'.`);
  if (match.kind === 'wrongMethod') return itemError(item.id, 405, 'MethodNotAllowed', `HTTP method '${item.method}' not allowed for this resource.`);
  const json = /json/i.test(item.headers['content-type'] ?? '');
  const body = !item.hasBody ? Buffer.alloc(0)
    : json ? Buffer.from(JSON.stringify(item.body))
      : typeof item.body === 'string' ? Buffer.from(item.body, 'base64') : Buffer.from(JSON.stringify(item.body));
  const inner: SandboxRequest = {
    method: item.method, path, rawPath, query: new URLSearchParams(q === -1 ? '' : item.url.slice(q + 1)),
    headers: { ...item.headers, authorization: outer.headers.authorization }, params: match.params, body, origin: outer.origin, raw: outer.raw,
  };
  return toItemResponse(item.id, await pipeline.runItem(match.route, inner, outer.claims));
}

async function batch(getPipeline: () => GraphPipeline, req: GraphRequest): Promise<SandboxReply> {
  const items = executionOrder(parseItems(req.body));
  const pipeline = getPipeline();
  const done = new Map<string, ItemResponse>();
  for (const item of items) {
    const failed = item.dependsOn.find((d) => (done.get(d)?.status ?? 500) >= 400);
    const res = failed !== undefined
      ? itemError(item.id, 424, 'FailedDependency', `The request depends on request '${failed}', which failed.`)
      : await runItem(pipeline, req, item).catch(() => itemError(item.id, 500, 'InternalServerError', 'An unexpected error occurred.'));
    done.set(item.id, res);
  }
  return { status: 200, body: { responses: items.map((it) => done.get(it.id) as ItemResponse) } };
}

export function batchRoutes(getPipeline: () => GraphPipeline): GraphRoute[] {
  return [{ method: 'POST', path: '/v1.0/$batch', name: 'POST /v1.0/$batch', roles: [], handler: (req) => batch(getPipeline, req) }];
}
