/**
 * Child processes of the benchmark (the subgraph host and each gateway), pinned to one CPU core
 * with `taskset -c <core>` and started in their own process group so that stopping one stops
 * everything it forked. Processes still running when the bench exits are killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface BenchProcess {
  pid: number;
  /** The last few KB of its stdout and stderr (for error messages). */
  output(): string;
  /** Resolves with the first stdout line matching `pattern`; rejects if the process exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  exited(): boolean;
  /** SIGTERM to the group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  command: string[];
  env: Record<string, string>;
  cwd: string;
  /** The core to pin to, or null to leave scheduling alone. */
  core: number | null;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) if (child.pid) killGroup(child.pid, 'SIGKILL');
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** What a child printed: a bounded tail for messages, and complete stdout lines for waiters. */
function watchOutput(child: ChildProcess) {
  const state = { tail: '', partial: '', listeners: new Set<(line: string) => void>() };
  const keep = (d: Buffer): void => {
    state.tail = (state.tail + d.toString()).slice(-8192);
  };
  child.stdout?.on('data', (d: Buffer) => {
    keep(d);
    const lines = (state.partial + d.toString()).split('\n');
    state.partial = lines.pop() ?? '';
    for (const line of lines) for (const l of state.listeners) l(line);
  });
  child.stderr?.on('data', keep);
  return state;
}

/** Resolves true once the child exited, false after `ms`. */
function exitWithin(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.off('exit', done); resolve(false); }, ms);
    const done = (): void => { clearTimeout(timer); resolve(true); };
    child.once('exit', done);
  });
}

export function spawnBenchProcess(opts: SpawnOptions): BenchProcess {
  const argv = opts.core === null ? opts.command : ['taskset', '-c', String(opts.core), ...opts.command];
  const child = spawn(argv[0] ?? '', argv.slice(1), { cwd: opts.cwd, env: { ...process.env, ...opts.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const out = watchOutput(child);
  child.on('error', (err) => { out.tail += `\nspawn failed: ${err.message}`; });
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    pid: child.pid ?? -1,
    output: () => out.tail,
    exited,
    waitForLine: (pattern, timeoutMs) => new Promise((resolve, reject) => {
      const cleanup = (): void => { clearTimeout(timer); out.listeners.delete(onLine); child.off('exit', onExit); };
      const onLine = (line: string): void => {
        const m = pattern.exec(line);
        if (m) { cleanup(); resolve(m); }
      };
      const onExit = (): void => { cleanup(); reject(new Error(`process exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${out.tail}`)); };
      const timer = setTimeout(() => { cleanup(); reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${out.tail}`)); }, timeoutMs);
      out.listeners.add(onLine);
      child.once('exit', onExit);
      if (exited()) onExit();
    }),
    stop: async (graceMs = 10_000) => {
      if (exited() || !child.pid) return;
      killGroup(child.pid, 'SIGTERM');
      if (await exitWithin(child, graceMs)) return;
      killGroup(child.pid, 'SIGKILL');
      await exitWithin(child, 5_000);
    },
  };
}
