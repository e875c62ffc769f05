/**
 * A tiny OData V2 client over undici for the SAP sandbox tests: Basic auth, a cookie jar, CSRF
 * token fetching, JSON helpers and `$batch` body building. Deliberately independent of the
 * sandbox code so that the tests check the wire format, not the implementation's own helpers.
 */
import { request } from 'undici';

export interface ODataResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience: bodies are asserted field by field
  json: any;
}

export interface ODataTestClient {
  /** `path` is relative to the service root (`A_SalesOrder('1')`) or absolute (`http://...`). */
  send(method: string, path: string, opts?: { headers?: Record<string, string>; body?: string | Buffer; json?: unknown }): Promise<ODataResponse>;
  get(path: string, headers?: Record<string, string>): Promise<ODataResponse>;
  /** Fetch a CSRF token (HEAD with `X-CSRF-Token: Fetch`) and remember it and the cookies. */
  fetchToken(): Promise<string>;
  token: string | undefined;
  cookies: Map<string, string>;
}

export function createODataTestClient(serviceRoot: string, username: string, password: string): ODataTestClient {
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const cookies = new Map<string, string>();
  const client: ODataTestClient = {
    token: undefined,
    cookies,
    async send(method, path, opts = {}) {
      const url = /^https?:/.test(path) ? path : serviceRoot + path;
      const headers: Record<string, string> = { authorization: auth, accept: 'application/json', ...(opts.headers ?? {}) };
      if (cookies.size && !('cookie' in headers)) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      if (client.token && method !== 'GET' && method !== 'HEAD' && !('x-csrf-token' in headers)) headers['x-csrf-token'] = client.token;
      let body = opts.body;
      if (opts.json !== undefined) {
        body = JSON.stringify(opts.json);
        headers['content-type'] ??= 'application/json';
      }
      const res = await request(url, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.body.text();
      const set = res.headers['set-cookie'];
      for (const c of Array.isArray(set) ? set : set ? [set] : []) {
        const [pair = ''] = c.split(';');
        const eq = pair.indexOf('=');
        if (eq > 0) cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      let json: unknown;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: res.statusCode, headers: res.headers as ODataResponse['headers'], text, json };
    },
    get: (path, headers) => client.send('GET', path, { ...(headers ? { headers } : {}) }),
    async fetchToken() {
      const res = await client.send('HEAD', '', { headers: { 'x-csrf-token': 'Fetch' } });
      const token = res.headers['x-csrf-token'];
      if (typeof token !== 'string') throw new Error(`no CSRF token (status ${res.status})`);
      client.token = token;
      return token;
    },
  };
  return client;
}

export interface BatchOp {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  contentId?: string;
}

function httpPart(op: BatchOp): string {
  const body = op.body === undefined ? '' : JSON.stringify(op.body);
  const headers = { ...(op.body !== undefined ? { 'Content-Type': 'application/json' } : {}), Accept: 'application/json', ...(op.headers ?? {}) };
  return 'Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n'
    + (op.contentId ? `Content-ID: ${op.contentId}\r\n` : '')
    + `\r\n${op.method} ${op.url} HTTP/1.1\r\n`
    + Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')
    + `\r\n${body}\r\n`;
}

/** Build a `$batch` body: each entry is a read (`BatchOp`) or a changeset (`BatchOp[]`). */
export function buildBatchBody(boundary: string, entries: Array<BatchOp | BatchOp[]>): string {
  let out = '';
  entries.forEach((entry, i) => {
    out += `--${boundary}\r\n`;
    if (!Array.isArray(entry)) { out += httpPart(entry); return; }
    const cs = `changeset_${i}`;
    out += `Content-Type: multipart/mixed; boundary=${cs}\r\n\r\n`;
    for (const op of entry) out += `--${cs}\r\n${httpPart(op)}`;
    out += `--${cs}--\r\n`;
  });
  return `${out}--${boundary}--\r\n`;
}

export interface BatchResponsePart {
  /** Set for a changeset that succeeded: its operations' responses. */
  changeset?: BatchResponsePart[];
  status?: number;
  headers?: Record<string, string>;
  body?: string;
}

function splitParts(text: string, boundary: string): string[] {
  const pieces = text.split(`--${boundary}`);
  return pieces.slice(1, -1).map((p) => p.replace(/^\r\n/, ''));
}

/** Parse a multipart/mixed `$batch` response (independent of the sandbox's parser). */
export function parseBatchResponse(contentType: string, text: string): BatchResponsePart[] {
  const boundary = /boundary=([^;\s]+)/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  return splitParts(text, boundary).map((part) => {
    const sep = part.indexOf('\r\n\r\n');
    const head = part.slice(0, sep);
    const rest = part.slice(sep + 4);
    if (/content-type:\s*multipart\/mixed/i.test(head)) {
      return { changeset: parseBatchResponse(head, rest) };
    }
    const statusLine = /^HTTP\/1\.1 (\d{3})/.exec(rest);
    const hsep = rest.indexOf('\r\n\r\n');
    const headers: Record<string, string> = {};
    for (const line of rest.slice(0, hsep).split('\r\n').slice(1)) {
      const c = line.indexOf(':');
      headers[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim();
    }
    return { status: Number(statusLine?.[1]), headers, body: rest.slice(hsep + 4).replace(/\r\n$/, '') };
  });
}
