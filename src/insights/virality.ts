/**
 * Single-post virality: a complaint (or any negative post) whose replies, shares and quotes grow
 * fast. Growth comes from two sources: engagement metrics on the post itself (when an edit or a
 * re-poll brings new counts) and replies by other people appearing in its thread.
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
  excerpt,
  isNegativeMention,
  parseInsightOptions,
  round,
  timeOf,
} from './_shared.js';

/** What a virality alert carries in `evidence`. */
export type ViralityEvidence = {
  post: { id: string; text: string; author: string; authorKey: string; followers: number; createdAt: string; url?: string };
  /** The sliding window the growth was measured over. */
  window: { start: string; end: string };
  /** Engagement gained inside the window (replies + shares + quotes). */
  growth: number;
  /** Growth per hour. */
  ratePerHour: number;
  /** Engagement so far. */
  total: number;
  replies: number;
  shares: number;
  quotes: number;
  /** Distinct people who replied in the thread. */
  participants: number;
  /** Whether the brand had answered in the thread when the alert was raised. */
  answeredByBrand: boolean;
};

/** An alert of kind `virality`. */
export interface ViralityAlert extends Alert {
  kind: 'virality';
  evidence: ViralityEvidence;
}

const optionsSchema = z.object({
  windowMinutes: z.number().positive().default(60),
  minGrowth: z.number().int().min(1).default(10),
  resolveBelow: z.number().min(0).max(1).default(0.25),
  track: z.enum(['negative', 'all']).default('negative'),
  horizonHours: z.number().positive().default(72),
  maxTracked: z.number().int().min(1).default(10_000),
  isNegative: z.custom<(interaction: Interaction, classification?: Classification) => boolean>((value) => typeof value === 'function').optional(),
  now: z.custom<() => Date>((value) => typeof value === 'function').optional(),
  state: z.custom<ViralityWatchState>((value) => typeof value === 'object' && value !== null).optional(),
});

/** Options of {@link createViralityWatch}. */
export interface ViralityWatchOptions {
  /** Width of the sliding window growth is measured over. @default 60 */
  windowMinutes?: number;
  /** Engagement (replies + shares + quotes) gained inside the window that raises an alert. @default 10 */
  minGrowth?: number;
  /** The alert resolves when growth inside the window falls under this fraction of `minGrowth`. @default 0.25 */
  resolveBelow?: number;
  /** Which posts to watch. @default 'negative' */
  track?: 'negative' | 'all';
  /** A post is forgotten this long after it was written (its alert resolved first). @default 72 */
  horizonHours?: number;
  /** Most posts watched at once; the oldest are forgotten first. @default 10000 */
  maxTracked?: number;
  /** What counts as negative. @default negative sentiment or a complaint, escalation-threat or churn-risk intent */
  isNegative?: (interaction: Interaction, classification?: Classification) => boolean;
  /** The clock `advance()` uses when called without a time. @default () => new Date() */
  now?: () => Date;
  /** A snapshot from `toJSON()` to resume from. */
  state?: ViralityWatchState;
}

type Watched = {
  post: ViralityEvidence['post'];
  createdMs: number;
  metrics: { replies: number; shares: number; quotes: number };
  /** Replies by others seen in the thread. */
  seenReplies: number;
  repliers: string[];
  answeredByBrand: boolean;
  /** (time, total engagement) samples, oldest first, trimmed to the window. */
  samples: Array<[number, number]>;
  alert: ViralityAlert | null;
  /** The alert has resolved: the post never alerts again. */
  resolved: boolean;
};

/** A serialisable snapshot of a {@link ViralityWatch}. */
export type ViralityWatchState = { version: 1; streamTime: number; posts: Watched[] };

/** The single-post virality watch. */
export interface ViralityWatch {
  /** Feed a new or updated interaction; returns alerts raised or resolved. */
  observe(interaction: Interaction, classification?: Classification): AlertChange[];
  /** Re-measure every watched post at `now` (default: the clock): resolves alerts, forgets old posts. */
  advance(now?: Date | string): AlertChange[];
  activeAlerts(): ViralityAlert[];
  /** How many posts are watched. */
  size(): number;
  toJSON(): ViralityWatchState;
}

