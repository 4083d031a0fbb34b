/**
 * `createInsights(crm, options)`: wires the insights primitives to a running {@link SocialCrm}.
 * It listens to the crm's events, feeds every enabled primitive once per interaction, and
 * announces what they find on its own typed event bus. Each primitive stays usable on its own.
 *
 * @module
 */
import type { Logger } from '../adapter.js';
import { toLogger, type LoggerLike } from '../logger.js';
import { InvalidOptionsError } from '../errors.js';
import type { SocialCrm } from '../crm.js';
import { EventBus, type Alert } from '../events.js';
import type { Classification, Interaction } from '../interaction.js';
import type { AlertChange } from './_shared.js';
import type { ErasureSubject } from '../erasure.js';
import { eraseInsightsState, erasedReferences } from './erase.js';
import { scanInteractions } from './scan-ledger.js';
import { createAdvocateTracker, type AdvocateChange, type AdvocateTracker, type AdvocateTrackerOptions, type AdvocateTrackerState, type RankedCustomer } from './advocates.js';
import { createCrisisDetector, type CrisisDetector, type CrisisDetectorOptions, type CrisisDetectorState } from './crisis.js';
import { createMentionMonitor, type MentionMonitor, type MentionMonitorOptions, type MentionMonitorState } from './monitor.js';
import { createViralityWatch, type ViralityWatch, type ViralityWatchOptions, type ViralityWatchState } from './virality.js';
import { createRouter, type RoutedEvent, type Router, type RouterOptions, type RouterState } from './routing.js';
import { createSegmentEngine, type SegmentChange, type SegmentDefinition, type SegmentEngine, type SegmentEngineOptions, type SegmentEngineState } from './segments.js';
import { createSlaTracker, type SlaChange, type SlaClock, type SlaTracker, type SlaTrackerOptions, type SlaTrackerState } from './sla.js';
import type { SurveyScore } from './survey-parse.js';
import { createSurveyManager, type SurveyChange, type SurveyManager, type SurveyManagerOptions, type SurveyManagerState, type SurveyRecord } from './surveys.js';

/**
 * Every event the insights layer emits, named `<noun>-<action>` like the core's.
 * Listen with `insights.on(name, listener)`.
 */
export interface InsightsEvents {
  /** A crisis, virality or other alert crossed its threshold (once per spike). */
  'alert-raised': { alert: Alert };
  /** A raised alert subsided. */
  'alert-resolved': { alert: Alert; resolvedAt: string };
  /** A customer's advocacy score crossed the advocate threshold (once; again only after falling under the release level). */
  'advocate-detected': { customer: RankedCustomer };
  /** A customer's detraction score crossed the detractor threshold (same hysteresis). */
  'detractor-detected': { customer: RankedCustomer };
  /** A waiting conversation reached its warning time (once per clock). */
  'sla-warning': { clock: SlaClock; at: string; remainingMs: number };
  /** A waiting conversation passed its deadline (once per clock). */
  'sla-breached': { clock: SlaClock; at: string; overdueMs: number };
  /** A customer message was given a queue (and an agent) by the router. */
  routed: RoutedEvent;
  /** A resolved conversation's survey is due; it is being sent (or recorded as not sendable). */
  'survey-due': { survey: SurveyRecord };
  /** A customer's answer to a survey was read into a score. */
  'survey-scored': { survey: SurveyRecord; score: SurveyScore };
  /** A customer joined a segment. */
  'segment-entered': Omit<SegmentChange, 'type'>;
  /** A customer left a segment (a new message, a window passing, a merge ...). */
  'segment-left': Omit<SegmentChange, 'type'>;
}

export type InsightsEventName = keyof InsightsEvents;
export type InsightsEventListener<Name extends InsightsEventName> = (payload: InsightsEvents[Name]) => void;

