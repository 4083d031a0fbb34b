/**
 * Response SLAs: how long customers wait for the brand, per conversation, against declarative
 * targets (per channel, department and urgency), counted in business hours when configured.
 *
 * A customer message opens a clock on its conversation (first response if the brand has not
 * spoken there yet, next response otherwise); a brand message in the conversation stops it.
 * Warnings fire a configurable lead time before the deadline and breaches after it, once each.
 *
 * @module
 */
import * as z from 'zod';
import { InvalidOptionsError } from '../errors.js';
import { INTENT_LABELS, INTERACTION_KINDS, type Classification, type Department, type IntentLabel, type Interaction, type InteractionKind } from '../interaction.js';
import { DAY_MS, classificationOf, parseInsightOptions, timeOf } from './_shared.js';
import { businessHoursSchema, createBusinessCalendar, type BusinessHoursOptions } from './business-hours.js';
import { TimeQueue } from './time-queue.js';
import { asList, departmentsSchema, namesSchema, unitRangeSchema } from './option-schemas.js';

/** Which conversations a target applies to. Every given field must match. */
export interface SlaTargetMatch {
  /** Adapter id(s). */
  channel?: string | string[];
  /** Department(s), from the classifier. */
  department?: Department | Department[];
  /** Urgency range from the classifier, inclusive (0 to 1). */
  urgency?: { min?: number; max?: number };
}

/** A response-time target. */
export interface SlaTarget {
  /** Shown in clocks and reports. @default `target-<index>` */
  name?: string;
  /** Omit to match every conversation. */
  match?: SlaTargetMatch;
  /** Minutes (working minutes with business hours) for the brand's first answer. */
  firstResponseMinutes: number;
  /** Minutes for answering a customer's follow-up after the brand spoke. @default firstResponseMinutes */
  nextResponseMinutes?: number;
}

/** Priority band of a waiting conversation, from the classifier's urgency. */
export type SlaPriority = 'urgent' | 'high' | 'normal' | 'low';

/** Options of {@link createSlaTracker}. */
export interface SlaTrackerOptions {
  /** Targets, first match wins. @default [] (every conversation gets `defaultTarget`) */
  targets?: SlaTarget[];
  /** Target when none matches. @default { firstResponseMinutes: 60, nextResponseMinutes: 60 } */
  defaultTarget?: Omit<SlaTarget, 'match'>;
  /** Warn this many (working) minutes before the deadline. @default 15 */
  warningLeadMinutes?: number;
  /** Clocks run only in these hours. @default 24/7 */
  businessHours?: BusinessHoursOptions;
  /** Lower bounds of the priority bands on urgency. @default { urgent: 0.8, high: 0.6, normal: 0.3 } */
  urgencyBands?: { urgent: number; high: number; normal: number };
  /** The clock for `advance()` without an argument. @default () => new Date() */
  now?: () => Date;
  /** Response records kept for figures (oldest dropped first). @default 100_000 */
  maxResponses?: number;
  /** Conversations remembered as "the brand has answered here" (oldest dropped first). @default 100_000 */
  maxConversations?: number;
  /** A conversation still waiting this many days after its first unanswered message is dropped from the queue (`sla-abandoned`). @default 30 */
  abandonAfterDays?: number;
  /** Upper bound on waiting conversations; beyond it the longest-waiting is dropped (`sla-abandoned`). @default 100_000 */
  maxOpenClocks?: number;
  /**
   * Customer messages that wait for nobody, e.g. `{ kinds: ['mention', 'post'] }` when only questions
   * in threads and private messages get answers. Reactions and confident spam never open a clock.
   * @default {}
   */
  exclude?: { kinds?: InteractionKind[]; channels?: string[]; intents?: IntentLabel[] };
  /** A snapshot from `toJSON()` to resume from. */
  state?: SlaTrackerState;
}

