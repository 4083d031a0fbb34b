import type { PlatformErrorInfo, RateLimitState } from 'social-crm/adapter-kit';
import { readRateLimitHeaders } from '../_shared/polling/index.js';
import { xrpcErrorSchema } from './bluesky-schemas.js';

/** Decodes an XRPC error body: the code is its `error` name (`ExpiredToken`, `RateLimitExceeded` …). */
export function readBlueskyError(body: unknown): PlatformErrorInfo | undefined {
  const parsed = xrpcErrorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { error, message } = parsed.data;
  return { code: error, message: message ? `${error}: ${message}` : error, ...(error === 'RateLimitExceeded' ? { isRateLimit: true } : {}) };
}

/** Errors that mean the access token must be refreshed (the PDS answers 400, other services 401). */
export function isExpiredSession(code: string | number | undefined): boolean {
  return code === 'ExpiredToken' || code === 'InvalidToken';
}

/**
 * Reads `RateLimit-Remaining` and `RateLimit-Reset` (epoch seconds). The limits are per route
 * (session creation, writes, reads), so each budget covers its endpoint.
 */
export function readBlueskyRateLimit(response: Response): RateLimitState | undefined {
  return readRateLimitHeaders(response, { remaining: 'ratelimit-remaining', reset: 'ratelimit-reset' });
}
