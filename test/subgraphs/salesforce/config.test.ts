/**
 * loadSalesforceConfig: sandbox defaults, a real org by configuration only, and misconfiguration
 * failing fast with the key's name.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSalesforceConfig } from '../../../subgraphs/salesforce/config';

describe('loadSalesforceConfig', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sf-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to the local sandbox with client credentials', () => {
    expect(loadSalesforceConfig({})).toEqual({
      loginUrl: 'http://127.0.0.1:4011',
      authFlow: 'client_credentials',
      clientId: 'lumina-sandbox-client',
      clientSecret: 'lumina-sandbox-secret',
      username: 'integration@lumina.example',
      password: 'lumina-sandbox-passwordLuminaSandboxToken',
      jwtAudience: 'http://127.0.0.1:4011',
      apiVersion: '62.0',
      timeoutMs: 10_000,
      maxRetries: 2,
      retryDelayMs: 250,
      maxSoqlChars: 10_000,
    });
  });

  it('points at a real org with configuration only, appending the security token to the password', () => {
    const config = loadSalesforceConfig({
      SALESFORCE_LOGIN_URL: 'https://acme.my.salesforce.com/',
      SALESFORCE_AUTH_FLOW: 'password',
      SALESFORCE_CLIENT_ID: '3MVG9-consumer-key',
      SALESFORCE_CLIENT_SECRET: 'consumer-secret',
      SALESFORCE_USERNAME: 'integration@acme.com',
      SALESFORCE_PASSWORD: 'pw',
      SALESFORCE_SECURITY_TOKEN: 'tok',
      SALESFORCE_API_VERSION: '61.0',
    });
    expect(config).toMatchObject({
      loginUrl: 'https://acme.my.salesforce.com', authFlow: 'password', clientId: '3MVG9-consumer-key',
      username: 'integration@acme.com', password: 'pwtok', apiVersion: '61.0', jwtAudience: 'https://acme.my.salesforce.com',
    });
  });

  it('does not append the sandbox security token to a password of your own', () => {
    expect(loadSalesforceConfig({ SALESFORCE_PASSWORD: 'mine' }).password).toBe('mine');
  });

  it('reads the JWT signing key from SALESFORCE_JWT_PRIVATE_KEY_PATH', () => {
    const file = path.join(dir, 'key.pem');
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(file, pem);
    const config = loadSalesforceConfig({ SALESFORCE_AUTH_FLOW: 'jwt', SALESFORCE_JWT_PRIVATE_KEY_PATH: file, SALESFORCE_JWT_AUDIENCE: 'https://login.salesforce.com' });
    expect(config.jwtPrivateKey).toBe(pem);
    expect(config.jwtAudience).toBe('https://login.salesforce.com');
  });

  it.each([
    [{ SALESFORCE_LOGIN_URL: 'login.salesforce.com' }, /SALESFORCE_LOGIN_URL must be an absolute http\(s\) URL/],
    [{ SALESFORCE_AUTH_FLOW: 'saml' }, /SALESFORCE_AUTH_FLOW must be one of client_credentials, password, jwt/],
    [{ SALESFORCE_AUTH_FLOW: 'jwt' }, /SALESFORCE_JWT_PRIVATE_KEY_PATH is required/],
    [{ SALESFORCE_AUTH_FLOW: 'jwt', SALESFORCE_JWT_PRIVATE_KEY_PATH: '/nonexistent/key.pem' }, /SALESFORCE_JWT_PRIVATE_KEY_PATH must name a readable PEM/],
    [{ SALESFORCE_API_VERSION: 'v62' }, /SALESFORCE_API_VERSION must look like '62.0'/],
    [{ SALESFORCE_TIMEOUT_MS: 'soon' }, /SALESFORCE_TIMEOUT_MS must be an integer/],
    [{ SALESFORCE_MAX_RETRIES: '9' }, /SALESFORCE_MAX_RETRIES must be an integer from 0 to 5/],
    [{ SALESFORCE_MAX_SOQL_CHARS: '20000' }, /SALESFORCE_MAX_SOQL_CHARS must be an integer/],
  ])('refuses %j naming the key', (env, message) => {
    expect(() => loadSalesforceConfig(env)).toThrow(message);
  });

  it('refuses a key file that holds no private key', () => {
    const file = path.join(dir, 'not-a-key.pem');
    writeFileSync(file, 'hello');
    expect(() => loadSalesforceConfig({ SALESFORCE_AUTH_FLOW: 'jwt', SALESFORCE_JWT_PRIVATE_KEY_PATH: file })).toThrow(/SALESFORCE_JWT_PRIVATE_KEY_PATH must name a PEM private key file/);
  });
});
