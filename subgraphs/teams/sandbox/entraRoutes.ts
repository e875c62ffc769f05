/**
 * The slice of the Entra ID (Azure AD) v2 endpoint that `@azure/identity` and MSAL drive for an
 * app-only Graph token: OIDC discovery, the signing keys and the client-credentials token grant
 * with a client secret or a certificate-signed client assertion.
 *
 * | Route | Counter name |
 * |---|---|
 * | `GET /{tenant}/v2.0/.well-known/openid-configuration` | `GET /{tenant}/v2.0/.well-known/openid-configuration` |
 * | `GET /{tenant}/discovery/v2.0/keys` (also `common`) | `GET /{tenant}/discovery/v2.0/keys` |
 * | `POST /{tenant}/oauth2/v2.0/token` | `POST /{tenant}/oauth2/v2.0/token` |
 */
import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { Route, SandboxReply, SandboxRequest } from '../../kit/sandboxServer';
import { GRAPH_AUDIENCE, type AccessTokenService } from './accessTokens';
import type { RegisteredApp } from './registeredApps';
import { constantTimeEqual } from '../../kit/constantTimeEqual';

export interface EntraContext {
  tenantId: string;
  tenantDomain: string;
  apps: Map<string, RegisteredApp>;
  tokens: AccessTokenService;
  tokenLifetimeSeconds(): number;
}

