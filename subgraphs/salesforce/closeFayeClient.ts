/**
 * Ends a faye (jsforce streaming) client for good. `disconnect()` alone is not enough: it only acts
 * on a connected client and only stops the client once Salesforce answers it; a client that is
 * handshaking, or whose requests failed, keeps retrying every few seconds for ever. So after the
 * disconnect is answered (or `graceMs` passed, or at once when it was not connected) the client's
 * dispatcher is closed, after which faye sends nothing more. jsforce reaches into `_dispatcher` the
 * same way (to select the long-polling transport).
 */
import type { Client } from 'faye';

interface WithDispatcher {
  _dispatcher?: { close?: () => void };
}

/** Disconnects `client` politely, then closes its dispatcher; resolves when done. @default graceMs 2_000 */
export function closeFayeClient(client: Client, graceMs = 2_000): Promise<void> {
  let bye: PromiseLike<void> | undefined;
  try {
    bye = client.disconnect();
  } catch {
    bye = undefined;
  }
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      (client as unknown as WithDispatcher)._dispatcher?.close?.();
      resolve();
    };
    const timer = setTimeout(done, bye ? graceMs : 0);
    timer.unref();
    bye?.then(done, done);
  });
}
