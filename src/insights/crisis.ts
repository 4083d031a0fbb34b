/**
 * Crisis and spike detection over negative mentions, per brand, topic or product.
 *
 * Each negative mention adds its reach weight (see `reachWeight()`) to the open time bucket of
 * every key it belongs to. For each key the detector learns a baseline of the weighted volume per
 * bucket with an exponentially weighted moving average of level and variance (optionally one per
 * hour of the day or of the week), and scores the open bucket as
 * `z = (observed − mean) / √(variance + minSpread²)`. An alert is raised as soon as the open bucket
 * reaches `z ≥ sensitivity` with at least `minVolume` negative mentions, once the key has seen
 * `warmUpBuckets` buckets; it resolves after `resolveAfterBuckets` closed buckets in a row score
 * below `resolveBelow` (or fall under the minimum volume), and a new alert for that key waits
 * `cooldownBuckets` more buckets.
 *
 * @module
 */
import * as z from 'zod';
import { InvalidOptionsError } from '../errors.js';
import type { Alert } from '../events.js';
import type { Classification, Interaction } from '../interaction.js';
import {
  type AlertChange,
  authorKeyOf,
  authorNameOf,
  compileTerms,
  excerpt,
  foldForMatch,
  isNegativeMention,
  keepTop,
  reachWeight,
  round,
  timeOf,
  parseInsightOptions,
} from './_shared.js';

/** A post cited as evidence. */
export type EvidencePost = { id: string; text: string; reach: number; author: string; authorKey: string; createdAt: string; url?: string };
/** An author cited as evidence. */
export type EvidenceAuthor = { key: string; name: string; followers: number; posts: number; reach: number };

/** What a crisis alert carries in `evidence`. Weights are reach-weighted mention volumes. */
export type CrisisEvidence = {
  /** The brand, topic or product key (`all` for everything). */
  key: string;
  /** The bucket(s) the spike covers: from the start of the first to the end of the last. */
  window: { start: string; end: string };
  /** The learned baseline for such a bucket when the alert was raised. */
  baseline: { mean: number; stdDev: number; buckets: number };
  /** What the raising bucket held (on resolve: the whole alert window). */
  observed: { mentions: number; weight: number };
  /** The z-score that raised the alert. */
  score: number;
  threshold: number;
  topPosts: EvidencePost[];
  topAuthors: EvidenceAuthor[];
};

/** An alert of kind `crisis`. */
export interface CrisisAlert extends Alert {
  kind: 'crisis';
  evidence: CrisisEvidence;
}

/** Which keys an interaction counts for, besides the overall `all` key. */
export interface CrisisKeyOptions {
  /** Count everything under the key `all` (the brand as a whole). @default true */
  overall?: boolean;
  /** One key per hashtag (`#yildizbreaksguitars`). @default false */
  hashtags?: boolean;
  /** Named topics or products and their terms (`{ baggage: ['bagaj', 'baggage', 'luggage', '#lostbag'] }`). */
  topics?: Record<string, string[]>;
  /** Your own keys for an interaction (e.g. product ids from your catalogue). */
  keyOf?: (interaction: Interaction, classification?: Classification) => string[];
}

const reachSchema = z
  .object({ followers: z.number().min(0).default(0.5), engagement: z.number().min(0).default(0.5), peer: z.number().min(0).default(0.5) })
  .default({ followers: 0.5, engagement: 0.5, peer: 0.5 });

