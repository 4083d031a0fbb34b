/**
 * Segments: declarative, JSON-able definitions of groups of customers ("Turkish-speaking
 * detractors on Instagram this week", "purchase intent, no reply yet"), kept up to date as
 * interactions arrive, recomputed in full over the storage port, and announced as membership
 * changes for the host's marketing tools. Memberships that depend on a time window expire with
 * `advance(now)`.
 *
 * @module
 */
import * as z from 'zod';
import { InvalidOptionsError } from '../errors.js';
import {
  INTENT_LABELS,
  SENTIMENT_LABELS,
  type Classification,
  type Customer,
  type IntentLabel,
  type Interaction,
  type SentimentLabel,
} from '../interaction.js';
import type { InteractionLedger } from '../ledger.js';
import { DAY_MS, HOUR_MS, classificationOf, parseInsightOptions, timeOf } from './_shared.js';
import { createZonedTime, isTimeZone } from './business-hours.js';
import { scanInteractions } from './scan-ledger.js';
import { TimeQueue } from './time-queue.js';
import { asList, departmentsSchema, namesSchema, unitRangeSchema } from './option-schemas.js';

/**
 * A time window ending now: `today`, `this-week` (from Monday), `this-month` (calendar, in the
 * engine's time zone), or the last N days / hours.
 */
export type Recency = 'today' | 'this-week' | 'this-month' | { lastDays: number } | { lastHours: number };

/** A condition of a segment. Conditions that look at messages use the customer's own messages within `within`. */
export type SegmentCondition =
  | { all: SegmentCondition[] }
  | { any: SegmentCondition[] }
  | { not: SegmentCondition }
  /** Wrote on any of these channels. */
  | { channel: string | string[]; within?: Recency }
  /** Wrote in any of these languages: the latest classified message (`of: 'latest'`, default) or any message. */
  | { language: string | string[]; of?: 'latest' | 'any'; within?: Recency }
  /** Sentiment of the latest classified message, or the average score: a label and/or a score range. */
  | { sentiment: { of?: 'latest' | 'average'; label?: SentimentLabel | SentimentLabel[]; min?: number; max?: number }; within?: Recency }
  /** Any message with any of these intents at `minConfidence` (default 0.5). */
  | { intent: IntentLabel | IntentLabel[]; minConfidence?: number; within?: Recency }
  /** A customer attribute (dotted path into `customer.attributes`, or `displayName` / `crmContactId`). */
  | { attribute: string; equals?: unknown; in?: unknown[]; exists?: boolean; min?: number; max?: number }
  /** The advocate or detractor score the host (or the advocates module) reports for the customer. */
  | { score: 'advocate' | 'detractor'; min?: number; max?: number }
  /** A message of the customer to the brand (not to other customers) has no brand message after it in its conversation. */
  | { noReplyYet: true; within?: Recency }
  /** How many messages the customer wrote. */
  | { messages: { min?: number; max?: number }; within?: Recency };

/** A named segment. */
export interface SegmentDefinition {
  /** Stable id, used in events. */
  id: string;
  name?: string;
  description?: string;
  /** Default window of every message condition that has none. @default all history kept */
  within?: Recency;
  when: SegmentCondition;
}

/** Options of {@link createSegmentEngine}. */
export interface SegmentEngineOptions {
  /** Time zone of `today`, `this-week` and `this-month`. @default 'UTC' */
  timeZone?: string;
  /** The clock for `advance()` without an argument. @default () => new Date() */
  now?: () => Date;
  /** Advocate/detractor scores of a customer (e.g. from the advocates module); `setScores()` overrides. */
  scoreOf?: (customerId: string) => { advocate?: number; detractor?: number } | undefined;
  /** Messages kept per customer (newest win). @default 200 */
  maxMessagesPerCustomer?: number;
  /** Conversations remembered for `noReplyYet` (oldest dropped first). @default 100_000 */
  maxConversations?: number;
  /** A snapshot from `toJSON()` to resume from (made with the same definitions). */
  state?: SegmentEngineState;
}

