import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { createAccessTokenService, type AccessTokenService } from '../../../subgraphs/teams/sandbox/accessTokens';

const TENANT = '8d2f7c1e-4b6a-4e9d-a3c5-1f0b9e7d2a64';
const APP = '3f9a6c2d-7b1e-4d8f-9e2a-6c5b4d3e2f10';

describe('sandbox access tokens', () => {
  let tokens: AccessTokenService;
  const now = (): number => Math.floor(Date.now() / 1000);
  const baseClaims = (): Record<string, unknown> => ({
    aud: 'https://graph.microsoft.com', iss: `https://sts.windows.net/${TENANT}/`, appid: APP, tid: TENANT, iat: now(), exp: now() + 600,
  });

  beforeAll(async () => { tokens = await createAccessTokenService(TENANT); });

  it('issues RS256 app tokens with the claims Graph expects', async () => {
    const token = await tokens.issue({ appId: APP, appDisplayName: 'Gateway', roles: ['User.Read.All'], appidacr: '1', lifetimeSeconds: 3599 });
    const header = decodeProtectedHeader(token);
    expect(header).toEqual(expect.objectContaining({ alg: 'RS256', typ: 'JWT', kid: expect.any(String), x5t: header.kid }));
    const claims = decodeJwt(token);
    expect(claims).toEqual(expect.objectContaining({
      aud: 'https://graph.microsoft.com', iss: `https://sts.windows.net/${TENANT}/`, appid: APP, tid: TENANT, roles: ['User.Read.All'],
      idtyp: 'app', ver: '1.0', appidacr: '1',
    }));
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3599);
    const verdict = await tokens.verify(token);
    expect(verdict.ok).toBe(true);
  });

  it('publishes a JWKS that verifies its tokens with a standard JOSE library', async () => {
    const token = await tokens.issue({ appId: APP, appDisplayName: 'Gateway', roles: [], appidacr: '1', lifetimeSeconds: 60 });
    const jwks = createLocalJWKSet(tokens.jwks() as never);
    const { payload } = await jwtVerify(token, jwks, { issuer: tokens.issuer, audience: 'https://graph.microsoft.com' });
    expect(payload.appid).toBe(APP);
  });

  it.each([
    ['expired', { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 }, /expired/],
    ['for another audience', { aud: 'https://management.azure.com' }, /Invalid audience/],
    ['from another issuer', { iss: 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/' }, /Invalid issuer/],
    ['without appid', { appid: undefined }, /./],
  ])('refuses a token %s', async (_label, overrides, message) => {
    const token = await tokens.mint({ ...baseClaims(), ...overrides });
    const verdict = await tokens.verify(token);
    expect(verdict).toEqual({ ok: false, message: expect.stringMatching(message) });
  });

  it('refuses a token signed with another key even when its claims are perfect', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT({ ...baseClaims(), uti: 'forged' })
      .setProtectedHeader({ alg: 'RS256', kid: String(decodeProtectedHeader(await tokens.mint(baseClaims())).kid) })
      .sign(privateKey);
    expect(await tokens.verify(forged)).toEqual({ ok: false, message: expect.stringMatching(/Signature validation failed/) });
  });

  it('refuses unsigned (alg none) and malformed tokens', async () => {
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...baseClaims(), uti: 'x' })}.`;
    expect((await tokens.verify(unsigned)).ok).toBe(false);
    expect((await tokens.verify('not-a-jwt')).ok).toBe(false);
    expect(await tokens.verify('')).toEqual({ ok: false, message: 'Access token is empty.' });
  });

  it('refuses every token issued before revokeAll, and accepts new ones', async () => {
    const before = await tokens.issue({ appId: APP, appDisplayName: 'Gateway', roles: [], appidacr: '1', lifetimeSeconds: 600 });
    tokens.revokeAll();
    expect((await tokens.verify(before)).ok).toBe(false);
    const after = await tokens.issue({ appId: APP, appDisplayName: 'Gateway', roles: [], appidacr: '1', lifetimeSeconds: 600 });
    expect((await tokens.verify(after)).ok).toBe(true);
  });
});
