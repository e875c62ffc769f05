/**
 * Linux `/proc` readings for the gateway benchmark: a process tree's peak resident memory
 * (`VmHWM`, summed over the process and its descendants, so a gateway that forks workers is
 * counted whole), its CPU time, and per-core busy time (to tell whether the load generator's core
 * was saturated, which would make a result harness-bound).
 */
import { readFileSync, readdirSync } from 'node:fs';

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** `pid` and all its live descendants. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number): void => {
    out.push(p);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      const children = read(`/proc/${p}/task/${t}/children`) ?? '';
      for (const c of children.split(/\s+/).filter(Boolean)) walk(Number(c));
    }
  };
  walk(pid);
  return out;
}

function statusKb(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) : 0;
}

/** Peak resident set size of the process tree in bytes (sum of each process's VmHWM). */
export function peakRssBytes(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + statusKb(p, 'VmHWM') * 1024, 0);
}

/** Whether any process of the tree has a mapped file whose path contains `needle`. */
export function treeMaps(pid: number, needle: string): boolean {
  return processTree(pid).some((p) => (read(`/proc/${p}/maps`) ?? '').includes(needle));
}

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds consumed so far by the process tree (live processes only). */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const stat = read(`/proc/${p}/stat`);
    if (!stat) continue;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return ticks / TICKS_PER_SECOND;
}

export interface CoreTimes {
  busy: number;
  total: number;
}

/** Busy and total jiffies per core from `/proc/stat` (`cpu0`, `cpu1` ...). */
export function coreTimes(): CoreTimes[] {
  const out: CoreTimes[] = [];
  for (const line of (read('/proc/stat') ?? '').split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const v = (m[2] ?? '').split(/\s+/).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    out[Number(m[1])] = { busy: total - idle, total };
  }
  return out;
}

/** Busy share (0..1) of each core between two `coreTimes()` readings. */
export function coreBusy(before: CoreTimes[], after: CoreTimes[]): number[] {
  return after.map((a, i) => {
    const b = before[i];
    if (!b || a.total === b.total) return 0;
    return (a.busy - b.busy) / (a.total - b.total);
  });
}
