/**
 * `node --import tsx subgraphs/teams/server.ts` as a process: announces its URL on stdout once
 * listening, serves /health and GraphQL, and exits 0 on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { startGraphSandbox, type GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';
import { silent } from './teamsHarness';
import { CONTEXT_ENV, contextHeaders } from '../signedContext';

const ROOT = path.resolve(__dirname, '../../..');

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = pattern.exec(out);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing ${pattern}: ${out}`)));
  });
}

describe('teams subgraph launcher', () => {
  let sb: GraphSandbox;
  beforeAll(async () => { sb = await startGraphSandbox({ port: 0, logger: silent, size: { accounts: 20, people: 200, teams: 2, channels: 4, messages: 100 } }); });
  afterAll(async () => { await sb.close(); });

  it('announces readiness on stdout, answers queries, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/teams/server.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...CONTEXT_ENV, LOG_LEVEL: 'silent', TEAMS_SUBGRAPH_PORT: '0', GRAPH_AUTHORITY_HOST: sb.url, GRAPH_BASE_URL: sb.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [, url] = await waitForLine(child, /teams subgraph ready at (http:\/\/\S+)\n/);
      const health = await fetch(new URL('/health', url));
      expect(await health.json()).toEqual({ status: 'ok', system: 'teams' });
      const res = await fetch(url as string, { method: 'POST', headers: { 'content-type': 'application/json', ...contextHeaders() }, body: JSON.stringify({ query: '{ teams { id } }' }) });
      expect(((await res.json()) as { data: { teams: unknown[] } }).data.teams).toHaveLength(2);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
