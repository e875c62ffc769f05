/**
 * JWT bearer authentication: keys (HS256 secret, JWKS file, JWKS URL on a real server), claims, modes,
 * refusals with reasons, the verified-token cache, configuration from the environment, and abuse.
 * The clock is injected: no wall-clock assertion.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type KeyLike } from 'jose';
import { signDevToken, ALL_SCOPES } from '../../gateway/devTokens';
import { createJwtAuth, loadJwtAuthConfig, type AuthResult, type JwtAuthOptions } from '../../gateway/jwtAuth';

const SECRET = 'a-development-secret-of-32-chars!!';
const T0 = 1_800_000_000; // seconds: the injected "now" at issue time
const at = (offsetS: number) => () => (T0 + offsetS) * 1000;
const dev = (extra: Partial<Parameters<typeof signDevToken>[0]> = {}) =>
  signDevToken({ secret: SECRET, tenant: 'acme', scopes: ['erp:read', 'crm:read'], subject: 'user-1', issuedAtS: T0, expiresInS: 600, ...extra });
const hs = (opts: Partial<JwtAuthOptions> = {}) => createJwtAuth({ mode: 'required', secret: SECRET, now: at(10), ...opts });
const reason = (r: AuthResult) => (r.ok ? 'ok' : `${r.status} ${r.code} ${r.reason}`);

describe('JWT authentication', () => {
  it('verifies an HS256 token and gives tenant, scopes (sorted, deduped, scope and scp), subject and identity', async () => {
    const token = await new SignJWT({ tenant: 'acme', scope: 'b:x a:y b:x', scp: ['c:z', 'a:y'] })
      .setProtectedHeader({ alg: 'HS256' }).setSubject('user-1').setIssuer('https://idp').setIssuedAt(T0).setExpirationTime(T0 + 60)
      .sign(new TextEncoder().encode(SECRET));
    const r = await hs().authenticate(`Bearer ${token}`);
    expect(r).toEqual({ ok: true, caller: expect.objectContaining({ tenant: 'acme', subject: 'user-1', scopes: ['a:y', 'b:x', 'c:z'], authenticated: true, expiresAt: (T0 + 60) * 1000 }) });
    if (r.ok) expect(r.caller.identity).toMatch(/^[0-9a-f]{32}$/);
  });

  it('accepts the Bearer scheme in any case and refuses every other shape as malformed, without echoing the token', async () => {
    const token = await dev();
    expect(reason(await hs().authenticate(`bearer ${token}`))).toBe('ok');
    for (const header of [`Basic ${token}`, 'Bearer', `Bearer ${token} extra`, `Bearer ${token.split('.').slice(0, 2).join('.')}`, `${token}`]) {
      const r = await hs().authenticate(header);
      expect(reason(r)).toBe('401 UNAUTHENTICATED malformed');
      if (!r.ok) expect(r.message).not.toContain(token.slice(0, 20));
    }
  });

  it('refuses a missing token in required mode and admits an anonymous caller of the default tenant in optional mode', async () => {
    expect(reason(await hs().authenticate(undefined))).toBe('401 UNAUTHENTICATED missing_token');
    expect(await hs({ mode: 'optional', defaultTenant: 'default' }).authenticate(undefined)).toEqual({
      ok: true, caller: { tenant: 'default', identity: 'anon', subject: null, scopes: [], authenticated: false, expiresAt: null },
    });
    expect(reason(await hs({ mode: 'optional' }).authenticate(undefined))).toBe('403 FORBIDDEN no_tenant');
  });

  it('never downgrades a failing token to anonymous in optional mode', async () => {
    const forged = await signDevToken({ secret: 'another-secret-that-is-32-chars-long', tenant: 'acme', scopes: [], subject: 'x', issuedAtS: T0 });
    expect(reason(await hs({ mode: 'optional', defaultTenant: 'default' }).authenticate(`Bearer ${forged}`))).toBe('401 UNAUTHENTICATED bad_signature');
  });

  it('checks expiry and not-before with the clock skew', async () => {
    const token = await dev();
    expect(reason(await hs({ now: at(600 + 29) }).authenticate(`Bearer ${token}`))).toBe('ok');
    expect(reason(await hs({ now: at(600 + 31) }).authenticate(`Bearer ${token}`))).toBe('401 UNAUTHENTICATED expired');
    expect(reason(await hs({ now: at(600 + 31), clockSkewS: 60 }).authenticate(`Bearer ${token}`))).toBe('ok');
    const later = await new SignJWT({ tenant: 'acme' }).setProtectedHeader({ alg: 'HS256' }).setNotBefore(T0 + 300).setExpirationTime(T0 + 900).sign(new TextEncoder().encode(SECRET));
    expect(reason(await hs().authenticate(`Bearer ${later}`))).toBe('401 UNAUTHENTICATED not_yet_valid');
    const noExp = await new SignJWT({ tenant: 'acme' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    expect(reason(await hs().authenticate(`Bearer ${noExp}`))).toBe('401 UNAUTHENTICATED malformed');
  });

  it('keeps a verified token and re-checks its expiry on every hit', async () => {
    let now = at(10)();
    const auth = hs({ now: () => now });
    const token = await dev();
    const first = await auth.authenticate(`Bearer ${token}`);
    const second = await auth.authenticate(`Bearer ${token}`);
    expect(first.ok && second.ok && first.caller === second.caller).toBe(true);
    now = at(600 + 31)();
    expect(reason(await auth.authenticate(`Bearer ${token}`))).toBe('401 UNAUTHENTICATED expired');
  });

  it('checks issuer and audience', async () => {
    const token = await dev({ issuer: 'https://idp.example', audience: 'lumina' });
    expect(reason(await hs({ issuer: ['https://idp.example', 'https://other'], audience: 'lumina' }).authenticate(`Bearer ${token}`))).toBe('ok');
    expect(reason(await hs({ issuer: 'https://evil' }).authenticate(`Bearer ${token}`))).toBe('401 UNAUTHENTICATED wrong_issuer');
    expect(reason(await hs({ audience: 'someone-else' }).authenticate(`Bearer ${token}`))).toBe('401 UNAUTHENTICATED wrong_audience');
  });

  it('takes the tenant from the claim, else the default; refuses a missing, malformed or unknown tenant with 403', async () => {
    const noTenant = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(T0 + 60).sign(new TextEncoder().encode(SECRET));
    expect(reason(await hs().authenticate(`Bearer ${noTenant}`))).toBe('403 FORBIDDEN no_tenant');
    const r = await hs({ defaultTenant: 'default' }).authenticate(`Bearer ${noTenant}`);
    expect(r.ok && r.caller.tenant).toBe('default');
    expect(reason(await hs().authenticate(`Bearer ${await dev({ tenant: '../etc' })}`))).toBe('403 FORBIDDEN no_tenant');
    expect(reason(await hs({ knownTenant: (t) => t === 'globex' }).authenticate(`Bearer ${await dev()}`))).toBe('403 FORBIDDEN unknown_tenant');
    const custom = await new SignJWT({ org: 'globex' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(T0 + 60).sign(new TextEncoder().encode(SECRET));
    const c = await hs({ tenantClaim: 'org' }).authenticate(`Bearer ${custom}`);
    expect(c.ok && c.caller.tenant).toBe('globex');
  });

  it('refuses the HS256 secret in production and a short one anywhere; refuses to start without keys', () => {
    expect(() => createJwtAuth({ mode: 'required', secret: SECRET, production: true })).toThrow(/GATEWAY_JWT_SECRET.*development only/);
    expect(() => createJwtAuth({ mode: 'required', secret: 'short' })).toThrow(/GATEWAY_JWT_SECRET must be at least 32/);
    expect(() => createJwtAuth({ mode: 'required' })).toThrow(/GATEWAY_JWKS_URL, GATEWAY_JWKS_FILE or \(development only\) GATEWAY_JWT_SECRET, or GATEWAY_AUTH_MODE=off/);
  });

  it('signs dev tokens carrying every scope the graph uses', async () => {
    const r = await hs().authenticate(`Bearer ${await dev({ scopes: ALL_SCOPES })}`);
    expect(r.ok && r.caller.scopes).toEqual([...ALL_SCOPES].sort());
  });

  it('survives garbage: long headers, random segments and alg none are refused, never thrown', async () => {
    const auth = hs();
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"tenant":"acme","exp":9999999999}').toString('base64url')}.`;
    const inputs = [`Bearer ${'a'.repeat(20_000)}.b.c`, 'Bearer a.b.c', 'Bearer e30.e30.e30', `Bearer ${none}x`, 'Bearer \u0000.\u0000.\u0000', ''];
    for (const h of inputs) {
      const r = await auth.authenticate(h);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.status).toBe(401);
    }
  });
});

describe('JWT authentication with a JWKS', () => {
  let keys: { privateKey: KeyLike; jwk: JWK };
  let dir: string;
  const rs = (claims: Record<string, unknown>, kid = 'k1') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).setSubject('svc').setIssuedAt(T0).setExpirationTime(T0 + 600).sign(keys.privateKey);

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    keys = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' } };
    dir = mkdtempSync(path.join(tmpdir(), 'lumina-jwks-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies RS256 tokens against a JWKS file and refuses an unknown key id and an HS256 token (no algorithm confusion)', async () => {
    const file = path.join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [keys.jwk] }));
    const auth = createJwtAuth({ mode: 'required', jwksFile: file, now: at(10) });
    expect(reason(await auth.authenticate(`Bearer ${await rs({ tenant: 'acme', scope: 'chat:read' })}`))).toBe('ok');
    expect(reason(await auth.authenticate(`Bearer ${await rs({ tenant: 'acme' }, 'k2')}`))).toBe('401 UNAUTHENTICATED bad_signature');
    expect(reason(await auth.authenticate(`Bearer ${await dev()}`))).toBe('401 UNAUTHENTICATED bad_signature');
  });

  it('names GATEWAY_JWKS_FILE when the file is missing or not a JWKS', () => {
    expect(() => createJwtAuth({ mode: 'required', jwksFile: path.join(dir, 'missing.json') })).toThrow(/GATEWAY_JWKS_FILE/);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"nope": 1}');
    expect(() => createJwtAuth({ mode: 'required', jwksFile: bad })).toThrow(/GATEWAY_JWKS_FILE .* not a JWKS/);
  });

  it('fetches the JWKS from a URL once for many tokens, and reports keys_unavailable when the endpoint fails', async () => {
    let hits = 0;
    let healthy = true;
    const server = http.createServer((_req, res) => {
      hits += 1;
      if (!healthy) {
        res.writeHead(500).end('down');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [keys.jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      const auth = createJwtAuth({ mode: 'required', jwksUrl: url, now: at(10) });
      for (const scope of ['a', 'b', 'c']) expect(reason(await auth.authenticate(`Bearer ${await rs({ tenant: 'acme', scope })}`))).toBe('ok');
      expect(hits).toBe(1);
      healthy = false;
      const fresh = createJwtAuth({ mode: 'required', jwksUrl: url, now: at(10) });
      expect(reason(await fresh.authenticate(`Bearer ${await rs({ tenant: 'acme' })}`))).toBe('401 UNAUTHENTICATED keys_unavailable');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('JWT authentication configuration from the environment', () => {
  it('is off with GATEWAY_AUTH_MODE=off and required by default', () => {
    expect(loadJwtAuthConfig({ GATEWAY_AUTH_MODE: 'off' })).toBeNull();
    expect(() => loadJwtAuthConfig({})).toThrow(/set GATEWAY_JWKS_URL, GATEWAY_JWKS_FILE or \(development only\) GATEWAY_JWT_SECRET, or GATEWAY_AUTH_MODE=off/);
  });

  it('reads every key, with comma lists for issuer and audience', () => {
    expect(loadJwtAuthConfig({
      GATEWAY_AUTH_MODE: 'optional', GATEWAY_JWT_SECRET: SECRET, GATEWAY_JWT_ISSUER: 'https://a, https://b', GATEWAY_JWT_AUDIENCE: 'lumina',
      GATEWAY_JWT_CLOCK_SKEW_S: '5', GATEWAY_JWT_TENANT_CLAIM: 'org', GATEWAY_JWT_SCOPE_CLAIM: 'permissions', GATEWAY_JWT_DEFAULT_TENANT: 'default',
    })).toEqual({
      mode: 'optional', jwksUrl: undefined, jwksFile: undefined, secret: SECRET, issuer: ['https://a', 'https://b'], audience: 'lumina',
      clockSkewS: 5, tenantClaim: 'org', scopeClaim: 'permissions', defaultTenant: 'default', production: false,
    });
  });

  it('names the key of every bad value', () => {
    const base = { GATEWAY_JWT_SECRET: SECRET };
    expect(() => loadJwtAuthConfig({ ...base, GATEWAY_AUTH_MODE: 'maybe' })).toThrow(/GATEWAY_AUTH_MODE/);
    expect(() => loadJwtAuthConfig({ ...base, GATEWAY_JWT_CLOCK_SKEW_S: '-1' })).toThrow(/GATEWAY_JWT_CLOCK_SKEW_S/);
    expect(() => loadJwtAuthConfig({ GATEWAY_JWKS_URL: 'ftp://keys' })).toThrow(/GATEWAY_JWKS_URL/);
    expect(() => loadJwtAuthConfig({ ...base, GATEWAY_JWT_DEFAULT_TENANT: 'a b' })).toThrow(/GATEWAY_JWT_DEFAULT_TENANT/);
    expect(() => loadJwtAuthConfig({ ...base, GATEWAY_JWT_TENANT_CLAIM: 'has space' })).toThrow(/GATEWAY_JWT_TENANT_CLAIM/);
    expect(() => loadJwtAuthConfig({ ...base, NODE_ENV: 'production' })).toThrow(/GATEWAY_JWT_SECRET/);
  });
});
