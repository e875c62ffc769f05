/**
 * The Teams subgraph's event intake, wired from its configuration (README "Events"):
 *
 * - the event log (kit `createEventLog`: in process, or Redis Streams with `REDIS_URL`) and the
 *   kit event pipeline (append, then invalidate the entity cache and the gateway's caches);
 * - with `TEAMS_NOTIFICATION_URL`: the two webhooks (`graphWebhook.ts`), the subscription manager
 *   (`subscriptionManager.ts`, started once the server listens, since `auto` needs its URL), the
 *   lifecycle handling (reauthorize / re-create, then catch-up through the message index) and,
 *   with `TEAMS_RICH_NOTIFICATIONS`, the key pair and the validation-token verifier.
 */
import type { Logger } from 'pino';
import type { EntityCache } from '../kit/entityCache';
import type { EventLog } from '../kit/eventLog';
import { createSystemEvents, type EventPipeline } from '../kit/eventPipeline';
import type { SubgraphRoute } from '../kit/subgraphServer';
import { catchUpChannel } from './catchUp';
import type { LifecycleItem } from './changeNotification';
import type { ChannelDirectory } from './channelDirectory';
import type { TeamsConfig } from './config';
import { GRAPH_LIFECYCLE_PATH, GRAPH_NOTIFICATION_PATH } from './eventsConfig';
import type { GraphClient } from './graphClient';
import { createGraphWebhook, type GraphWebhook } from './graphWebhook';
import { mapChatMessage } from './mapping';
import type { MessageIndex } from './messageIndex';
import { loadNotificationKeys, type NotificationKeys } from './notificationCrypto';
import { createSubscriptionManager, type SubscriptionManager } from './subscriptionManager';
import { createValidationTokenVerifier } from './validationTokens';

export interface TeamsEventsOptions {
  config: TeamsConfig;
  graph: GraphClient;
  directory: ChannelDirectory;
  index: MessageIndex;
  entityCache: EntityCache;
  logger: Logger;
}

export interface TeamsEvents {
  log: EventLog;
  pipeline: EventPipeline;
  /** The webhook routes (none when notifications are off). */
  routes: SubgraphRoute[];
  webhook: GraphWebhook | null;
  /** The subscription manager, once `start` ran with notifications on. */
  manager(): SubscriptionManager | null;
  /** Our encryption key pair (rich notifications only). */
  keys: NotificationKeys | null;
  /** Start subscribing; `serverUrl` is the subgraph's own `/graphql` URL (for `auto`). */
  start(serverUrl: string): void;
  close(): Promise<void>;
}

export async function createTeamsEvents(opts: TeamsEventsOptions): Promise<TeamsEvents> {
  const cfg = opts.config.events;
  const log = opts.logger.child({ component: 'events' });
  const { log: eventLog, pipeline } = createSystemEvents('teams', cfg, opts.entityCache, log);
  const on = cfg.notificationUrl !== undefined;
  const keys = on && cfg.richNotifications
    ? await loadNotificationKeys({ certificateFile: cfg.certificateFile, keyFile: cfg.keyFile, certificateId: cfg.certificateId })
    : null;
  let manager: SubscriptionManager | null = null;
  const lifecycleWork = new Set<Promise<void>>();
  const publish = (event: Parameters<EventPipeline['publish']>[0], tags: string[]): Promise<unknown> => pipeline.publish(event, tags);

  async function handleLifecycle(item: LifecycleItem): Promise<void> {
    const sub = manager?.byId(item.subscriptionId);
    if (!manager || !sub) {
      log.info({ subscriptionId: item.subscriptionId, lifecycleEvent: item.lifecycleEvent }, 'lifecycle notification for a subscription this process does not manage');
      return;
    }
    log.info({ subscriptionId: sub.id, channelId: sub.channelId, lifecycleEvent: item.lifecycleEvent }, 'graph lifecycle notification');
    const since = Date.now() - cfg.catchUpWindowMs;
    if (item.lifecycleEvent === 'reauthorizationRequired') await manager.reauthorize(sub.id);
    if (item.lifecycleEvent === 'subscriptionRemoved') await manager.recreate(sub.id);
    const published = await catchUpChannel({
      index: opts.index, publish, tenant: cfg.tenant, teamId: sub.teamId, channelId: sub.channelId, since,
    });
    log.info({ subscriptionId: sub.id, channelId: sub.channelId, published }, 'catch-up after a lifecycle notification done');
  }

  const webhook = on
    ? createGraphWebhook({
      clientState: cfg.clientState,
      tenant: cfg.tenant,
      rich: keys ? {
        keys,
        verifier: createValidationTokenVerifier({ jwksUrl: cfg.validationJwksUrl, issuer: cfg.validationIssuer, audience: opts.config.clientId }),
      } : null,
      publish,
      onMessage: (resource, key) => {
        const message = mapChatMessage(resource, key);
        if (message) opts.index.put(message);
      },
      onLifecycle: (item) => {
        const work = handleLifecycle(item).finally(() => lifecycleWork.delete(work));
        lifecycleWork.add(work);
        return work;
      },
      logger: log,
    })
    : null;

  return {
    log: eventLog,
    pipeline,
    routes: webhook?.routes ?? [],
    webhook,
    manager: () => manager,
    keys,
    start(serverUrl) {
      if (!on || manager) return;
      const auto = cfg.notificationUrl === 'auto';
      manager = createSubscriptionManager({
        graph: opts.graph,
        directory: opts.directory,
        logger: log,
        notificationUrl: auto ? new URL(GRAPH_NOTIFICATION_PATH, serverUrl).toString() : (cfg.notificationUrl as string),
        lifecycleNotificationUrl: auto ? new URL(GRAPH_LIFECYCLE_PATH, serverUrl).toString() : (cfg.lifecycleNotificationUrl as string),
        clientState: cfg.clientState,
        lifetimeMinutes: cfg.subscriptionLifetimeMinutes,
        rich: keys,
      });
      manager.start();
    },
    async close() {
      await Promise.allSettled([...lifecycleWork]);
      await manager?.close();
      await pipeline.drain();
      await eventLog.close();
    },
  };
}
