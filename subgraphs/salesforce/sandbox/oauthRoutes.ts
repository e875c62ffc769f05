/**
 * The OAuth 2.0 endpoints of the sandbox's login server: `POST /services/oauth2/token` (password,
 * refresh_token, client_credentials and JWT bearer grants), `POST /services/oauth2/revoke`, and the
 * identity URL `GET /id/{orgId}/{userId}` that the token response points at. Errors use
 * Salesforce's OAuth form `{"error","error_description"}` with status 400.
 */
import { createHmac, createPublicKey, type KeyObject } from 'node:crypto';
import { constantTimeEqual } from '../../kit/constantTimeEqual';
import { jwtVerify } from 'jose';
import type { Logger } from 'pino';
import type { Route, SandboxReply, SandboxRequest } from '../../kit/sandboxServer';
import type { SalesforceStore, SfRecord } from './salesforceStore';
import { normalizeId } from './salesforceIds';
import { ORG_ID } from './seedRecords';
import type { SessionStore } from './sessions';
import { formatDatetime } from './soqlDates';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** How far in the future a JWT `exp` may lie (Salesforce: three minutes), plus clock skew. */
const MAX_JWT_LIFETIME_MS = 3 * 60_000 + 30_000;
const SCOPE = 'api refresh_token';

export interface ConnectedApp {
  clientId: string;
  clientSecret: string;
  /** Public keys the app registered for the JWT bearer flow. */
  jwtKeys: KeyObject[];
}

export interface OAuthDeps {
  app: ConnectedApp;
  /** Password of the integration user; `password + securityToken` is accepted too. */
  username: string;
  password: string;
  securityToken: string;
  store: SalesforceStore;
  sessions: SessionStore;
  logger: Logger;
  now: () => number;
}

/** Parse a PEM public key or X.509 certificate; fails fast naming the option. */
export function loadJwtKey(pem: string, index: number): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (err) {
    throw new Error(`credentials.jwtPublicKeys[${index}] must be a PEM public key or X.509 certificate (${err instanceof Error ? err.message : String(err)})`);
  }
}

function oauthError(error: string, description: string, status = 400): SandboxReply {
  return { status, body: { error, error_description: description } };
}

function findUser(store: SalesforceStore, username: string): SfRecord | undefined {
  const u = username.toLowerCase();
  return store.all('User').find((r) => typeof r.values.Username === 'string' && r.values.Username.toLowerCase() === u && r.values.IsActive === true);
}

function readForm(req: SandboxRequest): URLSearchParams {
  const text = req.body.toString('utf8');
  return new URLSearchParams(text.length > 0 ? text : req.query.toString());
}

