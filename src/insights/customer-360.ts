/**
 * Customer 360: everything the CRM knows about one customer, across every channel and
 * direction, computed from the storage port: the timeline (what they wrote, what the brand
 * answered them, what other customers answered in their threads), identities with the way to
 * reach each, sentiment over time, open issues, contact dates, lifetime counts, advocate score
 * and segments. A pure query: nothing is cached or written.
 *
 * @module
 */
import * as z from 'zod';
import { INTENT_LABELS, identityKey, type Customer, type Department, type IntentLabel, type Interaction, type InteractionDirection, type SentimentLabel } from '../interaction.js';
import type { ConsentRecord, IdentityRecord, InteractionLedger } from '../ledger.js';
import { DAY_MS, parseInsightOptions, round, timeOf } from './_shared.js';
import { scanInteractions } from './scan-ledger.js';

/** How a timeline entry relates to the customer. */
export type TimelineRelation =
  /** The customer wrote it (to the brand, or to other customers). */
  | 'from-customer'
  /** The brand wrote it to the customer (an answer in their thread, or a private message). */
  | 'to-customer'
  /** Another customer answered the customer in the customer's thread. */
  | 'peer-reply';

/** One entry of the timeline. */
export interface TimelineEntry {
  relation: TimelineRelation;
  interaction: Interaction;
}

/** One way to reach the customer. */
export interface ReplyRoute {
  channel: string;
  identityKey: string;
  handle?: string;
  /** The customer's latest message from this identity: pass its id to `crm.reply()`. */
  lastInteractionId?: string;
  lastInteractionAt?: string;
  /** Its visibility: `private` routes answer by message, `public` ones in the thread. */
  visibility?: 'public' | 'private';
  /** The customer opted out of messages on this identity. */
  optedOut: boolean;
}

/** Sentiment of the customer's own messages in one time bucket. */
export interface SentimentBucket {
  /** Start of the bucket (UTC; weeks start on Monday). */
  start: string;
  messages: number;
  /** Mean sentiment score, -1 to 1. */
  averageScore: number;
  counts: Record<SentimentLabel, number>;
}

/** A customer message that still waits for the brand. */
export interface OpenIssue {
  interactionId: string;
  conversationId: string;
  channel: string;
  createdAt: string;
  intents: IntentLabel[];
  department?: Department;
  urgency?: number;
  text: string;
}

/** Messages per direction on one channel. */
export type DirectionCounts = Record<InteractionDirection, number> & { total: number };

/** Result of {@link customer360}. */
export interface Customer360 {
  /** The customer asked for, after following `mergedInto`. */
  customer: Customer;
  /** Ids followed to get here (the id asked first), when it had been merged. */
  mergedFrom: string[];
  identities: Array<IdentityRecord & { route: ReplyRoute }>;
  /** Oldest first. */
  timeline: TimelineEntry[];
  sentimentTrend: SentimentBucket[];
  openIssues: OpenIssue[];
  firstContactAt: string | null;
  lastContactAt: string | null;
  /** Last message the customer wrote. */
  lastInboundAt: string | null;
  /** Per channel, per direction. */
  counts: Record<string, DirectionCounts>;
  /** From `options.advocates`; `null` when none was given (the host may fill it). */
  advocateScore: number | null;
  detractorScore: number | null;
  /** From `options.segments`; `null` when none was given. */
  segments: string[] | null;
  /** True when `maxInteractions` or `maxConversations` cut the reading short. */
  truncated: boolean;
}

/** Options of {@link customer360}. */
export interface Customer360Options {
  /** Sentiment trend bucket. @default 'week' */
  bucket?: 'day' | 'week' | 'month';
  /** Only interactions at or after this time (ISO-8601). */
  since?: string;
  /** Upper bound on the customer's own interactions read. @default 5000 */
  maxInteractions?: number;
  /** Upper bound on the customer's conversations read for answers (newest first). @default 200 */
  maxConversations?: number;
  /** Intents that make a message an issue. @default ['complaint', 'question', 'support_request'] */
  issueIntents?: IntentLabel[];
  /** Minimum confidence of an issue intent. @default 0.5 */
  minIntentConfidence?: number;
  /** Scores from the advocates module (`createAdvocateTracker()`), or any object with the same `score()`. */
  advocates?: { score(customerId: string): { advocate: { score: number }; detractor: { score: number } } | null };
  /** Memberships from the segment engine. */
  segments?: { segmentsOf(customerId: string): string[] };
}

const optionsSchema = z.object({
  bucket: z.enum(['day', 'week', 'month']).default('week'),
  since: z.string().optional(),
  maxInteractions: z.number().int().positive().default(5000),
  maxConversations: z.number().int().positive().default(200),
  issueIntents: z.array(z.enum(INTENT_LABELS)).default(['complaint', 'question', 'support_request']),
  minIntentConfidence: z.number().min(0).max(1).default(0.5),
  advocates: z.custom<Customer360Options['advocates']>((value) => typeof (value as { score?: unknown })?.score === 'function', 'Expected an object with score(customerId).').optional(),
  segments: z.custom<Customer360Options['segments']>((value) => typeof (value as { segmentsOf?: unknown })?.segmentsOf === 'function', 'Expected an object with segmentsOf(customerId).').optional(),
});

