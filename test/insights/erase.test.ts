import { describe, expect, it } from 'vitest';
import { createSocialCrm, memoryLedger, type Classifier, type InteractionInput } from 'social-crm';
import { createIdentityMerger } from 'social-crm/identity';
import { createInsights, createSlaTracker, eraseInsightsState, type InsightsOptions } from 'social-crm/insights';
import { T0, at, labels } from './_streams.js';

const classifier: Classifier = {
  id: 'test/erase@1',
  classify: ({ text }) => (/rezalet|berbat|gelmedi/i.test(text) ? labels('negative', ['complaint']) : /teşekkür|harika/i.test(text) ? labels('positive') : labels('neutral')),
};

const PERSON = { name: 'Zeynep Kılıçarslan', handle: 'zeynep_k_2026', nativeId: '1790000000000000001', email: 'zeynep.k@example.test' };
const BYSTANDER = { name: 'Mehmet Aydın', handle: 'mehmet_a', nativeId: '1790000000000000099' };
const PERSON_TEXTS = ['Siparişim ZK-77 hâlâ gelmedi, rezalet', 'Kargo berbat, Bornova Manavkuyu adresime gelmedi', 'İadem gelmedi, rezalet'];
const PERSON_TERMS = ['Zeynep', 'Kılıçarslan', PERSON.handle, PERSON.nativeId, PERSON.email, 'ZK-77', 'Manavkuyu', 'İadem gelmedi'];

function post(who: typeof PERSON | typeof BYSTANDER, nativeId: string, hours: number, text: string, extra: Partial<InteractionInput> = {}): InteractionInput {
  return {
    channel: 'x',
    nativeId,
    kind: 'mention',
    author: { channel: 'x', nativeId: who.nativeId, handle: who.handle, displayName: who.name, followerCount: 5000, ...('email' in who ? { email: who.email } : {}) },
    text,
    createdAt: at(hours),
    metrics: { replies: 40, shares: 30 },
    ...extra,
  };
}

/** Every primitive that keeps people in its state, fed the person and a bystander through a crm. */
async function watchedCrm() {
  let clock = new Date(T0);
  const ledger = memoryLedger();
  const crm = createSocialCrm({ ledger, classifier, identity: createIdentityMerger({ ledger, now: () => clock }), now: () => clock });
  const options: InsightsOptions = {
    now: () => clock,
    virality: { track: 'all', minGrowth: 1 },
    crisis: { warmUpBuckets: 0, minVolume: 1 },
    monitor: { definitions: [{ id: 'orders', keywords: ['sipariş', 'kargo'] }] },
    routing: { rules: [{ name: 'complaints', when: { intents: ['complaint'] }, assign: { queue: 'care' } }] },
    segments: { definitions: [{ id: 'unhappy', when: { sentiment: { of: 'average', max: -0.3 } } }] },
  };
  const insights = createInsights(crm, options);
  const rows = [
    post(PERSON, 'p1', 1, PERSON_TEXTS[0]!),
    post(BYSTANDER, 'b1', 1.2, 'Harika hizmet, teşekkürler'),
    post(PERSON, 'p2', 1.5, PERSON_TEXTS[1]!, { kind: 'direct_message', visibility: 'private', conversationId: 'pc-5f1c0a9e3b7d4c2a8e6f1b0d9c8a7e6f' }),
    post(BYSTANDER, 'b2', 1.7, 'Kargo gelmedi ama sorun değil, rezalet değil'),
    post(PERSON, 'p3', 2, PERSON_TEXTS[2]!),
  ];
  for (const row of rows) {
    clock = new Date(row.createdAt as string);
    await crm.ingest(row);
  }
  await insights.advance(new Date(T0 + 2.5 * 3_600_000));
  const customerOf = async (id: string) => (await ledger.getInteraction(id))!.customerId!;
  return { crm, ledger, insights, options, person: await customerOf('x:p1'), bystander: await customerOf('x:b1') };
}

