/**
 * Keeps one Graph change-notification subscription per watched channel alive:
 *
 * - `sync()` (at start, then every quarter of the lifetime, capped at 15 min; every 30 s until a
 *   sync has succeeded for every channel): creates
 *   `POST /subscriptions` `{changeType: 'created,updated,deleted', resource:
 *   '/teams/{team}/channels/{channel}/messages', notificationUrl, lifecycleNotificationUrl,
 *   expirationDateTime: now + lifetime, clientState}` (+ `includeResourceData`,
 *   `encryptionCertificate`, `encryptionCertificateId` for rich notifications) for channels without
 *   one, renews (`PATCH expirationDateTime`) those with less than half their lifetime left
 *   (re-creating one Graph no longer knows: 404), and deletes the subscriptions of channels no
 *   longer watched. The first successful sync also deletes leftovers of earlier runs: our
 *   notification URL, not ours (their clientState is not ours any more). Concurrent calls share one run.
 * - `reauthorize(id)` (lifecycle `reauthorizationRequired`): `POST /subscriptions/{id}/reauthorize`,
 *   falling back to re-creating it when Graph answers 404.
 * - `recreate(id)` (lifecycle `subscriptionRemoved`): a new subscription for that channel.
 * - `close()` stops the timer and deletes our subscriptions (best effort), so Graph stops posting
 *   to a process that is gone.
 */
import type { Logger } from 'pino';
import type { ChannelDirectory } from './channelDirectory';
import type { GraphClient } from './graphClient';
import type { NotificationKeys } from './notificationCrypto';

export interface SubscriptionManagerOptions {
  graph: GraphClient;
  directory: ChannelDirectory;
  logger: Logger;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  clientState: string;
  lifetimeMinutes: number;
  /** Our encryption certificate when rich notifications are on. */
  rich: NotificationKeys | null;
  /** @default Date.now */
  now?: () => number;
}

export interface ManagedSubscription {
  id: string;
  teamId: string;
  channelId: string;
  expiresAt: number;
}

export interface SyncStats {
  created: number;
  renewed: number;
  deleted: number;
  failed: number;
}

