/**
 * `Mutation.sendMessage`: validates the arguments before anything goes upstream (content not blank
 * and at most 28,000 characters, a well-formed channel id of a watched channel), posts
 * `{"body":{"contentType":"text"|"html","content"}}` to `POST /teams/{team}/channels/{channel}/messages`
 * and returns the created message mapped from Graph's 201 answer, written through to the index.
 * `extensions.invalidatedTags` reports `Message:<id>`, `Channel:<id>` (its message list changed) and,
 * when the author is a user whose mail this process knows, `Contact:email:<mail>` (their list too).
 */
import { contactEmailTag } from '../kit/cacheTags';
import { badUserInput, subgraphError } from '../kit/subgraphErrors';
import type { TeamsContext } from './context';
import { mapChatMessage } from './mapping';
import { CHANNEL_ID } from './messageId';
import type { MessageContentTypeValue, MessageModel } from './model';
import { channelTag, messageTag } from './teamsCacheTags';

/** Longest message body accepted (Teams refuses bodies of roughly 28 KB). */
export const MAX_MESSAGE_CONTENT = 28_000;

export interface SendMessageArgs {
  channelId: string;
  content: string;
  contentType?: MessageContentTypeValue | null;
}

/** What the new message changes; the author's mail only from the cache (no extra directory call). */
function changedTags(message: MessageModel, ctx: TeamsContext): string[] {
  const tags = [messageTag(message.id), channelTag(message.channelId)];
  const mail = message.senderUserId ? ctx.entityCache.peek<string | null>(ctx.tenant, 'User', message.senderUserId.toLowerCase())?.value : null;
  if (mail) tags.push(contactEmailTag(mail));
  return tags;
}

export async function sendMessage(args: SendMessageArgs, ctx: TeamsContext): Promise<MessageModel> {
  if (args.content.trim() === '') throw badUserInput('teams', 'content', 'content must not be blank');
  if (args.content.length > MAX_MESSAGE_CONTENT) throw badUserInput('teams', 'content', `content must be at most ${MAX_MESSAGE_CONTENT} characters`);
  if (!CHANNEL_ID.test(args.channelId)) throw badUserInput('teams', 'channelId', 'channelId is not a Teams channel id (19:...@thread.tacv2)');
  const channel = await ctx.directory.channel(args.channelId);
  if (!channel) {
    throw subgraphError({ code: 'NOT_FOUND', system: 'teams', message: 'No watched Teams channel has this id', extensions: { field: 'channelId' } });
  }
  const created = await ctx.graph.post(
    `/teams/${channel.teamId}/channels/${encodeURIComponent(channel.id)}/messages`,
    { body: { contentType: args.contentType === 'HTML' ? 'html' : 'text', content: args.content } },
    { requestId: ctx.requestId, traceparent: ctx.traceparent },
  );
  const message = mapChatMessage(created, { teamId: channel.teamId, channelId: channel.id });
  if (!message) {
    throw subgraphError({ code: 'UPSTREAM_UNAVAILABLE', system: 'teams', message: 'Microsoft Graph answered the post unexpectedly', retryable: false, cause: new Error('the 201 body is not a root chatMessage') });
  }
  ctx.index.put(message);
  ctx.invalidate(changedTags(message, ctx));
  ctx.log.info({ messageId: message.messageId, channelId: channel.id }, 'message sent');
  return message;
}
