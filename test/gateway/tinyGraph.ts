/**
 * Tiny real subgraphs for the gateway's own tests (the product subgraphs are tested elsewhere):
 * - `salesforce`: `Query.person/people/throttled`, owns `Person @key(fields: "id")`;
 * - `sap`: adds `Person.orders` (an entity fetch) and owns `Order`; `Order.currency` exists in the
 *   server but only in the supergraph when composed with `withCurrency`;
 * - `teams`: adds the nullable `Person.messages`; `slowMessages` answers after `slowMs`.
 * Each records the `x-request-id` its requests carried. `writeSupergraph` composes them into a file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { composeSupergraph, writeFileAtomic } from '../../gateway/composeSupergraph';
import { startSubgraphServer, type SubgraphServer } from '../../subgraphs/kit/subgraphServer';
import { subgraphError } from '../../subgraphs/kit/subgraphErrors';
import { TEST_GATEWAY_CONTEXT_SECRET } from './gatewayTestOptions';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

export const SALESFORCE_SDL = `${LINK}
type Query {
  person(id: ID!): Person
  people: [Person!]!
  throttled: String
}
type Person @key(fields: "id") {
  id: ID!
  name: String!
}`;

export function sapSdl(withCurrency: boolean, withDiscount = false): string {
  return `${LINK}
type Person @key(fields: "id") {
  id: ID!
  orders: [Order!]!
}
type Order @key(fields: "id") {
  id: ID!
  total: String!
  ${withCurrency ? 'currency: String!' : ''}
  ${withDiscount ? 'discount: String' : ''}
}`;
}

export const TEAMS_SDL = `${LINK}
type Person @key(fields: "id") {
  id: ID!
  messages: [String!]
  slowMessages: [String!]
}`;

const PEOPLE: Record<string, string> = { p1: 'Ada Lovelace', p2: 'Alan Turing', p3: 'Grace Hopper' };

export interface TinyGraph {
  subgraphs: { salesforce: SubgraphServer; sap: SubgraphServer; teams: SubgraphServer };
  /** Request ids seen by each subgraph, in arrival order. */
  seen: { salesforce: string[]; sap: string[]; teams: string[] };
  dir: string;
  supergraphPath: string;
  /** Composes the tiny subgraphs (URLs overridable) into `file` (default `supergraphPath`). */
  writeSupergraph(opts?: { withCurrency?: boolean; withDiscount?: boolean; urls?: Partial<Record<'salesforce' | 'sap' | 'teams', string>>; file?: string }): string;
  close(): Promise<void>;
}

export async function startTinyGraph(opts: { slowMs?: number } = {}): Promise<TinyGraph> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const seen = { salesforce: [] as string[], sap: [] as string[], teams: [] as string[] };
  const ctx = (name: keyof typeof seen) => (info: { requestId: string }) => {
    seen[name].push(info.requestId);
    return {};
  };
  const person = (id: string) => (PEOPLE[id] ? { id, name: PEOPLE[id] } : null);
  const salesforce = await startSubgraphServer({
    system: 'salesforce', sdl: SALESFORCE_SDL, logger, contextSecrets: [TEST_GATEWAY_CONTEXT_SECRET], createContext: ctx('salesforce'),
    resolvers: {
      Query: {
        person: (_: unknown, a: { id: string }) => person(a.id),
        people: () => Object.keys(PEOPLE).map(person),
        throttled: () => {
          throw subgraphError({ code: 'UPSTREAM_RATE_LIMITED', system: 'salesforce', message: 'Salesforce is throttling requests', cause: new Error('REQUEST_LIMIT_EXCEEDED at secret-host.example') });
        },
      },
      Person: { __resolveReference: (ref: { id: string }) => person(ref.id) },
    },
  });
  const sap = await startSubgraphServer({
    system: 'sap', sdl: sapSdl(true), logger, contextSecrets: [TEST_GATEWAY_CONTEXT_SECRET], createContext: ctx('sap'),
    resolvers: {
      Person: {
        orders: (p: { id: string }) => {
          if (p.id === 'p3') throw subgraphError({ code: 'NOT_FOUND', system: 'sap', message: 'No business partner for this person' });
          return [{ id: `${p.id}-o1`, total: '10.00', currency: 'EUR' }];
        },
      },
    },
  });
  const slowMs = opts.slowMs ?? 1_500;
  const teams = await startSubgraphServer({
    system: 'teams', sdl: TEAMS_SDL, logger, contextSecrets: [TEST_GATEWAY_CONTEXT_SECRET], createContext: ctx('teams'),
    resolvers: {
      Person: {
        messages: (p: { id: string }) => [`hello from ${p.id}`],
        slowMessages: () => new Promise((r) => setTimeout(() => r(['late']), slowMs).unref()),
      },
    },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'lumina-gateway-'));
  const supergraphPath = path.join(dir, 'supergraph.graphql');
  const subgraphs = { salesforce, sap, teams };
  const graph: TinyGraph = {
    subgraphs, seen, dir, supergraphPath,
    writeSupergraph(w = {}) {
      const url = (n: 'salesforce' | 'sap' | 'teams') => w.urls?.[n] ?? subgraphs[n].url;
      const sdl = composeSupergraph([
        { name: 'salesforce', url: url('salesforce'), sdl: SALESFORCE_SDL },
        { name: 'sap', url: url('sap'), sdl: sapSdl(w.withCurrency ?? false, w.withDiscount ?? false) },
        { name: 'teams', url: url('teams'), sdl: TEAMS_SDL },
      ]);
      writeFileAtomic(w.file ?? supergraphPath, sdl);
      return sdl;
    },
    async close() {
      await Promise.all(Object.values(subgraphs).map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  graph.writeSupergraph();
  return graph;
}

export interface GatewayReply {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] };
}

/** POSTs a GraphQL request to the gateway. */
export async function gql(url: string, query: string, headers: Record<string, string> = {}, variables?: Record<string, unknown>): Promise<GatewayReply> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as GatewayReply['body'] };
}
