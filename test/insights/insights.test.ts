import { describe, expect, it, vi } from 'vitest';
import { channelIdentityResolver, createSocialCrm, memoryLedger, type Classifier, type InteractionInput } from 'social-crm';
import { createIdentityMerger } from 'social-crm/identity';
import { createInsights, type Alert, type InsightsState } from 'social-crm/insights';
import { HOUR, T0, at, labels } from './_streams.js';

/** A host classifier (the port a host implements): negative when the text says so, in either language. */
const keywordClassifier: Classifier = {
  id: 'test/keywords@1',
  classify: ({ text }) => labels(/rezalet|berbat|terrible|broke|kırıl/i.test(text) ? 'negative' : /teşekkür|thanks|great|harika/i.test(text) ? 'positive' : 'neutral'),
};

const mention = (nativeId: string, hours: number, text: string, author = `u-${nativeId}`, followers = 120): InteractionInput => ({
  channel: 'x',
  nativeId,
  kind: 'mention',
  author: { channel: 'x', nativeId: author, handle: author, followerCount: followers },
  text,
  createdAt: at(hours),
});

function setup() {
  let clock = new Date(T0);
  const crm = createSocialCrm({ ledger: memoryLedger(), classifier: keywordClassifier, identity: channelIdentityResolver(), now: () => clock });
  const insights = createInsights(crm, { now: () => clock, crisis: { warmUpBuckets: 12 } });
  const seen: { raised: Alert[]; resolved: Alert[] } = { raised: [], resolved: [] };
  insights.on('alert-raised', ({ alert }) => seen.raised.push(alert));
  insights.on('alert-resolved', ({ alert }) => seen.resolved.push(alert));
  const ingest = async (rows: InteractionInput[]) => {
    for (const row of rows) {
      clock = new Date(row.createdAt as string);
      await crm.ingest(row);
    }
  };
  return { crm, insights, seen, ingest, setClock: (ms: number) => (clock = new Date(ms)) };
}

const quietDay = (from: number, hours: number) =>
  Array.from({ length: hours * 2 }, (_, index) => mention(`q${from}-${index}`, from + index / 2, index % 4 ? 'Nice flight, thanks' : 'Seat was a bit terrible'));
const storm = (from: number) => [
  mention(`s${from}-0`, from, 'You BROKE my guitar, terrible handling', 'mert', 48_000),
  ...Array.from({ length: 9 }, (_, index) =>
    mention(`s${from}-${index + 1}`, from + (index + 1) / 12, index % 2 ? `Rezalet, gitarı kırılmış, berbat ilgi ${index}` : `Terrible, they broke his guitar ${index}`),
  ),
];

