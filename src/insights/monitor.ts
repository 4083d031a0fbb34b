/**
 * Campaign and mention monitoring: keyword, hashtag and campaign definitions, with volume,
 * sentiment mix and reach per time bucket, queryable as series.
 *
 * @module
 */
import * as z from 'zod';
import { hashWord } from '../classifier/_text.js';
import { InvalidOptionsError } from '../errors.js';
import type { Classification, Interaction } from '../interaction.js';
import type { InteractionLedger } from '../ledger.js';
import { authorKeyOf, classificationOf, compileTerms, engagementOf, foldForMatch, parseInsightOptions, round, timeOf } from './_shared.js';
import { scanInteractions } from './scan-ledger.js';

/** What to track. An interaction matches when any keyword or hashtag (or `match`) does. */
export interface MentionDefinition {
  /** Stable id, used to query the series. */
  id: string;
  /** Label for reports. @default id */
  name?: string;
  /** Words or phrases, folded (case, Turkish I/ı, diacritics) and matched at the start of a word: `kampanya` finds `KAMPANYAMIZ`. */
  keywords?: string[];
  /** Hashtags, with or without `#`. */
  hashtags?: string[];
  /** Your own test, e.g. a campaign's landing URL in the text. */
  match?: (interaction: Interaction, classification?: Classification) => boolean;
  /** Only these channels. @default every channel */
  channels?: string[];
  /** Campaign period: interactions outside it are not counted (ISO-8601). */
  since?: string;
  until?: string;
  /** Count the brand's own posts too. @default false */
  includeBrand?: boolean;
}

/** One time bucket of a definition. */
export interface MentionBucket {
  /** Bucket start (ISO-8601). */
  start: string;
  mentions: number;
  positive: number;
  neutral: number;
  negative: number;
  /** Interactions without a classification. */
  unclassified: number;
  /** Sum of the authors' followers: the potential audience. */
  reach: number;
  /** Replies + shares + quotes the matching posts had when seen. */
  engagement: number;
  /** Distinct authors in the bucket. */
  authors: number;
}

/** Totals over a period, with the sentiment mix as shares of the classified mentions. */
export interface MentionTotals extends Omit<MentionBucket, 'start' | 'authors'> {
  id: string;
  name: string;
  /** Distinct authors over the period. */
  authors: number;
  /** Share of classified mentions per label (0..1), and positive minus negative share. */
  mix: { positive: number; neutral: number; negative: number; net: number };
}

const definitionSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  keywords: z.array(z.string()).optional(),
  hashtags: z.array(z.string()).optional(),
  match: z.custom<NonNullable<MentionDefinition['match']>>((value) => typeof value === 'function').optional(),
  channels: z.array(z.string().min(1)).optional(),
  since: z.string().optional(),
  until: z.string().optional(),
  includeBrand: z.boolean().optional(),
});

const optionsSchema = z.object({
  definitions: z.array(definitionSchema).default([]),
  bucketMinutes: z.number().positive().default(60),
  retentionBuckets: z.number().int().min(1).default(24 * 90),
  state: z.custom<MentionMonitorState>((value) => typeof value === 'object' && value !== null).optional(),
});

/** Options of {@link createMentionMonitor}. */
export interface MentionMonitorOptions {
  definitions?: MentionDefinition[];
  /** Width of a bucket. @default 60 */
  bucketMinutes?: number;
  /** Buckets kept per definition, counted back from the newest. @default 2160 (90 days of hours) */
  retentionBuckets?: number;
  /** A snapshot from `toJSON()` to resume from (definitions with `match` functions must be passed again). */
  state?: MentionMonitorState;
}

/** Authors are kept as 32-bit hashes of their key: distinct counts need no names, and memory stays small. */
type StoredBucket = Omit<MentionBucket, 'start' | 'authors'> & { index: number; authors: number[] };
type LiveBucket = Omit<StoredBucket, 'authors'> & { authors: Set<number> };
/** A serialisable snapshot of a {@link MentionMonitor}. */
export type MentionMonitorState = { version: 1; bucketMinutes: number; series: Record<string, StoredBucket[]> };

/** The mention monitor. */
export interface MentionMonitor {
  /** Count one interaction; returns the ids of the definitions it matched. */
  observe(interaction: Interaction, classification?: Classification): string[];
  /** Add or replace a definition. @throws InvalidOptionsError */
  define(definition: MentionDefinition): void;
  /** Stop tracking a definition and drop its series. */
  remove(id: string): boolean;
  definitions(): Array<Omit<MentionDefinition, 'match'>>;
  /** Buckets of a definition in time order; empty buckets are filled with zeros unless `fill` is false. */
  series(id: string, range?: { since?: string | Date; until?: string | Date; fill?: boolean }): MentionBucket[];
  /** Totals of a definition over a period (default: everything kept). */
  totals(id: string, range?: { since?: string | Date; until?: string | Date }): MentionTotals;
  toJSON(): MentionMonitorState;
}

