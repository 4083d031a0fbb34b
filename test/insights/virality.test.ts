import { describe, expect, it } from 'vitest';
import { createViralityWatch, type AlertChange, type ViralityAlert } from 'social-crm/insights';
import { HOUR, T0, at, post } from './_streams.js';

const raised = (changes: AlertChange[]) => changes.filter((change) => change.type === 'raised').map((change) => change.alert as ViralityAlert);
const resolved = (changes: AlertChange[]) => changes.filter((change) => change.type === 'resolved');

const complaint = () => post({ hours: 0, nativeId: 'root', sentiment: 'negative', intents: ['complaint'], text: 'Yıldız Air bagajımı kırdı, rezalet!', author: 'mert', name: 'Mert Kaya', followers: 48_000 });
const replies = (count: number, fromHours: number, spacingHours: number, sentiment: 'negative' | 'neutral' = 'negative') =>
  Array.from({ length: count }, (_, index) => post({ hours: fromHours + index * spacingHours, parentId: index % 2 ? `r${index - 1}` : 'root', conversationId: 'root', nativeId: `r${index}`, direction: 'peer', sentiment, author: `joiner${index}` }));

describe('createViralityWatch', () => {
  it('raises once when replies in the thread grow fast, with the post, growth and participants as evidence', () => {
    const watch = createViralityWatch({ windowMinutes: 60, minGrowth: 8 });
    const changes = [complaint(), ...replies(20, 0.5, 0.05)].flatMap((row) => watch.observe(row));
    const alerts = raised(changes);
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alert).toMatchObject({ id: 'virality:x:root', kind: 'virality', severity: 'critical' });
    expect(alert.evidence).toMatchObject({ growth: 8, replies: 8, participants: 8, answeredByBrand: false, post: { id: 'x:root', author: 'Mert Kaya', followers: 48_000 } });
    expect(alert.evidence.post.text).toContain('bagajımı kırdı');
    // Raised on the eighth reply, at its time.
    expect(alert.raisedAt).toBe(at(0.5 + 7 * 0.05));
  });

  it('raises nothing for a thread that grows slowly, nor for a positive post', () => {
    const slow = createViralityWatch({ windowMinutes: 60, minGrowth: 8 });
    expect([complaint(), ...replies(30, 0.5, 0.25)].flatMap((row) => slow.observe(row))).toEqual([]);
    const praise = createViralityWatch({ windowMinutes: 60, minGrowth: 8 });
    const happy = post({ hours: 0, nativeId: 'root', sentiment: 'positive', text: 'Best crew ever' });
    expect([happy, ...replies(20, 0.1, 0.01, 'neutral')].flatMap((row) => praise.observe(row))).toEqual([]);
    expect(praise.size()).toBe(0);
  });

  it('counts shares and quotes from updated metrics, and the author replying to themself does not count', () => {
    const watch = createViralityWatch({ windowMinutes: 60, minGrowth: 50 });
    const root = complaint();
    expect(watch.observe(root)).toEqual([]);
    expect(watch.observe(post({ hours: 0.2, parentId: 'root', conversationId: 'root', author: 'mert', sentiment: 'negative' }))).toEqual([]);
    const update = { ...root, state: 'edited' as const, editedAt: at(0.5), metrics: { replies: 3, shares: 40, quotes: 9 } };
    const alerts = raised(watch.observe(update));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.evidence).toMatchObject({ growth: 52, shares: 40, quotes: 9, replies: 3, participants: 0 });
  });

  it('notes when the brand answered, resolves when growth stops, and never re-raises the same post', () => {
    let clock = new Date(T0);
    const watch = createViralityWatch({ windowMinutes: 60, minGrowth: 8, now: () => clock });
    [complaint(), ...replies(8, 0.5, 0.05)].forEach((row) => watch.observe(row));
    expect(watch.activeAlerts()).toHaveLength(1);
    watch.observe(post({ hours: 1, parentId: 'root', conversationId: 'root', direction: 'outbound', author: 'yildizair', text: 'Çok üzgünüz, DM’den yazdık.' }));
    clock = new Date(T0 + 1.2 * HOUR);
    expect(resolved(watch.advance())).toEqual([]);
    clock = new Date(T0 + 2 * HOUR);
    const done = resolved(watch.advance());
    expect(done).toHaveLength(1);
    expect((done[0]!.alert as ViralityAlert).evidence.answeredByBrand).toBe(true);
    expect(watch.activeAlerts()).toEqual([]);
    expect(raised(replies(12, 3, 0.02).map((row) => ({ ...row, id: `${row.id}b`, nativeId: `${row.nativeId}b` })).flatMap((row) => watch.observe(row)))).toEqual([]);
  });

  it('forgets posts past the horizon and survives a snapshot round trip', () => {
    const watch = createViralityWatch({ windowMinutes: 60, minGrowth: 8, horizonHours: 24 });
    [complaint(), ...replies(5, 0.5, 0.05)].forEach((row) => watch.observe(row));
    const copy = createViralityWatch({ windowMinutes: 60, minGrowth: 8, horizonHours: 24, state: JSON.parse(JSON.stringify(watch.toJSON())) });
    const more = replies(8, 0.8, 0.01).slice(5).map((row) => copy.observe(row));
    expect(raised(more.flat())).toHaveLength(1);
    expect(copy.size()).toBe(9); // the root and its eight negative replies
    copy.advance(new Date(T0 + 30 * HOUR));
    expect(copy.size()).toBe(0);
    expect(() => createViralityWatch({ minGrowth: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });
});
