/**
 * How the sandbox's Event Mesh talks to one webhook (PROTOCOLS.md 3.8, CloudEvents HTTP webhook
 * spec):
 * - the abuse-protection handshake: `OPTIONS <url>` with `WebHook-Request-Origin: <origin>`; the
 *   receiver must answer 200 with `WebHook-Allowed-Origin` equal to that origin or `*`;
 * - delivery: `POST <url>` of the CloudEvent in structured mode (`application/cloudevents+json`,
 *   the whole event as the body) or binary mode (`ce-*` headers, `data` as the body), with the
 *   registered Basic or Bearer credentials (the handshake carries them too);
 * - QoS 1: events queue per webhook in order; a non-2xx answer, a timeout or a network error is
 *   retried with exponential backoff (`initialBackoffMs` doubling up to `maxBackoffMs`) up to
 *   `maxAttempts`, then the event is dropped and counted. The receiver may see an event more than
 *   once (an answer lost after it processed it), so it must dedupe on `source` + `id`.
 * Delivery runs in the background and never blocks the OData write that raised the event.
 */
import type { Logger } from 'pino';
import { Agent, request, type Dispatcher } from 'undici';
import type { CloudEvent } from './salesOrderCloudEvents';

export type WebhookAuth =
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string };

export type ContentMode = 'structured' | 'binary';

export interface WebhookTarget {
  url: string;
  auth: WebhookAuth;
  contentMode: ContentMode;
}

export interface DeliveryPolicy {
  /** Attempts per event, the first included. @default 8 */
  maxAttempts: number;
  /** Wait before the second attempt; doubles per attempt. @default 250 */
  initialBackoffMs: number;
  /** @default 30_000 */
  maxBackoffMs: number;
  /** Per-attempt timeout (handshake too). @default 5_000 */
  timeoutMs: number;
  /** Events queued per webhook; beyond it the oldest waiting one is dropped. @default 10_000 */
  maxQueue: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { maxAttempts: 8, initialBackoffMs: 250, maxBackoffMs: 30_000, timeoutMs: 5_000, maxQueue: 10_000 };

export interface DeliveryStats {
  /** Events the webhook acknowledged with 2xx. */
  delivered: number;
  /** Attempts that failed (non-2xx, timeout, network error), retried or not. */
  failedAttempts: number;
  /** Events given up after `maxAttempts`, or pushed out of a full queue. */
  dropped: number;
  /** Events waiting or in flight. */
  pending: number;
}

export function authorizationHeader(auth: WebhookAuth): string {
  return auth.type === 'basic'
    ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`
    : `Bearer ${auth.token}`;
}

/** The HTTP request body and headers of an event in the given content mode. */
export function encodeCloudEvent(event: CloudEvent, mode: ContentMode): { headers: Record<string, string>; body: string } {
  if (mode === 'structured') return { headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' }, body: JSON.stringify(event) };
  return {
    headers: {
      'content-type': `${event.datacontenttype}; charset=utf-8`,
      'ce-specversion': event.specversion, 'ce-type': event.type, 'ce-source': event.source, 'ce-id': event.id, 'ce-time': event.time,
    },
    body: JSON.stringify(event.data),
  };
}

export type HandshakeResult = { ok: true } | { ok: false; reason: string };

/** Runs the OPTIONS handshake; `ok` only for a 200 whose `WebHook-Allowed-Origin` is `origin` or `*`. */
export async function webhookHandshake(target: WebhookTarget, origin: string, timeoutMs: number, dispatcher?: Dispatcher): Promise<HandshakeResult> {
  let res: Dispatcher.ResponseData;
  try {
    res = await request(target.url, {
      method: 'OPTIONS',
      headers: { 'webhook-request-origin': origin, authorization: authorizationHeader(target.auth) },
      signal: AbortSignal.timeout(timeoutMs),
      ...(dispatcher ? { dispatcher } : {}),
    });
    await res.body.dump();
  } catch (err) {
    return { ok: false, reason: `the OPTIONS handshake failed: ${(err as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable'}` };
  }
  if (res.statusCode !== 200) return { ok: false, reason: `the OPTIONS handshake was answered with ${res.statusCode}, not 200` };
  const allowed = res.headers['webhook-allowed-origin'];
  const value = (Array.isArray(allowed) ? allowed.join(',') : allowed ?? '').trim();
  if (value !== '*' && value.toLowerCase() !== origin.toLowerCase()) {
    return { ok: false, reason: `the OPTIONS handshake did not allow origin '${origin}' (WebHook-Allowed-Origin: '${value.slice(0, 100)}')` };
  }
  return { ok: true };
}

export interface DeliveryQueue {
  enqueue(event: CloudEvent): void;
  stats(): DeliveryStats;
  /** Resolves once nothing is waiting or in flight. */
  idle(): Promise<void>;
  /** Stops: in-flight attempts are aborted, waiting events discarded. */
  close(): void;
}

/** The per-webhook delivery queue (one event in flight at a time, in order). */
export function createDeliveryQueue(target: WebhookTarget, policy: DeliveryPolicy, logger: Logger, dispatcher: Agent): DeliveryQueue {
  const queue: CloudEvent[] = [];
  const stop = new AbortController();
  const counts = { delivered: 0, failedAttempts: 0, dropped: 0 };
  const idleWaiters = new Set<() => void>();
  let running = false;

  const backoff = (attempt: number): number => Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (attempt - 1));
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => {
    const done = (): void => { clearTimeout(timer); stop.signal.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, ms);
    stop.signal.addEventListener('abort', done, { once: true });
  });

