/**
 * Getting and renewing the Salesforce session with jsforce's OAuth2 token request, for the three
 * server-to-server flows: client credentials, username-password (password + security token) and JWT
 * bearer (an RS256 assertion signed here). None of them needs a user at a browser, and only the
 * password flow returns a refresh token, so every flow renews the same way: jsforce calls our
 * `refreshFn` when Salesforce answers 401 and replays the request once the new token is in.
 *
 * A call that still gets 401 after the refresh it triggered fails with UPSTREAM_AUTH_FAILED
 * instead of refreshing forever (jsforce would otherwise loop).
 */
import { createPrivateKey } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import type { Connection, Schema } from 'jsforce';
import type { SessionRefreshFunc } from 'jsforce/lib/session-refresh-delegate';
import { SignJWT } from 'jose';
import type { Logger } from 'pino';
import type { SalesforceConfig } from './config';
import { mapSalesforceError } from './salesforceErrorMap';
import { currentCall } from './salesforceTransport';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Refreshes one call may trigger before a further 401 counts as refused credentials. */
const REFRESHES_PER_CALL = 1;

/** Seconds a JWT bearer assertion is valid (Salesforce allows at most 3 minutes). */
const ASSERTION_TTL_SECONDS = 170;

export interface SalesforceSession {
  /** Logs in before the first call (single flight); a no-op once a session exists. */
  ensure(conn: Connection): Promise<void>;
  /** Logs in again now (single flight), e.g. after the Streaming API refused the session. */
  renew(conn: Connection): Promise<void>;
  /** Passed to `new Connection({ refreshFn })`. */
  refreshFn: SessionRefreshFunc<Schema>;
}

type GrantParams = { grant_type: string; [name: string]: string };

async function jwtAssertion(config: SalesforceConfig): Promise<string> {
  if (!config.jwtPrivateKey) throw new Error('SALESFORCE_JWT_PRIVATE_KEY_PATH is not configured');
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(config.clientId)
    .setSubject(config.username)
    .setAudience(config.jwtAudience)
    .setExpirationTime(Math.floor(Date.now() / 1000) + ASSERTION_TTL_SECONDS)
    .sign(createPrivateKey(config.jwtPrivateKey));
}

/** The token request parameters of the configured flow (jsforce adds client_id and client_secret). */
export async function grantParams(config: SalesforceConfig): Promise<GrantParams> {
  switch (config.authFlow) {
    case 'client_credentials':
      return { grant_type: 'client_credentials' };
    case 'password':
      return { grant_type: 'password', username: config.username, password: config.password };
    case 'jwt':
      return { grant_type: JWT_BEARER_GRANT, assertion: await jwtAssertion(config) };
  }
}

function stillRefused(): GraphQLError {
  return mapSalesforceError(Object.assign(new Error('Salesforce answered 401 again after a session refresh'), { errorCode: 'INVALID_SESSION_ID' }));
}

export function createSalesforceSession(config: SalesforceConfig, log: Logger): SalesforceSession {
  let login: Promise<void> | null = null;

  async function authorize(conn: Connection): Promise<void> {
    await conn.authorize(await grantParams(config));
    log.info({ flow: config.authFlow, instanceUrl: conn.instanceUrl }, 'salesforce session established');
  }

  const loginFailure = (err: unknown): GraphQLError => mapSalesforceError(err, { status: currentCall()?.status, login: true });

  const singleFlight = (conn: Connection): Promise<void> => {
    login ??= authorize(conn)
      .catch((err: unknown) => { throw loginFailure(err); })
      .finally(() => { login = null; });
    return login;
  };

  return {
    ensure(conn) {
      if (conn.accessToken) return Promise.resolve();
      return singleFlight(conn);
    },
    renew: singleFlight,
    refreshFn(conn, callback) {
      const call = currentCall();
      if (call && call.refreshes >= REFRESHES_PER_CALL) {
        call.refreshFailure = stillRefused();
        callback(call.refreshFailure);
        return;
      }
      if (call) call.refreshes += 1;
      log.info({ flow: config.authFlow }, 'salesforce session expired; renewing');
      void authorize(conn).then(
        () => callback(null, conn.accessToken ?? undefined),
        (err: unknown) => {
          const failure = loginFailure(err);
          if (call) call.refreshFailure = failure;
          callback(failure);
        },
      );
    },
  };
}
