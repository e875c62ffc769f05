/**
 * Builds the sandbox tenant from the shared seed world: one user per seed person (their email is the
 * user's `mail` and `userPrincipalName`), teams with members, channels, then the channel messages
 * (`seedMessages.ts`). Deterministic for a seed and size; fast enough to rebuild on every reset.
 */
import { buildSeedWorld, DAY_MS, DEFAULT_SEED, SEED_EPOCH, type SeedWorld } from '../../kit/seedPeople';
import { createSeededRandom, type SeededRandom } from '../../kit/seededRandom';
import type { GraphChannel, GraphData, GraphSize, GraphTeam, GraphUser } from './graphStore';
import { seedMessages } from './seedMessages';

/** A GUID (version 4 layout) drawn from the seeded stream. */
export function seededGuid(rnd: SeededRandom): string {
  let hex = '';
  for (let i = 0; i < 4; i++) hex += Math.floor(rnd.next() * 0x100000000).toString(16).padStart(8, '0');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function hex(rnd: SeededRandom, n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(rnd.next() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

const TEAM_NAMES: Array<[string, string]> = [
  ['Sales EMEA', 'Pipeline, deals and customer updates for Europe, the Middle East and Africa.'],
  ['Sales Americas', 'Deals and account news for North and South America.'],
  ['Key Accounts', 'Our twenty biggest customers: escalations, renewals and executive sponsors.'],
  ['Supply Chain', 'Orders, deliveries, carriers and stock levels.'],
  ['Customer Success', 'Onboarding, health checks and support escalations.'],
  ['Finance & Billing', 'Invoices, credit limits, payment runs and dunning.'],
  ['Product Launch 2026', 'Everything about the autumn 2026 launch.'],
  ['Operations APAC', 'Day-to-day operations across Asia-Pacific.'],
  ['Procurement Council', 'Supplier negotiations and purchasing policy.'],
  ['Engineering Support', 'Integration questions from the field, answered by engineering.'],
];
const CHANNEL_NAMES = ['Deals', 'Escalations', 'Orders', 'Announcements', 'Forecast', 'Partners', 'Logistics', 'Invoices',
  'Renewals', 'Onboarding', 'Random', 'Leadership', 'Quotes', 'Returns', 'Integrations'];
const DEPARTMENTS = ['Sales', 'Operations', 'Finance', 'Procurement', 'IT', 'Customer Success', 'Logistics', 'Executive'];
const LANGUAGES: Record<string, string> = {
  US: 'en-US', CA: 'en-CA', GB: 'en-GB', DE: 'de-DE', FR: 'fr-FR', IT: 'it-IT', ES: 'es-ES', NL: 'nl-NL', CH: 'de-CH',
  SE: 'sv-SE', PL: 'pl-PL', JP: 'ja-JP', AU: 'en-AU', SG: 'en-SG', BR: 'pt-BR',
};

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function buildUsers(world: SeedWorld, rnd: SeededRandom): GraphUser[] {
  return world.people.map((p) => {
    const account = world.accounts[p.accountIndex];
    const country = account?.country ?? 'US';
    return {
      id: seededGuid(rnd),
      displayName: `${p.firstName} ${p.lastName}`,
      givenName: p.firstName,
      surname: p.lastName,
      mail: p.email,
      userPrincipalName: p.email,
      jobTitle: p.title,
      businessPhones: [p.phone],
      mobilePhone: p.mobile,
      officeLocation: `${account?.city ?? 'Remote'} ${rnd.int(1, 12)}/${rnd.int(100, 999)}`,
      preferredLanguage: LANGUAGES[country] ?? 'en-US',
      companyName: account?.name ?? '',
      department: rnd.pick(DEPARTMENTS),
      city: account?.city ?? '',
      country,
      usageLocation: country,
      accountEnabled: !rnd.chance(0.01),
      createdDateTime: iso(Math.floor(p.createdAt / 1000) * 1000),
    };
  });
}

function buildTeam(rnd: SeededRandom, tenantId: string, index: number, members: number): GraphTeam {
  const [name, description] = TEAM_NAMES[index % TEAM_NAMES.length] ?? ['Team', ''];
  const displayName = index < TEAM_NAMES.length ? name : `${name} ${Math.floor(index / TEAM_NAMES.length) + 1}`;
  const id = seededGuid(rnd);
  const internalId = `19:${hex(rnd, 32)}@thread.tacv2`;
  const owners = Math.min(members, rnd.int(2, 4));
  return {
    id, createdDateTime: iso(SEED_EPOCH - rnd.int(300, 900) * DAY_MS - rnd.int(0, DAY_MS - 1)), displayName, description,
    internalId, classification: null, specialization: 'none', visibility: rnd.chance(0.7) ? 'public' : 'private',
    webUrl: `https://teams.microsoft.com/l/team/${encodeURIComponent(internalId)}/conversations?groupId=${id}&tenantId=${tenantId}`,
    isArchived: false, tenantId, isMembershipLimitedToOwners: false,
    memberSettings: { allowCreateUpdateChannels: true, allowCreatePrivateChannels: true, allowDeleteChannels: false,
      allowAddRemoveApps: true, allowCreateUpdateRemoveTabs: true, allowCreateUpdateRemoveConnectors: true },
    guestSettings: { allowCreateUpdateChannels: false, allowDeleteChannels: false },
    messagingSettings: { allowUserEditMessages: true, allowUserDeleteMessages: true, allowOwnerDeleteMessages: true,
      allowTeamMentions: true, allowChannelMentions: true },
    funSettings: { allowGiphy: true, giphyContentRating: 'moderate', allowStickersAndMemes: true, allowCustomMemes: false },
    discoverySettings: { showInTeamsSearchAndSuggestions: true },
    summary: { ownersCount: owners, membersCount: members - owners, guestsCount: 0 },
  };
}

function buildChannel(rnd: SeededRandom, tenantId: string, team: GraphTeam, name: string, general: boolean): GraphChannel {
  const id = `19:${hex(rnd, 32)}@thread.tacv2`;
  const created = general ? Date.parse(team.createdDateTime) : Date.parse(team.createdDateTime) + rnd.int(1, 200) * DAY_MS;
  return {
    id, createdDateTime: iso(created), displayName: name,
    description: general ? team.description : `${name} for ${team.displayName}.`,
    isFavoriteByDefault: general ? null : rnd.chance(0.3), email: '',
    tenantId, webUrl: `https://teams.microsoft.com/l/channel/${encodeURIComponent(id)}/${encodeURIComponent(name)}?groupId=${team.id}&tenantId=${tenantId}`,
    membershipType: general || rnd.chance(0.85) ? 'standard' : 'private', isArchived: false,
  };
}

/** Spread `total` channels over `teams` teams (each at least one, the General channel). */
function channelCounts(rnd: SeededRandom, teams: number, total: number): number[] {
  const counts = new Array<number>(teams).fill(1);
  for (let left = Math.max(0, total - teams); left > 0; left--) {
    const i = rnd.int(0, teams - 1);
    counts[i] = (counts[i] ?? 1) + 1;
  }
  return counts;
}

/** Build the whole tenant. */
export function buildGraphData(tenantId: string, seed = DEFAULT_SEED, size: GraphSize = {}): GraphData {
  const rnd = createSeededRandom(seed ^ 0x7ea45);
  const world = buildSeedWorld(seed, size);
  const users = buildUsers(world, rnd);
  const teamCount = Math.max(1, size.teams ?? 10);
  const data: GraphData = {
    tenantId, users, usersById: new Map(), usersByMail: new Map(), teams: [], teamsById: new Map(),
    teamMembers: new Map(), channelsByTeam: new Map(), messages: new Map(), seq: 0,
  };
  for (const u of users) {
    data.usersById.set(u.id, u);
    data.usersByMail.set(u.mail.toLowerCase(), u);
  }
  const counts = channelCounts(rnd, teamCount, Math.max(teamCount, size.channels ?? 50));
  for (let t = 0; t < teamCount; t++) {
    // Every user is in one "home" team; about one in ten is also in a second one.
    const second = 0.1 / Math.max(1, teamCount - 1);
    const members = users.filter((_, i) => i % teamCount === t || rnd.chance(second));
    const team = buildTeam(rnd, tenantId, t, members.length);
    data.teams.push(team);
    data.teamsById.set(team.id, team);
    data.teamMembers.set(team.id, members.map((m) => m.id));
    const names = [...CHANNEL_NAMES];
    const channels: GraphChannel[] = [];
    for (let c = 0; c < (counts[t] ?? 1); c++) {
      let name = 'General';
      if (c > 0) name = names.length ? names.splice(rnd.int(0, names.length - 1), 1)[0] ?? `Channel ${c}` : `Channel ${c}`;
      channels.push(buildChannel(rnd, tenantId, team, name, c === 0));
    }
    data.channelsByTeam.set(team.id, channels);
  }
  seedMessages(data, rnd, size.messages ?? 10_000, world.accounts.map((a) => a.name));
  return data;
}
