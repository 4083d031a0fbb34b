/**
 * The demo's insights: `createInsights(crm)` with settings sized for a week of traffic to one
 * airline, and a recorder of everything it announces, for the text and HTML reports.
 */
import { createInsights, type Alert, type Insights, type InsightsCrm, type RankedCustomer, type SegmentDefinition } from 'social-crm/insights';

/** Topics the demo's crisis detector and mention monitor follow (Turkish and English terms). */
export const DEMO_TOPICS: Record<string, { name: string; keywords: string[]; hashtags?: string[] }> = {
  guitar: { name: 'Broken guitar', keywords: ['guitar', 'gitar', 'cello', 'enstrüman'], hashtags: ['YildizBreaksGuitars'] },
  baggage: { name: 'Baggage', keywords: ['bagaj', 'baggage', 'luggage', 'valiz', 'bavul', 'stroller'] },
  checkin: { name: 'Check-in', keywords: ['check-in', 'checkin'] },
  refunds: { name: 'Refunds', keywords: ['iade', 'refund'] },
  delays: { name: 'Delays', keywords: ['rötar', 'delayed', 'delay'] },
};

/** Segments the demo keeps for the marketing team. */
export const DEMO_SEGMENTS: SegmentDefinition[] = [
  { id: 'purchase-no-reply', name: 'Purchase intent, no reply yet', within: { lastDays: 7 }, when: { all: [{ intent: 'purchase_intent' }, { noReplyYet: true }] } },
  { id: 'tr-unhappy-this-week', name: 'Turkish-speaking, unhappy this week', within: 'this-week', when: { all: [{ language: 'tr' }, { sentiment: { of: 'average', max: -0.3 } }] } },
  { id: 'advocates', name: 'Advocates (score ≥ 6)', when: { score: 'advocate', min: 6 } },
];

export interface DemoInsights {
  insights: Insights;
  /** Customer messages routed, per queue. */
  routed: Record<string, number>;
  slaWarnings: number;
  slaBreaches: number;
  raised: Alert[];
  resolved: Array<{ alert: Alert; resolvedAt: string }>;
  advocatesDetected: RankedCustomer[];
  detractorsDetected: RankedCustomer[];
}

export function startDemoInsights(crm: InsightsCrm, now: () => Date): DemoInsights {
  const insights = createInsights(crm, {
    now,
    // Hourly traffic is thin in the demo (about two posts an hour), so the detector looks at
    // two-hour buckets and learns for a day before it may alert.
    crisis: { bucketMinutes: 120, warmUpBuckets: 12, keys: { overall: true, topics: Object.fromEntries(Object.entries(DEMO_TOPICS).map(([id, topic]) => [id, [...topic.keywords, ...(topic.hashtags ?? []).map((tag) => `#${tag}`)]])) } },
    virality: { windowMinutes: 180, minGrowth: 6 },
    // Part B's customer-service primitives: SLA clocks (default targets), routing rules, segments.
    routing: {
      rules: [
        { name: 'legal threats', when: { intents: ['escalation_threat'] }, assign: { queue: 'escalations', department: 'customer_service' } },
        { name: 'sales', when: { intents: ['purchase_intent'] }, assign: { queue: 'sales', department: 'sales' } },
        { name: 'refunds', when: { keywords: ['refund', 'iade'] }, assign: { queue: 'refunds' } },
        { name: 'baggage', when: { keywords: ['bagaj', 'bagajım', 'baggage', 'luggage', 'valiz', 'bavul'] }, assign: { queue: 'baggage' } },
      ],
      default: { queue: 'triage' },
      queues: { sales: { agents: ['deniz', 'ece'], strategy: 'least-loaded' }, refunds: { agents: ['mert', 'zeynep'] } },
    },
    segments: { definitions: DEMO_SEGMENTS, timeZone: 'Europe/Istanbul' },
    // A CSAT question once an agent has answered a private conversation and the customer has been
    // quiet for four hours, in the conversation's language, through crm.reply().
    surveys: { kind: 'csat', resolveAfterHours: 4, channels: ['whatsapp', 'messenger'] },
    monitor: {
      definitions: [
        { id: 'all', name: 'All mentions', match: () => true },
        ...Object.entries(DEMO_TOPICS).map(([id, topic]) => ({ id, ...topic })),
      ],
    },
  });
  const recorder: DemoInsights = { insights, routed: {}, slaWarnings: 0, slaBreaches: 0, raised: [], resolved: [], advocatesDetected: [], detractorsDetected: [] };
  insights.on('routed', ({ queue }) => (recorder.routed[queue] = (recorder.routed[queue] ?? 0) + 1));
  insights.on('sla-warning', () => recorder.slaWarnings++);
  insights.on('sla-breached', () => recorder.slaBreaches++);
  insights.on('alert-raised', ({ alert }) => recorder.raised.push(alert));
  insights.on('alert-resolved', (payload) => recorder.resolved.push(payload));
  insights.on('advocate-detected', ({ customer }) => recorder.advocatesDetected.push(customer));
  insights.on('detractor-detected', ({ customer }) => recorder.detractorsDetected.push(customer));
  return recorder;
}
