/**
 * Streaming API helpers for the sandbox tests: subscribe unmodified jsforce (`conn.streaming`,
 * faye) with the Replay extension and collect what arrives, and raw Bayeux POSTs for protocol tests.
 */
import type { Client, ClientExtension, Subscription } from 'faye';
import type { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/api/streaming';
import { closeFayeClient } from '../../../subgraphs/salesforce/closeFayeClient';
import type { ChangeEventData } from '../../../subgraphs/salesforce/sandbox/changeEvents';
import type { SalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { admin } from './sandboxHelpers';

export const CONTACT_CHANNEL = '/data/ContactChangeEvent';

export interface Listener {
  client: Client;
  subscription: Subscription;
  received: ChangeEventData[];
  /** Resolves once `done(received)` holds (checked on every event). */
  until(done: (received: ChangeEventData[]) => boolean): Promise<ChangeEventData[]>;
  close(): Promise<void>;
}

/** Subscribes a new jsforce streaming client to `channel` from `replayFrom` (-1, -2 or a replay id). */
export function listen(conn: Connection, replayFrom: number, channel = CONTACT_CHANNEL, extra: ClientExtension[] = []): Listener {
  const client = conn.streaming.createClient([...extra, new StreamingExtension.Replay(channel, replayFrom)]);
  const received: ChangeEventData[] = [];
  const waiters: Array<() => void> = [];
  const subscription = client.subscribe(channel, (data: unknown) => {
    received.push(data as ChangeEventData);
    for (const w of waiters.splice(0)) w();
  });
  return {
    client,
    subscription,
    received,
    async until(done) {
      while (!done(received)) await new Promise<void>((resolve) => waiters.push(resolve));
      return received;
    },
    close: () => closeFayeClient(client),
  };
}

/** Emits a marker event through the admin endpoint; returns its replay id. */
export async function emitMarker(sb: SalesforceSandbox, recordId: string): Promise<number> {
  const res = (await admin(sb, 'POST', 'events', { changeType: 'UPDATE', recordIds: [recordId], changedFields: ['Description'], fields: { Description: 'marker' } })) as { replayId: number };
  return res.replayId;
}

export const replayIds = (events: ChangeEventData[]): number[] => events.map((e) => e.event.replayId);

export interface BayeuxReply {
  channel: string;
  successful?: boolean;
  error?: string;
  clientId?: string;
  advice?: Record<string, unknown>;
  ext?: Record<string, unknown>;
  data?: unknown;
}

/** POSTs Bayeux messages to `/cometd/59.0` with an `OAuth` header (none when token is null). */
export async function bayeux(sb: SalesforceSandbox, token: string | null, messages: unknown, path = '/cometd/59.0'): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${sb.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `OAuth ${token}` } : {}) },
    body: typeof messages === 'string' ? messages : JSON.stringify(messages),
  });
  const text = await res.text();
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* keep the text */ }
  return { status: res.status, body };
}

/** A raw handshake; returns the client id. */
export async function handshake(sb: SalesforceSandbox, token: string): Promise<string> {
  const { body } = await bayeux(sb, token, [{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'] }]);
  const reply = (body as BayeuxReply[])[0];
  if (!reply?.successful || !reply.clientId) throw new Error(`handshake failed: ${JSON.stringify(body)}`);
  return reply.clientId;
}
