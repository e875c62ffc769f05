/**
 * `POST /composite`: up to 25 subrequests run in order against the sandbox's own REST resources,
 * with `@{referenceId.path}` references (`@{c1.id}`, `@{q.records[0].Id}`) resolved from earlier
 * results. Always 200 `{"compositeResponse":[{body,httpHeaders,httpStatusCode,referenceId}]}`;
 * with `allOrNone` the first failure rolls everything back and every other subrequest reports
 * 400 PROCESSING_HALTED. The whole composite counts as one API request.
 */
import { parseRequestTarget, type SandboxReply, type SandboxRequest } from '../../kit/sandboxServer';
import { SalesforceApiError, parseJsonBody } from './salesforceErrors';
import { matchResource, runResource, type RestCall, type RestResource } from './restSupport';

export const MAX_SUBREQUESTS = 25;
const REF_ID = /^[A-Za-z0-9][A-Za-z0-9_]{0,79}$/;
const REFERENCE = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])+)\}/g;
const METHODS = new Set(['GET', 'POST', 'PATCH', 'DELETE']);

interface SubRequest {
  method: string;
  url: string;
  referenceId: string;
  body?: unknown;
  httpHeaders?: Record<string, unknown>;
}

interface SubResponse {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

class UnresolvedReference extends Error {}

const halted = (message: string): unknown[] => [{ errorCode: 'PROCESSING_HALTED', message }];
const ROLLED_BACK = 'The transaction was rolled back since another operation in the same transaction failed.';

function validate(raw: unknown): { allOrNone: boolean; subs: SubRequest[] } {
  const body = raw as Record<string, unknown>;
  const list = body.compositeRequest;
  if (!Array.isArray(list) || list.length === 0) {
    throw new SalesforceApiError(400, 'JSON_PARSER_ERROR', 'The compositeRequest property must be a non-empty array of subrequests');
  }
  if (list.length > MAX_SUBREQUESTS) {
    throw new SalesforceApiError(400, 'INVALID_API_INPUT', `Composite requests may contain at most ${MAX_SUBREQUESTS} subrequests; this one has ${list.length}.`);
  }
  const seen = new Set<string>();
  const subs = list.map((s: unknown, i: number): SubRequest => {
    const sub = (s && typeof s === 'object' && !Array.isArray(s) ? s : {}) as Record<string, unknown>;
    const { method, url, referenceId } = sub;
    if (typeof method !== 'string' || !METHODS.has(method.toUpperCase()) || typeof url !== 'string' || typeof referenceId !== 'string') {
      throw new SalesforceApiError(400, 'JSON_PARSER_ERROR', `compositeRequest[${i}] needs a method (GET, POST, PATCH, DELETE), a url and a referenceId`);
    }
    if (!REF_ID.test(referenceId) || seen.has(referenceId)) {
      throw new SalesforceApiError(400, 'INVALID_API_INPUT', `Invalid or duplicate referenceId '${referenceId.slice(0, 80)}'. Provided referenceId ids must start with a letter or a number, and they can contain only letters, numbers and underscores.`);
    }
    seen.add(referenceId);
    const headers = sub.httpHeaders;
    return {
      method: method.toUpperCase(), url, referenceId, body: sub.body,
      ...(headers && typeof headers === 'object' && !Array.isArray(headers) ? { httpHeaders: headers as Record<string, unknown> } : {}),
    };
  });
  return { allOrNone: body.allOrNone === true, subs };
}

function lookup(results: Map<string, unknown>, ref: string, path: string): unknown {
  if (!results.has(ref)) throw new UnresolvedReference(`@{${ref}${path}}`);
  let cur: unknown = results.get(ref);
  for (const m of path.matchAll(/\.([A-Za-z0-9_]+)|\[(\d+)\]/g)) {
    const key = m[1] ?? Number(m[2]);
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, key)) throw new UnresolvedReference(`@{${ref}${path}}`);
    cur = (cur as Record<string | number, unknown>)[key];
  }
  if (cur === undefined || (cur !== null && typeof cur === 'object')) throw new UnresolvedReference(`@{${ref}${path}}`);
  return cur;
}

/** Replace references inside strings; a string that is exactly one reference takes the value's type. */
function resolve(value: unknown, results: Map<string, unknown>, depth = 0): unknown {
  if (depth > 32) throw new SalesforceApiError(400, 'JSON_PARSER_ERROR', 'The subrequest body is nested too deeply');
  if (typeof value === 'string') {
    const whole = /^@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])+)\}$/.exec(value);
    if (whole) return lookup(results, whole[1] as string, whole[2] as string);
    return value.replace(REFERENCE, (_m, ref: string, path: string) => String(lookup(results, ref, path)));
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, results, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: resolve(v, results, depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

async function runSub(parent: RestCall, resources: RestResource[], sub: SubRequest, results: Map<string, unknown>): Promise<SandboxReply> {
  let url: string;
  let body: unknown;
  try {
    url = resolve(sub.url, results) as string;
    body = sub.body === undefined ? undefined : resolve(sub.body, results);
  } catch (err) {
    if (!(err instanceof UnresolvedReference)) throw err;
    return { status: 400, body: halted(`Invalid reference specified. No value for ${err.message} found. Provided referenceId ids must start with a letter or a number, and they can contain only letters, numbers and underscores.`) };
  }
  const target = parseRequestTarget(url);
  if (!target) {
    return { status: 400, body: [{ errorCode: 'BAD_REQUEST', message: 'The subrequest url is not valid percent-encoding.' }] };
  }
  const { path, rawPath, query } = target;
  const match = path.startsWith('/services/data/') ? matchResource(resources, sub.method, path.slice('/services/data'.length)) : null;
  if (!match || match.resource.pattern === '/composite') {
    return { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(sub.httpHeaders ?? {})) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  const authorization = parent.req.headers.authorization;
  const req: SandboxRequest = {
    method: sub.method, path, rawPath, query,
    headers: { ...headers, ...(authorization ? { authorization } : {}) }, params: match.params,
    body: Buffer.from(body === undefined ? '' : JSON.stringify(body)), origin: parent.req.origin, raw: parent.req.raw,
  };
  return runResource(match.resource.handler, req, match.params, parent.deps);
}

export function compositeResource(resources: () => RestResource[]): RestResource {
  return {
    method: 'POST',
    pattern: '/composite',
    handler: async (call) => {
      const { allOrNone, subs } = validate(parseJsonBody(call.req.body));
      const results = new Map<string, unknown>();
      const out: SubResponse[] = [];
      const journal = call.deps.store.begin();
      let failed = false;
      try {
        for (const sub of subs) {
          if (failed && allOrNone) {
            out.push({ body: halted(ROLLED_BACK), httpHeaders: {}, httpStatusCode: 400, referenceId: sub.referenceId });
            continue;
          }
          const reply = await runSub(call, resources(), sub, results);
          const location = reply.headers?.Location;
          out.push({ body: reply.body ?? null, httpHeaders: typeof location === 'string' ? { Location: location } : {}, httpStatusCode: reply.status, referenceId: sub.referenceId });
          if (reply.status < 400) results.set(sub.referenceId, reply.body ?? null);
          else failed = true;
        }
      } catch (err) {
        journal.rollback();
        throw err;
      }
      if (failed && allOrNone) {
        journal.rollback();
        for (const item of out) {
          if (item.httpStatusCode < 400) Object.assign(item, { body: halted(ROLLED_BACK), httpHeaders: {}, httpStatusCode: 400 });
        }
      } else journal.commit();
      return { status: 200, body: { compositeResponse: out } };
    },
  };
}