/** Options of {@link createInsights}. Each primitive is on with its defaults unless set to `false`. */
export interface InsightsOptions {
  /** Crisis and spike detection. @default {} (on, with defaults) */
  crisis?: CrisisDetectorOptions | false;
  /** Single-post virality. @default {} (on, with defaults) */
  virality?: ViralityWatchOptions | false;
  /** Brand advocates and detractors. @default {} (on, with defaults) */
  advocates?: AdvocateTrackerOptions | false;
  /** Campaign and mention monitoring; add definitions here or later with `insights.monitor.define()`. @default {} (on, no definitions) */
  monitor?: MentionMonitorOptions | false;
  /** Response SLAs. @default {} (on, 60-minute 24/7 targets) */
  sla?: SlaTrackerOptions | false;
  /** Routing of customer messages; off unless rules are given. Emits `routed`. */
  routing?: RouterOptions;
  /** Satisfaction surveys (they message customers, so off unless given). Sent through this crm. */
  surveys?: Omit<SurveyManagerOptions, 'crm'>;
  /**
   * Segments; off unless definitions are given. Scores come from the advocate tracker unless
   * `scoreOf` is set. Run `insights.segments.evaluateAll(crm.ledger)` once for existing customers.
   */
  segments?: SegmentEngineOptions & { definitions: SegmentDefinition[] };
  /** The clock for `advance()` without a time. @default () => new Date() */
  now?: () => Date;
  /** Where listener failures are logged: the SDK's logger shape, or pino, winston or the console as they are. @default errors to the console */
  logger?: LoggerLike;
  /**
   * A snapshot from `insights.toJSON()` to resume from after a restart: each enabled primitive
   * starts from its part (a primitive's own `state` option wins). Pass the same options as before.
   * Customers erased since the snapshot was taken are swept out of it (the ledger is asked which;
   * `advance()` waits for the sweep).
   */
  state?: InsightsState;
}

/** A JSON-safe snapshot of every enabled primitive ({@link Insights.toJSON}). */
export interface InsightsState {
  version: 1;
  /** When the snapshot was taken (ISO-8601). */
  savedAt: string;
  crisis?: CrisisDetectorState;
  virality?: ViralityWatchState;
  advocates?: AdvocateTrackerState;
  monitor?: MentionMonitorState;
  sla?: SlaTrackerState;
  router?: RouterState;
  surveys?: SurveyManagerState;
  segments?: SegmentEngineState;
}

/** The wired insights: the primitives, their events, and a clock to move them on. */
export interface Insights {
  /** The crisis detector, unless disabled. */
  readonly crisis: CrisisDetector | null;
  /** The virality watch, unless disabled. */
  readonly virality: ViralityWatch | null;
  /** The advocate and detractor tracker, unless disabled. */
  readonly advocates: AdvocateTracker | null;
  /** The mention monitor, unless disabled. */
  readonly monitor: MentionMonitor | null;
  /** The SLA tracker, unless disabled. */
  readonly sla: SlaTracker | null;
  /** The router, when `routing` was given. */
  readonly router: Router | null;
  /** The survey manager, when `surveys` was given. */
  readonly surveys: SurveyManager | null;
  /** The segment engine, when `segments` was given. */
  readonly segments: SegmentEngine | null;
  /** Listen to an insights event; returns the unsubscribe function. */
  on<Name extends InsightsEventName>(name: Name, listener: InsightsEventListener<Name>): () => void;
  /**
   * Feed an interaction by hand (backfills, or interactions from another source). Interactions
   * from the crm arrive through its events; do not feed those twice.
   */
  observe(interaction: Interaction, classification?: Classification): void;
  /**
   * Move time on to `now` (default: the clock): closes buckets, resolves alerts, sends surveys that
   * fell due. Call it from a timer. The promise settles when the surveys are sent and the advocate
   * recounts of undone merges are done (it never rejects: a failure is logged); everything else has
   * happened when the call returns.
   */
  advance(now?: Date | string): Promise<void>;
  /**
   * The state of every enabled primitive as one JSON-safe value (alert baselines, advocate scores,
   * SLA clocks, pending surveys, segment members …). Store it and pass it back as `options.state`
   * to carry on after a restart.
   */
  toJSON(): InsightsState;
  /**
   * Remove one person from every primitive's state (alert evidence, advocate scores, SLA clocks,
   * routes, surveys, segment members …): records about their customer, identity, interaction or
   * conversation ids go, and any other text holding their name, handles or message texts is
   * blanked. `crm.eraseCustomer()` calls it (through the `customer-erased` event); call it yourself
   * for an erase made straight on the ledger. Rebuilds the primitives: read them through this
   * object (`insights.sla`), not a reference kept from before.
   */
  erase(subject: Partial<ErasureSubject>): void;
  /** Stop listening to the crm. */
  close(): void;
}

