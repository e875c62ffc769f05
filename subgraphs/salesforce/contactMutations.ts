/**
 * createContact / updateContact / deleteContact: validate (contactInput.ts), write once, then read
 * the contact back through the per-request loader (1 write + 1 query) so the answer shows what
 * Salesforce stored (Name, LastModifiedDate ...). An unknown or deleted id is NOT_FOUND.
 */
import type { CreateContactInput, UpdateContactInput } from '../../schema/generated/salesforce';
import { subgraphError } from '../kit/subgraphErrors';
import type { SalesforceLoaders } from './contactLoaders';
import { createContactFields, INPUT_PATH_OF, updateContactFields } from './contactInput';
import type { ContactModel } from './model';
import type { CallContext, SalesforceClient } from './salesforceClient';
import { KEY_PREFIX, requireId } from './salesforceId';

export interface MutationDeps {
  client: SalesforceClient;
  call: CallContext;
  loaders: SalesforceLoaders;
}

/** Forgets what this request's loaders know about the contact (its email may have changed). */
function forget(deps: MutationDeps, id: string): void {
  deps.loaders.contactById.clear(id);
  deps.loaders.contactByEmail.clearAll();
}

async function readBack(deps: MutationDeps, id: string): Promise<ContactModel> {
  forget(deps, id);
  const contact = await deps.loaders.contactById.load(id);
  if (!contact) throw subgraphError({ code: 'NOT_FOUND', system: 'salesforce', message: 'the contact was not found in Salesforce' });
  return contact;
}

export async function createContact(deps: MutationDeps, input: CreateContactInput): Promise<ContactModel> {
  const fields = createContactFields(input);
  const id = await deps.client.create('Contact', fields, deps.call, { fieldNames: INPUT_PATH_OF });
  deps.call.log.info({ contactId: id }, 'contact created');
  return readBack(deps, id);
}

export async function updateContact(deps: MutationDeps, rawId: string, input: UpdateContactInput): Promise<ContactModel> {
  const id = requireId(KEY_PREFIX.Contact, 'id', rawId);
  const fields = updateContactFields(input);
  await deps.client.update('Contact', id, fields, deps.call, { fieldNames: INPUT_PATH_OF });
  deps.call.log.info({ contactId: id, fields: Object.keys(fields) }, 'contact updated');
  return readBack(deps, id);
}

export async function deleteContact(deps: MutationDeps, rawId: string): Promise<{ id: string }> {
  const id = requireId(KEY_PREFIX.Contact, 'id', rawId);
  await deps.client.destroy('Contact', id, deps.call);
  forget(deps, id);
  deps.call.log.info({ contactId: id }, 'contact deleted');
  return { id };
}
