import type { PlatformErrorInfo, RateLimitState } from 'social-crm/adapter-kit';
import { xErrorBodySchema } from './x-schemas.js';

/** Legacy code 88 ("Rate limit exceeded") still appears in X's own examples. */
const LEGACY_RATE_LIMIT_CODE = 88;

/**
 * Decodes X's error bodies for `toChannelApiError`: problem+json (`title`, `detail`,
 * `type: https://api.x.com/2/problems/<kind>`) and the legacy `errors: [{ code, message }]`.
 * The code is the problem kind (`usage-capped`, `rate-limit-exceeded` ...) or the legacy number.
 */
export function readXError(body: unknown): PlatformErrorInfo | undefined {
  const parsed = xErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const problem = parsed.data;
  const first = problem.errors?.[0];
  const type = problem.type ?? first?.type;
  const kind = type && type !== 'about:blank' ? type.split('/').at(-1) : undefined;
  const code = kind ?? first?.code;
  const message = problem.detail ?? problem.title ?? first?.detail ?? first?.message ?? first?.title;
  if (code === undefined && message === undefined) return undefined;
  const isRateLimit = kind === 'rate-limit-exceeded' || kind === 'usage-capped' || Number(first?.code) === LEGACY_RATE_LIMIT_CODE;
  return {
    ...(code !== undefined ? { code } : {}),
    ...(message !== undefined ? { message } : {}),
    ...(isRateLimit ? { isRateLimit: true } : {}),
  };
}

/**
 * Reads `x-rate-limit-remaining` and `x-rate-limit-reset` (epoch seconds). X counts per endpoint
 * and per app or user token; the core keeps the last answer it saw.
 */
export function readXRateLimit(response: Response): RateLimitState | undefined {
  const remaining = response.headers.get('x-rate-limit-remaining');
  const reset = response.headers.get('x-rate-limit-reset');
  if (remaining === null || remaining.trim() === '') return undefined;
  const remainingCount = Number(remaining);
  if (!Number.isFinite(remainingCount)) return undefined;
  const resetSeconds = reset === null ? Number.NaN : Number(reset);
  return { remaining: remainingCount, ...(Number.isFinite(resetSeconds) ? { resetAt: resetSeconds * 1000 } : {}) };
}
