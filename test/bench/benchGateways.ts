/**
 * The gateways the overhead benchmark compares, each a separate process serving the same
 * supergraph file on loopback:
 * - `ours`: `gateway/server.ts` with our executor (`GATEWAY_EXECUTOR=fast`), no response cache;
 * - `stock`: `@apollo/gateway` + `@apollo/server` defaults (`stockGateway.ts`); it has no in-flight
 *   deduplication, so it is the peer of both of our dedupe settings;
 * - `hive`: `@graphql-hive/gateway` CLI (`test/bench/peers`), its default stitching runtime;
 * - `hive-rr`: the same CLI with `@graphql-hive/router-runtime` as unified graph handler.
 * Ours and both Hive variants run twice: in-flight deduplication on (their default) and off.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export type GatewayFamily = 'ours' | 'stock' | 'hive' | 'hive-rr';

export interface GatewayVariant {
  /** Stable id, e.g. `hive-rr-nodedupe` (used by BENCH_GATEWAYS and in the JSON). */
  id: string;
  family: GatewayFamily;
  label: string;
  /** In-flight deduplication of identical subgraph fetches; null when the gateway has none. */
  dedupe: boolean | null;
  /** Command (without the CPU pinning) and environment. */
  command: string[];
  env: Record<string, string>;
  /** A file the running process tree must have mapped (proves e.g. a native planner is in use). */
  mustMap?: string;
}

export interface VariantContext {
  repoRoot: string;
  supergraphPath: string;
  port: number;
}

const TSX = ['--import', 'tsx'];

function ours(dedupe: boolean): (c: VariantContext) => GatewayVariant {
  return (c) => ({
    id: dedupe ? 'ours' : 'ours-nodedupe',
    family: 'ours',
    label: `ours (dedupe ${dedupe ? 'on' : 'off'})`,
    dedupe,
    command: [process.execPath, ...TSX, join(c.repoRoot, 'gateway/server.ts')],
    env: {
      SUPERGRAPH_PATH: c.supergraphPath, GATEWAY_PORT: String(c.port), GATEWAY_HOST: '127.0.0.1', LOG_LEVEL: 'silent',
      GATEWAY_EXECUTOR: 'fast', GATEWAY_DEDUPE: String(dedupe), GATEWAY_RESPONSE_CACHE: 'false',
      // The peers run without authentication or rate limits: so does ours here (limits stay on).
      // The bench subgraphs ignore the signed context; it is still signed per request.
      ...OPEN_BENCH_ENV,
    },
  });
}

/**
 * Authentication and rate limits off, a context secret and a throwaway audit file: what our gateway
 * needs to run as a peer. The limits stay on, with the cost limit raised for this workload: the
 * benchmark's query has lists without size arguments nested five deep, which the static estimate
 * prices at 20 items per level (cost 341,025 against the default 10,000).
 */
export const OPEN_BENCH_ENV: Record<string, string> = {
  GATEWAY_AUTH_MODE: 'off', GATEWAY_RATE_LIMIT_TENANT: 'off', GATEWAY_RATE_LIMIT_CLIENT: 'off', GATEWAY_MAX_COST: '1000000',
  INTERNAL_CONTEXT_SECRET: 'bench-internal-context-secret-0123456789', AUDIT_LOG_PATH: join(tmpdir(), 'lumina-bench-audit.log'),
};

const stock = (c: VariantContext): GatewayVariant => ({
  id: 'stock',
  family: 'stock',
  label: 'stock @apollo/gateway',
  dedupe: null,
  command: [process.execPath, ...TSX, join(c.repoRoot, 'test/bench/stockGateway.ts')],
  env: { SUPERGRAPH_PATH: c.supergraphPath, GATEWAY_PORT: String(c.port) },
});

function hive(routerRuntime: boolean, dedupe: boolean): (c: VariantContext) => GatewayVariant {
  return (c) => {
    const peers = join(c.repoRoot, 'test/bench/peers');
    const family: GatewayFamily = routerRuntime ? 'hive-rr' : 'hive';
    return {
      id: `${family}${dedupe ? '' : '-nodedupe'}`,
      family,
      label: `${routerRuntime ? 'hive + router-runtime' : 'hive gateway'} (dedupe ${dedupe ? 'on' : 'off'})`,
      dedupe,
      command: [
        process.execPath, join(peers, 'node_modules/@graphql-hive/gateway/dist/bin.js'), 'supergraph', c.supergraphPath,
        '--config-path', join(peers, 'hiveGateway.config.mjs'), '--host', '127.0.0.1', '--port', String(c.port), '--fork', '1',
      ],
      env: { BENCH_HIVE_DEDUPE: String(dedupe), BENCH_HIVE_ROUTER_RUNTIME: String(routerRuntime) },
      ...(routerRuntime ? { mustMap: 'hive_router_query_planner' } : {}),
    };
  };
}

const FACTORIES: Readonly<Record<string, (c: VariantContext) => GatewayVariant>> = {
  ours: ours(true),
  stock,
  hive: hive(false, true),
  'hive-rr': hive(true, true),
  'ours-nodedupe': ours(false),
  'hive-nodedupe': hive(false, false),
  'hive-rr-nodedupe': hive(true, false),
};

/** Every variant id, in the order a round runs them (before rotation). */
export const GATEWAY_VARIANT_IDS: readonly string[] = Object.keys(FACTORIES);

/** The variant `id` for one start of its process. */
export function gatewayVariant(id: string, c: VariantContext): GatewayVariant {
  const make = FACTORIES[id];
  if (!make) throw new Error(`unknown gateway variant "${id}" (known: ${GATEWAY_VARIANT_IDS.join(', ')})`);
  return make(c);
}

/** The ours/peer RPS ratios the report prints: [ours id, peer id, what is compared]. */
export const RATIO_PAIRS: ReadonlyArray<readonly [string, string, string]> = [
  ['ours', 'stock', 'ours vs stock @apollo/gateway (dedupe on / stock has none)'],
  ['ours', 'hive', 'ours vs hive gateway (dedupe on both)'],
  ['ours', 'hive-rr', 'ours vs hive + router-runtime (dedupe on both)'],
  ['ours-nodedupe', 'stock', 'ours vs stock @apollo/gateway (dedupe off / stock has none)'],
  ['ours-nodedupe', 'hive-nodedupe', 'ours vs hive gateway (dedupe off both)'],
  ['ours-nodedupe', 'hive-rr-nodedupe', 'ours vs hive + router-runtime (dedupe off both)'],
];
