/**
 * API_SALES_ORDER_SRV entity model: A_SalesOrder and A_SalesOrderItem with the property names,
 * lengths and types of SAP's published EDMX (a representative subset of its ~60 header fields).
 *
 * Sandbox deviation: `OverallSDProcessStatus` is writable (A/B/C) so demos can complete an order;
 * in S/4HANA it is derived from the items.
 */
import { bool, date, dec, defineEntitySet, defineService, dto, str, type ServiceDef } from './edmModel';

export const SALES_ORDER_STATUSES = ['A', 'B', 'C'] as const;

export const salesOrderSet = defineEntitySet({
  set: 'A_SalesOrder',
  type: 'A_SalesOrderType',
  keys: ['SalesOrder'],
  props: [
    str('SalesOrder', 10, { alpha: true, label: 'Sales Order' }),
    str('SalesOrderType', 4, { label: 'Sales Document Type' }),
    str('SalesOrganization', 4),
    str('DistributionChannel', 2),
    str('OrganizationDivision', 2),
    str('SalesGroup', 3),
    str('SalesOffice', 4),
    str('SalesDistrict', 6),
    str('SoldToParty', 10, { alpha: true, label: 'Sold-to Party' }),
    date('CreationDate', { readOnly: true }),
    str('CreatedByUser', 12, { readOnly: true }),
    date('LastChangeDate', { readOnly: true }),
    dto('LastChangeDateTime', { readOnly: true, label: 'Last Changed On' }),
    str('PurchaseOrderByCustomer', 35),
    str('CustomerPurchaseOrderType', 4),
    date('CustomerPurchaseOrderDate'),
    date('SalesOrderDate'),
    dec('TotalNetAmount', 16, 3, { readOnly: true }),
    str('TransactionCurrency', 5),
    str('SDDocumentReason', 3),
    date('PricingDate'),
    date('RequestedDeliveryDate'),
    str('ShippingCondition', 2),
    bool('CompleteDeliveryIsDefined'),
    str('ShippingType', 2),
    str('HeaderBillingBlockReason', 2),
    str('DeliveryBlockReason', 2),
    str('IncotermsClassification', 3),
    str('IncotermsLocation1', 70),
    str('CustomerPaymentTerms', 4),
    str('PaymentMethod', 1),
    str('OverallSDProcessStatus', 1),
    str('TotalCreditCheckStatus', 1, { readOnly: true }),
    str('OverallTotalDeliveryStatus', 1, { readOnly: true }),
    str('OverallSDDocumentRejectionSts', 1, { readOnly: true }),
    str('OverallOrdReltdBillgStatus', 1, { readOnly: true }),
  ],
  navs: [
    { name: 'to_Item', target: 'A_SalesOrderItem', many: true, join: [['SalesOrder', 'SalesOrder']], association: 'assoc_SalesOrder_Item' },
  ],
});

export const salesOrderItemSet = defineEntitySet({
  set: 'A_SalesOrderItem',
  type: 'A_SalesOrderItemType',
  keys: ['SalesOrder', 'SalesOrderItem'],
  props: [
    str('SalesOrder', 10, { alpha: true }),
    str('SalesOrderItem', 6, { alpha: true }),
    str('HigherLevelItem', 6),
    str('SalesOrderItemCategory', 4),
    str('SalesOrderItemText', 40),
    str('PurchaseOrderByCustomer', 35),
    str('Material', 40),
    str('MaterialByCustomer', 35),
    date('PricingDate'),
    dec('RequestedQuantity', 15, 3),
    str('RequestedQuantityUnit', 3),
    dec('ItemGrossWeight', 15, 3, { readOnly: true }),
    dec('ItemNetWeight', 15, 3, { readOnly: true }),
    str('ItemWeightUnit', 3, { readOnly: true }),
    dec('NetAmount', 16, 3, { readOnly: true }),
    str('TransactionCurrency', 5, { readOnly: true }),
    str('MaterialGroup', 9, { readOnly: true }),
    str('Plant', 4),
    str('StorageLocation', 4),
    str('ShippingPoint', 4),
    str('ItemBillingBlockReason', 2),
    str('SalesDocumentRjcnReason', 2),
    str('SDProcessStatus', 1, { readOnly: true }),
    str('DeliveryStatus', 1, { readOnly: true }),
    str('OrderRelatedBillingStatus', 1, { readOnly: true }),
  ],
  navs: [
    { name: 'to_SalesOrder', target: 'A_SalesOrder', many: false, join: [['SalesOrder', 'SalesOrder']], association: 'assoc_SalesOrderItem_SalesOrder' },
  ],
});

export const salesOrderService: ServiceDef = defineService('API_SALES_ORDER_SRV', 'SD-SLS-API', [salesOrderSet, salesOrderItemSet]);
