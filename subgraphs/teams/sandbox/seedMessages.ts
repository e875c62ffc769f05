/**
 * Seeds channel messages: business chatter about the seed companies, spread over the eight months
 * before `SEED_EPOCH` (mostly working hours), html and text bodies, some subjects, mentions,
 * reactions, edits and reply threads, plus a "channel added" system event in every non-General
 * channel.
 */
import { DAY_MS, SEED_EPOCH } from '../../kit/seedPeople';
import type { SeededRandom } from '../../kit/seededRandom';
import {
  buildChatMessage, channelKey, userIdentity, type ChannelMessages, type GraphChannel, type GraphData, type GraphTeam,
  type GraphUser, type MessageRecord,
} from './graphStore';

const WINDOW_MS = 240 * DAY_MS;
const MINUTE = 60_000;

const ROOTS: Array<(c: string, p: string, n: number) => string> = [
  (c, _p, n) => `${c} asked to move the delivery of order ${4_500_000 + n} to next week. Can logistics confirm the new slot?`,
  (c, p, n) => `Great call with ${p} from ${c} today. They want a quote for ${(n % 90) * 10 + 50} units by Friday.`,
  (c, _p, n) => `Invoice ${90_000_000 + n} for ${c} is ${(n % 40) + 5} days overdue. Who owns the follow-up?`,
  (c) => `${c} signed the renewal for another three years!`,
  (c, p) => `Escalation: ${p} at ${c} reports that the last shipment arrived damaged. Opening a case now.`,
  (c, _p, n) => `Forecast update: ${c} is likely to add ${(n % 9) + 1}% volume in Q${(n % 4) + 1}.`,
  (c, p) => `Reminder: quarterly business review with ${c} (${p}) is on Thursday. Slides are in the Files tab.`,
  (c, _p, n) => `${c} changed their billing address. Please update it before the next invoice run (ref ${n}).`,
  (c, p) => `${p} from ${c} is asking whether the new API supports bulk order import. Anyone from engineering?`,
  (c, _p, n) => `Credit limit for ${c} raised to ${((n % 50) + 10) * 10_000} EUR after the finance review.`,
  (c) => `Heads-up: ${c} is evaluating a competitor. Let's set up an executive touchpoint this month.`,
  (c, _p, n) => `Stock alert: only ${(n % 30) + 3} pallets left for ${c}'s standing order. Reorder triggered.`,
  (c, p) => `Welcome ${p} (${c}) to the partner programme! Onboarding kickoff is scheduled.`,
  (c, _p, n) => `Purchase order ${4_100_000 + n} from ${c} is blocked: missing cost centre. Can someone check?`,
  (c) => `Customer satisfaction survey results for ${c} are in: 9/10 overall, delivery times praised.`,
];
const REPLIES: Array<(c: string, p: string) => string> = [
  () => 'On it, will update here by end of day.',
  (c) => `Confirmed with ${c}, all good now.`,
  (_c, p) => `Thanks! I'll loop in ${p}.`,
  () => 'Done. Ticket closed.',
  () => 'Can we discuss this in tomorrow\'s stand-up?',
  (c) => `I spoke to the account manager for ${c}; they are aware.`,
  () => 'Looks good to me.',
  () => 'Please attach the latest numbers when you have them.',
  (_c, p) => `${p} already sent the updated document.`,
  () => 'Escalated to the regional lead.',
];
const SUBJECTS = ['Delivery change', 'Renewal', 'Escalation', 'Quarterly review', 'Forecast', 'Invoice follow-up', 'Heads-up'];
const REACTIONS = ['like', 'heart', 'laugh', 'surprised'];

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Random instants in the window, biased to working hours, strictly ascending and distinct. */
function instants(rnd: SeededRandom, count: number, from: number, to: number): number[] {
  const days = Math.max(1, Math.floor((to - from) / DAY_MS));
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const day = from - (from % DAY_MS) + rnd.int(0, days) * DAY_MS;
    const hour = rnd.chance(0.85) ? rnd.int(7, 18) : rnd.int(0, 23);
    out.push(Math.min(to, Math.max(from, day + hour * 3_600_000 + rnd.int(0, 3_600_000 - 1))));
  }
  out.sort((a, b) => a - b);
  for (let i = 1; i < out.length; i++) if ((out[i] as number) <= (out[i - 1] as number)) out[i] = (out[i - 1] as number) + 1;
  return out;
}