/** A membership change. Both kinds are insight events. */
export interface SegmentChange {
  type: 'segment-entered' | 'segment-left';
  /** The definition's `id`. */
  segmentId: string;
  customerId: string;
  /** The engine's time when membership changed (ISO-8601). */
  at: string;
  /** What caused it: a new message, time passing, a full evaluation, customer data. */
  cause: 'interaction' | 'time' | 'evaluation' | 'customer';
}

/** Serializable state of the engine. */
export interface SegmentEngineState {
  version: 1;
  time: number | null;
  customers: Array<{ customerId: string; attributes: Record<string, unknown>; scores: { advocate?: number; detractor?: number }; messages: MessageFact[] }>;
  conversations: Array<[string, { lastBrandAt: number | null; customers: string[] }]>;
  memberships: Array<[string, string[]]>;
}

/** What the engine keeps of one customer message. */
export interface MessageFact {
  /** Interaction id. */
  id: string;
  /** `createdAt`, epoch milliseconds. */
  at: number;
  channel: string;
  conversationId: string;
  /** `peer` for messages to other customers, which wait for no brand answer. */
  direction?: 'inbound' | 'peer';
  /** The classifier's language, else the network's. */
  language?: string;
  sentiment?: { label: SentimentLabel; score: number };
  intents: Array<{ intent: IntentLabel; confidence: number }>;
}

export interface SegmentEngine {
  readonly definitions: readonly SegmentDefinition[];
  /** Feed a stored interaction: customer messages update that customer; brand messages settle `noReplyYet`. */
  observe(interaction: Interaction, classification?: Classification): SegmentChange[];
  /** Feed customer data (attributes) and re-evaluate that customer. */
  observeCustomer(customer: Customer): SegmentChange[];
  /** Set advocate/detractor scores and re-evaluate that customer. */
  setScores(customerId: string, scores: { advocate?: number; detractor?: number }): SegmentChange[];
  /** Move time forward: memberships whose window passed expire (and time-based ones begin). */
  advance(now?: Date | string): SegmentChange[];
  /**
   * Rebuild every customer from the storage port (customers, their latest messages and the
   * brand's answers) and report the differences with the current memberships.
   */
  evaluateAll(ledger: InteractionLedger, options?: { now?: Date | string; maxCustomers?: number }): Promise<SegmentChange[]>;
  /** Segment ids the customer is in. */
  segmentsOf(customerId: string): string[];
  /** Customer ids in a segment. */
  members(segmentId: string): string[];
  /** Why a customer is or is not in a segment: each condition with its outcome. */
  explain(segmentId: string, customerId: string): { member: boolean; conditions: Array<{ condition: string; matched: boolean }> };
  /** Drop a customer (merged away, erased): leaves every segment. */
  forget(customerId: string): SegmentChange[];
  /** The state, serialisable; pass it back as `options.state` to resume. */
  toJSON(): SegmentEngineState;
}

const recencySchema = z.union([
  z.enum(['today', 'this-week', 'this-month']),
  z.object({ lastDays: z.number().positive().finite() }).strict(),
  z.object({ lastHours: z.number().positive().finite() }).strict(),
]);
const range = { min: z.number().finite().optional(), max: z.number().finite().optional() };

