import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createTenantClients } from '../../subgraphs/kit/tenantClients';
import { loadTenantRegistry, parseTenantRegistry, secretValue, type SecretSource } from '../../subgraphs/kit/tenantRegistry';
import { loadSalesforceConfig, tenantSalesforceConfig } from '../../subgraphs/salesforce/config';
import { loadSapConfig, tenantSapConfig } from '../../subgraphs/sap/config';
import { loadTeamsConfig, tenantTeamsConfig } from '../../subgraphs/teams/config';

const FILE = {
  tenants: {
    acme: {
      salesforce: { loginUrl: 'https://acme.my.salesforce.com', authFlow: 'client_credentials', clientId: 'acme-app', clientSecret: { vault: 'acme/salesforce/clientSecret' } },
      sap: { baseUrl: 'https://s4.acme.example', username: 'ACME_COMM', password: { vault: 'acme/sap/password' }, client: '200' },
      teams: { tenantId: '11111111-2222-4333-8444-555555555555', clientSecret: { vault: 'acme/teams/clientSecret' } },
    },
    globex: { salesforce: {} },
  },
};
const vault = (values: Record<string, string>): SecretSource => ({
  get: (ref) => { const v = values[ref]; if (v === undefined) throw new Error(`no credential '${ref}'`); return v; },
});
const errorOf = (raw: unknown): string => { try { parseTenantRegistry(raw, 'tenants.json'); } catch (e) { return (e as Error).message; } return 'accepted'; };

