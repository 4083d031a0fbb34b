/**
 * Brand advocates and detractors: a transparent score per customer, every component reported.
 *
 * Advocacy = positive mentions + support given to other customers (peer replies that recommend,
 * answer or defend) + consistency (distinct active days) + reach − negative mentions.
 * Detraction mirrors it with negative mentions and complaints passed on to other customers.
 * Mention counts decay with a half-life, so the ranking follows what people do now.
 *
 * @module
 */
import * as z from 'zod';
import { InvalidOptionsError } from '../errors.js';
import type { Classification, Interaction } from '../interaction.js';
import type { InteractionLedger } from '../ledger.js';
import { DAY_MS, authorKeyOf, authorNameOf, classificationOf, foldForMatch, isNegativeMention, parseInsightOptions, round, timeOf } from './_shared.js';
import { scanInteractions } from './scan-ledger.js';

/** The weighted parts of a score; they add up to `score`. */
export type AdvocacyComponents = {
  /** Own positive (for advocates) or negative (for detractors) mentions, decayed, × weight. */
  mentions: number;
  /** Messages to other customers: recommendations and defence, or complaints passed on, decayed, × weight. */
  peer: number;
  /** `weight × log2(1 + distinct active days)` within the consistency window. */
  consistency: number;
  /** `weight × min(1, log10(1 + followers) / 6)`. */
  reach: number;
  /** The opposite sentiment, decayed, × weight (≤ 0). */
  offset: number;
};

/** One customer's standing, as ranked. */
export interface RankedCustomer {
  /** The customer id (or the channel identity key of an unattributed author). */
  customerId: string;
  name: string;
  score: number;
  components: AdvocacyComponents;
  /** Raw counts behind the components (not decayed). */
  counts: { positive: number; negative: number; peerSupport: number; peerComplaints: number; activeDays: number; followers: number };
  lastAt: string;
}

/** What {@link AdvocateTracker.observe} reports: a customer crossed a threshold. */
export type AdvocateChange = { type: 'advocate-detected' | 'detractor-detected'; customer: RankedCustomer };

const weightsSchema = z
  .object({
    mention: z.number().min(0).default(1),
    peer: z.number().min(0).default(3),
    peerComplaint: z.number().min(0).default(2),
    consistency: z.number().min(0).default(1.5),
    reach: z.number().min(0).default(2),
    offset: z.number().min(0).default(1),
  })
  .default({ mention: 1, peer: 3, peerComplaint: 2, consistency: 1.5, reach: 2, offset: 1 });

const thresholdSchema = z
  .object({ detect: z.number().positive().default(6), release: z.number().min(0).default(4) })
  .default({ detect: 6, release: 4 })
  .refine((value) => value.release <= value.detect, 'release must not exceed detect (it is the lower edge of the hysteresis band)');

const DEFAULT_CUES = ['recommend', 'tavsiye', 'oneririm', 'oneriyorum', 'bence', 'memnun', 'worth it', 'go with', 'never had a problem', 'hic sorun', 'always been', 'her zaman', 'try the', 'deneyin'];

const optionsSchema = z.object({
  weights: weightsSchema,
  halfLifeDays: z.number().positive().default(30),
  consistencyDays: z.number().int().min(1).default(90),
  advocate: thresholdSchema,
  detractor: thresholdSchema,
  recommendationCues: z.array(z.string().min(1)).default(DEFAULT_CUES),
  isNegative: z.custom<(interaction: Interaction, classification?: Classification) => boolean>((value) => typeof value === 'function').optional(),
  state: z.custom<AdvocateTrackerState>((value) => typeof value === 'object' && value !== null).optional(),
});

