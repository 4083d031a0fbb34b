import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, memoryLedger, type Customer, type InteractionLedger } from 'social-crm';
import { createAdvocateTracker, createSegmentEngine, customer360 } from 'social-crm/insights';
import { makeIdentityRecord } from 'social-crm/testing';
import { classified, message, utc } from './_conversations.js';

const customer = (id: string, extra: Partial<Customer> = {}): Customer => ({ id, identityKeys: [], attributes: {}, createdAt: utc('2026-01-01', '00:00'), updatedAt: utc('2026-01-01', '00:00'), ...extra });

/**
 * Ayşe wrote on X as @ayse and on Instagram as @ayse.y; the two customers were merged (cB into cA),
 * but her Instagram message is still filed under cB. Mehmet answered her complaint in her thread,
 * and the brand answered both of them there.
 */
async function ayseLedger(): Promise<{ ledger: InteractionLedger; interactions: ReturnType<typeof message>[] }> {
  const ledger = memoryLedger();
  await ledger.saveCustomer(customer('cA', { displayName: 'Ayşe Yılmaz', identityKeys: ['x:ayse', 'instagram:ayse.y'] }));
  await ledger.saveCustomer(customer('cB', { mergedInto: 'cA' }));
  await ledger.saveCustomer(customer('cM'));
  await ledger.saveIdentity(makeIdentityRecord({ key: 'x:ayse', identity: { channel: 'x', nativeId: 'ayse', handle: 'ayse' }, customerId: 'cA' }));
  await ledger.saveIdentity(makeIdentityRecord({ key: 'instagram:ayse.y', identity: { channel: 'instagram', nativeId: 'ayse.y', handle: 'ayse.y' }, customerId: 'cA' }));
  await ledger.saveMerge({
    id: 'mrg_1',
    survivorId: 'cA',
    absorbedIds: ['cB'],
    decidedBy: { type: 'rule', name: 'same-email' },
    evidence: {},
    snapshot: { customers: [], identities: [] },
    createdAt: utc('2026-01-10', '00:00'),
  });
  await ledger.setConsent({ identityKey: 'instagram:ayse.y', status: 'opted-out', source: 'instagram:STOP', updatedAt: utc('2026-01-12', '12:00') });
  const interactions = [
    message({ id: 't1', at: utc('2026-01-05', '10:00'), author: 'ayse', customerId: 'cA', text: 'My suitcase is broken', labels: classified({ sentiment: 'negative', score: -0.7, intents: ['complaint'] }) }),
    message({ id: 'c9', conversation: 't1', parentId: 't1', direction: 'peer', at: utc('2026-01-05', '10:10'), author: 'mehmet', customerId: 'cM', text: 'Same happened to me' }),
    message({ id: 'r1', conversation: 't1', parentId: 't1', direction: 'outbound', at: utc('2026-01-05', '10:30'), text: 'Sorry Ayşe, DM us please' }),
    message({ id: 'r9', conversation: 't1', parentId: 'c9', direction: 'outbound', at: utc('2026-01-05', '10:40'), text: 'Sorry Mehmet' }),
    message({ id: 'd1', channel: 'instagram', visibility: 'private', conversation: 'dm', at: utc('2026-01-12', '09:00'), author: 'ayse.y', customerId: 'cB', text: 'Any news on my claim?', labels: classified({ intents: ['question'], urgency: 0.7 }) }),
    message({ id: 'p1', direction: 'peer', conversation: 'other', parentId: 'other', at: utc('2026-01-13', '09:00'), author: 'ayse', customerId: 'cA', text: 'Their support sorted it for me, recommend', labels: classified({ sentiment: 'positive', score: 0.6, intents: ['praise'] }) }),
  ];
  for (const interaction of interactions) await ledger.appendInteraction(interaction);
  return { ledger, interactions };
}

