/** Internal helpers shared by the insights primitives. Not exported from the entry. */
import { parseWithSchema } from '../_options.js';
import type { z } from 'zod';
import { InvalidInteractionError, InvalidOptionsError } from '../errors.js';
import type { Alert } from '../events.js';
import { foldToAscii } from '../identity/normalize.js';
import { identityKey, type Classification, type Interaction } from '../interaction.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Validates a primitive's options once, at construction; returns the parsed copy. */
export function parseInsightOptions<Schema extends z.ZodType>(name: string, schema: Schema, input: unknown): z.output<Schema> {
  return parseWithSchema(schema, input, `[insights/${name}] Invalid options:`);
}

/**
 * Epoch milliseconds of an ISO date-time; throws a typed error for anything unreadable:
 * `InvalidInteractionError` for an interaction's own field (`what` starting with `interaction.`),
 * `InvalidOptionsError` for an argument.
 */
export function timeOf(value: string | Date, what = 'time'): number {
  // Every primitive reads the same interaction's createdAt in a row: remember the last one.
  if (typeof value === 'string' && value === lastTime.text) return lastTime.ms;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isFinite(ms)) {
    if (typeof value === 'string') {
      lastTime.text = value;
      lastTime.ms = ms;
    }
    return ms;
  }
  const message = `[insights] Unreadable ${what}: ${JSON.stringify(value)}; expected an ISO-8601 date-time or a Date.`;
  if (what.startsWith('interaction.')) throw new InvalidInteractionError(message, [{ path: what.slice('interaction.'.length), message: 'not a date-time' }]);
  throw new InvalidOptionsError(message);
}

const lastTime = { text: '', ms: 0 };

/** The classification to use: the one passed, else the one stored on the interaction. */
export function classificationOf(interaction: Interaction, classification?: Classification): Classification | undefined {
  return classification ?? interaction.classification;
}

const NEGATIVE_INTENTS = new Set(['complaint', 'escalation_threat', 'churn_risk']);

/**
 * A customer's (not the brand's) negative post: negative sentiment, or a confident complaint,
 * escalation threat or churn-risk intent. Unclassified interactions are never negative.
 */
export function isNegativeMention(interaction: Interaction, classification?: Classification): boolean {
  if (interaction.direction === 'outbound' || interaction.state === 'deleted' || interaction.kind === 'reaction') return false;
  const labels = classificationOf(interaction, classification);
  if (!labels) return false;
  if (labels.intents.some((intent) => intent.intent === 'spam' && intent.confidence >= 0.5)) return false;
  if (labels.sentiment.label === 'negative') return true;
  return labels.intents.some((intent) => NEGATIVE_INTENTS.has(intent.intent) && intent.confidence >= 0.5);
}

/** Stable key of whoever wrote the interaction: the customer when attributed, else the channel identity. */
export function authorKeyOf(interaction: Interaction): string {
  return interaction.customerId ?? identityKey(interaction.author);
}

export function authorNameOf(interaction: Interaction): string {
  return interaction.author.displayName ?? (interaction.author.handle ? `@${interaction.author.handle}` : interaction.author.nativeId);
}

/** Engagement others added to a post: replies + shares + quotes (likes and views are not spread). */
export function engagementOf(interaction: Interaction): number {
  const metrics = interaction.metrics;
  return (metrics?.replies ?? 0) + (metrics?.shares ?? 0) + (metrics?.quotes ?? 0);
}

/** Settings of `reachWeight()`. */
export interface ReachSettings {
  /** Weight of `log10(1 + followers)`. */
  followers: number;
  /** Weight of `log10(1 + replies + shares + quotes)`. */
  engagement: number;
  /** Extra weight of a customer-to-customer (`peer`) message: a complaint spreading among customers. */
  peer: number;
}

/**
 * How far one post travels: `1 + a·log10(1 + followers) + b·log10(1 + engagement) + c·[peer]`.
 * Logarithms keep one celebrity from drowning out a crowd.
 */
export function reachWeight(interaction: Interaction, settings: ReachSettings): number {
  return (
    1 +
    settings.followers * Math.log10(1 + (interaction.author.followerCount ?? 0)) +
    settings.engagement * Math.log10(1 + engagementOf(interaction)) +
    (interaction.direction === 'peer' ? settings.peer : 0)
  );
}

/** The text shortened to `max` characters on one line, for evidence. */
export function excerpt(text: string, max = 140): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** Case- and diacritic-folded text for matching (`İSTANBUL`, `ıstanbul`, `Istanbul` → `istanbul`). */
export function foldForMatch(text: string): string {
  // Several primitives fold the same interaction's text in a row: remember the last one.
  if (text !== lastFolded.text) {
    lastFolded.text = text;
    lastFolded.folded = foldToAscii(text);
  }
  return lastFolded.folded;
}
const lastFolded = { text: '', folded: '' };

/** Keeps the `size` items with the highest `score`, best first. */
export function keepTop<T>(list: T[], item: T, score: (value: T) => number, size: number): void {
  if (list.length >= size && score(item) <= score(list[list.length - 1]!)) return;
  let index = list.length;
  while (index > 0 && score(list[index - 1]!) < score(item)) index--;
  list.splice(index, 0, item);
  if (list.length > size) list.length = size;
}

/** Rounds for evidence and reports (3 decimals). */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** What a streaming primitive reports from `observe()` / `advance()`. */
export type AlertChange = { type: 'raised'; alert: Alert } | { type: 'resolved'; alert: Alert; resolvedAt: string };

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Compiles keywords and hashtags into one test over an interaction. Terms are folded like the
 * text (Turkish dotted/dotless i, diacritics, case) and match at the start of a word, so a
 * Turkish stem also finds its suffixed forms (`gitar` → `gitarım`, `gitarlar`). A term starting
 * with `#` is a hashtag: it matches the interaction's `hashtags` or the tag in its text.
 */
export function compileTerms(terms: readonly string[]): ((interaction: Interaction, folded?: string) => boolean) | null {
  const words: string[] = [];
  const tags = new Set<string>();
  for (const term of terms) {
    const trimmed = term.trim();
    if (!trimmed) continue;
    if (trimmed.startsWith('#')) tags.add(foldForMatch(trimmed.slice(1)));
    else words.push(foldForMatch(trimmed));
  }
  if (!words.length && !tags.size) return null;
  const wordPattern = words.length ? new RegExp(`(?:^|[^\\p{L}\\p{N}_])(?:${words.map(escapeRegExp).join('|')})`, 'u') : null;
  const tagPattern = tags.size ? new RegExp(`#(?:${[...tags].map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_])`, 'u') : null;
  return (interaction, folded) => {
    const text = folded ?? foldForMatch(interaction.text);
    if (wordPattern?.test(text)) return true;
    if (!tagPattern) return false;
    if (interaction.hashtags?.some((tag) => tags.has(foldForMatch(tag)))) return true;
    return tagPattern.test(text);
  };
}
