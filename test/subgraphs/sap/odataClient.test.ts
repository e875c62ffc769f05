/**
 * The OData client's server-driven paging guard: `__next` links are only ever followed on the
 * configured service root, so credentials never travel to a host named in a response.
 */
import { rebaseNextLink } from '../../../subgraphs/sap/odataClient';

const ROOT = 'https://s4.example.com/sap/opu/odata/sap/API_SALES_ORDER_SRV/';

describe('__next links', () => {
  it('keeps a link on our own service as is', () => {
    expect(rebaseNextLink(ROOT, `${ROOT}A_SalesOrder?$skiptoken=1000`)).toBe(`${ROOT}A_SalesOrder?$skiptoken=1000`);
  });

  it('re-bases a link that names another host (a proxy, or an attacker) onto our root', () => {
    expect(rebaseNextLink(ROOT, 'http://evil.example:8080/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder?$skiptoken=2'))
      .toBe(`${ROOT}A_SalesOrder?$skiptoken=2`);
  });

  it('resolves relative links against the service root', () => {
    expect(rebaseNextLink(ROOT, 'A_SalesOrder?$skiptoken=3')).toBe(`${ROOT}A_SalesOrder?$skiptoken=3`);
  });

  it.each([
    'https://s4.example.com/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartner',
    'https://s4.example.com/sap/opu/odata/sap/API_SALES_ORDER_SRV/../API_BUSINESS_PARTNER/A_BusinessPartner',
    'https://s4.example.com/sap/opu/odata/sap/API_SALES_ORDER_SRV/%2e%2e/x',
    '/admin',
    'http://[bad',
  ])('refuses %s', (next) => {
    expect(rebaseNextLink(ROOT, next)).toBeNull();
  });
});
