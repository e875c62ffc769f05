/**
 * Delivery of change and lifecycle notifications to subscribers, in the background, as Graph does:
 *
 * - A message change notifies every live subscription that watches its channel for that change
 *   type and is not waiting for reauthorization. Items going to the same `notificationUrl` share
 *   one POST `{"value":[...]}`; `validationTokens` (one per application) ride along when an item
 *   belongs to a subscription with `includeResourceData`, and such items carry `encryptedContent`
 *   (not for `deleted`: the resource is gone).
 * - Item: `subscriptionId`, `subscriptionExpirationDateTime`, `changeType`, `clientState` (when the
 *   subscription has one), `tenantId`, `resource` = `teams('{team}')/channels('{channel}')/messages('{id}')`
 *   (a reply: `.../messages('{root}')/replies('{id}')`), `resourceData` `{id, @odata.type, @odata.id}`.
 * - Lifecycle notifications go to the subscription's `lifecycleNotificationUrl` (none without one):
 *   `{"value":[{subscriptionId, subscriptionExpirationDateTime, tenantId, clientState, lifecycleEvent}]}`.
 * - A POST that fails (non-2xx, network error, slower than `notificationTimeoutMs`) is retried up
 *   to `notificationAttempts` attempts in all, waiting `notificationRetryBaseMs` doubled each time.
 *   Real Graph keeps retrying for up to four hours; the sandbox's bound is a setting.
 *
 * Every attempt is recorded (`deliveries()`, `GET /__admin/notifications`); `idle()` resolves once
 * nothing is being delivered or waiting for a retry, so tests wait on it instead of the clock.
 */
import type { Logger } from 'pino';
import type { AccessTokenService } from './accessTokens';
import type { ChatMessage } from './graphStore';
import { encryptResourceData, validationTokenClaims } from './richNotification';
import type { GraphSettings } from './sandboxSettings';
import type { ChangeKind, StoredSubscription, SubscriptionStore } from './subscriptionStore';
import { postJson } from './webhookClient';

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';
export const LIFECYCLE_EVENTS: readonly LifecycleEvent[] = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'];

export interface MessageChange {
  teamId: string;
  channelId: string;
  message: ChatMessage;
  changeType: ChangeKind;
}

export interface DeliveryRecord {
  kind: 'notification' | 'lifecycle';
  url: string;
  subscriptionIds: string[];
  attempt: number;
  ok: boolean;
  /** The subscriber's HTTP status, null when there was none (network error, timeout). */
  status: number | null;
  error?: string;
  at: string;
}

export interface ChangeNotifierOptions {
  tenantId: string;
  store: SubscriptionStore;
  tokens: Pick<AccessTokenService, 'sign'>;
  settings: () => GraphSettings;
  logger: Logger;
}

export interface ChangeNotifier {
  /** Queue notifications for a message change; returns how many subscriptions it goes to. */
  messageChanged(change: MessageChange): number;
  /** Apply a lifecycle event to a subscription and queue its lifecycle notification. */
  lifecycle(sub: StoredSubscription, event: LifecycleEvent): void;
  /** Resolves once no delivery is running or waiting for a retry. */
  idle(): Promise<void>;
  /** The most recent delivery attempts (at most 500), oldest first. */
  deliveries(): DeliveryRecord[];
  /** Stop retrying and wait for the attempts under way. */
  close(): Promise<void>;
}

const MAX_RECORDS = 500;

/** Graph's `resource` / `@odata.id` of a channel message or reply. */
export function messageResource(teamId: string, channelId: string, message: ChatMessage): string {
  const channel = `teams('${teamId}')/channels('${channelId}')`;
  return message.replyToId
    ? `${channel}/messages('${message.replyToId}')/replies('${message.id}')`
    : `${channel}/messages('${message.id}')`;
}