/** A conversation waiting for the brand. */
export interface SlaClock {
  /** The conversation waiting (its `conversationId`). */
  conversationId: string;
  /** Adapter id of the conversation's network. */
  channel: string;
  /** The customer who wrote the first waiting message, when attributed. */
  customerId?: string;
  /** The classifier's department for the waiting messages. */
  department?: Department;
  /** Highest urgency among the waiting messages. */
  urgency: number;
  priority: SlaPriority;
  /** `first`: the brand has not answered in this conversation yet; `next`: a follow-up. */
  phase: 'first' | 'next';
  /** When the oldest unanswered customer message was written. */
  waitingSince: string;
  /** Unanswered customer messages, oldest first (at most 20). */
  interactionIds: string[];
  /** Name of the target applied. */
  target: string;
  /** The target's minutes for this phase (working minutes with business hours). */
  targetMinutes: number;
  /** When `sla-warning` falls due (ISO-8601). */
  warnAt: string;
  /** The deadline (ISO-8601). */
  dueAt: string;
  /** When the warning fired; set to the breach time when the deadline passed unseen. */
  warnedAt?: string;
  /** When the breach fired. */
  breachedAt?: string;
}

/** A clock in the unanswered queue, with its standing at the time asked. */
export interface SlaQueueItem extends SlaClock {
  status: 'ok' | 'warning' | 'breached';
  /** Working milliseconds to the deadline; negative when overdue. */
  remainingMs: number;
}

/** One answer by the brand to a waiting conversation. */
export interface SlaResponse {
  conversationId: string;
  channel: string;
  customerId?: string;
  department?: Department;
  /** First response, or next response after a follow-up. */
  phase: 'first' | 'next';
  /** Name of the target that applied. */
  target: string;
  /** The first waiting message answered, and all of them. */
  interactionId: string;
  interactionIds: string[];
  /** The brand's message. */
  replyId: string;
  /** When the first answered message was written. */
  waitingSince: string;
  /** When the brand's message was written. */
  respondedAt: string;
  /** Working time waited (wall time without business hours). */
  responseMs: number;
  /** The answer came after the deadline. */
  breached: boolean;
}

/** What `observe()` / `advance()` report. `sla-warning` and `sla-breached` are insight events. */
export type SlaChange =
  | { type: 'sla-started'; clock: SlaClock }
  | { type: 'sla-warning'; clock: SlaClock; at: string; remainingMs: number }
  | { type: 'sla-breached'; clock: SlaClock; at: string; overdueMs: number }
  | { type: 'sla-stopped'; response: SlaResponse }
  /** Dropped unanswered: waiting longer than `abandonAfterDays`, or beyond `maxOpenClocks`. */
  | { type: 'sla-abandoned'; clock: SlaClock; at: string };

/** Median and 90th percentile (nearest rank) of response times, in milliseconds. */
export interface ResponseTimeFigures {
  /** Answers counted. */
  count: number;
  /** `null` without answers. */
  medianMs: number | null;
  /** `null` without answers. */
  p90Ms: number | null;
}

/** Figures for one channel, department or the whole. */
export interface SlaFigures {
  /** The channel, the department (`unknown` when unclassified) or `all`. */
  key: string;
  /** Answers recorded. */
  responses: number;
  /** Working time to the brand's first answer in a conversation. */
  firstResponse: ResponseTimeFigures;
  /** Working time to answer a follow-up. */
  nextResponse: ResponseTimeFigures;
  /** Answers that came after the deadline. */
  breachedResponses: number;
  /** Conversations still waiting, and those of them already overdue. */
  open: number;
  openBreached: number;
  /** (late answers + overdue waiting) / (answers + overdue waiting); null when there is nothing yet. */
  breachRate: number | null;
}

/** A serialisable snapshot of an {@link SlaTracker} (`toJSON()`), to resume from with `options.state`. */
export interface SlaTrackerState {
  version: 1;
  /** Latest time seen (epoch ms), or null before anything was seen. */
  time: number | null;
  clocks: SlaClock[];
  answeredConversations: string[];
  responses: SlaResponse[];
}

