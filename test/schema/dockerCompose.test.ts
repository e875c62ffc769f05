/**
 * docker-compose.yml, Dockerfile and .dockerignore, checked statically (CI has no Docker engine):
 * health checks everywhere, two gateway replicas behind the load balancer, every environment key a
 * component is given is one its code reads, every command an existing npm script. When the docker
 * compose plugin is installed, `docker compose config -q` validates the file as Docker reads it;
 * otherwise that test reports itself skipped by name.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: unknown };
  depends_on?: Record<string, { condition?: string }>;
  network_mode?: string;
  configs?: { source: string }[];
}
interface ComposeFile {
  services: Record<string, Service>;
  configs?: Record<string, { content?: string }>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string> });
const services = Object.entries(compose.services);
/** Keys Node.js itself reads: a component's code need not mention them. */
const NODE_KEYS = new Set(['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS']);

/** The npm script a service runs (`npm run <name>`), or undefined for third-party images. */
function scriptOf(service: Service): string | undefined {
  const cmd = service.command ?? [];
  return cmd[0] === 'npm' && cmd[1] === 'run' ? cmd[2] : undefined;
}

/** The TypeScript entry file of an npm script (`node --import tsx <file> ...`). */
function entryOf(script: string): string {
  const m = /node --import tsx (\S+\.ts)/.exec(scripts.scripts[script] ?? '');
  if (!m?.[1]) throw new Error(`npm script '${script}' does not run a TypeScript file`);
  return m[1];
}

/** Every repository file reachable from `entry` through relative imports. */
function sourcesOf(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [path.join(ROOT, entry)];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import|require)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const base = path.resolve(path.dirname(file), m[1]!);
      const found = [`${base}.ts`, path.join(base, 'index.ts'), base].find((f) => existsSync(f) && f.endsWith('.ts'));
      if (found) queue.push(found);
    }
  }
  return [...seen];
}

/** The keys of `keys` that no source file of `entry` mentions as an env key. */
function unreadKeys(entry: string, keys: readonly string[]): string[] {
  const text = sourcesOf(entry).map((f) => readFileSync(f, 'utf8')).join('\n');
  return keys.filter((k) => !NODE_KEYS.has(k) && !new RegExp(`['"\`.]${k}\\b`).test(text));
}

const appServices = services.filter(([, s]) => scriptOf(s) !== undefined);

describe('docker-compose.yml', () => {
  it('gives every service a health check', () => {
    const missing = services.filter(([, s]) => !s.healthcheck?.test).map(([name]) => name);
    expect(services.length).toBeGreaterThanOrEqual(10);
    expect(missing).toEqual([]);
  });

  it('runs Redis, the three sandboxes, the three subgraphs, the composer and two gateways from npm scripts', () => {
    const byScript = appServices.map(([, s]) => scriptOf(s)).sort();
    expect(byScript).toEqual(['compose', 'start:gateway', 'start:gateway', 'start:sandbox:salesforce', 'start:sandbox:sap', 'start:sandbox:teams',
      'start:subgraph:salesforce', 'start:subgraph:sap', 'start:subgraph:teams']);
    for (const script of byScript) expect(Object.keys(scripts.scripts)).toContain(script);
    expect(services.some(([, s]) => s.image?.startsWith('redis:'))).toBe(true);
    for (const [, s] of appServices) expect(s.build).toBe('.');
  });

  it('puts two gateway replicas behind the load balancer, with WebSocket upgrades, once both are healthy', () => {
    const gateways = appServices.filter(([, s]) => scriptOf(s) === 'start:gateway').map(([name]) => name);
    const [lbName, lb] = services.find(([, s]) => s.image?.startsWith('nginx')) ?? [];
    expect(lb).toBeDefined();
    const conf = compose.configs?.[lb!.configs?.[0]?.source ?? '']?.content ?? '';
    const upstreams = [...conf.matchAll(/^\s*server\s+([\w-]+):4000\b/gm)].map((m) => m[1]).sort();
    expect(upstreams).toEqual(gateways.sort());
    expect(gateways).toHaveLength(2);
    expect(conf).toMatch(/proxy_set_header Upgrade \$\$http_upgrade;/);
    expect(conf).toMatch(/proxy_set_header Connection \$\$connection_upgrade;/);
    for (const g of gateways) expect(lb!.depends_on?.[g]?.condition).toBe('service_healthy');
    expect(lbName).toBeDefined();
  });

  it('sets only environment keys that the component it configures actually reads', () => {
    const problems: string[] = [];
    for (const [name, s] of appServices) {
      const unread = unreadKeys(entryOf(scriptOf(s)!), Object.keys(s.environment ?? {}));
      if (unread.length) problems.push(`${name}: ${unread.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('catches a key no component reads (the check above can fail)', () => {
    expect(unreadKeys('gateway/server.ts', ['GATEWAY_PORT', 'GATEWAY_NO_SUCH_KEY', 'SAP_BASE_URL'])).toEqual(['GATEWAY_NO_SUCH_KEY', 'SAP_BASE_URL']);
  });

  it('waits on dependencies that exist, for health or successful completion', () => {
    for (const [, s] of services) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(Object.keys(compose.services)).toContain(dep);
        expect(['service_healthy', 'service_completed_successfully']).toContain(condition);
        const oneShot = scriptOf(compose.services[dep]!) === 'compose';
        expect(condition).toBe(oneShot ? 'service_completed_successfully' : 'service_healthy');
      }
    }
  });

  it('points the subgraphs the supergraph names at the compose services that run them', () => {
    const composer = appServices.find(([, s]) => scriptOf(s) === 'compose')![1];
    const hostOf = (key: string): string => new URL(composer.environment![key]!).host;
    const runs = (script: string): string => {
      const [name, s] = appServices.find(([, x]) => scriptOf(x) === script)!;
      // A service sharing another's network is reached by that service's name.
      return s.network_mode?.replace(/^service:/, '') ?? name;
    };
    expect(hostOf('SALESFORCE_SUBGRAPH_URL')).toBe(`${runs('start:subgraph:salesforce')}:4001`);
    expect(hostOf('SAP_SUBGRAPH_URL')).toBe(`${runs('start:subgraph:sap')}:4002`);
    expect(hostOf('TEAMS_SUBGRAPH_URL')).toBe(`${runs('start:subgraph:teams')}:4003`);
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = read('Dockerfile');

  it('builds one slim Node 20 image that runs as a non-root user without a baked-in health check', () => {
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).not.toMatch(/^HEALTHCHECK/m);
  });

  it('omits dev dependencies only because tsx, which runs every component, is a runtime dependency', () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(Object.keys(scripts.dependencies)).toContain('tsx');
  });

  it('keeps node_modules, var and .git out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'var', '.git', 'test/bench/peers/node_modules']));
  });
});

const hasCompose = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;

describe('docker compose', () => {
  (hasCompose ? it : it.skip)('validates with docker compose config (needs the docker compose plugin)', () => {
    const result = spawnSync('docker', ['compose', '-f', path.join(ROOT, 'docker-compose.yml'), 'config', '-q'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
