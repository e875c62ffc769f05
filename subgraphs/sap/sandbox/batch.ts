/**
 * OData V2 `$batch` (PROTOCOLS.md 3.5): parse a `multipart/mixed` body into read requests and
 * changesets, run it (each changeset atomically), and build the `multipart/mixed` response.
 *
 * Request: parts are `application/http` (one HTTP request each; GET only at top level) or a nested
 * `multipart/mixed` changeset of modifying `application/http` requests, optionally tagged with
 * `Content-ID` (a later request in the same changeset may address `$<id>`). CRLF line endings are
 * required by the spec; bare LF is tolerated.
 *
 * Response: one `application/http` part per read; per changeset a nested multipart with one part
 * per operation, or, when any operation failed, a single `application/http` part with the error
 * (the changeset was rolled back).
 *
 * Limits (abuse): at most `MAX_BATCH_PARTS` parts overall; changesets nest one level only.
 */
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { SandboxReply } from '../../kit/sandboxServer';

export const MAX_BATCH_PARTS = 1000;

export class BatchSyntaxError extends Error {}

export interface BatchRequest {
  method: string;
  /** The URL as written in the request line (relative to the service root, absolute path, or absolute URL). */
  url: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
  contentId: string | undefined;
}

export type BatchPart = { kind: 'request'; request: BatchRequest } | { kind: 'changeset'; requests: BatchRequest[] };

export function boundaryOf(contentType: string | undefined): string {
  const ct = contentType ?? '';
  if (!/^\s*multipart\/mixed\b/i.test(ct)) throw new BatchSyntaxError('Content-Type must be multipart/mixed with a boundary');
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(ct);
  const b = m?.[1] ?? m?.[2];
  if (!b) throw new BatchSyntaxError('The multipart/mixed Content-Type has no boundary parameter');
  return b;
}

/** Split a multipart body into raw part texts (headers + body). */
function splitMultipart(text: string, boundary: string, budget: { parts: number }): string[] {
  const delim = `--${boundary}`;
  let pos: number;
  if (text.startsWith(delim)) pos = delim.length;
  else {
    const first = text.indexOf(`\n${delim}`);
    if (first === -1) throw new BatchSyntaxError(`The body does not contain the boundary delimiter '${delim}'`);
    pos = first + 1 + delim.length;
  }
  const parts: string[] = [];
  for (;;) {
    if (text.startsWith('--', pos)) return parts;
    const eol = text.indexOf('\n', pos);
    if (eol === -1) throw new BatchSyntaxError('Unexpected end of the multipart body: missing closing delimiter');
    if (text.slice(pos, eol).trim() !== '') throw new BatchSyntaxError('Unexpected characters after a boundary delimiter');
    const start = eol + 1;
    const next = text.indexOf(`\n${delim}`, start - 1);
    if (next === -1) throw new BatchSyntaxError(`Missing closing delimiter '${delim}--'`);
    const end = next > 0 && text[next - 1] === '\r' ? next - 1 : next;
    parts.push(text.slice(start, Math.max(start, end)));
    if (++budget.parts > MAX_BATCH_PARTS) throw new BatchSyntaxError(`A batch may contain at most ${MAX_BATCH_PARTS} parts`);
    pos = next + 1 + delim.length;
  }
}

/** Split `headers CRLF CRLF body`. */
function splitHead(raw: string): { body: string; lines: string[] } {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  return { lines: head.split(/\r?\n/), body: m ? raw.slice(m.index + m[0].length) : '' };
}

function parseHeaders(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new BatchSyntaxError(`Malformed header line '${line.slice(0, 80)}'`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function parseHttpPart(partHeaders: Record<string, string>, raw: string): BatchRequest {
  const { lines, body } = splitHead(raw);
  const requestLine = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0]?.trim() ?? '');
  if (!requestLine) throw new BatchSyntaxError(`Malformed request line '${(lines[0] ?? '').slice(0, 80)}'`);
  return {
    method: requestLine[1] as string, url: requestLine[2] as string, headers: parseHeaders(lines.slice(1)),
    body: body.replace(/\r?\n$/, ''), contentId: partHeaders['content-id'],
  };
}

