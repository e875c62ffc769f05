/**
 * Who is calling: a JWT bearer token verified with jose, giving the caller's tenant and scopes.
 *
 * - Keys: a JWKS URL (fetched and cached by jose, refetched on an unknown `kid`), a JWKS file, or (local
 *   development only, refused in production) an HS256 secret of at least 32 characters. Asymmetric
 *   algorithms are verified against the JWKS only and HS256 against the secret only (no algorithm
 *   confusion). Issuer, audience and `exp` are checked with a clock tolerance; `exp` is required.
 * - Claims: the tenant from `tenantClaim` (must be a kit tenant id; without it, `defaultTenant` or refused);
 *   the scopes from `scopeClaim` (a space-separated string) or `scp` (string or array), sorted and deduped.
 * - `Authorization: Bearer <token>` only (scheme case-insensitive). Mode `required`: no header = 401. Mode
 *   `optional`: no header = the anonymous caller of `defaultTenant`; a header that fails is still refused,
 *   never downgraded to anonymous. Messages never echo the token.
 * - Verified tokens are kept (LRU, `cacheSize`) until their `exp`, re-checked with the skew on every hit.
 *
 * Env: see `loadJwtAuthConfig` (GATEWAY_AUTH_MODE, GATEWAY_JWKS_URL, GATEWAY_JWKS_FILE, GATEWAY_JWT_*).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { envEnum, envInt, envList, envOptional, type Env } from '../subgraphs/kit/envConfig';
import { isTenantId } from '../subgraphs/kit/tenant';

export interface JwtAuthOptions {
  /** 'required': no token = 401; 'optional': no token = anonymous caller of `defaultTenant` (directives still deny). */
  mode: 'required' | 'optional';
  /** JWKS endpoint (jose `createRemoteJWKSet`: 5 s timeout, 30 s cooldown, 10 min cache). @default unset */
  jwksUrl?: string;
  /** A JWKS JSON file, read once at create. @default unset */
  jwksFile?: string;
  /** HS256 secret, development only: refused when `production`; at least 32 characters. @default unset */
  secret?: string;
  /** Accepted `iss` values. @default unset (not checked) */
  issuer?: string | string[];
  /** Accepted `aud` values. @default unset (not checked) */
  audience?: string | string[];
  /** Clock tolerance for `exp`/`nbf`, in seconds. @default 30 */
  clockSkewS?: number;
  /** Claim holding the tenant id. @default 'tenant' */
  tenantClaim?: string;
  /** Claim holding the space-separated scopes (`scp`, string or array, is read too). @default 'scope' */
  scopeClaim?: string;
  /** Tenant of tokens without the tenant claim and of anonymous callers. @default unset: such tokens are refused, anonymous callers too */
  defaultTenant?: string;
  /** Whether a tenant exists; an unknown one is 403 FORBIDDEN reason unknown_tenant. @default () => true */
  knownTenant?: (tenant: string) => boolean;
  /** Refuses `secret`. @default process.env.NODE_ENV === 'production' */
  production?: boolean;
  /** Verified tokens kept (LRU, until their exp). @default 10_000 */
  cacheSize?: number;
  /** The clock, in ms since the epoch (tests inject one). @default Date.now */
  now?: () => number;
}

export interface AuthCaller {
  tenant: string;
  /** 'anon', or the first 32 hex characters of sha256(iss \0 sub). */
  identity: string;
  subject: string | null;
  /** Sorted, deduplicated. */
  scopes: string[];
  authenticated: boolean;
  /** `exp` in ms since the epoch; null for the anonymous caller. */
  expiresAt: number | null;
}

export type AuthFailureReason =
  | 'missing_token' | 'malformed' | 'expired' | 'not_yet_valid' | 'bad_signature' | 'wrong_issuer' | 'wrong_audience'
  | 'no_tenant' | 'unknown_tenant' | 'keys_unavailable';

export type AuthResult =
  | { ok: true; caller: AuthCaller }
  | { ok: false; status: 401 | 403; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; reason: AuthFailureReason; message: string };

export interface JwtAuth {
  /** Verifies the `authorization` header value (undefined = none sent). Never throws. */
  authenticate(authorization: string | undefined): Promise<AuthResult>;
}

export const ANONYMOUS_IDENTITY = 'anon';
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const SCOPE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_SCOPES = 256;
/** Longer `authorization` values are refused unread. */
const MAX_HEADER_CHARS = 16_384;
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+) *$/i;

function unauthenticated(reason: AuthFailureReason, message: string): AuthResult {
  return { ok: false, status: 401, code: 'UNAUTHENTICATED', reason, message };
}

function forbidden(reason: AuthFailureReason, message: string): AuthResult {
  return { ok: false, status: 403, code: 'FORBIDDEN', reason, message };
}

