/**
 * Relay connections over the message index's newest-first lists with keyset cursors: a cursor holds
 * the message's sort key (creation time, message id, canonical id), so new messages never shift
 * later pages. `first` is 1..50.
 */
import { buildConnection, checkFirst, decodeCursor, encodeCursor, type Connection } from '../kit/relayConnection';
import { badUserInput } from '../kit/subgraphErrors';
import { isSortKey, sortKey, type MessagePage } from './messageStore';
import type { MessageModel } from './model';

export const MAX_MESSAGES_PAGE = 50;
const KIND = 'teams-message';

/** The sort key a cursor points at; BAD_USER_INPUT naming `after` otherwise. */
export function decodeMessageCursor(after: string | null | undefined): string | null {
  if (after === null || after === undefined) return null;
  const key = decodeCursor('teams', KIND, after);
  if (!isSortKey(key)) throw badUserInput('teams', 'after', 'after is not a cursor from this list');
  return key;
}

/** Validates the arguments (before anything else happens) and returns the page reader's call. */
export function pageArgs(first: number | null | undefined, after: string | null | undefined, fallback: number): { first: number; after: string | null } {
  return { first: checkFirst('teams', first, fallback, MAX_MESSAGES_PAGE), after: decodeMessageCursor(after) };
}

export function messageConnection(page: MessagePage, hadCursor: boolean): Connection<MessageModel> {
  return buildConnection(page.nodes, {
    hasNextPage: page.hasNextPage,
    hasPreviousPage: hadCursor,
    cursorOf: (m) => encodeCursor(KIND, sortKey(m)),
  });
}