/** Tracks response times incrementally. */
export interface SlaTracker {
  /**
   * Feed one stored interaction (any direction). A customer message opens or extends its
   * conversation's clock; a brand message stops it. Time first moves to the interaction's
   * `createdAt`, so warnings and breaches that fell due before it are reported first.
   */
  observe(interaction: Interaction, classification?: Classification): SlaChange[];
  /** Feed a `reply-sent` event: stops the clock of the conversation answered, even when the reply went to another thread (a DM to a comment). */
  observeReply(event: { interaction: Interaction; inReplyTo: Interaction }): SlaChange[];
  /** Move time forward: fires due warnings and breaches. @default options.now() */
  advance(now?: Date | string): SlaChange[];
  /** Waiting conversations: highest priority first, then earliest deadline. */
  queue(filter?: { channel?: string; department?: Department; limit?: number }): SlaQueueItem[];
  /** The clock of one conversation, or `null` when nobody waits there. */
  clock(conversationId: string): SlaClock | null;
  /** Answers recorded for one conversation, oldest first. */
  responses(conversationId?: string): SlaResponse[];
  /** Median/p90 response times and breach rate, grouped. */
  figures(options?: { by?: 'channel' | 'department' | 'all'; since?: string; until?: string }): SlaFigures[];
  /** The state, serialisable; pass it back as `options.state` to resume. */
  toJSON(): SlaTrackerState;
}

const minutes = z.number().positive().finite();
const targetBase = z.object({ name: z.string().min(1).optional(), firstResponseMinutes: minutes, nextResponseMinutes: minutes.optional() });

const optionsSchema = z.object({
  targets: z
    .array(
      targetBase.extend({
        match: z
          .object({
            channel: namesSchema.optional(),
            department: departmentsSchema.optional(),
            urgency: unitRangeSchema.optional(),
          })
          .optional(),
      }),
    )
    .default([]),
  defaultTarget: targetBase.default({ firstResponseMinutes: 60 }),
  warningLeadMinutes: z.number().nonnegative().finite().default(15),
  businessHours: businessHoursSchema.optional(),
  urgencyBands: z
    .object({ urgent: z.number().min(0).max(1), high: z.number().min(0).max(1), normal: z.number().min(0).max(1) })
    .refine((bands) => bands.urgent >= bands.high && bands.high >= bands.normal, 'Bands must satisfy urgent >= high >= normal.')
    .default({ urgent: 0.8, high: 0.6, normal: 0.3 }),
  now: z.custom<() => Date>((value) => typeof value === 'function', 'Expected a function returning a Date.').default(() => () => new Date()),
  maxResponses: z.number().int().positive().default(100_000),
  maxConversations: z.number().int().positive().default(100_000),
  abandonAfterDays: z.number().positive().finite().default(30),
  maxOpenClocks: z.number().int().positive().default(100_000),
  exclude: z
    .object({ kinds: z.array(z.enum(INTERACTION_KINDS)).optional(), channels: z.array(z.string().min(1)).optional(), intents: z.array(z.enum(INTENT_LABELS)).optional() })
    .strict()
    .default({}),
  state: z.unknown().optional(),
});

const snapshotSchema = z.object({
  version: z.literal(1),
  time: z.number().nullable(),
  clocks: z.array(z.object({ conversationId: z.string(), dueAt: z.string(), warnAt: z.string(), waitingSince: z.string() }).loose()),
  answeredConversations: z.array(z.string()),
  responses: z.array(z.object({ conversationId: z.string(), responseMs: z.number() }).loose()),
});

const MINUTE_MS = 60_000;
const WAITING_IDS_KEPT = 20;
const PRIORITY_ORDER: Record<SlaPriority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

/** Nearest-rank quantile of an ascending list. */
function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

function responseTimeFigures(values: number[]): ResponseTimeFigures {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, medianMs: quantile(sorted, 0.5), p90Ms: quantile(sorted, 0.9) };
}

function copyOf(clock: SlaClock): SlaClock {
  return { ...clock, interactionIds: [...clock.interactionIds] };
}

function isoOf(ms: number): string {
  return new Date(Number.isFinite(ms) ? ms : 8.64e15).toISOString();
}

/**
 * Creates a response-SLA tracker. Feed it stored interactions (and `reply-sent` events) in
 * order; call `advance()` from a timer to get warnings and breaches between messages.
 * @throws InvalidOptionsError listing each bad option path.
 * @example
 * const sla = createSlaTracker({
 *   targets: [{ name: 'urgent', match: { urgency: { min: 0.8 } }, firstResponseMinutes: 15 }],
 *   defaultTarget: { firstResponseMinutes: 120, nextResponseMinutes: 60 },
 *   businessHours: { timeZone: 'Europe/Istanbul', weekly: { mon: [{ start: '09:00', end: '18:00' }] } },
 * });
 */
