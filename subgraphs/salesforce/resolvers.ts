/**
 * The Salesforce subgraph's resolvers. Reads go through the per-request loaders (entity lookups by
 * id or email batch into one SOQL query per kind), lists through `listContacts`, writes through
 * `contactMutations.ts`, change subscriptions through `contactSubscription.ts`. Arguments are
 * validated before anything is sent upstream.
 */
import type { BulkJob, Resolvers } from '../../schema/generated/salesforce';
import { DateTimeScalar } from '../kit/dateTimeScalar';
import { bulkErrorConnection, bulkJob, bulkUpsertContacts, jobErrors, type BulkJobModel } from './bulkContacts';
import { contactsExport } from './bulkContactsExport';
import { listContacts } from './contactConnection';
import { createContact, deleteContact, updateContact } from './contactMutations';
import type { SalesforceContext } from './context';
import { contactSubscriptionResolvers } from './contactSubscription';
import type { ContactModel } from './model';
import { KEY_PREFIX, requireId } from './salesforceId';
import { selectsField } from './selectsField';

/** A `Contact` entity representation: `{ id }` or `{ email }` (either key of the entity). */
function resolveContactReference(ref: { id?: string | null; email?: string | null }, ctx: SalesforceContext): Promise<ContactModel | null> | null {
  if (typeof ref.id === 'string') return ctx.loaders.contactById.load(ref.id);
  if (typeof ref.email === 'string') return ctx.loaders.contactByEmail.load(ref.email);
  return null;
}

/**
 * `BulkJob` resolves from a `BulkJobModel` (its `errors` come from a field resolver). codegen.ts has no
 * mapper for it yet, so the model crosses the generated type here.
 */
const asBulkJob = (model: BulkJobModel): BulkJob => model as unknown as BulkJob;
const asBulkJobModel = (job: BulkJob): BulkJobModel => job as unknown as BulkJobModel;

export const resolvers: Resolvers<SalesforceContext> = {
  DateTime: DateTimeScalar,
  Query: {
    contact: (_root, { id }, ctx) => ctx.loaders.contactById.load(requireId(KEY_PREFIX.Contact, 'id', id)),
    contactByEmail: (_root, { email }, ctx) => ctx.loaders.contactByEmail.load(email),
    contacts: (_root, args, ctx, info) => listContacts(ctx, args, selectsField(info, 'totalCount')),
    account: (_root, { id }, ctx) => ctx.loaders.accountById.load(requireId(KEY_PREFIX.Account, 'id', id)),
    bulkJob: async (_root, { id }, ctx) => {
      const job = await bulkJob(ctx.client, ctx.call, id);
      return job && asBulkJob(job);
    },
    contactsExport: (_root, args, ctx) => contactsExport(ctx.client, ctx.call, args),
  },
  Subscription: contactSubscriptionResolvers.Subscription,
  ContactChangedEvent: contactSubscriptionResolvers.ContactChangedEvent,
  Mutation: {
    createContact: (_root, { input }, ctx) => createContact(ctx, input),
    updateContact: (_root, { id, input }, ctx) => updateContact(ctx, id, input),
    deleteContact: (_root, { id }, ctx) => deleteContact(ctx, id),
    bulkUpsertContacts: async (_root, { input }, ctx) => asBulkJob(await bulkUpsertContacts(ctx, input)),
  },
  BulkJob: {
    errors: async (job, args, ctx) => bulkErrorConnection(await jobErrors(ctx.client, ctx.call, asBulkJobModel(job)), args),
  },
  Contact: {
    __resolveReference: (ref, ctx) => resolveContactReference(ref, ctx),
    account: (contact, _args, ctx) => (contact.accountId ? ctx.loaders.accountById.load(contact.accountId) : null),
  },
  Account: {
    __resolveReference: (ref, ctx) => ctx.loaders.accountById.load(ref.id),
    contacts: (account, args, ctx, info) => listContacts(ctx, { ...args, filter: { accountId: account.id } }, selectsField(info, 'totalCount')),
  },
};
