/**
 * Gateway options for tests that exercise something other than security, on small test graphs
 * without `@authenticated`/`@requiresScopes`: authentication off (every caller anonymous in the
 * default tenant), no rate limits, no audit file, and the internal-context secret the test
 * subgraphs may verify.
 */
import type { GatewayOptions } from '../../gateway/server';

export const TEST_GATEWAY_CONTEXT_SECRET = 'gateway-tests-internal-context-secret-0123';

export const OPEN_GATEWAY: Partial<GatewayOptions> = {
  auth: null,
  contextSecrets: [TEST_GATEWAY_CONTEXT_SECRET],
  rateLimits: null,
  audit: false,
};