describe('tenant registry', () => {
  it('lists tenants, their sections per system and their vault references', () => {
    const r = parseTenantRegistry(FILE, 'tenants.json');
    expect(r.tenantIds).toEqual(['acme', 'globex']);
    expect([r.has('acme'), r.has('initech')]).toEqual([true, false]);
    expect(r.section('acme', 'sap')).toEqual(FILE.tenants.acme.sap);
    expect([r.section('globex', 'salesforce'), r.section('globex', 'sap'), r.section('initech', 'sap')]).toEqual([{}, undefined, undefined]);
    expect(r.vaultRefs().sort()).toEqual(['acme/salesforce/clientSecret', 'acme/sap/password', 'acme/teams/clientSecret']);
  });

  it('is one tenant, default, configured from the environment when LUMINA_TENANTS_FILE is unset', () => {
    const r = loadTenantRegistry({});
    expect([r.source, r.tenantIds, r.section('default', 'teams'), r.vaultRefs()]).toEqual([null, ['default'], {}, []]);
  });

  it('reads LUMINA_TENANTS_FILE, and names the key when the file is missing or not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenants-'));
    try {
      writeFileSync(join(dir, 'ok.json'), JSON.stringify(FILE));
      writeFileSync(join(dir, 'bad.json'), '{ "tenants": ');
      expect(loadTenantRegistry({ LUMINA_TENANTS_FILE: join(dir, 'ok.json') }).tenantIds).toEqual(['acme', 'globex']);
      expect(() => loadTenantRegistry({ LUMINA_TENANTS_FILE: join(dir, 'bad.json') })).toThrow(/LUMINA_TENANTS_FILE.*not valid JSON/);
      expect(() => loadTenantRegistry({ LUMINA_TENANTS_FILE: join(dir, 'none.json') })).toThrow(/LUMINA_TENANTS_FILE must name a readable JSON file \(ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a plain string secret, naming the tenant and key', () => {
    expect(errorOf({ tenants: { acme: { sap: { password: 'Welcome1!' } } } })).toBe('tenants.json: tenants.acme.sap.password is a secret: write it as { "vault": "<ref>" }, never as a plain string');
    expect(errorOf({ tenants: { globex: { teams: { clientSecret: { vault: '' } } } } })).toMatch(/tenants\.globex\.teams\.clientSecret must be \{ "vault"/);
    expect(errorOf({ tenants: { globex: { salesforce: { clientSecret: { vault: 'x', value: 'leak' } } } } })).toMatch(/tenants\.globex\.salesforce\.clientSecret must be/);
  });

  it.each([
    [{ tenants: { 'acme corp': {} } }, /tenant id 'acme corp' must match/],
    [{ tenants: { acme: { oracle: {} } } }, /tenants\.acme\.oracle is not a system/],
    [{ tenants: { acme: { sap: { timeoutMs: '5' } } } }, /tenants\.acme\.sap\.timeoutMs is not a per-tenant key of sap/],
    [{ tenants: { acme: { sap: { baseUrl: 42 } } } }, /tenants\.acme\.sap\.baseUrl must be a non-empty string/],
    [{ tenants: { acme: { sap: [] } } }, /tenants\.acme\.sap must be an object/],
    [{ tenants: {} }, /at least one tenant/],
    [{ tenant: {} }, /must be \{ "tenants"/],
    [null, /must be \{ "tenants"/],
  ])('refuses %j', (raw, message) => {
    expect(errorOf(raw)).toMatch(message);
  });

  it('turns sections into each subgraph config over the environment, secrets from the vault', () => {
    const r = parseTenantRegistry(FILE, 'tenants.json');
    const secrets = vault({ 'acme/salesforce/clientSecret': 'sf-secret', 'acme/sap/password': 'sap-pass', 'acme/teams/clientSecret': 'teams-secret' });
    const sf = tenantSalesforceConfig(loadSalesforceConfig({ SALESFORCE_API_VERSION: '61.0' }), 'acme', r.section('acme', 'salesforce') ?? {}, secrets);
    expect(sf).toMatchObject({ loginUrl: 'https://acme.my.salesforce.com', clientId: 'acme-app', clientSecret: 'sf-secret', apiVersion: '61.0', jwtAudience: 'https://acme.my.salesforce.com' });
    expect(tenantSapConfig(loadSapConfig({}), 'acme', r.section('acme', 'sap') ?? {}, secrets)).toMatchObject({ baseUrl: 'https://s4.acme.example', username: 'ACME_COMM', password: 'sap-pass', client: '200', timeoutMs: 10_000 });
    expect(tenantTeamsConfig(loadTeamsConfig({}), 'acme', r.section('acme', 'teams') ?? {}, secrets)).toMatchObject({ tenantId: '11111111-2222-4333-8444-555555555555', clientSecret: 'teams-secret' });
    expect(tenantSalesforceConfig(loadSalesforceConfig({}), 'globex', {}, undefined)).toEqual(loadSalesforceConfig({}));
  });

  it('names the tenant and key of a bad per-tenant value, and a vault reference without a vault', () => {
    expect(() => tenantSapConfig(loadSapConfig({}), 'acme', { baseUrl: 'ftp://x' })).toThrow(/tenants\.acme\.sap\.baseUrl must be an absolute http\(s\) URL/);
    expect(() => tenantSalesforceConfig(loadSalesforceConfig({}), 'acme', { authFlow: 'saml' })).toThrow(/tenants\.acme\.salesforce\.authFlow must be one of/);
    expect(() => tenantSalesforceConfig(loadSalesforceConfig({}), 'acme', { authFlow: 'jwt' })).toThrow(/tenants\.acme\.salesforce\.jwtPrivateKey is required/);
    expect(() => tenantTeamsConfig(loadTeamsConfig({}), 'acme', { clientId: 'app' })).toThrow(/tenants\.acme\.teams\.clientId must be a GUID/);
    expect(() => secretValue({ password: { vault: 'acme/sap/password' } }, 'password', undefined, 'tenants.acme.sap')).toThrow(/tenants\.acme\.sap\.password names vault ref 'acme\/sap\/password' but no credential vault/);
  });
});

describe('per-tenant clients', () => {
  const registry = parseTenantRegistry({ tenants: { acme: { sap: { password: { vault: 'acme/sap/password' } } }, globex: { sap: {} }, initech: { teams: {} } } }, 'test');

  function pool(secrets: SecretSource & { change?: () => void }) {
    const closed: string[] = [];
    let n = 0;
    const clients = createTenantClients({
      system: 'sap', registry, secrets, logger: pino({ level: 'silent' }), retireGraceMs: 60_000,
      configure: (tenant, section, s) => ({ tenant, password: s && section.password ? s.get('acme/sap/password') : 'env' }),
      create: (tenant, config) => ({ tenant, config, n: (n += 1) }),
      close: async (c) => { closed.push(`${c.tenant}#${c.n}`); },
    });
    return { clients, closed };
  }

  it('creates one client per tenant on first use, and closes them all', async () => {
    const { clients, closed } = pool(vault({ 'acme/sap/password': 'p1' }));
    expect(clients.active()).toEqual([]);
    const a = clients.get('acme');
    expect(clients.get('acme')).toBe(a);
    expect(clients.get('globex')).not.toBe(a);
    expect(() => clients.get('initech')).toThrow(/sap is not configured for tenant 'initech'/);
    await clients.close();
    expect(closed.sort()).toEqual(['acme#1', 'globex#2']);
  });

  it('fails at creation when a vault reference does not resolve', () => {
    expect(() => pool(vault({}))).toThrow(/no credential 'acme\/sap\/password'/);
  });

  it('rebuilds the clients of tenants using the vault after a vault change, closing the old ones on close()', async () => {
    const values = { 'acme/sap/password': 'p1' };
    let listener = (): void => undefined;
    const { clients, closed } = pool({ ...vault(values), onChange: (l) => { listener = l; return () => undefined; } });
    const before = clients.get('acme');
    const globex = clients.get('globex');
    values['acme/sap/password'] = 'p2';
    listener();
    const after = clients.get('acme');
    expect([before.config.password, after.config.password]).toEqual(['p1', 'p2']);
    expect(clients.get('globex')).toBe(globex);
    await clients.close();
    expect(closed.sort()).toEqual(['acme#1', 'acme#3', 'globex#2']);
  });
});
