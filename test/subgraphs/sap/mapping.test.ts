/**
 * A_SalesOrder / A_SalesOrderItem → canonical models: dates, money, statuses, version, items.
 */
import { isoFromODataDate, mapSalesOrder, statusFromSap, statusToSap } from '../../../subgraphs/sap/mapping';

const ORDER = {
  __metadata: { uri: 'x', type: 'API_SALES_ORDER_SRV.A_SalesOrderType', etag: 'W/"datetimeoffset\'2024-01-15T10%3A00%3A00.0000000Z\'"' },
  SalesOrder: '4711', SalesOrderType: 'OR', SoldToParty: '1000001', TotalNetAmount: '1234.50', TransactionCurrency: 'EUR',
  OverallSDProcessStatus: 'B', PurchaseOrderByCustomer: '', SalesOrderDate: '/Date(1705276800000)/', RequestedDeliveryDate: null,
  CreationDate: '/Date(1705276800000)/', LastChangeDateTime: '/Date(1705312800000+0000)/',
  to_Item: { results: [
    { SalesOrder: '4711', SalesOrderItem: '100', Material: 'M-3', SalesOrderItemText: '', RequestedQuantity: '1.5', RequestedQuantityUnit: 'KG', NetAmount: '3.00', TransactionCurrency: 'EUR' },
    { SalesOrder: '4711', SalesOrderItem: '20', Material: 'M-2', SalesOrderItemText: 'Widget', RequestedQuantity: '2', RequestedQuantityUnit: 'PC', NetAmount: '10.00', TransactionCurrency: 'EUR' },
  ] },
};

describe('sales order mapping', () => {
  it('maps header fields: decimal strings, ISO dates, status, the ETag as version', () => {
    expect(mapSalesOrder(ORDER)).toMatchObject({
      id: '4711', number: '4711', type: 'OR', status: 'IN_PROCESS', soldToParty: '1000001',
      totalNetAmount: { amount: '1234.50', currency: 'EUR' }, purchaseOrderByCustomer: null,
      orderDate: '2024-01-15T00:00:00.000Z', requestedDeliveryDate: null, createdAt: '2024-01-15T00:00:00.000Z',
      updatedAt: '2024-01-15T10:00:00.000Z', version: ORDER.__metadata.etag,
    });
  });

  it('maps expanded items in item-number order, and null items when not expanded', () => {
    expect(mapSalesOrder(ORDER).items).toEqual([
      { id: '4711/20', itemNumber: '20', material: 'M-2', description: 'Widget', quantity: '2', quantityUnit: 'PC', netAmount: { amount: '10.00', currency: 'EUR' } },
      { id: '4711/100', itemNumber: '100', material: 'M-3', description: null, quantity: '1.5', quantityUnit: 'KG', netAmount: { amount: '3.00', currency: 'EUR' } },
    ]);
    expect(mapSalesOrder({ ...ORDER, to_Item: { __deferred: { uri: 'x' } } }).items).toBeNull();
  });

  it('takes the version from the ETag header when __metadata has none', () => {
    expect(mapSalesOrder({ ...ORDER, __metadata: {} }, 'W/"h"').version).toBe('W/"h"');
  });

  it('refuses a record without SalesOrder as a malformed upstream answer', () => {
    expect(() => mapSalesOrder({ SalesOrderType: 'OR' })).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' }) }));
  });
});

describe('OData V2 dates and statuses', () => {
  it.each([
    ['/Date(1705276800000)/', '2024-01-15T00:00:00.000Z'],
    ['/Date(1705312800000+0000)/', '2024-01-15T10:00:00.000Z'],
    ['/Date(1705312800000-0300)/', '2024-01-15T10:00:00.000Z'],
    ['/Date(-86400000)/', '1969-12-31T00:00:00.000Z'],
    ['2024-01-15T10:00:00Z', '2024-01-15T10:00:00.000Z'],
    [null, null], ['', null], ['/Date(abc)/', null], [42, null],
  ])('reads %j as %j', (raw, iso) => {
    expect(isoFromODataDate(raw)).toBe(iso);
  });

  it('maps A/B/C both ways and reads unknown codes as OPEN', () => {
    expect(['A', 'B', 'C', '', 'X'].map(statusFromSap)).toEqual(['OPEN', 'IN_PROCESS', 'COMPLETED', 'OPEN', 'OPEN']);
    expect((['OPEN', 'IN_PROCESS', 'COMPLETED'] as const).map(statusToSap)).toEqual(['A', 'B', 'C']);
  });
});
