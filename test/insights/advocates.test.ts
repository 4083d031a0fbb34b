import { describe, expect, it } from 'vitest';
import { memoryLedger } from 'social-crm';
import { createAdvocateTracker, rankAdvocates, type AdvocateChange } from 'social-crm/insights';
import { at, labels, post } from './_streams.js';

const DAY = 24;

/** Can: praises the brand on five different days and twice answers other customers in Turkish. */
function repeatAdvocate() {
  const praise = ['Yıldız Air ile 5. uçuşum, ekip harika', 'Best legroom in economy, thank you!', 'Kabin ekibi annemle çok ilgilendi', 'On time again, never lets me down', 'Yeni menü çok güzel olmuş'];
  return [
    ...praise.map((text, index) => post({ hours: index * 2 * DAY, text, sentiment: 'positive', author: 'can', name: 'Can Demir', customerId: 'cus_can', followers: 1_200 })),
    // Neutral by sentiment, but a recommendation to another customer (cue: tavsiye ederim).
    post({ hours: 3 * DAY, text: '@seyahatsever ek bagajı önceden alırsan ucuza geliyor, tavsiye ederim', sentiment: 'neutral', direction: 'peer', parentId: 'q1', author: 'can', customerId: 'cus_can', followers: 1_200 }),
    post({ hours: 7 * DAY, text: '@newbie they sorted my refund in two days, I always recommend them', sentiment: 'positive', direction: 'peer', parentId: 'q2', author: 'can', customerId: 'cus_can', followers: 1_200 }),
  ];
}
/** A celebrity who loved one flight. */
const oneOffFan = () => post({ hours: 9 * DAY, text: 'Amazing flight with Yıldız Air!!', sentiment: 'positive', author: 'celebrity', name: 'Famous Person', customerId: 'cus_fan', followers: 2_000_000 });

