/**
 * `npm run bench -- insights [--count 200000] [--no-write]`: the cost of keeping every insights
 * primitive up to date, per interaction, over a generated stream of classified English and Turkish
 * interactions (30 days, a crowd of authors, threads with customer-to-customer replies, topics,
 * hashtags and a few complaint storms). Classification is generated, so only the insights are
 * timed. Reports µs per interaction (all primitives through `insights.observe`, and each primitive
 * alone), retained heap, and the size of the serialised state. The last line printed is one JSON object.
 */
import { createSocialCrm, memoryLedger, type Classification, type Interaction, type SentimentLabel } from '../src/index.js';
import { createAdvocateTracker, createCrisisDetector, createInsights, createMentionMonitor, createViralityWatch, type InsightsOptions } from '../src/insights/index.js';
import { loadavg } from 'node:os';
import { seededRandom } from '../src/_utils.js';
import { heapAfterGc, writeBenchmarkSection } from './_report.js';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 9, 1);

const TEXTS: Record<SentimentLabel, string[]> = {
  negative: ['Bagajım yine kayboldu, rezalet', 'Flight delayed again, terrible service', 'İadem hâlâ yapılmadı', 'My refund was rejected, unacceptable', 'Check-in uygulaması çöktü', 'They broke my guitar #YildizBreaksGuitars'],
  neutral: ['Bagaj hakkı ne kadar?', 'Is there wifi on board?', 'Kış kampanyası ne zaman bitiyor?', 'Can I change my flight online?', 'Online check-in saat kaçta açılıyor?'],
  positive: ['Ekip harikaydı, teşekkürler', 'Great crew, thanks!', 'Winter sale fiyatları çok iyi #YildizKis', 'On time again, love it', 'Kesinlikle tavsiye ederim'],
};

function labels(sentiment: SentimentLabel, next: () => number): Classification {
  return {
    language: next() < 0.55 ? 'tr' : 'en',
    languageConfidence: 0.9,
    languageSupported: true,
    sentiment: { label: sentiment, score: sentiment === 'negative' ? -0.7 : sentiment === 'positive' ? 0.7 : 0, confidence: 0.8 },
    intents: sentiment === 'negative' ? [{ intent: 'complaint', confidence: 0.8 }] : [],
    department: { department: 'customer_service', reason: 'bench' },
    urgency: 0.5,
    explanation: [],
    model: 'bench@1',
  };
}

