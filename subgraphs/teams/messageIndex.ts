/**
 * The message index: Graph has no "messages by sender" query, so `Contact.messages` (and
 * `Channel.messages`) are answered from an in-memory index of the watched channels' root messages,
 * kept in step with Graph's delta query (`GET /teams/{t}/channels/{c}/messages/delta`).
 *
 * - Build: every channel starts a delta round (`$top=50`); each round sends one delta page request
 *   per unfinished channel, all as `$batch` items (≤ 20 per HTTP call, chunks in parallel), follows
 *   `@odata.nextLink`s and keeps each channel's final `@odata.deltaLink`.
 * - Refresh: the same rounds starting from the deltaLinks, so they return only roots created or
 *   changed since (50 channels → 3 `$batch` calls when nothing paged). A channel whose call failed
 *   keeps its link and is retried by the next refresh.
 * - Freshness: `fresh()` refreshes first when the last refresh started more than `maxStalenessMs`
 *   ago; concurrent callers share one refresh (single flight). A background timer refreshes every
 *   `refreshMs`. A failed refresh is logged and the previous data keeps serving, except before the
 *   first successful build, when the failure is the reader's error.
 * - Writes through: `put()` stores a message this subgraph just posted, before any refresh sees it.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ChannelDirectory } from './channelDirectory';
import { MAX_BATCH_ITEMS, type GraphClient } from './graphClient';
import { mapChatMessage } from './mapping';
import { encodeMessageId } from './messageId';
import { createMessageStore, type MessagePage } from './messageStore';
import type { MessageModel } from './model';

export interface MessageIndexOptions {
  graph: GraphClient;
  directory: ChannelDirectory;
  logger: Logger;
  /** Background refresh interval. */
  refreshMs: number;
  /** Reads refresh first when the index is older than this. */
  maxStalenessMs: number;
  /** Most root messages held (the oldest are dropped beyond it). */
  maxMessages: number;
  /** Delta page size (Graph allows up to 50). @default 50 */
  pageSize?: number;
  /** @default Date.now */
  now?: () => number;
}

/** What one build or refresh did (logged; tests and the README report it). */
export interface RefreshStats {
  channels: number;
  rounds: number;
  deltaCalls: number;
  /** `$batch` HTTP calls, not counting retries of throttled items. */
  batchCalls: number;
  upserted: number;
  /** Deleted, system-event or reply messages seen (removed from the index when it held them). */
  dropped: number;
  failedChannels: number;
  durationMs: number;
}

export interface MessageIndex {
  /** Start the background build and the refresh timer. */
  start(): void;
  /** Resolves once the first build succeeded. */
  ready(): Promise<void>;
  /** Ensure the data is at most `maxStalenessMs` old (see above). */
  fresh(): Promise<void>;
  /** Run (or join) a delta refresh. */
  refresh(): Promise<RefreshStats>;
  isBuilt(): boolean;
  lastRefresh(): RefreshStats | null;
  get(id: string): MessageModel | undefined;
  bySender(userId: string, first: number, after: string | null): MessagePage;
  byChannel(channelId: string, first: number, after: string | null): MessagePage;
  /** Write-through of a message this subgraph posted. */
  put(message: MessageModel): void;
  close(): void;
}

interface ChannelSync {
  teamId: string;
  channelId: string;
  /** The next delta URL to call: the first page, a nextLink, or the deltaLink. */
  link: string;
  /** The first page of a full round (to start over when Graph refuses a link). */
  initial: string;
}

type Json = Record<string, unknown>;

