/**
 * Contacts as a Relay connection with keyset paging on Id: `ORDER BY Id`, `WHERE Id > :after`,
 * `LIMIT first + 1` (the extra row says whether there is a next page). The cursor is the last Id,
 * opaque (kit `encodeCursor`). `totalCount` costs one `SELECT COUNT() ...` with the same filter,
 * run in parallel with the page and only when the client selected it.
 */
import type { ContactFilter, ResolversTypes } from '../../schema/generated/salesforce';
import { buildConnection, checkFirst, decodeCursor, encodeCursor } from '../kit/relayConnection';
import type { SalesforceLoaders } from './contactLoaders';
import { contactFilterConditions } from './contactFilter';
import { CONTACT_FIELDS, toContactModel } from './mapping';
import type { CallContext, SalesforceClient } from './salesforceClient';
import { KEY_PREFIX, requireId } from './salesforceId';
import { soqlString } from './soql';

export const DEFAULT_FIRST = 20;
export const MAX_FIRST = 200;
const CURSOR_KIND = 'sfcontact';

/**
 * Stands in for `totalCount` when the client did not select it: GraphQL never reads an unselected
 * field, so this value is never serialised (the generated type wants a number there).
 */
const NOT_COUNTED = -1;

export interface ContactListArgs {
  first?: number | null;
  after?: string | null;
  filter?: ContactFilter | null;
}

export interface ContactListDeps {
  client: SalesforceClient;
  call: CallContext;
  loaders: SalesforceLoaders;
}

export type ContactConnectionResult = ResolversTypes['ContactConnection'];

const cursorOf = (id: string): string => encodeCursor(CURSOR_KIND, id);

function where(conditions: string[]): string {
  return conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '';
}

/** One page of contacts matching `args.filter` (validated before anything is sent). */
export async function listContacts(deps: ContactListDeps, args: ContactListArgs, withTotal: boolean): Promise<ContactConnectionResult> {
  const first = checkFirst('salesforce', args.first, DEFAULT_FIRST, MAX_FIRST);
  const afterId = args.after != null ? requireId(KEY_PREFIX.Contact, 'after', decodeCursor('salesforce', CURSOR_KIND, args.after)) : null;
  const conditions = contactFilterConditions(args.filter);
  const pageConditions = afterId ? [...conditions, `Id > ${soqlString(afterId)}`] : conditions;
  const pageSoql = `SELECT ${CONTACT_FIELDS.join(', ')} FROM Contact${where(pageConditions)} ORDER BY Id LIMIT ${first + 1}`;
  const [page, total] = await Promise.all([
    deps.client.query(pageSoql, deps.call, first + 1),
    withTotal ? deps.client.query(`SELECT COUNT() FROM Contact${where(conditions)}`, deps.call, 1) : null,
  ]);
  const nodes = page.records.slice(0, first).map(toContactModel);
  for (const node of nodes) deps.loaders.contactById.prime(node.id, node);
  const connection = buildConnection(nodes, {
    hasNextPage: page.records.length > first,
    hasPreviousPage: afterId !== null,
    cursorOf: (node) => cursorOf(node.id),
  });
  return { ...connection, totalCount: total ? total.totalSize : NOT_COUNTED };
}