export function createSlaTracker(options: SlaTrackerOptions = {}): SlaTracker {
  const settings = parseInsightOptions('sla', optionsSchema, options);
  const calendar = createBusinessCalendar(settings.businessHours);
  const targets = settings.targets.map((target, index) => ({
    name: target.name ?? `target-${index}`,
    channels: asList(target.match?.channel),
    departments: asList(target.match?.department),
    urgencyMin: target.match?.urgency?.min ?? 0,
    urgencyMax: target.match?.urgency?.max ?? 1,
    first: target.firstResponseMinutes,
    next: target.nextResponseMinutes ?? target.firstResponseMinutes,
  }));
  const fallback = {
    name: settings.defaultTarget.name ?? 'default',
    first: settings.defaultTarget.firstResponseMinutes,
    next: settings.defaultTarget.nextResponseMinutes ?? settings.defaultTarget.firstResponseMinutes,
  };

  let time = Number.NEGATIVE_INFINITY;
  // Declared before the snapshot is read: restoring schedules each clock's next event with it.
  const abandonMs = settings.abandonAfterDays * DAY_MS;
  const clocks = new Map<string, SlaClock>();
  const answered = new Set<string>();
  let responses: SlaResponse[] = [];
  // Each clock's next warning or deadline, so moving time touches only the clocks that are due.
  const timers = new TimeQueue();
  if (settings.state !== undefined) {
    const parsed = snapshotSchema.safeParse(settings.state);
    if (!parsed.success) throw new InvalidOptionsError('[insights/sla] `state` must be a snapshot made by toJSON() (version 1).');
    const copy = structuredClone(settings.state as SlaTrackerState);
    time = copy.time ?? Number.NEGATIVE_INFINITY;
    for (const clock of copy.clocks) {
      clocks.set(clock.conversationId, clock);
      timers.schedule(clock.conversationId, nextEventAt(clock));
    }
    for (const id of copy.answeredConversations) answered.add(id);
    responses = copy.responses;
  }

  function targetFor(channel: string, department: Department | undefined, urgency: number) {
    return (
      targets.find(
        (target) =>
          (!target.channels || target.channels.includes(channel)) &&
          (!target.departments || (department !== undefined && target.departments.includes(department))) &&
          urgency >= target.urgencyMin &&
          urgency <= target.urgencyMax,
      ) ?? fallback
    );
  }

  function priorityOf(urgency: number): SlaPriority {
    const bands = settings.urgencyBands;
    return urgency >= bands.urgent ? 'urgent' : urgency >= bands.high ? 'high' : urgency >= bands.normal ? 'normal' : 'low';
  }

  /** Sets target, deadline and warning time from the clock's start, keeping the earlier deadline when one is already set. */
  function schedule(clock: SlaClock): void {
    const target = targetFor(clock.channel, clock.department, clock.urgency);
    const targetMinutes = clock.phase === 'first' ? target.first : target.next;
    const start = Date.parse(clock.waitingSince);
    const due = calendar.addWorkingMs(start, targetMinutes * MINUTE_MS);
    if (clock.dueAt && Date.parse(clock.dueAt) <= due) return;
    const lead = Math.min(settings.warningLeadMinutes, targetMinutes) * MINUTE_MS;
    clock.target = target.name;
    clock.targetMinutes = targetMinutes;
    clock.dueAt = isoOf(due);
    clock.warnAt = isoOf(calendar.addWorkingMs(start, targetMinutes * MINUTE_MS - lead));
  }

  function remember(conversationId: string) {
    answered.delete(conversationId);
    answered.add(conversationId);
    if (answered.size > settings.maxConversations) answered.delete(answered.values().next().value as string);
  }

  function nextEventAt(clock: SlaClock): number {
    return !clock.warnedAt ? Date.parse(clock.warnAt) : !clock.breachedAt ? Date.parse(clock.dueAt) : Date.parse(clock.waitingSince) + abandonMs;
  }

  function abandon(clock: SlaClock, at: number): SlaChange[] {
    clocks.delete(clock.conversationId);
    timers.unschedule(clock.conversationId);
    return [{ type: 'sla-abandoned', clock: copyOf(clock), at: isoOf(at) }];
  }

  /** Fires the clock's warning or breach when `at` has reached it, and schedules the next one. */
  function check(clock: SlaClock, at: number): SlaChange[] {
    if (clock.breachedAt && at >= Date.parse(clock.waitingSince) + abandonMs) return abandon(clock, at);
    const changes = fire(clock, at);
    timers.schedule(clock.conversationId, nextEventAt(clock));
    return changes;
  }

  function fire(clock: SlaClock, at: number): SlaChange[] {
    const due = Date.parse(clock.dueAt);
    if (!clock.breachedAt && at >= due) {
      clock.breachedAt = isoOf(at);
      // A deadline passed before the warning was ever seen: the breach says it all.
      clock.warnedAt ??= clock.breachedAt;
      return [{ type: 'sla-breached', clock: copyOf(clock), at: clock.breachedAt, overdueMs: calendar.workingMsBetween(due, at) }];
    }
    if (!clock.warnedAt && at >= Date.parse(clock.warnAt)) {
      clock.warnedAt = isoOf(at);
      return [{ type: 'sla-warning', clock: copyOf(clock), at: clock.warnedAt, remainingMs: calendar.workingMsBetween(at, due) }];
    }
    return [];
  }

  function moveTo(at: number): SlaChange[] {
    if (at <= time) return [];
    time = at;
    return timers.takeDue(at).flatMap((conversationId) => {
      const clock = clocks.get(conversationId);
      return clock ? check(clock, at) : [];
    });
  }

  function stop(conversationId: string, reply: Interaction): SlaChange[] {
    const repliedAt = Date.parse(reply.createdAt);
    const clock = clocks.get(conversationId);
    if (!clock || repliedAt < Date.parse(clock.waitingSince)) {
      if (!clock) remember(conversationId);
      return [];
    }
    clocks.delete(conversationId);
    timers.unschedule(conversationId);
    remember(conversationId);
    const response: SlaResponse = {
      conversationId,
      channel: clock.channel,
      ...(clock.customerId !== undefined ? { customerId: clock.customerId } : {}),
      ...(clock.department !== undefined ? { department: clock.department } : {}),
      phase: clock.phase,
      target: clock.target,
      interactionId: clock.interactionIds[0]!,
      interactionIds: [...clock.interactionIds],
      replyId: reply.id,
      waitingSince: clock.waitingSince,
      respondedAt: reply.createdAt,
      responseMs: calendar.workingMsBetween(Date.parse(clock.waitingSince), repliedAt),
      breached: repliedAt > Date.parse(clock.dueAt),
    };
    responses.push(response);
    if (responses.length > settings.maxResponses) responses.splice(0, responses.length - settings.maxResponses);
    return [{ type: 'sla-stopped', response }];
  }

  const excluded = settings.exclude;
  function opens(interaction: Interaction, classification: Classification | undefined): boolean {
    if (interaction.direction !== 'inbound' || interaction.state === 'deleted' || interaction.kind === 'reaction') return false;
    if (excluded.kinds?.includes(interaction.kind) || excluded.channels?.includes(interaction.channel)) return false;
    return !classification?.intents.some((intent) => intent.confidence >= 0.5 && (intent.intent === 'spam' || excluded.intents?.includes(intent.intent)));
  }

  return {
    observe(interaction, classification) {
      const labels = classificationOf(interaction, classification);
      const changes = moveTo(timeOf(interaction.createdAt, 'interaction.createdAt'));
      if (interaction.direction === 'outbound') return changes.concat(stop(interaction.conversationId, interaction));
      if (!opens(interaction, labels)) return changes;
      const urgency = labels?.urgency ?? 0;
      const existing = clocks.get(interaction.conversationId);
      if (existing) {
        if (!existing.interactionIds.includes(interaction.id) && existing.interactionIds.length < WAITING_IDS_KEPT) existing.interactionIds.push(interaction.id);
        if (urgency > existing.urgency) {
          existing.urgency = urgency;
          existing.priority = priorityOf(urgency);
          if (labels) existing.department = labels.department.department;
          if (!existing.breachedAt) {
            schedule(existing);
            return changes.concat(check(existing, time));
          }
        }
        return changes;
      }
      const clock: SlaClock = {
        conversationId: interaction.conversationId,
        channel: interaction.channel,
        ...(interaction.customerId !== undefined ? { customerId: interaction.customerId } : {}),
        ...(labels ? { department: labels.department.department } : {}),
        urgency,
        priority: priorityOf(urgency),
        phase: answered.has(interaction.conversationId) ? 'next' : 'first',
        waitingSince: interaction.createdAt,
        interactionIds: [interaction.id],
        target: '',
        targetMinutes: 0,
        warnAt: '',
        dueAt: '',
      };
      schedule(clock);
      clocks.set(clock.conversationId, clock);
      const dropped = clocks.size > settings.maxOpenClocks ? abandon(clocks.values().next().value as SlaClock, time) : [];
      // An imported old message may already be overdue: report its standing right away.
      return [...changes, ...dropped, { type: 'sla-started', clock: copyOf(clock) }, ...check(clock, time)];
    },

    observeReply({ interaction, inReplyTo }) {
      const changes = moveTo(timeOf(interaction.createdAt, 'interaction.createdAt'));
      const stopped = stop(inReplyTo.conversationId, interaction);
      if (interaction.conversationId !== inReplyTo.conversationId) stopped.push(...stop(interaction.conversationId, interaction));
      return changes.concat(stopped);
    },

    advance(now) {
      return moveTo(now === undefined ? settings.now().getTime() : timeOf(now, 'now'));
    },

    queue(filter = {}) {
      const at = Number.isFinite(time) ? time : settings.now().getTime();
      const items: SlaQueueItem[] = [];
      for (const clock of clocks.values()) {
        if (filter.channel !== undefined && clock.channel !== filter.channel) continue;
        if (filter.department !== undefined && clock.department !== filter.department) continue;
        const due = Date.parse(clock.dueAt);
        const remainingMs = at >= due ? -calendar.workingMsBetween(due, at) : calendar.workingMsBetween(at, due);
        const status = at >= due ? 'breached' : at >= Date.parse(clock.warnAt) ? 'warning' : 'ok';
        items.push({ ...copyOf(clock), status, remainingMs });
      }
      items.sort(
        (a, b) =>
          PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority] ||
          a.dueAt.localeCompare(b.dueAt) ||
          a.conversationId.localeCompare(b.conversationId),
      );
      return filter.limit === undefined ? items : items.slice(0, filter.limit);
    },

    clock(conversationId) {
      const clock = clocks.get(conversationId);
      return clock ? copyOf(clock) : null;
    },

    responses(conversationId) {
      return responses.filter((response) => conversationId === undefined || response.conversationId === conversationId).map((response) => ({ ...response }));
    },

    figures(figureOptions = {}) {
      const by = figureOptions.by ?? 'channel';
      const keyOf = (record: { channel: string; department?: Department }) => (by === 'all' ? 'all' : by === 'channel' ? record.channel : (record.department ?? 'unknown'));
      const groups = new Map<string, { first: number[]; next: number[]; breached: number; open: number; openBreached: number }>();
      const group = (key: string) => {
        let entry = groups.get(key);
        if (!entry) groups.set(key, (entry = { first: [], next: [], breached: 0, open: 0, openBreached: 0 }));
        return entry;
      };
      for (const response of responses) {
        if (figureOptions.since !== undefined && response.respondedAt < figureOptions.since) continue;
        if (figureOptions.until !== undefined && response.respondedAt >= figureOptions.until) continue;
        const entry = group(keyOf(response));
        (response.phase === 'first' ? entry.first : entry.next).push(response.responseMs);
        if (response.breached) entry.breached++;
      }
      for (const clock of clocks.values()) {
        const entry = group(keyOf(clock));
        entry.open++;
        if (clock.breachedAt) entry.openBreached++;
      }
      return [...groups.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, entry]) => {
          const answeredCount = entry.first.length + entry.next.length;
          const denominator = answeredCount + entry.openBreached;
          return {
            key,
            responses: answeredCount,
            firstResponse: responseTimeFigures(entry.first),
            nextResponse: responseTimeFigures(entry.next),
            breachedResponses: entry.breached,
            open: entry.open,
            openBreached: entry.openBreached,
            breachRate: denominator === 0 ? null : (entry.breached + entry.openBreached) / denominator,
          };
        });
    },

    toJSON() {
      return structuredClone({ version: 1 as const, time: Number.isFinite(time) ? time : null, clocks: [...clocks.values()], answeredConversations: [...answered], responses });
    },
  };
}
