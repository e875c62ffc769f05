/**
 * SAP events configuration: off by default, each auth mode's keys, and fail-fast errors naming the key.
 */
import { loadSapEventsConfig } from '../../../subgraphs/sap/eventsConfig';

const SECRET = 'sixteen-chars-ok!';

describe('loadSapEventsConfig', () => {
  it('keeps the webhook off by default, with the in-process log for 24 h and no gateway call', () => {
    expect(loadSapEventsConfig({})).toEqual({
      auth: { type: 'off' }, tenant: 'default', registerUrl: undefined, allowedOrigins: [], redisUrl: undefined, retentionMs: 86_400_000, invalidateUrl: undefined,
    });
  });

  it('reads Basic, Bearer and JWT settings, the registration URL and the shared event keys', () => {
    expect(loadSapEventsConfig({ SAP_EVENTS_AUTH: 'basic', SAP_EVENTS_PASSWORD: SECRET, SAP_EVENTS_REGISTER_URL: 'auto' }))
      .toMatchObject({ auth: { type: 'basic', username: 'LUMINA_EVENTS', password: SECRET }, registerUrl: 'auto' });
    expect(loadSapEventsConfig({ SAP_EVENTS_AUTH: 'bearer', SAP_EVENTS_TOKEN: SECRET, SAP_EVENTS_REGISTER_URL: 'http://10.0.0.5:4002/events/sap' }))
      .toMatchObject({ auth: { type: 'bearer', token: SECRET }, registerUrl: 'http://10.0.0.5:4002/events/sap' });
    expect(loadSapEventsConfig({
      SAP_EVENTS_AUTH: 'jwt', SAP_EVENTS_JWKS_URL: 'https://idp.example.com/jwks', SAP_EVENTS_JWT_ISSUER: 'https://idp.example.com', SAP_EVENTS_JWT_AUDIENCE: 'lumina',
      SAP_EVENTS_TENANT: 'acme', SAP_EVENTS_ALLOWED_ORIGINS: 'a.example.com, b.example.com', REDIS_URL: 'redis://127.0.0.1:6379',
      EVENT_LOG_RETENTION_MS: '3600000', GATEWAY_INVALIDATE_URL: 'http://127.0.0.1:4000/internal/invalidate',
    })).toEqual({
      auth: { type: 'jwt', jwksUrl: 'https://idp.example.com/jwks', issuer: 'https://idp.example.com', audience: 'lumina' },
      tenant: 'acme', registerUrl: undefined, allowedOrigins: ['a.example.com', 'b.example.com'], redisUrl: 'redis://127.0.0.1:6379',
      retentionMs: 3_600_000, invalidateUrl: 'http://127.0.0.1:4000/internal/invalidate',
    });
  });

  it.each([
    [{ SAP_EVENTS_AUTH: 'none' }, 'SAP_EVENTS_AUTH'],
    [{ SAP_EVENTS_AUTH: 'basic' }, 'SAP_EVENTS_PASSWORD'],
    [{ SAP_EVENTS_AUTH: 'basic', SAP_EVENTS_PASSWORD: 'short' }, 'SAP_EVENTS_PASSWORD'],
    [{ SAP_EVENTS_AUTH: 'basic', SAP_EVENTS_PASSWORD: `${SECRET} x` }, 'SAP_EVENTS_PASSWORD'],
    [{ SAP_EVENTS_AUTH: 'basic', SAP_EVENTS_PASSWORD: SECRET, SAP_EVENTS_USERNAME: 'a:b' }, 'SAP_EVENTS_USERNAME'],
    [{ SAP_EVENTS_AUTH: 'bearer' }, 'SAP_EVENTS_TOKEN'],
    [{ SAP_EVENTS_AUTH: 'jwt', SAP_EVENTS_JWT_ISSUER: 'i', SAP_EVENTS_JWT_AUDIENCE: 'a' }, 'SAP_EVENTS_JWKS_URL'],
    [{ SAP_EVENTS_AUTH: 'jwt', SAP_EVENTS_JWKS_URL: 'ftp://x', SAP_EVENTS_JWT_ISSUER: 'i', SAP_EVENTS_JWT_AUDIENCE: 'a' }, 'SAP_EVENTS_JWKS_URL'],
    [{ SAP_EVENTS_AUTH: 'jwt', SAP_EVENTS_JWKS_URL: 'https://x/jwks', SAP_EVENTS_JWT_AUDIENCE: 'a' }, 'SAP_EVENTS_JWT_ISSUER'],
    [{ SAP_EVENTS_AUTH: 'jwt', SAP_EVENTS_JWKS_URL: 'https://x/jwks', SAP_EVENTS_JWT_ISSUER: 'i' }, 'SAP_EVENTS_JWT_AUDIENCE'],
    [{ SAP_EVENTS_REGISTER_URL: 'auto' }, 'SAP_EVENTS_REGISTER_URL'],
    [{ SAP_EVENTS_AUTH: 'bearer', SAP_EVENTS_TOKEN: SECRET, SAP_EVENTS_REGISTER_URL: 'not a url' }, 'SAP_EVENTS_REGISTER_URL'],
    [{ SAP_EVENTS_TENANT: 'a b' }, 'SAP_EVENTS_TENANT'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    [{ EVENT_LOG_RETENTION_MS: '1d' }, 'EVENT_LOG_RETENTION_MS'],
    [{ GATEWAY_INVALIDATE_URL: 'gateway' }, 'GATEWAY_INVALIDATE_URL'],
  ])('fails fast on %j naming the key', (env, key) => {
    expect(() => loadSapEventsConfig(env)).toThrow(key);
  });
});
