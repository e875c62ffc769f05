/**
 * A bulkhead: at most `maxConcurrent` holders at a time, up to `maxQueue` more waiting in FIFO
 * order; beyond that `acquire` refuses at once. Used by `upstreamPolicy.ts`, one per system and
 * tenant, so one slow system (or tenant) cannot take every socket and every pending request.
 */

export interface BulkheadOptions {
  /** Holders at a time. @default 32 */
  maxConcurrent?: number;
  /** Callers waiting for a slot; more are refused. @default 256 */
  maxQueue?: number;
}

/** Why `acquire` failed: no room in the queue, or the caller's signal fired while it waited. */
export class BulkheadRejectedError extends Error {
  constructor(readonly reason: 'full' | 'aborted') {
    super(reason === 'full' ? 'bulkhead full' : 'gave up waiting for a bulkhead slot');
    this.name = 'BulkheadRejectedError';
  }
}

export interface Bulkhead {
  /** Resolves to a `release` function once a slot is free; rejects with `BulkheadRejectedError`. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Holders now and callers waiting. */
  stats(): { active: number; queued: number };
}

interface Waiter {
  grant: (release: () => void) => void;
  reject: (err: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export function createBulkhead(opts: BulkheadOptions = {}): Bulkhead {
  const maxConcurrent = opts.maxConcurrent ?? 32;
  const maxQueue = opts.maxQueue ?? 256;
  let active = 0;
  const queue: Waiter[] = [];

  function releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      if (next) {
        next.signal?.removeEventListener('abort', next.onAbort);
        next.grant(releaser());
      } else {
        active -= 1;
      }
    };
  }

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(new BulkheadRejectedError('aborted'));
      if (active < maxConcurrent) {
        active += 1;
        return Promise.resolve(releaser());
      }
      if (queue.length >= maxQueue) return Promise.reject(new BulkheadRejectedError('full'));
      return new Promise((grant, reject) => {
        const waiter: Waiter = {
          grant, reject, signal,
          onAbort: () => {
            const i = queue.indexOf(waiter);
            if (i >= 0) queue.splice(i, 1);
            reject(new BulkheadRejectedError('aborted'));
          },
        };
        signal?.addEventListener('abort', waiter.onAbort, { once: true });
        queue.push(waiter);
      });
    },
    stats: () => ({ active, queued: queue.length }),
  };
}