const GRAPH_DEFAULT_SCOPE = `${GRAPH_AUDIENCE}/.default`;
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** An Entra (AADSTS) error reply: `{error, error_description, error_codes, timestamp, trace_id, correlation_id, error_uri}`. */
export function entraError(req: SandboxRequest, status: number, error: string, code: number, text: string): SandboxReply {
  const traceId = randomUUID();
  const sent = req.headers['client-request-id'];
  const correlationId = typeof sent === 'string' && sent.length <= 128 ? sent : randomUUID();
  const timestamp = `${new Date().toISOString().slice(0, 19).replace('T', ' ')}Z`;
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache', 'x-ms-request-id': traceId },
    body: {
      error,
      error_description: `AADSTS${code}: ${text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code], timestamp, trace_id: traceId, correlation_id: correlationId,
      error_uri: `${req.origin}/error?code=${code}`,
    },
  };
}

function knownTenant(ctx: EntraContext, tenant: string): boolean {
  const t = tenant.toLowerCase();
  return t === ctx.tenantId || t === ctx.tenantDomain;
}

function tenantNotFound(req: SandboxRequest, tenant: string, error = 'invalid_request'): SandboxReply {
  return entraError(req, 400, error, 90002,
    `Tenant '${tenant.slice(0, 100)}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
}

function discovery(ctx: EntraContext, req: SandboxRequest): SandboxReply {
  const tenant = req.params.tenant ?? '';
  if (!knownTenant(ctx, tenant)) return tenantNotFound(req, tenant, 'invalid_tenant');
  const base = `${req.origin}/${ctx.tenantId}`;
  return {
    status: 200,
    headers: { 'cache-control': 'max-age=86400, private' },
    body: {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${req.origin}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host',
        'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    },
  };
}

function keys(ctx: EntraContext, req: SandboxRequest): SandboxReply {
  const tenant = req.params.tenant ?? '';
  if (tenant !== 'common' && tenant !== 'organizations' && !knownTenant(ctx, tenant)) return tenantNotFound(req, tenant, 'invalid_tenant');
  return { status: 200, headers: { 'cache-control': 'max-age=86400, private' }, body: ctx.tokens.jwks() };
}

type ClientAuth = { ok: true; appidacr: '1' | '2' } | { ok: false; reply: SandboxReply };

async function checkAssertion(req: SandboxRequest, app: RegisteredApp, assertion: string, tokenUrl: string, tenantId: string): Promise<ClientAuth> {
  const fail = (status: number, error: string, code: number, text: string): ClientAuth => ({ ok: false, reply: entraError(req, status, error, code, text) });
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    return fail(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
  }
  const s256 = header['x5t#S256'];
  const cert = app.certificates.find((c) => (typeof s256 === 'string' && c.x5tS256 === s256) || (typeof header.x5t === 'string' && c.x5t === header.x5t));
  if (!cert) {
    return fail(401, 'invalid_client', 700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${String(header.x5t ?? s256 ?? '')}']`);
  }
  const audiences = [tokenUrl, `${req.origin}/${tenantId}/oauth2/v2.0/token`, `${req.origin}/${tenantId}/v2.0`];
  try {
    await jwtVerify(assertion, cert.cert.publicKey, {
      algorithms: ['RS256', 'PS256'], audience: audiences, issuer: app.clientId, subject: app.clientId, requiredClaims: ['exp'],
      // Entra allows five minutes of clock skew (MSAL rounds `nbf`/`iat` to the nearest second).
      clockTolerance: 300,
    });
  } catch (err) {
    if (err instanceof errors.JWTExpired) return fail(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.');
    if (err instanceof errors.JWTClaimValidationFailed) {
      if (err.claim === 'iss' || err.claim === 'sub') {
        return fail(401, 'invalid_client', 700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
      }
      if (err.claim === 'aud') return fail(401, 'invalid_client', 50013, 'Assertion audience claim does not match the required value (the token endpoint).');
      return fail(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.');
    }
    return fail(401, 'invalid_client', 7000274, 'Client assertion failed signature validation.');
  }
  return { ok: true, appidacr: '2' };
}

function basicCredentials(req: SandboxRequest): { id: string; secret: string } | null {
  const h = req.headers.authorization;
  if (!h || !/^basic /i.test(h)) return null;
  const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return null;
  return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
}

async function token(ctx: EntraContext, req: SandboxRequest): Promise<SandboxReply> {
  const tenant = req.params.tenant ?? '';
  if (!knownTenant(ctx, tenant)) return tenantNotFound(req, tenant);
  const form = new URLSearchParams(req.body.toString('utf8'));
  let basic: { id: string; secret: string } | null;
  try {
    basic = basicCredentials(req);
  } catch {
    return entraError(req, 401, 'invalid_client', 7000218, 'The client credentials in the Authorization header are malformed.');
  }
  const grantType = form.get('grant_type');
  if (!grantType) return entraError(req, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
  if (grantType !== 'client_credentials') {
    return entraError(req, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType.slice(0, 100)}'.`);
  }
  const clientId = (form.get('client_id') ?? basic?.id ?? '').toLowerCase();
  if (!clientId) return entraError(req, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  const scope = form.get('scope');
  if (!scope) return entraError(req, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
  if (scope.trim() !== GRAPH_DEFAULT_SCOPE) {
    return entraError(req, 400, 'invalid_scope', 70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope.slice(0, 200)} is not valid.`);
  }
  const app = ctx.apps.get(clientId);
  if (!app) {
    return entraError(req, 400, 'unauthorized_client', 700016,
      `Application with identifier '${clientId.slice(0, 100)}' was not found in the directory '${ctx.tenantDomain}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
  }
  const secret = form.get('client_secret') ?? basic?.secret ?? null;
  const assertion = form.get('client_assertion');
  let auth: ClientAuth;
  if (secret !== null) {
    auth = app.secrets.some((s) => constantTimeEqual(s, secret))
      ? { ok: true, appidacr: '1' }
      : { ok: false, reply: entraError(req, 401, 'invalid_client', 7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`) };
  } else if (assertion !== null) {
    if (form.get('client_assertion_type') !== ASSERTION_TYPE) {
      return entraError(req, 400, 'invalid_request', 50012, `Client assertion type must be '${ASSERTION_TYPE}'.`);
    }
    auth = await checkAssertion(req, app, assertion, `${req.origin}${req.path}`, ctx.tenantId);
  } else {
    auth = { ok: false, reply: entraError(req, 401, 'invalid_client', 7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.") };
  }
  if (!auth.ok) return auth.reply;
  const lifetime = ctx.tokenLifetimeSeconds();
  const accessToken = await ctx.tokens.issue({
    appId: app.clientId, appDisplayName: app.displayName, roles: app.roles, appidacr: auth.appidacr, lifetimeSeconds: lifetime,
  });
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
    body: { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken },
  };
}

export function entraRoutes(ctx: EntraContext): Route[] {
  return [
    {
      method: 'GET', path: '/:tenant/v2.0/.well-known/openid-configuration',
      name: 'GET /{tenant}/v2.0/.well-known/openid-configuration', handler: (req) => discovery(ctx, req),
    },
    { method: 'GET', path: '/:tenant/discovery/v2.0/keys', name: 'GET /{tenant}/discovery/v2.0/keys', handler: (req) => keys(ctx, req) },
    { method: 'POST', path: '/:tenant/oauth2/v2.0/token', name: 'POST /{tenant}/oauth2/v2.0/token', handler: (req) => token(ctx, req) },
  ];
}