const conditionSchema: z.ZodType<SegmentCondition> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(conditionSchema).min(1) }).strict(),
    z.object({ any: z.array(conditionSchema).min(1) }).strict(),
    z.object({ not: conditionSchema }).strict(),
    z.object({ channel: namesSchema, within: recencySchema.optional() }).strict(),
    z.object({ language: namesSchema, of: z.enum(['latest', 'any']).optional(), within: recencySchema.optional() }).strict(),
    z
      .object({
        sentiment: z
          .object({
            of: z.enum(['latest', 'average']).optional(),
            label: z.union([z.enum(SENTIMENT_LABELS), z.array(z.enum(SENTIMENT_LABELS)).min(1)]).optional(),
            ...range,
          })
          .strict(),
        within: recencySchema.optional(),
      })
      .strict(),
    z
      .object({
        intent: z.union([z.enum(INTENT_LABELS), z.array(z.enum(INTENT_LABELS)).min(1)]),
        minConfidence: z.number().min(0).max(1).optional(),
        within: recencySchema.optional(),
      })
      .strict(),
    z
      .object({ attribute: z.string().min(1), equals: z.unknown().optional(), in: z.array(z.unknown()).optional(), exists: z.boolean().optional(), ...range })
      .strict(),
    z.object({ score: z.enum(['advocate', 'detractor']), ...range }).strict(),
    z.object({ noReplyYet: z.literal(true), within: recencySchema.optional() }).strict(),
    z.object({ messages: z.object(range).strict(), within: recencySchema.optional() }).strict(),
  ]),
) as z.ZodType<SegmentCondition>;

const definitionSchema = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  description: z.string().optional(),
  within: recencySchema.optional(),
  when: conditionSchema,
});

const definitionsSchema = z.array(definitionSchema).superRefine((definitions, context) => {
  const seen = new Set<string>();
  definitions.forEach((definition, index) => {
    if (seen.has(definition.id)) context.addIssue({ code: 'custom', path: [index, 'id'], message: `Duplicate segment id \`${definition.id}\`.` });
    seen.add(definition.id);
  });
});

const optionsSchema = z.object({
  timeZone: z.string().refine(isTimeZone, 'Unknown IANA time zone.').default('UTC'),
  now: z.custom<() => Date>((value) => typeof value === 'function', 'Expected a function returning a Date.').default(() => () => new Date()),
  scoreOf: z.custom<SegmentEngineOptions['scoreOf']>((value) => typeof value === 'function', 'Expected a function.').optional(),
  maxMessagesPerCustomer: z.number().int().positive().default(200),
  maxConversations: z.number().int().positive().default(100_000),
  state: z
    .custom<SegmentEngineState>(
      (value) => {
        const state = value as SegmentEngineState;
        return state?.version === 1 && Array.isArray(state.customers) && Array.isArray(state.conversations) && Array.isArray(state.memberships);
      },
      'Expected a snapshot made by toJSON() (version 1).',
    )
    .optional(),
});

/** Validates segment definitions. @throws InvalidOptionsError listing each bad path. */
export function parseSegmentDefinitions(definitions: unknown): SegmentDefinition[] {
  return parseInsightOptions('segments', definitionsSchema, definitions) as SegmentDefinition[];
}

interface CustomerState {
  customerId: string;
  attributes: Record<string, unknown>;
  scores: { advocate?: number; detractor?: number };
  messages: MessageFact[];
}

/** True when a condition looks only at customer data (attributes, scores), never at messages. */
function attributeOnly(condition: SegmentCondition): boolean {
  if ('all' in condition) return condition.all.every(attributeOnly);
  if ('any' in condition) return condition.any.every(attributeOnly);
  if ('not' in condition) return attributeOnly(condition.not);
  return 'attribute' in condition || 'score' in condition;
}

/** The windows a condition's message conditions look through (none: it does not change as time passes). */
function windowsOf(condition: SegmentCondition, inherited: Recency | undefined): Recency[] {
  if ('all' in condition) return condition.all.flatMap((child) => windowsOf(child, inherited));
  if ('any' in condition) return condition.any.flatMap((child) => windowsOf(child, inherited));
  if ('not' in condition) return windowsOf(condition.not, inherited);
  if ('attribute' in condition || 'score' in condition) return [];
  const window = ('within' in condition ? condition.within : undefined) ?? inherited;
  return window === undefined ? [] : [window];
}