/** Most interactions read per customer when an undone merge is recounted. */
const MAX_RECOUNTED_INTERACTIONS = 20_000;
const ignore = () => {};
/** The bus only ever logs a listener that threw. */
const defaultLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: (message, details) => console.error(message, details ?? '') };

function scoresOf(advocates: AdvocateTracker, customerId: string): { advocate: number; detractor: number } | undefined {
  const standing = advocates.score(customerId);
  return standing ? { advocate: standing.advocate.score, detractor: standing.detractor.score } : undefined;
}

function withoutDefinitions(options: SegmentEngineOptions & { definitions: SegmentDefinition[] }): SegmentEngineOptions {
  const { definitions: _definitions, ...rest } = options;
  return rest;
}

/**
 * What the insights need of a crm: its events, its ledger, and `reply` (surveys). The crm itself
 * (its default tenant) or one tenant's view, `await crm.tenant(id)`.
 */
export type InsightsCrm = Pick<SocialCrm, 'on' | 'ledger' | 'reply'>;

/**
 * Subscribes the insights primitives to a crm's events. Everything they keep (crisis baselines,
 * advocate scores, SLA clocks, segments, surveys) is about the tenant whose crm they were given:
 * with many tenants, create one per tenant (`tenants.open: (tenant) => createInsights(tenant)`),
 * so that one brand's spike never moves another brand's baseline.
 * @throws InvalidOptionsError when a primitive's options are invalid.
 * @example
 * const insights = createInsights(crm, { crisis: { keys: { topics: { baggage: ['bagaj', 'baggage'] } } } });
 * insights.on('alert-raised', ({ alert }) => pager.notify(alert.title, alert.evidence));
 * setInterval(() => insights.advance(), 60_000);
 */
