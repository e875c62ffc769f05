/**
 * Who may post SAP business events (PROTOCOLS.md 4: Event Mesh sends Basic, or an OAuth2 bearer
 * token it fetched itself; there is no HMAC):
 * - `basic`: user and password compared in constant time (both, always, so the timing says nothing
 *   about which one was wrong);
 * - `bearer`: a static token compared in constant time;
 * - `jwt`: a bearer JWT verified with jose against the configured JWKS (signature, `iss`, `aud`,
 *   `exp` required, `nbf`, 30 s of clock tolerance; `alg: none` and HMAC algorithms are refused).
 */
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { constantTimeEqual } from '../kit/constantTimeEqual';
import type { SapEventsAuth } from './eventsConfig';

export interface WebhookAuthVerifier {
  /**
   * Whether the `Authorization` header proves the sender. Rejects only when it cannot tell (the
   * JWKS is unreachable): the caller answers 503 so the sender retries.
   */
  verify(authorization: string | undefined): Promise<boolean>;
  /** The `WWW-Authenticate` challenge of a 401. */
  challenge: string;
}

const REALM = 'lumina-sap-events';
const MAX_HEADER = 8192;
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

function credentials(header: string | undefined, scheme: 'Basic' | 'Bearer'): string | null {
  if (header === undefined || header.length > MAX_HEADER) return null;
  const m = new RegExp(`^${scheme} +([\\x21-\\x7e]+) *$`, 'i').exec(header);
  return m?.[1] ?? null;
}

function basicVerifier(username: string, password: string): WebhookAuthVerifier['verify'] {
  return (header) => {
    const encoded = credentials(header, 'Basic');
    if (encoded === null || !/^[A-Za-z0-9+/]+=*$/.test(encoded)) return Promise.resolve(false);
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const pass = colon < 0 ? '' : decoded.slice(colon + 1);
    const userOk = constantTimeEqual(user, username);
    const passOk = constantTimeEqual(pass, password);
    return Promise.resolve(colon >= 0 && userOk && passOk);
  };
}

export function createWebhookAuthVerifier(auth: Exclude<SapEventsAuth, { type: 'off' }>): WebhookAuthVerifier {
  if (auth.type === 'basic') return { verify: basicVerifier(auth.username, auth.password), challenge: `Basic realm="${REALM}", charset="UTF-8"` };
  if (auth.type === 'bearer') {
    return {
      verify: (header) => {
        const token = credentials(header, 'Bearer');
        return Promise.resolve(token !== null && constantTimeEqual(token, auth.token));
      },
      challenge: `Bearer realm="${REALM}"`,
    };
  }
  const jwks = createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  return {
    async verify(header) {
      const token = credentials(header, 'Bearer');
      if (token === null) return false;
      try {
        await jwtVerify(token, jwks, { issuer: auth.issuer, audience: auth.audience, algorithms: ASYMMETRIC, clockTolerance: 30, requiredClaims: ['exp'] });
        return true;
      } catch (err) {
        if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) throw err;
        return false;
      }
    },
    challenge: `Bearer realm="${REALM}", error="invalid_token"`,
  };
}
