/**
 * The seed's promise: one person, one email, in all three systems. Boots the three sandboxes at
 * full size and walks a few people from Salesforce to SAP (email -> address -> business partner ->
 * sales orders) and to Microsoft Graph (user by mail), over each system's own wire protocol.
 */
import { buildSeedWorld } from '../../../subgraphs/kit/seedPeople';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../../subgraphs/salesforce/sandbox/salesforceSandbox';
import { startSapSandbox, type SapSandbox } from '../../../subgraphs/sap/sandbox/sapSandbox';
import { startGraphSandbox, type GraphSandbox } from '../../../subgraphs/teams/sandbox/graphSandbox';

const world = buildSeedWorld();
const SAMPLE = [0, 1, 777, 2500, 4999].map((i) => world.people[i]!.email);

let sf: SalesforceSandbox;
let sap: SapSandbox;
let graph: GraphSandbox;
let sfToken: string;
let graphToken: string;
const sapAuth = 'Basic ' + Buffer.from('LUMINA_COMM:Welcome1!Sandbox').toString('base64');

type Row = Record<string, string>;
interface SoqlResult { totalSize: number; records: Row[] }
interface ODataList { d: { results: Row[] } }
interface ODataEntity { d: Row }
interface GraphList { value: Row[] }

async function json<T>(url: string, headers: Record<string, string>): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json', ...headers } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function token(url: string, form: Record<string, string>): Promise<string> {
  const res = await fetch(url, { method: 'POST', body: new URLSearchParams(form) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const soql = (q: string): Promise<SoqlResult> =>
  json(`${sf.url}/services/data/v59.0/query?q=${encodeURIComponent(q)}`, { authorization: `Bearer ${sfToken}` });
const odata = <T = ODataList>(service: string, path: string): Promise<T> =>
  json<T>(`${sap.url}/sap/opu/odata/sap/${service}/${path}${path.includes('?') ? '&' : '?'}$format=json`, { authorization: sapAuth });

beforeAll(async () => {
  [sf, sap, graph] = await Promise.all([startSalesforceSandbox(), startSapSandbox(), startGraphSandbox()]);
  sfToken = await token(`${sf.url}/services/oauth2/token`, {
    grant_type: 'password', client_id: 'lumina-sandbox-client', client_secret: 'lumina-sandbox-secret',
    username: 'integration@lumina.example', password: 'lumina-sandbox-password',
  });
  graphToken = await token(`${graph.url}/${graph.tenantId}/oauth2/v2.0/token`, {
    grant_type: 'client_credentials', client_id: graph.clientId, client_secret: String(graph.clientSecret),
    scope: 'https://graph.microsoft.com/.default',
  });
}, 60_000);

afterAll(() => Promise.all([sf?.close(), sap?.close(), graph?.close()]));

describe('seed data shared across the three sandboxes', () => {
  it('seeds 500 accounts and 5000 contacts in Salesforce', async () => {
    expect((await soql('SELECT COUNT() FROM Account')).totalSize).toBe(500);
    expect((await soql('SELECT COUNT() FROM Contact')).totalSize).toBe(5000);
  });

  it('seeds at least 20,000 SAP sales orders', async () => {
    const res = await fetch(`${sap.url}/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder/$count`, { headers: { authorization: sapAuth } });
    expect(Number(await res.text())).toBeGreaterThanOrEqual(20_000);
  });

  it.each(SAMPLE)('finds %s as a Salesforce contact, an SAP business partner and a Teams user', async (email) => {
    const contact = await soql(`SELECT Id, FirstName, LastName, Account.Name FROM Contact WHERE Email = '${email}'`);
    expect(contact.totalSize).toBe(1);
    const { FirstName, LastName } = contact.records[0]!;

    const mail = await odata('API_BUSINESS_PARTNER', `A_AddressEmailAddress?$filter=EmailAddress eq '${email}'`);
    expect(mail.d.results).toHaveLength(1);
    const address = await odata('API_BUSINESS_PARTNER', `A_BusinessPartnerAddress?$filter=AddressID eq '${mail.d.results[0]!.AddressID}'`);
    const bpNumber = address.d.results[0]!.BusinessPartner!;
    const bp = await odata<ODataEntity>('API_BUSINESS_PARTNER', `A_BusinessPartner('${bpNumber}')`);
    expect(bp.d).toMatchObject({ FirstName, LastName, BusinessPartnerCategory: '1' });

    const users = await json<GraphList>(`${graph.url}/v1.0/users?$filter=${encodeURIComponent(`mail eq '${email}'`)}`, { authorization: `Bearer ${graphToken}` });
    expect(users.value).toHaveLength(1);
    expect(users.value[0]).toMatchObject({ mail: email, givenName: FirstName, surname: LastName });
  });

  it('sells SAP orders to the business partners of many different contacts', async () => {
    const res = await odata('API_SALES_ORDER_SRV', 'A_SalesOrder?$select=SoldToParty&$top=1000');
    const buyers = new Set(res.d.results.map((o) => o.SoldToParty as string));
    expect(buyers.size).toBeGreaterThan(100);
    const personIndex = (bp: string): number => Number(bp) - 1000001;
    for (const bp of buyers) expect(world.people[personIndex(bp)]).toBeDefined();
  });
});
