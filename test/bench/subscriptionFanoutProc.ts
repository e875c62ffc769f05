/**
 * Process readings of the fan-out benchmark: a server process's memory right after a full GC
 * (through `subscriptionFanoutGcHook.ts`; `rss` is the current resident set, the `VmRSS` of
 * `/proc/<pid>/status`, unlike the peak `VmHWM` of `procStats.ts`) and this process's open-files
 * limit from `/proc/self/limits`.
 */
import { readFileSync, readdirSync } from 'node:fs';

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * CPU seconds `pid` has run so far, summed over its live threads from `/proc/<pid>/task/<tid>/schedstat`
 * (nanoseconds, unlike the 10 ms ticks of `/proc/<pid>/stat`); 0 when it is gone.
 */
export function cpuSecondsPrecise(pid: number): number {
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  return tasks.reduce((sum, t) => sum + Number(read(`/proc/${pid}/task/${t}/schedstat`).split(' ')[0] || 0), 0) / 1e9;
}

/** Soft and hard `Max open files` of this process (children inherit it), or null if unknown. */
export function openFilesLimit(): { soft: number; hard: number } | null {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(read('/proc/self/limits'));
  if (!m) return null;
  const num = (s: string | undefined): number => (s === 'unlimited' ? Infinity : Number(s));
  return { soft: num(m[1]), hard: num(m[2]) };
}

export interface MemorySnapshot {
  /** Whether a full GC ran first (the process was started with `--expose-gc`). */
  gc: boolean;
  rss: number;
  heapUsed: number;
  external: number;
}

/** Node flags (after `--import tsx`, which loads the TypeScript hook) that load `subscriptionFanoutGcHook.ts` into a server process. */
export const GC_HOOK_ARGS = ['--expose-gc', '--import', './test/bench/subscriptionFanoutGcHook.ts'];

/**
 * Memory of `pid` right after a full GC: sends SIGUSR2 to a process running the GC hook with
 * FANOUT_MEMORY_FILE=`file` and waits for the line it appends.
 */
export async function memoryAfterGc(pid: number, file: string, timeoutMs = 15_000): Promise<MemorySnapshot> {
  const lines = (): string[] => read(file).split('\n').filter(Boolean);
  const before = lines().length;
  process.kill(pid, 'SIGUSR2');
  for (const t0 = Date.now(); Date.now() - t0 < timeoutMs;) {
    const all = lines();
    if (all.length > before) return JSON.parse(all[all.length - 1] ?? '{}') as MemorySnapshot;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`process ${pid} wrote no memory snapshot to ${file} within ${timeoutMs} ms`);
}
