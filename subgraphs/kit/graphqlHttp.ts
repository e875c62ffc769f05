/**
 * Serving `@apollo/server` on a plain Node HTTP server, shared by the gateway and the subgraphs:
 * read a capped body, parse it the way Apollo expects, convert headers, write Apollo's response,
 * and answer GraphQL-shaped errors outside Apollo (413, 400).
 */
import type http from 'node:http';
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';

/**
 * Reads the body; resolves null as soon as it is known to be larger than `limit` (a declared
 * `content-length` over it, or the bytes read so far), without waiting for the rest: the caller
 * answers 413 and the connection is closed after the answer (nothing more is read from it).
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<string | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    refuseRest(req);
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size <= limit) {
        chunks.push(c);
        return;
      }
      req.off('data', onData);
      refuseRest(req);
      resolve(null);
    };
    req.on('data', onData);
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The rest of an oversized body is not read: the answer closes the connection. */
function refuseRest(req: http.IncomingMessage): void {
  req.pause();
  (req as { tooLarge?: boolean }).tooLarge = true;
}

/** Whether `readBody` refused this request's body as too large (its answer must close the connection). */
export function bodyRefused(req: http.IncomingMessage): boolean {
  return (req as { tooLarge?: boolean }).tooLarge === true;
}

/** A GraphQL-shaped error response outside Apollo Server (413, 400 ...), code BAD_REQUEST unless given. */
export function sendGraphQLError(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}, code = 'BAD_REQUEST'): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
}

function isJson(contentType: string | undefined): boolean {
  return !!contentType && /^application\/([\w.+-]+\+)?json\b/i.test(contentType.trim());
}

export function headerMap(headers: http.IncomingHttpHeaders): HeaderMap {
  const map = new HeaderMap();
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) map.set(k, Array.isArray(v) ? v.join(', ') : v);
  return map;
}

/** The body Apollo Server expects: parsed JSON for JSON POSTs, else the raw text (it rejects it). */
export function parseBody(req: http.IncomingMessage, raw: string): { ok: true; body: unknown } | { ok: false } {
  if (req.method !== 'POST') return { ok: true, body: undefined };
  if (!isJson(req.headers['content-type'])) return { ok: true, body: raw };
  if (!raw) return { ok: true, body: undefined };
  try {
    return { ok: true, body: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Writes Apollo's response (complete or incremental) with extra headers. */
export async function writeGraphQLResponse(res: http.ServerResponse, result: HTTPGraphQLResponse, headers: Record<string, string>): Promise<void> {
  const out: Record<string, string> = { ...headers };
  for (const [k, v] of result.headers) out[k] = v;
  res.writeHead(result.status ?? 200, out);
  if (result.body.kind === 'complete') {
    res.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
}

/** A small JSON answer (health, 404), never cached. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers, ...closeIfRefused(res) });
  res.end(text);
}

/** `connection: close` when the request's body was refused unread (see `readBody`). */
export function closeIfRefused(res: http.ServerResponse): Record<string, string> {
  return res.req && bodyRefused(res.req) ? { connection: 'close' } : {};
}
