/**
 * The Graph change-notification webhooks (kit `routes`): `POST /events/graph` and
 * `POST /events/graph-lifecycle`.
 *
 * - **Handshake.** A POST with `?validationToken=…` is answered 200 `text/plain` with the
 *   URL-decoded token (both paths), as Graph requires within 10 s.
 * - **Notifications.** Body over the limit → 413; not JSON or not the documented shape
 *   (`changeNotification.ts`) → 400; nothing is published for either.
 *   With rich notifications on, every `validationTokens` JWT must verify (`validationTokens.ts`)
 *   or the whole POST is dropped (a JWKS that cannot be fetched → 503, so Graph redelivers).
 *   Then each item on its own: its `clientState` must equal ours (constant-time), and an item with
 *   `encryptedContent` must decrypt with a matching `dataSignature` (`notificationCrypto.ts`);
 *   failing items are dropped and logged, never published. Items about replies or other resources
 *   are acknowledged and ignored. The rest become `MessagePosted` envelopes (`messageEvent.ts`),
 *   appended in order through the event pipeline; the answer is 202 only after every append, and
 *   503 when one fails (Graph redelivers; the log drops what it already has).
 * - **Forged requests get 202 too.** Graph only needs a 2xx; a refusal status would tell a forger
 *   which guess failed and would make a genuine-but-unverifiable delivery (an old clientState
 *   after a restart) retry for hours. Verification failures are logged at warn and counted in `stats()`.
 * - **Lifecycle.** Items whose clientState matches (and whose tokens verify, when present and rich
 *   notifications are on) go to `onLifecycle` in the background; the answer is 202 at once.
 */
import type http from 'node:http';
import type { Logger } from 'pino';
import type { EntityEvent } from '../../schema/eventEnvelope';
import { constantTimeEqual } from '../kit/constantTimeEqual';
import { readBody, sendJson } from '../kit/graphqlHttp';
import type { SubgraphRoute } from '../kit/subgraphServer';
import {
  parseChangeNotifications, parseLifecycleNotifications, type ChangeNotificationItem, type LifecycleItem, type NotificationBatch, type Parsed,
} from './changeNotification';
import { GRAPH_LIFECYCLE_PATH, GRAPH_NOTIFICATION_PATH } from './eventsConfig';
import type { MessageKey } from './messageId';
import { parseMessageResource, toMessageEvent } from './messageEvent';
import { decryptResourceData, type NotificationKeys } from './notificationCrypto';
import { channelTag } from './teamsCacheTags';
import type { ValidationTokenVerifier } from './validationTokens';

export interface GraphWebhookOptions {
  /** The secret our subscriptions carry. */
  clientState: string;
  /** Tenant of the published events. */
  tenant: string;
  /** Rich notifications: token verification and our decryption key; null = basic notifications only. */
  rich: { verifier: ValidationTokenVerifier; keys: NotificationKeys } | null;
  /** Appends (and invalidates); rejects when the event log cannot store the event. */
  publish(event: EntityEvent, extraTags: string[]): Promise<unknown>;
  /** A verified, decrypted root message (for the message index's write-through). */
  onMessage?: (resource: Record<string, unknown>, key: MessageKey) => void;
  /** A verified lifecycle notification; runs in the background (errors are logged). */
  onLifecycle(item: LifecycleItem): Promise<void>;
  logger: Logger;
  /** @default 4_194_304 (4 MiB: rich notifications carry whole messages) */
  maxBodyBytes?: number;
}

export interface WebhookStats {
  published: number;
  /** Items dropped for a wrong clientState, a bad token or bad encrypted content. */
  refused: number;
  /** Verified items that name no root channel message (replies, other resources). */
  ignored: number;
  lifecycle: number;
}

export interface GraphWebhook {
  routes: SubgraphRoute[];
  stats(): WebhookStats;
}

const MAX_VALIDATION_TOKEN = 2048;

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function accepted(res: http.ServerResponse): void {
  res.writeHead(202, { 'content-length': 0, 'cache-control': 'no-store' });
  res.end();
}

/** Answers the handshake when the request is one; returns whether it was. */
function handshake(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const token = new URL(req.url ?? '/', 'http://webhook').searchParams.get('validationToken');
  if (token === null) return false;
  req.resume();
  if (token.length === 0 || token.length > MAX_VALIDATION_TOKEN) sendJson(res, 400, { error: 'validationToken must be 1..2048 characters' });
  else sendText(res, 200, token);
  return true;
}

