/**
 * The GraphQL-over-HTTP request as the fast path reads it, with Apollo Server's rules kept:
 * - `POST` with a JSON object body (`query`, `operationName`, `variables`, `extensions`, `documentId`);
 * - `GET` with the same as URL parameters (`variables`/`extensions` JSON-encoded), never a mutation;
 * - CSRF prevention: a request a browser could send cross-site without a preflight (GET, or a POST
 *   with a "simple" content type) needs `apollo-require-preflight` or `x-apollo-operation-name`.
 * Every refusal is a 4xx with a reason (code BAD_REQUEST), never a throw.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface GraphQLParams {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
  documentId?: unknown;
}

export type ParamsResult = { ok: true; params: GraphQLParams } | { ok: false; status: number; message: string };

export const CSRF_MESSAGE = "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a 'content-type' header (with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide a non-empty value for one of the following headers: x-apollo-operation-name, apollo-require-preflight";

const SIMPLE_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** Whether a browser could have sent this request cross-site without a CORS preflight, and it carries no proof otherwise. */
export function looksLikeCsrf(method: string, headers: IncomingHttpHeaders): boolean {
  const type = headers['content-type'];
  if (type !== undefined) {
    const essence = type.split(';')[0]!.trim().toLowerCase();
    if (!SIMPLE_TYPES.has(essence)) return false;
  }
  void method;
  return !headers['apollo-require-preflight'] && !headers['x-apollo-operation-name'];
}

function jsonParam(search: URLSearchParams, name: string): { ok: true; value: unknown } | { ok: false } {
  const raw = search.get(name);
  if (raw === null || raw === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}

export function paramsFromGet(url: URL): ParamsResult {
  const s = url.searchParams;
  const variables = jsonParam(s, 'variables');
  if (!variables.ok) return { ok: false, status: 400, message: 'The "variables" search parameter is not valid JSON' };
  const extensions = jsonParam(s, 'extensions');
  if (!extensions.ok) return { ok: false, status: 400, message: 'The "extensions" search parameter is not valid JSON' };
  return {
    ok: true,
    params: {
      query: s.get('query') ?? undefined,
      operationName: s.get('operationName') ?? undefined,
      documentId: s.get('documentId') ?? undefined,
      variables: variables.value,
      extensions: extensions.value,
    },
  };
}

export function paramsFromBody(body: unknown): ParamsResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, status: 400, message: 'POST body must be a JSON object (batched requests are not supported)' };
  }
  const b = body as Record<string, unknown>;
  return { ok: true, params: { query: b.query, operationName: b.operationName, variables: b.variables, extensions: b.extensions, documentId: b.documentId } };
}

/** Checks the types of `operationName` and `variables`; undefined when fine, else the reason. */
export function badParamTypes(p: GraphQLParams): string | undefined {
  if (p.operationName !== undefined && p.operationName !== null && typeof p.operationName !== 'string') return '"operationName" must be a string';
  if (p.variables !== undefined && p.variables !== null && (typeof p.variables !== 'object' || Array.isArray(p.variables))) return '"variables" must be an object';
  if (p.extensions !== undefined && p.extensions !== null && (typeof p.extensions !== 'object' || Array.isArray(p.extensions))) return '"extensions" must be an object';
  return undefined;
}
