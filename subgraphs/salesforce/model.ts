/**
 * The Salesforce subgraph's parent types: what its resolvers return for `Contact` and `Account`
 * (codegen maps the GraphQL types onto these; see codegen.ts). Field resolvers derive the rest.
 */

/** A Contact as read from Salesforce, mapped to canonical names. Dates are ISO strings in UTC. */
export interface ContactModel {
  id: string;
  email: string | null;
  firstName: string | null;
  lastName: string;
  name: string;
  title: string | null;
  phone: string | null;
  department: string | null;
  accountId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AccountModel {
  id: string;
  name: string;
  industry: string | null;
  website: string | null;
  phone: string | null;
  billingCity: string | null;
  billingCountry: string | null;
}
