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
 * Reads `X-RateLimit-Remaining` and `X-RateLimit-Reset` (ISO 8601 with microseconds). The headers
 * report the limit closest to running out, and posting has a limit of its own (300 statuses per
 * 3 hours) that can be spent while reads are not, so each budget covers the endpoint that reported
 * it: a spent posting limit never holds back polling for hours.
 */
export function readMastodonRateLimit(response: Response): RateLimitState | undefined {
  return readRateLimitHeaders(response, { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset' });
}
