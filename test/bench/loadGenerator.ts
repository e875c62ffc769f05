/**
 * Closed-loop HTTP load with autocannon (installed in `test/bench/peers`, never a product
 * dependency): N keep-alive connections each sending the next POST as soon as the previous answer
 * arrived, for a fixed duration. Autocannon is chosen because it runs in-process on Node (no
 * extra binary to download), keeps HDR histograms for latency percentiles and counts non-2xx and
 * socket errors, which the bench treats as failures.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface LoadOptions {
  url: string;
  body: string;
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  /** Responses received within the window. */
  requests: number;
  /** Requests sent, including those still in flight when the window closed. */
  sent: number;
  durationSeconds: number;
  rps: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  /** Mean response size in bytes (headers included), a cheap check that bodies stayed full size. */
  bytesPerResponse: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

interface AutocannonResult {
  requests: { total: number; sent: number };
  latency: { p50: number; p99: number; average: number };
  throughput: { total: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, result: AutocannonResult) => void) => unknown;

/** Loads autocannon from `test/bench/peers/node_modules`; throws with a hint when it is missing. */
export function loadAutocannon(peersDir: string): Autocannon {
  try {
    return createRequire(join(peersDir, 'package.json'))('autocannon') as Autocannon;
  } catch (err) {
    throw new Error(`autocannon is not installed in ${peersDir}: run \`npm run bench:peers\` (${String(err)})`);
  }
}

export function runLoad(autocannon: Autocannon, opts: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    autocannon({
      url: opts.url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: opts.body,
      connections: opts.connections,
      pipelining: 1,
      duration: opts.durationSeconds,
      timeout: 30,
    }, (err, r) => {
      if (err) return reject(err);
      const requests = r.requests.total;
      resolve({
        requests,
        sent: r.requests.sent,
        durationSeconds: r.duration,
        rps: r.duration > 0 ? requests / r.duration : 0,
        latencyP50Ms: r.latency.p50,
        latencyP99Ms: r.latency.p99,
        latencyMeanMs: r.latency.average,
        bytesPerResponse: requests > 0 ? r.throughput.total / requests : 0,
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
      });
    });
  });
}