/** A classified stream in time order: ~1/4 negative, ~1/4 positive, ~15% customer replies to a recent post, brand answers to ~70% of first posts. */
function generate(count: number): Interaction[] {
  const next = seededRandom(20261129);
  const authors = Array.from({ length: Math.max(100, Math.floor(count / 10)) }, (_, index) => ({ nativeId: `a${index}`, handle: `user${index}`, followerCount: Math.floor(next() * next() * 50_000) }));
  const span = 30 * 24 * HOUR;
  const rows: Interaction[] = [];
  const recent: Interaction[] = [];
  for (let index = 0; index < count; index++) {
    let at = START + (index / count) * span;
    // Three storms: a tenth of the traffic squeezed into a few hours.
    const storm = index % 10 === 0 && (index / count) % 0.3 < 0.01;
    if (storm) at = START + Math.floor((index / count) * 10) * 3 * 24 * HOUR + next() * 3 * HOUR;
    const roll = next();
    const sentiment: SentimentLabel = storm || roll < 0.25 ? 'negative' : roll < 0.5 ? 'positive' : 'neutral';
    const author = authors[Math.floor(next() * authors.length)]!;
    const parent = recent.length && next() < 0.15 ? recent[Math.floor(next() * recent.length)] : undefined;
    const texts = TEXTS[sentiment];
    const text = texts[Math.floor(next() * texts.length)]!;
    const id = `x:${index}`;
    const createdAt = new Date(Math.max(at, parent ? Date.parse(parent.createdAt) + 1000 : at)).toISOString();
    const row: Interaction = {
      id,
      channel: 'x',
      nativeId: String(index),
      kind: parent ? 'reply' : 'mention',
      direction: parent ? 'peer' : 'inbound',
      visibility: 'public',
      author: { channel: 'x', ...author },
      conversationId: parent?.conversationId ?? id,
      ...(parent ? { parentId: parent.nativeId } : {}),
      text,
      createdAt,
      receivedAt: createdAt,
      attachments: [],
      state: 'active',
      hashtags: [...text.matchAll(/#(\w+)/g)].map((match) => match[1]!.toLowerCase()),
      customerId: `cus_${author.nativeId}`,
      channelMetadata: {},
      classification: labels(sentiment, next),
    };
    rows.push(row);
    recent.push(row);
    if (recent.length > 500) recent.shift();
    // The brand answers most first posts within minutes to hours.
    if (!parent && next() < 0.7 && index + 1 < count) {
      const replyAt = new Date(Date.parse(createdAt) + (0.1 + next() * next() * 8) * HOUR).toISOString();
      rows.push({
        id: `x:r${index}`,
        channel: 'x',
        nativeId: `r${index}`,
        kind: 'reply',
        direction: 'outbound',
        visibility: 'public',
        author: { channel: 'x', nativeId: 'brand', handle: 'yildizair', isBrand: true },
        conversationId: id,
        parentId: String(index),
        text: 'Merhaba, DM üzerinden yardımcı olalım. / We are on it.',
        createdAt: replyAt,
        receivedAt: replyAt,
        attachments: [],
        state: 'active',
        customerId: row.customerId!,
        channelMetadata: {},
      });
      index++;
    }
  }
  return rows.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

const OPTIONS: InsightsOptions = {
  crisis: { keys: { hashtags: true, topics: { baggage: ['bagaj', 'baggage', 'luggage'], refunds: ['iade', 'refund'], checkin: ['check-in'] } } },
  virality: {},
  advocates: {},
  monitor: {
    definitions: [
      { id: 'winter', keywords: ['kış kampanyası', 'winter sale'], hashtags: ['YildizKis'] },
      { id: 'guitar', keywords: ['guitar', 'gitar'], hashtags: ['YildizBreaksGuitars'] },
      { id: 'baggage', keywords: ['bagaj', 'baggage'] },
      { id: 'refunds', keywords: ['iade', 'refund'] },
      { id: 'checkin', keywords: ['check-in', 'checkin'] },
    ],
  },
};

/** Feeds every row (and `advance()` once per stream hour); returns µs per interaction. */
function time(rows: Interaction[], feed: (row: Interaction) => unknown, advance: (at: Date) => unknown): number {
  let nextHour = Date.parse(rows[0]!.createdAt) + HOUR;
  const started = performance.now();
  for (const row of rows) {
    feed(row);
    const at = Date.parse(row.createdAt);
    if (at >= nextHour) {
      advance(new Date(at));
      nextHour = at + HOUR;
    }
  }
  return ((performance.now() - started) * 1000) / rows.length;
}

export async function run(args: string[]): Promise<void> {
  const countIndex = args.indexOf('--count');
  const count = countIndex >= 0 ? Number(args[countIndex + 1]) : 200_000;
  if (!Number.isInteger(count) || count < 1000) throw new Error('`--count` must be an integer of at least 1000.');
  const rows = generate(count);
  console.log(`Generated ${rows.length} classified interactions over 30 days.`);

  // Each primitive alone: a warm-up run, then a measured one (time, heap it retains, size of its
  // serialised state). Then the marketing four through createInsights, and every primitive with
  // createInsights' defaults (the customer-service ones included).
  type Subject = { observe(row: Interaction): unknown; advance?(at: Date): unknown; toJSON(): unknown };
  const subjects: Record<string, () => Subject> = {
    crisis: () => createCrisisDetector(OPTIONS.crisis || {}),
    virality: () => createViralityWatch(OPTIONS.virality || {}),
    advocates: () => createAdvocateTracker(OPTIONS.advocates || {}),
    monitor: () => createMentionMonitor(OPTIONS.monitor || {}),
  };
  const alone: Record<string, { micros: number; heapMiB: number; stateMiB: number }> = {};
  const mib = (bytes: number) => Math.round((bytes / 1024 ** 2) * 10) / 10;
  for (const [name, make] of Object.entries(subjects)) {
    const warm = make();
    time(rows, (row) => warm.observe(row), (at) => warm.advance?.(at));
    const before = heapAfterGc();
    const subject = make();
    const micros = time(rows, (row) => subject.observe(row), (at) => subject.advance?.(at));
    const heapMiB = mib(heapAfterGc() - before);
    alone[name] = { micros: Math.round(micros * 100) / 100, heapMiB, stateMiB: mib(JSON.stringify(subject.toJSON()).length) };
  }
  const best = (measure: () => number) => Math.min(measure(), measure());

  const crm = createSocialCrm({ ledger: memoryLedger(), classifier: false });
  // The four marketing-side primitives through createInsights, without the customer-service ones.
  const marketingMicros = best(() => {
    const marketing = createInsights(crm, { ...OPTIONS, sla: false, now: () => new Date(rows[rows.length - 1]!.createdAt) });
    const micros = time(rows, (row) => marketing.observe(row), (at) => marketing.advance(at));
    marketing.close();
    return micros;
  });
  // A warm-up pass with every primitive, then the measured one.
  const warmUp = createInsights(crm, OPTIONS);
  time(rows, (row) => warmUp.observe(row), (at) => warmUp.advance(at));
  warmUp.close();

  const before = heapAfterGc();
  const insights = createInsights(crm, { ...OPTIONS, now: () => new Date(rows[rows.length - 1]!.createdAt) });
  let alerts = 0;
  insights.on('alert-raised', () => alerts++);
  let advocatesDetected = 0;
  insights.on('advocate-detected', () => advocatesDetected++);
  const micros = time(rows, (row) => insights.observe(row), (at) => insights.advance(at));
  const retained = heapAfterGc() - before;
  const stateBytes =
    JSON.stringify(insights.crisis!.toJSON()).length + JSON.stringify(insights.virality!.toJSON()).length + JSON.stringify(insights.advocates!.toJSON()).length + JSON.stringify(insights.monitor!.toJSON()).length;
  insights.close();

  const result = {
    interactions: rows.length,
    insightsMicrosPerInteraction: Math.round(micros * 100) / 100,
    marketingMicrosPerInteraction: Math.round(marketingMicros * 100) / 100,
    perPrimitiveMicros: Object.fromEntries(Object.entries(alone).map(([name, value]) => [name, value.micros])),
    perPrimitive: alone,
    retainedHeapMiB: Math.round((retained / 1024 ** 2) * 10) / 10,
    stateMiB: Math.round((stateBytes / 1024 ** 2) * 10) / 10,
    alertsRaised: alerts,
    advocatesDetected,
    watchedPosts: insights.virality!.size(),
  };
  console.log(`Crisis, virality, advocates, monitor through createInsights: ${result.marketingMicrosPerInteraction} µs per interaction.`);
  console.log(`All primitives: ${result.insightsMicrosPerInteraction} µs per interaction; retained heap ${result.retainedHeapMiB} MiB; serialised state ${result.stateMiB} MiB.`);
  console.log(`Alone: ${Object.entries(alone).map(([name, value]) => `${name} ${value.micros} µs (${value.heapMiB} MiB retained)`).join(', ')}.`);
  console.log(`${alerts} alerts raised, ${advocatesDetected} advocates announced, ${result.watchedPosts} posts watched for virality at the end.`);
  if (!args.includes('--no-write')) {
    writeBenchmarkSection(
      'insights',
      'Insights: keeping the primitives up to date',
      `\`npm run bench -- insights --count ${rows.length}\`: a generated, pre-classified stream of ${rows.length} English and Turkish interactions over 30 days (${Math.max(100, Math.floor(count / 10))} authors, ~15% customer-to-customer replies, brand answers to ~70% of first posts, three complaint storms), fed through \`insights.observe()\` with \`advance()\` once per stream hour; each figure after a warm-up run (the combined ones: the best of two) (the customer-service primitives have their own bench, \`insights-service\`). Crisis keys: overall, three topics and every hashtag; five monitor definitions.

| Measure | Value |
| --- | --- |
| \`createInsights\` with every primitive on (its defaults: SLAs, segments, surveys included) | ${result.insightsMicrosPerInteraction} µs / interaction |
| Crisis, virality, advocates and monitor through \`createInsights\` (\`sla: false\`) | ${result.marketingMicrosPerInteraction} µs / interaction |
| Crisis detector alone | ${alone.crisis!.micros} µs, retains ${alone.crisis!.heapMiB} MiB, state ${alone.crisis!.stateMiB} MiB |
| Virality watch alone | ${alone.virality!.micros} µs, retains ${alone.virality!.heapMiB} MiB, state ${alone.virality!.stateMiB} MiB |
| Advocate tracker alone | ${alone.advocates!.micros} µs, retains ${alone.advocates!.heapMiB} MiB, state ${alone.advocates!.stateMiB} MiB |
| Mention monitor alone | ${alone.monitor!.micros} µs, retains ${alone.monitor!.heapMiB} MiB, state ${alone.monitor!.stateMiB} MiB |
| Retained heap, every primitive through \`createInsights\` | ${result.retainedHeapMiB} MiB |
| Serialised state of the four above (\`toJSON()\`) | ${result.stateMiB} MiB |
| Alerts raised / advocates announced | ${alerts} / ${advocatesDetected} |

Load average during the run: ${loadavg().map((value) => value.toFixed(1)).join(' / ')} (1 / 5 / 15 min); on a shared, busy machine the timings run high.

Memory is bounded by the primitives' settings, not by the stream: virality watches at most
\`maxTracked\` posts for \`horizonHours\`, the monitor keeps \`retentionBuckets\` per definition, the
crisis detector a few numbers per key; the advocate tracker keeps one entry per customer who
said something positive or negative.`,
    );
  }
  console.log(JSON.stringify(result));
}
