import type { PlatformErrorInfo } from 'social-crm/adapter-kit';
import { googleErrorSchema } from './gbp-schemas.js';

/** `"30s"` / `"1.5s"` (a protobuf Duration in JSON) → milliseconds. */
function durationMs(value: string | undefined): number | undefined {
  const match = value ? /^(\d+(?:\.\d+)?)s$/.exec(value.trim()) : null;
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

const RETRYABLE_STATUSES = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL', 'ABORTED']);

/**
 * Decodes Google's error envelope: the canonical `status` (`RESOURCE_EXHAUSTED`,
 * `PERMISSION_DENIED` …) is the code, `RESOURCE_EXHAUSTED` is a rate limit, and a
 * `google.rpc.RetryInfo` detail's `retryDelay` is the wait.
 */
export function readGoogleError(body: unknown): PlatformErrorInfo | undefined {
  const parsed = googleErrorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { code, message, status, details } = parsed.data.error;
  const retryInfo = details?.find((detail) => detail['@type']?.endsWith('google.rpc.RetryInfo'));
  const wait = durationMs(retryInfo?.retryDelay);
  return {
    ...(status ?? code !== undefined ? { code: status ?? code } : {}),
    ...(message ? { message } : {}),
    ...(status === 'RESOURCE_EXHAUSTED' ? { isRateLimit: true } : {}),
    ...(status && RETRYABLE_STATUSES.has(status) ? { isRetryable: true } : {}),
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
  };
}
