/**
 * The sandbox tenant's data: users (one per seed person, `mail` = the person's email), teams,
 * channels and channel messages with replies. Built from the seed by `graphSeed.ts`, changed by
 * posts, and restored by `reset()`.
 *
 * Change tracking: every root message carries a sequence number `seq`, raised from one global
 * counter whenever the message (or its reply thread) changes. Delta tokens remember a `seq`
 * watermark, so a delta round returns exactly the roots changed after it.
 */
import type { SeedSize } from '../../kit/seedPeople';

export interface GraphUser {
  id: string;
  displayName: string;
  givenName: string;
  surname: string;
  mail: string;
  userPrincipalName: string;
  jobTitle: string;
  businessPhones: string[];
  mobilePhone: string;
  officeLocation: string;
  preferredLanguage: string;
  companyName: string;
  department: string;
  city: string;
  country: string;
  usageLocation: string;
  accountEnabled: boolean;
  createdDateTime: string;
}

/** The properties `GET /users` returns unless `$select` asks for others (Graph's default set). */
export const USER_DEFAULT_PROPERTIES = [
  'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage',
  'surname', 'userPrincipalName', 'id',
] as const;

export interface GraphTeam {
  id: string;
  createdDateTime: string;
  displayName: string;
  description: string;
  internalId: string;
  classification: string | null;
  specialization: 'none';
  visibility: 'public' | 'private';
  webUrl: string;
  isArchived: boolean;
  tenantId: string;
  isMembershipLimitedToOwners: boolean;
  memberSettings: Record<string, boolean>;
  guestSettings: Record<string, boolean>;
  messagingSettings: Record<string, boolean>;
  funSettings: Record<string, boolean | string>;
  discoverySettings: { showInTeamsSearchAndSuggestions: boolean };
  summary: { ownersCount: number; membersCount: number; guestsCount: number };
}

export interface GraphChannel {
  id: string;
  createdDateTime: string;
  displayName: string;
  description: string | null;
  isFavoriteByDefault: boolean | null;
  email: string;
  tenantId: string;
  webUrl: string;
  membershipType: 'standard' | 'private' | 'shared';
  isArchived: boolean;
}

export interface IdentitySet {
  application: { '@odata.type'?: string; id: string; displayName: string; applicationIdentityType: string } | null;
  device: null;
  user: { '@odata.type': '#microsoft.graph.teamworkUserIdentity'; id: string; displayName: string | null; userIdentityType: 'aadUser'; tenantId: string } | null;
}

/** A chatMessage as Graph serialises it (PROTOCOLS.md 2.4). */
export interface ChatMessage {
  id: string;
  replyToId: string | null;
  etag: string;
  messageType: 'message' | 'systemEventMessage';
  createdDateTime: string;
  lastModifiedDateTime: string;
  lastEditedDateTime: string | null;
  deletedDateTime: string | null;
  subject: string | null;
  summary: string | null;
  chatId: null;
  importance: 'normal' | 'high' | 'urgent';
  locale: string;
  webUrl: string;
  policyViolation: null;
  eventDetail: Record<string, unknown> | null;
  from: IdentitySet | null;
  body: { contentType: 'text' | 'html'; content: string };
  channelIdentity: { teamId: string; channelId: string };
  attachments: Array<Record<string, unknown>>;
  mentions: Array<Record<string, unknown>>;
  reactions: Array<Record<string, unknown>>;
  messageHistory: Array<Record<string, unknown>>;
}

export interface MessageRecord {
  message: ChatMessage;
  /** Change-tracking sequence (roots only; replies bump their root). */
  seq: number;
  /** Replies, oldest first (roots only). */
  replies: MessageRecord[];
}

export interface ChannelMessages {
  /** Root messages, oldest first (ids ascend with creation time). */
  roots: MessageRecord[];
  /** Every message of the channel (roots and replies) by id. */
  byId: Map<string, MessageRecord>;
  /** The highest message id (epoch ms) used in this channel. */
  lastId: number;
}

