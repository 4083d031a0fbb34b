import { describe, expect, it } from 'vitest';
import { isSocialCrmError } from 'social-crm';
import { createCrisisDetector, type AlertChange, type CrisisAlert } from 'social-crm/insights';
import { HOUR, T0, at, background, post } from './_streams.js';

const feed = (detector: ReturnType<typeof createCrisisDetector>, rows: ReturnType<typeof post>[]) => rows.flatMap((row) => detector.observe(row));
const raised = (changes: AlertChange[]) => changes.filter((change) => change.type === 'raised').map((change) => change.alert as CrisisAlert);
const resolved = (changes: AlertChange[]) => changes.filter((change) => change.type === 'resolved');

/** 12 complaints within one hour, from a big account and a crowd of replies. */
function spike(fromHours: number, count = 12, text = 'They broke my guitar and nobody answers') {
  return Array.from({ length: count }, (_, index) =>
    post({ hours: fromHours + index / (count + 1), sentiment: 'negative', intents: ['complaint'], text: `${text} (${index})`, author: index === 0 ? 'mert' : `joiner${index}`, name: index === 0 ? 'Mert Kaya' : undefined, followers: index === 0 ? 48_000 : 200 + index, direction: index === 0 ? 'inbound' : 'peer' }),
  );
}

