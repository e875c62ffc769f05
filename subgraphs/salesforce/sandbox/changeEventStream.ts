/**
 * The sandbox org's change event bus: numbers events with increasing replay ids, stamps the
 * transaction fields of their header, retains them (72 hours by default, like Salesforce) and hands
 * them to the CometD endpoint for live delivery. `replay(channel, from)` answers the Replay
 * extension: `-1` nothing retained (new events only), `-2` everything retained, `N` the retained
 * events after N, and null when N is not a replay id the bus can resume from (older than what it
 * still retains, newer than the newest, or not an integer), which Salesforce refuses with 400.
 *
 * Every event goes to `/data/<Entity>ChangeEvent` and to `/data/ChangeEvents` (one replay id).
 */
import { randomUUID } from 'node:crypto';
import { CDC_ENTITIES, schemaIdOf, type ChangeEventData, type PendingChangeEvent } from './changeEvents';

export const ALL_CHANGE_EVENTS = '/data/ChangeEvents';
export const REPLAY_NEW = -1;
export const REPLAY_ALL = -2;

export interface RetainedEvent {
  replayId: number;
  /** Channels the event was published on. */
  channels: string[];
  data: ChangeEventData;
  /** Epoch ms it was published (retention runs from here). */
  at: number;
}

export interface ChangeEventStreamOptions {
  /** How long events stay replayable. @default 259_200_000 (72 h) */
  retentionMs?: number;
  /** Most events retained; the oldest go first. @default 100_000 */
  maxRetained?: number;
  /** Replay id of the first event. @default now() (so ids keep increasing across sandbox restarts) */
  firstReplayId?: number;
  /** @default Date.now */
  now?: () => number;
}

export interface ChangeEventStream {
  /** Numbers, retains and delivers the events of one transaction; returns what was published. */
  publish(events: PendingChangeEvent[]): RetainedEvent[];
  /** Retained events on `channel` after `from` (see the file comment); null when `from` cannot be resumed from. */
  replay(channel: string, from: unknown): ChangeEventData[] | null;
  /** Whether a client may subscribe to `channel`. */
  isChannel(channel: string): boolean;
  /** Retained events with a replay id above `after` (all when undefined), oldest first. */
  retained(after?: number): RetainedEvent[];
  /** The newest replay id handed out (`firstReplayId - 1` before any). */
  latestReplayId(): number;
  /** Drops every retained event, as if retention had run out for all of them. */
  expireAll(): void;
  retentionMs(): number;
  setRetentionMs(ms: number): void;
  /** Live delivery hook (the CometD endpoint); returns the unsubscribe. */
  onPublish(listener: (channel: string, data: ChangeEventData) => void): () => void;
}

export const entityChannel = (entityName: string): string => `/data/${entityName}ChangeEvent`;

export function createChangeEventStream(opts: ChangeEventStreamOptions = {}): ChangeEventStream {
  const now = opts.now ?? Date.now;
  let retentionMs = opts.retentionMs ?? 72 * 3_600_000;
  const maxRetained = opts.maxRetained ?? 100_000;
  let latest = (opts.firstReplayId ?? now()) - 1;
  /** Replay ids at or below this are gone: resuming from them would skip events. */
  let floor = latest;
  let commitNumber = 0;
  const events: RetainedEvent[] = [];
  const listeners = new Set<(channel: string, data: ChangeEventData) => void>();
  const channels = new Set<string>([ALL_CHANGE_EVENTS, ...CDC_ENTITIES.map(entityChannel)]);

  function trim(): void {
    const oldest = now() - retentionMs;
    let drop = 0;
    while (drop < events.length && (events.length - drop > maxRetained || (events[drop] as RetainedEvent).at < oldest)) drop++;
    if (drop === 0) return;
    floor = (events[drop - 1] as RetainedEvent).replayId;
    events.splice(0, drop);
  }

  return {
    publish(pending) {
      trim();
      if (pending.length === 0) return [];
      commitNumber += 1;
      const transactionKey = randomUUID();
      const at = now();
      const out = pending.map((p, i): RetainedEvent => {
        latest += 1;
        const data: ChangeEventData = {
          schema: schemaIdOf(p.entityName),
          payload: {
            ChangeEventHeader: {
              entityName: p.entityName, recordIds: [...p.header.recordIds], changeType: p.header.changeType,
              changedFields: [...p.header.changedFields], changeOrigin: p.header.changeOrigin, transactionKey,
              sequenceNumber: i + 1, commitTimestamp: p.header.commitTimestamp, commitNumber, commitUser: p.header.commitUser,
              nulledFields: [...p.header.nulledFields], diffFields: [],
            },
            ...p.payload,
          },
          event: { replayId: latest },
        };
        return { replayId: latest, channels: [entityChannel(p.entityName), ALL_CHANGE_EVENTS], data, at };
      });
      events.push(...out);
      for (const e of out) for (const ch of e.channels) for (const l of [...listeners]) l(ch, e.data);
      return out;
    },
    replay(channel, from) {
      trim();
      if (typeof from !== 'number' || !Number.isSafeInteger(from)) return null;
      if (from === REPLAY_NEW) return [];
      if (from !== REPLAY_ALL && (from < floor || from > latest)) return null;
      return events.filter((e) => e.replayId > from && e.channels.includes(channel)).map((e) => e.data);
    },
    isChannel: (channel) => channels.has(channel),
    retained(after) {
      trim();
      return after === undefined ? events.slice() : events.filter((e) => e.replayId > after);
    },
    latestReplayId: () => latest,
    expireAll() {
      floor = latest;
      events.length = 0;
    },
    retentionMs: () => retentionMs,
    setRetentionMs(ms) {
      retentionMs = ms;
      trim();
    },
    onPublish(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
  };
}