describe('customer360', () => {
  it('follows the merge and builds the timeline across channels and directions', async () => {
    const { ledger } = await ayseLedger();
    const view = await customer360(ledger, 'cB');
    expect(view).not.toBeNull();
    expect(view!.customer.id).toBe('cA');
    expect(view!.mergedFrom).toEqual(['cB']);
    expect(view!.timeline.map((entry) => [entry.interaction.id, entry.relation])).toEqual([
      ['x:t1', 'from-customer'],
      ['x:c9', 'peer-reply'],
      ['x:r1', 'to-customer'],
      ['instagram:d1', 'from-customer'],
      ['x:p1', 'from-customer'],
    ]);
    expect(view!.firstContactAt).toBe(utc('2026-01-05', '10:00'));
    expect(view!.lastContactAt).toBe(utc('2026-01-13', '09:00'));
    expect(view!.lastInboundAt).toBe(utc('2026-01-13', '09:00'));
    expect(view!.counts).toEqual({ x: { inbound: 1, outbound: 1, peer: 1, total: 3 }, instagram: { inbound: 1, outbound: 0, peer: 0, total: 1 } });
    expect(view!.truncated).toBe(false);
  });

  it('lists identities with their reply routes and consent', async () => {
    const { ledger } = await ayseLedger();
    const view = (await customer360(ledger, 'cA'))!;
    const routes = Object.fromEntries(view.identities.map((record) => [record.key, record.route]));
    expect(routes).toEqual({
      'x:ayse': { channel: 'x', identityKey: 'x:ayse', handle: 'ayse', lastInteractionId: 'x:p1', lastInteractionAt: utc('2026-01-13', '09:00'), visibility: 'public', optedOut: false },
      'instagram:ayse.y': { channel: 'instagram', identityKey: 'instagram:ayse.y', handle: 'ayse.y', lastInteractionId: 'instagram:d1', lastInteractionAt: utc('2026-01-12', '09:00'), visibility: 'private', optedOut: true },
    });
  });

  it('trends sentiment per week and lists only unanswered issues', async () => {
    const { ledger } = await ayseLedger();
    const view = (await customer360(ledger, 'cA'))!;
    expect(view.sentimentTrend).toEqual([
      { start: utc('2026-01-05', '00:00'), messages: 1, averageScore: -0.7, counts: { negative: 1, neutral: 0, positive: 0 } },
      { start: utc('2026-01-12', '00:00'), messages: 2, averageScore: 0.3, counts: { negative: 0, neutral: 1, positive: 1 } },
    ]);
    expect(view.openIssues).toEqual([
      { interactionId: 'instagram:d1', conversationId: 'instagram:dm', channel: 'instagram', createdAt: utc('2026-01-12', '09:00'), intents: ['question'], department: 'customer_service', urgency: 0.7, text: 'Any news on my claim?' },
    ]);
    const daily = (await customer360(ledger, 'cA', { bucket: 'day' }))!;
    expect(daily.sentimentTrend.map((bucket) => bucket.start)).toEqual([utc('2026-01-05', '00:00'), utc('2026-01-12', '00:00'), utc('2026-01-13', '00:00')]);
  });

  it('takes the advocate score from the advocates module and segments from the segment engine', async () => {
    const { ledger, interactions } = await ayseLedger();
    const advocates = createAdvocateTracker();
    for (const interaction of interactions) advocates.observe(interaction);
    const segments = createSegmentEngine([{ id: 'x-complainers', when: { all: [{ channel: 'x' }, { intent: 'complaint' }] } }]);
    await segments.evaluateAll(ledger, { now: utc('2026-01-14', '00:00') });
    const view = (await customer360(ledger, 'cA', { advocates, segments }))!;
    expect(view.advocateScore).toBe(advocates.score('cA')!.advocate.score);
    expect(view.advocateScore).toBeGreaterThan(0);
    expect(view.segments).toEqual(['x-complainers']);
    const bare = (await customer360(ledger, 'cA'))!;
    expect([bare.advocateScore, bare.detractorScore, bare.segments]).toEqual([null, null, null]);
  });

  it('pages the ledger fully, stops at the bound it is given, and answers null for an unknown customer', async () => {
    const { ledger } = await ayseLedger();
    for (let index = 0; index < 130; index++) {
      await ledger.appendInteraction(message({ id: `bulk${index}`, at: new Date(Date.parse(utc('2026-02-01', '00:00')) + index * 60_000).toISOString(), author: 'ayse', customerId: 'cA', text: `note ${index}` }));
    }
    const full = (await customer360(ledger, 'cA'))!;
    expect(full.timeline.filter((entry) => entry.relation === 'from-customer')).toHaveLength(133);
    const bounded = (await customer360(ledger, 'cA', { maxInteractions: 50 }))!;
    expect(bounded.truncated).toBe(true);
    // The newest are kept.
    expect(bounded.timeline.at(-1)!.interaction.id).toBe('x:bulk129');
    expect(await customer360(ledger, 'nobody')).toBeNull();
    await expect(customer360(ledger, 'cA', { bucket: 'year' as never })).rejects.toThrow(InvalidOptionsError);
  });
});
