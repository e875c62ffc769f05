/**
 * The SAP subgraph as a process and as a federation subgraph: readiness line, health, `_service`
 * SDL, clean shutdown on SIGTERM, and fail-fast configuration errors.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import { startSapSandbox, type SapSandbox } from '../../../subgraphs/sap/sandbox/sapSandbox';
import { startSapSubgraph } from '../../../subgraphs/sap/server';
import { CONTEXT_ENV, contextHeaders } from '../signedContext';

const ROOT = join(__dirname, '..', '..', '..');

function run(env: Record<string, string>): { child: ChildProcess; stdout: Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/sap/server.ts'], {
    cwd: ROOT, env: { ...process.env, ...CONTEXT_ENV, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const stdout = new Promise<string>((resolve) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('\n')) resolve(out);
    });
    child.on('exit', () => resolve(out));
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout, exit };
}

describe('SAP subgraph process', () => {
  let sandbox: SapSandbox;
  beforeAll(async () => {
    sandbox = await startSapSandbox({ port: 0, logger: pino({ level: 'silent' }), size: { people: 20, accounts: 5, orders: 50 } });
  });
  afterAll(() => sandbox.close());

  it('announces readiness on stdout, serves queries, and exits 0 on SIGTERM', async () => {
    const proc = run({ SAP_SUBGRAPH_PORT: '0', SAP_BASE_URL: sandbox.url });
    try {
      const line = await proc.stdout;
      const url = /^sap subgraph ready at (http:\/\/127\.0\.0\.1:\d+\/graphql)\n$/.exec(line)?.[1];
      expect(url).toBeDefined();
      const res = await fetch(url as string, { method: 'POST', headers: { 'content-type': 'application/json', ...contextHeaders() }, body: JSON.stringify({ query: '{ salesOrder(id: "1") { id } }' }) });
      expect(await res.json()).toEqual({ data: { salesOrder: { id: '1' } }, extensions: { cacheTags: ['SalesOrder:1'] } });
      proc.child.kill('SIGTERM');
      expect(await proc.exit).toBe(0);
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    }
  });

  it('fails fast with the bad key named when the configuration is wrong', async () => {
    const proc = run({ SAP_SUBGRAPH_PORT: '0', SAP_CLIENT: 'abc', LOG_LEVEL: 'fatal' });
    expect(await proc.exit).not.toBe(0);
    expect(await proc.stdout).toContain('SAP_CLIENT must be a three-digit SAP client');
  });
});

describe('SAP subgraph server', () => {
  it('serves its federation SDL and a health check', async () => {
    const server = await startSapSubgraph({ port: 0, logger: pino({ level: 'silent' }), env: { ...CONTEXT_ENV } });
    try {
      const sdl = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...contextHeaders() }, body: JSON.stringify({ query: '{ _service { sdl } }' }) });
      const text = ((await sdl.json()) as { data: { _service: { sdl: string } } }).data._service.sdl;
      expect(text).toMatch(/type SalesOrder\s+@key\(fields: "id"\)/);
      expect(text).toMatch(/type Contact\s+@key\(fields: "email"\)/);
      const health = await fetch(server.url.replace(/\/graphql$/, '/health'));
      expect(health.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
