import { cachedBatch } from '../../subgraphs/kit/cachedBatch';
import { createEntityCache, type EntityCache } from '../../subgraphs/kit/entityCache';

interface Order {
  id: string;
}

/** A batch function that records its calls and answers from `known` (unknown → null, 'boom' → Error, 'bad' → Error). */
function recordingBatch(known: readonly string[]) {
  const calls: string[][] = [];
  const fn = async (keys: readonly string[]): Promise<Array<Order | null | Error>> => {
    calls.push([...keys]);
    return keys.map((k) => (k === 'boom' || k === 'bad' ? new Error(`failed ${k}`) : known.includes(k) ? { id: k } : null));
  };
  return { calls, fn };
}

function wrap(cache: EntityCache, tenant: string, batch: ReturnType<typeof recordingBatch>, negativeTtlMs?: number) {
  return cachedBatch<string, Order | null>({
    cache, tenant, type: 'SalesOrder', keyOf: (k) => (k === 'bad' ? null : k), tagsOf: (o, key) => [`SalesOrder:${o?.id ?? key}`],
    ...(negativeTtlMs ? { negativeTtlMs } : {}),
  }, batch.fn);
}

describe('cachedBatch', () => {
  it('answers cached keys from the cache and loads the misses in one batch call, in key order', async () => {
    const cache = createEntityCache();
    const batch = recordingBatch(['1', '2', '3']);
    expect(await wrap(cache, 'default', batch)(['1', '2'])).toEqual([{ id: '1' }, { id: '2' }]);
    expect(await wrap(cache, 'default', batch)(['3', '1', '2'])).toEqual([{ id: '3' }, { id: '1' }, { id: '2' }]);
    expect(batch.calls).toEqual([['1', '2'], ['3']]);
    expect(await wrap(cache, 'default', batch)(['2', '3'])).toEqual([{ id: '2' }, { id: '3' }]);
    expect(batch.calls).toHaveLength(2);
  });

  it('never caches errors, nor "not found" unless asked to', async () => {
    const cache = createEntityCache();
    const batch = recordingBatch(['1']);
    const first = await wrap(cache, 'default', batch)(['boom', 'nope', '1']);
    expect(first[0]).toBeInstanceOf(Error);
    expect(first.slice(1)).toEqual([null, { id: '1' }]);
    await wrap(cache, 'default', batch)(['boom', 'nope', '1']);
    expect(batch.calls).toEqual([['boom', 'nope', '1'], ['boom', 'nope']]);
  });

  it('caches "not found" for negativeTtlMs, tagged so it can be invalidated', async () => {
    const cache = createEntityCache();
    const batch = recordingBatch([]);
    expect(await wrap(cache, 'default', batch, 1_000)(['nope'])).toEqual([null]);
    expect(await wrap(cache, 'default', batch, 1_000)(['nope'])).toEqual([null]);
    expect(batch.calls).toEqual([['nope']]);
    expect(cache.invalidate({ tags: ['SalesOrder:nope'] })).toBe(1);
  });

  it('always passes keys without a cache key to the batch function', async () => {
    const cache = createEntityCache();
    const batch = recordingBatch(['1']);
    await wrap(cache, 'default', batch)(['bad', '1']);
    const again = await wrap(cache, 'default', batch)(['bad', '1']);
    expect(again[0]).toBeInstanceOf(Error);
    expect(batch.calls).toEqual([['bad', '1'], ['bad']]);
  });

  it("does not answer tenant B from tenant A's entries", async () => {
    const cache = createEntityCache();
    const batch = recordingBatch(['1']);
    await wrap(cache, 'tenant-a', batch)(['1']);
    await wrap(cache, 'tenant-b', batch)(['1']);
    expect(batch.calls).toEqual([['1'], ['1']]);
  });

  it('passes everything through when the cache is disabled', async () => {
    const cache = createEntityCache({ enabled: false });
    const batch = recordingBatch(['1']);
    await wrap(cache, 'default', batch)(['1']);
    await wrap(cache, 'default', batch)(['1']);
    expect(batch.calls).toEqual([['1'], ['1']]);
  });

  it('refuses a batch function that answers the wrong number of keys', async () => {
    const cache = createEntityCache();
    const wrapped = cachedBatch<string, Order>({ cache, tenant: 'default', type: 'SalesOrder', keyOf: (k) => k, tagsOf: () => [] }, async () => []);
    await expect(wrapped(['1'])).rejects.toThrow(/returned 0 results for 1 keys/);
  });
});
