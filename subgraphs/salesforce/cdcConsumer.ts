/**
 * The Change Data Capture consumer: jsforce's streaming client (`conn.streaming.createClient`, faye
 * long-polling on `/cometd/NN.0`) with jsforce's Replay and AuthFailure extensions, subscribed to one
 * channel from the last replay id the replay store holds. Events are processed one at a time, in
 * order: `handle(data)` (map + publish to the event log) and only then `store.save(replayId)`, so
 * a crash between the two re-delivers the event after the restart (the log drops the duplicate) and
 * never skips one.
 *
 * - `handle` fails, or saving the replay id fails: the client is dropped, and after `retryDelayMs` a
 *   new one resubscribes from the last SAVED replay id (later events already received are dropped
 *   and come again).
 * - The session is refused (`advice.reconnect: none`, the AuthFailure extension): a new session is
 *   obtained and the client recreated.
 * - The stored replay id is refused (Salesforce retains events for 72 h): events were lost. `onGap`
 *   runs (cache clearing), an error is logged, and the consumer resubscribes with -2 (every event
 *   still retained).
 * - Any other failed `/meta/subscribe` (including faye's automatic re-subscribe after a
 *   re-handshake): resubscribe after `retryDelayMs`.
 * - An event whose replay id is not above the last saved one is skipped (re-delivery).
 * - Without a saved replay id the first subscription starts at `initialReplay` (-1 by default); a
 *   later resubscription in the same process, still without one, takes every retained event (-2),
 *   since -1 would skip what happened while it was away.
 */
