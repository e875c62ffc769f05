/**
 * The stock `@apollo/gateway` and the security directives: it refuses a supergraph linking
 * `@authenticated`/`@requiresScopes`, so `stripSecurityDirectives` removes them for it (the stock path
 * does not enforce them; the fast executor does).
 */
import { ApolloGateway } from '@apollo/gateway';
import { printSchema } from 'graphql';
import { canonicalSubgraphs, composeSupergraph } from '../../gateway/composeSupergraph';
import { createFederatedExecutor } from '../../gateway/federatedExecutor';
import { stockSupergraphHook, stripSecurityDirectives } from '../../gateway/stockSupergraph';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

async function loads(supergraphSdl: string): Promise<string[]> {
  const gateway = new ApolloGateway({ supergraphSdl, logger: silent });
  try {
    const { schema } = await gateway.load();
    return Object.keys(schema.getQueryType()?.getFields() ?? {});
  } finally {
    await gateway.stop();
  }
}

describe('the supergraph for the stock gateway', () => {
  const composed = composeSupergraph(canonicalSubgraphs({}));

  it('is refused by the stock gateway as composed, since it links the security features', async () => {
    expect(composed).toMatch(/specs\.apollo\.dev\/requiresScopes\/v0\.1/);
    await expect(loads(composed)).rejects.toThrow(/requiresScopes\/v0\.1 is for: SECURITY but is unsupported/);
  });

  it('loads in the stock gateway once stripped, with the same API schema and no trace of the directives', async () => {
    const stripped = stripSecurityDirectives(composed);
    expect(stripped).not.toMatch(/requiresScopes|@authenticated|authenticated\/v0\.1/);
    expect(await loads(stripped)).toEqual(expect.arrayContaining(['contact', 'salesOrder', 'message', 'channel']));
    const ours = createFederatedExecutor({ supergraphSdl: composed });
    const theirs = createFederatedExecutor({ supergraphSdl: stripped });
    try {
      expect(printSchema(theirs.apiSchema)).toBe(printSchema(ours.apiSchema));
    } finally {
      await Promise.all([ours.close(), theirs.close()]);
    }
  });

  it('returns a supergraph without them unchanged', () => {
    const plain = stripSecurityDirectives(composed);
    expect(stripSecurityDirectives(plain)).toBe(plain);
  });

  it('strips every version the wrapped hook hands over, the first and each update', async () => {
    const updates: string[] = [];
    const hook = stockSupergraphHook(async ({ update }) => {
      update(composed);
      return { supergraphSdl: composed };
    });
    const { supergraphSdl } = await hook({ update: (sdl) => updates.push(sdl), healthCheck: () => Promise.resolve(), getDataSource: () => { throw new Error('unused'); } });
    expect(supergraphSdl).not.toMatch(/requiresScopes/);
    expect(updates).toHaveLength(1);
    expect(updates[0]).not.toMatch(/requiresScopes/);
  });
});
