/**
 * Code the polling adapters of the open networks (YouTube, Mastodon, Bluesky) share: opaque JSON
 * cursors, the newest-first "since watermark" run, rate-limit headers and JSON metadata.
 * Not a package entry: each adapter bundles what it uses. Imports only public entries.
 */
import type { z } from 'zod';
import type { AdapterWarning, JSONObject, JSONValue, RateLimitState } from 'social-crm/adapter-kit';

/** Drops `undefined` members so the object is valid JSON for `channelMetadata`. */
export function compactJson(value: Record<string, JSONValue | undefined>): JSONObject {
  const result: JSONObject = {};
  for (const [key, member] of Object.entries(value)) if (member !== undefined) result[key] = member;
  return result;
}

/**
 * Reads an opaque JSON cursor with its schema. An absent cursor gives `undefined`; one that cannot
 * be read gives `undefined` and a `malformed` warning, so polling starts over (stored items are
 * skipped as duplicates) instead of failing forever.
 */
export function readJsonCursor<Schema extends z.ZodType>(schema: Schema, cursor: string | undefined, warnings: AdapterWarning[]): z.output<Schema> | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(cursor));
    if (parsed.success) return parsed.data;
  } catch {
    // Reported below like a cursor of the wrong shape.
  }
  warnings.push({ type: 'malformed', message: 'The saved poll cursor could not be read; polling starts over (stored items are skipped as duplicates).', details: { cursor } });
  return undefined;
}

/** Epoch milliseconds of an ISO-8601 date, or `undefined` when it is not one. */
export function timeOf(value: string | undefined | null): number | undefined {
  if (!value) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** The later of two ISO-8601 dates (either may be missing). */
export function laterOf(first: string | undefined, second: string | undefined): string | undefined {
  const a = timeOf(first);
  const b = timeOf(second);
  if (a === undefined) return b === undefined ? undefined : new Date(b).toISOString();
  if (b === undefined || a >= b) return new Date(a).toISOString();
  return new Date(b).toISOString();
}

/**
 * State of a newest-first listing polled with a watermark: the API pages from the newest item
 * backwards and has no "since" parameter, so each run pages until it reaches what the previous
 * run had seen.
 */
export interface WatermarkState {
  /** Newest item time (ISO-8601) of the last completed run; items older than this are known. */
  watermark?: string;
  /** The run in progress: the token of its next page and the newest time it has seen. */
  run?: { pageToken?: string; newest?: string };
}

/**
 * The oldest time a run still wants: the watermark, or on a first run the backfill horizon
 * (`backfillDays` before `now`).
 */
export function watermarkFloor(state: WatermarkState, now: Date, backfillDays: number): number {
  return timeOf(state.watermark) ?? now.getTime() - backfillDays * 86_400_000;
}

/**
 * Moves a watermark run past one page. `times` are the page's item times (ISO-8601). The run ends
 * when the API has no further page or the page reached the floor; only then does its newest time
 * become the watermark, so a run interrupted between pages resumes from its page token and skips
 * nothing.
 */
export function advanceWatermarkRun(
  state: WatermarkState,
  page: { nextPageToken?: string | undefined; times: Array<string | undefined> },
  floor: number,
): { state: WatermarkState; hasMore: boolean; newest: string | undefined } {
  let newest = state.run?.newest;
  let reachedFloor = false;
  for (const time of page.times) {
    newest = laterOf(newest, time);
    const value = timeOf(time);
    if (value !== undefined && value < floor) reachedFloor = true;
  }
  if (page.nextPageToken && !reachedFloor) {
    return { state: { ...(state.watermark ? { watermark: state.watermark } : {}), run: { pageToken: page.nextPageToken, ...(newest ? { newest } : {}) } }, hasMore: true, newest };
  }
  const watermark = laterOf(state.watermark, newest);
  return { state: watermark ? { watermark } : {}, hasMore: false, newest };
}

/** How a network names its rate-limit headers. */
export interface RateLimitHeaderNames {
  remaining: string;
  reset: string;
  /** What the budget covers; omit for the endpoint of the response. */
  scope?: string;
}

/**
 * Reads a remaining-budget header and a reset header: epoch seconds (`1771330000`), seconds to
 * wait (`30`) or a date (`2026-02-17T11:10:00.000Z`, as Mastodon sends).
 */
export function readRateLimitHeaders(response: Response, names: RateLimitHeaderNames, now = Date.now()): RateLimitState | undefined {
  const remainingText = response.headers.get(names.remaining);
  if (remainingText === null || remainingText.trim() === '') return undefined;
  const remaining = Number(remainingText);
  if (!Number.isFinite(remaining)) return undefined;
  const resetText = response.headers.get(names.reset)?.trim();
  let resetAt: number | undefined;
  if (resetText) {
    const numeric = Number(resetText);
    if (Number.isFinite(numeric)) resetAt = numeric > 1_000_000_000 ? numeric * 1000 : now + numeric * 1000;
    else resetAt = timeOf(resetText);
  }
  return { remaining, ...(resetAt !== undefined ? { resetAt } : {}), ...(names.scope ? { scope: names.scope } : {}) };
}

/** Options shared by the polling adapters' zod schemas. */
export const ADAPTER_ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** A base URL without its trailing slashes. */
export function trimSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

/** An item a page holds that does not match its schema, as the core dead-letters it. */
export function rejectedItem(payload: unknown, what: string, error: z.ZodError): { payload: unknown; error: Error } {
  return { payload, error: new Error(`Not ${what}: ${error.issues.map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`).join('; ')}`) };
}
