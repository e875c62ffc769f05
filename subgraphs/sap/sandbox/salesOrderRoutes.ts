/**
 * API_SALES_ORDER_SRV behaviour: what creating, changing and deleting sales orders and items does
 * (numbering, pricing, totals, statuses, `LastChangeDateTime` bumps), its validation messages, and
 * its ETag: the order's `LastChangeDateTime`. Items share their order's ETag (document-level
 * locking): an item change bumps the order and therefore every item's ETag.
 */
import { DAY_MS } from '../../kit/seedPeople';
import { keyOf, type EntitySetDef, type Rec, type Value } from './edmModel';
import { CURRENCIES, findMaterial, priceItem } from './materialCatalog';
import { etagFromTimestamp } from './odataJson';
import { readPayload, type EntityWriter, type Payload, type WriteContext } from './odataWrite';
import { createODataService, type ODataService, type ServiceDeps } from './odataService';
import { ODataError, SapCode } from './sapErrors';
import { SALES_ORDER_STATUSES, salesOrderItemSet, salesOrderService, salesOrderSet } from './salesOrderModel';
import type { SapStore } from './sapStore';

const ORDER = salesOrderSet.set;
const ITEM = salesOrderItemSet.set;
const REQUIRED_HEADER = ['SalesOrderType', 'SalesOrganization', 'DistributionChannel', 'OrganizationDivision', 'SoldToParty'];

const invalid = (message: string, prop: string): ODataError =>
  new ODataError(400, SapCode.invalidValue, message, [{ code: SapCode.invalidValue, message, propertyref: prop, target: prop }]);

export function salesOrderNotFound(def: EntitySetDef, key: Rec): ODataError {
  if (def.set === ORDER) return new ODataError(404, SapCode.salesDocumentNotFound, `Sales document ${String(key.SalesOrder)} is not in the database or has been archived`);
  return new ODataError(404, SapCode.resourceNotFound, `Resource not found for segment '${def.type}'`);
}

export function salesOrderEtag(store: SapStore, def: EntitySetDef, rec: Rec): string | undefined {
  const order = def.set === ORDER ? rec : def.set === ITEM ? store.get(ORDER, String(rec.SalesOrder)) : undefined;
  const ts = order?.LastChangeDateTime;
  return typeof ts === 'number' ? etagFromTimestamp(ts) : undefined;
}

/** Writable-property defaults used by create and by PUT (which resets what it does not send). */
function defaults(def: EntitySetDef): Rec {
  const out: Rec = {};
  for (const p of def.props) {
    if (p.readOnly || def.keys.includes(p.name)) continue;
    out[p.name] = p.type === 'Edm.String' ? '' : p.type === 'Edm.Boolean' ? false : null;
  }
  return out;
}

