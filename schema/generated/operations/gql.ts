/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query ContactOverview($email: String!, $orders: Int = 5, $messages: Int = 5) {\n  contactByEmail(email: $email) {\n    id\n    name\n    email\n    title\n    department\n    phone\n    account {\n      id\n      name\n      industry\n      website\n      billingCity\n      billingCountry\n    }\n    salesOrders(first: $orders) {\n      totalCount\n      nodes {\n        ...SalesOrderSummary\n        ...SalesOrderLines\n      }\n    }\n    messages(first: $messages) {\n      nodes {\n        ...MessageSummary\n      }\n    }\n  }\n}": typeof types.ContactOverviewDocument,
    "mutation CreateContact($input: CreateContactInput!) {\n  createContact(input: $input) {\n    id\n    name\n    email\n    title\n    createdAt\n    account {\n      id\n      name\n    }\n  }\n}": typeof types.CreateContactDocument,
    "query ListTeams {\n  teams {\n    id\n    displayName\n    description\n  }\n}": typeof types.ListTeamsDocument,
    "query OrdersOfContact($email: String!, $first: Int = 20, $after: String, $status: SalesOrderStatus) {\n  contactByEmail(email: $email) {\n    id\n    name\n    salesOrders(first: $first, after: $after, status: $status) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          ...SalesOrderSummary\n        }\n      }\n    }\n  }\n}": typeof types.OrdersOfContactDocument,
    "query RecentChannelMessages($teamId: ID!, $channelId: ID!, $first: Int = 20, $after: String) {\n  channel(teamId: $teamId, channelId: $channelId) {\n    id\n    displayName\n    description\n    team {\n      id\n      displayName\n    }\n    messages(first: $first, after: $after) {\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        ...MessageSummary\n        sender {\n          id\n          name\n          email\n          account {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n}": typeof types.RecentChannelMessagesDocument,
    "query SalesOrderById($id: ID!) {\n  salesOrder(id: $id) {\n    ...SalesOrderSummary\n    ...SalesOrderLines\n    version\n    soldToParty\n    createdAt\n    updatedAt\n    soldTo {\n      id\n      name\n      email\n      account {\n        id\n        name\n      }\n    }\n  }\n}": typeof types.SalesOrderByIdDocument,
    "subscription SalesOrderChanged($id: ID, $after: String) {\n  salesOrderChanged(id: $id, after: $after) {\n    cursor\n    changeType\n    occurredAt\n    orderId\n    order {\n      ...SalesOrderSummary\n      soldTo {\n        id\n        name\n        email\n      }\n    }\n  }\n}": typeof types.SalesOrderChangedDocument,
    "query SearchContacts($filter: ContactFilter, $first: Int = 20, $after: String) {\n  contacts(filter: $filter, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      email\n      title\n      account {\n        id\n        name\n      }\n    }\n  }\n}": typeof types.SearchContactsDocument,
    "mutation SendMessage($channelId: ID!, $content: String!, $contentType: MessageContentType = TEXT) {\n  sendMessage(channelId: $channelId, content: $content, contentType: $contentType) {\n    id\n    messageId\n    createdAt\n    webUrl\n    channel {\n      id\n      displayName\n    }\n  }\n}": typeof types.SendMessageDocument,
    "mutation UpdateSalesOrderStatus($id: ID!, $status: SalesOrderStatus!, $expectedVersion: String) {\n  updateSalesOrderStatus(\n    id: $id\n    status: $status\n    expectedVersion: $expectedVersion\n  ) {\n    id\n    number\n    status\n    version\n    updatedAt\n  }\n}": typeof types.UpdateSalesOrderStatusDocument,
    "fragment MoneyFields on Money {\n  amount\n  currency\n}\n\nfragment SalesOrderSummary on SalesOrder {\n  id\n  number\n  type\n  status\n  orderDate\n  requestedDeliveryDate\n  purchaseOrderByCustomer\n  totalNetAmount {\n    ...MoneyFields\n  }\n}\n\nfragment SalesOrderLines on SalesOrder {\n  items {\n    id\n    itemNumber\n    material\n    description\n    quantity\n    quantityUnit\n    netAmount {\n      ...MoneyFields\n    }\n  }\n}\n\nfragment MessageSummary on Message {\n  id\n  subject\n  importance\n  createdAt\n  webUrl\n  body {\n    contentType\n    content\n  }\n  channel {\n    id\n    displayName\n  }\n  team {\n    id\n    displayName\n  }\n}": typeof types.MoneyFieldsFragmentDoc,
};
const documents: Documents = {
    "query ContactOverview($email: String!, $orders: Int = 5, $messages: Int = 5) {\n  contactByEmail(email: $email) {\n    id\n    name\n    email\n    title\n    department\n    phone\n    account {\n      id\n      name\n      industry\n      website\n      billingCity\n      billingCountry\n    }\n    salesOrders(first: $orders) {\n      totalCount\n      nodes {\n        ...SalesOrderSummary\n        ...SalesOrderLines\n      }\n    }\n    messages(first: $messages) {\n      nodes {\n        ...MessageSummary\n      }\n    }\n  }\n}": types.ContactOverviewDocument,
    "mutation CreateContact($input: CreateContactInput!) {\n  createContact(input: $input) {\n    id\n    name\n    email\n    title\n    createdAt\n    account {\n      id\n      name\n    }\n  }\n}": types.CreateContactDocument,
    "query ListTeams {\n  teams {\n    id\n    displayName\n    description\n  }\n}": types.ListTeamsDocument,
    "query OrdersOfContact($email: String!, $first: Int = 20, $after: String, $status: SalesOrderStatus) {\n  contactByEmail(email: $email) {\n    id\n    name\n    salesOrders(first: $first, after: $after, status: $status) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          ...SalesOrderSummary\n        }\n      }\n    }\n  }\n}": types.OrdersOfContactDocument,
    "query RecentChannelMessages($teamId: ID!, $channelId: ID!, $first: Int = 20, $after: String) {\n  channel(teamId: $teamId, channelId: $channelId) {\n    id\n    displayName\n    description\n    team {\n      id\n      displayName\n    }\n    messages(first: $first, after: $after) {\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        ...MessageSummary\n        sender {\n          id\n          name\n          email\n          account {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n}": types.RecentChannelMessagesDocument,
    "query SalesOrderById($id: ID!) {\n  salesOrder(id: $id) {\n    ...SalesOrderSummary\n    ...SalesOrderLines\n    version\n    soldToParty\n    createdAt\n    updatedAt\n    soldTo {\n      id\n      name\n      email\n      account {\n        id\n        name\n      }\n    }\n  }\n}": types.SalesOrderByIdDocument,
    "subscription SalesOrderChanged($id: ID, $after: String) {\n  salesOrderChanged(id: $id, after: $after) {\n    cursor\n    changeType\n    occurredAt\n    orderId\n    order {\n      ...SalesOrderSummary\n      soldTo {\n        id\n        name\n        email\n      }\n    }\n  }\n}": types.SalesOrderChangedDocument,
    "query SearchContacts($filter: ContactFilter, $first: Int = 20, $after: String) {\n  contacts(filter: $filter, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      email\n      title\n      account {\n        id\n        name\n      }\n    }\n  }\n}": types.SearchContactsDocument,
    "mutation SendMessage($channelId: ID!, $content: String!, $contentType: MessageContentType = TEXT) {\n  sendMessage(channelId: $channelId, content: $content, contentType: $contentType) {\n    id\n    messageId\n    createdAt\n    webUrl\n    channel {\n      id\n      displayName\n    }\n  }\n}": types.SendMessageDocument,
    "mutation UpdateSalesOrderStatus($id: ID!, $status: SalesOrderStatus!, $expectedVersion: String) {\n  updateSalesOrderStatus(\n    id: $id\n    status: $status\n    expectedVersion: $expectedVersion\n  ) {\n    id\n    number\n    status\n    version\n    updatedAt\n  }\n}": types.UpdateSalesOrderStatusDocument,
    "fragment MoneyFields on Money {\n  amount\n  currency\n}\n\nfragment SalesOrderSummary on SalesOrder {\n  id\n  number\n  type\n  status\n  orderDate\n  requestedDeliveryDate\n  purchaseOrderByCustomer\n  totalNetAmount {\n    ...MoneyFields\n  }\n}\n\nfragment SalesOrderLines on SalesOrder {\n  items {\n    id\n    itemNumber\n    material\n    description\n    quantity\n    quantityUnit\n    netAmount {\n      ...MoneyFields\n    }\n  }\n}\n\nfragment MessageSummary on Message {\n  id\n  subject\n  importance\n  createdAt\n  webUrl\n  body {\n    contentType\n    content\n  }\n  channel {\n    id\n    displayName\n  }\n  team {\n    id\n    displayName\n  }\n}": types.MoneyFieldsFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ContactOverview($email: String!, $orders: Int = 5, $messages: Int = 5) {\n  contactByEmail(email: $email) {\n    id\n    name\n    email\n    title\n    department\n    phone\n    account {\n      id\n      name\n      industry\n      website\n      billingCity\n      billingCountry\n    }\n    salesOrders(first: $orders) {\n      totalCount\n      nodes {\n        ...SalesOrderSummary\n        ...SalesOrderLines\n      }\n    }\n    messages(first: $messages) {\n      nodes {\n        ...MessageSummary\n      }\n    }\n  }\n}"): (typeof documents)["query ContactOverview($email: String!, $orders: Int = 5, $messages: Int = 5) {\n  contactByEmail(email: $email) {\n    id\n    name\n    email\n    title\n    department\n    phone\n    account {\n      id\n      name\n      industry\n      website\n      billingCity\n      billingCountry\n    }\n    salesOrders(first: $orders) {\n      totalCount\n      nodes {\n        ...SalesOrderSummary\n        ...SalesOrderLines\n      }\n    }\n    messages(first: $messages) {\n      nodes {\n        ...MessageSummary\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateContact($input: CreateContactInput!) {\n  createContact(input: $input) {\n    id\n    name\n    email\n    title\n    createdAt\n    account {\n      id\n      name\n    }\n  }\n}"): (typeof documents)["mutation CreateContact($input: CreateContactInput!) {\n  createContact(input: $input) {\n    id\n    name\n    email\n    title\n    createdAt\n    account {\n      id\n      name\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ListTeams {\n  teams {\n    id\n    displayName\n    description\n  }\n}"): (typeof documents)["query ListTeams {\n  teams {\n    id\n    displayName\n    description\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query OrdersOfContact($email: String!, $first: Int = 20, $after: String, $status: SalesOrderStatus) {\n  contactByEmail(email: $email) {\n    id\n    name\n    salesOrders(first: $first, after: $after, status: $status) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          ...SalesOrderSummary\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query OrdersOfContact($email: String!, $first: Int = 20, $after: String, $status: SalesOrderStatus) {\n  contactByEmail(email: $email) {\n    id\n    name\n    salesOrders(first: $first, after: $after, status: $status) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          ...SalesOrderSummary\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query RecentChannelMessages($teamId: ID!, $channelId: ID!, $first: Int = 20, $after: String) {\n  channel(teamId: $teamId, channelId: $channelId) {\n    id\n    displayName\n    description\n    team {\n      id\n      displayName\n    }\n    messages(first: $first, after: $after) {\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        ...MessageSummary\n        sender {\n          id\n          name\n          email\n          account {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query RecentChannelMessages($teamId: ID!, $channelId: ID!, $first: Int = 20, $after: String) {\n  channel(teamId: $teamId, channelId: $channelId) {\n    id\n    displayName\n    description\n    team {\n      id\n      displayName\n    }\n    messages(first: $first, after: $after) {\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        ...MessageSummary\n        sender {\n          id\n          name\n          email\n          account {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SalesOrderById($id: ID!) {\n  salesOrder(id: $id) {\n    ...SalesOrderSummary\n    ...SalesOrderLines\n    version\n    soldToParty\n    createdAt\n    updatedAt\n    soldTo {\n      id\n      name\n      email\n      account {\n        id\n        name\n      }\n    }\n  }\n}"): (typeof documents)["query SalesOrderById($id: ID!) {\n  salesOrder(id: $id) {\n    ...SalesOrderSummary\n    ...SalesOrderLines\n    version\n    soldToParty\n    createdAt\n    updatedAt\n    soldTo {\n      id\n      name\n      email\n      account {\n        id\n        name\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription SalesOrderChanged($id: ID, $after: String) {\n  salesOrderChanged(id: $id, after: $after) {\n    cursor\n    changeType\n    occurredAt\n    orderId\n    order {\n      ...SalesOrderSummary\n      soldTo {\n        id\n        name\n        email\n      }\n    }\n  }\n}"): (typeof documents)["subscription SalesOrderChanged($id: ID, $after: String) {\n  salesOrderChanged(id: $id, after: $after) {\n    cursor\n    changeType\n    occurredAt\n    orderId\n    order {\n      ...SalesOrderSummary\n      soldTo {\n        id\n        name\n        email\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SearchContacts($filter: ContactFilter, $first: Int = 20, $after: String) {\n  contacts(filter: $filter, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      email\n      title\n      account {\n        id\n        name\n      }\n    }\n  }\n}"): (typeof documents)["query SearchContacts($filter: ContactFilter, $first: Int = 20, $after: String) {\n  contacts(filter: $filter, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      email\n      title\n      account {\n        id\n        name\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SendMessage($channelId: ID!, $content: String!, $contentType: MessageContentType = TEXT) {\n  sendMessage(channelId: $channelId, content: $content, contentType: $contentType) {\n    id\n    messageId\n    createdAt\n    webUrl\n    channel {\n      id\n      displayName\n    }\n  }\n}"): (typeof documents)["mutation SendMessage($channelId: ID!, $content: String!, $contentType: MessageContentType = TEXT) {\n  sendMessage(channelId: $channelId, content: $content, contentType: $contentType) {\n    id\n    messageId\n    createdAt\n    webUrl\n    channel {\n      id\n      displayName\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateSalesOrderStatus($id: ID!, $status: SalesOrderStatus!, $expectedVersion: String) {\n  updateSalesOrderStatus(\n    id: $id\n    status: $status\n    expectedVersion: $expectedVersion\n  ) {\n    id\n    number\n    status\n    version\n    updatedAt\n  }\n}"): (typeof documents)["mutation UpdateSalesOrderStatus($id: ID!, $status: SalesOrderStatus!, $expectedVersion: String) {\n  updateSalesOrderStatus(\n    id: $id\n    status: $status\n    expectedVersion: $expectedVersion\n  ) {\n    id\n    number\n    status\n    version\n    updatedAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment MoneyFields on Money {\n  amount\n  currency\n}\n\nfragment SalesOrderSummary on SalesOrder {\n  id\n  number\n  type\n  status\n  orderDate\n  requestedDeliveryDate\n  purchaseOrderByCustomer\n  totalNetAmount {\n    ...MoneyFields\n  }\n}\n\nfragment SalesOrderLines on SalesOrder {\n  items {\n    id\n    itemNumber\n    material\n    description\n    quantity\n    quantityUnit\n    netAmount {\n      ...MoneyFields\n    }\n  }\n}\n\nfragment MessageSummary on Message {\n  id\n  subject\n  importance\n  createdAt\n  webUrl\n  body {\n    contentType\n    content\n  }\n  channel {\n    id\n    displayName\n  }\n  team {\n    id\n    displayName\n  }\n}"): (typeof documents)["fragment MoneyFields on Money {\n  amount\n  currency\n}\n\nfragment SalesOrderSummary on SalesOrder {\n  id\n  number\n  type\n  status\n  orderDate\n  requestedDeliveryDate\n  purchaseOrderByCustomer\n  totalNetAmount {\n    ...MoneyFields\n  }\n}\n\nfragment SalesOrderLines on SalesOrder {\n  items {\n    id\n    itemNumber\n    material\n    description\n    quantity\n    quantityUnit\n    netAmount {\n      ...MoneyFields\n    }\n  }\n}\n\nfragment MessageSummary on Message {\n  id\n  subject\n  importance\n  createdAt\n  webUrl\n  body {\n    contentType\n    content\n  }\n  channel {\n    id\n    displayName\n  }\n  team {\n    id\n    displayName\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;