/** Options of {@link createAdvocateTracker} and {@link rankAdvocates}. */
export interface AdvocateTrackerOptions {
  /**
   * Weights of the components. @default { mention: 1, peer: 3, peerComplaint: 2, consistency: 1.5, reach: 2, offset: 1 }
   * (`peer` weighs a recommendation to another customer, `peerComplaint` a complaint passed on,
   * `offset` the opposite sentiment subtracted).
   */
  weights?: Partial<{ mention: number; peer: number; peerComplaint: number; consistency: number; reach: number; offset: number }>;
  /** Mentions lose half their weight after this many days. @default 30 */
  halfLifeDays?: number;
  /** Active days count within this window. @default 90 */
  consistencyDays?: number;
  /** Hysteresis: `advocate-detected` fires when the score reaches `detect`, and again only after it fell under `release`. @default { detect: 6, release: 4 } */
  advocate?: { detect?: number; release?: number };
  /** @default { detect: 6, release: 4 } */
  detractor?: { detect?: number; release?: number };
  /** Words that make a neutral reply to another customer a recommendation (folded; Turkish and English by default). */
  recommendationCues?: string[];
  /** What counts as negative. @default negative sentiment or a complaint, escalation-threat or churn-risk intent */
  isNegative?: (interaction: Interaction, classification?: Classification) => boolean;
  /** A snapshot from `toJSON()` to resume from. */
  state?: AdvocateTrackerState;
}

type Entry = {
  key: string;
  name: string;
  followers: number;
  /** Decayed sums, as of `at`. */
  sums: { positive: number; negative: number; peerSupport: number; peerComplaints: number };
  counts: { positive: number; negative: number; peerSupport: number; peerComplaints: number };
  /** Day numbers (epoch days) with positive / negative activity, ascending. */
  positiveDays: number[];
  negativeDays: number[];
  at: number;
  advocate: boolean;
  detractor: boolean;
};

/** A serialisable snapshot of an {@link AdvocateTracker}. */
export type AdvocateTrackerState = { version: 1; streamTime: number; entries: Entry[] };

/** The incremental advocate and detractor tracker. */
export interface AdvocateTracker {
  /** Count one interaction; returns the customers that crossed a threshold with it. */
  observe(interaction: Interaction, classification?: Classification): AdvocateChange[];
  /** Fold absorbed customers into the survivor (after `customer-merged`). */
  mergeCustomers(survivorId: string, absorbedIds: string[]): void;
  /**
   * Recount some customers from their interactions (after `customer-unmerged`, which the folded
   * sums cannot undo): their entries are replaced by what `interactions` (theirs, any order) give.
   * Announces nothing; a customer already announced keeps that state.
   */
  rebuildCustomers(customerIds: string[], interactions: Iterable<Interaction>): void;
  /** One customer's standing, or `null` when never seen. */
  score(customerId: string, at?: Date | string): { advocate: RankedCustomer; detractor: RankedCustomer } | null;
  /** Customers best first, as of `at` (default: the latest interaction seen). */
  ranking(options?: { kind?: 'advocate' | 'detractor'; limit?: number; minScore?: number; at?: Date | string }): RankedCustomer[];
  toJSON(): AdvocateTrackerState;
}

/**
 * Creates the advocate tracker.
 * @throws InvalidOptionsError
 * @example
 * const advocates = createAdvocateTracker();
 * for (const change of advocates.observe(interaction)) if (change.type === 'advocate-detected') reward(change.customer);
 * advocates.ranking({ limit: 10 });
 */