export function oauthRoutes(deps: OAuthDeps): Route[] {
  const { app, store, sessions, logger } = deps;

  function success(req: SandboxRequest, user: SfRecord, withRefresh: boolean): SandboxReply {
    const issued = sessions.issue(user.id, app.clientId, withRefresh);
    const id = `${req.origin}/id/${ORG_ID}/${user.id}`;
    const issuedAt = String(issued.issuedAt);
    const signature = createHmac('sha256', app.clientSecret).update(id + issuedAt).digest('base64');
    return {
      status: 200,
      headers: { 'cache-control': 'no-cache,must-revalidate,max-age=0,no-store,private' },
      body: {
        access_token: issued.accessToken,
        ...(issued.refreshToken ? { refresh_token: issued.refreshToken } : {}),
        signature, scope: SCOPE, instance_url: req.origin, id, token_type: 'Bearer', issued_at: issuedAt,
      },
    };
  }

  /** Check client_id (and client_secret when `secretRequired` or present). */
  function checkClient(form: URLSearchParams, secretRequired: boolean): SandboxReply | null {
    const clientId = form.get('client_id');
    if (!clientId || !constantTimeEqual(clientId, app.clientId)) return oauthError('invalid_client_id', 'client identifier invalid');
    const secret = form.get('client_secret');
    if ((secretRequired || secret !== null) && (!secret || !constantTimeEqual(secret, app.clientSecret))) {
      return oauthError('invalid_client', 'invalid client credentials');
    }
    return null;
  }

  async function jwtGrant(req: SandboxRequest, form: URLSearchParams): Promise<SandboxReply> {
    const assertion = form.get('assertion');
    const reject = (why: string, description = 'invalid assertion'): SandboxReply => {
      logger.debug({ reason: why }, 'JWT bearer assertion rejected');
      return oauthError('invalid_grant', description);
    };
    if (!assertion) return reject('no assertion');
    let payload: Record<string, unknown> | null = null;
    for (const key of app.jwtKeys) {
      try {
        const verified = await jwtVerify(assertion, key, {
          algorithms: ['RS256'], currentDate: new Date(deps.now()), clockTolerance: 30, requiredClaims: ['iss', 'sub', 'aud', 'exp'],
        });
        payload = verified.payload as Record<string, unknown>;
        break;
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (code === 'ERR_JWT_EXPIRED') return reject('expired');
        if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return reject(err instanceof Error ? err.message : 'claim missing');
      }
    }
    if (!payload) return reject(app.jwtKeys.length === 0 ? 'no JWT keys registered for the connected app' : 'signature does not verify');
    if (typeof payload.iss !== 'string' || !constantTimeEqual(payload.iss, app.clientId)) return oauthError('invalid_client_id', 'client identifier invalid');
    const auds = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const allowed = new Set(['https://login.salesforce.com', 'https://test.salesforce.com', req.origin]);
    if (!auds.some((a) => typeof a === 'string' && allowed.has(a.replace(/\/+$/, '')))) return reject('bad audience', 'audience is invalid');
    if (typeof payload.exp !== 'number' || payload.exp * 1000 - deps.now() > MAX_JWT_LIFETIME_MS) return reject('exp too far ahead');
    const user = typeof payload.sub === 'string' ? findUser(store, payload.sub) : undefined;
    if (!user) return reject('unknown subject', "user hasn't approved this consumer");
    return success(req, user, false);
  }

  async function token(req: SandboxRequest): Promise<SandboxReply> {
    const form = readForm(req);
    const grant = form.get('grant_type');
    switch (grant) {
      case 'password': {
        const bad = checkClient(form, true);
        if (bad) return bad;
        const user = findUser(store, form.get('username') ?? '');
        const pw = form.get('password') ?? '';
        const okPassword = constantTimeEqual(pw, deps.password) || constantTimeEqual(pw, deps.password + deps.securityToken);
        if (!user || !okPassword || user.values.Username !== findUser(store, deps.username)?.values.Username) {
          return oauthError('invalid_grant', 'authentication failure');
        }
        return success(req, user, true);
      }
      case 'refresh_token': {
        const bad = checkClient(form, false);
        if (bad) return bad;
        const owner = sessions.redeemRefreshToken(form.get('refresh_token') ?? '');
        const user = owner ? store.get('User', owner.userId) : undefined;
        if (!owner || !user) return oauthError('invalid_grant', 'expired access/refresh token');
        return success(req, user, false);
      }
      case 'client_credentials': {
        const bad = checkClient(form, true);
        if (bad) return bad;
        const user = findUser(store, deps.username);
        if (!user) return oauthError('invalid_grant', 'no client credentials user enabled');
        return success(req, user, false);
      }
      case JWT_BEARER:
        return jwtGrant(req, form);
      default:
        return oauthError('unsupported_grant_type', 'grant type not supported');
    }
  }

  function identity(req: SandboxRequest): SandboxReply {
    const auth = req.headers.authorization ?? req.query.get('oauth_token') ?? undefined;
    const session = sessions.lookup(auth);
    if (!session) return { status: 403, body: 'Bad_OAuth_Token', headers: { 'content-type': 'text/plain' } };
    const userId = normalizeId(req.params.userId ?? '');
    const user = userId ? store.get('User', userId) : undefined;
    if (!user || normalizeId(req.params.orgId ?? '') !== ORG_ID) return { status: 404, body: 'Bad_Id', headers: { 'content-type': 'text/plain' } };
    const v = user.values;
    const rest = `${req.origin}/services/data/v{version}/`;
    return {
      status: 200,
      body: {
        id: `${req.origin}/id/${ORG_ID}/${user.id}`, asserted_user: session.userId === user.id, user_id: user.id, organization_id: ORG_ID,
        username: v.Username, nick_name: String(v.Username).split('@')[0], display_name: v.Name, email: v.Email, email_verified: true,
        first_name: v.FirstName, last_name: v.LastName, timezone: 'GMT', photos: {}, status: { created_date: null, body: null },
        urls: { rest, sobjects: `${rest}sobjects/`, query: `${rest}query/`, search: `${rest}search/`, recent: `${rest}recent/` },
        active: v.IsActive, user_type: 'STANDARD', language: 'en_US', locale: 'en_US', utcOffset: 0,
        last_modified_date: typeof v.LastModifiedDate === 'number' ? formatDatetime(v.LastModifiedDate) : null,
      },
    };
  }

  return [
    { method: 'POST', path: '/services/oauth2/token', name: 'POST /services/oauth2/token', handler: token },
    {
      method: 'POST', path: '/services/oauth2/revoke', name: 'POST /services/oauth2/revoke',
      handler: (req) => (sessions.revoke(readForm(req).get('token') ?? '') ? { status: 200 } : oauthError('unsupported_token_type', 'this token type is not supported')),
    },
    { method: 'GET', path: '/id/:orgId/:userId', name: 'GET /id/:orgId/:userId', handler: identity },
  ];
}
