/**
 * The sample query `npm start` prints and the README shows: one request that walks CRM -> ERP ->
 * chat on the seeded data (a contact from Salesforce, the SAP orders sold to that contact with
 * their items, and the Teams messages the contact wrote). `test/e2e/federatedGraph` runs it.
 */
export const SAMPLE_EMAIL = 'william.sato@nakatomisystems0.example.com';

export const SAMPLE_QUERY = `query ContactOverview {
  contactByEmail(email: "${SAMPLE_EMAIL}") {
    name
    title
    account { name industry }
    salesOrders(first: 3) {
      totalCount
      nodes {
        number
        status
        totalNetAmount { amount currency }
        items { material quantity netAmount { amount currency } }
      }
    }
    messages(first: 2) {
      nodes { createdAt body { content } channel { displayName } }
    }
  }
}
`;
