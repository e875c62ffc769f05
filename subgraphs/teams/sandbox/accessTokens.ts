/**
 * App-only access tokens as Entra ID issues them for Microsoft Graph: RS256 JWTs (v1.0 token format)
 * with `iss https://sts.windows.net/{tid}/`, `aud https://graph.microsoft.com`, `appid`, `tid`,
 * `roles`, `idtyp app`, `uti` and `exp`. The sandbox signs with its own key (published as JWKS at
 * `/{tenant}/discovery/v2.0/keys`) and verifies every Graph call against it.
 *
 * Every issued token is remembered by its `uti`; `revokeAll()` forgets them, so tokens issued
 * before it are refused even though their signature and lifetime are still fine.
 */
import { createHash, randomUUID, X509Certificate, type KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import { errors, exportJWK, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { generate } from 'selfsigned';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
/** Microsoft Graph's well-known application id, also accepted as an audience. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const ACCEPTED_AUDIENCES = [GRAPH_AUDIENCE, `${GRAPH_AUDIENCE}/`, GRAPH_APP_ID];

export interface AccessTokenClaims extends JWTPayload {
  appid: string;
  tid: string;
  roles?: string[];
  app_displayname?: string;
  uti: string;
}

export interface IssueOptions {
  appId: string;
  appDisplayName: string;
  roles: string[];
  /** `1` when the app authenticated with a secret, `2` with a certificate. */
  appidacr: '1' | '2';
  lifetimeSeconds: number;
}

export type VerifyResult = { ok: true; claims: AccessTokenClaims } | { ok: false; message: string };

export interface AccessTokenService {
  issuer: string;
  /** The public signing keys, as `/discovery/v2.0/keys` publishes them. */
  jwks(): { keys: Array<Record<string, unknown>> };
  issue(opts: IssueOptions): Promise<string>;
  /**
   * Sign arbitrary claims with the sandbox key (tests use it for expired or wrong-audience tokens).
   * The token is registered as issued, so only the claims decide whether it is accepted.
   */
  mint(claims: Record<string, unknown>): Promise<string>;
  /**
   * Sign claims with the sandbox key without registering them as an access token (for tokens that
   * are not Graph access tokens, such as change-notification `validationTokens`).
   */
  sign(claims: Record<string, unknown>): Promise<string>;
  verify(token: string): Promise<VerifyResult>;
  /** Revoke every token issued so far. */
  revokeAll(): void;
}

function base64url(buf: Buffer): string {
  return buf.toString('base64url');
}

/** The SHA-1 thumbprint of a certificate, base64url (the JWS `x5t` form). */
export function certificateThumbprint(cert: X509Certificate, alg: 'sha1' | 'sha256'): string {
  return base64url(createHash(alg).update(cert.raw).digest());
}

/** Deterministic GUID from a string (for service-principal object ids and the like). */
export function guidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function failureMessage(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'Lifetime validation failed, the token is expired.';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'Access token validation failure. Invalid audience.';
    if (err.claim === 'iss') return 'Access token validation failure. Invalid issuer.';
    if (err.claim === 'nbf') return 'Lifetime validation failed, the token is not yet valid.';
    return `Access token validation failure. Invalid claim '${err.claim}'.`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'Access token validation failure. Signature validation failed.';
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return 'Access token validation failure. The token signing algorithm is not supported.';
  }
  return 'CompactToken parsing failed with error code: 80049217';
}

/** Create the signing key (with a self-signed certificate for the JWKS `x5c`) and the token service. */
export async function createAccessTokenService(tenantId: string): Promise<AccessTokenService> {
  const pems = await generate([{ name: 'commonName', value: 'accounts.accesscontrol.windows.net' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 86_400_000),
  });
  const privateKey: KeyObject = createPrivateKey(pems.private);
  const publicKey: KeyObject = createPublicKey(pems.private);
  const x509 = new X509Certificate(pems.cert);
  const kid = certificateThumbprint(x509, 'sha1');
  const jwk = await exportJWK(publicKey);
  const publishedKey = {
    kty: 'RSA', use: 'sig', kid, x5t: kid, n: jwk.n, e: jwk.e,
    x5c: [x509.raw.toString('base64')], issuer: `https://login.microsoftonline.com/${tenantId}/v2.0`,
  };
  const issuer = `https://sts.windows.net/${tenantId}/`;
  const live = new Map<string, number>(); // uti -> exp (s)

  function remember(uti: string, exp: number): void {
    live.set(uti, exp);
    if (live.size % 1000 === 0) {
      const now = Math.floor(Date.now() / 1000);
      for (const [k, e] of live) if (e < now) live.delete(k);
    }
  }

  async function sign(payload: Record<string, unknown>): Promise<string> {
    return new SignJWT(payload).setProtectedHeader({ typ: 'JWT', alg: 'RS256', x5t: kid, kid }).sign(privateKey);
  }

  return {
    issuer,
    jwks: () => ({ keys: [publishedKey] }),
    async issue(opts) {
      const now = Math.floor(Date.now() / 1000);
      const uti = base64url(Buffer.from(randomUUID().replace(/-/g, ''), 'hex')).slice(0, 22);
      const oid = guidFrom(`sp:${tenantId}:${opts.appId}`);
      const exp = now + opts.lifetimeSeconds;
      remember(uti, exp);
      return sign({
        aud: GRAPH_AUDIENCE, iss: issuer, iat: now, nbf: now, exp,
        aio: base64url(Buffer.from(uti)), app_displayname: opts.appDisplayName, appid: opts.appId, appidacr: opts.appidacr,
        idp: issuer, idtyp: 'app', oid, rh: '0.AAAA.sandbox.', roles: opts.roles, sub: oid,
        tenant_region_scope: 'EU', tid: tenantId, uti, ver: '1.0', wids: ['0997a1d0-0d1d-4acb-b408-d5ca73121e90'],
        xms_tcdt: 1_600_000_000,
      });
    },
    async mint(claims) {
      const uti = typeof claims.uti === 'string' ? claims.uti : randomUUID();
      remember(uti, typeof claims.exp === 'number' ? claims.exp : Number.MAX_SAFE_INTEGER);
      return sign({ ...claims, uti });
    },
    sign,
    async verify(token) {
      if (!token) return { ok: false, message: 'Access token is empty.' };
      try {
        const { payload } = await jwtVerify(token, publicKey, {
          algorithms: ['RS256'], issuer, audience: ACCEPTED_AUDIENCES, requiredClaims: ['exp', 'appid', 'tid', 'uti'],
        });
        if (payload.tid !== tenantId) return { ok: false, message: 'Access token validation failure. Invalid tenant.' };
        if (typeof payload.uti !== 'string' || !live.has(payload.uti)) {
          return { ok: false, message: 'Lifetime validation failed, the token is expired.' };
        }
        if (typeof payload.appid !== 'string') return { ok: false, message: 'Access token validation failure. Missing appid.' };
        return { ok: true, claims: payload as AccessTokenClaims };
      } catch (err) {
        return { ok: false, message: failureMessage(err) };
      }
    },
    revokeAll() {
      live.clear();
    },
  };
}
