import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import tls from 'node:tls';
import net from 'node:net';
import path from 'node:path';
import { SAMPLE_QUERY } from '../../../gateway/sampleQuery';

const root = path.resolve(__dirname, '../../..');

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<net.Server>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

const refused = (port: number): Promise<boolean> => new Promise((resolve) => {
  const socket = net.connect(port, '127.0.0.1');
  socket.once('connect', () => { socket.destroy(); resolve(false); });
  socket.once('error', () => resolve(true));
});

describe('npm start', () => {
  it('starts sandboxes, subgraphs and gateway, serves the sample query, and stops everything on Ctrl-C', async () => {
    const [gw, sf, sap, teams, sfs, saps, gs] = await freePorts(7) as [number, number, number, number, number, number, number];
    const supergraphPath = path.join(root, 'var', `supergraph-start-test-${process.pid}.graphql`);
    // Like machines that trust a corporate or system bundle through NODE_EXTRA_CA_CERTS: the launcher
    // must add the Graph sandbox's certificate to it, not give up on either.
    const callerCas = path.join(tmpdir(), `lumina-callers-cas-${process.pid}.pem`);
    writeFileSync(callerCas, tls.rootCertificates[0] ?? '');
    // The same command `npm start` runs.
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'gateway/devStack.ts'], {
      cwd: root,
      env: {
        ...process.env, LOG_LEVEL: 'warn', NODE_EXTRA_CA_CERTS: callerCas,
        GATEWAY_PORT: String(gw), SALESFORCE_SUBGRAPH_PORT: String(sf), SAP_SUBGRAPH_PORT: String(sap), TEAMS_SUBGRAPH_PORT: String(teams),
        SALESFORCE_SANDBOX_PORT: String(sfs), SAP_SANDBOX_PORT: String(saps), GRAPH_SANDBOX_PORT: String(gs),
        SUPERGRAPH_PATH: supergraphPath,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('Ctrl-C stops everything')) resolve(); });
        child.stderr?.on('data', (c: Buffer) => { out += c.toString(); });
        void exited.then((code) => reject(new Error(`npm start exited ${code}: ${out}`)));
      });
      expect(out).toContain(`Lumina Enterprise Graph is up: http://localhost:${gw}/graphql`);
      expect(out).toContain('contactByEmail');

      expect(out).toContain('var/dev-token');
      const token = readFileSync(path.join(root, 'var', 'dev-token'), 'utf8').trim();
      const anonymous = await fetch(`http://127.0.0.1:${gw}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: SAMPLE_QUERY }) });
      expect(anonymous.status).toBe(401);
      const res = await fetch(`http://127.0.0.1:${gw}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: SAMPLE_QUERY }) });
      const body = (await res.json()) as { data?: { contactByEmail: { name: string; salesOrders: { nodes: unknown[] }; messages: { nodes: unknown[] } } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data?.contactByEmail.name).toBe('William Sato');
      expect(body.data?.contactByEmail.salesOrders.nodes.length).toBeGreaterThan(0);
      expect(body.data?.contactByEmail.messages.nodes.length).toBeGreaterThan(0);
      expect(out).not.toMatch(/"level":(40|50|60)/);
      expect((await fetch(`http://127.0.0.1:${gw}/health`)).status).toBe(200);
      // A subgraph probe may time out on a loaded machine: ask again (readiness answers from a 2 s cache).
      let ready: unknown;
      for (let i = 0; i < 10; i++) {
        ready = await (await fetch(`http://127.0.0.1:${gw}/ready`)).json();
        if ((ready as { status?: string }).status === 'ready') break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(ready).toEqual({ status: 'ready', supergraph: true, subgraphs: { salesforce: 'up', sap: 'up', teams: 'up' } });
      expect(await (await fetch(`http://127.0.0.1:${gw}/metrics`)).text()).toMatch(/lumina_gateway_graphql_operations_total\{operation="ContactOverview",type="query",outcome="success"\} 1/);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      for (const port of [gw, sf, sap, teams, sfs, saps, gs]) expect(await refused(port)).toBe(true);
    } finally {
      // On a failure, stop the launcher the polite way so it takes its children down with it.
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(supergraphPath, { force: true });
      rmSync(callerCas, { force: true });
    }
  }, 120_000);
});
