import type { Customer, IdentityRecord, Interaction, InteractionLedger } from 'social-crm';
import {
  rankAdvocates,
  type Alert,
  type CrisisEvidence,
  type MentionBucket,
  type MentionTotals,
  type RankedCustomer,
  type SlaFigures,
  type SlaQueueItem,
  type SurveyReport,
  type ViralityEvidence,
} from 'social-crm/insights';
import type { DemoInsights } from './insights.js';

/** What the insights found while the stream played, and their figures at the end. */
export interface DemoInsightsReport {
  /** Every alert raised, with when it resolved (if it did). */
  alerts: Array<{ alert: Alert; resolvedAt?: string }>;
  /** Customers announced live by `advocate-detected` / `detractor-detected`, in order. */
  advocatesDetected: string[];
  detractorsDetected: string[];
  /** Hourly volume and sentiment of every mention. */
  volume: MentionBucket[];
  /** Totals per tracked topic. */
  topics: MentionTotals[];
  /** The customer-service side: SLA queue and figures, routing, segments. */
  service?: {
    /** Conversations waiting for the brand, most urgent first. */
    queue: SlaQueueItem[];
    waiting: number;
    figures: SlaFigures[];
    warnings: number;
    breaches: number;
    routed: Record<string, number>;
    segments: Array<{ id: string; name: string; members: number }>;
    /** CSAT after resolved conversations: all channels first, then per channel. */
    surveys: SurveyReport[];
  };
}

/**
 * The channels where customers talk among themselves or rate the brand, read from each
 * interaction's `channelMetadata`: group chats (Telegram `chatType` group or supergroup), comment
 * threads under videos (YouTube `videoId`), and reviews with their stars (`rating`).
 */
export interface CommunityReport {
  groups: Array<{ channel: string; title: string; messages: number; people: number; peer: number; toBrand: number; fromBrand: number }>;
  videos: Array<{ channel: string; videoId: string; threads: number; comments: number; replies: number; people: number; fromBrand: number }>;
  reviews: Array<{ channel: string; rating: number; author: string; text: string; createdAt: string; answered: boolean }>;
}

/** Everything the demo prints, computed from the ledger alone. */
export interface DemoReport {
  interactions: number;
  byChannel: Record<string, number>;
  byDirection: Record<string, number>;
  byLanguage: Record<string, number>;
  customers: number;
  multiNetworkCustomers: Array<{ customer: Customer; identities: IdentityRecord[] }>;
  waitingComplaints: Interaction[];
  departments: Record<string, number>;
  /** From `rankAdvocates(ledger)`: the score and its components. */
  advocates: RankedCustomer[];
  detractors: RankedCustomer[];
  insights?: DemoInsightsReport;
  communities: CommunityReport;
  spam: number;
  deadLetters: number;
}

