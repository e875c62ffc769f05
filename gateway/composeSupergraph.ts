/**
 * Composes the subgraphs' SDL into the supergraph the gateway serves (Apollo Federation 2,
 * `@apollo/composition`).
 *
 * As a CLI (`npm run compose`): reads the canonical SDL from `schema/subgraphSchemas.ts`, the
 * subgraph URLs from SALESFORCE_SUBGRAPH_URL / SAP_SUBGRAPH_URL / TEAMS_SUBGRAPH_URL and writes the
 * supergraph to SUPERGRAPH_PATH (default `var/supergraph.graphql`) atomically (temp file + rename),
 * so a running gateway never reads half a file. On composition errors it prints every error to
 * stderr, exits 1 and leaves the existing file untouched.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { GraphQLError, parse, type DocumentNode } from 'graphql';
import { DEFAULT_SUPERGRAPH_PATH } from './gatewayConfig';
import { SUBGRAPH_NAMES, subgraphSdl, type SubgraphName } from '../schema/subgraphSchemas';

export interface SubgraphSource {
  /** Subgraph name as the supergraph records it (`join__graph`), e.g. `salesforce`. */
  name: string;
  /** The subgraph's GraphQL endpoint the gateway will call. */
  url: string;
  sdl: string;
}

/** Thrown when the subgraphs do not compose; `errors` lists every problem, one line each. */
export class CompositionError extends Error {
  constructor(readonly errors: readonly string[]) {
    super(`supergraph composition failed with ${errors.length} error(s):\n${errors.map((e) => `  - ${e}`).join('\n')}`);
    this.name = 'CompositionError';
  }
}

function describe(err: GraphQLError, subgraph?: string): string {
  const code = typeof err.extensions?.code === 'string' ? `[${err.extensions.code}] ` : '';
  return `${subgraph ? `${subgraph}: ` : ''}${code}${err.message}`;
}

function parseAll(subgraphs: readonly SubgraphSource[]): DocumentNode[] {
  const problems: string[] = [];
  const docs = subgraphs.map((s) => {
    try {
      return parse(s.sdl);
    } catch (err) {
      problems.push(err instanceof GraphQLError ? describe(err, s.name) : `${s.name}: ${String(err)}`);
      return undefined;
    }
  });
  if (problems.length) throw new CompositionError(problems);
  return docs as DocumentNode[];
}

/** Composes the subgraphs and returns the supergraph SDL, or throws a `CompositionError`. */
export function composeSupergraph(subgraphs: readonly SubgraphSource[]): string {
  if (subgraphs.length === 0) throw new CompositionError(['no subgraphs given']);
  const docs = parseAll(subgraphs);
  const result = composeServices(subgraphs.map((s, i) => ({ name: s.name, url: s.url, typeDefs: docs[i] as DocumentNode })));
  if (result.errors) throw new CompositionError(result.errors.map((e) => describe(e)));
  return result.supergraphSdl;
}

/** Env key holding each subgraph's URL, and its local default. */
export const SUBGRAPH_URL_ENV: Record<SubgraphName, { key: string; fallback: string }> = {
  salesforce: { key: 'SALESFORCE_SUBGRAPH_URL', fallback: 'http://127.0.0.1:4001/graphql' },
  sap: { key: 'SAP_SUBGRAPH_URL', fallback: 'http://127.0.0.1:4002/graphql' },
  teams: { key: 'TEAMS_SUBGRAPH_URL', fallback: 'http://127.0.0.1:4003/graphql' },
};

function subgraphUrl(name: SubgraphName, env: NodeJS.ProcessEnv): string {
  const { key, fallback } = SUBGRAPH_URL_ENV[name];
  const raw = env[key] || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${key} must be an absolute http(s) URL of the subgraph's GraphQL endpoint (got '${raw}')`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${key} must be an absolute http(s) URL of the subgraph's GraphQL endpoint (got '${raw}')`);
  }
  return raw;
}

/** The canonical subgraphs from `schema/`, with URLs from the environment. */
export function canonicalSubgraphs(env: NodeJS.ProcessEnv = process.env): SubgraphSource[] {
  return SUBGRAPH_NAMES.map((name) => ({ name, url: subgraphUrl(name, env), sdl: subgraphSdl(name) }));
}

/** Writes `text` to `path` atomically: a temp file in the same folder, then a rename. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, text, 'utf8');
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The CLI: compose the canonical subgraphs and write the supergraph; returns the absolute path. */
export function composeToFile(env: NodeJS.ProcessEnv = process.env): string {
  const path = resolve(env.SUPERGRAPH_PATH || DEFAULT_SUPERGRAPH_PATH);
  const sdl = composeSupergraph(canonicalSubgraphs(env));
  writeFileAtomic(path, sdl);
  return path;
}

if (require.main === module) {
  try {
    const path = composeToFile();
    process.stdout.write(`${path}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