describe('createCrisisDetector', () => {
  it('raises exactly one alert for a spike, with the window, baseline, observed volume, top posts and authors', () => {
    const detector = createCrisisDetector({ warmUpBuckets: 24 });
    const changes = [...feed(detector, background(0, 48)), ...feed(detector, spike(48))];
    const alerts = raised(changes);
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alert.kind).toBe('crisis');
    expect(alert.evidence.key).toBe('all');
    expect(alert.evidence.window).toEqual({ start: at(48), end: at(49) });
    expect(alert.evidence.baseline.buckets).toBe(48);
    expect(alert.evidence.baseline.mean).toBeGreaterThan(0);
    expect(alert.evidence.baseline.mean).toBeLessThan(5);
    expect(alert.evidence.observed.mentions).toBeGreaterThanOrEqual(5);
    expect(alert.evidence.score).toBeGreaterThanOrEqual(3);
    // The big account's post travels furthest and leads the evidence.
    expect(alert.evidence.topPosts[0]!.author).toBe('Mert Kaya');
    expect(alert.evidence.topPosts[0]!.text).toContain('They broke my guitar');
    expect(alert.evidence.topAuthors[0]).toMatchObject({ name: 'Mert Kaya', followers: 48_000, posts: 1 });
    expect(detector.activeAlerts().map((active) => active.id)).toEqual([alert.id]);
  });

  it('resolves once the spike subsides, and the cooldown suppresses a repeat right after', () => {
    const detector = createCrisisDetector({ warmUpBuckets: 24, cooldownBuckets: 6, resolveAfterBuckets: 2 });
    const changes = [...feed(detector, background(0, 48)), ...feed(detector, spike(48)), ...feed(detector, background(49, 3))];
    const done = resolved(changes);
    expect(done).toHaveLength(1);
    expect(done[0]!.alert.id).toBe(raised(changes)[0]!.id);
    // Bucket 48 raised; 49 and 50 are quiet: resolved when bucket 50 closes.
    expect(done[0]).toMatchObject({ resolvedAt: at(51) });
    expect((done[0]!.alert as CrisisAlert).evidence.window).toEqual({ start: at(48), end: at(51) });
    expect(detector.activeAlerts()).toEqual([]);
    // A second spike inside the cooldown raises nothing; one after it raises a new alert.
    const repeat = feed(detector, spike(53));
    expect(raised(repeat)).toEqual([]);
    const later = [...feed(detector, background(54, 10)), ...feed(detector, spike(64))];
    expect(raised(later)).toHaveLength(1);
  });

  it('raises nothing below the minimum volume, however surprising', () => {
    const detector = createCrisisDetector({ warmUpBuckets: 4, minVolume: 5 });
    const quiet = Array.from({ length: 10 }, (_, hour) => post({ hours: hour, sentiment: 'neutral' }));
    const changes = [...feed(detector, quiet), ...feed(detector, spike(10, 4)), ...feed(detector, [post({ hours: 11, sentiment: 'neutral' })])];
    expect(raised(changes)).toEqual([]);
  });

  it('learns during warm-up and does not alert then', () => {
    const detector = createCrisisDetector({ warmUpBuckets: 24 });
    expect(raised(feed(detector, spike(0)))).toEqual([]);
    expect(raised([...feed(detector, background(1, 10)), ...feed(detector, spike(11))])).toEqual([]);
    expect(detector.baseline('all')!.buckets).toBe(11);
  });

  it('keys spikes by topic with Turkish-aware terms and keeps the other topic quiet', () => {
    const detector = createCrisisDetector({ warmUpBuckets: 24, keys: { overall: false, topics: { baggage: ['bagaj', 'baggage', 'valiz'], refunds: ['iade', 'refund'] } } });
    const turkish = (hours: number, index: number) => post({ hours, sentiment: 'negative', text: `BAGAJIM yine kayboldu, rezalet ${index}`, author: `yolcu${index}`, followers: 300 });
    const baseline = Array.from({ length: 48 }, (_, hour) => post({ hours: hour, sentiment: 'negative', text: 'İADE hâlâ yapılmadı' }));
    const burst = Array.from({ length: 8 }, (_, index) => turkish(48 + index / 10, index));
    const changes = [...feed(detector, baseline), ...feed(detector, Array.from({ length: 48 }, (_, hour) => post({ hours: hour + 0.5, sentiment: 'negative', text: 'Lost baggage again' }))), ...feed(detector, burst)];
    expect(raised(changes).map((alert) => alert.evidence.key)).toEqual(['baggage']);
    expect(detector.keys().sort()).toEqual(['baggage', 'refunds']);
  });

  it('closes quiet buckets on advance() and resolves from the clock alone', () => {
    let clock = new Date(T0);
    const detector = createCrisisDetector({ warmUpBuckets: 24, now: () => clock });
    feed(detector, background(0, 48));
    expect(raised(feed(detector, spike(48)))).toHaveLength(1);
    clock = new Date(T0 + 50 * HOUR);
    expect(resolved(detector.advance())).toEqual([]);
    clock = new Date(T0 + 51 * HOUR);
    expect(resolved(detector.advance())).toHaveLength(1);
  });

  it('survives a snapshot round trip mid-alert', () => {
    const first = createCrisisDetector({ warmUpBuckets: 24 });
    feed(first, [...background(0, 48), ...spike(48)]);
    const snapshot = JSON.parse(JSON.stringify(first.toJSON()));
    const second = createCrisisDetector({ warmUpBuckets: 24, state: snapshot });
    expect(second.activeAlerts()).toEqual(first.activeAlerts());
    expect(raised(feed(second, spike(48.5, 6)))).toEqual([]);
    expect(resolved(feed(second, background(49, 3)))).toHaveLength(1);
  });

  it('with daily seasonality, learns a recurring morning peak and still alerts on the same volume at night', () => {
    // 14 days: one complaint an hour, and eight every morning at 09:00.
    const days = (from: number, count: number) =>
      Array.from({ length: count * 24 }, (_, index) => from * 24 + index).flatMap((hour) =>
        Array.from({ length: hour % 24 === 9 ? 8 : 1 }, (_, index) => post({ hours: hour + index / 10, sentiment: 'negative', author: `c${hour}-${index}` })),
      );
    const history = days(0, 14);
    const peak = (hour: number) => Array.from({ length: 8 }, (_, index) => post({ hours: hour + index / 10, sentiment: 'negative', author: `p${hour}-${index}` }));
    const seasonal = createCrisisDetector({ seasonality: 'daily', alpha: 0.3, warmUpBuckets: 24 });
    feed(seasonal, history);
    expect(raised(feed(seasonal, peak(14 * 24 + 9)))).toEqual([]);
    expect(raised(feed(seasonal, peak(14 * 24 + 15)))).toHaveLength(1);
    // Without seasonality the morning peak itself keeps alerting.
    const flat = createCrisisDetector({ alpha: 0.3, warmUpBuckets: 24, cooldownBuckets: 0 });
    feed(flat, history);
    expect(raised(feed(flat, peak(14 * 24 + 9)))).toHaveLength(1);
  });

  it('keeps a key per hashtag while it matters and forgets it once its baseline has decayed to nothing', () => {
    const detector = createCrisisDetector({ warmUpBuckets: 4, keys: { hashtags: true } });
    feed(detector, [post({ hours: 0, sentiment: 'negative', hashtags: ['yildizbreaksguitars'] })]);
    expect(detector.keys().sort()).toEqual(['#yildizbreaksguitars', 'all']);
    detector.advance(at(10));
    expect(detector.keys()).toContain('#yildizbreaksguitars');
    detector.advance(at(200));
    expect(detector.keys()).toEqual(['all']);
    // A new storm on the tag finds a warm, zero baseline and alerts.
    const storm = Array.from({ length: 6 }, (_, index) => post({ hours: 200.1 + index / 20, sentiment: 'negative', hashtags: ['YildizBreaksGuitars'], author: `s${index}` }));
    expect(raised(feed(detector, storm)).map((alert) => alert.evidence.key)).toContain('#yildizbreaksguitars');
  });

  it('rejects an interaction whose time cannot be read, with a typed error', () => {
    const detector = createCrisisDetector();
    expect(() => detector.observe({ ...post({ hours: 0 }), createdAt: 'yesterday' })).toThrow(expect.objectContaining({ code: 'INVALID_INTERACTION' }));
    expect(() => detector.advance('soon')).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });

  it('ignores positive and brand posts and rejects bad options and snapshots with typed errors', () => {
    const detector = createCrisisDetector({ warmUpBuckets: 0, minSpread: 0.5 });
    const praise = Array.from({ length: 20 }, (_, index) => post({ hours: index / 40, sentiment: 'positive' }));
    const brand = Array.from({ length: 20 }, (_, index) => post({ hours: 1 + index / 40, sentiment: 'negative', direction: 'outbound' }));
    expect(feed(detector, [...praise, ...brand])).toEqual([]);
    expect(() => createCrisisDetector({ sensitivity: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    try {
      createCrisisDetector({ state: { version: 2 } as never });
      expect.unreachable();
    } catch (error) {
      expect(isSocialCrmError(error, 'INVALID_OPTIONS')).toBe(true);
    }
  });
});