interface Ctx {
  data: GraphData;
  rnd: SeededRandom;
  companies: string[];
  team: GraphTeam;
  channel: GraphChannel;
  members: GraphUser[];
  store: ChannelMessages;
  used: Set<number>;
}

function uniqueId(ctx: Ctx, at: number): number {
  let id = at;
  while (ctx.used.has(id)) id++;
  ctx.used.add(id);
  if (id > ctx.store.lastId) ctx.store.lastId = id;
  return id;
}

function content(ctx: Ctx, text: string, mention: GraphUser | null): { body: { contentType: 'text' | 'html'; content: string }; mentions: Array<Record<string, unknown>> } {
  const { rnd, data } = ctx;
  if (!mention && rnd.chance(0.3)) return { body: { contentType: 'text', content: text }, mentions: [] };
  const lead = mention ? `<at id="0">${escapeHtml(mention.displayName)}</at> ` : '';
  const html = `<p>${lead}${escapeHtml(text).replace(/(\d{6,})/, '<strong>$1</strong>')}</p>`;
  const mentions = mention
    ? [{ id: 0, mentionText: mention.displayName, mentioned: { application: null, device: null, conversation: null, tag: null, user: userIdentity(mention, data.tenantId).user } }]
    : [];
  return { body: { contentType: 'html', content: html }, mentions };
}

function reactions(ctx: Ctx, after: number): Array<Record<string, unknown>> {
  const n = ctx.rnd.chance(0.2) ? ctx.rnd.int(1, 3) : 0;
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < n; i++) {
    const who = ctx.rnd.pick(ctx.members);
    out.push({
      reactionType: ctx.rnd.pick(REACTIONS), displayName: null, reactionContentUrl: null,
      createdDateTime: new Date(Math.min(SEED_EPOCH - MINUTE, after + ctx.rnd.int(1, 600) * MINUTE)).toISOString(),
      user: { application: null, device: null, user: { '@odata.type': '#microsoft.graph.teamworkUserIdentity', id: who.id, displayName: null, userIdentityType: 'aadUser', tenantId: ctx.data.tenantId } },
    });
  }
  return out;
}

function addMessage(ctx: Ctx, at: number, parent: MessageRecord | null): MessageRecord {
  const { rnd, team, channel, data } = ctx;
  const author = rnd.pick(ctx.members);
  const company = rnd.pick(ctx.companies);
  const person = rnd.pick(ctx.members).displayName;
  const text = parent ? rnd.pick(REPLIES)(company, person) : rnd.pick(ROOTS)(company, person, rnd.int(1, 99_999));
  const mention = rnd.chance(0.15) ? rnd.pick(ctx.members) : null;
  const { body, mentions } = content(ctx, text, mention);
  const id = uniqueId(ctx, at);
  const roll = rnd.next();
  const message = buildChatMessage({
    tenantId: data.tenantId, teamId: team.id, channelId: channel.id, id, replyToId: parent ? parent.message.id : null,
    from: userIdentity(author, data.tenantId), body, mentions,
    subject: !parent && rnd.chance(0.15) ? rnd.pick(SUBJECTS) : null,
    importance: roll < 0.05 ? 'urgent' : roll < 0.15 ? 'high' : 'normal',
  });
  message.reactions = reactions(ctx, id);
  if (rnd.chance(0.05)) {
    const edited = new Date(Math.min(SEED_EPOCH - MINUTE, id + rnd.int(1, 120) * MINUTE)).toISOString();
    message.lastEditedDateTime = edited;
    message.lastModifiedDateTime = edited;
    message.etag = String(Date.parse(edited));
  }
  const record: MessageRecord = { message, seq: 0, replies: [] };
  ctx.store.byId.set(message.id, record);
  return record;
}

