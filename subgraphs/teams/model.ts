/**
 * The Teams subgraph's parent types (codegen maps the GraphQL types onto these; see codegen.ts).
 */

export type MessageContentTypeValue = 'TEXT' | 'HTML';
export type MessageImportanceValue = 'NORMAL' | 'HIGH' | 'URGENT';

export interface TeamModel {
  id: string;
  displayName: string;
  description: string | null;
}

export interface ChannelModel {
  id: string;
  teamId: string;
  displayName: string;
  description: string | null;
}

/** A root `chatMessage` mapped to canonical names; `id` encodes team, channel and message id. */
export interface MessageModel {
  id: string;
  messageId: string;
  teamId: string;
  channelId: string;
  body: { contentType: MessageContentTypeValue; content: string };
  subject: string | null;
  importance: MessageImportanceValue;
  createdAt: string;
  updatedAt: string | null;
  webUrl: string | null;
  /** Graph user id of the author (`from.user.id`); null for applications and bots. */
  senderUserId: string | null;
}

/** A Contact reference as Teams receives it from the gateway: the email key. */
export interface ContactRefModel {
  email: string;
}