function parsePart(raw: string, nested: boolean, budget: { parts: number }): BatchPart {
  const { lines, body } = splitHead(raw);
  const headers = parseHeaders(lines);
  const ct = (headers['content-type'] ?? '').toLowerCase();
  if (ct.startsWith('application/http')) {
    const request = parseHttpPart(headers, body);
    if (nested && request.method === 'GET') throw new BatchSyntaxError('GET requests are not allowed inside a changeset');
    if (!nested && request.method !== 'GET') throw new BatchSyntaxError(`${request.method} requests must be inside a changeset`);
    return { kind: 'request', request };
  }
  if (ct.startsWith('multipart/mixed')) {
    if (nested) throw new BatchSyntaxError('Changesets cannot be nested');
    const requests = splitMultipart(body, boundaryOf(headers['content-type']), budget).map((p) => {
      const part = parsePart(p, true, budget);
      if (part.kind !== 'request') throw new BatchSyntaxError('Changesets cannot be nested');
      return part.request;
    });
    return { kind: 'changeset', requests };
  }
  throw new BatchSyntaxError(`Unsupported batch part Content-Type '${ct.slice(0, 60) || '(none)'}'`);
}

export function parseBatch(body: Buffer, contentType: string | undefined): BatchPart[] {
  const boundary = boundaryOf(contentType);
  const budget = { parts: 0 };
  return splitMultipart(body.toString('utf8'), boundary, budget).map((p) => parsePart(p, false, budget));
}

/** Serialise one reply as an `application/http` part body. */
function httpResponse(reply: SandboxReply): string {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.headers ?? {})) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  let body = '';
  if (reply.body !== undefined && reply.body !== null && reply.status !== 204) {
    if (Buffer.isBuffer(reply.body)) body = reply.body.toString('utf8');
    else if (typeof reply.body === 'string') body = reply.body;
    else {
      body = JSON.stringify(reply.body);
      headers['content-type'] ??= 'application/json;charset=utf-8';
    }
  }
  headers['content-length'] = String(Buffer.byteLength(body));
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
  return `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? ''}\r\n${head}\r\n\r\n${body}`;
}

function httpPart(reply: SandboxReply, contentId?: string): string {
  return `Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n${contentId ? `Content-ID: ${contentId}\r\n` : ''}\r\n${httpResponse(reply)}\r\n`;
}

export interface BatchRunner {
  /** Execute one request synchronously; `ids` maps Content-IDs to entity paths created earlier in the changeset. */
  execute(request: BatchRequest, ids: Map<string, string>): SandboxReply;
  begin(): void;
  commit(): void;
  rollback(): void;
  /** Path (relative to the service root) of the entity a create reply points at, for Content-ID references. */
  createdPath(reply: SandboxReply): string | undefined;
}

/** Run a parsed batch and return the 202 multipart response. */
export function runBatch(parts: BatchPart[], runner: BatchRunner): SandboxReply {
  const boundary = `batchresponse_${randomBytes(8).toString('hex')}`;
  let out = '';
  for (const part of parts) {
    out += `--${boundary}\r\n`;
    if (part.kind === 'request') {
      out += httpPart(runner.execute(part.request, new Map()));
      continue;
    }
    const ids = new Map<string, string>();
    const replies: Array<{ reply: SandboxReply; contentId: string | undefined }> = [];
    let failed: SandboxReply | undefined;
    runner.begin();
    for (const request of part.requests) {
      const reply = runner.execute(request, ids);
      if (reply.status >= 400) { failed = reply; break; }
      const path = runner.createdPath(reply);
      if (request.contentId && path) ids.set(request.contentId, path);
      replies.push({ reply, contentId: request.contentId });
    }
    if (failed) {
      runner.rollback();
      out += httpPart(failed);
      continue;
    }
    runner.commit();
    const cs = `changesetresponse_${randomBytes(8).toString('hex')}`;
    out += `Content-Type: multipart/mixed; boundary=${cs}\r\n\r\n`;
    for (const r of replies) out += `--${cs}\r\n${httpPart(r.reply, r.contentId)}`;
    out += `--${cs}--\r\n`;
  }
  out += `--${boundary}--\r\n`;
  return { status: 202, headers: { 'content-type': `multipart/mixed; boundary=${boundary}`, dataserviceversion: '2.0' }, body: out };
}