export function createAdvocateTracker(input: AdvocateTrackerOptions = {}): AdvocateTracker {
  const options = parseInsightOptions('advocates', optionsSchema, input);
  const weights = options.weights;
  const halfLifeMs = options.halfLifeDays * DAY_MS;
  const isNegative = options.isNegative ?? isNegativeMention;
  const cues = options.recommendationCues.map(foldForMatch);
  const entries = new Map<string, Entry>();
  let streamTime = 0;
  if (options.state) {
    if (options.state.version !== 1 || !Array.isArray(options.state.entries)) throw new InvalidOptionsError('[insights/advocates] `state` is not a snapshot of an advocate tracker (version 1).');
    for (const entry of options.state.entries) entries.set(entry.key, structuredClone(entry));
    streamTime = options.state.streamTime;
  }

  function decayTo(entry: Entry, at: number) {
    if (at <= entry.at) return;
    const factor = 2 ** (-(at - entry.at) / halfLifeMs);
    for (const name of ['positive', 'negative', 'peerSupport', 'peerComplaints'] as const) entry.sums[name] *= factor;
    entry.at = at;
  }

  const decayed = (entry: Entry, at: number) => {
    const factor = at > entry.at ? 2 ** (-(at - entry.at) / halfLifeMs) : 1;
    return { positive: entry.sums.positive * factor, negative: entry.sums.negative * factor, peerSupport: entry.sums.peerSupport * factor, peerComplaints: entry.sums.peerComplaints * factor };
  };

  function daysWithin(days: number[], at: number): number {
    const from = Math.floor(at / DAY_MS) - options.consistencyDays;
    let count = 0;
    for (const day of days) if (day > from) count++;
    return count;
  }

  /** The score alone (no rounding, no allocation of the full entry): for the threshold checks. */
  function quickScore(entry: Entry, kind: 'advocate' | 'detractor', at: number): number {
    const advocate = kind === 'advocate';
    if (!(advocate ? entry.counts.positive + entry.counts.peerSupport : entry.counts.negative + entry.counts.peerComplaints)) return 0;
    const factor = at > entry.at ? 2 ** (-(at - entry.at) / halfLifeMs) : 1;
    const { positive, negative, peerSupport, peerComplaints } = entry.sums;
    const own = advocate ? weights.mention * positive + weights.peer * peerSupport - weights.offset * (negative + peerComplaints) : weights.mention * negative + weights.peerComplaint * peerComplaints - weights.offset * (positive + peerSupport);
    const days = daysWithin(advocate ? entry.positiveDays : entry.negativeDays, at);
    return Math.max(0, own * factor + weights.consistency * Math.log2(1 + days) + weights.reach * Math.min(1, Math.log10(1 + entry.followers) / 6));
  }

  function rank(entry: Entry, kind: 'advocate' | 'detractor', at: number): RankedCustomer {
    const sums = decayed(entry, at);
    const reach = weights.reach * Math.min(1, Math.log10(1 + entry.followers) / 6);
    const advocate = kind === 'advocate';
    const days = daysWithin(advocate ? entry.positiveDays : entry.negativeDays, at);
    const components: AdvocacyComponents = {
      mentions: round(weights.mention * (advocate ? sums.positive : sums.negative)),
      peer: round(advocate ? weights.peer * sums.peerSupport : weights.peerComplaint * sums.peerComplaints),
      consistency: round(weights.consistency * Math.log2(1 + days)),
      reach: round(reach),
      offset: round(-weights.offset * (advocate ? sums.negative + sums.peerComplaints : sums.positive + sums.peerSupport)) + 0,
    };
    const active = advocate ? entry.counts.positive + entry.counts.peerSupport : entry.counts.negative + entry.counts.peerComplaints;
    // Reach and consistency only lift someone who has said something: no mentions, no score.
    const score = active ? Math.max(0, components.mentions + components.peer + components.consistency + components.reach + components.offset) : 0;
    return {
      customerId: entry.key,
      name: entry.name,
      score: round(score),
      components,
      counts: { ...entry.counts, activeDays: days, followers: entry.followers },
      lastAt: new Date(entry.at).toISOString(),
    };
  }

  const addDay = (days: number[], day: number) => {
    if (days.includes(day)) return;
    days.push(day);
    days.sort((a, b) => a - b);
    if (days.length > options.consistencyDays) days.shift();
  };

  function isRecommendation(interaction: Interaction, labels: Classification | undefined): boolean {
    if (!labels || labels.sentiment.label === 'negative') return false;
    const confident = (names: string[]) => labels.intents.some((intent) => names.includes(intent.intent) && intent.confidence >= 0.5);
    if (confident(['praise'])) return true;
    // A mildly positive reply that asks or complains ("wow, still silent?") is not support.
    if (labels.sentiment.label === 'positive' && labels.sentiment.score >= 0.6 && !confident(['question', 'complaint', 'escalation_threat', 'churn_risk'])) return true;
    const folded = foldForMatch(interaction.text);
    return cues.some((cue) => folded.includes(cue));
  }

  function thresholds(entry: Entry, at: number, changes: AdvocateChange[]) {
    for (const kind of ['advocate', 'detractor'] as const) {
      const score = quickScore(entry, kind, at);
      const band = options[kind];
      if (!entry[kind] && score >= band.detect) {
        entry[kind] = true;
        changes.push({ type: `${kind}-detected`, customer: rank(entry, kind, at) });
      } else if (entry[kind] && score < band.release) {
        entry[kind] = false;
      }
    }
  }

  function observe(interaction: Interaction, classification?: Classification): AdvocateChange[] {
    if (interaction.direction === 'outbound' || interaction.author.isBrand || interaction.state === 'deleted' || interaction.kind === 'reaction') return [];
    const labels = classificationOf(interaction, classification);
    if (!labels || labels.intents.some((intent) => intent.intent === 'spam' && intent.confidence >= 0.5)) return [];
    const at = timeOf(interaction.createdAt, 'interaction.createdAt');
    streamTime = Math.max(streamTime, at);
    const peer = interaction.direction === 'peer';
    const negative = isNegative(interaction, labels);
    const positive = !negative && (peer ? isRecommendation(interaction, labels) : labels.sentiment.label === 'positive');
    if (!negative && !positive) return [];
    const key = authorKeyOf(interaction);
    let entry = entries.get(key);
    if (!entry) {
      entry = {
        key,
        name: authorNameOf(interaction),
        followers: 0,
        sums: { positive: 0, negative: 0, peerSupport: 0, peerComplaints: 0 },
        counts: { positive: 0, negative: 0, peerSupport: 0, peerComplaints: 0 },
        positiveDays: [],
        negativeDays: [],
        at,
        advocate: false,
        detractor: false,
      };
      entries.set(key, entry);
    }
    entry.followers = Math.max(entry.followers, interaction.author.followerCount ?? 0);
    if (interaction.author.displayName) entry.name = interaction.author.displayName;
    decayTo(entry, at);
    // A late interaction counts as much as it would have then.
    const weight = at < entry.at ? 2 ** (-(entry.at - at) / halfLifeMs) : 1;
    const field = negative ? (peer ? 'peerComplaints' : 'negative') : peer ? 'peerSupport' : 'positive';
    entry.sums[field] += weight;
    entry.counts[field]++;
    addDay(negative ? entry.negativeDays : entry.positiveDays, Math.floor(at / DAY_MS));
    const changes: AdvocateChange[] = [];
    thresholds(entry, entry.at, changes);
    return changes;
  }

  const timeOrStream = (at: Date | string | undefined) => (at === undefined ? streamTime : timeOf(at, 'at'));

  return {
    observe,
    mergeCustomers(survivorId, absorbedIds) {
      const absorbed = absorbedIds.flatMap((id) => {
        const entry = entries.get(id);
        return entry && id !== survivorId ? [entry] : [];
      });
      if (!absorbed.length) return;
      const survivor = entries.get(survivorId) ?? { ...structuredClone(absorbed[0]!), key: survivorId, sums: { positive: 0, negative: 0, peerSupport: 0, peerComplaints: 0 }, counts: { positive: 0, negative: 0, peerSupport: 0, peerComplaints: 0 }, positiveDays: [], negativeDays: [] };
      const at = Math.max(survivor.at, ...absorbed.map((entry) => entry.at));
      decayTo(survivor, at);
      for (const entry of absorbed) {
        decayTo(entry, at);
        for (const name of ['positive', 'negative', 'peerSupport', 'peerComplaints'] as const) {
          survivor.sums[name] += entry.sums[name];
          survivor.counts[name] += entry.counts[name];
        }
        for (const day of entry.positiveDays) addDay(survivor.positiveDays, day);
        for (const day of entry.negativeDays) addDay(survivor.negativeDays, day);
        survivor.followers = Math.max(survivor.followers, entry.followers);
        survivor.advocate ||= entry.advocate;
        survivor.detractor ||= entry.detractor;
        entries.delete(entry.key);
      }
      entries.set(survivorId, survivor);
    },
    rebuildCustomers(customerIds, interactions) {
      const ids = new Set(customerIds);
      const announced = new Map([...ids].flatMap((id) => {
        const entry = entries.get(id);
        return entry ? [[id, { advocate: entry.advocate, detractor: entry.detractor }] as const] : [];
      }));
      for (const id of ids) entries.delete(id);
      const theirs = [...interactions].filter((interaction) => ids.has(authorKeyOf(interaction))).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
      for (const interaction of theirs) observe(interaction);
      // The survivor was announced before the split: the parts it splits into are not announced again.
      const wasAnnounced = { advocate: [...announced.values()].some((flags) => flags.advocate), detractor: [...announced.values()].some((flags) => flags.detractor) };
      for (const id of ids) {
        const entry = entries.get(id);
        if (!entry) continue;
        entry.advocate ||= wasAnnounced.advocate && quickScore(entry, 'advocate', entry.at) >= options.advocate.release;
        entry.detractor ||= wasAnnounced.detractor && quickScore(entry, 'detractor', entry.at) >= options.detractor.release;
      }
    },
    score(customerId, at) {
      const entry = entries.get(customerId);
      if (!entry) return null;
      const time = Math.max(entry.at, timeOrStream(at));
      return { advocate: rank(entry, 'advocate', time), detractor: rank(entry, 'detractor', time) };
    },
    ranking({ kind = 'advocate', limit = 20, minScore = 0, at } = {}) {
      const time = timeOrStream(at);
      return [...entries.values()]
        .map((entry) => rank(entry, kind, Math.max(entry.at, time)))
        .filter((ranked) => ranked.score > 0 && ranked.score >= minScore)
        .sort((a, b) => b.score - a.score || b.components.peer - a.components.peer || a.customerId.localeCompare(b.customerId))
        .slice(0, limit);
    },
    toJSON: () => ({ version: 1, streamTime, entries: [...entries.values()].map((entry) => structuredClone(entry)) }),
  };
}

/**
 * Ranks advocates (or detractors) from the storage port: a pure query over
 * `ledger.queryInteractions`, with the tracker's scoring. Use it for a report, or to seed a tracker.
 * @example const top = await rankAdvocates(crm.ledger, { since: '2026-11-01T00:00:00Z', limit: 10 });
 */
export async function rankAdvocates(
  ledger: Pick<InteractionLedger, 'queryInteractions'>,
  options: Omit<AdvocateTrackerOptions, 'state'> & { kind?: 'advocate' | 'detractor'; since?: string; until?: string; channel?: string; limit?: number; minScore?: number; at?: Date | string } = {},
): Promise<RankedCustomer[]> {
  const { kind, since, until, channel, limit, minScore, at, ...trackerOptions } = options;
  const tracker = createAdvocateTracker(trackerOptions);
  for await (const interaction of scanInteractions(ledger, { ...(since ? { since } : {}), ...(until ? { until } : {}), ...(channel ? { channel } : {}) })) {
    tracker.observe(interaction);
  }
  return tracker.ranking({ ...(kind ? { kind } : {}), ...(limit ? { limit } : {}), ...(minScore ? { minScore } : {}), ...(at ? { at } : {}) });
}