import type { Client, ClientExtension, Message } from 'faye';
import type { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/api/streaming';
import type { Logger } from 'pino';
import { replayIdOf } from './cdcEnvelope';
import { closeFayeClient } from './closeFayeClient';
import type { ReplayStore } from './replayStore';

export const REPLAY_NEW = -1;
export const REPLAY_ALL = -2;

export interface CdcConsumerOptions {
  /** The logged-in jsforce connection; `renew` asks for a new session first. */
  connection: (renew: boolean) => Promise<Connection>;
  channel: string;
  store: ReplayStore;
  /** Where to start when the store holds no replay id: -1 new events only, -2 every retained event. */
  initialReplay: typeof REPLAY_NEW | typeof REPLAY_ALL;
  /** Processes one event's `data`; a rejection makes the consumer resubscribe from the last saved id. */
  handle: (data: unknown) => Promise<void>;
  /** Events were lost (the saved replay id is no longer retained); clear what may be stale. */
  onGap: (lostAfter: number) => void;
  logger: Logger;
  /** Wait before resubscribing after a failure. */
  retryDelayMs: number;
}

export type CdcState = 'starting' | 'subscribed' | 'retrying' | 'stopped';

export interface CdcConsumerStatus {
  state: CdcState;
  channel: string;
  /** The last replay id saved (fully processed). */
  lastReplayId: number | null;
  processed: number;
  failures: number;
}

export interface CdcConsumer {
  /** Loads the stored replay id and subscribes; resolves once the first subscription is acknowledged. */
  start(): Promise<void>;
  /** Stops receiving, lets the event in progress finish (and its replay id be saved), closes the store. */
  stop(): Promise<void>;
  status(): CdcConsumerStatus;
}

const INVALID_REPLAY = /replayId/i;

export function createCdcConsumer(opts: CdcConsumerOptions): CdcConsumer {
  const log = opts.logger.child({ cdcChannel: opts.channel });
  let generation = 0;
  let client: Client | null = null;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let lastSaved: number | null = null;
  let replayAll = false;
  let everSubscribed = false;
  /** The org's instance URL: replay ids are saved for it. */
  let source = '';
  const status = { state: 'starting' as CdcState, processed: 0, failures: 0 };
  let firstSubscribed: { resolve: () => void; reject: (err: Error) => void } | null = null;

  /** Ends the current client (see closeFayeClient); resolves when it is closed. */
  function dropClient(): Promise<void> {
    const old = client;
    client = null;
    return old ? closeFayeClient(old) : Promise.resolve();
  }

  function restart(gen: number, delayMs: number, renew = false): void {
    if (gen !== generation || status.state === 'stopped') return;
    generation += 1;
    status.state = 'retrying';
    void dropClient();
    clearTimeout(timer);
    timer = setTimeout(() => { void connect(renew); }, delayMs);
    timer.unref();
  }

  async function processEvent(gen: number, data: unknown): Promise<void> {
    if (gen !== generation) return;
    const replayId = replayIdOf(data);
    if (replayId !== null && lastSaved !== null && replayId <= lastSaved) {
      log.debug({ replayId, lastSaved }, 'cdc: event already processed; skipped');
      return;
    }
    try {
      await opts.handle(data);
      if (replayId !== null) {
        await opts.store.save(source, replayId);
        lastSaved = replayId;
        replayAll = false;
      }
      status.processed += 1;
    } catch (err) {
      status.failures += 1;
      log.error({ err, replayId }, 'cdc: processing an event failed; resubscribing from the last saved replay id');
      restart(gen, opts.retryDelayMs);
    }
  }

  function subscribeFailed(gen: number, from: number, error: unknown): void {
    if (gen !== generation) return;
    status.failures += 1;
    if (typeof error === 'string' && INVALID_REPLAY.test(error) && from >= 0) {
      log.error({ replayId: from }, 'cdc: the saved replay id is no longer retained: events were lost; resuming from every retained event');
      opts.onGap(from);
      replayAll = true;
      lastSaved = null;
      restart(gen, 0);
      return;
    }
    log.warn({ error: String(error).slice(0, 200) }, 'cdc: subscription refused; retrying');
    restart(gen, opts.retryDelayMs);
  }

  /** Sees every `/meta/subscribe` answer, also faye's own re-subscribes after a re-handshake. */
  function watchSubscribes(gen: number, from: () => number): ClientExtension {
    return {
      incoming(message: Message, callback: (m: Message) => void) {
        if (message.channel === '/meta/subscribe') {
          if (message.successful === false) subscribeFailed(gen, from(), message.error);
          else if (gen === generation) {
            status.state = 'subscribed';
            everSubscribed = true;
            firstSubscribed?.resolve();
          }
        }
        callback(message);
      },
    };
  }

  async function connect(renew: boolean): Promise<void> {
    const gen = ++generation;
    status.state = 'starting';
    try {
      const conn = await opts.connection(renew);
      if (gen !== generation) return;
      source = conn.instanceUrl;
      if (lastSaved === null && !replayAll) lastSaved = await opts.store.load(source);
      if (gen !== generation) return;
      // Resubscribing before any event was saved: -1 could skip what happened meanwhile, so take
      // every retained event (the log drops those it already has).
      const from = replayAll ? REPLAY_ALL : lastSaved ?? (everSubscribed ? REPLAY_ALL : opts.initialReplay);
      const replay = new StreamingExtension.Replay(opts.channel, from);
      const authFailure = new StreamingExtension.AuthFailure(() => {
        log.warn('cdc: the Streaming API refused the session; logging in again');
        restart(gen, opts.retryDelayMs, true);
      });
      client = conn.streaming.createClient([authFailure, watchSubscribes(gen, () => from), replay]);
      log.info({ replayFrom: from, store: opts.store.kind }, 'cdc: subscribing');
      client.subscribe(opts.channel, (data: unknown) => {
        chain = chain.then(() => processEvent(gen, data));
      }).then(undefined, () => undefined);
    } catch (err) {
      status.failures += 1;
      log.error({ err }, 'cdc: could not connect to the Streaming API; retrying');
      restart(gen, opts.retryDelayMs);
    }
  }

  return {
    start() {
      const ready = new Promise<void>((resolve, reject) => { firstSubscribed = { resolve, reject }; });
      void connect(false);
      return ready;
    },
    async stop() {
      status.state = 'stopped';
      generation += 1;
      clearTimeout(timer);
      await dropClient();
      firstSubscribed?.reject(new Error('cdc consumer stopped before it subscribed'));
      await chain;
      await opts.store.close();
    },
    status: () => ({ ...status, channel: opts.channel, lastReplayId: lastSaved }),
  };
}
