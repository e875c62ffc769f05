// Hive Gateway configuration for `npm run bench:gateway` (passed with `--config-path`).
// - BENCH_HIVE_DEDUPE=false turns in-flight deduplication of subgraph requests off (it is on by
//   default), as documented in Hive Gateway's "Deduplicate Inflight Requests" page: the HTTP
//   transport option `deduplicateInflightRequests: false` for every HTTP subgraph (`*.http`).
// - BENCH_HIVE_ROUTER_RUNTIME=true serves the graph with `@graphql-hive/router-runtime` (the Rust
//   query planner and its executor) as the unified graph handler, as documented in "Router Runtime".
// - Logging at `error` only, like the other gateways of the bench (LOG_LEVEL=silent for ours).
import { defineConfig } from '@graphql-hive/gateway';

const dedupe = process.env.BENCH_HIVE_DEDUPE !== 'false';
const routerRuntime = process.env.BENCH_HIVE_ROUTER_RUNTIME === 'true';

const { unifiedGraphHandler } = routerRuntime ? await import('@graphql-hive/router-runtime') : {};

export const gatewayConfig = defineConfig({
  logging: 'error',
  ...(unifiedGraphHandler ? { unifiedGraphHandler } : {}),
  ...(dedupe ? {} : { transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } } }),
});
