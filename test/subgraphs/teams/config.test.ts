/** The Teams subgraph configuration: sandbox defaults, and fail-fast errors that name the key. */
import { loadTeamsConfig, SANDBOX_CLIENT_ID, SANDBOX_TENANT_ID } from '../../../subgraphs/teams/config';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TENANT_ID } from '../../../subgraphs/teams/sandbox/registeredApps';

describe('loadTeamsConfig', () => {
  it('defaults to the local sandbox, its tenant and app, every team, and the documented timings', () => {
    const c = loadTeamsConfig({});
    expect(c).toEqual(expect.objectContaining({
      authorityHost: 'https://localhost:4013', baseUrl: 'https://localhost:4013', tenantId: DEFAULT_TENANT_ID, clientId: DEFAULT_CLIENT_ID,
      clientSecret: DEFAULT_CLIENT_SECRET, watchedTeamIds: [], indexRefreshMs: 30_000, indexMaxStalenessMs: 5_000, timeoutMs: 10_000,
    }));
    expect([SANDBOX_TENANT_ID, SANDBOX_CLIENT_ID]).toEqual([DEFAULT_TENANT_ID, DEFAULT_CLIENT_ID]);
  });

  it('reads a real tenant from configuration only', () => {
    const c = loadTeamsConfig({
      GRAPH_AUTHORITY_HOST: 'https://login.microsoftonline.com', GRAPH_BASE_URL: 'https://graph.microsoft.com/',
      GRAPH_TENANT_ID: 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE', GRAPH_CLIENT_ID: '11111111-2222-4333-8444-555555555555', GRAPH_CLIENT_SECRET: 's3cret',
      TEAMS_WATCHED_TEAM_IDS: ' 370fc31d-2e33-41e5-9f29-9a2eef303f8c ,370FC31D-2E33-41E5-9F29-9A2EEF303F8C', TEAMS_INDEX_REFRESH_MS: '60000',
    });
    expect(c).toEqual(expect.objectContaining({
      authorityHost: 'https://login.microsoftonline.com', baseUrl: 'https://graph.microsoft.com', tenantId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
      watchedTeamIds: ['370fc31d-2e33-41e5-9f29-9a2eef303f8c'], indexRefreshMs: 60_000,
    }));
  });

  it.each([
    ['GRAPH_BASE_URL', 'graph.microsoft.com'],
    ['GRAPH_AUTHORITY_HOST', 'ftp://login'],
    ['GRAPH_TENANT_ID', 'contoso.onmicrosoft.com'],
    ['GRAPH_CLIENT_ID', 'abc'],
    ['TEAMS_WATCHED_TEAM_IDS', 'sales,370fc31d-2e33-41e5-9f29-9a2eef303f8c'],
    ['TEAMS_INDEX_REFRESH_MS', '10'],
    ['TEAMS_INDEX_MAX_STALENESS_MS', '-1'],
    ['GRAPH_TIMEOUT_MS', 'soon'],
    ['GRAPH_MAX_RETRIES', '11'],
  ])('fails fast naming %s', (key, value) => {
    expect(() => loadTeamsConfig({ [key]: value })).toThrow(new RegExp(`^${key} must`));
  });
});

describe('loadTeamsConfig: events', () => {
  it('turns notifications off by default and derives the validation JWKS and issuer from the Graph settings', () => {
    const { events } = loadTeamsConfig({ GRAPH_AUTHORITY_HOST: 'https://login.microsoftonline.com' });
    expect(events).toEqual(expect.objectContaining({
      notificationUrl: undefined, lifecycleNotificationUrl: undefined, richNotifications: false, subscriptionLifetimeMinutes: 60, tenant: 'default',
      validationJwksUrl: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
      validationIssuer: `https://sts.windows.net/${DEFAULT_TENANT_ID}/`, retentionMs: 86_400_000, redisUrl: undefined, invalidateUrl: undefined,
    }));
    expect(events.clientState).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(loadTeamsConfig({}).events.clientState).not.toBe(events.clientState);
  });

  it('derives the lifecycle URL from the notification URL unless it is given', () => {
    expect(loadTeamsConfig({ TEAMS_NOTIFICATION_URL: 'https://hooks.example.com/events/graph' }).events.lifecycleNotificationUrl)
      .toBe('https://hooks.example.com/events/graph-lifecycle');
    expect(loadTeamsConfig({ TEAMS_NOTIFICATION_URL: 'https://a.example.com/x', TEAMS_LIFECYCLE_NOTIFICATION_URL: 'https://b.example.com/y' }).events)
      .toEqual(expect.objectContaining({ notificationUrl: 'https://a.example.com/x', lifecycleNotificationUrl: 'https://b.example.com/y' }));
    expect(loadTeamsConfig({ TEAMS_NOTIFICATION_URL: 'auto' }).events).toEqual(expect.objectContaining({ notificationUrl: 'auto', lifecycleNotificationUrl: undefined }));
  });

  it.each([
    ['TEAMS_NOTIFICATION_URL', { TEAMS_NOTIFICATION_URL: 'hooks.example.com' }],
    ['TEAMS_LIFECYCLE_NOTIFICATION_URL', { TEAMS_LIFECYCLE_NOTIFICATION_URL: 'https://b.example.com/y' }],
    ['TEAMS_NOTIFICATION_CLIENT_STATE', { TEAMS_NOTIFICATION_CLIENT_STATE: 'short' }],
    ['TEAMS_NOTIFICATION_CLIENT_STATE', { TEAMS_NOTIFICATION_CLIENT_STATE: 'has a space in it, sadly' }],
    ['TEAMS_SUBSCRIPTION_LIFETIME_MINUTES', { TEAMS_SUBSCRIPTION_LIFETIME_MINUTES: '4321' }],
    ['TEAMS_RICH_NOTIFICATIONS', { TEAMS_RICH_NOTIFICATIONS: 'yes' }],
    ['TEAMS_NOTIFICATION_CERT_FILE', { TEAMS_NOTIFICATION_CERT_FILE: '/tmp/cert.pem' }],
    ['TEAMS_EVENTS_TENANT', { TEAMS_EVENTS_TENANT: 'acme corp' }],
    ['GRAPH_VALIDATION_JWKS_URL', { GRAPH_VALIDATION_JWKS_URL: 'keys' }],
    ['REDIS_URL', { REDIS_URL: 'http://localhost:6379' }],
    ['EVENT_LOG_RETENTION_MS', { EVENT_LOG_RETENTION_MS: '5' }],
    ['GATEWAY_INVALIDATE_URL', { GATEWAY_INVALIDATE_URL: 'gateway' }],
  ])('fails fast naming %s', (key, env) => {
    expect(() => loadTeamsConfig(env)).toThrow(new RegExp(`^${key} `));
  });
});
