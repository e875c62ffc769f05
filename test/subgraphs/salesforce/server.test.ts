/**
 * `node --import tsx subgraphs/salesforce/server.ts` (npm run start:subgraph:salesforce): announces
 * readiness with its URL, serves queries against the configured Salesforce, stops cleanly on
 * SIGTERM, and refuses to start on a bad configuration naming the key.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pino from 'pino';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { CONTEXT_ENV, contextHeaders } from '../signedContext';

const root = path.resolve(__dirname, '../../..');

function launch(env: Record<string, string>): { child: ChildProcess; ready: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/salesforce/server.ts'], {
    cwd: root, env: { ...process.env, ...CONTEXT_ENV, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /salesforce subgraph ready at (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.stderr?.on('data', (c: Buffer) => { out += c.toString(); });
    child.on('exit', (code) => reject(new Error(`subgraph exited ${code}: ${out}`)));
  });
  return { child, ready };
}

const exitCode = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => child.on('exit', (code) => resolve(code)));

describe('salesforce subgraph process', () => {
  let sandbox: SalesforceSandbox;
  beforeAll(async () => { sandbox = await startSalesforceSandbox({ port: 0, logger: pino({ level: 'silent' }), size: { accounts: 2, people: 4 } }); });
  afterAll(() => sandbox.close());

  it('prints its URL when ready, answers queries and exits 0 on SIGTERM', async () => {
    const { child, ready } = launch({ SALESFORCE_SUBGRAPH_PORT: '0', SALESFORCE_LOGIN_URL: sandbox.url });
    const url = await ready;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...contextHeaders() }, body: JSON.stringify({ query: '{ contacts(first: 1) { totalCount } }' }) });
    expect(await res.json()).toEqual({ data: { contacts: { totalCount: 4 } } });
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses to start with a bad setting, naming the key', async () => {
    const { ready } = launch({ SALESFORCE_SUBGRAPH_PORT: '0', SALESFORCE_AUTH_FLOW: 'saml', LOG_LEVEL: 'fatal' });
    await expect(ready).rejects.toThrow(/SALESFORCE_AUTH_FLOW must be one of/);
  });
});
