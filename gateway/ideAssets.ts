/**
 * The GraphiQL IDE at `GET /ide`: the page, its bundle and Monaco's workers, built from
 * `ideEntry.ts` with esbuild's JS API (no CDN at runtime). The build runs once per process, at the first request
 * (or `prepare()`), and is cached under `var/ide/<hash>/`, the hash covering the entry, the sample
 * query and the versions of the bundled packages; later starts read the cache.
 *
 * Routes (GET/HEAD): `/ide` (HTML, `no-cache`, a strict CSP: same-origin scripts, workers and
 * connections only), `/ide/app.js` and `/ide/app.css` (immutable when asked with `?v=<hash>`, as the
 * page does), `/ide/{editor,json,graphql}.worker.js` (revalidated by ETag). Answers are gzipped when
 * the client accepts it. The schema the IDE shows comes from introspection (GATEWAY_INTROSPECTION).
 *
 * Off (every route 404 by falling through) when `enabled` is false: GATEWAY_IDE, default true unless
 * NODE_ENV=production.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import { envBool, type Env } from '../subgraphs/kit/envConfig';

/** Every file the IDE build produces, by the name it is served under (`/ide/<name>`). */
const OUTPUTS: Record<string, string> = {
  'app.js': 'application/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'editor.worker.js': 'application/javascript; charset=utf-8',
  'json.worker.js': 'application/javascript; charset=utf-8',
  'graphql.worker.js': 'application/javascript; charset=utf-8',
};

const ENTRY = path.join(__dirname, 'ideEntry.ts');
const ENTRY_POINTS = {
  app: ENTRY,
  'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
  'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
  'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
};
/** Packages whose version changes the bundle. */
const BUNDLED = ['esbuild', 'graphiql', '@graphiql/react', '@graphiql/toolkit', 'monaco-editor', 'monaco-graphql', 'react', 'react-dom', 'graphql', 'graphql-ws'];

export const IDE_PATH = '/ide';
export const GATEWAY_IDE_KEY = 'GATEWAY_IDE';

export interface IdeRouteOptions {
  /** Serve the IDE. @default GATEWAY_IDE, else true unless NODE_ENV=production */
  enabled?: boolean;
  /** Where built bundles are kept between starts. @default 'var/ide' */
  cacheDir?: string;
  /** @default a silent logger */
  logger?: Logger;
  /** Environment GATEWAY_IDE and NODE_ENV are read from. @default process.env */
  env?: Env;
}

export interface IdeRoute {
  /** Answers `/ide` and `/ide/*` (GET/HEAD); false when the request is not for the IDE (or it is off). */
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean>;
  /** Builds (or reads) the bundle now instead of at the first request. */
  prepare(): Promise<void>;
  readonly enabled: boolean;
}

interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
}

interface IdeAssets {
  hash: string;
  files: Map<string, Asset>;
}

/** Whether the IDE is served: GATEWAY_IDE (true/false), else true unless NODE_ENV=production. */
export function loadIdeEnabled(env: Env): boolean {
  return envBool(env, GATEWAY_IDE_KEY, env.NODE_ENV !== 'production');
}

