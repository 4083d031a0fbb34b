import type { PlatformErrorInfo, RateLimitState } from 'social-crm/adapter-kit';
import { readRateLimitHeaders } from '../_shared/polling/index.js';
import { mastodonErrorBodySchema } from './mastodon-schemas.js';

/** Decodes Mastodon's `{ error, error_description }` body (no codes: the HTTP status says the kind). */
export function readMastodonError(body: unknown): PlatformErrorInfo | undefined {
  const parsed = mastodonErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { error, error_description: description } = parsed.data;
  return { message: description ? `${error}: ${description}` : error };
}

/**
 * Reads `X-RateLimit-Remaining` and `X-RateLimit-Reset` (an ISO-8601 time). Mastodon counts per
 * account across the whole API (300 calls per 5 minutes by default) and reports the limit closest
 * to running out, so the budget covers every call of the adapter.
 */
export function readMastodonRateLimit(response: Response): RateLimitState | undefined {
  return readRateLimitHeaders(response, { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset', scope: '*' });
}