export interface SubscriptionManager {
  start(): void;
  /** Resolves after the first sync that created every subscription. */
  ready(): Promise<void>;
  sync(): Promise<SyncStats>;
  reauthorize(id: string): Promise<ManagedSubscription | null>;
  recreate(id: string): Promise<ManagedSubscription | null>;
  byId(id: string): ManagedSubscription | undefined;
  list(): ManagedSubscription[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

/** Until every channel has a subscription, failed syncs are retried this often. */
const RETRY_UNTIL_READY_MS = 30_000;

const isNotFound = (err: unknown): boolean => (err as { extensions?: { code?: unknown } } | null)?.extensions?.code === 'NOT_FOUND';

export function createSubscriptionManager(opts: SubscriptionManagerOptions): SubscriptionManager {
  const now = opts.now ?? Date.now;
  const log = opts.logger;
  const lifetimeMs = opts.lifetimeMinutes * 60_000;
  const byChannel = new Map<string, ManagedSubscription>();
  let inflight: Promise<SyncStats> | null = null;
  let cleaned = false;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let isReady = false;
  let markReady: () => void = () => undefined;
  const readyPromise = new Promise<void>((resolve) => { markReady = resolve; });

  const expiry = (): string => new Date(now() + lifetimeMs).toISOString();
  const find = (id: string): ManagedSubscription | undefined => [...byChannel.values()].find((s) => s.id === id);

  async function create(teamId: string, channelId: string): Promise<ManagedSubscription> {
    const body: Json = {
      changeType: 'created,updated,deleted', resource: `/teams/${teamId}/channels/${encodeURIComponent(channelId)}/messages`,
      notificationUrl: opts.notificationUrl, lifecycleNotificationUrl: opts.lifecycleNotificationUrl, expirationDateTime: expiry(),
      clientState: opts.clientState,
    };
    if (opts.rich) Object.assign(body, { includeResourceData: true, encryptionCertificate: opts.rich.certificate, encryptionCertificateId: opts.rich.certificateId });
    const created = await opts.graph.post<Json>('/subscriptions', body);
    const sub = { id: String(created.id), teamId, channelId, expiresAt: Date.parse(String(created.expirationDateTime)) };
    byChannel.set(channelId, sub);
    return sub;
  }

  async function renew(sub: ManagedSubscription): Promise<void> {
    try {
      const renewed = await opts.graph.patch<Json>(`/subscriptions/${sub.id}`, { expirationDateTime: expiry() });
      sub.expiresAt = Date.parse(String(renewed.expirationDateTime));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      log.warn({ subscriptionId: sub.id, channelId: sub.channelId }, 'Graph no longer knows the subscription; creating a new one');
      await create(sub.teamId, sub.channelId);
    }
  }

  async function remove(id: string): Promise<void> {
    try {
      await opts.graph.delete(`/subscriptions/${id}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Delete subscriptions to our URL that this process did not create. */
  async function cleanLeftovers(stats: SyncStats): Promise<void> {
    const ours = new Set([...byChannel.values()].map((s) => s.id));
    let page = await opts.graph.get<Json>('/subscriptions');
    for (let pages = 0; pages < 100; pages += 1) {
      for (const s of Array.isArray(page.value) ? (page.value as Json[]) : []) {
        if (s.notificationUrl === opts.notificationUrl && typeof s.id === 'string' && !ours.has(s.id)) {
          await remove(s.id);
          stats.deleted += 1;
        }
      }
      const next = page['@odata.nextLink'];
      if (typeof next !== 'string') break;
      page = await opts.graph.get<Json>(next);
    }
  }

  async function step(stats: SyncStats, what: string, channelId: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      stats.failed += 1;
      log.warn({ err, channelId }, `could not ${what} the channel's subscription; retrying on the next sync`);
    }
  }

  async function run(): Promise<SyncStats> {
    const stats: SyncStats = { created: 0, renewed: 0, deleted: 0, failed: 0 };
    const snap = await opts.directory.snapshot();
    const watched = new Set(snap.channels.map((c) => c.id));
    for (const c of snap.channels) {
      const sub = byChannel.get(c.id);
      if (!sub) await step(stats, 'create', c.id, async () => { await create(c.teamId, c.id); stats.created += 1; });
      else if (sub.expiresAt - now() < lifetimeMs / 2) await step(stats, 'renew', c.id, async () => { await renew(sub); stats.renewed += 1; });
    }
    for (const [channelId, sub] of byChannel) {
      if (watched.has(channelId)) continue;
      await step(stats, 'delete', channelId, async () => { await remove(sub.id); byChannel.delete(channelId); stats.deleted += 1; });
    }
    if (!cleaned && stats.failed === 0) {
      await step(stats, 'clean up leftovers of', '*', () => cleanLeftovers(stats));
      cleaned = stats.failed === 0;
    }
    if (stats.failed === 0) {
      isReady = true;
      markReady();
    }
    log.info({ ...stats, subscriptions: byChannel.size }, 'graph subscriptions synced');
    return stats;
  }

  function sync(): Promise<SyncStats> {
    inflight ??= run().finally(() => { inflight = null; });
    return inflight;
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => {
      sync().catch((err: unknown) => log.warn({ err }, 'graph subscription sync failed')).finally(schedule);
    }, isReady ? Math.min(Math.max(lifetimeMs / 4, 10_000), 900_000) : RETRY_UNTIL_READY_MS);
    timer.unref();
  }

  return {
    start() {
      sync().catch((err: unknown) => log.warn({ err }, 'graph subscription sync failed; retrying later'));
      schedule();
    },
    ready: () => readyPromise,
    sync,
    async reauthorize(id) {
      const sub = find(id);
      if (!sub) return null;
      try {
        await opts.graph.post(`/subscriptions/${id}/reauthorize`, {});
        return sub;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        return create(sub.teamId, sub.channelId);
      }
    },
    async recreate(id) {
      const sub = find(id);
      if (!sub) return null;
      byChannel.delete(sub.channelId);
      return create(sub.teamId, sub.channelId);
    },
    byId: find,
    list: () => [...byChannel.values()].map((s) => ({ ...s })),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await inflight?.catch(() => undefined);
      const subs = [...byChannel.values()];
      byChannel.clear();
      await Promise.all(subs.map((s) => remove(s.id).catch((err: unknown) => log.warn({ err, subscriptionId: s.id }, 'could not delete a subscription at shutdown'))));
    },
  };
}