function versionOf(pkg: string): string {
  try {
    const file = require.resolve(`${pkg}/package.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}

/** sha256 over the entry, the sample query it embeds and the bundled packages' versions. */
export function ideBuildHash(): string {
  const h = createHash('sha256');
  h.update(readFileSync(ENTRY)).update(readFileSync(path.join(__dirname, 'sampleQuery.ts')));
  for (const pkg of BUNDLED) h.update(`${pkg}@${versionOf(pkg)}\n`);
  return h.digest('hex').slice(0, 16);
}

async function bundle(): Promise<Map<string, Buffer>> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: ENTRY_POINTS, bundle: true, write: false, outdir: 'ide', platform: 'browser', format: 'iife', minify: true, target: 'es2020',
    define: { 'process.env.NODE_ENV': '"production"' }, loader: { '.ttf': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.svg': 'dataurl' },
    logLevel: 'silent', absWorkingDir: path.join(__dirname, '..'),
  });
  return new Map(result.outputFiles.map((f) => [path.basename(f.path), Buffer.from(f.contents)]));
}

function readCached(dir: string): Map<string, Buffer> | null {
  if (!Object.keys(OUTPUTS).every((name) => existsSync(path.join(dir, name)))) return null;
  return new Map(Object.keys(OUTPUTS).map((name) => [name, readFileSync(path.join(dir, name))]));
}

/** Writes into a temp folder renamed into place (a crash never leaves half a bundle); older builds are removed. */
function writeCache(dir: string, files: Map<string, Buffer>): void {
  const tmp = `${dir}.${process.pid}.tmp`;
  mkdirSync(tmp, { recursive: true });
  for (const [name, body] of files) writeFileSync(path.join(tmp, name), body);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  const parent = path.dirname(dir);
  for (const old of readdirSync(parent)) {
    if (/^[0-9a-f]{16}$/.test(old) && old !== path.basename(dir)) rmSync(path.join(parent, old), { recursive: true, force: true });
  }
}

async function loadAssets(cacheDir: string, log: Logger | undefined): Promise<IdeAssets> {
  const hash = ideBuildHash();
  const dir = path.resolve(cacheDir, hash);
  let raw = readCached(dir);
  if (!raw) {
    raw = await bundle();
    try {
      writeCache(dir, raw);
    } catch (err) {
      log?.warn({ err, dir }, 'IDE bundle not cached (served from memory)');
    }
    log?.info({ hash }, 'IDE bundle built');
  }
  const files = new Map<string, Asset>();
  for (const [name, type] of Object.entries(OUTPUTS)) {
    const body = raw.get(name);
    if (!body) throw new Error(`the IDE build produced no ${name}`);
    files.set(name, { body, gzip: gzipSync(body), type });
  }
  return { hash, files };
}

function page(hash: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lumina Enterprise Graph · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${IDE_PATH}/app.css?v=${hash}">
<style>html, body, #ide { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="ide"></div>
<script src="${IDE_PATH}/app.js?v=${hash}"></script>
</body>
</html>
`;
}

const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "worker-src 'self'", "connect-src 'self'",
  "img-src 'self' data:", "font-src 'self' data:", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'",
].join('; ');

function send(req: http.IncomingMessage, res: http.ServerResponse, status: number, headers: Record<string, string>, body: Buffer, gzip?: Buffer): void {
  const useGzip = gzip !== undefined && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const out = useGzip ? gzip : body;
  res.writeHead(status, {
    ...headers, 'content-length': String(out.length), 'x-content-type-options': 'nosniff',
    ...(gzip !== undefined ? { vary: 'accept-encoding' } : {}), ...(useGzip ? { 'content-encoding': 'gzip' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : out);
}

function serveAsset(req: http.IncomingMessage, res: http.ServerResponse, url: URL, assets: IdeAssets, name: string): void {
  const asset = assets.files.get(name);
  if (!asset) {
    send(req, res, 404, { 'content-type': 'text/plain; charset=utf-8' }, Buffer.from('not found'));
    return;
  }
  const etag = `"${assets.hash}"`;
  const versioned = url.searchParams.get('v') === assets.hash;
  const cache = versioned ? 'public, max-age=31536000, immutable' : 'no-cache';
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag, 'cache-control': cache });
    res.end();
    return;
  }
  send(req, res, 200, { 'content-type': asset.type, etag, 'cache-control': cache }, asset.body, asset.gzip);
}

/** Built assets per cache folder, shared by every gateway of the process (tests start many). */
const LOADED = new Map<string, Promise<IdeAssets>>();

export function createIdeRoute(opts: IdeRouteOptions = {}): IdeRoute {
  const enabled = opts.enabled ?? loadIdeEnabled(opts.env ?? process.env);
  const cacheDir = opts.cacheDir ?? 'var/ide';
  const assets = (): Promise<IdeAssets> => {
    const key = path.resolve(cacheDir);
    let loading = LOADED.get(key);
    if (!loading) {
      loading = loadAssets(cacheDir, opts.logger).catch((err: unknown) => {
        LOADED.delete(key);
        throw err;
      });
      LOADED.set(key, loading);
    }
    return loading;
  };
  return {
    enabled,
    async prepare() {
      if (enabled) await assets();
    },
    async handle(req, res, url) {
      if (!enabled || (url.pathname !== IDE_PATH && !url.pathname.startsWith(`${IDE_PATH}/`))) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
        res.end('method not allowed');
        return true;
      }
      const built = await assets();
      if (url.pathname === IDE_PATH || url.pathname === `${IDE_PATH}/`) {
        const html = Buffer.from(page(built.hash));
        send(req, res, 200, {
          'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'content-security-policy': CSP,
          'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY',
        }, html);
        return true;
      }
      serveAsset(req, res, url, built, url.pathname.slice(IDE_PATH.length + 1));
      return true;
    },
  };
}
