/**
 * Who is calling, and may they call now: the first step of every request, over HTTP (the
 * `authorization` header) and graphql-ws (`connection_init` payload `{ authorization }`).
 *
 * 1. Authentication (`jwtAuth.ts`): a bearer JWT gives the tenant, the subject and the scopes.
 *    Failures are 401 `UNAUTHENTICATED` (with `WWW-Authenticate`) or 403 `FORBIDDEN` (a tenant
 *    this deployment does not serve), with a `reason`; the token itself is never echoed or logged.
 *    With authentication off (`GATEWAY_AUTH_MODE=off`) every caller is anonymous in the default
 *    tenant with no scopes; no request header can choose a tenant or scopes.
 * 2. Rate limits (`rateLimiter.ts`): a token bucket per tenant and one per client (the caller's
 *    identity; anonymous callers by their address). Refusals are 429 `RATE_LIMITED` with
 *    `Retry-After`.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_TENANT } from '../subgraphs/kit/tenant';
import type { AuthCaller, JwtAuth } from './jwtAuth';
import type { RateLimiter } from './rateLimiter';

export interface Caller {
  tenant: string;
  /** `anon`, or 32 hex characters naming the authenticated principal (issuer + subject). */
  identity: string;
  /** The token's subject, null when anonymous. */
  subject: string | null;
  /** Sorted, deduplicated. */
  scopes: string[];
  authenticated: boolean;
}

export const ANONYMOUS_IDENTITY = 'anon';
/**
 * The request headers a response depends on: a shared HTTP cache (CDN) in front of the gateway
 * must vary on them (`Vary` header) when a response is marked `public`.
 */
export const CALLER_VARY_HEADERS = 'authorization';

export type Admission =
  | { ok: true; caller: Caller }
  | { ok: false; status: number; code: string; reason: string; message: string; headers: Record<string, string> };

export interface CallerAdmissionOptions {
  /** Verifies bearer tokens; null = authentication off (everyone anonymous in `defaultTenant`). */
  auth: JwtAuth | null;
  /** @default no rate limits */
  rateLimiter?: RateLimiter;
  /** Tenant of anonymous callers when authentication is off. @default 'default' */
  defaultTenant?: string;
}

export interface CallerAdmission {
  /** `authorization`: the header (or connection param) as sent; `peer`: the client address, for anonymous rate limits. */
  admit(authorization: string | undefined, peer: string | undefined): Promise<Admission>;
}

const anonymous = (tenant: string): Caller => ({ tenant, identity: ANONYMOUS_IDENTITY, subject: null, scopes: [], authenticated: false });

function fromAuth(c: AuthCaller): Caller {
  return { tenant: c.tenant, identity: c.identity, subject: c.subject, scopes: c.scopes, authenticated: c.authenticated };
}

function bearerChallenge(reason: string): string {
  return reason === 'missing_token' ? 'Bearer realm="lumina"' : `Bearer realm="lumina", error="invalid_token", error_description="${reason}"`;
}

export function createCallerAdmission(opts: CallerAdmissionOptions): CallerAdmission {
  const defaultTenant = opts.defaultTenant ?? DEFAULT_TENANT;
  return {
    async admit(authorization, peer) {
      let caller: Caller;
      if (!opts.auth) caller = anonymous(defaultTenant);
      else {
        const r = await opts.auth.authenticate(authorization);
        if (!r.ok) {
          const headers: Record<string, string> = r.status === 401 ? { 'www-authenticate': bearerChallenge(r.reason) } : {};
          return { ok: false, status: r.status, code: r.code, reason: r.reason, message: r.message, headers };
        }
        caller = fromAuth(r.caller);
      }
      if (opts.rateLimiter) {
        const client = caller.identity === ANONYMOUS_IDENTITY ? `ip:${createHash('sha256').update(peer ?? '').digest('hex').slice(0, 16)}` : caller.identity;
        const d = await opts.rateLimiter.take(caller.tenant, client);
        if (!d.ok) {
          return {
            ok: false, status: 429, code: 'RATE_LIMITED', reason: `${d.scope}_rate_limit`,
            message: d.scope === 'tenant' ? 'Too many requests for this tenant; retry later' : 'Too many requests from this client; retry later',
            headers: { 'retry-after': String(d.retryAfterS) },
          };
        }
      }
      return { ok: true, caller };
    },
  };
}

/** The sharing key of a caller (in-flight dedupe, shared subscriptions): what a subgraph answer may depend on. */
export function shareKeyOf(caller: Caller): string {
  return `${caller.tenant}\u0000${caller.authenticated ? 'a' : 'n'}\u0000${caller.scopes.join(' ')}`;
}
