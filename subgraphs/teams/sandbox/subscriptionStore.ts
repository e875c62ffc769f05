/**
 * The sandbox's change-notification subscriptions (Graph `subscription` resource) and what they
 * watch. Supported resources, for channel messages (`chatMessage`):
 *
 * | resource | notifies about |
 * |---|---|
 * | `/teams/{team-id}/channels/{channel-id}/messages` | messages and replies of one channel |
 * | `/teams/{team-id}/channels/getAllMessages` | every channel of one team |
 * | `/teams/getAllMessages` | every channel of the tenant |
 *
 * The OData key form (`teams('{id}')/channels('{id}')/messages`) and a missing leading slash are
 * accepted, and channel ids may be percent-encoded. A subscription past its `expirationDateTime`
 * is gone: reads do not return it and nothing is delivered to it.
 */
import type { X509Certificate } from 'node:crypto';
import { GraphHttpError } from './graphErrors';

export type ChangeKind = 'created' | 'updated' | 'deleted';
export const CHANGE_KINDS: readonly ChangeKind[] = ['created', 'updated', 'deleted'];

export type SubscriptionTarget =
  | { kind: 'channel'; teamId: string; channelId: string }
  | { kind: 'team'; teamId: string }
  | { kind: 'tenant' };

/** A subscription as Graph serialises it, plus what the sandbox keeps beside it. */
export interface GraphSubscription {
  id: string;
  resource: string;
  applicationId: string;
  changeType: string;
  clientState: string | null;
  notificationUrl: string;
  notificationQueryOptions: null;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  creatorId: string;
  includeResourceData: boolean;
  latestSupportedTlsVersion: string;
  encryptionCertificate: string | null;
  encryptionCertificateId: string | null;
  notificationUrlAppId: null;
}

export interface StoredSubscription {
  json: GraphSubscription;
  changeTypes: ChangeKind[];
  target: SubscriptionTarget;
  /** The parsed `encryptionCertificate` (rich notifications only). */
  certificate: X509Certificate | null;
  /** Set by a `reauthorizationRequired` lifecycle event; notifications pause until reauthorized or renewed. */
  needsReauthorization: boolean;
}

export interface SubscriptionStore {
  add(sub: StoredSubscription): void;
  /** A live (unexpired) subscription. */
  get(id: string): StoredSubscription | undefined;
  /** Live subscriptions, of one application when given. */
  list(applicationId?: string): StoredSubscription[];
  remove(id: string): boolean;
  /** Live subscriptions that watch this channel for this kind of change. */
  matching(teamId: string, channelId: string, change: ChangeKind): StoredSubscription[];
  clear(): void;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function unsupported(resource: string): GraphHttpError {
  return new GraphHttpError(400, 'InvalidRequest',
    `Resource '${resource.slice(0, 200)}' is not supported. Supported: /teams/{id}/channels/{id}/messages, /teams/{id}/channels/getAllMessages, /teams/getAllMessages.`);
}

/** `teams('x')` → `teams/x`, so both spellings parse alike. */
function unkey(path: string): string {
  return path.replace(/\('([^']*)'\)/g, '/$1');
}

/** The target of a subscription resource; a 400 InvalidRequest GraphHttpError for anything else. */
export function parseResource(resource: string): SubscriptionTarget {
  if (resource.length > 1000 || resource.includes('?')) throw unsupported(resource);
  let segs: string[];
  try {
    segs = unkey(resource.trim()).split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  } catch {
    throw unsupported(resource);
  }
  const [teams, teamId, channels, channelId, messages] = segs;
  if (teams?.toLowerCase() !== 'teams') throw unsupported(resource);
  if (segs.length === 2 && teamId === 'getAllMessages') return { kind: 'tenant' };
  if (!teamId || !GUID.test(teamId) || channels?.toLowerCase() !== 'channels') throw unsupported(resource);
  if (segs.length === 4 && channelId === 'getAllMessages') return { kind: 'team', teamId: teamId.toLowerCase() };
  if (segs.length === 5 && channelId && messages?.toLowerCase() === 'messages') return { kind: 'channel', teamId: teamId.toLowerCase(), channelId };
  throw unsupported(resource);
}

function watches(target: SubscriptionTarget, teamId: string, channelId: string): boolean {
  if (target.kind === 'tenant') return true;
  if (target.kind === 'team') return target.teamId === teamId.toLowerCase();
  return target.teamId === teamId.toLowerCase() && target.channelId === channelId;
}

export function createSubscriptionStore(now: () => number = Date.now): SubscriptionStore {
  const byId = new Map<string, StoredSubscription>();
  const live = (s: StoredSubscription): boolean => Date.parse(s.json.expirationDateTime) > now();
  const sweep = (): void => {
    for (const [id, s] of byId) if (!live(s)) byId.delete(id);
  };
  return {
    add(sub) {
      byId.set(sub.json.id, sub);
    },
    get(id) {
      sweep();
      return byId.get(id);
    },
    list(applicationId) {
      sweep();
      return [...byId.values()].filter((s) => applicationId === undefined || s.json.applicationId === applicationId);
    },
    remove: (id) => byId.delete(id),
    matching(teamId, channelId, change) {
      sweep();
      return [...byId.values()].filter((s) => s.changeTypes.includes(change) && watches(s.target, teamId, channelId));
    },
    clear: () => byId.clear(),
  };
}