export function createSalesOrderWriters(store: SapStore): Map<string, EntityWriter> {
  let lastStamp = 0;
  /** A change timestamp strictly after every earlier one, so each write yields a new ETag. */
  const stamp = (): number => {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return lastStamp;
  };
  const midnight = (ms: number): number => ms - (ms % DAY_MS);

  function checkHeader(rec: Rec, before: Rec | undefined): void {
    for (const f of REQUIRED_HEADER) if (!rec[f]) throw invalid(`Enter a value for field '${f}'`, f);
    if (!SALES_ORDER_STATUSES.includes(rec.OverallSDProcessStatus as 'A')) {
      throw invalid(`Value '${String(rec.OverallSDProcessStatus)}' is not valid for OverallSDProcessStatus (allowed: A, B, C)`, 'OverallSDProcessStatus');
    }
    if (rec.SalesOrderType !== 'OR') throw invalid(`Sales document type ${String(rec.SalesOrderType)} is not defined`, 'SalesOrderType');
    const bp = store.get('A_BusinessPartner', String(rec.SoldToParty));
    if (!bp || !bp.Customer) throw invalid(`Sold-to party ${String(rec.SoldToParty)} is not defined for sales area 1710/10/00`, 'SoldToParty');
    if (!CURRENCIES.has(String(rec.TransactionCurrency))) throw invalid(`Currency ${String(rec.TransactionCurrency)} is not defined`, 'TransactionCurrency');
    if (before && before.TransactionCurrency !== rec.TransactionCurrency && itemsOf(String(rec.SalesOrder)).length) {
      throw invalid('The document currency cannot be changed once the order has items', 'TransactionCurrency');
    }
  }

  const itemsOf = (so: string): Rec[] => store.navigate(salesOrderSet.navByName.get('to_Item')!, { SalesOrder: so }) as Rec[];

  /** Recompute the total and stamp the order as changed. */
  function touchOrder(so: string, status?: Value): void {
    const order = store.get(ORDER, so);
    if (!order) return;
    const total = itemsOf(so).reduce((sum, i) => sum + Number(i.NetAmount ?? 0), 0);
    const now = stamp();
    store.put(ORDER, { ...order, TotalNetAmount: total.toFixed(2), LastChangeDateTime: now, LastChangeDate: midnight(now), ...(status ? { OverallSDProcessStatus: status } : {}) });
  }

  function priced(item: Rec, currency: string): Rec {
    const m = findMaterial(String(item.Material ?? ''));
    if (!m) throw invalid(`Material ${String(item.Material)} does not exist in plant 1710`, 'Material');
    const qty = Number(item.RequestedQuantity);
    if (!(qty > 0)) throw invalid('Enter a requested quantity greater than zero', 'RequestedQuantity');
    if (item.RequestedQuantityUnit && item.RequestedQuantityUnit !== m.unit) {
      throw invalid(`Unit ${String(item.RequestedQuantityUnit)} cannot be used for material ${m.material} (base unit ${m.unit})`, 'RequestedQuantityUnit');
    }
    const line = priceItem(m, qty, currency);
    return {
      ...item, RequestedQuantityUnit: m.unit, NetAmount: line.net.toFixed(2), ItemNetWeight: line.netWeight, ItemGrossWeight: line.grossWeight,
      ItemWeightUnit: 'KG', MaterialGroup: m.group, TransactionCurrency: currency, SalesOrderItemText: item.SalesOrderItemText || m.text,
    };
  }

  function newItem(order: Rec, payload: Payload): Rec {
    const so = String(order.SalesOrder);
    if (payload.values.SalesOrder !== undefined && payload.values.SalesOrder !== '' && payload.values.SalesOrder !== so) {
      throw invalid(`Item belongs to sales order ${String(payload.values.SalesOrder)}, not ${so}`, 'SalesOrder');
    }
    const existing = itemsOf(so);
    const number = payload.values.SalesOrderItem
      ? String(payload.values.SalesOrderItem)
      : String(existing.reduce((max, i) => Math.max(max, Number(i.SalesOrderItem)), 0) + 10);
    if (!/^\d{1,6}$/.test(number)) throw invalid(`Item number '${number}' is not valid`, 'SalesOrderItem');
    if (existing.some((i) => i.SalesOrderItem === number)) throw invalid(`Item ${number} already exists in sales document ${so}`, 'SalesOrderItem');
    const rec = priced({
      ...defaults(salesOrderItemSet), SalesOrderItemCategory: 'TAN', Plant: '1710', StorageLocation: '171A', ShippingPoint: '1710',
      PricingDate: order.PricingDate ?? null, ...payload.values, SalesOrder: so, SalesOrderItem: number,
      SDProcessStatus: 'A', DeliveryStatus: 'A', OrderRelatedBillingStatus: 'A',
    }, String(order.TransactionCurrency));
    store.put(ITEM, rec);
    return rec;
  }

  const orderWriter: EntityWriter = {
    create(payload: Payload, _parent, ctx: WriteContext): Rec {
      if (payload.values.SalesOrder) throw invalid('Sales document numbers are assigned internally; leave SalesOrder empty', 'SalesOrder');
      const now = stamp();
      const today = midnight(now);
      const soldTo = String(payload.values.SoldToParty ?? '');
      const so = store.nextSalesOrder();
      const rec: Rec = {
        ...defaults(salesOrderSet), ShippingCondition: '01', IncotermsClassification: 'EXW', CustomerPaymentTerms: '0001',
        SalesOrderDate: today, PricingDate: today, RequestedDeliveryDate: today + 14 * DAY_MS, CustomerPurchaseOrderDate: today,
        TransactionCurrency: store.customerCurrency(soldTo) ?? 'USD', OverallSDProcessStatus: 'A',
        ...payload.values,
        SalesOrder: so, CreationDate: today, CreatedByUser: ctx.user.slice(0, 12), LastChangeDate: today, LastChangeDateTime: now,
        TotalNetAmount: '0.00', TotalCreditCheckStatus: '', OverallTotalDeliveryStatus: 'A', OverallSDDocumentRejectionSts: 'A', OverallOrdReltdBillgStatus: 'A',
      };
      checkHeader(rec, undefined);
      store.put(ORDER, rec);
      for (const [nav, entries] of payload.navs) {
        if (nav !== 'to_Item') continue;
        for (const entry of entries) newItem(rec, readPayload(salesOrderItemSet, entry, undefined));
      }
      touchOrder(so);
      return store.get(ORDER, so) as Rec;
    },
    update(current, changes, replace): Rec {
      const next: Rec = replace ? { ...current, ...defaults(salesOrderSet), ...changes } : { ...current, ...changes };
      checkHeader(next, current);
      const now = stamp();
      const rec = { ...next, LastChangeDateTime: now, LastChangeDate: midnight(now) };
      store.put(ORDER, rec);
      return rec;
    },
    remove(current): void {
      for (const item of itemsOf(String(current.SalesOrder))) store.remove(ITEM, keyOf(salesOrderItemSet, item));
      store.remove(ORDER, keyOf(salesOrderSet, current));
    },
  };

  const itemWriter: EntityWriter = {
    create(payload, parent): Rec {
      const so = parent?.def.set === ORDER ? String(parent.rec.SalesOrder) : String(payload.values.SalesOrder ?? '');
      const order = store.get(ORDER, so);
      if (!order) throw salesOrderNotFound(salesOrderSet, { SalesOrder: so });
      const rec = newItem(order, payload);
      touchOrder(so, order.OverallSDProcessStatus === 'C' ? 'B' : undefined);
      return rec;
    },
    update(current, changes, replace): Rec {
      const order = store.get(ORDER, String(current.SalesOrder)) as Rec;
      const base = replace ? { ...current, ...defaults(salesOrderItemSet), Plant: '1710', SalesOrderItemCategory: 'TAN' } : current;
      const rec = priced({ ...base, ...changes }, String(order.TransactionCurrency));
      store.put(ITEM, rec);
      touchOrder(String(current.SalesOrder));
      return rec;
    },
    remove(current): void {
      store.remove(ITEM, keyOf(salesOrderItemSet, current));
      touchOrder(String(current.SalesOrder));
    },
  };

  return new Map([[ORDER, orderWriter], [ITEM, itemWriter]]);
}

/** The API_SALES_ORDER_SRV service: reads, writes with ETags, `$batch`. */
export function createSalesOrderService(deps: ServiceDeps): ODataService {
  return createODataService({
    ...deps,
    def: salesOrderService,
    writers: createSalesOrderWriters(deps.store),
    etagProperty: new Map([[ORDER, 'LastChangeDateTime']]),
    etagOf: (def, rec) => salesOrderEtag(deps.store, def, rec),
    notFound: salesOrderNotFound,
  });
}
