import { createHash } from 'node:crypto';
import { CallerIdentityError, callerFromHeaders } from '../../gateway/callerIdentity';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof CallerIdentityError) return err.code;
    throw err;
  }
}

describe('caller identity', () => {
  it('is the default tenant, anonymous and without scopes when the request carries nothing', () => {
    expect(callerFromHeaders({})).toEqual({ tenant: 'default', identity: 'anon', scopes: [] });
  });

  it('takes the tenant from x-lumina-tenant', () => {
    expect(callerFromHeaders({ 'x-lumina-tenant': 'acme_EU-2' }).tenant).toBe('acme_EU-2');
    expect(callerFromHeaders({ 'x-lumina-tenant': 'a'.repeat(64) }).tenant).toBe('a'.repeat(64));
  });

  it.each([
    ['empty', ''],
    ['too long', 'a'.repeat(65)],
    ['a space', 'acme corp'],
    ['sent twice (joined by node)', 'acme, other'],
    ['a path', '../default'],
    ['a glob', 'acme*'],
    ['a colon', 'acme:1'],
    ['non-ASCII', 'acmé'],
  ])('refuses a tenant with %s as BAD_TENANT (400)', (_label, tenant) => {
    expect(codeOf(() => callerFromHeaders({ 'x-lumina-tenant': tenant }))).toBe('BAD_TENANT');
    const err = (() => { try { callerFromHeaders({ 'x-lumina-tenant': tenant }); } catch (e) { return e as CallerIdentityError; } return undefined; })();
    expect(err?.status).toBe(400);
  });

  it('identifies a credential by the first 32 hex chars of the sha256 of the exact header, never the credential', () => {
    const auth = 'Bearer eyJhbGciOi.secret.sig';
    const { identity } = callerFromHeaders({ authorization: auth });
    expect(identity).toBe(createHash('sha256').update(auth).digest('hex').slice(0, 32));
    expect(identity).toMatch(/^[0-9a-f]{32}$/);
    expect(identity).not.toContain('secret');
  });

  it('gives different credentials different identities, even when they differ only in case or spacing', () => {
    const ids = ['Bearer abc', 'Bearer abd', 'bearer abc', 'Bearer  abc', 'Basic dXNlcjpwYXNz', ''].map((a) => callerFromHeaders({ authorization: a }).identity);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain('anon');
    expect(callerFromHeaders({ authorization: 'Bearer abc' }).identity).toBe(ids[0]);
  });

  it('sorts and deduplicates scopes separated by spaces and commas', () => {
    expect(callerFromHeaders({ 'x-lumina-scopes': 'sap:read, salesforce:read  teams.read,sap:read' }).scopes)
      .toEqual(['salesforce:read', 'sap:read', 'teams.read']);
    expect(callerFromHeaders({ 'x-lumina-scopes': ' , ' }).scopes).toEqual([]);
  });

  it('accepts 64 scopes and refuses 65 as BAD_SCOPES', () => {
    const scopes = (n: number) => Array.from({ length: n }, (_, i) => `scope${i}`).join(' ');
    expect(callerFromHeaders({ 'x-lumina-scopes': scopes(64) }).scopes).toHaveLength(64);
    expect(codeOf(() => callerFromHeaders({ 'x-lumina-scopes': scopes(65) }))).toBe('BAD_SCOPES');
  });

  it.each([
    ['a forbidden character', 'read write!'],
    ['a scope over 64 characters', `read ${'x'.repeat(65)}`],
    ['a semicolon list', 'read;write'],
    ['an over-long header', ' '.repeat(9_000)],
  ])('refuses scopes with %s as BAD_SCOPES', (_label, header) => {
    expect(codeOf(() => callerFromHeaders({ 'x-lumina-scopes': header }))).toBe('BAD_SCOPES');
  });

  it('survives garbage headers: either a caller with valid fields or a CallerIdentityError (abuse)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const alphabet = 'aZ09_-.:, \t;*"\\\u0000\u00e9\u{1F600}';
    const garbage = () => Array.from({ length: Math.floor(rand() * 200) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    let accepted = 0;
    for (let i = 0; i < 2_000; i += 1) {
      const headers = { 'x-lumina-tenant': rand() < 0.3 ? undefined : garbage(), 'x-lumina-scopes': garbage(), authorization: garbage() };
      try {
        const caller = callerFromHeaders(headers);
        accepted += 1;
        expect(caller.tenant).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
        expect(caller.identity).toMatch(/^[0-9a-f]{32}$/);
        for (const s of caller.scopes) expect(s).toMatch(/^[A-Za-z0-9_.:-]{1,64}$/);
        expect(caller.scopes).toEqual([...new Set(caller.scopes)].sort());
      } catch (err) {
        expect(err).toBeInstanceOf(CallerIdentityError);
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });

  it('reads an array-valued header as node would join it (and so refuses two tenants)', () => {
    expect(codeOf(() => callerFromHeaders({ 'x-lumina-tenant': ['a', 'b'] as unknown as string }))).toBe('BAD_TENANT');
    expect(callerFromHeaders({ 'x-lumina-scopes': ['b', 'a'] as unknown as string }).scopes).toEqual(['a', 'b']);
  });
});
