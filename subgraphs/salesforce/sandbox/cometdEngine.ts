/**
 * The in-memory faye engine of the sandbox's CometD endpoint: client registry, subscriptions and
 * per-client message queues, like faye's own memory engine, plus `queue(clientId, messages)` so that
 * the Replay extension can hand retained events to ONE subscriber (faye's engine can only publish to
 * every subscriber of a channel). Plugged in with `new NodeAdapter({ engine: { type } })`, the
 * engine interface faye-redis implements.
 *
 * A client that has not polled for twice the connection timeout is destroyed (faye's rule), and so
 * is one whose queue grows past `maxQueued` (it then re-handshakes and replays from its last replay
 * id, which is what a CometD client does after `403::Unknown client`).
 */
import { randomBytes } from 'node:crypto';
import type { Engine, EngineHost, EngineType, Message } from 'faye';

export interface CometdEngine extends Engine {
  /** Appends messages to one client's queue (delivered on its next or pending `/meta/connect`). */
  queue(clientId: string, messages: Message[]): void;
  /** Live client ids. */
  clients(): number;
}

export interface CometdEngineOptions {
  /** Most undelivered messages per client before it is dropped. @default 10_000 */
  maxQueued?: number;
}

/** A CometD client id: 28 lower-case base-36 characters, as Salesforce hands out. */
function newClientId(): string {
  const bytes = randomBytes(28);
  let id = '';
  for (const b of bytes) id += (b % 36).toString(36);
  return id;
}

export function createCometdEngine(host: EngineHost, opts: CometdEngineOptions = {}): CometdEngine {
  const maxQueued = opts.maxQueued ?? 10_000;
  const known = new Set<string>();
  const subscriptions = new Map<string, Set<string>>();
  const subscribers = new Map<string, Set<string>>();
  const queues = new Map<string, Message[]>();
  const timers = new Map<string, NodeJS.Timeout>();

  const engine: CometdEngine = {
    createClient(callback, context) {
      let id = newClientId();
      while (known.has(id)) id = newClientId();
      known.add(id);
      engine.ping(id);
      host.trigger('handshake', id);
      callback.call(context, id);
    },
    clientExists(clientId, callback, context) {
      callback.call(context, known.has(clientId));
    },
    destroyClient(clientId, callback, context) {
      if (!known.has(clientId)) return;
      for (const channel of [...(subscriptions.get(clientId) ?? [])]) engine.unsubscribe(clientId, channel);
      clearTimeout(timers.get(clientId));
      timers.delete(clientId);
      known.delete(clientId);
      queues.delete(clientId);
      host.trigger('disconnect', clientId);
      host.trigger('close', clientId);
      callback?.call(context);
    },
    ping(clientId) {
      if (typeof host.timeout !== 'number') return;
      clearTimeout(timers.get(clientId));
      const timer = setTimeout(() => engine.destroyClient(clientId), 2 * host.timeout * 1000);
      timer.unref();
      timers.set(clientId, timer);
    },
    subscribe(clientId, channel, callback, context) {
      const mine = subscriptions.get(clientId) ?? new Set<string>();
      const added = !mine.has(channel);
      mine.add(channel);
      subscriptions.set(clientId, mine);
      const theirs = subscribers.get(channel) ?? new Set<string>();
      theirs.add(clientId);
      subscribers.set(channel, theirs);
      if (added) host.trigger('subscribe', clientId, channel);
      callback?.call(context, true);
    },
    unsubscribe(clientId, channel, callback, context) {
      const removed = subscriptions.get(clientId)?.delete(channel) ?? false;
      if (subscriptions.get(clientId)?.size === 0) subscriptions.delete(clientId);
      subscribers.get(channel)?.delete(clientId);
      if (subscribers.get(channel)?.size === 0) subscribers.delete(channel);
      if (removed) host.trigger('unsubscribe', clientId, channel);
      callback?.call(context, true);
    },
    publish(message, channels) {
      const targets = new Set<string>();
      for (const channel of channels) for (const id of subscribers.get(channel) ?? []) targets.add(id);
      for (const id of targets) engine.queue(id, [message]);
      host.trigger('publish', message.clientId, message.channel, message.data);
    },
    queue(clientId, messages) {
      if (!known.has(clientId) || messages.length === 0) return;
      const q = queues.get(clientId) ?? [];
      for (const m of messages) q.push(structuredClone(m));
      queues.set(clientId, q);
      if (q.length > maxQueued) {
        engine.destroyClient(clientId);
        return;
      }
      engine.emptyQueue(clientId);
    },
    emptyQueue(clientId) {
      if (!host.hasConnection(clientId)) return;
      const q = queues.get(clientId);
      queues.delete(clientId);
      if (q) host.deliver(clientId, q);
    },
    disconnect() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      known.clear();
      subscriptions.clear();
      subscribers.clear();
      queues.clear();
    },
    clients: () => known.size,
  };
  return engine;
}

/** An engine type for `NodeAdapter({ engine: { type } })` that hands the created engine to `created`. */
export function cometdEngineType(created: (engine: CometdEngine) => void, opts: CometdEngineOptions = {}): EngineType {
  return {
    create(host) {
      const engine = createCometdEngine(host, opts);
      created(engine);
      return engine;
    },
  };
}
