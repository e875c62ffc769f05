/**
 * createContact / updateContact / deleteContact: validate (contactInput.ts), write once, then read
 * the contact back through the per-request loader (1 write + 1 query) so the answer shows what
 * Salesforce stored (Name, LastModifiedDate ...). An unknown or deleted id is NOT_FOUND.
 *
 * Every write evicts what it changed from the tenant's entity cache before the read-back and
 * reports it in `extensions.invalidatedTags`: `Contact:<id>`, `Contact:email:<email>` for the email
 * it had (when this process had it cached) and the email it has now, and `Account:<id>` of the
 * account it joins (whose `contacts` list changed).
 */
import type { CreateContactInput, UpdateContactInput } from '../../schema/generated/salesforce';
import { contactEmailTag, entityTag } from '../kit/cacheTags';
import type { EntityCache } from '../kit/entityCache';
import { subgraphError } from '../kit/subgraphErrors';
import type { SalesforceLoaders } from './contactLoaders';
import { createContactFields, INPUT_PATH_OF, updateContactFields } from './contactInput';
import type { ContactModel } from './model';
import type { CallContext, SalesforceClient } from './salesforceClient';
import { contactTags } from './salesforceCacheTags';
import { KEY_PREFIX, normalizeSalesforceId, requireId } from './salesforceId';

export interface MutationDeps {
  client: SalesforceClient;
  call: CallContext;
  loaders: SalesforceLoaders;
  tenant: string;
  entityCache: EntityCache;
  invalidate(tags: Iterable<string>): number;
}

/** What the input changes the contact to (only the keys it names). */
interface ChangedKeys {
  email?: string | null | undefined;
  accountId?: string | null | undefined;
}

/** The tags the write touches: the contact as this process last saw it, and as the input makes it. */
function touchedTags(deps: MutationDeps, id: string, input: ChangedKeys): string[] {
  const before = deps.entityCache.peek<ContactModel>(deps.tenant, 'Contact', id)?.value;
  const tags = before ? contactTags(before) : [entityTag('Contact', id)];
  if (input.email) tags.push(contactEmailTag(input.email));
  const accountId = input.accountId ? normalizeSalesforceId(input.accountId) : null;
  if (accountId) tags.push(entityTag('Account', accountId));
  return tags;
}

/** Forgets what this request's loaders and the tenant's entity cache know about the contact. */
function forget(deps: MutationDeps, tags: string[], id: string): void {
  deps.invalidate(tags);
  deps.loaders.contactById.clear(id);
  deps.loaders.contactByEmail.clearAll();
}

async function readBack(deps: MutationDeps, id: string, reported: readonly string[]): Promise<ContactModel> {
  const contact = await deps.loaders.contactById.load(id);
  if (!contact) throw subgraphError({ code: 'NOT_FOUND', system: 'salesforce', message: 'the contact was not found in Salesforce' });
  const more = contactTags(contact).filter((t) => !reported.includes(t));
  if (more.length) deps.invalidate(more); // Salesforce stored something else than the input said
  return contact;
}

export async function createContact(deps: MutationDeps, input: CreateContactInput): Promise<ContactModel> {
  const fields = createContactFields(input);
  const id = await deps.client.create('Contact', fields, deps.call, { fieldNames: INPUT_PATH_OF });
  deps.call.log.info({ contactId: id }, 'contact created');
  const tags = touchedTags(deps, id, input);
  forget(deps, tags, id);
  return readBack(deps, id, tags);
}

export async function updateContact(deps: MutationDeps, rawId: string, input: UpdateContactInput): Promise<ContactModel> {
  const id = requireId(KEY_PREFIX.Contact, 'id', rawId);
  const fields = updateContactFields(input);
  const tags = touchedTags(deps, id, input);
  await deps.client.update('Contact', id, fields, deps.call, { fieldNames: INPUT_PATH_OF });
  deps.call.log.info({ contactId: id, fields: Object.keys(fields) }, 'contact updated');
  forget(deps, tags, id);
  return readBack(deps, id, tags);
}

export async function deleteContact(deps: MutationDeps, rawId: string): Promise<{ id: string }> {
  const id = requireId(KEY_PREFIX.Contact, 'id', rawId);
  const tags = touchedTags(deps, id, {});
  await deps.client.destroy('Contact', id, deps.call);
  forget(deps, tags, id);
  deps.call.log.info({ contactId: id }, 'contact deleted');
  return { id };
}
