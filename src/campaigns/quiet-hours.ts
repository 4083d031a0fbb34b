/**
 * Quiet hours in the customer's own time zone.
 *
 * @internal
 * @module
 */
import { InvalidOptionsError } from '../errors.js';

/** A daily span in which nobody is messaged, in the customer's local time: `{ start: '21:00', end: '09:00' }`. */
export interface QuietHours {
  /** `HH:MM`, 24-hour clock. */
  start: string;
  /** `HH:MM`; earlier than `start` when the span crosses midnight. */
  end: string;
}

const minutesOf = (value: string): number => {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!match) throw new InvalidOptionsError(`[campaigns] \`${value}\` is not a time of day; use HH:MM (24-hour).`, [{ path: 'quietHours', message: 'Use HH:MM.' }]);
  return Number(match[1]) * 60 + Number(match[2]);
};

/** Checks a time zone name, so a typo fails at creation rather than at 3 am. */
export function assertTimeZone(timeZone: string, path: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new InvalidOptionsError(`[campaigns] \`${timeZone}\` is not an IANA time zone (e.g. Europe/Istanbul).`, [{ path, message: 'Unknown time zone.' }]);
  }
}

/** Minutes past local midnight at `at` in `timeZone`. */
function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const hour = Number(parts.find((part) => part.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((part) => part.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

/**
 * When the quiet span that contains `at` ends (an instant), or `undefined` when `at` is outside it.
 */
export function quietUntil(quiet: QuietHours, at: Date, timeZone: string): Date | undefined {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return undefined;
  const now = localMinutes(at, timeZone);
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return undefined;
  const left = (end - now + 24 * 60) % (24 * 60);
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000 + left * 60_000);
}

/** Validates both ends once. */
export function checkQuietHours(quiet: QuietHours): void {
  minutesOf(quiet.start);
  minutesOf(quiet.end);
}
