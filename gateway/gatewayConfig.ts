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
 * | GATEWAY_EXECUTOR | `fast` (ours) or `stock` (`@apollo/gateway` in `@apollo/server`, for comparison) |
 * | GATEWAY_DEDUPE | true: identical in-flight subgraph query fetches share one request |
 * | GATEWAY_RESPONSE_CACHE | true (fast executor only) |
 * | GATEWAY_RESPONSE_CACHE_MAX_BYTES | 67108864 |
 * | GATEWAY_PERSISTED_MODE | `safelist` when NODE_ENV=production, else `allow` (`log` reports unknown documents) |
 * | GATEWAY_MANIFESTS | schema/generated/operations/persisted-documents.json (comma-separated list) |
 * | REDIS_URL | unset: APQ and response cache in memory; set: both in Redis |
 * | INTERNAL_API_TOKEN | unset: `POST /internal/invalidate` is disabled (404) |
 * | INTERNAL_CONTEXT_SECRET | required: secret(s) signing the internal context sent to subgraphs (comma-separated, >= 32 chars each; first signs) |
 * | GATEWAY_BATCHING | false: a JSON array body is refused with `BATCHING_DISABLED` |
 * | GATEWAY_MAX_BATCH | 10 operations per batch when batching is on |
 * | GATEWAY_FIELD_SUGGESTIONS | true unless NODE_ENV=production ("Did you mean ...?" in validation errors) |
 * | GATEWAY_HEADERS_TIMEOUT_MS | 10000: a client must send its request headers within this |
 * | GATEWAY_REQUEST_TIMEOUT_MS | 30000: ... and its whole request within this (slow clients get 408) |
 * | GATEWAY_WS_INIT_TIMEOUT_MS | 3000: a WebSocket client must send `connection_init` within this (else 4408) |
 * | GATEWAY_WS_MAX_BUFFERED_BYTES | 4194304: a WebSocket client with more unread bytes is dropped |
 * | GATEWAY_SHUTDOWN_GRACE_MS | 10000: on SIGTERM, in-flight requests get this long before connections are cut |
 *
 * Authentication (`jwtAuth.ts`), operation limits (`operationLimits.ts`) and rate limits
 * (`rateLimiter.ts`) read their own keys; see README.md.
 */
import { envBool as bool, envEnum, envInt as int, envList, envOptional, type Env } from '../subgraphs/kit/envConfig';
import { INTERNAL_CONTEXT_SECRET_KEY, parseContextSecrets } from '../subgraphs/kit/internalContext';
import { DEFAULT_MANIFEST_PATH, type PersistedDocumentsMode } from './persistedDocuments';

export interface GatewayConfig {
  port: number;
  host: string;
  supergraphPath: string;
  introspection: boolean;
  subgraphTimeoutMs: number;
  maxBodyBytes: number;
  supergraphPollMs: number;
  executor: 'fast' | 'stock';
  dedupe: boolean;
  responseCache: boolean;
  responseCacheMaxBytes: number;
  persistedMode: PersistedDocumentsMode;
  manifests: string[];
  redisUrl: string | undefined;
  internalToken: string | undefined;
  /** Empty when unset: `startGateway` then needs `contextSecrets` in its options. */
  contextSecrets: string[];
  batching: boolean;
  maxBatch: number;
  fieldSuggestions: boolean;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  wsInitTimeoutMs: number;
  wsMaxBufferedBytes: number;
  shutdownGraceMs: number;
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
    executor: envEnum(env, 'GATEWAY_EXECUTOR', ['fast', 'stock'], 'fast'),
    dedupe: bool(env, 'GATEWAY_DEDUPE', true),
    responseCache: bool(env, 'GATEWAY_RESPONSE_CACHE', true),
    responseCacheMaxBytes: int(env, 'GATEWAY_RESPONSE_CACHE_MAX_BYTES', 67_108_864, 1_024, 68_719_476_736),
    persistedMode: envEnum(env, 'GATEWAY_PERSISTED_MODE', ['allow', 'safelist', 'log'], env.NODE_ENV === 'production' ? 'safelist' : 'allow'),
    manifests: env.GATEWAY_MANIFESTS ? envList(env, 'GATEWAY_MANIFESTS') : [DEFAULT_MANIFEST_PATH],
    redisUrl: envOptional(env, 'REDIS_URL'),
    internalToken: envOptional(env, 'INTERNAL_API_TOKEN'),
    contextSecrets: parseContextSecrets(env[INTERNAL_CONTEXT_SECRET_KEY]),
    batching: bool(env, 'GATEWAY_BATCHING', false),
    maxBatch: int(env, 'GATEWAY_MAX_BATCH', 10, 1, 100),
    fieldSuggestions: bool(env, 'GATEWAY_FIELD_SUGGESTIONS', env.NODE_ENV !== 'production'),
    headersTimeoutMs: int(env, 'GATEWAY_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
    requestTimeoutMs: int(env, 'GATEWAY_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
    wsInitTimeoutMs: int(env, 'GATEWAY_WS_INIT_TIMEOUT_MS', 3_000, 100, 600_000),
    wsMaxBufferedBytes: int(env, 'GATEWAY_WS_MAX_BUFFERED_BYTES', 4_194_304, 1_024, 1_073_741_824),
    shutdownGraceMs: int(env, 'GATEWAY_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
  };
}
