/**
 * The browser entry of the GraphiQL IDE served at `GET /ide` (bundled by `ideAssets.ts` with
 * esbuild; nothing is loaded from a CDN). GraphiQL talks to this gateway's `/graphql`: queries and
 * mutations over HTTP, subscriptions over graphql-ws on the same path.
 *
 * Authentication: every request needs a bearer JWT. The headers editor is open and pre-filled with
 * `{"authorization": "Bearer <token>"}`; the user pastes a token there. GraphiQL sends those headers
 * with every HTTP request and, for subscriptions, as the graphql-ws `connection_init` payload (the
 * toolkit spreads the headers into `connectionParams`); keys are lower-cased here because the
 * gateway reads `connectionParams.authorization`. Headers are not persisted (`shouldPersistHeaders`
 * false), so a token never lands in localStorage.
 *
 * Monaco's web workers are separate bundles served next to this one (`/ide/<label>.worker.js`).
 *
 * This file runs in the browser: the repository's tsconfig has no DOM lib and React ships no types,
 * so the few browser globals and React calls used are declared below, locally.
 */
import type { createGraphiQLFetcher as CreateGraphiQLFetcher, Fetcher } from '@graphiql/toolkit' with { 'resolution-mode': 'import' };
// @ts-expect-error -- the toolkit's types are ESM-only (.d.mts) while tsconfig is CommonJS; esbuild bundles its ESM build; typed below
import { createGraphiQLFetcher as untypedCreateGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
// @ts-expect-error -- react ships no types (@types/react is not installed); the one call used is typed below
import { createElement as untypedCreateElement } from 'react';
// @ts-expect-error -- react-dom ships no types; the one call used is typed below
import { createRoot as untypedCreateRoot } from 'react-dom/client';
import 'graphiql/style.css';
import { SAMPLE_QUERY } from './sampleQuery';

interface BrowserWorker { terminate(): void }
declare const Worker: new (url: string, options?: { name?: string }) => BrowserWorker;
declare const location: { protocol: string; host: string };
declare const document: { getElementById(id: string): unknown };
interface MonacoGlobal { MonacoEnvironment?: { getWorker(workerId: string, label: string): BrowserWorker } }

const createGraphiQLFetcher = untypedCreateGraphiQLFetcher as typeof CreateGraphiQLFetcher;
const createElement = untypedCreateElement as (type: unknown, props: Record<string, unknown> | null) => unknown;
const createRoot = untypedCreateRoot as (container: unknown) => { render(element: unknown): void };

/** Where the worker bundles are served (see `ideAssets.ts`). */
const WORKER_PATH = '/ide/';

(globalThis as unknown as MonacoGlobal).MonacoEnvironment = {
  getWorker(_workerId, label) {
    const name = label === 'json' || label === 'graphql' ? label : 'editor';
    return new Worker(`${WORKER_PATH}${name}.worker.js`, { name });
  },
};

/** The headers editor's initial text: the user replaces `<token>`. */
const DEFAULT_HEADERS = '{\n  "authorization": "Bearer <token>"\n}';

const DEFAULT_QUERY = `# Paste a bearer token into the Headers tab below, then run (Ctrl-Enter):\n${SAMPLE_QUERY}`;

/** Header names lower-cased, so `Authorization` reaches `connection_init` as `authorization`. */
function lowerCaseKeys(headers: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!headers) return headers;
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function fetcher(): Fetcher {
  const ws = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const base = createGraphiQLFetcher({ url: '/graphql', subscriptionUrl: `${ws}//${location.host}/graphql`, enableIncrementalDelivery: false });
  return (params, opts) => base(params, opts ? { ...opts, headers: lowerCaseKeys(opts.headers) } : opts);
}

createRoot(document.getElementById('ide')).render(createElement(GraphiQL, {
  fetcher: fetcher(),
  defaultQuery: DEFAULT_QUERY,
  defaultHeaders: DEFAULT_HEADERS,
  isHeadersEditorEnabled: true,
  shouldPersistHeaders: false,
  defaultEditorToolsVisibility: 'headers',
}));
