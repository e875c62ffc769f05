/**
 * OData V2 `$batch` on the wire (PROTOCOLS.md 3.5): building a `multipart/mixed` request body of
 * read parts or of changesets, and parsing the `multipart/mixed` response into one entry per part (a changeset
 * answer becomes a nested list). CRLF line endings; the CRLF before a delimiter belongs to the
 * delimiter (RFC 2046). The response is upstream input: malformed bodies raise
 * `BatchResponseError`, and part counts are capped.
 */
import { randomBytes } from 'node:crypto';

/** Most parts a response may hold (SAP Gateway's own limit is in the same range). */
export const MAX_RESPONSE_PARTS = 1000;

export class BatchResponseError extends Error {}

export interface BatchPartResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
}

/** One top-level answer: a read's response, or the responses of a changeset. */
export type BatchResponseItem = { kind: 'response'; response: BatchPartResponse } | { kind: 'changeset'; responses: BatchPartResponse[] };

export interface BatchRequestBody {
  contentType: string;
  body: string;
}

/** A `$batch` body with one GET part per URL (each relative to the service root). */
export function buildReadBatch(urls: readonly string[], boundary = `batch_${randomBytes(12).toString('hex')}`): BatchRequestBody {
  let body = '';
  for (const url of urls) {
    if (/[\s]/.test(url)) throw new Error('batch part URLs must be percent-encoded (no whitespace)');
    body += `--${boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n`
      + `GET ${url} HTTP/1.1\r\nAccept: application/json\r\n\r\n\r\n`;
  }
  body += `--${boundary}--\r\n`;
  return { contentType: `multipart/mixed; boundary=${boundary}`, body };
}

/** One modifying request of a changeset; `url` relative to the service root, percent-encoded. */
export interface ChangesetOperation {
  method: 'POST' | 'PATCH' | 'MERGE' | 'PUT' | 'DELETE';
  url: string;
  /** Header values must not contain CR or LF. @default {} */
  headers?: Record<string, string>;
  /** JSON text. @default no body */
  body?: string;
  /** `Content-ID` of the part (a later operation of the same changeset may address `$<id>`). @default none */
  contentId?: string;
}

const HEADER_SAFE = /^[^\r\n]*$/;

/** A `$batch` body with one changeset (nested `multipart/mixed`, atomic on the server) per entry of `changesets`. */
export function buildChangesetBatch(changesets: ReadonlyArray<readonly ChangesetOperation[]>, boundary = `batch_${randomBytes(12).toString('hex')}`): BatchRequestBody {
  let body = '';
  for (const ops of changesets) {
    const cs = `changeset_${randomBytes(12).toString('hex')}`;
    body += `--${boundary}\r\nContent-Type: multipart/mixed; boundary=${cs}\r\n\r\n`;
    for (const op of ops) {
      if (/[\s]/.test(op.url)) throw new Error('batch part URLs must be percent-encoded (no whitespace)');
      const headers = { ...(op.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...op.headers };
      const head = Object.entries(headers).map(([k, v]) => {
        if (!HEADER_SAFE.test(k) || !HEADER_SAFE.test(v) || k.includes(':')) throw new Error('batch part headers must not contain CR, LF or a colon in the name');
        return `${k}: ${v}\r\n`;
      }).join('');
      if (op.contentId !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(op.contentId)) throw new Error('Content-ID must be 1 to 64 letters, digits, _ . -');
      body += `--${cs}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n${op.contentId !== undefined ? `Content-ID: ${op.contentId}\r\n` : ''}\r\n`
        + `${op.method} ${op.url} HTTP/1.1\r\n${head}\r\n${op.body ?? ''}\r\n`;
    }
    body += `--${cs}--\r\n`;
  }
  body += `--${boundary}--\r\n`;
  return { contentType: `multipart/mixed; boundary=${boundary}`, body };
}

/** The boundary parameter of a `multipart/mixed` content type. */
export function multipartBoundary(contentType: string | undefined): string {
  const ct = contentType ?? '';
  if (!/^\s*multipart\/mixed\b/i.test(ct)) throw new BatchResponseError(`expected multipart/mixed, got '${ct.slice(0, 60)}'`);
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(ct);
  const b = m?.[1] ?? m?.[2];
  if (!b) throw new BatchResponseError('multipart/mixed without a boundary');
  return b;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The raw texts of the parts between the delimiters of `boundary`. */
function splitParts(text: string, boundary: string, budget: { parts: number }): string[] {
  const re = new RegExp(`(?:^|\\r?\\n)--${escapeRe(boundary)}(--)?[ \\t]*(?=\\r?\\n|$)`, 'g');
  const parts: string[] = [];
  let start = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (start >= 0) {
      parts.push(text.slice(start, m.index));
      if (++budget.parts > MAX_RESPONSE_PARTS) throw new BatchResponseError(`more than ${MAX_RESPONSE_PARTS} parts`);
    }
    if (m[1]) return parts;
    const eol = text.indexOf('\n', re.lastIndex);
    if (eol === -1) break;
    start = eol + 1;
  }
  throw new BatchResponseError(start < 0 ? 'no boundary delimiter in the body' : 'missing closing delimiter');
}

function splitHead(raw: string): { lines: string[]; body: string } {
  const m = /\r?\n\r?\n/.exec(raw);
  if (!m) return { lines: raw.split(/\r?\n/), body: '' };
  return { lines: raw.slice(0, m.index).split(/\r?\n/), body: raw.slice(m.index + m[0].length) };
}

function parseHeaders(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new BatchResponseError(`malformed header line '${line.slice(0, 60)}'`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function parseHttpResponse(raw: string): BatchPartResponse {
  const { lines, body } = splitHead(raw.replace(/^(\r?\n)+/, ''));
  const status = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0]?.trim() ?? '');
  if (!status) throw new BatchResponseError(`malformed status line '${(lines[0] ?? '').slice(0, 60)}'`);
  return { status: Number(status[1]), headers: parseHeaders(lines.slice(1)), body };
}

function parseItem(raw: string, budget: { parts: number }): BatchResponseItem {
  const { lines, body } = splitHead(raw);
  const headers = parseHeaders(lines);
  const ct = headers['content-type'] ?? '';
  if (/^application\/http\b/i.test(ct)) return { kind: 'response', response: parseHttpResponse(body) };
  if (/^multipart\/mixed\b/i.test(ct)) {
    const responses = splitParts(body, multipartBoundary(ct), budget).map((p) => {
      const inner = splitHead(p);
      if (!/^application\/http\b/i.test(parseHeaders(inner.lines)['content-type'] ?? '')) throw new BatchResponseError('changeset part is not application/http');
      return parseHttpResponse(inner.body);
    });
    return { kind: 'changeset', responses };
  }
  throw new BatchResponseError(`unsupported part content type '${ct.slice(0, 60) || '(none)'}'`);
}

/** Parse a `$batch` response body; throws `BatchResponseError` when it is malformed. */
export function parseBatchResponse(contentType: string | undefined, body: string): BatchResponseItem[] {
  const budget = { parts: 0 };
  return splitParts(body, multipartBoundary(contentType), budget).map((p) => parseItem(p, budget));
}