const found = (value: unknown, terms: string[]) => {
  const text = JSON.stringify(value).toLocaleLowerCase('tr');
  return terms.filter((term) => text.includes(term.toLocaleLowerCase('tr')));
};

describe('insights erase', () => {
  it('crm.eraseCustomer removes the person from every primitive and keeps the bystander', async () => {
    const { crm, insights, person, bystander } = await watchedCrm();
    const before = insights.toJSON();
    expect(found(before, PERSON_TERMS).length, 'the snapshot holds the person before the erase (else the check proves nothing)').toBeGreaterThan(3);
    for (const part of ['crisis', 'virality', 'advocates', 'sla', 'segments'] as const) {
      expect(JSON.stringify(before[part]), `${part} keeps the person before the erase`).toMatch(new RegExp(`${person}|Zeynep|x:p1`));
    }
    await crm.eraseCustomer(person);
    const after = insights.toJSON();
    expect(found(after, PERSON_TERMS), 'insights.toJSON() names the person nowhere after the erase').toEqual([]);
    expect(JSON.stringify(after), 'nor holds their customer id').not.toContain(person);
    expect(JSON.stringify(after), "the bystander's state stays").toContain(bystander);
    expect(insights.advocates!.score(bystander), 'the bystander keeps their advocate standing').not.toBeNull();
    expect(insights.advocates!.score(person), 'the erased person has none').toBeNull();
    // The rebuilt primitives carry on.
    await crm.ingest(post(BYSTANDER, 'b3', 3, 'Kargo yine gelmedi, rezalet'));
    expect(JSON.stringify(insights.toJSON())).toContain('x:b3');
    insights.close();
    await crm.close();
  });

  it('a snapshot taken before the erase is swept when it is restored', async () => {
    const { crm, insights, options, person, bystander } = await watchedCrm();
    const snapshot = insights.toJSON();
    insights.close();
    await crm.eraseCustomer(person);
    const restored = createInsights(crm, { ...options, state: snapshot });
    await restored.advance(new Date(T0 + 2.6 * 3_600_000));
    const state = restored.toJSON();
    expect(JSON.stringify(state), 'the restored state names the erased customer nowhere').not.toContain(person);
    expect(found(state, PERSON_TERMS), 'nor their name, handle or texts').toEqual([]);
    expect(JSON.stringify(state), "the bystander's part of the snapshot stays").toContain(bystander);
    restored.close();
    await crm.close();
  });

  it("eraseInsightsState works on one primitive's snapshot: records about the person go, counts stay", () => {
    const tracker = createSlaTracker({ now: () => new Date(T0) });
    const message = (id: string, customerId: string, conversationId: string) => ({
      id, channel: 'x', nativeId: id, kind: 'direct_message' as const, direction: 'inbound' as const, visibility: 'private' as const,
      author: { channel: 'x', nativeId: `u-${customerId}` }, conversationId, customerId, text: 'Merhaba', createdAt: at(1), receivedAt: at(1), attachments: [], state: 'active' as const, channelMetadata: {},
    });
    tracker.observe(message('x:1', 'cus_zeynep', 'x:pc-1'));
    tracker.observe(message('x:2', 'cus_mehmet', 'x:pc-2'));
    const state = eraseInsightsState(tracker.toJSON(), { customerIds: ['cus_zeynep'], conversationIds: ['x:pc-1'] });
    expect(state.clocks.map((clock) => clock.conversationId), 'the clock of the erased conversation goes').toEqual(['x:pc-2']);
    const resumed = createSlaTracker({ now: () => new Date(T0), state });
    expect(resumed.clock('x:pc-2'), 'the scrubbed snapshot restores').not.toBeNull();
    expect(eraseInsightsState(tracker.toJSON(), {}), 'an empty subject changes nothing').toEqual(tracker.toJSON());
  });
});
