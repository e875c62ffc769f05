/**
 * The gateway's settings from the environment, validated at start: a bad value fails fast with an
 * error naming the key and what it must be (STYLE.md rule 9).
 *
 * | key | default |
 * |---|---|
 * | GATEWAY_PORT | 4000 |
 * | GATEWAY_HOST | 127.0.0.1 |
 * | SUPERGRAPH_PATH | var/supergraph.graphql |
 * | GATEWAY_INTROSPECTION | true unless NODE_ENV=production |
 * | GATEWAY_SUBGRAPH_TIMEOUT_MS | 15000 |
 * | GATEWAY_MAX_BODY_BYTES | 1048576 |
 * | GATEWAY_SUPERGRAPH_POLL_MS | 1000 |
 */
import { envBool as bool, envInt as int, type Env } from '../subgraphs/kit/envConfig';

export interface GatewayConfig {
  port: number;
  host: string;
  supergraphPath: string;
  introspection: boolean;
  subgraphTimeoutMs: number;
  maxBodyBytes: number;
  supergraphPollMs: number;
}

/** Where `npm run compose` writes and the gateway reads the supergraph. @default 'var/supergraph.graphql' */
export const DEFAULT_SUPERGRAPH_PATH = 'var/supergraph.graphql';

export function gatewayConfigFromEnv(env: Env = process.env): GatewayConfig {
  return {
    port: int(env, 'GATEWAY_PORT', 4000, 0, 65535),
    host: env.GATEWAY_HOST || '127.0.0.1',
    supergraphPath: env.SUPERGRAPH_PATH || DEFAULT_SUPERGRAPH_PATH,
    introspection: bool(env, 'GATEWAY_INTROSPECTION', env.NODE_ENV !== 'production'),
    subgraphTimeoutMs: int(env, 'GATEWAY_SUBGRAPH_TIMEOUT_MS', 15_000, 1, 600_000),
    maxBodyBytes: int(env, 'GATEWAY_MAX_BODY_BYTES', 1_048_576, 1, 1_073_741_824),
    supergraphPollMs: int(env, 'GATEWAY_SUPERGRAPH_POLL_MS', 1_000, 10, 3_600_000),
  };
}
