/**
 * Attribution: what a campaign's messages led to within a window after each one.
 *
 * @internal
 * @module
 */
import type { Interaction } from '../interaction.js';
import type { InteractionLedger, SendRecord } from '../ledger.js';

/** Figures of one channel (or of the whole campaign). */
export interface ChannelResults {
  /** Messages recorded for the campaign on this channel (sent, in doubt or failed). */
  attempted: number;
  /** Messages the network accepted: the reach. */
  reached: number;
  /** Delivered to the device (read ones included), from the networks' delivery statuses. */
  delivered: number;
  read: number;
  /** Recorded but not known to have left (a crash mid-send, a timeout): never sent again automatically. */
  inDoubt: number;
  /** Refused by the network; a later run may try again. */
  failed: number;
  /** Customers who wrote back within the window. */
  repliedCustomers: number;
  /** Their messages within the window (reactions excluded). */
  replies: number;
  /** Reactions within the window. */
  reactions: number;
  /** Sentiment of the replies the classifier labelled. */
  sentiment: { positive: number; neutral: number; negative: number };
  /** Intents of the replies (each reply's labels counted once). */
  intents: Record<string, number>;
  /** Customers who withdrew marketing consent after the message. */
  optOuts: number;
  /** What the host's `conversions` counted within the window (orders, sign-ups …); 0 without it. */
  conversions: number;
}

/** One campaign message and its attribution window, for the host's conversion count. */
export interface CampaignTouch {
  campaignId: string;
  customerId: string;
  channel: string;
  /** The stored outbound interaction. */
  interactionId: string;
  /** ISO-8601: the message was sent at `from`; conversions until `to` count. */
  from: string;
  to: string;
}

/** Counts the host's conversions (orders, bookings …) of one customer within a campaign message's window. */
export type ConversionCounter = (touch: CampaignTouch) => number | Promise<number>;

/** What `campaigns.results()` returns. */
export interface CampaignResults {
  campaignId: string;
  /** The attribution window, hours after each message. */
  windowHours: number;
  total: ChannelResults;
  byChannel: Record<string, ChannelResults>;
}

const empty = (): ChannelResults => ({ attempted: 0, reached: 0, delivered: 0, read: 0, inDoubt: 0, failed: 0, repliedCustomers: 0, replies: 0, reactions: 0, sentiment: { positive: 0, neutral: 0, negative: 0 }, intents: {}, optOuts: 0, conversions: 0 });

function add(into: ChannelResults, from: ChannelResults): void {
  for (const key of ['attempted', 'reached', 'delivered', 'read', 'inDoubt', 'failed', 'repliedCustomers', 'replies', 'reactions', 'optOuts', 'conversions'] as const) into[key] += from[key];
  for (const label of ['positive', 'neutral', 'negative'] as const) into.sentiment[label] += from.sentiment[label];
  for (const [intent, count] of Object.entries(from.intents)) into.intents[intent] = (into.intents[intent] ?? 0) + count;
}

/** The customer's inbound interactions within `[from, to)`, every page. */
async function inboundWithin(ledger: InteractionLedger, customerId: string, from: string, to: string): Promise<Interaction[]> {
  const found: Interaction[] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.queryInteractions({ customerId, direction: 'inbound', since: from, until: to, limit: 500, ...(cursor ? { cursor } : {}) });
    found.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found;
}

/** Tallies the campaign's sends and what followed each within `windowMs`. */
export async function campaignResults(
  ledger: InteractionLedger,
  campaignId: string,
  sends: ReadonlyArray<{ customerId: string; channel: string; record: SendRecord | null }>,
  windowMs: number,
  conversions?: ConversionCounter,
): Promise<CampaignResults> {
  const byChannel: Record<string, ChannelResults> = {};
  for (const { customerId, channel, record } of sends) {
    if (!record) continue;
    const figures = (byChannel[channel] ??= empty());
    figures.attempted++;
    if (record.state === 'failed') figures.failed++;
    if (record.state === 'pending' || record.state === 'unknown') figures.inDoubt++;
    if (record.state !== 'sent' || !record.interactionId) continue;
    const message = await ledger.getInteraction(record.interactionId);
    if (!message) continue;
    figures.reached++;
    if (message.deliveryStatus === 'delivered' || message.deliveryStatus === 'read') figures.delivered++;
    if (message.deliveryStatus === 'read') figures.read++;
    const from = message.createdAt;
    const to = new Date(Date.parse(from) + windowMs).toISOString();
    const followUps = await inboundWithin(ledger, customerId, from, to);
    let replied = false;
    for (const item of followUps) {
      if (item.kind === 'reaction') {
        figures.reactions++;
        continue;
      }
      replied = true;
      figures.replies++;
      const label = item.classification?.sentiment.label;
      if (label) figures.sentiment[label]++;
      for (const intent of new Set(item.classification?.intents.map((entry) => entry.intent) ?? [])) figures.intents[intent] = (figures.intents[intent] ?? 0) + 1;
    }
    if (replied) figures.repliedCustomers++;
    if (conversions) figures.conversions += await conversions({ campaignId, customerId, channel, interactionId: message.id, from, to });
    if (message.recipientId) {
      const consent = await ledger.getConsent(`${message.channel}:${message.recipientId}`);
      if (consent?.status === 'opted-out' && consent.updatedAt >= from) figures.optOuts++;
    }
  }
  const total = empty();
  for (const figures of Object.values(byChannel)) add(total, figures);
  return { campaignId, windowHours: windowMs / 3_600_000, total, byChannel };
}
