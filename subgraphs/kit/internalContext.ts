/**
 * The signed internal context: how the gateway tells a subgraph who is calling. Subgraphs trust
 * nothing else (not `x-lumina-tenant`, not scopes headers): a request without a valid, fresh
 * signature is refused.
 *
 * Wire format (header `x-lumina-context`, or `connectionParams.context` over graphql-ws):
 *
 *     v1.<payload>.<signature>
 *
 * - `payload`: base64url of the JSON `{ "t": tenant, "s": [scopes], "u": subject|null, "r": requestId, "iat": epochMs }`;
 * - `signature`: base64url of HMAC-SHA256(secret, "v1." + payload).
 *
 * Secrets come from `INTERNAL_CONTEXT_SECRET`, a comma-separated list of at least 32 characters
 * each: the first signs, every one verifies (rotate by prepending the new one everywhere, then
 * dropping the old). A context is stale after `maxAgeMs` (default 60 s) and refused when issued
 * more than `skewMs` (default 5 s) in the future.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isTenantId } from './tenant';

export const INTERNAL_CONTEXT_HEADER = 'x-lumina-context';
export const INTERNAL_CONTEXT_SECRET_KEY = 'INTERNAL_CONTEXT_SECRET';
const VERSION = 'v1';
const MIN_SECRET_CHARS = 32;
/** Longest header value accepted before any work is done. */
const MAX_CHARS = 8_192;

export interface InternalContext {
  tenant: string;
  /** The caller's scopes, sorted. */
  scopes: string[];
  /** The caller's subject (`sub` of the token), null for anonymous callers. */
  subject: string | null;
  requestId: string;
  /** Epoch milliseconds when the gateway signed it. */
  issuedAt: number;
}

export type InternalContextProblem = 'missing' | 'malformed' | 'bad_signature' | 'stale' | 'future';

export type VerifiedContext = { ok: true; context: InternalContext } | { ok: false; reason: InternalContextProblem };

export interface VerifyOptions {
  /** Oldest accepted context. @default 60_000 */
  maxAgeMs?: number;
  /** Accepted clock difference into the future. @default 5_000 */
  skewMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** Parses `INTERNAL_CONTEXT_SECRET` (comma-separated); throws naming the key when a secret is too short. */
export function parseContextSecrets(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const secrets = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const s of secrets) {
    if (s.length < MIN_SECRET_CHARS) throw new Error(`${INTERNAL_CONTEXT_SECRET_KEY} must be a comma-separated list of secrets of at least ${MIN_SECRET_CHARS} characters each`);
  }
  return secrets;
}

function mac(secret: string, signed: string): Buffer {
  return createHmac('sha256', secret).update(signed).digest();
}

/** Signs `context` with the first secret. */
export function signInternalContext(context: Omit<InternalContext, 'issuedAt'> & { issuedAt?: number }, secrets: readonly string[]): string {
  const secret = secrets[0];
  if (secret === undefined) throw new Error(`${INTERNAL_CONTEXT_SECRET_KEY} is not set: no secret to sign the internal context with`);
  const body = { t: context.tenant, s: context.scopes, u: context.subject, r: context.requestId, iat: context.issuedAt ?? Date.now() };
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
  const signed = `${VERSION}.${payload}`;
  return `${signed}.${mac(secret, signed).toString('base64url')}`;
}

function decode(payload: string): InternalContext | null {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!raw || typeof raw !== 'object') return null;
  const b = raw as Record<string, unknown>;
  if (!isTenantId(b.t) || typeof b.r !== 'string' || typeof b.iat !== 'number' || !Number.isFinite(b.iat)) return null;
  if (!Array.isArray(b.s) || !b.s.every((s) => typeof s === 'string')) return null;
  if (b.u !== null && typeof b.u !== 'string') return null;
  return { tenant: b.t, scopes: b.s as string[], subject: b.u, requestId: b.r, issuedAt: b.iat };
}

/** Checks a context value against every secret; says why it is refused. */
export function verifyInternalContext(value: unknown, secrets: readonly string[], opts: VerifyOptions = {}): VerifiedContext {
  if (value === undefined || value === null || value === '') return { ok: false, reason: 'missing' };
  if (typeof value !== 'string' || value.length > MAX_CHARS) return { ok: false, reason: 'malformed' };
  const parts = value.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION || !parts[1] || !parts[2]) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(parts[2], 'base64url');
  const signed = `${VERSION}.${parts[1]}`;
  const good = secrets.some((secret) => {
    const expected = mac(secret, signed);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!good) return { ok: false, reason: 'bad_signature' };
  const context = decode(parts[1]);
  if (!context) return { ok: false, reason: 'malformed' };
  const now = (opts.now ?? Date.now)();
  if (context.issuedAt > now + (opts.skewMs ?? 5_000)) return { ok: false, reason: 'future' };
  if (now - context.issuedAt > (opts.maxAgeMs ?? 60_000)) return { ok: false, reason: 'stale' };
  return { ok: true, context };
}
