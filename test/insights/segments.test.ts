import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, memoryLedger, type Customer } from 'social-crm';
import { createSegmentEngine, type SegmentChange, type SegmentDefinition } from 'social-crm/insights';
import { classified, message, utc } from './_conversations.js';

const trDetractorsOnInstagram: SegmentDefinition = {
  id: 'tr-instagram-detractors',
  name: 'Turkish-speaking detractors on Instagram this week',
  within: 'this-week',
  when: { all: [{ language: 'tr' }, { channel: 'instagram' }, { sentiment: { of: 'average', max: -0.3 } }] },
};
const purchaseNoReply: SegmentDefinition = {
  id: 'purchase-no-reply',
  name: 'Purchase intent, no reply yet',
  within: { lastDays: 7 },
  when: { all: [{ intent: 'purchase_intent' }, { noReplyYet: true }] },
};
const goldWithoutComplaints: SegmentDefinition = {
  id: 'gold-happy',
  when: { all: [{ attribute: 'tier', equals: 'gold' }, { not: { intent: 'complaint' } }] },
};

const brief = (changes: SegmentChange[]) => changes.map((change) => `${change.type === 'segment-entered' ? '+' : '-'}${change.segmentId}/${change.customerId}:${change.cause}`);
const customer = (id: string, attributes: Record<string, unknown> = {}): Customer => ({ id, identityKeys: [], attributes, createdAt: utc('2026-01-01', '00:00'), updatedAt: utc('2026-01-01', '00:00') });

describe('createSegmentEngine: incremental', () => {
  it('enters "Turkish-speaking detractors on Instagram this week" and leaves when the week is over (in the engine time zone)', () => {
    const engine = createSegmentEngine([trDetractorsOnInstagram], { timeZone: 'Europe/Istanbul' });
    const complaint = (id: string, at: string, channel = 'instagram') =>
      message({ id, at, channel, customerId: 'c1', text: 'Kargo rezalet', labels: classified({ language: 'tr', sentiment: 'negative', score: -0.8 }) });
    expect(brief(engine.observe(complaint('other-channel', utc('2026-01-07', '09:00'), 'x')))).toEqual([]);
    expect(brief(engine.observe(complaint('ig1', utc('2026-01-07', '10:00'))))).toEqual(['+tr-instagram-detractors/c1:interaction']);
    expect(engine.members('tr-instagram-detractors')).toEqual(['c1']);
    // Sunday 23:30 in Istanbul: still this week.
    expect(engine.advance(utc('2026-01-11', '20:30'))).toEqual([]);
    // Monday 00:30 in Istanbul (still Sunday in UTC): the week rolled over.
    const left = engine.advance(utc('2026-01-11', '21:30'));
    expect(brief(left)).toEqual(['-tr-instagram-detractors/c1:time']);
    expect(left[0]!.at).toBe(utc('2026-01-11', '21:30'));
    expect(engine.segmentsOf('c1')).toEqual([]);
  });

  it('averages sentiment over the window: one kind word does not undo three complaints, two do', () => {
    const engine = createSegmentEngine([trDetractorsOnInstagram]);
    const post = (id: string, hour: string, score: number) =>
      engine.observe(message({ id, channel: 'instagram', at: utc('2026-01-06', hour), customerId: 'c1', labels: classified({ language: 'tr', sentiment: score < 0 ? 'negative' : 'positive', score }) }));
    post('a', '10:00', -0.8);
    post('b', '11:00', -0.6);
    post('c', '12:00', -0.7);
    expect(post('d', '13:00', 0.6)).toEqual([]);
    expect(brief(post('e', '14:00', 0.7))).toEqual(['-tr-instagram-detractors/c1:interaction']);
  });

  it('"purchase intent, no reply yet": enters on the question, leaves on the brand answer, expires after 7 days', () => {
    const engine = createSegmentEngine([purchaseNoReply]);
    const ask = (id: string, customerId: string, at: string) => engine.observe(message({ id, at, customerId, text: 'Fiyatı ne kadar?', labels: classified({ language: 'tr', intents: ['purchase_intent'] }) }));
    expect(brief(ask('q1', 'c1', utc('2026-01-05', '10:00')))).toEqual(['+purchase-no-reply/c1:interaction']);
    expect(brief(ask('q2', 'c2', utc('2026-01-05', '11:00')))).toEqual(['+purchase-no-reply/c2:interaction']);
    const answer = engine.observe(message({ id: 'a1', conversation: 'q1', direction: 'outbound', at: utc('2026-01-05', '12:00') }));
    expect(brief(answer)).toEqual(['-purchase-no-reply/c1:interaction']);
    // Talk among customers waits for no brand answer.
    expect(engine.observe(message({ id: 'peer', direction: 'peer', at: utc('2026-01-05', '12:30'), customerId: 'c3', labels: classified({ intents: ['purchase_intent'] }) }))).toEqual([]);
    // c2 is never answered: membership ends when the question falls out of the 7-day window.
    expect(engine.advance(utc('2026-01-12', '11:00'))).toEqual([]);
    expect(brief(engine.advance(utc('2026-01-12', '11:01')))).toEqual(['-purchase-no-reply/c2:time']);
  });

  it('combines attributes, not, and scores; customer data re-evaluates the customer', () => {
    const scores: Record<string, number> = { c9: 7 };
    const engine = createSegmentEngine(
      [goldWithoutComplaints, { id: 'detractors', when: { any: [{ score: 'detractor', min: 6 }, { sentiment: { label: 'negative' } }] } }],
      { scoreOf: (customerId) => ({ detractor: scores[customerId] ?? 0 }) },
    );
    expect(brief(engine.observeCustomer(customer('c1', { tier: 'gold' })))).toEqual(['+gold-happy/c1:customer']);
    expect(brief(engine.observe(message({ id: 'm', at: utc('2026-01-05', '10:00'), customerId: 'c1', labels: classified({ intents: ['complaint'], sentiment: 'negative' }) })))).toEqual([
      '-gold-happy/c1:interaction',
      '+detractors/c1:interaction',
    ]);
    expect(brief(engine.observeCustomer(customer('c9')))).toEqual(['+detractors/c9:customer']);
    expect(brief(engine.setScores('c9', { detractor: 2 }))).toEqual(['-detractors/c9:customer']);
    const why = engine.explain('gold-happy', 'c1');
    expect(why.member).toBe(false);
    expect(why.conditions).toEqual([
      { condition: '{"attribute":"tier","equals":"gold"}', matched: true },
      { condition: '{"intent":"complaint"}', matched: true },
    ]);
    expect(brief(engine.forget('c1'))).toEqual(['-detractors/c1:customer']);
  });

  it('begins a membership when a calendar window turns over ("wrote last week, quiet today")', () => {
    const engine = createSegmentEngine([{ id: 'quiet-today', when: { all: [{ messages: { min: 1 }, within: { lastDays: 14 } }, { not: { messages: { min: 1 }, within: 'today' } }] } }]);
    expect(engine.observe(message({ id: 'm', at: utc('2026-01-05', '10:00'), customerId: 'c1' }))).toEqual([]);
    expect(engine.advance(utc('2026-01-05', '23:59'))).toEqual([]);
    expect(brief(engine.advance(utc('2026-01-06', '00:00')))).toEqual(['+quiet-today/c1:time']);
    // Fourteen days after the message it no longer counts as "wrote recently".
    expect(brief(engine.advance(utc('2026-01-19', '10:01')))).toEqual(['-quiet-today/c1:time']);
  });

  it('resumes memberships and their expiry from toJSON()', () => {
    const first = createSegmentEngine([purchaseNoReply]);
    first.observe(message({ id: 'q', at: utc('2026-01-05', '10:00'), customerId: 'c1', labels: classified({ intents: ['purchase_intent'] }) }));
    const second = createSegmentEngine([purchaseNoReply], { state: JSON.parse(JSON.stringify(first.toJSON())) });
    expect(second.members('purchase-no-reply')).toEqual(['c1']);
    expect(brief(second.advance(utc('2026-01-13', '00:00')))).toEqual(['-purchase-no-reply/c1:time']);
  });

  it('rejects malformed definitions with a typed error naming each path', () => {
    let error: unknown;
    try {
      createSegmentEngine([
        { id: 'a', when: { intent: 'refund' as never } },
        { id: 'a', within: { lastDays: -1 }, when: { all: [] } },
      ]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    const paths = (error as InvalidOptionsError).issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['0.when', '1.within.lastDays', '1.when.all']));
    expect(() => createSegmentEngine([goldWithoutComplaints, goldWithoutComplaints])).toThrow(/Duplicate segment id `gold-happy`/);
    expect(() => createSegmentEngine([], { timeZone: 'Nowhere/Else' })).toThrow(InvalidOptionsError);
    expect(() => createSegmentEngine([goldWithoutComplaints]).members('nope')).toThrow(/Unknown segment `nope`/);
  });
});