async function allInteractions(ledger: InteractionLedger): Promise<Interaction[]> {
  const rows: Interaction[] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.queryInteractions({ limit: 1000, ...(cursor ? { cursor } : {}) });
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

const count = (target: Record<string, number>, key: string) => {
  target[key] = (target[key] ?? 0) + 1;
};

export async function buildDemoReport(ledger: InteractionLedger, live?: DemoInsights): Promise<DemoReport> {
  const rows = await allInteractions(ledger);
  const answered = new Set(rows.filter((row) => row.direction === 'outbound').map((row) => row.conversationId));
  const report: DemoReport = {
    interactions: rows.length,
    byChannel: {},
    byDirection: {},
    byLanguage: {},
    customers: 0,
    multiNetworkCustomers: [],
    waitingComplaints: [],
    departments: {},
    advocates: await rankAdvocates(ledger, { limit: 10 }),
    detractors: await rankAdvocates(ledger, { kind: 'detractor', limit: 10 }),
    communities: communitiesOf(rows),
    spam: 0,
    deadLetters: (await ledger.listDeadLetters({ limit: 1000 })).items.length,
  };
  for (const row of rows) {
    count(report.byChannel, row.channel);
    count(report.byDirection, row.direction);
    const classification = row.classification;
    if (!classification) continue;
    count(report.byLanguage, classification.language);
    const intents = new Set(classification.intents.filter((intent) => intent.confidence >= 0.5).map((intent) => intent.intent));
    if (intents.has('spam')) {
      report.spam++;
      continue;
    }
    count(report.departments, classification.department.department);
    if (intents.has('complaint') && row.direction !== 'outbound' && !answered.has(row.conversationId)) report.waitingComplaints.push(row);
  }
  report.waitingComplaints.sort((a, b) => (b.classification?.urgency ?? 0) - (a.classification?.urgency ?? 0));
  if (live) {
    const monitor = live.insights.monitor!;
    const resolvedAt = new Map(live.resolved.map((entry) => [entry.alert.id, entry.resolvedAt]));
    report.insights = {
      alerts: live.raised.map((alert) => ({ alert, ...(resolvedAt.has(alert.id) ? { resolvedAt: resolvedAt.get(alert.id)! } : {}) })),
      advocatesDetected: live.advocatesDetected.map((customer) => customer.name),
      detractorsDetected: live.detractorsDetected.map((customer) => customer.name),
      volume: monitor.series('all'),
      topics: monitor.definitions().filter((definition) => definition.id !== 'all').map((definition) => monitor.totals(definition.id)),
    };
    const { sla, segments } = live.insights;
    if (sla) {
      const queue = sla.queue();
      report.insights.service = {
        queue: queue.slice(0, 20),
        waiting: queue.length,
        figures: sla.figures({ by: 'channel' }),
        warnings: live.slaWarnings,
        breaches: live.slaBreaches,
        routed: live.routed,
        segments: (segments?.definitions ?? []).map((definition) => ({ id: definition.id, name: definition.name ?? definition.id, members: segments!.members(definition.id).length })),
        surveys: live.insights.surveys ? [...live.insights.surveys.report({ by: 'all' }), ...live.insights.surveys.report({ by: 'channel' })] : [],
      };
    }
  }

  let cursor: string | undefined;
  do {
    const page = await ledger.listCustomers({ limit: 1000, ...(cursor ? { cursor } : {}) });
    report.customers += page.items.length;
    for (const customer of page.items) {
      const identities = await ledger.listIdentities(customer.id);
      if (new Set(identities.map((record) => record.identity.channel)).size > 1) report.multiNetworkCustomers.push({ customer, identities });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return report;
}

function communitiesOf(rows: Interaction[]): CommunityReport {
  const metadataOf = (row: Interaction) => row.channelMetadata[row.channel] ?? {};
  const groups = new Map<string, CommunityReport['groups'][number] & { authors: Set<string> }>();
  const videos = new Map<string, CommunityReport['videos'][number] & { threadIds: Set<string>; authors: Set<string> }>();
  const answered = new Set(rows.filter((row) => row.direction === 'outbound' && row.parentId).map((row) => `${row.channel}:${row.parentId}`));
  const reviews: CommunityReport['reviews'] = [];
  for (const row of rows) {
    const metadata = metadataOf(row);
    const fromBrand = row.direction === 'outbound' ? 1 : 0;
    if (metadata.chatType === 'group' || metadata.chatType === 'supergroup') {
      const key = `${row.channel}:${row.conversationId}`;
      const group = groups.get(key) ?? { channel: row.channel, title: String(metadata.chatTitle ?? row.conversationId), messages: 0, people: 0, peer: 0, toBrand: 0, fromBrand: 0, authors: new Set<string>() };
      group.messages++;
      if (row.direction === 'peer') group.peer++;
      if (row.direction === 'inbound') group.toBrand++;
      group.fromBrand += fromBrand;
      if (!fromBrand) group.authors.add(row.author.nativeId);
      groups.set(key, group);
    } else if (typeof metadata.videoId === 'string' && typeof metadata.threadId === 'string') {
      const key = `${row.channel}:${metadata.videoId}`;
      const video = videos.get(key) ?? { channel: row.channel, videoId: metadata.videoId, threads: 0, comments: 0, replies: 0, people: 0, fromBrand: 0, threadIds: new Set<string>(), authors: new Set<string>() };
      video.comments++;
      video.threadIds.add(metadata.threadId);
      if (row.kind === 'reply') video.replies++;
      video.fromBrand += fromBrand;
      if (!fromBrand) video.authors.add(row.author.nativeId);
      videos.set(key, video);
    } else if (row.kind === 'review' && typeof metadata.rating === 'number') {
      reviews.push({ channel: row.channel, rating: metadata.rating, author: row.author.displayName ?? row.author.nativeId, text: row.text, createdAt: row.createdAt, answered: answered.has(`${row.channel}:${row.nativeId}`) });
    }
  }
  return {
    groups: [...groups.values()].map(({ authors, ...group }) => ({ ...group, people: authors.size })),
    videos: [...videos.values()].map(({ threadIds, authors, ...video }) => ({ ...video, threads: threadIds.size, people: authors.size })),
    reviews: reviews.sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
  };
}

/** `★★★☆☆` for 3. */
export const stars = (rating: number) => '★'.repeat(rating) + '☆'.repeat(Math.max(0, 5 - rating));

/** The reviews' average and count per star, 5 down to 1. */
export function reviewSummary(reviews: CommunityReport['reviews']): { average: number | null; counts: number[] } {
  const counts = [5, 4, 3, 2, 1].map((value) => reviews.filter((review) => review.rating === value).length);
  return { average: reviews.length ? reviews.reduce((sum, review) => sum + review.rating, 0) / reviews.length : null, counts };
}

const bar = (value: number, total: number, width = 24) => '█'.repeat(Math.round((value / Math.max(1, total)) * width)).padEnd(width, '·');

/** The report as text for a terminal. */
export function formatDemoReport(report: DemoReport, extra: string[] = []): string {
  const lines: string[] = [];
  const section = (title: string) => lines.push('', title, '─'.repeat(title.length));
  lines.push(`social-crm demo: ${report.interactions} interactions stored, ${report.customers} customers, ${report.deadLetters} dead letters`);
  section('Channels');
  for (const [channel, value] of Object.entries(report.byChannel).sort((a, b) => b[1] - a[1])) lines.push(`  ${channel.padEnd(16)} ${bar(value, report.interactions)} ${value}`);
  section('Directions (brand→customer, customer→brand, customer↔customer)');
  for (const [direction, value] of Object.entries(report.byDirection)) lines.push(`  ${direction.padEnd(16)} ${value}`);
  if (Object.keys(report.byLanguage).length) {
    section('Languages');
    for (const [language, value] of Object.entries(report.byLanguage).sort((a, b) => b[1] - a[1])) lines.push(`  ${language.padEnd(16)} ${value}`);
  }
  formatCommunities(lines, section, report.communities);
  section('Customers on more than one network (merged identities)');
  if (!report.multiNetworkCustomers.length) lines.push('  none');
  const multi = [...report.multiNetworkCustomers].sort((a, b) => b.identities.length - a.identities.length);
  if (multi.length > 8) lines.push(`  ${multi.length} customers write on several networks; the first 8:`);
  for (const { customer, identities } of multi.slice(0, 8)) {
    lines.push(`  ${customer.displayName ?? customer.id}: ${identities.map((record) => `${record.identity.channel}:${record.identity.handle ?? record.identity.phone ?? record.identity.nativeId}`).join(' + ')}`);
  }
  section('Complaints waiting for an answer, most urgent first');
  if (!report.waitingComplaints.length) lines.push('  none (or no classifier)');
  for (const row of report.waitingComplaints.slice(0, 12)) {
    const urgency = (row.classification?.urgency ?? 0).toFixed(2);
    lines.push(`  [${urgency}] ${row.channel.padEnd(9)} ${(row.author.handle ?? row.author.displayName ?? '').padEnd(18)} ${row.text.replace(/\s+/g, ' ').slice(0, 80)}`);
  }
  if (report.waitingComplaints.length > 12) lines.push(`  … and ${report.waitingComplaints.length - 12} more`);
  section('Department split');
  const routed = Object.values(report.departments).reduce((sum, value) => sum + value, 0);
  for (const [department, value] of Object.entries(report.departments).sort((a, b) => b[1] - a[1])) lines.push(`  ${department.padEnd(24)} ${bar(value, routed)} ${value}`);
  lines.push(`  spam filtered: ${report.spam}`);
  if (report.insights) formatAlerts(lines, section, report.insights);
  section('Brand advocates (score = own praise + help to other customers + consistency + reach − complaints)');
  if (!report.advocates.length) lines.push('  none');
  for (const advocate of report.advocates.slice(0, 5)) lines.push(`  ${formatRanked(advocate)}; praise ${advocate.counts.positive}, helped others ${advocate.counts.peerSupport}, active ${advocate.counts.activeDays} days`);
  section('Detractors (score = own complaints + complaints passed on + consistency + reach − praise)');
  if (!report.detractors.length) lines.push('  none');
  for (const detractor of report.detractors.slice(0, 3)) lines.push(`  ${formatRanked(detractor)}; complaints ${detractor.counts.negative}, passed on ${detractor.counts.peerComplaints}`);
  if (report.insights) {
    lines.push(`  announced live: advocates ${report.insights.advocatesDetected.join(', ') || 'none'}; detractors ${report.insights.detractorsDetected.join(', ') || 'none'}`);
    if (report.insights.service) formatService(lines, section, report.insights.service);
    section('Mentions by topic (Turkish and English terms)');
    for (const topic of [...report.insights.topics].sort((a, b) => b.mentions - a.mentions)) {
      lines.push(`  ${topic.name.padEnd(14)} ${String(topic.mentions).padStart(4)} mentions, ${Math.round(topic.mix.negative * 100)}% negative, ${Math.round(topic.mix.positive * 100)}% positive, ${topic.authors} authors, reach ${topic.reach}`);
    }
  }
  lines.push(...extra);
  return lines.join('\n');
}

function formatCommunities(lines: string[], section: (title: string) => void, communities: CommunityReport) {
  section('Group chats, video comments and reviews');
  for (const group of communities.groups) {
    lines.push(`  ${group.channel} group "${group.title}": ${group.messages} messages from ${group.people} people; ${group.peer} between customers, ${group.toBrand} to the brand, ${group.fromBrand} from the brand`);
  }
  for (const video of communities.videos) {
    lines.push(`  ${video.channel} video ${video.videoId}: ${video.threads} comment threads, ${video.comments} comments (${video.replies} replies) from ${video.people} people; ${video.fromBrand} from the brand`);
  }
  if (communities.reviews.length) {
    const { average, counts } = reviewSummary(communities.reviews);
    const channels = [...new Set(communities.reviews.map((review) => review.channel))].join(', ');
    lines.push(`  ${channels} reviews: ${communities.reviews.length}, average ${average!.toFixed(1)} of 5 (${counts.map((count, index) => `${5 - index}★ ${count}`).join(', ')}); ${communities.reviews.filter((review) => review.answered).length} answered`);
    for (const review of communities.reviews) lines.push(`    ${stars(review.rating)} ${review.author}: ${review.text.slice(0, 80)}${review.answered ? ' (answered)' : ''}`);
  }
  if (!communities.groups.length && !communities.videos.length && !communities.reviews.length) lines.push('  none');
}

function formatRanked(customer: RankedCustomer): string {
  const parts = customer.components;
  return `${customer.name.padEnd(20)} ${customer.score.toFixed(1).padStart(5)} = ${parts.mentions.toFixed(1)} + ${parts.peer.toFixed(1)} + ${parts.consistency.toFixed(1)} + ${parts.reach.toFixed(1)} − ${Math.abs(parts.offset).toFixed(1)}`;
}

const time = (iso: string) => iso.slice(5, 16).replace('T', ' ');

function formatAlerts(lines: string[], section: (title: string) => void, insights: DemoInsightsReport) {
  section('Crisis and virality alerts (insights.on(\'alert-raised\'))');
  if (!insights.alerts.length) lines.push('  none');
  for (const { alert, resolvedAt } of insights.alerts) {
    lines.push(`  [${alert.severity}] ${alert.kind} at ${time(alert.raisedAt)} UTC: ${alert.title}`);
    if (alert.kind === 'crisis') {
      const evidence = alert.evidence as CrisisEvidence;
      lines.push(`    window ${time(evidence.window.start)}–${time(evidence.window.end)}; observed ${evidence.observed.mentions} negative mentions (weight ${evidence.observed.weight}) against a baseline of ${evidence.baseline.mean} ± ${evidence.baseline.stdDev} per bucket; z = ${evidence.score}`);
      for (const post of evidence.topPosts.slice(0, 3)) lines.push(`    reach ${post.reach.toFixed(1).padStart(4)}  ${post.author}: ${post.text.slice(0, 90)}`);
      lines.push(`    top authors: ${evidence.topAuthors.slice(0, 3).map((author) => `${author.name} (${author.followers} followers, ${author.posts} posts)`).join(', ')}`);
    } else if (alert.kind === 'virality') {
      const evidence = alert.evidence as ViralityEvidence;
      lines.push(`    +${evidence.growth} in the window (${evidence.ratePerHour}/h), ${evidence.participants} people replying, answered by the brand: ${evidence.answeredByBrand ? 'yes' : 'no'}`);
      lines.push(`    ${evidence.post.author}: ${evidence.post.text.slice(0, 100)}`);
    }
    lines.push(`    ${resolvedAt ? `resolved at ${time(resolvedAt)} UTC` : 'still open'}`);
  }
}

const minutes = (ms: number | null) => (ms === null ? '–' : ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`);

function formatService(lines: string[], section: (title: string) => void, service: NonNullable<DemoInsightsReport['service']>) {
  section('Response SLAs (insights.sla)');
  lines.push(`  ${service.waiting} conversations waiting for the brand; ${service.warnings} warnings and ${service.breaches} breaches announced`);
  for (const figures of service.figures) {
    lines.push(`  ${figures.key.padEnd(10)} answered ${figures.responses}, first response median ${minutes(figures.firstResponse.medianMs)} (p90 ${minutes(figures.firstResponse.p90Ms)}), open ${figures.open} (${figures.openBreached} overdue)`);
  }
  lines.push('  Most urgent waiting:');
  for (const item of service.queue.slice(0, 8)) {
    lines.push(`    [${item.priority}] ${item.channel.padEnd(9)} ${item.status.padEnd(8)} waiting since ${time(item.waitingSince)} (${item.interactionIds.length} messages, urgency ${item.urgency.toFixed(2)})`);
  }
  section('Routing (insights.on(\'routed\'))');
  for (const [queue, count] of Object.entries(service.routed).sort((a, b) => b[1] - a[1])) lines.push(`  ${queue.padEnd(14)} ${count}`);
  section('Segments (insights.segments)');
  for (const segment of service.segments) lines.push(`  ${segment.name.padEnd(40)} ${segment.members} customers`);
  if (service.surveys.length) {
    section('Satisfaction after resolved conversations (insights.surveys, CSAT 1–5)');
    for (const row of service.surveys) {
      const rate = row.responseRate === null ? '–' : `${Math.round(row.responseRate * 100)}%`;
      const csat = row.csat === null ? '–' : `${Math.round(row.csat)}% satisfied (4–5)`;
      lines.push(`  ${row.key.padEnd(10)} sent ${row.sent}, not sent ${row.notSent}, answered ${row.answered} (${rate}), CSAT ${csat}${row.lowConfidence ? `, ${row.lowConfidence} read from wording alone` : ''}`);
    }
  }
}