const optionsSchema = z.object({
  bucketMinutes: z.number().positive().default(60),
  sensitivity: z.number().positive().default(3),
  minVolume: z.number().int().min(1).default(5),
  warmUpBuckets: z.number().int().min(0).default(24),
  cooldownBuckets: z.number().int().min(0).default(6),
  resolveAfterBuckets: z.number().int().min(1).default(2),
  resolveBelow: z.number().default(1),
  alpha: z.number().gt(0).lt(1).default(0.1),
  minSpread: z.number().positive().default(3),
  seasonality: z.enum(['none', 'daily', 'weekly']).default('none'),
  reach: reachSchema,
  keys: z
    .object({
      overall: z.boolean().default(true),
      hashtags: z.boolean().default(false),
      topics: z.record(z.string(), z.array(z.string())).default({}),
      keyOf: z.custom<NonNullable<CrisisKeyOptions['keyOf']>>((value) => typeof value === 'function').optional(),
    })
    .default({ overall: true, hashtags: false, topics: {} }),
  topPosts: z.number().int().min(1).max(50).default(5),
  topAuthors: z.number().int().min(1).max(50).default(5),
  isNegative: z.custom<(interaction: Interaction, classification?: Classification) => boolean>((value) => typeof value === 'function').optional(),
  now: z.custom<() => Date>((value) => typeof value === 'function').optional(),
  state: z.custom<CrisisDetectorState>((value) => typeof value === 'object' && value !== null).optional(),
});

/** Options of {@link createCrisisDetector}. */
export interface CrisisDetectorOptions {
  /** Width of a time bucket. @default 60 */
  bucketMinutes?: number;
  /** z-score that raises an alert; lower is more sensitive. @default 3 */
  sensitivity?: number;
  /** Fewest negative mentions in a bucket that can raise an alert. @default 5 */
  minVolume?: number;
  /** Buckets a key must have seen before it may alert (its baseline is still learning). @default 24 */
  warmUpBuckets?: number;
  /** Buckets after a resolution during which the key raises nothing. @default 6 */
  cooldownBuckets?: number;
  /** Closed buckets in a row below `resolveBelow` that resolve an alert. @default 2 */
  resolveAfterBuckets?: number;
  /** z-score under which a bucket counts as subsided. @default 1 */
  resolveBelow?: number;
  /** EWMA smoothing factor: the weight of the newest bucket in the baseline. @default 0.1 */
  alpha?: number;
  /** Spread floor added to the variance (in reach-weight units, about one ordinary post), so a silent baseline does not alert on one post. @default 3 */
  minSpread?: number;
  /** Learn one baseline per hour of the day or of the week (needs that many buckets of history per slot). @default 'none' */
  seasonality?: 'none' | 'daily' | 'weekly';
  /** Reach weighting of each mention. @default { followers: 0.5, engagement: 0.5, peer: 0.5 } */
  reach?: { followers?: number; engagement?: number; peer?: number };
  keys?: CrisisKeyOptions;
  /** How many posts and authors the evidence cites. @default 5 */
  topPosts?: number;
  /** @default 5 */
  topAuthors?: number;
  /** What counts as a negative mention. @default negative sentiment or a complaint, escalation-threat or churn-risk intent */
  isNegative?: (interaction: Interaction, classification?: Classification) => boolean;
  /** The clock `advance()` uses when called without a time. @default () => new Date() */
  now?: () => Date;
  /** A snapshot from `toJSON()` to resume from. */
  state?: CrisisDetectorState;
}

type Moments = { mean: number; variance: number; n: number };
type Tally = { mentions: number; weight: number; posts: EvidencePost[]; authors: Record<string, EvidenceAuthor> };
type ActiveAlert = { alert: CrisisAlert; tally: Tally; below: number };
type KeyState = {
  key: string;
  /** Index of the open bucket (epoch ms / bucket width). */
  bucket: number;
  /** Buckets closed so far, empty ones included. */
  closed: number;
  overall: Moments;
  /** Per seasonal slot, when seasonality is on. */
  slots: Moments[];
  open: Tally;
  active: ActiveAlert | null;
  /** No new alert before this bucket index. */
  quietUntil: number;
};

/** A serialisable snapshot of a {@link CrisisDetector}. */
export type CrisisDetectorState = { version: 1; bucketMinutes: number; origin: number | null; keys: KeyState[] };

