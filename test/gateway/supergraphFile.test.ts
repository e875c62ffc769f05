import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { writeFileAtomic } from '../../gateway/composeSupergraph';
import { startGateway, type Gateway } from '../../gateway/server';
import { sha256 } from '../../gateway/supergraphFile';
import { gql, SALESFORCE_SDL, startTinyGraph, type TinyGraph } from './tinyGraph';
import { OPEN_GATEWAY } from './gatewayTestOptions';
import { createAuditLog } from '../../subgraphs/kit/auditLog';

const CURRENCY = '{ person(id: "p1") { orders { id currency } } }';
const TOTAL = '{ person(id: "p1") { orders { id total } } }';

/** Polls `check` until it returns true, for at most `ms`. */
async function eventually(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe.each(['fast', 'stock'] as const)('supergraph file hot reload (%s executor)', (executor) => {
  let graph: TinyGraph;
  let gw: Gateway;
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const refusals = () => lines.filter((l) => l.msg === 'supergraph file refused; keeping the current graph');
  const health = async () => ((await (await fetch(gw.url.replace('/graphql', '/health'))).json()) as { supergraph: { hash: string } }).supergraph.hash;

  const auditPath = path.join(tmpdir(), `lumina-supergraph-audit-${process.pid}-${executor}.log`);
  const audited = (): Array<{ action: string; target: { id: string }; outcome: string }> => {
    try {
      return readFileSync(auditPath, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { action: string; target: { id: string }; outcome: string });
    } catch {
      return [];
    }
  };

  beforeAll(async () => {
    rmSync(auditPath, { force: true });
    graph = await startTinyGraph();
    gw = await startGateway({ ...OPEN_GATEWAY, audit: createAuditLog({ destination: auditPath }), port: 0, supergraphPath: graph.supergraphPath, logger, executor, supergraphPollMs: 200 });
  });
  afterAll(async () => {
    await gw?.close();
    await graph?.close();
  });

  it('serves a field added to the supergraph file without a restart', async () => {
    const before = await gql(gw.url, CURRENCY);
    expect(before.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const oldHash = await health();
    const sdl = graph.writeSupergraph({ withCurrency: true });
    const served = await eventually(async () => !(await gql(gw.url, CURRENCY)).body.errors);
    expect(served).toBe(true);
    expect((await gql(gw.url, CURRENCY)).body.data).toEqual({ person: { orders: [{ id: 'p1-o1', currency: 'EUR' }] } });
    expect(await health()).toBe(sha256(sdl));
    expect(await health()).not.toBe(oldHash);
    // A configuration change: one audit record (the destination writes asynchronously).
    expect(await eventually(() => audited().some((r) => r.action === 'config.supergraph' && r.outcome === 'success' && r.target.id === sha256(sdl)))).toBe(true);
  });

  it.each([
    ['a syntax error', 'schema { query: Query\ntype Query {'],
    ['a subgraph schema instead of a supergraph', SALESFORCE_SDL],
    ['an empty file', ''],
  ])('refuses %s, keeps serving the old graph and its hash, logging why', async (_label, text) => {
    const hash = await health();
    const refusedBefore = refusals().length;
    writeFileAtomic(graph.supergraphPath, text);
    expect(await eventually(() => refusals().length > refusedBefore)).toBe(true);
    const refusal = refusals().at(-1);
    expect(typeof refusal?.reason).toBe('string');
    expect(refusal?.reason).not.toBe('');
    expect(await eventually(() => audited().some((r) => r.action === 'config.supergraph' && r.outcome === 'failure' && r.target.id === sha256(text)))).toBe(true);
    expect(await health()).toBe(hash);
    expect((await gql(gw.url, CURRENCY)).body.data).toEqual({ person: { orders: [{ id: 'p1-o1', currency: 'EUR' }] } });
  });

  it('picks up a fixed file after a broken one', async () => {
    const refusedBefore = refusals().length;
    writeFileAtomic(graph.supergraphPath, 'not a schema at all {');
    expect(await eventually(() => refusals().length > refusedBefore)).toBe(true);
    const sdl = graph.writeSupergraph({ withCurrency: false });
    expect(await eventually(async () => (await health()) === sha256(sdl))).toBe(true);
    expect((await gql(gw.url, CURRENCY)).body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await gql(gw.url, TOTAL)).body.data).toEqual({ person: { orders: [{ id: 'p1-o1', total: '10.00' }] } });
    expect(gw.supergraph.hash()).toBe(sha256(readFileSync(graph.supergraphPath, 'utf8')));
  });

  it('fails fast at start when the file is missing, saying to run npm run compose', async () => {
    const missing = path.join(graph.dir, 'nope', 'supergraph.graphql');
    await expect(startGateway({ ...OPEN_GATEWAY, port: 0, supergraphPath: missing, logger, executor })).rejects.toThrow(/no supergraph file at .*npm run compose/);
  });

  it('fails fast at start when the file is not a valid supergraph', async () => {
    const bad = path.join(graph.dir, 'bad.graphql');
    writeFileAtomic(bad, SALESFORCE_SDL);
    await expect(startGateway({ ...OPEN_GATEWAY, port: 0, supergraphPath: bad, logger, executor })).rejects.toThrow(/not a valid supergraph.*npm run compose/s);
  });
});
