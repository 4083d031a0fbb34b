/**
 * The demo's insights: `createInsights(crm)` with settings sized for a week of traffic to one
 * airline, and a recorder of everything it announces, for the text and HTML reports.
 */
import type { SocialCrm } from 'social-crm';
import { createInsights, type Alert, type Insights, type RankedCustomer } from 'social-crm/insights';

/** Topics the demo's crisis detector and mention monitor follow (Turkish and English terms). */
export const DEMO_TOPICS: Record<string, { name: string; keywords: string[]; hashtags?: string[] }> = {
  guitar: { name: 'Broken guitar', keywords: ['guitar', 'gitar', 'cello', 'enstrüman'], hashtags: ['YildizBreaksGuitars'] },
  baggage: { name: 'Baggage', keywords: ['bagaj', 'baggage', 'luggage', 'valiz', 'bavul', 'stroller'] },
  checkin: { name: 'Check-in', keywords: ['check-in', 'checkin'] },
  refunds: { name: 'Refunds', keywords: ['iade', 'refund'] },
  delays: { name: 'Delays', keywords: ['rötar', 'delayed', 'delay'] },
};

export interface DemoInsights {
  insights: Insights;
  raised: Alert[];
  resolved: Array<{ alert: Alert; resolvedAt: string }>;
  advocatesDetected: RankedCustomer[];
  detractorsDetected: RankedCustomer[];
}

export function startDemoInsights(crm: SocialCrm, now: () => Date): DemoInsights {
  const insights = createInsights(crm, {
    now,
    // Hourly traffic is thin in the demo (about two posts an hour), so the detector looks at
    // two-hour buckets and learns for a day before it may alert.
    crisis: { bucketMinutes: 120, warmUpBuckets: 12, keys: { overall: true, topics: Object.fromEntries(Object.entries(DEMO_TOPICS).map(([id, topic]) => [id, [...topic.keywords, ...(topic.hashtags ?? []).map((tag) => `#${tag}`)]])) } },
    virality: { windowMinutes: 180, minGrowth: 6 },
    monitor: {
      definitions: [
        { id: 'all', name: 'All mentions', match: () => true },
        ...Object.entries(DEMO_TOPICS).map(([id, topic]) => ({ id, ...topic })),
      ],
    },
  });
  const recorder: DemoInsights = { insights, raised: [], resolved: [], advocatesDetected: [], detractorsDetected: [] };
  insights.on('alert-raised', ({ alert }) => recorder.raised.push(alert));
  insights.on('alert-resolved', (payload) => recorder.resolved.push(payload));
  insights.on('advocate-detected', ({ customer }) => recorder.advocatesDetected.push(customer));
  insights.on('detractor-detected', ({ customer }) => recorder.detractorsDetected.push(customer));
  return recorder;
}