/** Reads and parses the body; answers 413/400 itself and returns null then. */
async function readBatch<T>(req: http.IncomingMessage, res: http.ServerResponse, limit: number, parse: (raw: unknown) => Parsed<T>): Promise<NotificationBatch<T> | null> {
  const text = await readBody(req, limit);
  if (text === null) {
    sendJson(res, 413, { error: `body over ${limit} bytes` });
    return null;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    sendJson(res, 400, { error: 'the body is not JSON' });
    return null;
  }
  const parsed = parse(raw);
  if (!parsed.ok) {
    sendJson(res, 400, { error: parsed.reason });
    return null;
  }
  return parsed.batch;
}

export function createGraphWebhook(opts: GraphWebhookOptions): GraphWebhook {
  const log = opts.logger;
  const limit = opts.maxBodyBytes ?? 4 * 1024 * 1024;
  const stats: WebhookStats = { published: 0, refused: 0, ignored: 0, lifecycle: 0 };
  const ours = (clientState: string | null): boolean => clientState !== null && constantTimeEqual(clientState, opts.clientState);

  /** The event of one item, or null when it is refused or ignored (counted and logged). */
  function eventOf(item: ChangeNotificationItem, receivedAt: string): EntityEvent | null {
    const refuse = (reason: string): null => {
      stats.refused += 1;
      log.warn({ subscriptionId: item.subscriptionId.slice(0, 128), reason }, 'graph notification item refused; not published');
      return null;
    };
    if (!ours(item.clientState)) return refuse('clientState does not match');
    const key = parseMessageResource(item.resource);
    let resource: Record<string, unknown> | null = null;
    if (opts.rich && item.encryptedContent) {
      const decrypted = decryptResourceData(item.encryptedContent, opts.rich.keys);
      if (!decrypted.ok) return refuse(decrypted.reason);
      resource = decrypted.resource;
    }
    if (!key || key.replyId !== null) {
      stats.ignored += 1;
      log.debug({ subscriptionId: item.subscriptionId, reply: key !== null }, 'graph notification ignored: not a root channel message');
      return null;
    }
    if (resource && item.changeType !== 'deleted') opts.onMessage?.(resource, key);
    return toMessageEvent({ changeType: item.changeType, key, tenant: opts.tenant, resource, receivedAt });
  }

  /** With rich notifications on, the tokens must verify; answers (and returns false) when they do not. */
  async function tokensOk(batch: NotificationBatch<unknown>, res: http.ServerResponse, required: boolean): Promise<boolean> {
    if (!opts.rich || (!required && batch.validationTokens.length === 0)) return true;
    const verdict = await opts.rich.verifier.verifyAll(batch.validationTokens);
    if (verdict.ok) return true;
    if (verdict.unavailable) {
      log.error({ reason: verdict.reason }, 'graph notification: validation keys unavailable; asking Graph to redeliver');
      sendJson(res, 503, { error: 'temporarily unable to verify the notification' }, { 'retry-after': '30' });
      return false;
    }
    stats.refused += batch.items.length;
    log.warn({ reason: verdict.reason, items: batch.items.length }, 'graph notification refused: validationTokens do not verify; not published');
    accepted(res);
    return false;
  }

  async function notifications(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (handshake(req, res)) return;
    const batch = await readBatch(req, res, limit, parseChangeNotifications);
    if (!batch || !(await tokensOk(batch, res, true))) return;
    const receivedAt = new Date().toISOString();
    const events = batch.items.map((item) => eventOf(item, receivedAt)).filter((e): e is EntityEvent => e !== null);
    try {
      for (const event of events) {
        await opts.publish(event, event.changeType === 'UPDATED' ? [] : [channelTag(event.attributes?.channelId ?? '')]);
        stats.published += 1;
      }
    } catch (err) {
      log.error({ err }, 'graph notification: the event log refused an append; asking Graph to redeliver');
      sendJson(res, 503, { error: 'the notification could not be stored' }, { 'retry-after': '5' });
      return;
    }
    accepted(res);
  }

  async function lifecycle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (handshake(req, res)) return;
    const batch = await readBatch(req, res, limit, parseLifecycleNotifications);
    if (!batch || !(await tokensOk(batch, res, false))) return;
    for (const item of batch.items) {
      if (!ours(item.clientState)) {
        stats.refused += 1;
        log.warn({ subscriptionId: item.subscriptionId.slice(0, 128) }, 'graph lifecycle notification refused: clientState does not match');
        continue;
      }
      stats.lifecycle += 1;
      opts.onLifecycle(item).catch((err: unknown) => log.error({ err, subscriptionId: item.subscriptionId }, 'graph lifecycle handling failed'));
    }
    accepted(res);
  }

  return {
    routes: [
      { method: 'POST', path: GRAPH_NOTIFICATION_PATH, handle: notifications },
      { method: 'POST', path: GRAPH_LIFECYCLE_PATH, handle: lifecycle },
    ],
    stats: () => ({ ...stats }),
  };
}
