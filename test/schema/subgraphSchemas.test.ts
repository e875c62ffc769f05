import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { SUBGRAPH_NAMES, isSubgraphName, subgraphSdl } from '../../schema/subgraphSchemas';

describe('the canonical graph', () => {
  it('composes into one supergraph without errors', () => {
    const result = composeServices(SUBGRAPH_NAMES.map((name) => ({ name, url: `http://127.0.0.1/${name}`, typeDefs: parse(subgraphSdl(name)) })));
    expect(result.errors).toBeUndefined();
    expect(result.supergraphSdl).toContain('type Contact');
  });

  it('joins Contact across the three subgraphs by the email key', () => {
    const result = composeServices(SUBGRAPH_NAMES.map((name) => ({ name, url: `http://127.0.0.1/${name}`, typeDefs: parse(subgraphSdl(name)) })));
    const sdl = result.supergraphSdl ?? '';
    expect(sdl).toMatch(/join__type\(graph: SALESFORCE, key: "id"\)/);
    expect(sdl).toMatch(/join__type\(graph: SAP, key: "email"\)/);
    expect(sdl).toMatch(/join__type\(graph: TEAMS, key: "email"\)/);
    expect(sdl).toMatch(/salesOrders\(first: Int = 10, after: String, status: SalesOrderStatus\): SalesOrderConnection @join__field\(graph: SAP\)/);
    expect(sdl).toMatch(/messages\(first: Int = 10, after: String\): MessageConnection @join__field\(graph: TEAMS\)/);
  });

  it('fails composition when a subgraph breaks the shared definitions', () => {
    const broken = subgraphSdl('sap').replace('hasNextPage: Boolean!', 'hasNextPage: String!');
    const result = composeServices([
      { name: 'salesforce', url: 'http://x/sf', typeDefs: parse(subgraphSdl('salesforce')) },
      { name: 'sap', url: 'http://x/sap', typeDefs: parse(broken) },
    ]);
    expect(result.errors?.map((e) => e.message).join('\n')).toMatch(/PageInfo\.hasNextPage/);
  });

  it('names only the three subgraphs', () => {
    expect(SUBGRAPH_NAMES).toEqual(['salesforce', 'sap', 'teams']);
    expect(isSubgraphName('sap')).toBe(true);
    expect(isSubgraphName('gateway')).toBe(false);
  });
});
