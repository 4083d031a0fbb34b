import type { PlatformErrorInfo, RateLimitState } from 'social-crm/adapter-kit';
import { jsonApiResponseSchema } from './reddit-schemas.js';

const UNITS: Record<string, number> = { second: 1_000, minute: 60_000, hour: 3_600_000 };

/** "you are doing that too much. try again in 6 minutes." → 360000. */
export function waitFromMessage(message: string): number | undefined {
  const match = /try again in (\d+) (second|minute|hour)s?/i.exec(message);
  return match ? Number(match[1]) * UNITS[match[2]!.toLowerCase()]! : undefined;
}

/** The first `[NAME, message, field]` triple of an `api_type=json` answer. */
export function firstJsonError(body: unknown): { name: string; message: string; field?: string } | undefined {
  const parsed = jsonApiResponseSchema.safeParse(body);
  const first = parsed.success ? parsed.data.json.errors[0] : undefined;
  if (!first) return undefined;
  const [name, message, field] = first;
  return { name: String(name), message: typeof message === 'string' ? message : String(name), ...(typeof field === 'string' ? { field } : {}) };
}

/**
 * Decodes Reddit's error bodies: `{ "message": "Forbidden", "error": 403 }`, `{ "error":
 * "invalid_grant" }` (token endpoint), and `api_type=json` triples, where `RATELIMIT` ("try again
 * in 6 minutes") is the anti-spam limit on posting: a rate limit with its wait.
 */
export function readRedditError(body: unknown): PlatformErrorInfo | undefined {
  const triple = firstJsonError(body);
  if (triple) {
    const wait = triple.name === 'RATELIMIT' ? waitFromMessage(triple.message) : undefined;
    return { code: triple.name, message: triple.message, ...(triple.name === 'RATELIMIT' ? { isRateLimit: true } : {}), ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { message, error, reason } = body as { message?: unknown; error?: unknown; reason?: unknown };
  const code = typeof error === 'string' || typeof error === 'number' ? error : undefined;
  const text = [message, reason].find((value): value is string => typeof value === 'string');
  if (code === undefined && text === undefined) return undefined;
  return { ...(code !== undefined ? { code } : {}), ...(text !== undefined ? { message: text } : { message: String(code) }) };
}

/**
 * Reads `X-Ratelimit-Remaining` (requests left, may be fractional) and `X-Ratelimit-Reset`
 * (seconds until the period ends). Reddit counts per OAuth client across every endpoint, so the
 * budget covers the whole adapter.
 */
export function readRedditRateLimit(response: Response): RateLimitState | undefined {
  const remaining = Number(response.headers.get('x-ratelimit-remaining') ?? Number.NaN);
  if (!Number.isFinite(remaining)) return undefined;
  const reset = Number(response.headers.get('x-ratelimit-reset') ?? Number.NaN);
  return { remaining: Math.floor(remaining), ...(Number.isFinite(reset) ? { resetAt: Date.now() + reset * 1000 } : {}), scope: '*' };
}
