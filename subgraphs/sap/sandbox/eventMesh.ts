/**
 * The sandbox's stand-in for SAP Event Mesh with webhook subscriptions: webhooks registered through
 * the admin API (after the CloudEvents OPTIONS handshake) receive a CloudEvent after every committed
 * sales-order write (`salesOrderCloudEvents.ts`), with QoS 1 retries (`webhookDelivery.ts`).
 *
 * Admin API (next to the kit's `/__admin/*`; bodies and answers are JSON, errors `{ "error" }`):
 * - `POST /__admin/webhooks` `{ url, auth: { type: 'basic', username, password } | { type: 'bearer', token },
 *   contentMode?: 'structured' | 'binary' }` → 201 with the webhook (200 when that URL was already
 *   registered: its auth and mode are replaced); 400 for a bad body, 422 when the handshake fails.
 * - `GET /__admin/webhooks` → `{ webhooks: [{ id, url, auth: { type, username? }, contentMode, createdAt, stats }] }`
 *   (secrets are never echoed).
 * - `DELETE /__admin/webhooks/:id` → 200, or 404.
 * - `POST /__admin/events` `{ salesOrder, kind?: 'Created' | 'Changed' | 'Deleted', id? }` → 202
 *   `{ event, webhooks }`: emits an event for the order as it is stored (404 when it is not, except
 *   for `Deleted`); `id` fixes the CloudEvent id (to replay a duplicate).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import type { Route, SandboxReply } from '../../kit/sandboxServer';
import {
  DEFAULT_EVENT_SOURCE, SALES_ORDER_EVENT_KINDS, salesOrderCloudEvent, salesOrderEventsFor,
  type CloudEvent, type SalesOrderEventKind,
} from './salesOrderCloudEvents';
import type { SapStore } from './sapStore';
import {
  createDeliveryQueue, DEFAULT_DELIVERY_POLICY, webhookHandshake,
  type DeliveryPolicy, type DeliveryQueue, type DeliveryStats, type WebhookTarget,
} from './webhookDelivery';
import { parseWebhookRegistration } from './webhookRegistration';

export interface EventMeshOptions extends Partial<DeliveryPolicy> {
  /** CloudEvents `source`. @default '/default/sap.s4.beh/S4HCLNT100' */
  source?: string;
  /** `WebHook-Request-Origin` of the handshake. @default 'sap-event-mesh.sandbox.lumina.local' */
  origin?: string;
}

export interface WebhookView {
  id: string;
  url: string;
  auth: { type: 'basic'; username: string } | { type: 'bearer' };
  contentMode: WebhookTarget['contentMode'];
  createdAt: string;
  stats: DeliveryStats;
}

export interface EventMesh {
  readonly source: string;
  /** Handshake, then register (or replace the registration of the same URL). */
  register(target: WebhookTarget): Promise<{ ok: true; created: boolean; webhook: WebhookView } | { ok: false; reason: string }>;
  unregister(id: string): boolean;
  list(): WebhookView[];
  /** Queues the event for every webhook; returns how many. */
  publish(event: CloudEvent): number;
  /** Turns committed store changes into events and publishes them. */
  publishChanges(): void;
  /** Resolves once every webhook's queue is empty (tests). */
  idle(): Promise<void>;
  adminRoutes(): Route[];
  close(): Promise<void>;
}

interface Registered { id: string; target: WebhookTarget; createdAt: string; queue: DeliveryQueue }

export const DEFAULT_EVENT_ORIGIN = 'sap-event-mesh.sandbox.lumina.local';

function readJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function createEventMesh(store: SapStore, logger: Logger, options: EventMeshOptions = {}): EventMesh {
  const policy: DeliveryPolicy = {
    maxAttempts: options.maxAttempts ?? DEFAULT_DELIVERY_POLICY.maxAttempts,
    initialBackoffMs: options.initialBackoffMs ?? DEFAULT_DELIVERY_POLICY.initialBackoffMs,
    maxBackoffMs: options.maxBackoffMs ?? DEFAULT_DELIVERY_POLICY.maxBackoffMs,
    timeoutMs: options.timeoutMs ?? DEFAULT_DELIVERY_POLICY.timeoutMs,
    maxQueue: options.maxQueue ?? DEFAULT_DELIVERY_POLICY.maxQueue,
  };
  const source = options.source ?? DEFAULT_EVENT_SOURCE;
  const origin = options.origin ?? DEFAULT_EVENT_ORIGIN;
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 8 });
  const hooks = new Map<string, Registered>();

  const view = (r: Registered): WebhookView => ({
    id: r.id, url: r.target.url, contentMode: r.target.contentMode, createdAt: r.createdAt, stats: r.queue.stats(),
    auth: r.target.auth.type === 'basic' ? { type: 'basic', username: r.target.auth.username } : { type: 'bearer' },
  });

  function publish(event: CloudEvent): number {
    for (const r of hooks.values()) r.queue.enqueue(event);
    logger.debug({ type: event.type, id: event.id, webhooks: hooks.size }, 'business event raised');
    return hooks.size;
  }

  const mesh: EventMesh = {
    source,
    async register(target) {
      const hs = await webhookHandshake(target, origin, policy.timeoutMs, agent);
      if (!hs.ok) return hs;
      const existing = [...hooks.values()].find((r) => r.target.url === target.url);
      existing?.queue.close();
      const r: Registered = {
        id: existing?.id ?? randomUUID(), target, createdAt: existing?.createdAt ?? new Date().toISOString(),
        queue: createDeliveryQueue(target, policy, logger, agent),
      };
      hooks.set(r.id, r);
      logger.info({ webhook: target.url, auth: target.auth.type, contentMode: target.contentMode }, 'webhook registered');
      return { ok: true, created: !existing, webhook: view(r) };
    },
    unregister(id) {
      const r = hooks.get(id);
      r?.queue.close();
      return hooks.delete(id);
    },
    list: () => [...hooks.values()].map(view),
    publish,
    publishChanges() {
      for (const event of salesOrderEventsFor(store.takeChanges(), source)) publish(event);
    },
    async idle() {
      await Promise.all([...hooks.values()].map((r) => r.queue.idle()));
    },
    adminRoutes: () => adminRoutes(mesh, store),
    async close() {
      for (const r of hooks.values()) r.queue.close();
      hooks.clear();
      await agent.destroy();
    },
  };
  return mesh;
}

function emitOnDemand(mesh: EventMesh, store: SapStore, raw: unknown): SandboxReply {
  const bad = (error: string): SandboxReply => ({ status: 400, body: { error } });
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return bad('the body must be a JSON object { salesOrder, kind?, id? }');
  const body = raw as Record<string, unknown>;
  if (typeof body.salesOrder !== 'string' || !/^\d{1,10}$/.test(body.salesOrder)) return bad('salesOrder must be a sales order number (1 to 10 digits)');
  const kind = (body.kind ?? 'Changed') as SalesOrderEventKind;
  if (!SALES_ORDER_EVENT_KINDS.includes(kind)) return bad(`kind must be one of ${SALES_ORDER_EVENT_KINDS.join(', ')}`);
  if (body.id !== undefined && (typeof body.id !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(body.id))) return bad('id must be 1 to 128 visible ASCII characters');
  const order = store.get('A_SalesOrder', body.salesOrder) ?? (kind === 'Deleted' ? { SalesOrder: body.salesOrder } : undefined);
  if (!order) return { status: 404, body: { error: `sales order ${body.salesOrder} does not exist` } };
  const event = salesOrderCloudEvent({ kind, order, source: mesh.source, ...(typeof body.id === 'string' ? { id: body.id } : {}) });
  return { status: 202, body: { event, webhooks: mesh.publish(event) } };
}

function adminRoutes(mesh: EventMesh, store: SapStore): Route[] {
  return [
    {
      method: 'POST', path: '/__admin/webhooks',
      handler: async (req): Promise<SandboxReply> => {
        const parsed = parseWebhookRegistration(readJson(req.body));
        if (!parsed.ok) return { status: 400, body: { error: parsed.reason } };
        const result = await mesh.register(parsed.target);
        if (!result.ok) return { status: 422, body: { error: result.reason } };
        return { status: result.created ? 201 : 200, body: result.webhook };
      },
    },
    { method: 'GET', path: '/__admin/webhooks', handler: () => ({ status: 200, body: { webhooks: mesh.list() } }) },
    {
      method: 'DELETE', path: '/__admin/webhooks/:id',
      handler: (req) => (mesh.unregister(req.params.id ?? '')
        ? { status: 200, body: { deleted: req.params.id } }
        : { status: 404, body: { error: 'no such webhook' } }),
    },
    { method: 'POST', path: '/__admin/events', handler: (req) => emitOnDemand(mesh, store, readJson(req.body)) },
  ];
}