const MAX_REPLIERS = 500;
const totalOf = (watched: Watched) => Math.max(watched.metrics.replies, watched.seenReplies) + watched.metrics.shares + watched.metrics.quotes;

/**
 * Creates a virality watch. Feed it every interaction, updates included (new engagement metrics
 * arrive on edits and re-polls), and call `advance()` from a timer so alerts resolve.
 * @throws InvalidOptionsError
 * @example
 * const watch = createViralityWatch({ windowMinutes: 60, minGrowth: 20 });
 * for (const change of watch.observe(interaction)) if (change.type === 'raised') escalate(change.alert);
 */
export function createViralityWatch(input: ViralityWatchOptions = {}): ViralityWatch {
  const options = parseInsightOptions('virality', optionsSchema, input);
  const windowMs = options.windowMinutes * 60_000;
  const horizonMs = options.horizonHours * 3_600_000;
  const clock = options.now ?? (() => new Date());
  const isNegative = options.isNegative ?? isNegativeMention;
  const posts = new Map<string, Watched>();
  /** Posts with an open alert, re-measured on `advance()`. */
  const alerted = new Set<string>();
  let streamTime = Number.NEGATIVE_INFINITY;
  if (options.state) {
    if (options.state.version !== 1 || !Array.isArray(options.state.posts)) throw new InvalidOptionsError('[insights/virality] `state` is not a snapshot of a virality watch (version 1).');
    for (const watched of options.state.posts) {
      posts.set(watched.post.id, structuredClone(watched));
      if (watched.alert && !watched.resolved) alerted.add(watched.post.id);
    }
    streamTime = options.state.streamTime ?? streamTime;
  }

  /** Engagement gained over the window ending at `now`. */
  function growthAt(watched: Watched, now: number): number {
    const from = now - windowMs;
    let before = watched.createdMs >= from ? 0 : undefined;
    for (const [time, total] of watched.samples) {
      if (time <= from) before = total;
      else break;
    }
    return totalOf(watched) - (before ?? watched.samples[0]?.[1] ?? 0);
  }

  function sample(watched: Watched, now: number) {
    watched.samples.push([now, totalOf(watched)]);
    // Keep one sample at or before the window's start, and everything after it.
    const from = now - windowMs;
    let keep = 0;
    while (keep + 1 < watched.samples.length && watched.samples[keep + 1]![0] <= from) keep++;
    if (keep) watched.samples.splice(0, keep);
  }

  function evaluate(watched: Watched, now: number, changes: AlertChange[]) {
    const growth = growthAt(watched, now);
    if (!watched.alert && growth >= options.minGrowth) {
      const evidence: ViralityEvidence = {
        post: { ...watched.post },
        window: { start: new Date(Math.max(watched.createdMs, now - windowMs)).toISOString(), end: new Date(now).toISOString() },
        growth,
        ratePerHour: round((growth * 3_600_000) / windowMs, 1),
        total: totalOf(watched),
        replies: Math.max(watched.metrics.replies, watched.seenReplies),
        shares: watched.metrics.shares,
        quotes: watched.metrics.quotes,
        participants: watched.repliers.length,
        answeredByBrand: watched.answeredByBrand,
      };
      watched.alert = {
        id: `virality:${watched.post.id}`,
        kind: 'virality',
        severity: growth >= 3 * options.minGrowth || !watched.answeredByBrand ? 'critical' : 'warning',
        title: `A post by ${watched.post.author} is spreading: +${growth} replies/shares in ${options.windowMinutes} min${watched.answeredByBrand ? '' : ', no answer from the brand yet'}`,
        evidence,
        raisedAt: new Date(now).toISOString(),
      };
      changes.push({ type: 'raised', alert: watched.alert });
      alerted.add(watched.post.id);
    } else if (watched.alert && growth < options.resolveBelow * options.minGrowth) {
      const alert: ViralityAlert = { ...watched.alert, evidence: { ...watched.alert.evidence, total: totalOf(watched), answeredByBrand: watched.answeredByBrand, participants: watched.repliers.length } };
      changes.push({ type: 'resolved', alert, resolvedAt: new Date(now).toISOString() });
      watched.alert = alert;
      watched.resolved = true;
    }
  }

  function track(interaction: Interaction, createdMs: number): Watched {
    const watched: Watched = {
      post: {
        id: interaction.id,
        text: excerpt(interaction.text),
        author: authorNameOf(interaction),
        authorKey: authorKeyOf(interaction),
        followers: interaction.author.followerCount ?? 0,
        createdAt: interaction.createdAt,
        ...(interaction.url ? { url: interaction.url } : {}),
      },
      createdMs,
      metrics: { replies: 0, shares: 0, quotes: 0 },
      seenReplies: 0,
      repliers: [],
      answeredByBrand: false,
      samples: [],
      alert: null,
      resolved: false,
    };
    if (posts.size >= options.maxTracked) {
      posts.delete(posts.keys().next().value as string);
    }
    posts.set(interaction.id, watched);
    return watched;
  }

  function forget(now: number, changes: AlertChange[]) {
    // Posts are kept in the order they were first seen, which is (nearly) time order: stop at the
    // first one still inside the horizon (a late arrival is forgotten a little later).
    for (const [id, watched] of posts) {
      if (now - watched.createdMs <= horizonMs) break;
      if (watched.alert && !watched.resolved) changes.push({ type: 'resolved', alert: watched.alert, resolvedAt: new Date(now).toISOString() });
      posts.delete(id);
    }
  }

  function observe(interaction: Interaction, classification?: Classification): AlertChange[] {
    const changes: AlertChange[] = [];
    const createdMs = timeOf(interaction.createdAt, 'interaction.createdAt');
    const seenAt = interaction.editedAt ? timeOf(interaction.editedAt, 'interaction.editedAt') : createdMs;
    const now = Math.max(streamTime, seenAt);
    streamTime = now;
    if (interaction.state === 'deleted') return changes;
    let watched = posts.get(interaction.id);
    if (!watched && interaction.direction !== 'outbound' && (options.track === 'all' || isNegative(interaction, classification ?? interaction.classification))) {
      watched = track(interaction, createdMs);
    }
    if (watched && interaction.metrics) {
      const metrics = interaction.metrics;
      watched.metrics = {
        replies: Math.max(watched.metrics.replies, metrics.replies ?? 0),
        shares: Math.max(watched.metrics.shares, metrics.shares ?? 0),
        quotes: Math.max(watched.metrics.quotes, metrics.quotes ?? 0),
      };
    }
    if (watched) {
      sample(watched, now);
      if (!watched.resolved) evaluate(watched, now, changes);
    }
    // A reply grows the post it answers and the thread's root.
    const targets = new Set<string>();
    if (interaction.parentId) targets.add(`${interaction.channel}:${interaction.parentId}`);
    if (interaction.conversationId !== interaction.id) targets.add(interaction.conversationId);
    for (const id of targets) {
      const target = posts.get(id);
      if (!target || id === interaction.id) continue;
      if (interaction.direction === 'outbound') {
        target.answeredByBrand = true;
        continue;
      }
      const replier = authorKeyOf(interaction);
      if (replier === target.post.authorKey) continue;
      target.seenReplies++;
      if (!target.repliers.includes(replier) && target.repliers.length < MAX_REPLIERS) target.repliers.push(replier);
      sample(target, now);
      if (!target.resolved) evaluate(target, now, changes);
    }
    return changes;
  }

  return {
    observe,
    advance(at) {
      const changes: AlertChange[] = [];
      const now = Math.max(streamTime, timeOf(at ?? clock(), 'advance(now)'));
      streamTime = now;
      for (const id of alerted) {
        const watched = posts.get(id);
        if (watched?.alert && !watched.resolved) {
          sample(watched, now);
          evaluate(watched, now, changes);
        }
        if (!watched || watched.resolved) alerted.delete(id);
      }
      forget(now, changes);
      return changes;
    },
    activeAlerts: () => [...posts.values()].flatMap((watched) => (watched.alert && !watched.resolved ? [watched.alert] : [])),
    size: () => posts.size,
    toJSON: () => ({
      version: 1,
      streamTime,
      posts: [...posts.values()].map((watched) => structuredClone(watched)),
    }),
  };
}
