import { RateLimitError, type AdapterWarning, type PlatformErrorInfo } from 'social-crm/adapter-kit';
import { youtubeErrorBodySchema } from './youtube-schemas.js';

/** Units each call costs, from the API's quota table. */
export const QUOTA_COST = {
  'commentThreads.list': 1,
  'comments.list': 1,
  'comments.insert': 50,
} as const;
export type YouTubeOperation = keyof typeof QUOTA_COST;

/** Reasons Google gives when a budget is spent. `quotaExceeded` is the daily project quota. */
const RATE_LIMIT_REASONS = new Set(['quotaExceeded', 'dailyLimitExceeded', 'rateLimitExceeded', 'userRateLimitExceeded']);
const DAILY_REASONS = new Set(['quotaExceeded', 'dailyLimitExceeded']);

/**
 * Decodes Google's error envelope for `toChannelApiError`: the code is the first `reason`
 * (`quotaExceeded`, `commentsDisabled`, `forbidden` …), the message the top-level `message`.
 */
export function readYouTubeError(body: unknown): PlatformErrorInfo | undefined {
  const parsed = youtubeErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { message, errors, status } = parsed.data.error;
  const reason = errors?.find((entry) => entry.reason)?.reason ?? status;
  const text = message ?? errors?.[0]?.message;
  return {
    ...(reason !== undefined ? { code: reason } : {}),
    ...(text !== undefined ? { message: text.replace(/<[^>]+>/g, '') } : {}),
    ...(reason !== undefined && RATE_LIMIT_REASONS.has(reason) ? { isRateLimit: true } : {}),
  };
}

/** Whether a decoded error reason means the project's daily quota is spent. */
export function isDailyQuotaReason(reason: string | number | undefined): boolean {
  return typeof reason === 'string' && DAILY_REASONS.has(reason);
}

const PACIFIC = 'America/Los_Angeles';
const pacificParts = new Intl.DateTimeFormat('en-US', {
  timeZone: PACIFIC,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  timeZoneName: 'longOffset',
});

function pacificDay(at: number): { year: number; month: number; day: number; offsetMs: number } {
  const parts = Object.fromEntries(pacificParts.formatToParts(new Date(at)).map((part) => [part.type, part.value]));
  const match = /GMT(?:([+-])(\d{2}):(\d{2}))?/.exec(parts.timeZoneName ?? '');
  const sign = match?.[1] === '-' ? -1 : 1;
  const offsetMs = match?.[1] ? sign * (Number(match[2]) * 60 + Number(match[3])) * 60_000 : 0;
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), offsetMs };
}

/** The Pacific calendar day of `at`, e.g. `2026-02-17`: YouTube's quota day. */
export function quotaDay(at: number): string {
  const { year, month, day } = pacificDay(at);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Epoch milliseconds of the next midnight Pacific Time after `at`, when YouTube resets quotas. */
export function nextQuotaReset(at: number): number {
  const { year, month, day, offsetMs } = pacificDay(at);
  const wallMidnight = Date.UTC(year, month - 1, day + 1);
  const guess = wallMidnight - offsetMs;
  // Daylight-saving changes happen at 02:00, so the offset at the guess is the one of that midnight.
  return wallMidnight - pacificDay(guess).offsetMs;
}

/** Settings of {@link createQuotaMeter}. */
export interface QuotaMeterOptions {
  adapterId: string;
  /** Units per day the Cloud project may spend. */
  dailyQuota: number;
  /** Units polling leaves for replies. */
  replyReserve: number;
}

/** What the meter reports on a warning. */
export interface QuotaUsage {
  day: string;
  used: number;
  dailyQuota: number;
}

/**
 * Counts the units this adapter spends per Pacific day and refuses calls that would overspend,
 * before they are made. YouTube charges every request, even a failed one, so a call is counted
 * when it is made. A `quotaExceeded` answer closes the meter until the next reset.
 */
export function createQuotaMeter(options: QuotaMeterOptions) {
  let day = '';
  let used = 0;
  let closedUntil = 0;
  let warnedAt = 0;

  function roll(now: number) {
    const today = quotaDay(now);
    if (today !== day) {
      day = today;
      used = 0;
      warnedAt = 0;
    }
  }

  function refuse(operation: YouTubeOperation, now: number, why: string): never {
    const resetAt = nextQuotaReset(now);
    throw new RateLimitError(`${why} Calls resume after the reset at ${new Date(resetAt).toISOString()} (midnight Pacific Time).`, {
      adapterId: options.adapterId,
      platformCode: 'quotaExceeded',
      retryAfterMs: Math.max(0, resetAt - now),
      method: operation === 'comments.insert' ? 'POST' : 'GET',
    });
  }

  return {
    /**
     * Counts `operation` against today's budget, or throws a retryable `RateLimitError` (with
     * `retryAfterMs` until the reset) when the budget cannot cover it. Polls keep `replyReserve`.
     */
    spend(operation: YouTubeOperation, now: number, warnings?: AdapterWarning[]): void {
      roll(now);
      const cost = QUOTA_COST[operation];
      if (closedUntil > now) refuse(operation, now, `YouTube reported the daily quota spent; ${operation} was not called.`);
      const ceiling = operation === 'comments.insert' ? options.dailyQuota : options.dailyQuota - options.replyReserve;
      if (used + cost > ceiling) {
        refuse(
          operation,
          now,
          `${operation} costs ${cost} units and ${used} of the ${options.dailyQuota} daily units are spent${operation === 'comments.insert' ? '' : ` (${options.replyReserve} are kept for replies)`}.`,
        );
      }
      used += cost;
      const percent = Math.floor((used / options.dailyQuota) * 100);
      if (warnings && percent >= 80 && percent >= warnedAt + 10) {
        warnedAt = percent - (percent % 10);
        warnings.push({ type: 'rate-limit', message: `${percent} % of the daily YouTube quota is spent.`, details: { day, used, dailyQuota: options.dailyQuota } });
      }
    },
    /** YouTube answered `quotaExceeded`: refuse everything until the next reset. */
    close(now: number): number {
      roll(now);
      closedUntil = nextQuotaReset(now);
      used = Math.max(used, options.dailyQuota);
      return closedUntil;
    },
    usage(now: number): QuotaUsage {
      roll(now);
      return { day, used, dailyQuota: options.dailyQuota };
    },
  };
}
export type QuotaMeter = ReturnType<typeof createQuotaMeter>;
