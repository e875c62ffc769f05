/**
 * What a sandbox (or any HTTP server of a test) receives while `run` runs: `pick` turns each
 * incoming request into a value to keep, or `undefined` to skip it. Tests use it to assert what
 * reached a system (queries sent, headers carried), not only how many requests did.
 */
import type { IncomingMessage, Server } from 'node:http';

export async function requestsDuring<T>(server: Server, run: () => Promise<unknown>, pick: (req: IncomingMessage) => T | undefined): Promise<T[]> {
  const seen: T[] = [];
  const listener = (req: IncomingMessage): void => {
    const v = pick(req);
    if (v !== undefined) seen.push(v);
  };
  server.on('request', listener);
  try {
    await run();
  } finally {
    server.off('request', listener);
  }
  return seen;
}
