/**
 * HS256 tokens for the local dev stack and tests (never for production: `jwtAuth.ts` refuses the
 * secret when NODE_ENV=production). The claims are those `jwtAuth.ts` reads: `tenant`, `scope`
 * (space-separated), `sub`, plus `iss`/`aud` when given, `iat` and `exp`.
 */
import { SignJWT } from 'jose';

/** Every scope the graph's `@requiresScopes` directives use. */
export const ALL_SCOPES = ['crm:read', 'crm:write', 'erp:read', 'erp:write', 'chat:read', 'chat:write'] as const;

export interface DevTokenOptions {
  /** The HS256 secret (GATEWAY_JWT_SECRET), at least 32 characters. */
  secret: string;
  tenant: string;
  scopes: readonly string[];
  subject: string;
  /** @default unset (no `iss`) */
  issuer?: string;
  /** @default unset (no `aud`) */
  audience?: string;
  /** Lifetime. @default 3_600 */
  expiresInS?: number;
  /** Issue time in seconds since the epoch (tests with an injected clock). @default now */
  issuedAtS?: number;
}

export async function signDevToken(opts: DevTokenOptions): Promise<string> {
  const iat = opts.issuedAtS ?? Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ tenant: opts.tenant, scope: opts.scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.subject)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (opts.expiresInS ?? 3_600));
  if (opts.issuer !== undefined) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience !== undefined) jwt = jwt.setAudience(opts.audience);
  return jwt.sign(new TextEncoder().encode(opts.secret));
}