describe('createAdvocateTracker', () => {
  it('ranks a repeat advocate who helps other customers above a one-off fan with far more followers, showing why', () => {
    const tracker = createAdvocateTracker();
    for (const row of [...repeatAdvocate(), oneOffFan()]) tracker.observe(row);
    const ranking = tracker.ranking();
    expect(ranking.map((entry) => entry.customerId)).toEqual(['cus_can', 'cus_fan']);
    const [can, fan] = ranking as [(typeof ranking)[number], (typeof ranking)[number]];
    expect(can.counts).toMatchObject({ positive: 5, peerSupport: 2, activeDays: 7, followers: 1_200 });
    expect(can.components.peer).toBeGreaterThan(4);
    expect(fan.components.reach).toBeGreaterThan(can.components.reach);
    const sum = can.components.mentions + can.components.peer + can.components.consistency + can.components.reach + can.components.offset;
    expect(can.score).toBeCloseTo(sum, 2);
    expect(can.name).toBe('Can Demir');
  });

  it('announces an advocate once when the threshold is crossed, with hysteresis before a second announcement', () => {
    const tracker = createAdvocateTracker({ advocate: { detect: 6, release: 4 }, halfLifeDays: 10 });
    const changes: AdvocateChange[] = [];
    for (const row of repeatAdvocate()) changes.push(...tracker.observe(row));
    changes.push(...tracker.observe(post({ hours: 9 * DAY, sentiment: 'positive', author: 'can', customerId: 'cus_can' })));
    expect(changes.filter((change) => change.type === 'advocate-detected').map((change) => change.customer.customerId)).toEqual(['cus_can']);
    // Months later the score has decayed under the release level; a new burst announces again.
    const later = [0, 1, 2, 3].flatMap((day) => tracker.observe(post({ hours: 200 * DAY + day * DAY, sentiment: 'positive', author: 'can', customerId: 'cus_can' })));
    expect(later.map((change) => change.type)).toEqual(['advocate-detected']);
  });

  it('detects a detractor who complains repeatedly and passes complaints on, and keeps one-off grumbles below', () => {
    const tracker = createAdvocateTracker();
    const changes = [
      ...[0, 1, 2].flatMap((day) => tracker.observe(post({ hours: day * DAY, sentiment: 'negative', intents: ['complaint'], text: 'Bagajım yine kayboldu, rezalet', author: 'mert', customerId: 'cus_mert', followers: 48_000 }))),
      ...tracker.observe(post({ hours: 3 * DAY, sentiment: 'negative', direction: 'peer', parentId: 'x1', text: 'Don’t fly with them, they broke my guitar too', author: 'mert', customerId: 'cus_mert', followers: 48_000 })),
      ...tracker.observe(post({ hours: 1, sentiment: 'negative', text: 'Food was cold', author: 'grumble', customerId: 'cus_grumble' })),
    ];
    expect(changes).toEqual([expect.objectContaining({ type: 'detractor-detected', customer: expect.objectContaining({ customerId: 'cus_mert' }) })]);
    const detractors = tracker.ranking({ kind: 'detractor' });
    expect(detractors[0]!.counts).toMatchObject({ negative: 3, peerComplaints: 1 });
    expect(detractors[0]!.components.offset).toBe(0);
    expect(tracker.ranking({ kind: 'advocate' })).toEqual([]);
  });

  it('ignores brand posts, spam and neutral chatter, and folds merged customers together', () => {
    const tracker = createAdvocateTracker();
    tracker.observe(post({ hours: 0, sentiment: 'positive', direction: 'outbound', author: 'brand' }));
    tracker.observe({ ...post({ hours: 0, author: 'spammer', customerId: 'cus_spam' }), classification: labels('positive', ['spam']) });
    tracker.observe(post({ hours: 0, sentiment: 'neutral', author: 'chatter', customerId: 'cus_chat' }));
    // Mildly positive but a question to another customer: not support.
    const wow = post({ hours: 0, direction: 'peer', parentId: 'x', text: 'Wow, still silent? This is going viral', author: 'onlooker', customerId: 'cus_onlooker' });
    tracker.observe({ ...wow, classification: { ...labels('positive', ['question']), sentiment: { label: 'positive', score: 0.5, confidence: 0.6 } } });
    expect(tracker.ranking()).toEqual([]);
    tracker.observe(post({ hours: 0, sentiment: 'positive', author: 'ig', customerId: 'cus_a', followers: 10 }));
    tracker.observe(post({ hours: DAY, sentiment: 'positive', author: 'wa', customerId: 'cus_b', followers: 500 }));
    tracker.mergeCustomers('cus_a', ['cus_b']);
    expect(tracker.ranking().map((entry) => [entry.customerId, entry.counts.positive, entry.counts.activeDays, entry.counts.followers])).toEqual([['cus_a', 2, 2, 500]]);
    expect(tracker.score('cus_b')).toBeNull();
  });

  it('survives a snapshot round trip and rejects a bad band', () => {
    const tracker = createAdvocateTracker();
    for (const row of repeatAdvocate()) tracker.observe(row);
    const copy = createAdvocateTracker({ state: JSON.parse(JSON.stringify(tracker.toJSON())) });
    expect(copy.ranking()).toEqual(tracker.ranking());
    expect(() => createAdvocateTracker({ advocate: { detect: 3, release: 5 } })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});

describe('rankAdvocates', () => {
  it('ranks from the storage port alone', async () => {
    const ledger = memoryLedger();
    for (const row of [...repeatAdvocate(), oneOffFan()]) await ledger.appendInteraction(row);
    const ranking = await rankAdvocates(ledger, { limit: 5 });
    expect(ranking.map((entry) => entry.customerId)).toEqual(['cus_can', 'cus_fan']);
    expect(await rankAdvocates(ledger, { since: at(8.5 * DAY) })).toEqual([expect.objectContaining({ customerId: 'cus_fan' })]);
  });
});
