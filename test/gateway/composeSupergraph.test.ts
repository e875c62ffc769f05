import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Supergraph } from '@apollo/federation-internals';
import { composeSupergraph, CompositionError } from '../../gateway/composeSupergraph';
import { SUBGRAPH_NAMES, subgraphSdl } from '../../schema/subgraphSchemas';
import { SUPPORTED_SUPERGRAPH_FEATURES } from '../../gateway/supergraphFeatures';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';

function compositionErrorOf(fn: () => unknown): CompositionError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CompositionError) return err;
    throw err;
  }
  throw new Error('expected a CompositionError');
}

describe('composeSupergraph', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lumina-compose-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('composes the canonical schema/ SDL with every subgraph and its URL', () => {
    const sdl = composeSupergraph(SUBGRAPH_NAMES.map((name, i) => ({ name, url: `http://127.0.0.1:${4001 + i}/graphql`, sdl: subgraphSdl(name) })));
    const meta = Supergraph.build(sdl, { supportedFeatures: new Set(SUPPORTED_SUPERGRAPH_FEATURES) }).subgraphsMetadata();
    expect(meta.map((m) => [m.name, m.url]).sort()).toEqual([
      ['salesforce', 'http://127.0.0.1:4001/graphql'], ['sap', 'http://127.0.0.1:4002/graphql'], ['teams', 'http://127.0.0.1:4003/graphql'],
    ]);
    expect(sdl).toMatch(/type Contact\s/);
  });

  it('lists every composition problem, naming the conflicting field', () => {
    const a = `${LINK}\ntype Query { a: Int }\ntype Thing @key(fields: "id") { id: ID! size: Int @shareable name: String }`;
    const b = `${LINK}\ntype Query { b: Int }\ntype Thing @key(fields: "id") { id: ID! size: String @shareable name: String }`;
    const err = compositionErrorOf(() => composeSupergraph([{ name: 'a', url: 'http://a/graphql', sdl: a }, { name: 'b', url: 'http://b/graphql', sdl: b }]));
    expect(err.errors.length).toBeGreaterThanOrEqual(2);
    expect(err.errors.some((e) => /Thing\.size/.test(e))).toBe(true);
    expect(err.errors.some((e) => /Thing\.name/.test(e))).toBe(true);
    for (const e of err.errors) expect(err.message).toContain(e);
  });

  it('names the subgraph whose SDL does not parse', () => {
    const err = compositionErrorOf(() => composeSupergraph([
      { name: 'good', url: 'http://g/graphql', sdl: `${LINK}\ntype Query { a: Int }` },
      { name: 'broken', url: 'http://b/graphql', sdl: 'type Query { a: ' },
    ]));
    expect(err.errors).toHaveLength(1);
    expect(err.errors[0]).toMatch(/^broken: .*Syntax Error/);
  });

  it('as a CLI writes the supergraph to SUPERGRAPH_PATH (creating the folder) and prints the path', async () => {
    const target = path.join(dir, 'nested', 'supergraph.graphql');
    const env = { ...process.env, SUPERGRAPH_PATH: target, SAP_SUBGRAPH_URL: 'http://sap.internal:9000/graphql' };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'gateway/composeSupergraph.ts'], { cwd: ROOT, env });
    expect(stdout.trim()).toBe(target);
    const sdl = readFileSync(target, 'utf8');
    const urls = Object.fromEntries(Supergraph.build(sdl, { supportedFeatures: new Set(SUPPORTED_SUPERGRAPH_FEATURES) }).subgraphsMetadata().map((m) => [m.name, m.url]));
    expect(urls).toEqual({ salesforce: 'http://127.0.0.1:4001/graphql', sap: 'http://sap.internal:9000/graphql', teams: 'http://127.0.0.1:4003/graphql' });
    expect(readdirSync(path.dirname(target))).toEqual(['supergraph.graphql']);
  });

  it('as a CLI exits non-zero on a bad subgraph URL and leaves the existing file untouched', async () => {
    const target = path.join(dir, 'kept.graphql');
    writeFileSync(target, 'previous supergraph');
    const env = { ...process.env, SUPERGRAPH_PATH: target, TEAMS_SUBGRAPH_URL: 'not a url' };
    const failed = await run(process.execPath, ['--import', 'tsx', 'gateway/composeSupergraph.ts'], { cwd: ROOT, env }).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/TEAMS_SUBGRAPH_URL/);
    expect(readFileSync(target, 'utf8')).toBe('previous supergraph');
  });
});