export interface GraphData {
  tenantId: string;
  users: GraphUser[];
  usersById: Map<string, GraphUser>;
  /** By lower-cased `mail` and `userPrincipalName`. */
  usersByMail: Map<string, GraphUser>;
  teams: GraphTeam[];
  teamsById: Map<string, GraphTeam>;
  /** Member user ids per team id. */
  teamMembers: Map<string, string[]>;
  channelsByTeam: Map<string, GraphChannel[]>;
  /** Keyed by `channelKey(teamId, channelId)`. */
  messages: Map<string, ChannelMessages>;
  /** The last change sequence handed out. */
  seq: number;
}

export interface GraphSize extends SeedSize {
  /** @default 10 */
  teams?: number;
  /** @default 50 */
  channels?: number;
  /** Root channel messages (replies come on top). @default 10000 */
  messages?: number;
}

export function channelKey(teamId: string, channelId: string): string {
  return `${teamId.toLowerCase()}|${channelId}`;
}

export function findUser(data: GraphData, idOrUpn: string): GraphUser | undefined {
  const k = idOrUpn.toLowerCase();
  return data.usersById.get(k) ?? data.usersByMail.get(k);
}

export function findTeam(data: GraphData, teamId: string): GraphTeam | undefined {
  return data.teamsById.get(teamId.toLowerCase());
}

export function findChannel(data: GraphData, teamId: string, channelId: string): GraphChannel | undefined {
  return data.channelsByTeam.get(teamId.toLowerCase())?.find((c) => c.id === channelId);
}

export function channelMessages(data: GraphData, teamId: string, channelId: string): ChannelMessages | undefined {
  return data.messages.get(channelKey(teamId, channelId));
}

export function messageWebUrl(tenantId: string, teamId: string, channelId: string, id: string, parentId: string): string {
  return `https://teams.microsoft.com/l/message/${encodeURIComponent(channelId)}/${id}?groupId=${teamId}&tenantId=${tenantId}`
    + `&createdTime=${id}&parentMessageId=${parentId}`;
}

/** A fresh message id for a channel: epoch ms, strictly above every id used there. */
export function nextMessageId(channel: ChannelMessages, now = Date.now()): number {
  const id = Math.max(now, channel.lastId + 1);
  channel.lastId = id;
  return id;
}

/** Record a change to a root message (its own edit or a new reply) for delta queries. */
export function touchRoot(data: GraphData, root: MessageRecord, whenIso: string): void {
  data.seq += 1;
  root.seq = data.seq;
  root.message.lastModifiedDateTime = whenIso;
  root.message.etag = String(Date.parse(whenIso));
}

export function userIdentity(user: Pick<GraphUser, 'id' | 'displayName'>, tenantId: string): IdentitySet {
  return {
    application: null,
    device: null,
    user: { '@odata.type': '#microsoft.graph.teamworkUserIdentity', id: user.id, displayName: user.displayName, userIdentityType: 'aadUser', tenantId },
  };
}

export interface NewMessage {
  tenantId: string;
  teamId: string;
  channelId: string;
  id: number;
  /** The root's id for a reply, null for a root message. */
  replyToId: string | null;
  from: IdentitySet | null;
  body: ChatMessage['body'];
  subject?: string | null;
  importance?: ChatMessage['importance'];
  mentions?: Array<Record<string, unknown>>;
  attachments?: Array<Record<string, unknown>>;
}

/** A chatMessage with every field Graph returns, created at `id` (epoch ms). */
export function buildChatMessage(m: NewMessage): ChatMessage {
  const at = new Date(m.id).toISOString();
  const id = String(m.id);
  return {
    id, replyToId: m.replyToId, etag: id, messageType: 'message', createdDateTime: at, lastModifiedDateTime: at,
    lastEditedDateTime: null, deletedDateTime: null, subject: m.subject ?? null, summary: null, chatId: null,
    importance: m.importance ?? 'normal', locale: 'en-us',
    webUrl: messageWebUrl(m.tenantId, m.teamId, m.channelId, id, m.replyToId ?? id),
    policyViolation: null, eventDetail: null, from: m.from, body: m.body,
    channelIdentity: { teamId: m.teamId, channelId: m.channelId },
    attachments: m.attachments ?? [], mentions: m.mentions ?? [], reactions: [], messageHistory: [],
  };
}
