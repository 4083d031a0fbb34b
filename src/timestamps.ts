/**
 * Reading the times networks put in payloads (epoch seconds, epoch milliseconds, ISO strings)
 * without ever throwing, and without believing a time no network item can have.
 *
 * @module
 */
import type { AdapterWarning } from './adapter.js';
import { isCanonicalIsoTime } from './_interaction-fast-path.js';

/** The earliest time a network item can carry: 2006-01-01T00:00:00Z (Facebook opened to all and X launched that year). */
export const EARLIEST_PLAUSIBLE_TIME = Date.UTC(2006, 0, 1);

/** How far past the receiving clock a network time may be (clock skew between data centres). */
export const FUTURE_TOLERANCE_MS = 86_400_000;

/** Epoch values below this are seconds, at or above it milliseconds (1e12 ms is 2001-09-09). */
const MILLISECONDS_FROM = 1e12;

/** What {@link readNetworkTime} made of a value. */
export type NetworkTime =
  | { ok: true; iso: string; ms: number }
  | { ok: false; reason: 'missing' | 'unreadable' | 'out-of-range'; message: string };

/**
 * Reads a time from a payload: a number or digit string in epoch seconds or milliseconds (`unit`,
 * by default told apart by size), or a date string (`+0000` offsets accepted). Times before
 * {@link EARLIEST_PLAUSIBLE_TIME} or more than {@link FUTURE_TOLERANCE_MS} after `now` are
 * `out-of-range`. Never throws, whatever the value (`1e300`, `2^53`, `NaN`, objects).
 */
export function readNetworkTime(value: unknown, now: Date, unit: 'auto' | 's' | 'ms' = 'auto'): NetworkTime {
  if (value === undefined || value === null || value === '') return { ok: false, reason: 'missing', message: 'no time was given' };
  let ms: number;
  if (typeof value === 'string' && isCanonicalIsoTime(value)) {
    // Already what toISOString prints (the common case): no rewriting, no second formatting.
    ms = Date.parse(value);
    if (ms < EARLIEST_PLAUSIBLE_TIME || ms > now.getTime() + FUTURE_TOLERANCE_MS) {
      return { ok: false, reason: 'out-of-range', message: `${describe(value)} is before 2006 or more than a day ahead of the receiving clock` };
    }
    return { ok: true, iso: value, ms };
  }
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{1,20}(?:\.\d+)?$/.test(value))) {
    const numeric = Number(value);
    ms = unit === 's' || (unit === 'auto' && numeric < MILLISECONDS_FROM) ? numeric * 1000 : numeric;
  } else if (typeof value === 'string' && value.length <= 64) {
    ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  } else {
    return { ok: false, reason: 'unreadable', message: `${describe(value)} is not a time` };
  }
  if (!Number.isFinite(ms)) return { ok: false, reason: 'unreadable', message: `${describe(value)} is not a time` };
  if (ms < EARLIEST_PLAUSIBLE_TIME || ms > now.getTime() + FUTURE_TOLERANCE_MS) {
    return { ok: false, reason: 'out-of-range', message: `${describe(value)} is before 2006 or more than a day ahead of the receiving clock` };
  }
  return { ok: true, iso: new Date(ms).toISOString(), ms };
}

/**
 * A payload time as ISO-8601, or `fallback` (usually the receiving time) when it is missing,
 * unreadable or out of range. When `warnings` is given, a value that was there but not believable
 * is reported on it as `malformed`, naming `field`.
 */
export function networkTimeOr(
  value: unknown,
  fallback: Date,
  options: { now?: Date; unit?: 'auto' | 's' | 'ms'; field?: string; warnings?: AdapterWarning[] } = {},
): string {
  const time = readNetworkTime(value, options.now ?? fallback, options.unit);
  if (time.ok) return time.iso;
  if (time.reason !== 'missing' && options.warnings) {
    options.warnings.push({
      type: 'malformed',
      message: `${options.field ? `\`${options.field}\`: ` : ''}${time.message}; the receiving time was used instead.`,
      details: { ...(options.field ? { field: options.field } : {}), reason: time.reason },
    });
  }
  return fallback.toISOString();
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : typeof value === 'number' ? String(value) : typeof value;
  return text;
}
