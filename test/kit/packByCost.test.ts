import { packByCost } from '../../subgraphs/kit/packByCost';

describe('packing keys under a size budget', () => {
  it('fills each group up to the budget, counting base and separators, and keeps the order', () => {
    const items = ['aa', 'bbb', 'c', 'dddd', 'ee'];
    const groups = packByCost(items, { base: 3, cost: (s) => s.length, separator: 1, budget: 10 });
    expect(groups).toEqual([['aa', 'bbb'], ['c', 'dddd'], ['ee']]);
    for (const g of groups) expect(3 + g.join(',').length).toBeLessThanOrEqual(10);
    expect(groups.flat()).toEqual(items);
  });

  it('puts an item that alone exceeds the budget in a group of its own', () => {
    expect(packByCost(['a', 'xxxxxxxxxx', 'b'], { cost: (s) => s.length, budget: 5 })).toEqual([['a'], ['xxxxxxxxxx'], ['b']]);
  });

  it('returns no group for no items', () => {
    expect(packByCost([], { cost: () => 1, budget: 5 })).toEqual([]);
  });
});
