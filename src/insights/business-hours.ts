/**
 * Business-hours arithmetic for SLA clocks: a weekly schedule in one IANA time zone, minus
 * holidays. Wall-clock times are read with `Intl.DateTimeFormat`, so daylight-saving changes
 * follow the zone's rules without a time-zone library.
 *
 * @module
 */
import * as z from 'zod';
import { DAY_MS, parseInsightOptions } from './_shared.js';

/** Days of the week, as keys of {@link BusinessHoursOptions.weekly}. */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One opening interval of a day, in the zone's wall-clock time (`HH:MM`, 24-hour; `24:00` ends the day). */
export interface OpeningInterval {
  start: string;
  end: string;
}

/** When the team works. Clocks stop outside these hours. */
export interface BusinessHoursOptions {
  /** IANA time zone of the schedule, e.g. `Europe/Istanbul`. */
  timeZone: string;
  /**
   * Opening intervals per weekday; a day that is missing or empty is closed.
   * @example { mon: [{ start: '09:00', end: '18:00' }], tue: [{ start: '09:00', end: '12:30' }, { start: '13:30', end: '18:00' }] }
   */
  weekly: Partial<Record<Weekday, OpeningInterval[]>>;
  /** Closed dates in the zone, `YYYY-MM-DD`. @default [] */
  holidays?: string[];
}

/** Counts and adds working time. The 24/7 calendar is plain arithmetic. */
export interface BusinessCalendar {
  /** True when the schedule is open at `at`. */
  isOpen(at: number): boolean;
  /** Working milliseconds in `[from, to)`; 0 when `to <= from`. */
  workingMsBetween(from: number, to: number): number;
  /** The instant at which `workingMs` of working time after `from` have elapsed. */
  addWorkingMs(from: number, workingMs: number): number;
}

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'Expected HH:MM (24-hour), or 24:00 for the end of the day.');
const intervalSchema = z
  .object({ start: clockTime, end: clockTime })
  .refine((interval) => minutesOf(interval.start) < minutesOf(interval.end), 'An interval must end after it starts.');

export const businessHoursSchema = z
  .object({
    timeZone: z.string().refine(isTimeZone, 'Unknown IANA time zone.'),
    weekly: z.partialRecord(z.enum(WEEKDAYS), z.array(intervalSchema)),
    holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Expected YYYY-MM-DD.')).default([]),
  })
  .refine((value) => Object.values(value.weekly).some((intervals) => intervals && intervals.length > 0), {
    message: 'The weekly schedule has no opening hours; omit `businessHours` for 24/7 clocks.',
    path: ['weekly'],
  });

function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

const QUARTER_HOUR_MS = 15 * 60_000;

/** Wall-clock conversions for one IANA zone. Wall times are encoded as if they were UTC instants. */
export interface ZonedTime {
  /** The zone's wall-clock reading of an instant. */
  wallClockOf(at: number): number;
  /** The instant at which the zone's clocks show `wall`. */
  instantOf(wall: number): number;
  /** Midnight of the wall day containing `wall` (still a wall time). */
  startOfWallDay(wall: number): number;
}

/** Conversions between instants and a zone's wall clock, read with `Intl.DateTimeFormat`. */
export function createZonedTime(timeZone: string): ZonedTime {
  const formatter = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  // Zone offsets change only on quarter-hour boundaries, so one Intl reading serves a whole quarter hour.
  const offsets = new Map<number, number>();
  function offsetAt(at: number): number {
    const quarter = Math.floor(at / QUARTER_HOUR_MS);
    let offset = offsets.get(quarter);
    if (offset === undefined) {
      const start = quarter * QUARTER_HOUR_MS;
      const parts: Record<string, number> = {};
      for (const part of formatter.formatToParts(new Date(start))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
      offset = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!) - start;
      if (offsets.size >= 50_000) offsets.clear();
      offsets.set(quarter, offset);
    }
    return offset;
  }
  const wallClockOf = (at: number) => at + offsetAt(at);
  return {
    wallClockOf,
    instantOf(wall) {
      // A second pass settles offsets that change between the guess and the answer (DST edges).
      const guess = wall - (wallClockOf(wall) - wall);
      return wall - (wallClockOf(guess) - guess);
    },
    startOfWallDay: (wall) => wall - ((wall % DAY_MS) + DAY_MS) % DAY_MS,
  };
}

/** True for a time zone `Intl` knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The 24/7 calendar. */
export const ALWAYS_OPEN: BusinessCalendar = {
  isOpen: () => true,
  workingMsBetween: (from, to) => Math.max(0, to - from),
  addWorkingMs: (from, workingMs) => from + Math.max(0, workingMs),
};

/**
 * A calendar over a weekly schedule in one time zone; {@link ALWAYS_OPEN} without options.
 * @throws InvalidOptionsError for an unknown zone, malformed times or an empty schedule.
 * @example createBusinessCalendar({ timeZone: 'Europe/Istanbul', weekly: { mon: [{ start: '09:00', end: '18:00' }] } })
 */
export function createBusinessCalendar(options?: BusinessHoursOptions): BusinessCalendar {
  if (options === undefined) return ALWAYS_OPEN;
  const settings = parseInsightOptions('business-hours', businessHoursSchema, options);
  const holidays = new Set(settings.holidays);
  const zone = createZonedTime(settings.timeZone);
  const wallClockOf = zone.wallClockOf;
  const instantOf = zone.instantOf;
  const schedule = WEEKDAYS.map((day) =>
    (settings.weekly[day] ?? []).map((interval) => [minutesOf(interval.start), minutesOf(interval.end)] as const).sort((a, b) => a[0] - b[0]),
  );

  const days = new Map<number, Array<[number, number]>>();
  /** Opening intervals of the local day that starts at wall time `dayStart`, as instants. */
  function intervalsOfDay(dayStart: number): Array<[number, number]> {
    let intervals = days.get(dayStart);
    if (!intervals) {
      const date = new Date(dayStart);
      intervals = holidays.has(date.toISOString().slice(0, 10)) ? [] : schedule[date.getUTCDay()]!.map(([start, end]) => [instantOf(dayStart + start * 60_000), instantOf(dayStart + end * 60_000)]);
      if (days.size >= 10_000) days.clear();
      days.set(dayStart, intervals);
    }
    return intervals;
  }

  const dayStartOf = (at: number) => zone.startOfWallDay(wallClockOf(at));

  // Ten years of closed days means the schedule can never satisfy the request.
  const MAX_DAYS = 3660;

  return {
    isOpen(at) {
      return intervalsOfDay(dayStartOf(at)).some(([start, end]) => at >= start && at < end);
    },
    workingMsBetween(from, to) {
      if (to <= from) return 0;
      let total = 0;
      for (let day = dayStartOf(from), count = 0; count <= MAX_DAYS; day += DAY_MS, count++) {
        const intervals = intervalsOfDay(day);
        for (const [start, end] of intervals) total += Math.max(0, Math.min(end, to) - Math.max(start, from));
        if (instantOf(day + DAY_MS) >= to) break;
      }
      return total;
    },
    addWorkingMs(from, workingMs) {
      let remaining = Math.max(0, workingMs);
      for (let day = dayStartOf(from), count = 0; count <= MAX_DAYS; day += DAY_MS, count++) {
        for (const [start, end] of intervalsOfDay(day)) {
          const begin = Math.max(start, from);
          if (end <= begin) continue;
          if (remaining <= end - begin) return begin + remaining;
          remaining -= end - begin;
        }
      }
      return Number.POSITIVE_INFINITY;
    },
  };
}
