/**
 * A scaled-out stack on the test Redis (127.0.0.1:6379), every component a real server on a loopback
 * port: the three sandboxes, one Salesforce and one Teams subgraph, TWO SAP subgraph replicas (A, B)
 * on the same SAP sandbox, and TWO gateways with the response cache on Redis. Gateway 1's supergraph
 * routes SAP to replica A, gateway 2's to replica B, so anything gateway 2 sees of an event posted to
 * replica A went through Redis.
 *
 * The SAP event log is the fixed stream `lumina:events:sap` (no prefix can be set), so the test posts
 * CloudEvents with a `source` unique to the run and `cleanup()` deletes exactly those stream entries
 * and their dedupe keys.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import pino from 'pino';
import { composeSupergraph } from '../../../gateway/composeSupergraph';
import { startGateway, type Gateway } from '../../../gateway/server';
import { SUBGRAPH_NAMES, subgraphSdl } from '../../../schema/subgraphSchemas';
import { startSalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { startSalesforceSubgraph } from '../../../subgraphs/salesforce/server';
import { startSapSandbox } from '../../../subgraphs/sap/sandbox/sapSandbox';
import { startSapSubgraph, type SapSubgraphServer } from '../../../subgraphs/sap/server';
import { startGraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { startTeamsSubgraph } from '../../../subgraphs/teams/server';
import { STACK_GATEWAY_OPTIONS, TEST_CONTEXT_SECRET, testToken } from '../federatedGraph/startStack';

export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';
export const SAP_STREAM = 'lumina:events:sap';
export const INTERNAL_TOKEN = 'scale-out-internal-token-0123456789';
const EVENTS_PASSWORD = 'scale-out-event-mesh-password-0123';
const EVENTS_AUTH = `Basic ${Buffer.from(`LUMINA_EVENTS:${EVENTS_PASSWORD}`).toString('base64')}`;

export interface ReplicaStack {
  /** Gateway 1 (SAP replica A) and gateway 2 (SAP replica B); `closeGateway` nulls an entry. */
  gateways: [Gateway | null, Gateway | null];
  sap: { a: SapSubgraphServer; b: SapSubgraphServer };
  authorization: string;
  /** The environment every subgraph got (to start more on the same sandboxes). */
  env: Record<string, string>;
  /** The supergraph file routing SAP to replica A. */
  supergraphA: string;
  /** The `source` of this run's CloudEvents. */
  source: string;
  /** A raw client for head look-ups and cleanup. */
  redis: Redis;
  /** The SAP stream's newest cursor (`0-0` when empty). */
  head(): Promise<string>;
  /** POSTs a sales order CloudEvent (`Changed`, raised at `raisedAt`) to a replica's webhook. */
  postSapEvent(to: SapSubgraphServer, id: string, salesOrder: string, raisedAt: string): Promise<Response>;
  closeGateway(i: 0 | 1): Promise<void>;
  close(): Promise<void>;
}

/** Removes this run's entries from the SAP stream and their dedupe keys. */
async function cleanupStream(redis: Redis, source: string, from: string): Promise<void> {
  const entries = (await redis.xrange(SAP_STREAM, from, '+')) as [string, string[]][];
  const prefix = `sap:${source}:`;
  for (const [cursor, fields] of entries) {
    const json = fields[fields.indexOf('event') + 1] ?? '{}';
    const id = (JSON.parse(json) as { id?: unknown }).id;
    if (typeof id !== 'string' || !id.startsWith(prefix)) continue;
    await redis.xdel(SAP_STREAM, cursor);
    await redis.del(`${SAP_STREAM}:id:${id}`);
  }
}