const MAX_AUTHORS_PER_BUCKET = 10_000;

type Compiled = { definition: MentionDefinition; test: ((interaction: Interaction, folded?: string) => boolean) | null; since: number; until: number; channels: Set<string> | null };

/**
 * Creates a mention monitor.
 * @throws InvalidOptionsError
 * @example
 * const monitor = createMentionMonitor({ definitions: [{ id: 'winter', keywords: ['kış kampanyası', 'winter sale'], hashtags: ['#YildizKis'] }] });
 * monitor.observe(interaction);
 * monitor.series('winter', { since: '2026-11-01T00:00:00Z' });
 */
export function createMentionMonitor(input: MentionMonitorOptions = {}): MentionMonitor {
  const options = parseInsightOptions('monitor', optionsSchema, input);
  const bucketMs = options.bucketMinutes * 60_000;
  const compiled = new Map<string, Compiled>();
  const series = new Map<string, Map<number, LiveBucket>>();
  const newest = new Map<string, number>();

  function define(definition: MentionDefinition) {
    const parsed = definitionSchema.safeParse(definition);
    if (!parsed.success) throw new InvalidOptionsError(`[insights/monitor] Invalid definition ${JSON.stringify((definition as { id?: unknown })?.id ?? '')}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    const terms = [...(definition.keywords ?? []), ...(definition.hashtags ?? []).map((tag) => (tag.startsWith('#') ? tag : `#${tag}`))];
    const test = compileTerms(terms);
    if (!test && !definition.match) throw new InvalidOptionsError(`[insights/monitor] Definition \`${definition.id}\` has no keywords, hashtags or match function: it would never match.`);
    compiled.set(definition.id, {
      definition: { ...definition },
      test,
      since: definition.since ? timeOf(definition.since, `since of \`${definition.id}\``) : Number.NEGATIVE_INFINITY,
      until: definition.until ? timeOf(definition.until, `until of \`${definition.id}\``) : Number.POSITIVE_INFINITY,
      channels: definition.channels ? new Set(definition.channels) : null,
    });
    if (!series.has(definition.id)) series.set(definition.id, new Map());
  }
  for (const definition of options.definitions) define(definition as MentionDefinition);
  if (options.state) {
    const state = options.state;
    if (state.version !== 1 || state.bucketMinutes !== options.bucketMinutes || typeof state.series !== 'object') {
      throw new InvalidOptionsError('[insights/monitor] `state` is not a snapshot of a mention monitor with the same bucketMinutes (version 1).');
    }
    for (const [id, buckets] of Object.entries(state.series)) {
      series.set(id, new Map(buckets.map((bucket) => [bucket.index, { ...bucket, authors: new Set(bucket.authors) }])));
      if (buckets.length) newest.set(id, Math.max(...buckets.map((bucket) => bucket.index)));
    }
  }

  function add(id: string, index: number, interaction: Interaction, classification: Classification | undefined) {
    const buckets = series.get(id)!;
    let bucket = buckets.get(index);
    if (!bucket) {
      bucket = { index, mentions: 0, positive: 0, neutral: 0, negative: 0, unclassified: 0, reach: 0, engagement: 0, authors: new Set() };
      buckets.set(index, bucket);
      const latest = Math.max(newest.get(id) ?? index, index);
      newest.set(id, latest);
      for (const old of buckets.keys()) if (old <= latest - options.retentionBuckets) buckets.delete(old);
    }
    bucket.mentions++;
    if (classification) bucket[classification.sentiment.label]++;
    else bucket.unclassified++;
    bucket.reach += interaction.author.followerCount ?? 0;
    bucket.engagement += engagementOf(interaction);
    if (bucket.authors.size < MAX_AUTHORS_PER_BUCKET) bucket.authors.add(hashWord(authorKeyOf(interaction)));
  }

  function range(id: string, since?: string | Date, until?: string | Date): { buckets: LiveBucket[]; from: number; to: number } {
    const buckets = series.get(id);
    if (!buckets) throw new InvalidOptionsError(`[insights/monitor] No definition with id \`${id}\`. Known: ${[...series.keys()].map((key) => `\`${key}\``).join(', ') || 'none'}.`);
    const from = since === undefined ? Number.NEGATIVE_INFINITY : Math.floor(timeOf(since, 'since') / bucketMs);
    const to = until === undefined ? Number.POSITIVE_INFINITY : Math.ceil(timeOf(until, 'until') / bucketMs) - 1;
    return { buckets: [...buckets.values()].filter((bucket) => bucket.index >= from && bucket.index <= to).sort((a, b) => a.index - b.index), from, to };
  }

  const publicBucket = (bucket: LiveBucket): MentionBucket => ({
    start: new Date(bucket.index * bucketMs).toISOString(),
    mentions: bucket.mentions,
    positive: bucket.positive,
    neutral: bucket.neutral,
    negative: bucket.negative,
    unclassified: bucket.unclassified,
    reach: bucket.reach,
    engagement: bucket.engagement,
    authors: bucket.authors.size,
  });

  return {
    observe(interaction, classification) {
      if (interaction.state === 'deleted' || interaction.kind === 'reaction') return [];
      const at = timeOf(interaction.createdAt, 'interaction.createdAt');
      const labels = classificationOf(interaction, classification);
      const folded = foldForMatch(interaction.text);
      const matched: string[] = [];
      for (const [id, entry] of compiled) {
        if (at < entry.since || at >= entry.until) continue;
        if (entry.channels && !entry.channels.has(interaction.channel)) continue;
        if (interaction.direction === 'outbound' && !entry.definition.includeBrand) continue;
        if (!(entry.test?.(interaction, folded) || entry.definition.match?.(interaction, labels))) continue;
        add(id, Math.floor(at / bucketMs), interaction, labels);
        matched.push(id);
      }
      return matched;
    },
    define,
    remove(id) {
      newest.delete(id);
      return compiled.delete(id) && series.delete(id);
    },
    definitions: () => [...compiled.values()].map(({ definition: { match: _match, ...rest } }) => rest),
    series(id, { since, until, fill = true } = {}) {
      const { buckets, from, to } = range(id, since, until);
      if (!fill || !buckets.length) return buckets.map(publicBucket);
      const first = Number.isFinite(from) ? from : buckets[0]!.index;
      const last = Number.isFinite(to) ? to : buckets[buckets.length - 1]!.index;
      const byIndex = new Map(buckets.map((bucket) => [bucket.index, bucket]));
      const rows: MentionBucket[] = [];
      for (let index = first; index <= last && rows.length < 100_000; index++) {
        rows.push(publicBucket(byIndex.get(index) ?? { index, mentions: 0, positive: 0, neutral: 0, negative: 0, unclassified: 0, reach: 0, engagement: 0, authors: new Set() }));
      }
      return rows;
    },
    totals(id, { since, until } = {}) {
      const { buckets } = range(id, since, until);
      const authors = new Set<number>();
      const totals = { mentions: 0, positive: 0, neutral: 0, negative: 0, unclassified: 0, reach: 0, engagement: 0 };
      for (const bucket of buckets) {
        for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += bucket[key];
        for (const author of bucket.authors) authors.add(author);
      }
      const classified = totals.positive + totals.neutral + totals.negative;
      const share = (value: number) => (classified ? round(value / classified) : 0);
      const mix = { positive: share(totals.positive), neutral: share(totals.neutral), negative: share(totals.negative), net: share(totals.positive - totals.negative) };
      return { id, name: compiled.get(id)?.definition.name ?? id, ...totals, authors: authors.size, mix };
    },
    toJSON: () => ({
      version: 1,
      bucketMinutes: options.bucketMinutes,
      series: Object.fromEntries([...series.entries()].map(([id, buckets]) => [id, [...buckets.values()].map((bucket) => ({ ...bucket, authors: [...bucket.authors] }))])),
    }),
  };
}

/**
 * Mention series recomputed from the storage port: a pure query over `ledger.queryInteractions`
 * with the monitor's matching, for reports over any past period (the live monitor keeps only
 * `retentionBuckets`). Returns each definition's totals and series (empty buckets filled).
 * @throws InvalidOptionsError
 * @example const [winter] = await queryMentions(crm.ledger, { definitions: [{ id: 'winter', keywords: ['kış kampanyası'] }], since: '2026-11-01T00:00:00Z' });
 */
export async function queryMentions(
  ledger: Pick<InteractionLedger, 'queryInteractions'>,
  options: { definitions: MentionDefinition[]; since?: string; until?: string; channel?: string; bucketMinutes?: number },
): Promise<Array<{ totals: MentionTotals; series: MentionBucket[] }>> {
  const monitor = createMentionMonitor({ definitions: options.definitions, retentionBuckets: Number.MAX_SAFE_INTEGER, ...(options.bucketMinutes ? { bucketMinutes: options.bucketMinutes } : {}) });
  const query = { ...(options.since ? { since: options.since } : {}), ...(options.until ? { until: options.until } : {}), ...(options.channel ? { channel: options.channel } : {}) };
  for await (const interaction of scanInteractions(ledger, query)) monitor.observe(interaction);
  const range = { ...(options.since ? { since: options.since } : {}), ...(options.until ? { until: options.until } : {}) };
  return options.definitions.map((definition) => ({ totals: monitor.totals(definition.id), series: monitor.series(definition.id, range) }));
}