export function createChangeNotifier(opts: ChangeNotifierOptions): ChangeNotifier {
  const running = new Set<Promise<void>>();
  const sleepers = new Set<() => void>();
  const records: DeliveryRecord[] = [];
  let closed = false;

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => {
    const wake = (): void => {
      clearTimeout(timer);
      sleepers.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    sleepers.add(wake);
  });

  function record(r: Omit<DeliveryRecord, 'at'>): void {
    records.push({ ...r, at: new Date().toISOString() });
    if (records.length > MAX_RECORDS) records.splice(0, records.length - MAX_RECORDS);
  }

  async function deliver(kind: DeliveryRecord['kind'], url: string, body: unknown, subscriptionIds: string[]): Promise<void> {
    for (let attempt = 1; !closed; attempt += 1) {
      const s = opts.settings();
      const result = await postJson(url, body, s.notificationTimeoutMs);
      record(result.ok
        ? { kind, url, subscriptionIds, attempt, ok: true, status: result.status }
        : { kind, url, subscriptionIds, attempt, ok: false, status: result.status, error: result.error });
      if (result.ok) return;
      if (attempt >= s.notificationAttempts) {
        opts.logger.warn({ kind, url, attempts: attempt, status: result.status }, 'notification delivery failed; giving up');
        return;
      }
      await sleep(s.notificationRetryBaseMs * 2 ** (attempt - 1));
    }
  }

  function spawn(work: Promise<void>): void {
    const p = work.catch((err: unknown) => opts.logger.error({ err }, 'notification delivery crashed')).finally(() => running.delete(p));
    running.add(p);
  }

  async function validationTokens(subs: StoredSubscription[]): Promise<string[] | undefined> {
    const apps = [...new Set(subs.filter((s) => s.json.includeResourceData).map((s) => s.json.applicationId))];
    if (apps.length === 0) return undefined;
    return Promise.all(apps.map((app) => opts.tokens.sign(validationTokenClaims(opts.tenantId, app))));
  }

  function item(sub: StoredSubscription, change: MessageChange, resource: string): Record<string, unknown> {
    const out: Record<string, unknown> = {
      subscriptionId: sub.json.id,
      subscriptionExpirationDateTime: sub.json.expirationDateTime,
      changeType: change.changeType,
      resource,
      resourceData: { id: change.message.id, '@odata.type': '#Microsoft.Graph.chatMessage', '@odata.id': resource },
    };
    if (sub.json.clientState !== null) out.clientState = sub.json.clientState;
    out.tenantId = opts.tenantId;
    if (sub.json.includeResourceData && sub.certificate && change.changeType !== 'deleted') {
      out.encryptedContent = encryptResourceData(change.message, sub.certificate, sub.json.encryptionCertificateId ?? '');
    }
    return out;
  }

  async function send(url: string, subs: StoredSubscription[], change: MessageChange): Promise<void> {
    const resource = messageResource(change.teamId, change.channelId, change.message);
    const body: Record<string, unknown> = { value: subs.map((s) => item(s, change, resource)) };
    const tokens = await validationTokens(subs);
    if (tokens) body.validationTokens = tokens;
    await deliver('notification', url, body, subs.map((s) => s.json.id));
  }

  async function sendLifecycle(sub: StoredSubscription, event: LifecycleEvent): Promise<void> {
    const url = sub.json.lifecycleNotificationUrl;
    if (!url) return;
    const entry: Record<string, unknown> = {
      subscriptionId: sub.json.id, subscriptionExpirationDateTime: sub.json.expirationDateTime, tenantId: opts.tenantId,
    };
    if (sub.json.clientState !== null) entry.clientState = sub.json.clientState;
    entry.lifecycleEvent = event;
    const body: Record<string, unknown> = { value: [entry] };
    const tokens = await validationTokens([sub]);
    if (tokens) body.validationTokens = tokens;
    await deliver('lifecycle', url, body, [sub.json.id]);
  }

  return {
    messageChanged(change) {
      if (closed) return 0;
      const subs = opts.store.matching(change.teamId, change.channelId, change.changeType).filter((s) => !s.needsReauthorization);
      const byUrl = new Map<string, StoredSubscription[]>();
      for (const s of subs) byUrl.set(s.json.notificationUrl, [...(byUrl.get(s.json.notificationUrl) ?? []), s]);
      for (const [url, group] of byUrl) spawn(send(url, group, change));
      return subs.length;
    },
    lifecycle(sub, event) {
      if (event === 'reauthorizationRequired') sub.needsReauthorization = true;
      if (event === 'subscriptionRemoved') opts.store.remove(sub.json.id);
      if (!closed) spawn(sendLifecycle(sub, event));
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    deliveries: () => records.slice(),
    async close() {
      closed = true;
      for (const wake of [...sleepers]) wake();
      await Promise.allSettled([...running]);
    },
  };
}
