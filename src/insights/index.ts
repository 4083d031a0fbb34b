/**
 * `social-crm/insights`: what a marketing, sales or support team buys social CRM for, as library
 * primitives. Each one is a standalone, incremental object fed canonical interactions (and their
 * classification), with a serialisable state; `createInsights(crm)` wires them to a crm's events.
 *
 * @module social-crm/insights
 */
export type { Alert } from '../events.js';
export type { AlertChange, ReachSettings } from './_shared.js';
export { createInsights } from './insights.js';
export { eraseInsightsState, erasedReferences } from './erase.js';
export type { Insights, InsightsCrm, InsightsEventListener, InsightsEventName, InsightsEvents, InsightsOptions, InsightsState } from './insights.js';
export { createCrisisDetector } from './crisis.js';
export type {
  CrisisAlert,
  CrisisDetector,
  CrisisDetectorOptions,
  CrisisDetectorState,
  CrisisEvidence,
  CrisisKeyOptions,
  EvidenceAuthor,
  EvidencePost,
} from './crisis.js';
export { createViralityWatch } from './virality.js';
export type { ViralityAlert, ViralityEvidence, ViralityWatch, ViralityWatchOptions, ViralityWatchState } from './virality.js';
export { createAdvocateTracker, rankAdvocates } from './advocates.js';
export type { AdvocacyComponents, AdvocateChange, AdvocateTracker, AdvocateTrackerOptions, AdvocateTrackerState, RankedCustomer } from './advocates.js';
export { createMentionMonitor, queryMentions } from './monitor.js';
export type { MentionBucket, MentionDefinition, MentionMonitor, MentionMonitorOptions, MentionMonitorState, MentionTotals } from './monitor.js';
export { ALWAYS_OPEN, WEEKDAYS, createBusinessCalendar } from './business-hours.js';
export type { BusinessCalendar, BusinessHoursOptions, OpeningInterval, Weekday } from './business-hours.js';
export { createSlaTracker } from './sla.js';
export type {
  ResponseTimeFigures,
  SlaChange,
  SlaClock,
  SlaFigures,
  SlaPriority,
  SlaQueueItem,
  SlaResponse,
  SlaTarget,
  SlaTargetMatch,
  SlaTracker,
  SlaTrackerOptions,
  SlaTrackerState,
} from './sla.js';
export { customer360 } from './customer-360.js';
export type { Customer360, Customer360Options, DirectionCounts, OpenIssue, ReplyRoute, SentimentBucket, TimelineEntry, TimelineRelation } from './customer-360.js';
export { createRouter } from './routing.js';
export type {
  AssignmentContext,
  QueueOptions,
  RoutedEvent,
  Router,
  RouterOptions,
  RouterState,
  RoutingContext,
  RoutingExplanation,
  RoutingMatch,
  RoutingRule,
  RoutingTarget,
  RuleCheck,
} from './routing.js';
export { DEFAULT_SURVEY_TEMPLATES, createSurveyManager, summarizeSurveys } from './surveys.js';
export type { SurveyChange, SurveyManager, SurveyManagerOptions, SurveyManagerState, SurveyNotSentReason, SurveyRecord, SurveyReport, SurveyTemplates } from './surveys.js';
export { parseSurveyReply } from './survey-parse.js';
export type { SurveyKind, SurveyScore } from './survey-parse.js';
export { createSegmentEngine, parseSegmentDefinitions } from './segments.js';
export type { MessageFact, Recency, SegmentChange, SegmentCondition, SegmentDefinition, SegmentEngine, SegmentEngineOptions, SegmentEngineState } from './segments.js';