export function createMessageIndex(opts: MessageIndexOptions): MessageIndex {
  const now = opts.now ?? Date.now;
  const log = opts.logger;
  const store = createMessageStore(opts.maxMessages);
  const syncs = new Map<string, ChannelSync>();
  const top = opts.pageSize ?? 50;
  let built = false;
  let closed = false;
  let lastRefreshAt = Number.NEGATIVE_INFINITY;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let last: RefreshStats | null = null;
  let inflight: Promise<RefreshStats> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let markReady: () => void = () => undefined;
  const readyPromise = new Promise<void>((resolve) => { markReady = resolve; });

  async function syncChannels(): Promise<ChannelSync[]> {
    const snap = await opts.directory.snapshot();
    const ids = new Set(snap.channels.map((c) => c.id));
    for (const id of syncs.keys()) if (!ids.has(id)) syncs.delete(id);
    for (const c of snap.channels) {
      if (!syncs.has(c.id)) {
        const initial = `/teams/${c.teamId}/channels/${encodeURIComponent(c.id)}/messages/delta?$top=${top}`;
        syncs.set(c.id, { teamId: c.teamId, channelId: c.id, link: initial, initial });
      }
    }
    return [...syncs.values()];
  }

  /** Store one delta page; returns [upserted, dropped]. */
  function apply(page: Json, sync: ChannelSync): [number, number] {
    let up = 0;
    let rm = 0;
    for (const raw of Array.isArray(page.value) ? (page.value as unknown[]) : []) {
      const m = mapChatMessage(raw, sync);
      if (m && m.channelId === sync.channelId) {
        store.upsert(m);
        up += 1;
      } else if (typeof (raw as Json | null)?.id === 'string') {
        store.remove(encodeMessageId({ teamId: sync.teamId, channelId: sync.channelId, messageId: (raw as Json).id as string }));
        rm += 1;
      }
    }
    return [up, rm];
  }

  /** One delta page for every pending channel; returns the channels with another page to read. */
  async function round(pending: ChannelSync[], stats: RefreshStats, requestId: string, failures: unknown[]): Promise<ChannelSync[]> {
    stats.rounds += 1;
    stats.deltaCalls += pending.length;
    stats.batchCalls += Math.ceil(pending.length / MAX_BATCH_ITEMS);
    const results = await opts.graph.batch(pending.map((s) => ({ method: 'GET' as const, url: s.link })), { requestId, retries: 5 });
    const next: ChannelSync[] = [];
    results.forEach((r, i) => {
      const sync = pending[i] as ChannelSync;
      if (!r.ok) {
        failures.push(r.error);
        // An expired or refused delta/skip token (400, 410): the next refresh starts the channel over.
        if (r.status === 400 || r.status === 410) sync.link = sync.initial;
        log.warn({ err: r.error, channelId: sync.channelId, status: r.status }, 'delta query failed; the channel is retried by the next refresh');
        return;
      }
      const page = (r.body ?? {}) as Json;
      const [up, rm] = apply(page, sync);
      stats.upserted += up;
      stats.dropped += rm;
      const nextLink = page['@odata.nextLink'];
      const deltaLink = page['@odata.deltaLink'];
      if (typeof nextLink === 'string') {
        sync.link = nextLink;
        next.push(sync);
      } else if (typeof deltaLink === 'string') {
        sync.link = deltaLink;
      }
    });
    return next;
  }

  async function run(): Promise<RefreshStats> {
    const startedAt = now();
    lastAttemptAt = startedAt;
    const requestId = randomUUID();
    const channels = await syncChannels();
    const stats: RefreshStats = { channels: channels.length, rounds: 0, deltaCalls: 0, batchCalls: 0, upserted: 0, dropped: 0, failedChannels: 0, durationMs: 0 };
    const failures: unknown[] = [];
    for (let pending = channels; pending.length > 0 && !closed;) pending = await round(pending, stats, requestId, failures);
    stats.failedChannels = failures.length;
    stats.durationMs = now() - startedAt;
    if (channels.length > 0 && failures.length === channels.length) throw failures[0];
    lastRefreshAt = startedAt;
    return stats;
  }

  function finished(stats: RefreshStats): RefreshStats {
    inflight = null;
    last = stats;
    if (!built) {
      built = true;
      log.info({ ...stats, messages: store.size }, 'message index ready');
      markReady();
    } else {
      log.debug({ ...stats, messages: store.size }, 'message index refreshed');
    }
    return stats;
  }

  /** Run a refresh, or join the one under way. `inflight` is cleared before anyone resumes. */
  function refresh(): Promise<RefreshStats> {
    inflight ??= run().then(finished, (err: unknown) => {
      inflight = null;
      throw err;
    });
    return inflight;
  }

  function schedule(): void {
    if (closed) return;
    const due = Math.max(0, Math.min(opts.refreshMs, Math.max(lastRefreshAt, lastAttemptAt) + opts.refreshMs - now()));
    timer = setTimeout(() => {
      const work = now() - Math.max(lastRefreshAt, lastAttemptAt) >= opts.refreshMs ? refresh() : Promise.resolve(null);
      work.catch((err: unknown) => log.warn({ err }, 'message index refresh failed')).finally(schedule);
    }, due);
    timer.unref();
  }

  return {
    start() {
      refresh().catch((err: unknown) => log.warn({ err }, 'message index build failed; retrying on the next read or refresh'));
      schedule();
    },
    ready: () => readyPromise,
    async fresh() {
      if (!built) {
        await refresh();
        return;
      }
      const asOf = now() - opts.maxStalenessMs;
      // A refresh already under way may have started too early for this read: then run one more.
      for (let i = 0; i < 2 && lastRefreshAt < asOf && !closed; i += 1) {
        try {
          await refresh();
        } catch (err) {
          log.warn({ err }, 'message index refresh failed; serving the previous data');
          return;
        }
      }
    },
    refresh,
    isBuilt: () => built,
    lastRefresh: () => last,
    get: (id) => store.get(id),
    bySender: (userId, first, after) => store.bySender(userId, first, after),
    byChannel: (channelId, first, after) => store.byChannel(channelId, first, after),
    put: (message) => store.upsert(message),
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