const MAX_MERGE_HOPS = 32;

function bucketStart(at: number, bucket: 'day' | 'week' | 'month'): number {
  const day = at - (at % DAY_MS);
  if (bucket === 'day') return day;
  if (bucket === 'week') return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
  const date = new Date(day);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

const compareInteractions = (a: Interaction, b: Interaction) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Builds the 360° view of one customer from the storage port; `null` when the customer is unknown.
 * A merged-away id is followed to the surviving customer (`mergedFrom` lists the path).
 * @throws InvalidOptionsError for bad options.
 * @example const view = await customer360(crm.ledger, 'cus_42', { bucket: 'week', advocates, segments });
 */
export async function customer360(
  ledger: Pick<InteractionLedger, 'getCustomer' | 'listIdentities' | 'queryInteractions' | 'listMerges' | 'getConsent'>,
  customerId: string,
  options: Customer360Options = {},
): Promise<Customer360 | null> {
  const settings = parseInsightOptions('customer-360', optionsSchema, options);
  const since = settings.since === undefined ? undefined : new Date(timeOf(settings.since, 'since')).toISOString();

  // Follow merges to the survivor.
  const mergedFrom: string[] = [];
  let customer = await ledger.getCustomer(customerId);
  while (customer?.mergedInto && mergedFrom.length < MAX_MERGE_HOPS && !mergedFrom.includes(customer.id)) {
    mergedFrom.push(customer.id);
    customer = await ledger.getCustomer(customer.mergedInto);
  }
  if (!customer) return null;

  // The survivor's interactions, plus any still filed under absorbed ids.
  const absorbed = new Set<string>(mergedFrom);
  for (const merge of await ledger.listMerges(customer.id)) {
    if (merge.survivorId === customer.id && !merge.undoneAt) for (const id of merge.absorbedIds) absorbed.add(id);
  }
  absorbed.delete(customer.id);
  let truncated = false;
  const own = new Map<string, Interaction>();
  for (const id of [customer.id, ...absorbed]) {
    const budget = settings.maxInteractions - own.size;
    if (budget <= 0) {
      truncated = true;
      break;
    }
    let read = 0;
    for await (const interaction of scanInteractions(ledger, { customerId: id, order: 'desc', ...(since ? { since } : {}) }, budget + 1)) {
      if (++read > budget) {
        truncated = true;
        break;
      }
      own.set(interaction.id, interaction);
    }
  }

  const identities = await ledger.listIdentities(customer.id);
  const identityKeys = new Set(identities.map((record) => record.key));
  const fromCustomer = [...own.values()].filter((interaction) => interaction.direction !== 'outbound');
  const customerItemIds = new Set(fromCustomer.map((interaction) => interaction.id));

  // Answers: the brand's messages to the customer and other customers' replies, in the customer's conversations.
  const latestByConversation = new Map<string, string>();
  for (const interaction of fromCustomer) {
    const previous = latestByConversation.get(interaction.conversationId);
    if (!previous || previous < interaction.createdAt) latestByConversation.set(interaction.conversationId, interaction.createdAt);
  }
  const conversations = [...latestByConversation.entries()].sort((a, b) => (a[1] < b[1] ? 1 : -1));
  if (conversations.length > settings.maxConversations) truncated = true;
  const others: TimelineEntry[] = [];
  const outboundByConversation = new Map<string, Interaction[]>();
  for (const [conversationId] of conversations.slice(0, settings.maxConversations)) {
    let read = 0;
    for await (const interaction of scanInteractions(ledger, { conversationId, ...(since ? { since } : {}) }, settings.maxInteractions)) {
      read++;
      if (own.has(interaction.id) && interaction.direction !== 'outbound') continue;
      const parentId = interaction.parentId ? `${interaction.channel}:${interaction.parentId}` : undefined;
      const answersCustomer = parentId !== undefined && customerItemIds.has(parentId);
      if (interaction.direction === 'outbound') {
        const addressed = answersCustomer || interaction.visibility === 'private' || (interaction.recipientId !== undefined && identityKeys.has(`${interaction.channel}:${interaction.recipientId}`)) || interaction.customerId === customer.id;
        if (!addressed) continue;
        let list = outboundByConversation.get(conversationId);
        if (!list) outboundByConversation.set(conversationId, (list = []));
        list.push(interaction);
        others.push({ relation: 'to-customer', interaction });
      } else if (answersCustomer && !identityKeys.has(identityKey(interaction.author))) {
        others.push({ relation: 'peer-reply', interaction });
      }
    }
    if (read >= settings.maxInteractions) truncated = true;
  }
  // Brand messages filed under the customer outside their conversations (e.g. a DM answering a comment).
  const listed = new Set(others.map((entry) => entry.interaction.id));
  for (const interaction of own.values()) {
    if (interaction.direction !== 'outbound' || listed.has(interaction.id)) continue;
    others.push({ relation: 'to-customer', interaction });
    let list = outboundByConversation.get(interaction.conversationId);
    if (!list) outboundByConversation.set(interaction.conversationId, (list = []));
    list.push(interaction);
  }

  const timeline: TimelineEntry[] = [...fromCustomer.map((interaction) => ({ relation: 'from-customer' as const, interaction })), ...others].sort((a, b) =>
    compareInteractions(a.interaction, b.interaction),
  );

  // Routes: the latest message from each identity, and consent.
  const latestByIdentity = new Map<string, Interaction>();
  for (const interaction of fromCustomer) {
    const key = identityKey(interaction.author);
    const previous = latestByIdentity.get(key);
    if (!previous || compareInteractions(previous, interaction) < 0) latestByIdentity.set(key, interaction);
  }
  const consents = new Map<string, ConsentRecord | null>();
  for (const record of identities) consents.set(record.key, await ledger.getConsent(record.key));
  const withRoutes = identities.map((record) => {
    const latest = latestByIdentity.get(record.key);
    const route: ReplyRoute = {
      channel: record.identity.channel,
      identityKey: record.key,
      ...(record.identity.handle ? { handle: record.identity.handle } : {}),
      ...(latest ? { lastInteractionId: latest.id, lastInteractionAt: latest.createdAt, visibility: latest.visibility } : {}),
      optedOut: consents.get(record.key)?.status === 'opted-out',
    };
    return { ...record, route };
  });

  // Sentiment trend over the customer's classified messages.
  const buckets = new Map<number, { scores: number; messages: number; counts: Record<SentimentLabel, number> }>();
  for (const interaction of fromCustomer) {
    const sentiment = interaction.classification?.sentiment;
    if (!sentiment || interaction.state === 'deleted') continue;
    const start = bucketStart(Date.parse(interaction.createdAt), settings.bucket);
    let bucket = buckets.get(start);
    if (!bucket) buckets.set(start, (bucket = { scores: 0, messages: 0, counts: { negative: 0, neutral: 0, positive: 0 } }));
    bucket.scores += sentiment.score;
    bucket.messages++;
    bucket.counts[sentiment.label]++;
  }
  const sentimentTrend = [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, bucket]) => ({ start: new Date(start).toISOString(), messages: bucket.messages, averageScore: round(bucket.scores / bucket.messages), counts: bucket.counts }));

  // Open issues: an issue intent and no brand message after it in its conversation.
  const openIssues: OpenIssue[] = [];
  for (const interaction of fromCustomer) {
    if (interaction.state === 'deleted') continue;
    const labels = interaction.classification;
    const intents = (labels?.intents ?? []).filter((intent) => intent.confidence >= settings.minIntentConfidence && settings.issueIntents.includes(intent.intent)).map((intent) => intent.intent);
    if (intents.length === 0) continue;
    const answered = (outboundByConversation.get(interaction.conversationId) ?? []).some((reply) => compareInteractions(reply, interaction) > 0);
    if (answered) continue;
    openIssues.push({
      interactionId: interaction.id,
      conversationId: interaction.conversationId,
      channel: interaction.channel,
      createdAt: interaction.createdAt,
      intents,
      ...(labels ? { department: labels.department.department, urgency: labels.urgency } : {}),
      text: interaction.text,
    });
  }
  openIssues.sort((a, b) => (b.urgency ?? 0) - (a.urgency ?? 0) || a.createdAt.localeCompare(b.createdAt));

  const counts: Record<string, DirectionCounts> = {};
  for (const { interaction } of timeline) {
    if (!own.has(interaction.id) && interaction.direction === 'peer') continue;
    const channel = (counts[interaction.channel] ??= { inbound: 0, outbound: 0, peer: 0, total: 0 });
    channel[interaction.direction]++;
    channel.total++;
  }

  const scores = settings.advocates?.score(customer.id) ?? null;
  const lastInbound = fromCustomer.reduce<Interaction | null>((latest, interaction) => (!latest || compareInteractions(latest, interaction) < 0 ? interaction : latest), null);
  return {
    customer,
    mergedFrom,
    identities: withRoutes,
    timeline,
    sentimentTrend,
    openIssues,
    firstContactAt: timeline[0]?.interaction.createdAt ?? null,
    lastContactAt: timeline.at(-1)?.interaction.createdAt ?? null,
    lastInboundAt: lastInbound?.createdAt ?? null,
    counts,
    advocateScore: scores ? scores.advocate.score : null,
    detractorScore: scores ? scores.detractor.score : null,
    segments: settings.segments ? settings.segments.segmentsOf(customer.id) : null,
    truncated,
  };
}