export function createInsights(crm: InsightsCrm, options: InsightsOptions = {}): Insights {
  const now = options.now ?? (() => new Date());
  const logger = options.logger ? toLogger(options.logger) : defaultLogger;
  const events = new EventBus<InsightsEvents>(logger);
  const saved = options.state;
  if (saved !== undefined && (typeof saved !== 'object' || saved === null || saved.version !== 1)) {
    throw new InvalidOptionsError('[insights] `state` must be a snapshot made by insights.toJSON() (version 1).', [{ path: 'state', message: 'not an insights snapshot' }]);
  }
  /** A primitive's part of the snapshot, unless its own options carry a state. */
  const resume = <Part>(part: Part | undefined) => (part === undefined ? {} : { state: part });
  // Rebuilt from a scrubbed snapshot by `erase()`: the accessors below always return the current ones.
  let crisis: CrisisDetector | null = null;
  let virality: ViralityWatch | null = null;
  let advocates: AdvocateTracker | null = null;
  let monitor: MentionMonitor | null = null;
  let sla: SlaTracker | null = null;
  let router: Router | null = null;
  let surveys: SurveyManager | null = null;
  let segments: SegmentEngine | null = null;
  /** (Re)creates every enabled primitive from `from` (a snapshot) or from scratch. */
  function build(from: InsightsState | undefined) {
    crisis = options.crisis === false ? null : createCrisisDetector({ now, ...resume(from?.crisis), ...options.crisis });
    virality = options.virality === false ? null : createViralityWatch({ now, ...resume(from?.virality), ...options.virality });
    advocates = options.advocates === false ? null : createAdvocateTracker({ ...resume(from?.advocates), ...options.advocates });
    monitor = options.monitor === false ? null : createMentionMonitor({ ...resume(from?.monitor), ...options.monitor });
    sla = options.sla === false ? null : createSlaTracker({ now, ...resume(from?.sla), ...options.sla });
    router = options.routing ? createRouter({ ...resume(from?.router), ...options.routing }) : null;
    surveys = options.surveys ? createSurveyManager({ now, ...resume(from?.surveys), ...options.surveys, crm }) : null;
    segments = options.segments
      ? createSegmentEngine(options.segments.definitions, {
          now,
          ...(advocates ? { scoreOf: (customerId: string) => (advocates ? scoresOf(advocates, customerId) : undefined) } : {}),
          ...resume(from?.segments),
          ...withoutDefinitions(options.segments),
        })
      : null;
  }
  build(saved);

  function announce(changes: AlertChange[]) {
    for (const change of changes) {
      if (change.type === 'raised') events.emit('alert-raised', { alert: change.alert });
      else events.emit('alert-resolved', { alert: change.alert, resolvedAt: change.resolvedAt });
    }
  }

  function announceCustomers(changes: AdvocateChange[]) {
    for (const change of changes) events.emit(change.type, { customer: change.customer });
  }

  function observe(interaction: Interaction, classification?: Classification) {
    const labels = classification ?? interaction.classification;
    if (crisis) announce(crisis.observe(interaction, labels));
    if (virality) announce(virality.observe(interaction, labels));
    if (advocates) announceCustomers(advocates.observe(interaction, labels));
    monitor?.observe(interaction, labels);
    observeServiceInsights(interaction, labels);
  }

  function announceSla(changes: SlaChange[]) {
    for (const change of changes) {
      if (change.type === 'sla-warning') events.emit('sla-warning', { clock: change.clock, at: change.at, remainingMs: change.remainingMs });
      else if (change.type === 'sla-breached') events.emit('sla-breached', { clock: change.clock, at: change.at, overdueMs: change.overdueMs });
    }
  }

  function announceSegments(changes: SegmentChange[]) {
    for (const { type, ...change } of changes) events.emit(type, change);
  }

  function announceSurveys(changes: SurveyChange[]) {
    for (const change of changes) {
      if (change.type === 'survey-due') events.emit('survey-due', { survey: change.survey });
      else if (change.type === 'survey-scored') events.emit('survey-scored', { survey: change.survey, score: change.score });
    }
  }

  function logFailure(what: string) {
    return (error: unknown) => logger.error(`[insights] ${what} failed; the stream carried on.`, { error: error instanceof Error ? { name: error.name, message: error.message } : String(error) });
  }

  /** SLA clocks, segments, surveys and routing (the customer-service side). */
  function observeServiceInsights(interaction: Interaction, labels: Classification | undefined) {
    const surveyChanges = surveys ? surveys.observe(interaction, labels) : [];
    // An answer to a survey waits for nobody: it opens no SLA clock and is not routed.
    const surveyAnswer = surveyChanges.some((change) => change.type === 'survey-scored' && change.survey.answer?.interactionId === interaction.id);
    if (sla && !surveyAnswer) announceSla(sla.observe(interaction, labels));
    if (segments) announceSegments(segments.observe(interaction, labels));
    announceSurveys(surveyChanges);
    if (router && !surveyAnswer && interaction.direction === 'inbound' && interaction.state !== 'deleted') {
      const context = segments && interaction.customerId ? { segments: segments.segmentsOf(interaction.customerId) } : {};
      router
        .route(interaction, labels, context)
        .then((routed) => events.emit('routed', routed))
        .catch(logFailure(`Routing ${interaction.id}`));
    }
  }

  /** Recounts after undone merges, still reading storage; `advance()` waits for them. */
  const rebuilds = new Set<Promise<void>>();

  async function recountAdvocates(tracker: AdvocateTracker, customerIds: string[]): Promise<void> {
    const interactions: Interaction[] = [];
    for (const customerId of customerIds) {
      for await (const interaction of scanInteractions(crm.ledger, { customerId }, MAX_RECOUNTED_INTERACTIONS)) interactions.push(interaction);
    }
    tracker.rebuildCustomers(customerIds, interactions);
  }

  /** Ids fed from `interaction-received`, so the `interaction-classified` that follows is not counted twice. */
  let lastReceived: string | undefined;
  const subscriptions = [
    crm.on('interaction-received', ({ interaction }) => {
      lastReceived = interaction.id;
      observe(interaction);
    }),
    crm.on('interaction-classified', ({ interaction, classification }) => {
      // New interactions were fed on receipt (with this classification); edits re-classify but are not new mentions.
      if (interaction.id === lastReceived || interaction.state === 'edited') return;
      observe(interaction, classification);
    }),
    crm.on('interaction-updated', ({ interaction, change }) => {
      // Edits and re-polls bring new engagement counts; they are not new mentions.
      if (change === 'edited' && virality) announce(virality.observe(interaction));
    }),
    crm.on('reply-sent', (event) => {
      // The brand's answer: not a mention, but the virality watch notes that the thread was answered.
      if (virality) announce(virality.observe(event.interaction));
      if (sla) announceSla(sla.observeReply(event));
      if (segments) announceSegments(segments.observe(event.interaction));
      if (surveys) announceSurveys(surveys.observe(event.interaction));
    }),
    crm.on('customer-merged', ({ merge }) => {
      advocates?.mergeCustomers(merge.survivorId, merge.absorbedIds);
      if (segments) for (const absorbed of merge.absorbedIds) announceSegments(segments.forget(absorbed));
    }),
    crm.on('customer-erased', ({ subject }) => erase(subject)),
    crm.on('customer-unmerged', ({ merge }) => {
      // Folded sums cannot be split: recount the customers the merge is undone between from storage.
      if (!advocates) return;
      const rebuild: Promise<void> = recountAdvocates(advocates, [merge.survivorId, ...merge.absorbedIds])
        .catch(logFailure(`Recounting the advocates of undone merge ${merge.id}`))
        .finally(() => rebuilds.delete(rebuild));
      rebuilds.add(rebuild);
    }),
  ];

  /** Removes the person from every primitive: scrubs the snapshot and rebuilds from it. */
  function erase(subject: Partial<ErasureSubject>) {
    build(eraseInsightsState(snapshot(), subject));
  }

  // A snapshot taken before an erase carries the person back in: sweep it against the ledger.
  if (saved !== undefined) {
    const sweep: Promise<void> = erasedReferences(saved, crm.ledger)
      .then((erased) => {
        if (erased.customerIds.length || erased.interactionIds.length) erase(erased);
      })
      .catch(logFailure('Sweeping the restored snapshot for erased customers'))
      .finally(() => rebuilds.delete(sweep));
    rebuilds.add(sweep);
  }

  function snapshot(): InsightsState {
    return {
      version: 1,
      savedAt: now().toISOString(),
      ...(crisis ? { crisis: crisis.toJSON() } : {}),
      ...(virality ? { virality: virality.toJSON() } : {}),
      ...(advocates ? { advocates: advocates.toJSON() } : {}),
      ...(monitor ? { monitor: monitor.toJSON() } : {}),
      ...(sla ? { sla: sla.toJSON() } : {}),
      ...(router ? { router: router.toJSON() } : {}),
      ...(surveys ? { surveys: surveys.toJSON() } : {}),
      ...(segments ? { segments: segments.toJSON() } : {}),
    };
  }

  return {
    get crisis() {
      return crisis;
    },
    get virality() {
      return virality;
    },
    get advocates() {
      return advocates;
    },
    get monitor() {
      return monitor;
    },
    get sla() {
      return sla;
    },
    get router() {
      return router;
    },
    get surveys() {
      return surveys;
    },
    get segments() {
      return segments;
    },
    erase,
    on: (name, listener) => events.on(name, listener),
    observe,
    advance(at) {
      const time = at ?? now();
      if (crisis) announce(crisis.advance(time));
      if (virality) announce(virality.advance(time));
      if (sla) announceSla(sla.advance(time));
      if (segments) announceSegments(segments.advance(time));
      const sent = surveys ? surveys.advance(time).then(announceSurveys, logFailure('Surveys')) : Promise.resolve();
      return Promise.all([sent, ...rebuilds]).then(() => undefined);
    },
    toJSON: snapshot,
    close() {
      for (const unsubscribe of subscriptions.splice(0)) unsubscribe();
    },
  };
}
