/**
 * Admin endpoints of the sandbox's change notifications (not counted, no faults):
 *
 * | Endpoint | Effect |
 * |---|---|
 * | `POST /__admin/events` `{teamId, channelId, messageId?, changeType?}` | notifies the subscriptions watching that channel about an existing message (default: the channel's newest root) with `changeType` `created` (default), `updated` or `deleted`; 202 `{notified, resource}` |
 * | `POST /__admin/subscriptions/{id}/lifecycle` `{lifecycleEvent}` | sends `reauthorizationRequired` (notifications pause until the app reauthorizes or renews), `subscriptionRemoved` (the subscription is deleted) or `missed`; 202 |
 * | `GET /__admin/subscriptions` | every live subscription of every app, with `needsReauthorization` |
 * | `GET /__admin/notifications` | the recent delivery attempts (`DeliveryRecord`s), oldest first |
 */
import type { Route, SandboxReply, SandboxRequest } from '../../kit/sandboxServer';
import { LIFECYCLE_EVENTS, messageResource, type ChangeNotifier, type LifecycleEvent } from './changeNotifier';
import { channelMessages } from './graphStore';
import { CHANGE_KINDS, type ChangeKind, type SubscriptionStore } from './subscriptionStore';
import type { StoreRef } from './teamsRoutes';

export interface NotificationAdminOptions {
  ref: StoreRef;
  store: SubscriptionStore;
  notifier: ChangeNotifier;
}

function bad(error: string, status = 400): SandboxReply {
  return { status, body: { error } };
}

function json(req: SandboxRequest): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(req.body.toString('utf8') || '{}');
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function emit(opts: NotificationAdminOptions, req: SandboxRequest): SandboxReply {
  const body = json(req);
  if (!body) return bad('the event must be a JSON object');
  const { teamId, channelId, messageId } = body;
  const changeType = body.changeType ?? 'created';
  if (typeof teamId !== 'string' || typeof channelId !== 'string') return bad('teamId and channelId are required strings');
  if (!(CHANGE_KINDS as readonly unknown[]).includes(changeType)) return bad(`changeType must be one of ${CHANGE_KINDS.join(', ')}`);
  const store = channelMessages(opts.ref.data, teamId, channelId);
  if (!store) return bad('no such channel', 404);
  const record = typeof messageId === 'string' ? store.byId.get(messageId) : store.roots.at(-1);
  if (!record) return bad('no such message in the channel', 404);
  const team = teamId.toLowerCase();
  const notified = opts.notifier.messageChanged({ teamId: team, channelId, message: record.message, changeType: changeType as ChangeKind });
  return { status: 202, body: { notified, resource: messageResource(team, channelId, record.message) } };
}

function lifecycle(opts: NotificationAdminOptions, req: SandboxRequest): SandboxReply {
  const body = json(req);
  const event = body?.lifecycleEvent;
  if (!(LIFECYCLE_EVENTS as readonly unknown[]).includes(event)) return bad(`lifecycleEvent must be one of ${LIFECYCLE_EVENTS.join(', ')}`);
  const sub = opts.store.get(req.params.id ?? '');
  if (!sub) return bad('no such subscription', 404);
  opts.notifier.lifecycle(sub, event as LifecycleEvent);
  return { status: 202, body: { subscriptionId: sub.json.id, lifecycleEvent: event, sent: sub.json.lifecycleNotificationUrl !== null } };
}

export function notificationAdminRoutes(opts: NotificationAdminOptions): Route[] {
  return [
    { method: 'POST', path: '/__admin/events', handler: (req) => emit(opts, req) },
    { method: 'POST', path: '/__admin/subscriptions/:id/lifecycle', handler: (req) => lifecycle(opts, req) },
    {
      method: 'GET', path: '/__admin/subscriptions',
      handler: () => ({ status: 200, body: { value: opts.store.list().map((s) => ({ ...s.json, needsReauthorization: s.needsReauthorization })) } }),
    },
    { method: 'GET', path: '/__admin/notifications', handler: () => ({ status: 200, body: { value: opts.notifier.deliveries() } }) },
  ];
}