export async function startReplicaStack(): Promise<ReplicaStack> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const head = async (): Promise<string> => ((await redis.xrevrange(SAP_STREAM, '+', '-', 'COUNT', 1)) as [string, string[]][])[0]?.[0] ?? '0-0';
  const startHead = await head();
  const [salesforceSandbox, sapSandbox, teamsSandbox] = await Promise.all([
    startSalesforceSandbox({ port: 0, logger }), startSapSandbox({ port: 0, logger }), startGraphSandbox({ port: 0, logger }),
  ]);
  const dir = mkdtempSync(path.join(tmpdir(), 'lumina-scale-out-'));
  const env: Record<string, string> = {
    REDIS_URL: TEST_REDIS_URL,
    SALESFORCE_CDC: 'false',
    SALESFORCE_REPLAY_STORE: path.join(dir, 'salesforce-replay.json'),
    SALESFORCE_LOGIN_URL: salesforceSandbox.url,
    SAP_BASE_URL: sapSandbox.url,
    SAP_EVENTS_AUTH: 'basic',
    SAP_EVENTS_PASSWORD: EVENTS_PASSWORD,
    GRAPH_AUTHORITY_HOST: teamsSandbox.url,
    GRAPH_BASE_URL: teamsSandbox.url,
    TEAMS_INDEX_REFRESH_MS: '600000',
    TEAMS_INDEX_MAX_STALENESS_MS: '600000',
    ENTITY_CACHE: 'true',
    INTERNAL_API_TOKEN: INTERNAL_TOKEN,
    INTERNAL_CONTEXT_SECRET: TEST_CONTEXT_SECRET,
  };
  const [salesforce, sapA, sapB, teams] = await Promise.all([
    startSalesforceSubgraph({ port: 0, logger, env }),
    startSapSubgraph({ port: 0, logger, env }),
    startSapSubgraph({ port: 0, logger, env }),
    startTeamsSubgraph({ port: 0, logger, env }),
  ]);
  await teams.index.ready();
  const compose = (file: string, sapUrl: string): string => {
    const urls: Record<string, string> = { salesforce: salesforce.url, sap: sapUrl, teams: teams.url };
    const target = path.join(dir, file);
    writeFileSync(target, composeSupergraph(SUBGRAPH_NAMES.map((name) => ({ name, url: urls[name] ?? '', sdl: subgraphSdl(name) }))));
    return target;
  };
  const supergraphA = compose('supergraph-a.graphql', sapA.url);
  const supergraphB = compose('supergraph-b.graphql', sapB.url);
  const gateway = (supergraphPath: string): Promise<Gateway> => startGateway({
    port: 0, supergraphPath, logger, introspection: false, responseCache: true, redisUrl: TEST_REDIS_URL, internalToken: INTERNAL_TOKEN,
    shutdownGraceMs: 1_000, ...STACK_GATEWAY_OPTIONS, env: { ...process.env, ...env },
  });
  const gateways: [Gateway | null, Gateway | null] = await Promise.all([gateway(supergraphA), gateway(supergraphB)]);
  const source = `/scale-out/${randomUUID()}`;
  const sandboxes = [salesforceSandbox, sapSandbox, teamsSandbox];

  return {
    gateways,
    sap: { a: sapA, b: sapB },
    authorization: `Bearer ${await testToken()}`,
    env,
    supergraphA,
    source,
    redis,
    head,
    postSapEvent: (to, id, salesOrder, raisedAt) => fetch(to.url.replace(/\/graphql$/, '/events/sap'), {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json', authorization: EVENTS_AUTH },
      body: JSON.stringify({
        specversion: '1.0', type: 'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1', source, id, datacontenttype: 'application/json',
        data: { SalesOrder: salesOrder, EventRaisedDateTime: raisedAt },
      }),
    }),
    async closeGateway(i) {
      const g = gateways[i];
      gateways[i] = null;
      await g?.close();
    },
    async close() {
      await Promise.all(gateways.map((g) => g?.close()));
      await Promise.all([salesforce, sapA, sapB, teams].map((s) => s.close().catch(() => undefined)));
      await Promise.all(sandboxes.map((s) => s.close()));
      await cleanupStream(redis, source, startHead).catch(() => undefined);
      await redis.quit();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
