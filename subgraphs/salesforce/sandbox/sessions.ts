/**
 * Access tokens (`{orgId15}!AQ...`) and refresh tokens of the sandbox org. Sessions time out after
 * `ttlSeconds` of inactivity, as Salesforce sessions do, and all at once on `expireAll()` (the
 * admin endpoint); refresh tokens survive both, so jsforce can refresh and replay.
 */
import { randomBytes } from 'node:crypto';
import { ORG_ID } from './seedRecords';

export interface Session {
  accessToken: string;
  userId: string;
  clientId: string;
  issuedAt: number;
  lastUsed: number;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken?: string;
  issuedAt: number;
}

export interface SessionStore {
  issue(userId: string, clientId: string, withRefreshToken: boolean): IssuedTokens;
  /** The live session for an `Authorization: Bearer|OAuth <token>` header (or a bare token), touching it. */
  lookup(authorization: string | undefined): Session | null;
  /** Who a refresh token belongs to, or null when unknown or revoked. */
  redeemRefreshToken(refreshToken: string): { userId: string; clientId: string } | null;
  /** Revoke an access or refresh token (revoking a refresh token ends its sessions too). */
  revoke(token: string): boolean;
  expireAll(): void;
  /** Number of live sessions. */
  size(): number;
}

export interface SessionOptions {
  ttlSeconds: () => number;
  now: () => number;
  /** Cap on concurrently stored sessions; the oldest are dropped first. */
  maxSessions?: number;
}

function token(bytes: number): string {
  return randomBytes(bytes).toString('base64url').replace(/-/g, '.');
}

export function createSessionStore(opts: SessionOptions): SessionStore {
  const sessions = new Map<string, Session & { refreshToken?: string }>();
  const refreshTokens = new Map<string, { userId: string; clientId: string }>();
  const max = opts.maxSessions ?? 10_000;
  const expired = (s: Session): boolean => opts.now() - s.lastUsed >= opts.ttlSeconds() * 1000;

  return {
    issue(userId, clientId, withRefreshToken) {
      const issuedAt = opts.now();
      const accessToken = `${ORG_ID.slice(0, 15)}!AQ${token(72)}`;
      const refreshToken = withRefreshToken ? `5Aep861${token(60)}` : undefined;
      if (sessions.size >= max) {
        const oldest = sessions.keys().next();
        if (!oldest.done) sessions.delete(oldest.value);
      }
      sessions.set(accessToken, { accessToken, userId, clientId, issuedAt, lastUsed: issuedAt, ...(refreshToken ? { refreshToken } : {}) });
      if (refreshToken) refreshTokens.set(refreshToken, { userId, clientId });
      return { accessToken, issuedAt, ...(refreshToken ? { refreshToken } : {}) };
    },
    lookup(authorization) {
      if (!authorization) return null;
      const m = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(authorization) ?? /^(\S+)$/.exec(authorization);
      const s = m?.[1] ? sessions.get(m[1]) : undefined;
      if (!s) return null;
      if (expired(s)) {
        sessions.delete(s.accessToken);
        return null;
      }
      s.lastUsed = opts.now();
      return s;
    },
    redeemRefreshToken(refreshToken) {
      return refreshTokens.get(refreshToken) ?? null;
    },
    revoke(t) {
      if (sessions.delete(t)) return true;
      if (!refreshTokens.delete(t)) return false;
      for (const [k, s] of sessions) if (s.refreshToken === t) sessions.delete(k);
      return true;
    },
    expireAll() {
      sessions.clear();
    },
    size: () => sessions.size,
  };
}
