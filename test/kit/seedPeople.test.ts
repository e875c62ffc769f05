import { buildSeedWorld } from '../../subgraphs/kit/seedPeople';

describe('seed world', () => {
  const world = buildSeedWorld();

  it('has 500 accounts and 5000 people by default', () => {
    expect(world.accounts).toHaveLength(500);
    expect(world.people).toHaveLength(5000);
  });

  it('is identical on every build with the same seed and differs with another seed', () => {
    expect(buildSeedWorld()).toEqual(world);
    expect(buildSeedWorld(7).people[0]?.email).not.toBe(world.people[0]?.email);
  });

  it('gives every person a unique, well-formed email on their account domain', () => {
    const emails = world.people.map((p) => p.email);
    expect(new Set(emails).size).toBe(emails.length);
    for (const p of world.people) {
      expect(p.email).toMatch(/^[a-z0-9.]+@[a-z0-9]+\.example\.com$/);
      expect(p.email.endsWith(`@${world.accounts[p.accountIndex]?.domain}`)).toBe(true);
    }
  });

  it('puts at least one person in every account and skews people towards some accounts', () => {
    const perAccount = new Map<number, number>();
    for (const p of world.people) perAccount.set(p.accountIndex, (perAccount.get(p.accountIndex) ?? 0) + 1);
    expect(perAccount.size).toBe(500);
    expect(Math.max(...perAccount.values())).toBeGreaterThan(20);
  });

  it('builds smaller worlds for tests', () => {
    const small = buildSeedWorld(undefined, { accounts: 5, people: 20 });
    expect(small.accounts).toHaveLength(5);
    expect(small.people).toHaveLength(20);
  });
});
