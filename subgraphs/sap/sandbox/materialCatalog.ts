/**
 * The sandbox's material master and its one pricing rule: net amount = quantity x list price
 * (USD) x a fixed exchange rate into the order currency. Used by the seed and by item creates,
 * where `NetAmount` is computed (read-only), as in S/4HANA pricing.
 */

export interface Material {
  material: string;
  text: string;
  unit: string;
  /** List price in USD per unit. */
  price: number;
  /** Net weight per unit in KG. */
  weight: number;
  group: string;
}

export const MATERIALS: readonly Material[] = [
  { material: 'TG10', text: 'Trading Good 10, PD, Reg. Trading', unit: 'PC', price: 52.65, weight: 1.2, group: 'L001' },
  { material: 'TG11', text: 'Trading Good 11, PD, Reg. Trading', unit: 'PC', price: 24.9, weight: 0.8, group: 'L001' },
  { material: 'TG12', text: 'Trading Good 12, PD, Reg. Trading', unit: 'PC', price: 119, weight: 3.5, group: 'L001' },
  { material: 'FG126', text: 'Finished Good 126, MTS', unit: 'PC', price: 310, weight: 12, group: 'L002' },
  { material: 'FG228', text: 'Finished Good 228, MTO', unit: 'PC', price: 845.5, weight: 40, group: 'L002' },
  { material: 'MZ-FG-C900', text: 'C900 Bike', unit: 'EA', price: 1499, weight: 11.2, group: 'ZBIKE' },
  { material: 'MZ-FG-M500', text: 'M500 Mountain Bike', unit: 'EA', price: 1099, weight: 13.4, group: 'ZBIKE' },
  { material: 'MZ-FG-R100', text: 'R100 Road Bike', unit: 'EA', price: 899, weight: 9.1, group: 'ZBIKE' },
  { material: 'MZ-TG-Y120', text: 'Y120 Sunglasses', unit: 'PC', price: 79.9, weight: 0.1, group: 'ZACC' },
  { material: 'MZ-TG-Y200', text: 'Y200 Helmet', unit: 'PC', price: 129, weight: 0.4, group: 'ZACC' },
  { material: 'MZ-TG-Y240', text: 'Y240 Cycling Gloves', unit: 'PR', price: 34.5, weight: 0.1, group: 'ZACC' },
  { material: 'MZ-RM-C900-06', text: 'C900 Frame, Carbon', unit: 'PC', price: 420, weight: 1.4, group: 'ZRAW' },
  { material: 'MZ-RM-M500-09', text: 'M500 Suspension Fork', unit: 'PC', price: 260, weight: 2.1, group: 'ZRAW' },
  { material: 'RM120', text: 'Raw Material 120, Steel Sheet', unit: 'KG', price: 3.8, weight: 1, group: 'L003' },
  { material: 'RM122', text: 'Raw Material 122, Aluminium Bar', unit: 'KG', price: 6.25, weight: 1, group: 'L003' },
  { material: 'SG22', text: 'Semi-Finished Good 22', unit: 'PC', price: 57, weight: 2.2, group: 'L004' },
  { material: 'SRV_01', text: 'Installation Service (hours)', unit: 'H', price: 95, weight: 0, group: 'L005' },
  { material: 'SRV_02', text: 'Maintenance Contract, Annual', unit: 'EA', price: 1200, weight: 0, group: 'L005' },
];

/** Units of measure per material unit: SAP codes the sandbox accepts on `RequestedQuantityUnit`. */
export const UNITS = new Set(MATERIALS.map((m) => m.unit));

const RATES: Record<string, number> = {
  USD: 1, EUR: 0.92, GBP: 0.79, CAD: 1.36, CHF: 0.88, SEK: 10.5, PLN: 4, JPY: 150, AUD: 1.5, SGD: 1.35, BRL: 5,
};

export const CURRENCIES = new Set(Object.keys(RATES));

export function findMaterial(code: string): Material | undefined {
  return MATERIALS.find((m) => m.material === code);
}

export interface PricedLine {
  net: number;
  netWeight: string;
  grossWeight: string;
}

export function priceItem(m: Material, quantity: number, currency: string): PricedLine {
  const rate = RATES[currency] ?? 1;
  const net = Math.round(quantity * m.price * rate * 100) / 100;
  return { net, netWeight: (quantity * m.weight).toFixed(3), grossWeight: (quantity * m.weight * 1.08).toFixed(3) };
}
