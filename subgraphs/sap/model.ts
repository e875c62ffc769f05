/**
 * The SAP subgraph's parent types (codegen maps the GraphQL types onto these; see codegen.ts).
 */

export type SalesOrderStatusValue = 'OPEN' | 'IN_PROCESS' | 'COMPLETED';

export interface MoneyModel {
  amount: string;
  currency: string;
}

export interface SalesOrderItemModel {
  id: string;
  itemNumber: string;
  material: string;
  description: string | null;
  quantity: string;
  quantityUnit: string | null;
  netAmount: MoneyModel;
}

/** An `A_SalesOrder` mapped to canonical names. `items` is null when the read did not expand them. */
export interface SalesOrderModel {
  id: string;
  number: string;
  type: string;
  status: SalesOrderStatusValue;
  totalNetAmount: MoneyModel;
  purchaseOrderByCustomer: string | null;
  orderDate: string | null;
  requestedDeliveryDate: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  version: string;
  soldToParty: string;
  items: SalesOrderItemModel[] | null;
}

/** A Contact reference as SAP receives it from the gateway: the email key. */
export interface ContactRefModel {
  email: string;
}