  async function attempt(event: CloudEvent): Promise<number | string> {
    const { headers, body } = encodeCloudEvent(event, target.contentMode);
    try {
      const res = await request(target.url, {
        method: 'POST', body, dispatcher,
        headers: { ...headers, authorization: authorizationHeader(target.auth) },
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(policy.timeoutMs)]),
      });
      await res.body.dump();
      return res.statusCode;
    } catch (err) {
      return (err as Error).name === 'TimeoutError' ? 'timeout' : 'network error';
    }
  }

  async function deliver(event: CloudEvent): Promise<boolean> {
    for (let n = 1; n <= policy.maxAttempts && !stop.signal.aborted; n += 1) {
      const outcome = await attempt(event);
      if (typeof outcome === 'number' && outcome >= 200 && outcome < 300) return true;
      if (stop.signal.aborted) return false;
      counts.failedAttempts += 1;
      logger.warn({ webhook: target.url, eventId: event.id, attempt: n, outcome }, 'event delivery failed');
      if (n < policy.maxAttempts) await sleep(backoff(n));
    }
    return false;
  }

  async function pump(): Promise<void> {
    running = true;
    while (queue.length > 0 && !stop.signal.aborted) {
      const event = queue[0] as CloudEvent;
      const ok = await deliver(event);
      if (queue[0] === event) queue.shift();
      if (ok) counts.delivered += 1;
      else if (!stop.signal.aborted) {
        counts.dropped += 1;
        logger.error({ webhook: target.url, eventId: event.id, attempts: policy.maxAttempts }, 'event dropped after the last attempt');
      }
    }
    running = false;
    for (const w of [...idleWaiters]) w();
  }

  return {
    enqueue(event) {
      if (stop.signal.aborted) return;
      if (queue.length >= policy.maxQueue) {
        // Keep the one in flight (index 0); push out the oldest waiting event.
        const [gone] = queue.splice(1, 1);
        counts.dropped += 1;
        logger.error({ webhook: target.url, eventId: gone?.id }, 'event queue full: oldest waiting event dropped');
      }
      queue.push(event);
      if (!running) pump().catch((err: unknown) => logger.error({ err }, 'event delivery crashed'));
    },
    stats: () => ({ ...counts, pending: queue.length }),
    idle: () => (queue.length === 0 && !running ? Promise.resolve() : new Promise<void>((resolve) => {
      const done = (): void => { idleWaiters.delete(done); resolve(); };
      idleWaiters.add(done);
    })),
    close() {
      stop.abort();
      queue.length = 0;
      for (const w of [...idleWaiters]) w();
    },
  };
}
