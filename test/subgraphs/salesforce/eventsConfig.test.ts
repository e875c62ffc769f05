/**
 * loadSalesforceEventsConfig: CDC and event-log defaults, the replay store choice (file, or Redis
 * with REDIS_URL), and fail-fast errors naming the key.
 */
import { loadSalesforceEventsConfig } from '../../../subgraphs/salesforce/config';

describe('loadSalesforceEventsConfig', () => {
  it('consumes /data/ContactChangeEvent from new events on, keeping the replay id in var/', () => {
    expect(loadSalesforceEventsConfig({})).toEqual({
      cdc: true,
      channel: '/data/ContactChangeEvent',
      replayStore: { type: 'file', path: 'var/salesforce/cdc-replay.json' },
      initialReplay: -1,
      tenant: 'default',
      retryDelayMs: 5000,
      redisUrl: undefined,
      retentionMs: 86_400_000,
      invalidateUrl: undefined,
    });
  });

  it('keeps the replay id in Redis when REDIS_URL is set, unless SALESFORCE_REPLAY_STORE names a file', () => {
    expect(loadSalesforceEventsConfig({ REDIS_URL: 'redis://cache:6379' }).replayStore)
      .toEqual({ type: 'redis', url: 'redis://cache:6379', key: 'lumina:salesforce:cdc-replay:/data/ContactChangeEvent' });
    expect(loadSalesforceEventsConfig({ REDIS_URL: 'redis://cache:6379', SALESFORCE_REPLAY_STORE: '/data/replay.json' }).replayStore)
      .toEqual({ type: 'file', path: '/data/replay.json' });
  });

  it('reads every key', () => {
    expect(loadSalesforceEventsConfig({
      SALESFORCE_CDC: 'false', SALESFORCE_CDC_CHANNEL: '/data/ChangeEvents', SALESFORCE_CDC_INITIAL_REPLAY: '-2',
      SALESFORCE_CDC_TENANT: 'acme', SALESFORCE_CDC_RETRY_MS: '250', EVENT_LOG_RETENTION_MS: '60000',
      GATEWAY_INVALIDATE_URL: 'http://gateway:4000/internal/invalidate',
    })).toMatchObject({
      cdc: false, channel: '/data/ChangeEvents', initialReplay: -2, tenant: 'acme', retryDelayMs: 250, retentionMs: 60_000,
      invalidateUrl: 'http://gateway:4000/internal/invalidate',
    });
  });

  it.each([
    [{ SALESFORCE_CDC: 'yes' }, /SALESFORCE_CDC must be 'true' or 'false'/],
    [{ SALESFORCE_CDC_CHANNEL: '/topic/Contacts' }, /SALESFORCE_CDC_CHANNEL must be a Change Data Capture channel/],
    [{ SALESFORCE_CDC_CHANNEL: '/data/../x' }, /SALESFORCE_CDC_CHANNEL must be a Change Data Capture channel/],
    [{ SALESFORCE_CDC_INITIAL_REPLAY: '0' }, /SALESFORCE_CDC_INITIAL_REPLAY must be one of -1, -2/],
    [{ SALESFORCE_CDC_TENANT: 'a b' }, /SALESFORCE_CDC_TENANT must match/],
    [{ SALESFORCE_CDC_RETRY_MS: '-1' }, /SALESFORCE_CDC_RETRY_MS must be an integer/],
    [{ SALESFORCE_REPLAY_STORE: 'var/' }, /SALESFORCE_REPLAY_STORE must be a file path/],
    [{ REDIS_URL: 'http://cache' }, /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ GATEWAY_INVALIDATE_URL: 'gateway' }, /GATEWAY_INVALIDATE_URL must be an absolute http\(s\) URL/],
  ])('fails fast on %p', (env, message) => {
    expect(() => loadSalesforceEventsConfig(env)).toThrow(message);
  });
});
