/**
 * Verification of the `validationTokens` of rich change notifications: each is a JWT Microsoft
 * signs for the notification POST; every one of them must verify before any item is trusted.
 *
 * Checks (Graph "validate the authenticity of notifications"): RS256 signature by a key of the
 * configured JWKS (real: `https://login.microsoftonline.com/common/discovery/v2.0/keys`), `exp`
 * (and `nbf`) with one minute of clock tolerance, `iss` = `https://sts.windows.net/{tenant}/`,
 * `aud` = our client id, and `appid` = Graph's change-notification publisher
 * `0bf30f3b-4a52-48df-9a82-234910c4a086`. The JWKS is fetched by jose and cached (refetched when a
 * token names an unknown key, at most every 30 s).
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';

/** The application id Graph's change-notification service signs validation tokens as. */
export const NOTIFICATION_PUBLISHER_APP_ID = '0bf30f3b-4a52-48df-9a82-234910c4a086';

export interface ValidationTokenOptions {
  jwksUrl: string;
  issuer: string;
  /** Our app registration's client id. */
  audience: string;
  /** @default NOTIFICATION_PUBLISHER_APP_ID */
  appId?: string;
  /** How long fetching the JWKS may take. @default 5000 */
  timeoutMs?: number;
}

/** `unavailable`: the JWKS could not be fetched, so nothing was decided (answer 5xx so Graph retries). */
export type TokenVerdict = { ok: true } | { ok: false; reason: string; unavailable?: boolean };

const UNAVAILABLE_CODES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID']);

export interface ValidationTokenVerifier {
  /** All tokens verify (and there is at least one). */
  verifyAll(tokens: readonly string[]): Promise<TokenVerdict>;
}

export function createValidationTokenVerifier(opts: ValidationTokenOptions): ValidationTokenVerifier {
  const jwks = createRemoteJWKSet(new URL(opts.jwksUrl), { timeoutDuration: opts.timeoutMs ?? 5_000, cooldownDuration: 30_000 });
  const appId = opts.appId ?? NOTIFICATION_PUBLISHER_APP_ID;

  async function verify(token: string): Promise<TokenVerdict> {
    try {
      const { payload } = await jwtVerify(token, jwks, {
        algorithms: ['RS256'], issuer: opts.issuer, audience: opts.audience, requiredClaims: ['exp'], clockTolerance: 60,
      });
      return payload.appid === appId ? { ok: true } : { ok: false, reason: 'appid is not the change-notification publisher' };
    } catch (err) {
      const e = err as { code?: unknown; claim?: unknown; message?: unknown };
      if (typeof e.code !== 'string' || !/^ERR_J(WT|WS|WKS|OSE|WE|WK)_/.test(e.code)) return { ok: false, reason: `JWKS unreachable: ${String(e.message)}`, unavailable: true };
      if (UNAVAILABLE_CODES.has(e.code)) return { ok: false, reason: e.code, unavailable: true };
      return { ok: false, reason: `${e.code}${typeof e.claim === 'string' ? ` (${e.claim})` : ''}` };
    }
  }

  return {
    async verifyAll(tokens) {
      if (tokens.length === 0) return { ok: false, reason: 'no validationTokens' };
      for (const t of tokens) {
        const verdict = await verify(t);
        if (!verdict.ok) return verdict;
      }
      return { ok: true };
    },
  };
}
