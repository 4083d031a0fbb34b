import { describe, expect, it } from 'vitest';
import { memoryLedger } from 'social-crm';
import { createMentionMonitor, queryMentions } from 'social-crm/insights';
import { at, post } from './_streams.js';

const campaign = { id: 'kis', name: 'Kış kampanyası', keywords: ['kış kampanyası', 'winter sale'], hashtags: ['YıldızKış'] };

describe('createMentionMonitor', () => {
  it('matches Turkish and English keywords and hashtags whatever the case, dots on the I or suffixes', () => {
    const monitor = createMentionMonitor({ definitions: [campaign, { id: 'istanbul', keywords: ['İstanbul'] }] });
    const hits = [
      post({ hours: 0, text: 'KIŞ KAMPANYASI fiyatları çok iyi!', sentiment: 'positive' }),
      post({ hours: 0.2, text: 'kis kampanyasindan bilet aldım', sentiment: 'positive' }),
      post({ hours: 0.4, text: 'The Winter Sale prices are a joke', sentiment: 'negative' }),
      post({ hours: 1.1, text: 'Tatil zamanı #yildizkis ✈️' }),
      post({ hours: 1.2, text: 'no tag in the text', hashtags: ['yıldızkış'] }),
      post({ hours: 1.3, text: 'ISTANBUL uçuşum iptal', sentiment: 'negative' }),
      post({ hours: 1.4, text: 'İstanbul’dan Berlin’e' }),
    ].map((row) => monitor.observe(row));
    expect(hits).toEqual([['kis'], ['kis'], ['kis'], ['kis'], ['kis'], ['istanbul'], ['istanbul']]);
    expect(monitor.observe(post({ hours: 2, text: 'kışın uçmak güzel, sale yok' }))).toEqual([]);
    expect(monitor.observe(post({ hours: 2, text: 'hashtag-like #yildizkisbaska is another tag' }))).toEqual([]);
  });

  it('keeps volume, sentiment mix, reach and authors per bucket, with empty buckets filled', () => {
    const monitor = createMentionMonitor({ definitions: [campaign] });
    monitor.observe(post({ hours: 0.1, text: 'kış kampanyası harika', sentiment: 'positive', author: 'a', followers: 1_000 }));
    monitor.observe(post({ hours: 0.5, text: 'kış kampanyası harika', sentiment: 'positive', author: 'a', followers: 1_000, metrics: { shares: 4, replies: 1 } }));
    monitor.observe(post({ hours: 0.7, text: 'winter sale is fake', sentiment: 'negative', author: 'b', followers: 50 }));
    monitor.observe({ ...post({ hours: 3.2, text: 'winter sale?', author: 'c', followers: 10 }), classification: undefined });
    const rows = monitor.series('kis');
    expect(rows.map((row) => row.start)).toEqual([at(0), at(1), at(2), at(3)]);
    expect(rows[0]).toEqual({ start: at(0), mentions: 3, positive: 2, neutral: 0, negative: 1, unclassified: 0, reach: 2_050, engagement: 5, authors: 2 });
    expect(rows[1]!.mentions).toBe(0);
    expect(rows[3]).toMatchObject({ mentions: 1, unclassified: 1 });
    expect(monitor.series('kis', { fill: false })).toHaveLength(2);
    expect(monitor.series('kis', { since: at(3), until: at(4) }).map((row) => row.mentions)).toEqual([1]);
    const totals = monitor.totals('kis');
    expect(totals).toMatchObject({ name: 'Kış kampanyası', mentions: 4, authors: 3, mix: { positive: 0.667, negative: 0.333, net: 0.333 } });
  });

  it('respects the campaign period, channels and brand posts, and drops buckets past retention', () => {
    const monitor = createMentionMonitor({ retentionBuckets: 2, definitions: [{ id: 'c', keywords: ['promo'], since: at(1), until: at(5), channels: ['x'] }] });
    expect(monitor.observe(post({ hours: 0.5, text: 'promo' }))).toEqual([]);
    expect(monitor.observe(post({ hours: 1.5, text: 'promo', direction: 'outbound', author: 'brand' }))).toEqual([]);
    expect(monitor.observe({ ...post({ hours: 1.5, text: 'promo' }), channel: 'instagram' })).toEqual([]);
    for (const hours of [1.5, 2.5, 3.5]) monitor.observe(post({ hours, text: 'promo code?' }));
    expect(monitor.observe(post({ hours: 5.5, text: 'promo' }))).toEqual([]);
    expect(monitor.series('c', { fill: false }).map((row) => row.start)).toEqual([at(2), at(3)]);
  });

  it('adds and removes definitions at runtime, restores from a snapshot, and rejects bad input with typed errors', () => {
    const monitor = createMentionMonitor();
    monitor.define({ id: 'idea', keywords: ['feature'], match: (interaction) => /özellik/i.test(interaction.text) });
    expect(monitor.observe(post({ hours: 0, text: 'Yeni bir özellik önerim var' }))).toEqual(['idea']);
    const copy = createMentionMonitor({ definitions: [{ id: 'idea', keywords: ['feature'] }], state: JSON.parse(JSON.stringify(monitor.toJSON())) });
    expect(copy.totals('idea').mentions).toBe(1);
    expect(monitor.definitions()).toEqual([{ id: 'idea', keywords: ['feature'] }]);
    expect(monitor.remove('idea')).toBe(true);
    expect(() => monitor.series('idea')).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    expect(() => monitor.define({ id: 'empty', keywords: ['  '] })).toThrow(/never match/);
    expect(() => createMentionMonitor({ definitions: [{ id: '' }] as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });

  it('recomputes series over any period from the storage port (queryMentions)', async () => {
    const ledger = memoryLedger();
    const rows = [
      post({ hours: 0.5, text: 'Kış kampanyası başladı mı?' }),
      post({ hours: 30, text: 'WINTER SALE!!!', sentiment: 'positive' }),
      post({ hours: 30.2, text: 'kış kampanyasında iade yok mu?', sentiment: 'negative' }),
      post({ hours: 31, text: 'unrelated' }),
    ];
    for (const row of rows) await ledger.appendInteraction(row);
    const [winter] = await queryMentions(ledger, { definitions: [campaign], since: at(24), until: at(48), bucketMinutes: 360 });
    expect(winter!.totals).toMatchObject({ mentions: 2, positive: 1, negative: 1 });
    expect(winter!.series.map((bucket) => [bucket.start, bucket.mentions])).toEqual([
      [at(24), 0],
      [at(30), 2],
      [at(36), 0],
      [at(42), 0],
    ]);
  });
});