describe('createSegmentEngine: evaluateAll over the storage port', () => {
  it('rebuilds every customer from the ledger, reports differences, and is idempotent', async () => {
    const ledger = memoryLedger();
    await ledger.saveCustomer(customer('c1', { tier: 'gold' }));
    await ledger.saveCustomer(customer('c2'));
    const ask = message({ id: 'q', at: utc('2026-01-05', '10:00'), customerId: 'c2', labels: classified({ intents: ['purchase_intent'] }) });
    await ledger.appendInteraction(ask);
    await ledger.appendInteraction(message({ id: 'q-other', at: utc('2026-01-05', '10:30'), customerId: 'c1', labels: classified({ intents: ['purchase_intent'] }) }));
    await ledger.appendInteraction(message({ id: 'a', conversation: 'q-other', direction: 'outbound', at: utc('2026-01-05', '11:00') }));
    const engine = createSegmentEngine([purchaseNoReply, goldWithoutComplaints]);
    // A customer the engine knew incrementally but the ledger no longer has (erased) leaves.
    engine.observe(message({ id: 'ghost', at: utc('2026-01-05', '09:00'), customerId: 'gone', labels: classified({ intents: ['purchase_intent'] }) }));
    const changes = await engine.evaluateAll(ledger, { now: utc('2026-01-06', '00:00') });
    expect(brief(changes).sort()).toEqual(['+gold-happy/c1:evaluation', '+purchase-no-reply/c2:evaluation', '-purchase-no-reply/gone:evaluation']);
    expect(await engine.evaluateAll(ledger, { now: utc('2026-01-06', '00:00') })).toEqual([]);
    // Incremental updates continue from the rebuilt state.
    expect(brief(engine.observe(message({ id: 'a2', conversation: 'q', direction: 'outbound', at: utc('2026-01-06', '01:00') })))).toEqual(['-purchase-no-reply/c2:interaction']);
  });
});