/** The streaming crisis detector. */
export interface CrisisDetector {
  /** Count one interaction (only negative mentions add volume); returns alerts raised or resolved. */
  observe(interaction: Interaction, classification?: Classification): AlertChange[];
  /** Close buckets up to `now` (default: the clock); returns alerts resolved by the quiet. */
  advance(now?: Date | string): AlertChange[];
  /** Alerts raised and not yet resolved. */
  activeAlerts(): CrisisAlert[];
  /** The learned baseline of a key, or `null` when the key was never seen. */
  baseline(key: string): { mean: number; stdDev: number; buckets: number } | null;
  /** Keys seen so far. */
  keys(): string[];
  /** A JSON-safe snapshot; pass it back as `options.state`. */
  toJSON(): CrisisDetectorState;
}

const MAX_EMPTY_BUCKETS = 10_000;
const emptyTally = (): Tally => ({ mentions: 0, weight: 0, posts: [], authors: {} });
const emptyMoments = (): Moments => ({ mean: 0, variance: 0, n: 0 });

/**
 * Creates a crisis detector. Feed it every interaction (it ignores the ones that are not negative)
 * and call `advance()` from a timer so quiet periods close their buckets and alerts can resolve.
 * @throws InvalidOptionsError
 * @example
 * const crisis = createCrisisDetector({ keys: { topics: { baggage: ['bagaj', 'baggage', 'luggage'] } } });
 * for (const change of crisis.observe(interaction)) if (change.type === 'raised') page(change.alert);
 */
