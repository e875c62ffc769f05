/**
 * SAP Gateway's CSRF protection (PROTOCOLS.md 3.4): `X-CSRF-Token: Fetch` on a GET/HEAD returns a
 * token bound to a new (or the caller's existing) session, whose id comes back as the cookie
 * `SAP_SESSIONID_<SID>_<client>` next to `sap-usercontext`. A modifying request must send the token
 * and that cookie, as the same user; otherwise 403 with `x-csrf-token: Required`.
 */
import { randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../../kit/constantTimeEqual';
import type { SandboxReply } from '../../kit/sandboxServer';

export const SYSTEM_ID = 'S4H';
export const DEFAULT_CLIENT = '100';
const MAX_SESSIONS = 10_000;

interface Session { user: string; token: string }

export interface CsrfSessions {
  /** Issue (or re-issue) a token; returns the response headers to add. */
  fetch(user: string, cookieHeader: string | undefined, client: string): Record<string, string | string[]>;
  validate(user: string, token: string | undefined, cookieHeader: string | undefined): boolean;
  /** Invalidate every token and session (`POST /__admin/tokens/expire`). */
  expireAll(): void;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

const sessionIds = (cookies: Map<string, string>): string[] =>
  [...cookies.entries()].filter(([k]) => k.startsWith(`SAP_SESSIONID_${SYSTEM_ID}_`)).map(([, v]) => v);

export function createCsrfSessions(): CsrfSessions {
  let sessions = new Map<string, Session>();
  const find = (user: string, cookieHeader: string | undefined): Session | undefined => {
    for (const id of sessionIds(parseCookies(cookieHeader))) {
      const s = sessions.get(id);
      if (s && s.user === user) return s;
    }
    return undefined;
  };
  return {
    fetch(user, cookieHeader, client) {
      let session = find(user, cookieHeader);
      let id = sessionIds(parseCookies(cookieHeader)).find((v) => sessions.get(v) === session);
      if (!session || !id) {
        id = randomBytes(24).toString('base64url');
        session = { user, token: randomBytes(18).toString('base64') };
        if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
        sessions.set(id, session);
      }
      const safeClient = /^\d{3}$/.test(client) ? client : DEFAULT_CLIENT;
      return {
        'x-csrf-token': session.token,
        'set-cookie': [
          `SAP_SESSIONID_${SYSTEM_ID}_${safeClient}=${id}; path=/; HttpOnly; SameSite=None`,
          `sap-usercontext=sap-client=${safeClient}; path=/`,
        ],
      };
    },
    validate(user, token, cookieHeader) {
      const session = find(user, cookieHeader);
      if (!session || !token) return false;
      return constantTimeEqual(session.token, token);
    },
    expireAll() {
      sessions = new Map();
    },
  };
}

export function csrfRequiredReply(): SandboxReply {
  return { status: 403, headers: { 'x-csrf-token': 'Required', 'content-type': 'text/plain;charset=utf-8' }, body: 'CSRF token validation failed' };
}
