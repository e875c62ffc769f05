import { buildSeedWorld, SEED_EPOCH } from '../../../subgraphs/kit/seedPeople';
import { buildGraphData } from '../../../subgraphs/teams/sandbox/graphSeed';
import type { GraphData } from '../../../subgraphs/teams/sandbox/graphStore';

const TENANT = '8d2f7c1e-4b6a-4e9d-a3c5-1f0b9e7d2a64';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('Graph sandbox seed', () => {
  let data: GraphData;
  beforeAll(() => { data = buildGraphData(TENANT); });

  it('has one user per seed person whose mail and userPrincipalName are exactly the person email', () => {
    const people = buildSeedWorld().people;
    expect(data.users).toHaveLength(5000);
    const wrong = data.users.filter((u, i) => u.mail !== people[i]?.email || u.userPrincipalName !== people[i]?.email || !GUID.test(u.id));
    expect(wrong).toEqual([]);
    expect(new Set(data.users.map((u) => u.id)).size).toBe(5000);
  });

  it('has 10 teams and 50 channels with Teams-style ids', () => {
    expect(data.teams).toHaveLength(10);
    const channels = [...data.channelsByTeam.values()].flat();
    expect(channels).toHaveLength(50);
    for (const t of data.teams) expect(t.id).toMatch(GUID);
    for (const c of channels) expect(c.id).toMatch(/^19:[0-9a-f]{32}@thread\.tacv2$/);
    for (const t of data.teams) expect(data.channelsByTeam.get(t.id)?.[0]?.displayName).toBe('General');
  });

  it('has at least 10,000 messages with epoch-ms ids unique per channel, all before the seed epoch', () => {
    let total = 0;
    let replies = 0;
    for (const channel of data.messages.values()) {
      const ids = [...channel.byId.keys()];
      expect(new Set(ids).size).toBe(ids.length);
      const bad = [...channel.byId.values()].map((r) => r.message).filter((m) => !/^\d{13}$/.test(m.id)
        || Date.parse(m.createdDateTime) !== Number(m.id)
        || Date.parse(m.lastModifiedDateTime) >= SEED_EPOCH
        || Date.parse(m.lastModifiedDateTime) < Number(m.id));
      expect(bad).toEqual([]);
      total += channel.byId.size;
      replies += channel.roots.reduce((n, r) => n + r.replies.length, 0);
    }
    expect(total).toBeGreaterThanOrEqual(10_000);
    expect(replies).toBeGreaterThan(1000);
  });

  it('writes messages from team members, with realistic variety', () => {
    const all = [...data.messages.values()].flatMap((c) => [...c.byId.values()].map((r) => r.message));
    const userMessages = all.filter((m) => m.messageType === 'message');
    for (const m of userMessages.slice(0, 500)) {
      const author = data.usersById.get(m.from?.user?.id ?? '');
      expect(author?.displayName).toBe(m.from?.user?.displayName);
      expect(data.teamMembers.get(m.channelIdentity.teamId)).toContain(author?.id);
    }
    const share = (pred: (m: (typeof all)[number]) => boolean): number => all.filter(pred).length / all.length;
    expect(share((m) => m.body.contentType === 'html')).toBeGreaterThan(0.4);
    expect(share((m) => m.body.contentType === 'text')).toBeGreaterThan(0.1);
    expect(share((m) => m.importance !== 'normal')).toBeGreaterThan(0.05);
    expect(share((m) => m.mentions.length > 0)).toBeGreaterThan(0.05);
    expect(share((m) => m.reactions.length > 0)).toBeGreaterThan(0.1);
    expect(all.some((m) => m.messageType === 'systemEventMessage')).toBe(true);
  });

  it('is identical on every build and differs with another seed', () => {
    const again = buildGraphData(TENANT);
    expect(again.teams).toEqual(data.teams);
    expect(again.users.slice(0, 50)).toEqual(data.users.slice(0, 50));
    const k = [...data.messages.keys()][7] ?? '';
    expect([...(again.messages.get(k)?.byId.keys() ?? [])]).toEqual([...(data.messages.get(k)?.byId.keys() ?? [])]);
    expect(buildGraphData(TENANT, 42, { people: 50, accounts: 5, teams: 2, channels: 2, messages: 10 }).teams[0]?.id).not.toBe(data.teams[0]?.id);
  });

  it('builds small worlds for tests', () => {
    const small = buildGraphData(TENANT, undefined, { accounts: 5, people: 30, teams: 2, channels: 4, messages: 40 });
    expect(small.users).toHaveLength(30);
    expect(small.teams).toHaveLength(2);
    expect([...small.channelsByTeam.values()].flat()).toHaveLength(4);
    expect([...small.messages.values()].reduce((n, c) => n + c.roots.filter((r) => r.message.messageType === 'message').length, 0)).toBe(40);
  });
});