export function createCrisisDetector(input: CrisisDetectorOptions = {}): CrisisDetector {
  const options = parseInsightOptions('crisis', optionsSchema, input);
  const bucketMs = options.bucketMinutes * 60_000;
  const clock = options.now ?? (() => new Date());
  const isNegative = options.isNegative ?? isNegativeMention;
  const period = options.seasonality === 'daily' ? Math.round(86_400_000 / bucketMs) : options.seasonality === 'weekly' ? Math.round(604_800_000 / bucketMs) : 0;
  if (period && (period < 2 || period > 10_080)) {
    throw new InvalidOptionsError(`[insights/crisis] seasonality '${options.seasonality}' needs between 2 and 10080 buckets per period; with ${options.bucketMinutes}-minute buckets it has ${period}.`);
  }
  /** Keys that always exist (the brand, the named topics); other keys are dropped when they fall silent. */
  const permanent = new Set(['all', ...Object.keys(options.keys.topics)]);
  const topics = Object.entries(options.keys.topics).flatMap(([name, terms]) => {
    const test = compileTerms(terms);
    return test ? [{ name, test }] : [];
  });
  const states = new Map<string, KeyState>();
  /** The first bucket any interaction fell in: a key first mentioned later had zero volume since. */
  let origin: number | null = null;
  if (options.state) {
    const state = options.state;
    if (state.version !== 1 || !Array.isArray(state.keys) || state.bucketMinutes !== options.bucketMinutes) {
      throw new InvalidOptionsError('[insights/crisis] `state` is not a snapshot of a crisis detector with the same bucketMinutes (version 1).');
    }
    for (const key of state.keys) states.set(key.key, structuredClone(key));
    origin = state.origin;
  }

  function keysOf(interaction: Interaction, classification?: Classification): string[] {
    const keys: string[] = [];
    if (options.keys.overall) keys.push('all');
    if (topics.length) {
      const folded = foldForMatch(interaction.text);
      for (const topic of topics) if (topic.test(interaction, folded)) keys.push(topic.name);
    }
    if (options.keys.hashtags) for (const tag of interaction.hashtags ?? []) keys.push(`#${foldForMatch(tag)}`);
    if (options.keys.keyOf) keys.push(...options.keys.keyOf(interaction, classification));
    return [...new Set(keys)];
  }

  function momentsFor(state: KeyState, bucket: number): Moments {
    if (!period) return state.overall;
    const slot = state.slots[((bucket % period) + period) % period];
    // A slot with too little history borrows the overall baseline.
    return slot && slot.n >= 2 ? slot : state.overall;
  }

  function zScore(moments: Moments, observed: number): { z: number; stdDev: number } {
    const stdDev = Math.sqrt(moments.variance + options.minSpread ** 2);
    return { z: (observed - moments.mean) / stdDev, stdDev };
  }

  function learn(moments: Moments, value: number) {
    const difference = value - moments.mean;
    moments.mean += options.alpha * difference;
    moments.variance = (1 - options.alpha) * (moments.variance + options.alpha * difference * difference);
    moments.n++;
  }

  const iso = (ms: number) => new Date(ms).toISOString();

  function evidence(state: KeyState, tally: Tally, window: { start: number; end: number }, moments: Moments, score: number): CrisisEvidence {
    const { stdDev } = zScore(moments, 0);
    const authors = Object.values(tally.authors).sort((a, b) => b.reach - a.reach || b.posts - a.posts).slice(0, options.topAuthors);
    return {
      key: state.key,
      window: { start: iso(window.start), end: iso(window.end) },
      baseline: { mean: round(moments.mean), stdDev: round(stdDev), buckets: state.closed },
      observed: { mentions: tally.mentions, weight: round(tally.weight) },
      score: round(score),
      threshold: options.sensitivity,
      topPosts: tally.posts.map((post) => ({ ...post })),
      topAuthors: authors.map((author) => ({ ...author, reach: round(author.reach) })),
    };
  }

  /** Closes the open bucket and the empty ones after it, up to (not including) `target`. */
  function roll(state: KeyState, target: number, changes: AlertChange[], prune = true) {
    if (target <= state.bucket) return;
    const steps = Math.min(target - state.bucket, MAX_EMPTY_BUCKETS);
    for (let step = 0; step < steps; step++) {
      const index = state.bucket;
      const tally = step === 0 ? state.open : emptyTally();
      closeBucket(state, index, tally, changes);
      state.bucket = index + 1;
    }
    state.bucket = target;
    state.open = emptyTally();
    // A hashtag or custom key whose baseline has decayed to nothing holds no information: a new
    // mention recreates it with the same zero baseline, so it can go (bounded memory).
    if (prune && !permanent.has(state.key) && !state.active && state.quietUntil <= state.bucket && state.overall.mean < 1e-3 && state.overall.variance < 1e-3) {
      states.delete(state.key);
    }
  }

  function closeBucket(state: KeyState, index: number, tally: Tally, changes: AlertChange[]) {
    const moments = momentsFor(state, index);
    const { z, stdDev } = zScore(moments, tally.weight);
    if (state.active) {
      const subsided = z < options.resolveBelow || tally.mentions < options.minVolume;
      state.active.below = subsided ? state.active.below + 1 : 0;
      if (state.active.below >= options.resolveAfterBuckets) {
        const { alert, tally: total } = state.active;
        const end = (index + 1) * bucketMs;
        const resolved: CrisisAlert = {
          ...alert,
          evidence: { ...evidence(state, total, { start: Date.parse(alert.evidence.window.start), end }, moments, alert.evidence.score), baseline: alert.evidence.baseline },
        };
        changes.push({ type: 'resolved', alert: resolved, resolvedAt: iso(end) });
        state.active = null;
        state.quietUntil = index + 1 + options.cooldownBuckets;
      }
    }
    // Spikes are learned clipped to the alert threshold, so one crisis does not become the new normal at once.
    const learned = Math.min(tally.weight, moments.mean + options.sensitivity * stdDev);
    learn(state.overall, learned);
    if (period) {
      const slot = ((index % period) + period) % period;
      learn((state.slots[slot] ??= emptyMoments()), learned);
    }
    state.closed++;
  }

  function stateFor(key: string, bucket: number): KeyState {
    let state = states.get(key);
    if (!state) {
      // Every bucket since the origin held no mention of this key: a zero baseline, already warm.
      const closed = Math.max(0, bucket - (origin ?? bucket));
      state = { key, bucket, closed, overall: { mean: 0, variance: 0, n: closed }, slots: [], open: emptyTally(), active: null, quietUntil: 0 };
      states.set(key, state);
    }
    return state;
  }

  function evidencePost(interaction: Interaction, weight: number): EvidencePost {
    return {
      id: interaction.id,
      text: excerpt(interaction.text),
      reach: round(weight),
      author: authorNameOf(interaction),
      authorKey: authorKeyOf(interaction),
      createdAt: interaction.createdAt,
      ...(interaction.url ? { url: interaction.url } : {}),
    };
  }

  function add(tally: Tally, post: EvidencePost, weight: number, followers: number) {
    tally.mentions++;
    tally.weight += weight;
    keepTop(tally.posts, post, (value) => value.reach, options.topPosts);
    const author = (tally.authors[post.authorKey] ??= { key: post.authorKey, name: post.author, followers: 0, posts: 0, reach: 0 });
    author.posts++;
    author.reach += weight;
    author.followers = Math.max(author.followers, followers);
  }

  function observe(interaction: Interaction, classification?: Classification): AlertChange[] {
    const changes: AlertChange[] = [];
    const at = timeOf(interaction.createdAt, 'interaction.createdAt');
    const bucket = Math.floor(at / bucketMs);
    origin = origin === null ? bucket : Math.min(origin, bucket);
    const negative = isNegative(interaction, classification ?? interaction.classification);
    if (!negative) {
      // Still moves time forward for the keys it belongs to.
      for (const state of states.values()) roll(state, bucket, changes);
      return changes;
    }
    const weight = reachWeight(interaction, options.reach);
    const post = evidencePost(interaction, weight);
    const followers = interaction.author.followerCount ?? 0;
    for (const key of keysOf(interaction, classification)) {
      const state = stateFor(key, bucket);
      // Late arrivals (older than the open bucket) count in the open bucket.
      roll(state, bucket, changes, false);
      add(state.open, post, weight, followers);
      if (state.active) {
        add(state.active.tally, post, weight, followers);
        continue;
      }
      if (state.closed < options.warmUpBuckets || state.bucket < state.quietUntil || state.open.mentions < options.minVolume) continue;
      const moments = momentsFor(state, state.bucket);
      const { z } = zScore(moments, state.open.weight);
      if (z < options.sensitivity) continue;
      const start = state.bucket * bucketMs;
      const alert: CrisisAlert = {
        id: `crisis:${key}:${iso(start)}`,
        kind: 'crisis',
        severity: z >= 2 * options.sensitivity ? 'critical' : 'warning',
        title: `Negative mentions spiking for ${key}: ${state.open.mentions} in ${options.bucketMinutes} min against a baseline of ${round(moments.mean, 1)} (z = ${round(z, 1)})`,
        evidence: evidence(state, state.open, { start, end: start + bucketMs }, moments, z),
        raisedAt: interaction.createdAt,
      };
      state.active = { alert, tally: structuredClone(state.open), below: 0 };
      changes.push({ type: 'raised', alert });
    }
    return changes;
  }

  return {
    observe,
    advance(now) {
      const changes: AlertChange[] = [];
      const bucket = Math.floor(timeOf(now ?? clock(), 'advance(now)') / bucketMs);
      for (const state of states.values()) roll(state, bucket, changes);
      return changes;
    },
    activeAlerts: () => [...states.values()].flatMap((state) => (state.active ? [state.active.alert] : [])),
    baseline(key) {
      const state = states.get(key);
      if (!state) return null;
      const moments = momentsFor(state, state.bucket);
      return { mean: round(moments.mean), stdDev: round(zScore(moments, 0).stdDev), buckets: state.closed };
    },
    keys: () => [...states.keys()],
    toJSON: () => ({ version: 1, bucketMinutes: options.bucketMinutes, origin, keys: [...states.values()].map((state) => structuredClone(state)) }),
  };
}