/** A jose failure as a refusal (never with the token or an upstream's raw message). */
function failureOf(err: unknown): AuthResult {
  if (err instanceof errors.JWTExpired) return unauthenticated('expired', 'the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return unauthenticated('not_yet_valid', 'the token is not valid yet');
    if (err.claim === 'iss') return unauthenticated('wrong_issuer', 'the token has an unexpected issuer');
    if (err.claim === 'aud') return unauthenticated('wrong_audience', 'the token has an unexpected audience');
    return unauthenticated('malformed', `the token's ${err.claim} claim is invalid`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JOSEAlgNotAllowed) {
    return unauthenticated('bad_signature', 'the token signature does not verify');
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported || err instanceof errors.JWKInvalid) {
    return unauthenticated('malformed', 'the token is malformed');
  }
  return unauthenticated('keys_unavailable', 'the signing keys are unavailable; retry later');
}

function scopesOf(payload: JWTPayload, claim: string): string[] {
  const out = new Set<string>();
  const add = (v: unknown): void => {
    const list = typeof v === 'string' ? v.split(' ') : Array.isArray(v) ? v : [];
    for (const s of list) if (typeof s === 'string' && SCOPE_PATTERN.test(s) && out.size < MAX_SCOPES) out.add(s);
  };
  add(payload[claim]);
  add(payload.scp);
  return [...out].sort();
}

function identityOf(payload: JWTPayload): string {
  return createHash('sha256').update(`${payload.iss ?? ''}\u0000${payload.sub ?? ''}`).digest('hex').slice(0, 32);
}

function validate(opts: JwtAuthOptions): void {
  const production = opts.production ?? process.env.NODE_ENV === 'production';
  if (opts.secret !== undefined) {
    if (production) throw new Error('GATEWAY_JWT_SECRET (HS256) is for local development only and is refused when NODE_ENV=production; use GATEWAY_JWKS_URL or GATEWAY_JWKS_FILE');
    if (opts.secret.length < 32) throw new Error('GATEWAY_JWT_SECRET must be at least 32 characters');
  }
  if (!opts.jwksUrl && !opts.jwksFile && opts.secret === undefined) {
    throw new Error('JWT authentication needs keys: set GATEWAY_JWKS_URL, GATEWAY_JWKS_FILE or (development only) GATEWAY_JWT_SECRET, or GATEWAY_AUTH_MODE=off');
  }
  if (opts.jwksUrl && opts.jwksFile) throw new Error('set only one of GATEWAY_JWKS_URL and GATEWAY_JWKS_FILE');
  if (opts.defaultTenant !== undefined && !isTenantId(opts.defaultTenant)) throw new Error('GATEWAY_JWT_DEFAULT_TENANT must match [A-Za-z0-9_-]{1,64}');
}

function keySet(opts: JwtAuthOptions): JWTVerifyGetKey | undefined {
  if (opts.jwksUrl) {
    return createRemoteJWKSet(new URL(opts.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  }
  if (!opts.jwksFile) return undefined;
  let jwks: unknown;
  try {
    jwks = JSON.parse(readFileSync(opts.jwksFile, 'utf8'));
  } catch (err) {
    throw new Error(`GATEWAY_JWKS_FILE ${opts.jwksFile} is not a readable JSON file: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  try {
    return createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
  } catch (err) {
    throw new Error(`GATEWAY_JWKS_FILE ${opts.jwksFile} is not a JWKS ({ "keys": [...] })`, { cause: err });
  }
}

export function createJwtAuth(opts: JwtAuthOptions): JwtAuth {
  validate(opts);
  const jwks = keySet(opts);
  const secret = opts.secret === undefined ? undefined : new TextEncoder().encode(opts.secret);
  const skewMs = (opts.clockSkewS ?? 30) * 1000;
  const tenantClaim = opts.tenantClaim ?? 'tenant';
  const scopeClaim = opts.scopeClaim ?? 'scope';
  const known = opts.knownTenant ?? (() => true);
  const now = opts.now ?? Date.now;
  const cache = new LRUCache<string, AuthCaller>({ max: opts.cacheSize ?? 10_000 });
  const verifyOptions = {
    issuer: opts.issuer, audience: opts.audience, clockTolerance: opts.clockSkewS ?? 30, requiredClaims: ['exp'],
  };

  const verify = async (token: string): Promise<JWTPayload> => {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      // Not a JWS at all (jose throws a plain TypeError for some shapes): malformed, not a key outage.
      throw new errors.JWSInvalid('the token is not a JWS');
    }
    const currentDate = new Date(now());
    if (header.alg === 'HS256' && secret) {
      return (await jwtVerify(token, secret, { ...verifyOptions, algorithms: ['HS256'], currentDate })).payload;
    }
    if (!jwks) throw new errors.JOSEAlgNotAllowed('no key for this algorithm');
    return (await jwtVerify(token, jwks, { ...verifyOptions, algorithms: ASYMMETRIC, currentDate })).payload;
  };

  const callerOf = (payload: JWTPayload): AuthCaller | AuthResult => {
    const claimed = payload[tenantClaim];
    if (claimed !== undefined && !isTenantId(claimed)) return forbidden('no_tenant', `the token's ${tenantClaim} claim is not a tenant id`);
    const tenant = claimed === undefined ? opts.defaultTenant : (claimed as string);
    if (tenant === undefined) return forbidden('no_tenant', `the token has no ${tenantClaim} claim`);
    return {
      tenant, identity: identityOf(payload), subject: typeof payload.sub === 'string' ? payload.sub : null,
      scopes: scopesOf(payload, scopeClaim), authenticated: true, expiresAt: (payload.exp ?? 0) * 1000,
    };
  };

  const admitted = (caller: AuthCaller): AuthResult =>
    (known(caller.tenant) ? { ok: true, caller } : forbidden('unknown_tenant', 'the tenant is not known to this gateway'));

  const authenticate = async (authorization: string | undefined): Promise<AuthResult> => {
    if (authorization === undefined) {
      if (opts.mode === 'required') return unauthenticated('missing_token', 'an Authorization: Bearer token is required');
      if (opts.defaultTenant === undefined) return forbidden('no_tenant', 'anonymous callers have no tenant (GATEWAY_JWT_DEFAULT_TENANT is unset)');
      return admitted({ tenant: opts.defaultTenant, identity: ANONYMOUS_IDENTITY, subject: null, scopes: [], authenticated: false, expiresAt: null });
    }
    const m = authorization.length <= MAX_HEADER_CHARS ? BEARER.exec(authorization) : null;
    if (!m) return unauthenticated('malformed', 'the Authorization header must be `Bearer <JWT>`');
    const token = m[1]!;
    const hit = cache.get(token);
    if (hit) {
      if (now() < (hit.expiresAt ?? 0) + skewMs) return admitted(hit);
      cache.delete(token);
      return unauthenticated('expired', 'the token has expired');
    }
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (err) {
      return failureOf(err);
    }
    const caller = callerOf(payload);
    if ('ok' in caller) return caller;
    cache.set(token, caller);
    return admitted(caller);
  };

  return { authenticate };
}

function oneOrMany(list: string[]): string | string[] | undefined {
  return list.length === 0 ? undefined : list.length === 1 ? list[0] : list;
}

/** The options from the environment, or null when GATEWAY_AUTH_MODE=off. Bad values throw naming their key. */
export function loadJwtAuthConfig(env: Env): JwtAuthOptions | null {
  const mode = envEnum(env, 'GATEWAY_AUTH_MODE', ['required', 'optional', 'off'] as const, 'required');
  if (mode === 'off') return null;
  const jwksUrl = envOptional(env, 'GATEWAY_JWKS_URL');
  if (jwksUrl !== undefined) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(jwksUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new Error(`GATEWAY_JWKS_URL must be an absolute http(s) URL (got '${jwksUrl}')`);
  }
  const claim = (key: string, fallback: string): string => {
    const v = envOptional(env, key) ?? fallback;
    if (!/^[A-Za-z0-9_.:/-]{1,128}$/.test(v)) throw new Error(`${key} must be a claim name (got '${v}')`);
    return v;
  };
  const defaultTenant = envOptional(env, 'GATEWAY_JWT_DEFAULT_TENANT');
  if (defaultTenant !== undefined && !isTenantId(defaultTenant)) throw new Error(`GATEWAY_JWT_DEFAULT_TENANT must match [A-Za-z0-9_-]{1,64} (got '${defaultTenant}')`);
  const opts: JwtAuthOptions = {
    mode,
    jwksUrl,
    jwksFile: envOptional(env, 'GATEWAY_JWKS_FILE'),
    secret: envOptional(env, 'GATEWAY_JWT_SECRET'),
    issuer: oneOrMany(envList(env, 'GATEWAY_JWT_ISSUER')),
    audience: oneOrMany(envList(env, 'GATEWAY_JWT_AUDIENCE')),
    clockSkewS: envInt(env, 'GATEWAY_JWT_CLOCK_SKEW_S', 30, 0, 600),
    tenantClaim: claim('GATEWAY_JWT_TENANT_CLAIM', 'tenant'),
    scopeClaim: claim('GATEWAY_JWT_SCOPE_CLAIM', 'scope'),
    defaultTenant,
    production: env.NODE_ENV === 'production',
  };
  validate(opts);
  return opts;
}