/** The messages (kept in time order) written in `[since, until]`. */
function messagesWithin(messages: MessageFact[], since: number, until: number): MessageFact[] {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (messages[middle]!.at < since) low = middle + 1;
    else high = middle;
  }
  let end = messages.length;
  while (end > low && messages[end - 1]!.at > until) end--;
  return low === 0 && end === messages.length ? messages : messages.slice(low, end);
}

function attributeAt(customer: CustomerState, path: string): unknown {
  let value: unknown = customer.attributes;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function inRange(value: number | undefined, condition: { min?: number; max?: number }): boolean {
  if (value === undefined || !Number.isFinite(value)) return false;
  return (condition.min === undefined || value >= condition.min) && (condition.max === undefined || value <= condition.max);
}

/** One-line rendering of a condition for explanations. */
function describe(condition: SegmentCondition): string {
  return JSON.stringify(condition);
}

/**
 * Creates a segment engine over validated definitions.
 * @throws InvalidOptionsError for malformed definitions (unknown intent, empty `all`, bad window ...) or options.
 * @example
 * const segments = createSegmentEngine([
 *   { id: 'tr-instagram-detractors', within: 'this-week', when: { all: [{ language: 'tr' }, { channel: 'instagram' }, { sentiment: { of: 'average', max: -0.3 } }] } },
 *   { id: 'purchase-no-reply', within: { lastDays: 7 }, when: { all: [{ intent: 'purchase_intent' }, { noReplyYet: true }] } },
 * ]);
 */
export function createSegmentEngine(definitions: SegmentDefinition[], options: SegmentEngineOptions = {}): SegmentEngine {
  const segments = parseSegmentDefinitions(definitions);
  const settings = parseInsightOptions('segments', optionsSchema, options);
  const zone = createZonedTime(settings.timeZone);
  const windows = segments.map((segment) => ({ segment, windows: windowsOf(segment.when, segment.within) })).filter((entry) => entry.windows.length > 0);
  const timed = windows.map((entry) => entry.segment);
  const rollingMs = [...new Set(windows.flatMap((entry) => entry.windows.flatMap((window) => (typeof window === 'object' ? ['lastDays' in window ? window.lastDays * DAY_MS : window.lastHours * HOUR_MS] : []))))];
  const calendars = [...new Set(windows.flatMap((entry) => entry.windows.filter((window): window is 'today' | 'this-week' | 'this-month' => typeof window === 'string')))];
  // When each customer's windowed memberships may next change: a message leaving a rolling window, or a calendar boundary.
  const timers = new TimeQueue();

  let time = Number.NEGATIVE_INFINITY;
  let customers = new Map<string, CustomerState>();
  let conversations = new Map<string, { lastBrandAt: number; customers: Set<string> }>();
  let memberships = new Map<string, Set<string>>(segments.map((segment) => [segment.id, new Set<string>()]));
  if (settings.state) {
    const copy = structuredClone(settings.state);
    time = copy.time ?? Number.NEGATIVE_INFINITY;
    customers = new Map(copy.customers.map((customer) => [customer.customerId, customer]));
    for (const customer of customers.values()) reschedule(customer, time);
    conversations = new Map(copy.conversations.map(([id, entry]) => [id, { lastBrandAt: entry.lastBrandAt ?? Number.NEGATIVE_INFINITY, customers: new Set(entry.customers) }]));
    memberships = new Map(segments.map((segment) => [segment.id, new Set(copy.memberships.find(([id]) => id === segment.id)?.[1] ?? [])]));
  }

  function windowStart(recency: Recency | undefined, now: number): number {
    if (recency === undefined) return Number.NEGATIVE_INFINITY;
    if (typeof recency === 'object') return now - ('lastDays' in recency ? recency.lastDays * DAY_MS : recency.lastHours * HOUR_MS);
    const today = zone.startOfWallDay(zone.wallClockOf(now));
    if (recency === 'today') return zone.instantOf(today);
    if (recency === 'this-week') return zone.instantOf(today - ((new Date(today).getUTCDay() + 6) % 7) * DAY_MS);
    const date = new Date(today);
    return zone.instantOf(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
  }

  // Window starts depend only on the window and the time: computed once per evaluation time.
  let windowCache = { now: Number.NaN, starts: new Map<Recency | undefined, number>() };
  function windowStartCached(recency: Recency | undefined, now: number): number {
    if (windowCache.now !== now) windowCache = { now, starts: new Map() };
    let start = windowCache.starts.get(recency);
    if (start === undefined) windowCache.starts.set(recency, (start = windowStart(recency, now)));
    return start;
  }

  function scoresOf(customer: CustomerState) {
    return { ...settings.scoreOf?.(customer.customerId), ...customer.scores };
  }

  function test(condition: SegmentCondition, customer: CustomerState, now: number, inherited: Recency | undefined, trace?: Array<{ condition: string; matched: boolean }>): boolean {
    let result: boolean;
    if ('all' in condition) result = condition.all.every((child) => test(child, customer, now, inherited, trace));
    else if ('any' in condition) result = condition.any.some((child) => test(child, customer, now, inherited, trace));
    else if ('not' in condition) result = !test(condition.not, customer, now, inherited, trace);
    else if ('attribute' in condition) {
      const value = condition.attribute === 'displayName' || condition.attribute === 'crmContactId' ? customer.attributes[`$${condition.attribute}`] : attributeAt(customer, condition.attribute);
      result =
        (condition.exists === undefined || (value !== undefined && value !== null) === condition.exists) &&
        (condition.equals === undefined || JSON.stringify(value) === JSON.stringify(condition.equals)) &&
        (condition.in === undefined || condition.in.some((option) => JSON.stringify(option) === JSON.stringify(value))) &&
        (condition.min === undefined && condition.max === undefined ? true : inRange(typeof value === 'number' ? value : Number.NaN, condition));
    } else if ('score' in condition) {
      result = inRange(scoresOf(customer)[condition.score], condition);
    } else {
      const messages = messagesWithin(customer.messages, windowStartCached(condition.within ?? inherited, now), now);
      if ('channel' in condition) {
        const channels = asList(condition.channel);
        result = messages.some((message) => channels.includes(message.channel));
      } else if ('language' in condition) {
        const languages = asList(condition.language);
        const classified = messages.filter((message) => message.language !== undefined && message.language !== 'und');
        result = condition.of === 'any' ? classified.some((message) => languages.includes(message.language!)) : classified.length > 0 && languages.includes(classified.at(-1)!.language!);
      } else if ('sentiment' in condition) {
        const rated = messages.filter((message) => message.sentiment !== undefined);
        const spec = condition.sentiment;
        if (rated.length === 0) result = false;
        else if (spec.of === 'average') {
          const average = rated.reduce((sum, message) => sum + message.sentiment!.score, 0) / rated.length;
          const label: SentimentLabel = average <= -0.2 ? 'negative' : average >= 0.2 ? 'positive' : 'neutral';
          result = (spec.label === undefined || asList(spec.label).includes(label)) && (spec.min === undefined && spec.max === undefined ? true : inRange(average, spec));
        } else {
          const latest = rated.at(-1)!.sentiment!;
          result = (spec.label === undefined || asList(spec.label).includes(latest.label)) && (spec.min === undefined && spec.max === undefined ? true : inRange(latest.score, spec));
        }
      } else if ('intent' in condition) {
        const intents = asList(condition.intent);
        const minimum = condition.minConfidence ?? 0.5;
        result = messages.some((message) => message.intents.some((intent) => intents.includes(intent.intent) && intent.confidence >= minimum));
      } else if ('noReplyYet' in condition) {
        result = messages.some((message) => message.direction !== 'peer' && (conversations.get(message.conversationId)?.lastBrandAt ?? Number.NEGATIVE_INFINITY) < message.at);
      } else {
        result = inRange(messages.length, condition.messages);
      }
    }
    if (trace && !('all' in condition) && !('any' in condition) && !('not' in condition)) trace.push({ condition: describe(condition), matched: result });
    return result;
  }

  function evaluate(customer: CustomerState, now: number, cause: SegmentChange['cause'], only: SegmentDefinition[] = segments): SegmentChange[] {
    const changes: SegmentChange[] = [];
    const at = new Date(Number.isFinite(now) ? now : 0).toISOString();
    for (const segment of only) {
      const members = memberships.get(segment.id)!;
      const member = test(segment.when, customer, now, segment.within);
      if (member && !members.has(customer.customerId)) {
        members.add(customer.customerId);
        changes.push({ type: 'segment-entered', segmentId: segment.id, customerId: customer.customerId, at, cause });
      } else if (!member && members.has(customer.customerId)) {
        members.delete(customer.customerId);
        changes.push({ type: 'segment-left', segmentId: segment.id, customerId: customer.customerId, at, cause });
      }
    }
    return changes;
  }

  function customerState(customerId: string): CustomerState {
    let customer = customers.get(customerId);
    if (!customer) customers.set(customerId, (customer = { customerId, attributes: {}, scores: {}, messages: [] }));
    return customer;
  }

  function conversation(conversationId: string) {
    let entry = conversations.get(conversationId);
    if (!entry) {
      conversations.set(conversationId, (entry = { lastBrandAt: Number.NEGATIVE_INFINITY, customers: new Set() }));
      if (conversations.size > settings.maxConversations) conversations.delete(conversations.keys().next().value as string);
    }
    return entry;
  }

  function factOf(interaction: Interaction, labels: Classification | undefined): MessageFact {
    const language = labels?.language ?? interaction.language;
    return {
      id: interaction.id,
      at: timeOf(interaction.createdAt, 'interaction.createdAt'),
      channel: interaction.channel,
      conversationId: interaction.conversationId,
      ...(interaction.direction === 'peer' ? { direction: 'peer' as const } : {}),
      ...(language ? { language } : {}),
      ...(labels ? { sentiment: { label: labels.sentiment.label, score: labels.sentiment.score } } : {}),
      intents: labels?.intents.map((intent) => ({ intent: intent.intent, confidence: intent.confidence })) ?? [],
    };
  }

  function addMessage(customer: CustomerState, fact: MessageFact) {
    const messages = customer.messages;
    const existing = messages.findIndex((message) => message.id === fact.id);
    if (existing >= 0) messages.splice(existing, 1);
    let index = messages.length;
    while (index > 0 && messages[index - 1]!.at > fact.at) index--;
    messages.splice(index, 0, fact);
    if (messages.length > settings.maxMessagesPerCustomer) messages.splice(0, messages.length - settings.maxMessagesPerCustomer);
  }

  /** The next calendar boundary after `now` (start of the next day, week or month in the zone). */
  function nextBoundary(window: 'today' | 'this-week' | 'this-month', now: number): number {
    const today = zone.startOfWallDay(zone.wallClockOf(now));
    if (window === 'today') return zone.instantOf(today + DAY_MS);
    if (window === 'this-week') return zone.instantOf(today + (7 - ((new Date(today).getUTCDay() + 6) % 7)) * DAY_MS);
    const date = new Date(today);
    return zone.instantOf(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
  }

  function reschedule(customer: CustomerState, now: number) {
    if (timed.length === 0 || !Number.isFinite(now)) return;
    let next = Number.POSITIVE_INFINITY;
    for (const window of calendars) next = Math.min(next, nextBoundary(window, now));
    for (const duration of rollingMs) {
      // Messages are in time order: the first still inside the window is the next to leave it.
      const leaving = customer.messages.find((message) => message.at + duration >= now);
      if (leaving) next = Math.min(next, leaving.at + duration + 1);
    }
    timers.schedule(customer.customerId, next);
  }

  function moveTo(at: number): SegmentChange[] {
    if (at <= time) return [];
    time = at;
    if (timed.length === 0) return [];
    return timers.takeDue(at).flatMap((customerId) => {
      const customer = customers.get(customerId);
      if (!customer) return [];
      const changes = evaluate(customer, at, 'time', timed);
      reschedule(customer, at);
      return changes;
    });
  }

  function applyCustomer(state: CustomerState, customer: Customer) {
    state.attributes = { ...customer.attributes };
    if (customer.displayName !== undefined) state.attributes.$displayName = customer.displayName;
    if (customer.crmContactId !== undefined) state.attributes.$crmContactId = customer.crmContactId;
  }

  return {
    definitions: segments,

    observe(interaction, classification) {
      const changes = moveTo(timeOf(interaction.createdAt, 'interaction.createdAt'));
      if (interaction.direction === 'outbound') {
        const entry = conversation(interaction.conversationId);
        entry.lastBrandAt = Math.max(entry.lastBrandAt, Date.parse(interaction.createdAt));
        for (const customerId of entry.customers) {
          const customer = customers.get(customerId);
          if (customer) changes.push(...evaluate(customer, time, 'interaction'));
        }
        return changes;
      }
      if (!interaction.customerId || interaction.state === 'deleted' || interaction.kind === 'reaction') return changes;
      const customer = customerState(interaction.customerId);
      addMessage(customer, factOf(interaction, classificationOf(interaction, classification)));
      reschedule(customer, time);
      conversation(interaction.conversationId).customers.add(customer.customerId);
      return changes.concat(evaluate(customer, time, 'interaction'));
    },

    observeCustomer(customer) {
      const state = customerState(customer.id);
      applyCustomer(state, customer);
      return evaluate(state, time, 'customer');
    },

    setScores(customerId, scores) {
      const state = customerState(customerId);
      state.scores = { ...state.scores, ...scores };
      return evaluate(state, time, 'customer');
    },

    advance(now) {
      return moveTo(now === undefined ? settings.now().getTime() : timeOf(now, 'now'));
    },

    async evaluateAll(ledger, evaluateOptions = {}) {
      const now = evaluateOptions.now === undefined ? Math.max(time, settings.now().getTime()) : timeOf(evaluateOptions.now, 'now');
      const rebuilt = new Map<string, CustomerState>();
      const rebuiltConversations = new Map<string, { lastBrandAt: number; customers: Set<string> }>();
      // Merged-away customers point at their survivors, so their stray messages count for the survivor.
      const survivorOf = new Map<string, string>();
      const maxCustomers = evaluateOptions.maxCustomers ?? Number.POSITIVE_INFINITY;
      let cursor: string | undefined;
      do {
        const page = await ledger.listCustomers({ limit: 500, includeMerged: true, ...(cursor ? { cursor } : {}) });
        for (const customer of page.items) {
          if (customer.mergedInto) {
            survivorOf.set(customer.id, customer.mergedInto);
            continue;
          }
          if (rebuilt.size >= maxCustomers) continue;
          const state: CustomerState = { customerId: customer.id, attributes: {}, scores: customers.get(customer.id)?.scores ?? {}, messages: [] };
          applyCustomer(state, customer);
          rebuilt.set(customer.id, state);
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const survivor = (id: string) => {
        let current = id;
        for (let hops = 0; hops < 32 && survivorOf.has(current); hops++) current = survivorOf.get(current)!;
        return current;
      };
      // One pass over the interactions, oldest first, from the earliest window any definition looks through.
      const since = segments.some((segment) => windowsOf(segment.when, segment.within).length === 0 && !attributeOnly(segment.when))
        ? Number.NEGATIVE_INFINITY
        : Math.min(...windows.flatMap((entry) => entry.windows.map((window) => windowStart(window, now))));
      const query = { until: new Date(now + 1).toISOString(), ...(Number.isFinite(since) ? { since: new Date(since).toISOString() } : {}) };
      const readMessages = segments.some((segment) => !attributeOnly(segment.when));
      for await (const interaction of readMessages ? scanInteractions(ledger, query) : []) {
        if (interaction.direction === 'outbound') {
          const entry = rebuiltConversations.get(interaction.conversationId);
          if (entry) entry.lastBrandAt = Math.max(entry.lastBrandAt, Date.parse(interaction.createdAt));
          continue;
        }
        if (!interaction.customerId || interaction.kind === 'reaction') continue;
        const state = rebuilt.get(survivor(interaction.customerId));
        if (!state) continue;
        addMessage(state, factOf(interaction, interaction.classification));
        let entry = rebuiltConversations.get(interaction.conversationId);
        if (!entry) rebuiltConversations.set(interaction.conversationId, (entry = { lastBrandAt: Number.NEGATIVE_INFINITY, customers: new Set() }));
        entry.customers.add(state.customerId);
      }
      const changes: SegmentChange[] = [];
      const at = new Date(now).toISOString();
      for (const customerId of customers.keys()) {
        if (rebuilt.has(customerId)) continue;
        for (const [segmentId, members] of memberships) {
          if (members.delete(customerId)) changes.push({ type: 'segment-left', segmentId, customerId, at, cause: 'evaluation' });
        }
      }
      customers = rebuilt;
      timers.clear();
      for (const customer of customers.values()) reschedule(customer, now);
      conversations = rebuiltConversations;
      time = Math.max(time, now);
      for (const customer of customers.values()) changes.push(...evaluate(customer, now, 'evaluation'));
      return changes;
    },

    segmentsOf(customerId) {
      return segments.filter((segment) => memberships.get(segment.id)!.has(customerId)).map((segment) => segment.id);
    },

    members(segmentId) {
      const members = memberships.get(segmentId);
      if (!members) throw new InvalidOptionsError(`[insights/segments] Unknown segment \`${segmentId}\`. Known: ${segments.map((segment) => `\`${segment.id}\``).join(', ')}.`);
      return [...members];
    },

    explain(segmentId, customerId) {
      const segment = segments.find((candidate) => candidate.id === segmentId);
      if (!segment) throw new InvalidOptionsError(`[insights/segments] Unknown segment \`${segmentId}\`.`);
      const conditions: Array<{ condition: string; matched: boolean }> = [];
      const customer = customers.get(customerId) ?? { customerId, attributes: {}, scores: {}, messages: [] };
      const member = test(segment.when, customer, Number.isFinite(time) ? time : settings.now().getTime(), segment.within, conditions);
      return { member, conditions };
    },

    forget(customerId) {
      customers.delete(customerId);
      timers.unschedule(customerId);
      const at = new Date(Number.isFinite(time) ? time : settings.now().getTime()).toISOString();
      const changes: SegmentChange[] = [];
      for (const [segmentId, members] of memberships) {
        if (members.delete(customerId)) changes.push({ type: 'segment-left', segmentId, customerId, at, cause: 'customer' });
      }
      return changes;
    },

    toJSON() {
      return structuredClone({
        version: 1 as const,
        time: Number.isFinite(time) ? time : null,
        customers: [...customers.values()],
        conversations: [...conversations.entries()].map(([id, entry]) => [id, { lastBrandAt: Number.isFinite(entry.lastBrandAt) ? entry.lastBrandAt : null, customers: [...entry.customers] }] as [string, { lastBrandAt: number | null; customers: string[] }]),
        memberships: [...memberships.entries()].map(([id, members]) => [id, [...members]] as [string, string[]]),
      });
    },
  };
}
