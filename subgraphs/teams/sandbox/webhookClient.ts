/**
 * The sandbox's outbound calls to subscribers, as Graph makes them:
 *
 * - `validateEndpoint(url)`: the validation handshake. `POST {url}?validationToken=<token>` with
 *   `Content-Type: text/plain` and an empty body; the endpoint must answer 200, `text/plain`, and
 *   exactly the URL-decoded token within the timeout (Graph: 10 s). The token is opaque text with
 *   spaces and colons, as Graph's is, so a subscriber that echoes the raw query string fails.
 * - `postJson(url, body)`: one notification POST; any 2xx within the timeout is a success.
 *
 * The failure messages are Graph's (`ValidationError` on `POST /subscriptions`).
 */
import { randomUUID } from 'node:crypto';

export type HandshakeResult = { ok: true } | { ok: false; message: string };
export type PostResult = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/** Most bytes of a handshake answer read (a token is far shorter). */
const MAX_ECHO_BYTES = 8 * 1024;

const STATUS_NAMES: Record<number, string> = {
  201: 'Created', 202: 'Accepted', 204: 'NoContent', 301: 'MovedPermanently', 302: 'Found', 400: 'BadRequest',
  401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 415: 'UnsupportedMediaType',
  500: 'InternalServerError', 502: 'BadGateway', 503: 'ServiceUnavailable', 504: 'GatewayTimeout',
};

const FAILED = 'Subscription validation request failed.';
const MUST_200 = 'Notification endpoint must respond with 200 OK to validation request.';

/** A new opaque validation token in Graph's style. */
export function newValidationToken(): string {
  return `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
}

function withQuery(url: string, key: string, value: string): string {
  const u = new URL(url);
  u.searchParams.append(key, value);
  return u.toString();
}

/** The body as text, null when longer than `max` bytes. */
async function readCapped(res: Response, max: number): Promise<string | null> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel();
    return null;
  }
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Duck-typed: the abort reason is a DOMException, which need not be an `Error` of this realm. */
function isTimeout(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** Run Graph's validation handshake against `url`. */
export async function validateEndpoint(url: string, timeoutMs: number, token: string = newValidationToken()): Promise<HandshakeResult> {
  let res: Response;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    res = await fetch(withQuery(url, 'validationToken', token), {
      method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '', redirect: 'manual', signal,
    });
  } catch (err) {
    return { ok: false, message: isTimeout(err) ? 'Subscription validation request timed out.' : `${FAILED} ${MUST_200}` };
  }
  let text: string | null;
  try {
    text = await readCapped(res, MAX_ECHO_BYTES);
  } catch (err) {
    return { ok: false, message: isTimeout(err) ? 'Subscription validation request timed out.' : `${FAILED} ${MUST_200}` };
  }
  if (res.status !== 200) {
    return { ok: false, message: `${FAILED} HTTP status code is '${STATUS_NAMES[res.status] ?? res.status}'. ${MUST_200}` };
  }
  if (!/^text\/plain\b/i.test(res.headers.get('content-type') ?? '')) {
    return { ok: false, message: `${FAILED} The response must have Content-Type 'text/plain'.` };
  }
  if (text !== token) return { ok: false, message: `${FAILED} Response must exactly match validationToken query parameter.` };
  return { ok: true };
}

/** POST a JSON notification; the answer's body is discarded. */
export async function postJson(url: string, body: unknown, timeoutMs: number): Promise<PostResult> {
  try {
    const res = await fetch(url, {
      method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body),
      redirect: 'manual', signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? { ok: true, status: res.status } : { ok: false, status: res.status, error: `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, status: null, error: isTimeout(err) ? 'timed out' : String((err as { message?: unknown } | null)?.message ?? err) };
  }
}
