import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

function launch(args: string[], env: Record<string, string>): { child: ChildProcess; ready: Promise<string> } {
  // The same command the npm scripts run: one Node process with tsx as a loader, so signals reach it.
  const child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/sandboxes.ts', ...args], {
    cwd: root, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Admin endpoints')) resolve(out);
    });
    child.stderr?.on('data', (c: Buffer) => { out += c.toString(); });
    child.on('exit', (code) => reject(new Error(`launcher exited ${code}: ${out}`)));
  });
  return { child, ready };
}

const exitCode = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => child.on('exit', (code) => resolve(code)));

describe('npm run start:sandboxes', () => {
  it('starts all three sandboxes, prints their URLs, and stops cleanly on SIGINT', async () => {
    const { child, ready } = launch([], { SALESFORCE_SANDBOX_PORT: '0', SAP_SANDBOX_PORT: '0', GRAPH_SANDBOX_PORT: '0' });
    const out = await ready;
    const urls = Object.fromEntries([...out.matchAll(/^\s+(salesforce|sap|teams)\s+(\S+)$/gm)].map((m) => [m[1], m[2]]));
    expect(Object.keys(urls).sort()).toEqual(['salesforce', 'sap', 'teams']);
    expect(urls.teams).toMatch(/^https:\/\/localhost:\d+$/);
    for (const [system, url] of Object.entries(urls)) {
      const health = await fetch(`${url}/__admin/health`).then((r) => r.json());
      expect(health).toEqual({ status: 'ok', system });
    }
    const exited = exitCode(child);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('starts one sandbox by name', async () => {
    const { child, ready } = launch(['sap'], { SAP_SANDBOX_PORT: '0' });
    const out = await ready;
    expect(out).toMatch(/sap\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(out).not.toMatch(/salesforce\s+http/);
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a bad port naming the variable, and an unknown sandbox name', async () => {
    const bad = launch(['sap'], { SAP_SANDBOX_PORT: 'not-a-port', LOG_LEVEL: 'fatal' });
    await expect(bad.ready).rejects.toThrow(/SAP_SANDBOX_PORT must be a TCP port/);
    const unknown = launch(['oracle'], { LOG_LEVEL: 'fatal' });
    await expect(unknown.ready).rejects.toThrow(/unknown sandbox 'oracle'/);
  });
});