describe('createInsights', () => {
  it('feeds the crm stream to the primitives and announces one alert per spike on its own bus', async () => {
    const { crm, insights, seen, ingest } = setup();
    await ingest([...quietDay(0, 24), ...storm(24)]);
    expect(seen.raised).toHaveLength(1);
    expect(seen.raised[0]).toMatchObject({ kind: 'crisis', evidence: { key: 'all' } });
    const evidence = seen.raised[0]!.evidence as { topPosts: Array<{ text: string }>; topAuthors: Array<{ name: string }> };
    expect(evidence.topPosts.map((post) => post.text).join(' ')).toMatch(/BROKE my guitar/);
    expect(evidence.topPosts.some((post) => /Rezalet/.test(post.text))).toBe(true);
    // Raised on the fifth complaint (the minimum volume): each interaction counted once, although
    // the crm announces both its receipt and its classification.
    expect(insights.crisis!.activeAlerts()[0]!.evidence.observed.mentions).toBe(5);
    await ingest(quietDay(25, 3));
    expect(seen.resolved).toHaveLength(1);
    expect(seen.resolved[0]!.id).toBe(seen.raised[0]!.id);
    expect((seen.resolved[0]!.evidence as { observed: { mentions: number } }).observed.mentions).toBeGreaterThanOrEqual(10);
    // The crm itself no longer declares alert events.
    // @ts-expect-error alerts come from the insights bus
    expect(() => crm.on('alert-raised', () => {})).not.toThrow();
  });

  it('resolves from advance() when the stream goes silent, and stops after close()', async () => {
    const { insights, seen, ingest } = setup();
    await ingest([...quietDay(0, 24), ...storm(24)]);
    expect(seen.raised).toHaveLength(1);
    insights.advance(new Date(T0 + 27 * HOUR));
    expect(seen.resolved).toHaveLength(1);
    insights.close();
    await ingest(storm(60));
    expect(seen.raised).toHaveLength(1);
  });

  it('announces an advocate once, from praise and help given to other customers', async () => {
    const { insights, ingest } = setup();
    insights.monitor!.define({ id: 'bagaj', keywords: ['bagaj', 'baggage'] });
    const detected: string[] = [];
    insights.on('advocate-detected', ({ customer }) => detected.push(customer.name));
    await ingest([mention('q', 0, 'Bagaj hakkı ne kadar?', 'asker')]);
    const can = (nativeId: string, hours: number, text: string) => ({ ...mention(nativeId, hours, text, 'can', 12_400), author: { channel: 'x', nativeId: 'can', handle: 'can', displayName: 'Can Demir', followerCount: 12_400 } });
    await ingest([
      can('c1', 1, 'Kabin ekibi harikaydı, teşekkürler!'),
      { ...can('c2', 2, '@asker 20 kg, ek bagajı önceden alırsan ucuza geliyor, teşekkürler Yıldız Air'), kind: 'reply', parentId: 'q' },
      can('c3', 30, 'Great crew again, thanks'),
      can('c4', 60, 'Harika bir uçuştu, teşekkürler'),
    ]);
    expect(detected).toEqual(['Can Demir']);
    expect(insights.monitor!.totals('bagaj')).toMatchObject({ mentions: 2, authors: 2 });
    const top = insights.advocates!.ranking()[0]!;
    expect(top).toMatchObject({ name: 'Can Demir', counts: { positive: 3, peerSupport: 1 } });
  });

  it('passes edits with new engagement counts to the virality watch, and counts the edit as no new mention', async () => {
    const { insights, seen, ingest } = setup();
    await ingest([mention('root', 1, 'You broke my guitar, terrible', 'mert', 48_000)]);
    await ingest([{ ...mention('root', 1, 'You broke my guitar, terrible (edit: 40 people shared this)', 'mert', 48_000), editedAt: at(1.5), metrics: { shares: 40, quotes: 5 } }]);
    const viral = seen.raised.filter((alert) => alert.kind === 'virality');
    expect(viral).toHaveLength(1);
    expect(viral[0]!.evidence).toMatchObject({ growth: 45, shares: 40, quotes: 5 });
    // The edit is the same complaint: still one negative mention for its author.
    expect(insights.advocates!.ranking({ kind: 'detractor' }).map((entry) => entry.counts.negative)).toEqual([1]);
  });

  it('carries on after a restart from insights.toJSON(): the open alert resolves once, advocates keep their scores', async () => {
    const first = setup();
    await first.ingest([...quietDay(0, 24), ...storm(24), mention('p1', 24.5, 'Great crew, thanks', 'can', 12_400)]);
    expect(first.seen.raised).toHaveLength(1);
    const snapshot = JSON.parse(JSON.stringify(first.insights.toJSON())) as InsightsState;
    first.insights.close();
    expect(snapshot).toMatchObject({ version: 1, crisis: { version: 1 }, advocates: { version: 1 }, sla: { version: 1 } });

    // A new process: a fresh crm over the same storage, insights resumed from the snapshot.
    let clock = new Date(T0 + 25 * HOUR);
    const crm = createSocialCrm({ ledger: first.crm.ledger, classifier: keywordClassifier, identity: channelIdentityResolver(), now: () => clock });
    const resumed = createInsights(crm, { now: () => clock, crisis: { warmUpBuckets: 12 }, state: snapshot });
    const resolved: Alert[] = [];
    resumed.on('alert-resolved', ({ alert }) => resolved.push(alert));
    expect(resumed.crisis!.activeAlerts().map((alert) => alert.id)).toEqual([first.seen.raised[0]!.id]);
    expect(resumed.advocates!.ranking()).toEqual(first.insights.advocates!.ranking());
    for (const row of quietDay(25, 3)) {
      clock = new Date(row.createdAt as string);
      await crm.ingest(row);
    }
    expect(resolved.map((alert) => alert.id)).toEqual([first.seen.raised[0]!.id]);
    expect(() => createInsights(crm, { state: { version: 2 } as unknown as InsightsState })).toThrow(/snapshot made by insights.toJSON/);
  });

  it('splits the advocate standing back when an agent undoes a merge', async () => {
    let clock = new Date(T0);
    const ledger = memoryLedger();
    const merger = createIdentityMerger({ ledger, now: () => clock });
    const crm = createSocialCrm({ ledger, classifier: keywordClassifier, identity: merger, now: () => clock });
    const insights = createInsights(crm, { now: () => clock });
    const praise = (nativeId: string, hours: number, author: string, name: string, followers: number): InteractionInput => ({
      ...mention(nativeId, hours, 'Great crew, thanks', author, followers),
      author: { channel: 'x', nativeId: author, handle: author, displayName: name, followerCount: followers },
    });
    for (const row of [praise('a1', 1, 'can', 'Can Demir', 12_400), praise('a2', 2, 'can', 'Can Demir', 12_400), praise('b1', 3, 'zeynep', 'Zeynep Kaya', 300)]) {
      clock = new Date(row.createdAt as string);
      await crm.ingest(row);
    }
    const can = (await ledger.getInteraction('x:a1'))!.customerId as string;
    const zeynep = (await ledger.getInteraction('x:b1'))!.customerId as string;
    const before = { can: insights.advocates!.score(can)!.advocate.counts.positive, zeynep: insights.advocates!.score(zeynep)!.advocate.counts.positive };
    const merge = await merger.merge([can, zeynep], { agent: 'selin' });
    // With a ledger that keeps an outbox, the merge is announced once its outbox record committed.
    await vi.waitFor(() => expect(insights.advocates!.score(merge.survivorId)!.advocate.counts.positive).toBe(3), { timeout: 15_000 });
    await merger.unmerge(merge.id);
    await vi.waitFor(async () => {
      await insights.advance();
      expect(insights.advocates!.score(can)!.advocate.counts.positive).toBe(before.can);
    }, { timeout: 15_000 });
    expect(insights.advocates!.score(zeynep)!.advocate.counts.positive).toBe(before.zeynep);
    expect(insights.advocates!.ranking().map((entry) => entry.name)).toEqual(['Can Demir', 'Zeynep Kaya']);
  });

  it('runs with primitives switched off', async () => {
    const crm = createSocialCrm({ ledger: memoryLedger(), classifier: keywordClassifier, identity: channelIdentityResolver() });
    const insights = createInsights(crm, { crisis: false, virality: false, advocates: false, monitor: false });
    expect([insights.crisis, insights.virality, insights.advocates, insights.monitor]).toEqual([null, null, null, null]);
    await crm.ingest(mention('only', 1, 'terrible'));
    insights.close();
  });
});
