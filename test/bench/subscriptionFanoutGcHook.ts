/**
 * Preloaded (`node --import tsx --expose-gc --import ./test/bench/subscriptionFanoutGcHook.ts ...`) into the
 * fan-out benchmark's server processes, the gateway and the raw server, so memory is read after
 * a full collection rather than at whatever point the GC happens to be: on SIGUSR2 it collects
 * garbage twice and appends `process.memoryUsage()` as one JSON line to FANOUT_MEMORY_FILE.
 * Nothing else in the process changes.
 */
import { appendFileSync } from 'node:fs';

const file = process.env.FANOUT_MEMORY_FILE;
const collect = (globalThis as { gc?: () => void }).gc;
if (file) {
  process.on('SIGUSR2', () => {
    collect?.();
    collect?.();
    appendFileSync(file, `${JSON.stringify({ gc: Boolean(collect), ...process.memoryUsage() })}\n`);
  });
}