function channelAdded(ctx: Ctx, at: number): MessageRecord {
  const { data, team, channel } = ctx;
  const id = uniqueId(ctx, at);
  const message = buildChatMessage({
    tenantId: data.tenantId, teamId: team.id, channelId: channel.id, id, replyToId: null, from: null,
    body: { contentType: 'html', content: '<systemEventMessage/>' },
  });
  message.messageType = 'systemEventMessage';
  message.eventDetail = {
    '@odata.type': '#microsoft.graph.channelAddedEventMessageDetail', channelId: channel.id, channelDisplayName: channel.displayName,
    initiator: userIdentity(ctx.members[0] ?? { id: data.tenantId, displayName: 'Admin' }, data.tenantId),
  };
  const record: MessageRecord = { message, seq: 0, replies: [] };
  ctx.store.byId.set(message.id, record);
  return record;
}

/** Seed about `rootCount` root messages (plus replies) over every channel of `data`. */
export function seedMessages(data: GraphData, rnd: SeededRandom, rootCount: number, companies: string[]): void {
  const slots: Array<{ team: GraphTeam; channel: GraphChannel; weight: number }> = [];
  for (const team of data.teams) {
    for (const channel of data.channelsByTeam.get(team.id) ?? []) slots.push({ team, channel, weight: rnd.int(1, 10) });
  }
  const perChannel = new Array<number>(slots.length).fill(0);
  const weights = slots.map((s) => s.weight);
  for (let i = 0; i < rootCount; i++) {
    const k = rnd.weighted(weights);
    perChannel[k] = (perChannel[k] ?? 0) + 1;
  }
  const allRoots: MessageRecord[] = [];
  slots.forEach(({ team, channel }, k) => {
    const memberIds = data.teamMembers.get(team.id) ?? [];
    const members = memberIds.map((id) => data.usersById.get(id)).filter((u): u is GraphUser => u !== undefined);
    const store: ChannelMessages = { roots: [], byId: new Map(), lastId: 0 };
    data.messages.set(channelKey(team.id, channel.id), store);
    if (members.length === 0) return;
    const ctx: Ctx = { data, rnd, companies: companies.length ? companies : ['Contoso Ltd.'], team, channel, members, store, used: new Set() };
    const from = Math.max(Date.parse(channel.createdDateTime), SEED_EPOCH - WINDOW_MS);
    const to = SEED_EPOCH - 3_600_000;
    if (channel.displayName !== 'General') store.roots.push(channelAdded(ctx, Math.min(from, to - 1)));
    for (const at of instants(rnd, perChannel[k] ?? 0, from, to)) {
      const root = addMessage(ctx, at, null);
      store.roots.push(root);
      if (rnd.chance(0.25)) {
        let t = at;
        for (let r = rnd.int(1, 4); r > 0 && t < SEED_EPOCH - 2 * MINUTE; r--) {
          t = Math.min(SEED_EPOCH - 2 * MINUTE, t + rnd.int(1, 2 * 24 * 60) * MINUTE);
          root.replies.push(addMessage(ctx, t, root));
        }
        const last = root.replies[root.replies.length - 1];
        if (last && last.message.createdDateTime > root.message.lastModifiedDateTime) {
          root.message.lastModifiedDateTime = last.message.createdDateTime;
          root.message.etag = last.message.id;
        }
      }
    }
    store.roots.sort((a, b) => Number(a.message.id) - Number(b.message.id));
    allRoots.push(...store.roots);
  });
  allRoots.sort((a, b) => a.message.lastModifiedDateTime.localeCompare(b.message.lastModifiedDateTime));
  allRoots.forEach((r, i) => { r.seq = i + 1; });
  data.seq = allRoots.length;
}
