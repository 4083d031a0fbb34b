import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { channelIdentityResolver, createSocialCrm, memoryLedger, type SocialCrm } from 'social-crm';
import { messengerAdapter } from 'social-crm/adapters/messenger';
import { createInsights, createSurveyManager, parseSurveyReply, summarizeSurveys, type SurveyChange, type SurveyKind, type SurveyManagerOptions, type SurveyRecord } from 'social-crm/insights';
import { createChannelTestServer } from 'social-crm/testing';
import { classified, utc } from './_conversations.js';

const PAGE_ID = '104711112223334';
const PSID = '24000000000000001';
const SEND_URL = `https://graph.facebook.com/v23.0/${PAGE_ID}/messages`;
const HOUR = 3_600_000;

describe('parseSurveyReply', () => {
  const cases: Array<[text: string, kind: SurveyKind, score: number, method: string]> = [
    ['5', 'csat', 5, 'number'],
    ['5!', 'csat', 5, 'number'],
    ['10/10', 'nps', 10, 'number'],
    ['10/10', 'csat', 5, 'number'],
    ['4/5', 'csat', 4, 'number'],
    ['4/5', 'nps', 8, 'number'],
    ['8 out of 10', 'nps', 8, 'number'],
    ['10 üzerinden 8', 'nps', 8, 'number'],
    ['on üzerinden sekiz', 'nps', 8, 'number'],
    ['5 yıldız', 'csat', 5, 'number'],
    ['five stars', 'csat', 5, 'number'],
    ['Puanım 4', 'csat', 4, 'number'],
    ['⭐⭐⭐⭐', 'csat', 4, 'stars'],
    ['★★★☆☆', 'csat', 3, 'stars'],
    ['very satisfied', 'csat', 5, 'words'],
    ['I am happy', 'csat', 4, 'words'],
    ['çok memnun kaldım', 'csat', 5, 'words'],
    ['memnun kaldım', 'csat', 4, 'words'],
    ['berbat', 'csat', 1, 'words'],
    ['idare eder', 'csat', 3, 'words'],
    ['kesinlikle tavsiye ederim', 'nps', 10, 'words'],
    // Negations and their degrees.
    ['fena değil', 'csat', 3, 'words'],
    ['hiç fena değil', 'csat', 4, 'words'],
    ['memnun değilim', 'csat', 2, 'words'],
    ['hiç memnun değilim', 'csat', 1, 'words'],
    ['hiç memnun kalmadım', 'csat', 1, 'words'],
    ['çok memnun kalmadım', 'csat', 2, 'words'],
    ['pek memnun değilim', 'csat', 2, 'words'],
    ['iyi değil', 'csat', 2, 'words'],
    ['kötü değil', 'csat', 3, 'words'],
    ['not bad', 'csat', 3, 'words'],
    ['not bad at all', 'csat', 4, 'words'],
    ['not satisfied at all', 'csat', 1, 'words'],
    ["wasn't very helpful", 'csat', 2, 'words'],
    ['I would not recommend you', 'nps', 3, 'words'],
    ['😍', 'csat', 5, 'emoji'],
    ['👎👎', 'nps', 3, 'emoji'],
    ['😡', 'csat', 1, 'emoji'],
  ];
  it.each(cases)('%j (%s) → %i by %s', (text, kind, score, method) => {
    expect(parseSurveyReply(text, kind)).toMatchObject({ score, kind, method, confidence: 'high' });
  });

  it('does not take a number in a sentence for an answer, and flags mixed wording as low confidence', () => {
    expect(parseSurveyReply('I waited 3 days for an answer', 'csat')).toBeNull();
    expect(parseSurveyReply('good service but terrible delivery', 'csat')).toMatchObject({ score: 3, confidence: 'low' });
    expect(parseSurveyReply('8', 'csat')).toMatchObject({ score: 4, confidence: 'low' });
  });

  it('falls back to the classifier sentiment with low confidence, and gives up without one', () => {
    expect(parseSurveyReply('Teşekkürler, sorun çözüldü', 'csat', classified({ language: 'tr', sentiment: 'positive', score: 0.6 }))).toEqual({
      score: 4,
      kind: 'csat',
      confidence: 'low',
      method: 'sentiment',
      evidence: 'sentiment positive (0.60)',
    });
    expect(parseSurveyReply('Teşekkürler', 'nps', classified({ sentiment: 'negative', score: -0.8 }))).toMatchObject({ score: 1, method: 'sentiment' });
    expect(parseSurveyReply('Teşekkürler', 'csat')).toBeNull();
  });
});

describe('summarizeSurveys: CSAT and NPS arithmetic', () => {
  const record = (kind: SurveyKind, score?: number): SurveyRecord => ({
    id: `s${Math.random()}`,
    kind,
    conversationId: 'c',
    channel: 'x',
    language: 'en',
    inReplyTo: 'x:1',
    recipient: 'x:u',
    status: score === undefined ? 'sent' : 'answered',
    trigger: 'host',
    dueAt: utc('2026-01-05', '10:00'),
    sentAt: utc('2026-01-05', '10:00'),
    ...(score === undefined ? {} : { answer: { score, kind, confidence: 'high', method: 'number', evidence: String(score), interactionId: 'x:2', at: utc('2026-01-05', '11:00') } }),
  });

  it('NPS = % promoters (9–10) − % detractors (0–6); passives (7–8) count only in the base', () => {
    const report = summarizeSurveys('all', [10, 9, 8, 7, 6, 0, 10].map((score) => record('nps', score)).concat(record('nps')));
    expect(report).toMatchObject({ sent: 8, answered: 7, promoters: 3, passives: 2, detractors: 2, nps: 14.3, csat: null, responseRate: 0.875 });
  });

  it('CSAT = % of answers that are 4 or 5', () => {
    expect(summarizeSurveys('all', [5, 4, 3, 2, 5].map((score) => record('csat', score)))).toMatchObject({ csat: 60, nps: null, answered: 5 });
    expect(summarizeSurveys('none', [])).toMatchObject({ csat: null, nps: null, responseRate: null });
  });
});

describe('createSurveyManager through a crm and the Messenger Send API (mocked with msw)', () => {
  const server = createChannelTestServer();
  beforeAll(() => server.listen());
  afterEach(() => server.reset());
  afterAll(() => server.close());

  let clock = new Date(utc('2026-01-05', '10:00'));
  function setup(options: Omit<SurveyManagerOptions, 'crm'> = {}) {
    clock = new Date(utc('2026-01-05', '10:00'));
    const crm: SocialCrm = createSocialCrm({
      ledger: memoryLedger(),
      adapters: [messengerAdapter({ pageId: PAGE_ID, appSecret: 'app-secret', verifyToken: 'verify', accessToken: 'page-token' })],
      classifier: false,
      identity: channelIdentityResolver(),
      now: () => clock,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const surveys = createSurveyManager({ crm, now: () => clock, ...options });
    const changes: SurveyChange[] = [];
    crm.on('interaction-received', ({ interaction }) => changes.push(...surveys.observe(interaction)));
    crm.on('reply-sent', ({ interaction }) => changes.push(...surveys.observe(interaction)));
    let sent = 0;
    server.route('post', SEND_URL, () => ({ recipient_id: PSID, message_id: `m_out_${++sent}` }));
    const customerSays = async (nativeId: string, text: string, at: string, extra: Record<string, unknown> = {}) => {
      clock = new Date(at);
      await crm.ingest({ channel: 'messenger', nativeId, kind: 'direct_message', visibility: 'private', author: { channel: 'messenger', nativeId: PSID }, recipientId: PAGE_ID, conversationId: 't1', text, createdAt: at, ...extra });
    };
    const brandSays = async (inReplyTo: string, text: string, at: string) => {
      clock = new Date(at);
      await crm.reply(inReplyTo, text);
    };
    const advance = async (at: string) => {
      clock = new Date(at);
      changes.push(...(await surveys.advance()));
    };
    return { crm, surveys, changes, customerSays, brandSays, advance };
  }

  it('surveys a quiet conversation in Turkish, in the window, and scores the answer', async () => {
    const { surveys, changes, customerSays, brandSays, advance } = setup({ resolveAfterHours: 2 });
    await customerSays('m1', 'Siparişim nerede?', utc('2026-01-05', '10:00'), { language: 'tr' });
    await brandSays('messenger:m1', 'Kargoya verildi, yarın elinizde.', utc('2026-01-05', '10:30'));
    await advance(utc('2026-01-05', '12:29'));
    expect(changes).toEqual([]);
    await advance(utc('2026-01-05', '12:30'));
    expect(changes.map((change) => change.type)).toEqual(['survey-due', 'survey-sent']);
    expect(server.calls.at(-1)!.bodyJson).toEqual({
      recipient: { id: PSID },
      messaging_type: 'RESPONSE',
      // The survey's idempotency key rides along, so an echo settles a send left in doubt.
      message: { text: expect.stringContaining('1 (hiç memnun değilim) ile 5 (çok memnunum)'), metadata: 'survey:messenger:t1:1' },
    });
    await customerSays('m2', 'Çok memnun kaldım, teşekkürler', utc('2026-01-05', '13:00'));
    const scored = changes.at(-1)!;
    expect(scored).toMatchObject({ type: 'survey-scored', score: { score: 5, method: 'words', confidence: 'high' }, survey: { status: 'answered', language: 'tr', trigger: 'quiet', channel: 'messenger' } });
    expect(surveys.report()).toEqual([expect.objectContaining({ key: 'messenger', sent: 1, answered: 1, csat: 100 })]);
    // The survey message is not a brand answer that could trigger another survey.
    await advance(utc('2026-01-06', '13:00'));
    expect(changes.filter((change) => change.type === 'survey-due')).toHaveLength(1);
  });

  it('takes a new request after the survey for the next message, not for a rating from its sentiment', async () => {
    const { crm, surveys, changes, customerSays, brandSays, advance } = setup({ resolveAfterHours: 2 });
    await customerSays('m1', 'Can I change my return date online?', utc('2026-01-05', '10:00'));
    await brandSays('messenger:m1', 'Yes, under My Trips in the app.', utc('2026-01-05', '10:30'));
    await advance(utc('2026-01-05', '12:30'));
    expect(changes.map((change) => change.type)).toEqual(['survey-due', 'survey-sent']);
    await customerSays('m2', 'Do you allow pets in the cabin?', utc('2026-01-05', '13:00'));
    const question = (await crm.ledger.getInteraction('messenger:m2'))!;
    expect(surveys.observe(question, classified({ sentiment: 'neutral', intents: ['question'] }))).toEqual([]);
    const longStory = { ...question, id: 'messenger:m3', nativeId: 'm3', text: 'Well the flight itself was fine but then the bus to the terminal took forty minutes and nobody told us why' };
    expect(surveys.observe(longStory, classified({ sentiment: 'negative' }))).toEqual([]);
    expect(surveys.surveys()[0]).toMatchObject({ status: 'sent' });
    const thanks = { ...question, id: 'messenger:m4', nativeId: 'm4', text: 'Thanks, sorted now' };
    expect(surveys.observe(thanks, classified({ sentiment: 'positive', score: 0.6 }))).toEqual([
      expect.objectContaining({ type: 'survey-scored', score: expect.objectContaining({ score: 4, method: 'sentiment', confidence: 'low' }) }),
    ]);
  });

  it('marks a survey not sent when the messaging window closed, without a network call or a throw', async () => {
    const { surveys, changes, customerSays, brandSays, advance } = setup({ resolveAfterHours: 30 });
    await customerSays('m1', 'Where is my order?', utc('2026-01-05', '10:00'));
    await brandSays('messenger:m1', 'Shipped today.', utc('2026-01-05', '10:30'));
    const callsBefore = server.calls.length;
    await advance(utc('2026-01-06', '16:30'));
    expect(changes.map((change) => change.type)).toEqual(['survey-due', 'survey-not-sent']);
    expect(changes[1]).toMatchObject({ survey: { status: 'not-sent', reason: 'messaging-window-closed', error: { code: 'REPLY_NOT_ALLOWED' } } });
    expect(server.calls.length).toBe(callsBefore);
    expect(surveys.report()).toEqual([expect.objectContaining({ sent: 0, notSent: 1, responseRate: null })]);
  });

  it('respects an opt-out, and skips public threads when told to', async () => {
    const { crm, surveys, customerSays } = setup();
    await customerSays('m1', 'Where is my order?', utc('2026-01-05', '10:00'));
    await crm.setConsent({ channel: 'messenger', nativeId: PSID }, 'opted-out', 'messenger:STOP');
    expect((await surveys.resolve('messenger:t1')).map((change) => change.type)).toEqual(['survey-due', 'survey-not-sent']);
    expect(surveys.surveys()[0]).toMatchObject({ reason: 'opted-out', trigger: 'host' });
    expect(server.calls).toHaveLength(0);

    const other = setup({ publicThreads: 'skip' });
    await other.crm.ingest({ channel: 'forum', nativeId: 'p1', kind: 'comment', author: { channel: 'forum', nativeId: 'ali' }, text: 'Broken again', createdAt: utc('2026-01-05', '10:00') });
    const [, notSent] = await other.surveys.resolve('forum:p1');
    expect(notSent).toMatchObject({ type: 'survey-not-sent', survey: { reason: 'public-thread' } });
    await expect(other.surveys.resolve('forum:unknown')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('asks NPS in English on resolve(), reads "10/10", and keeps to the cooldown', async () => {
    const { surveys, changes, customerSays } = setup({ kind: 'nps', resolveAfterHours: false });
    await customerSays('m1', 'Thanks, all sorted!', utc('2026-01-05', '10:00'), { language: 'en' });
    await surveys.resolve('messenger:t1');
    expect(server.calls.at(-1)!.bodyJson).toMatchObject({ message: { text: expect.stringContaining('from 0 (not at all likely) to 10 (extremely likely)') } });
    await customerSays('m2', '10/10', utc('2026-01-05', '10:05'));
    expect(changes.at(-1)).toMatchObject({ type: 'survey-scored', score: { score: 10, kind: 'nps' } });
    expect(surveys.report({ by: 'all' })[0]).toMatchObject({ nps: 100, promoters: 1 });
    // A new question a week later is a new issue, but the customer was surveyed 7 days ago.
    await customerSays('m3', 'One more question', utc('2026-01-12', '10:00'));
    expect(await surveys.resolve('messenger:t1')).toEqual([]);
  });

  it('reads an answer written in the survey thread by another identity of the customer, once', async () => {
    const { surveys, changes, customerSays } = setup({ resolveAfterHours: false });
    await customerSays('m1', 'Where is my order?', utc('2026-01-05', '10:00'));
    await surveys.resolve('messenger:t1');
    await customerSays('m2', '4', utc('2026-01-05', '10:20'), { author: { channel: 'messenger', nativeId: '24000000000000999' } });
    expect(changes.filter((change) => change.type === 'survey-scored').map((change) => change.type === 'survey-scored' && change.score.score)).toEqual([4]);
    await customerSays('m3', '1', utc('2026-01-05', '10:25'));
    expect(changes.filter((change) => change.type === 'survey-scored')).toHaveLength(1);
  });

  it('announces survey-due and survey-scored through createInsights', async () => {
    const { crm, customerSays, brandSays } = setup();
    const insights = createInsights(crm, { now: () => clock, crisis: false, virality: false, surveys: { resolveAfterHours: 1 } });
    const log: string[] = [];
    insights.on('survey-due', ({ survey }) => log.push(`due ${survey.conversationId} ${survey.language}`));
    insights.on('survey-scored', ({ score }) => log.push(`scored ${score.score}`));
    await customerSays('m1', 'Where is my order?', utc('2026-01-05', '10:00'), { language: 'en' });
    await brandSays('messenger:m1', 'It ships today.', utc('2026-01-05', '10:10'));
    insights.advance(utc('2026-01-05', '11:10'));
    await vi.waitFor(() => expect(insights.surveys!.surveys({ status: 'sent' })).toHaveLength(1));
    await customerSays('m2', '⭐⭐⭐⭐⭐', utc('2026-01-05', '11:30'));
    expect(log).toEqual(['due messenger:t1 en', 'scored 5']);
    // The answer waits for nobody (no SLA clock), and the survey message was not taken for a brand answer.
    expect(insights.sla!.queue()).toEqual([]);
    expect(insights.sla!.responses().map((response) => response.replyId)).toEqual([expect.stringMatching(/^messenger:m_out_/)]);
    expect(insights.surveys!.toJSON().conversations[0]).toMatchObject({ lastBrandAt: Date.parse(utc('2026-01-05', '10:10')) });
    insights.close();
  });

  it('expires unanswered surveys and resumes pending ones from toJSON()', async () => {
    const first = setup({ resolveAfterHours: false, answerWindowHours: 48 });
    await first.customerSays('m1', 'Hello', utc('2026-01-05', '10:00'));
    await first.surveys.resolve('messenger:t1');
    const resumed = createSurveyManager({ crm: first.crm, resolveAfterHours: false, answerWindowHours: 48, state: JSON.parse(JSON.stringify(first.surveys.toJSON())) });
    const late = await resumed.advance(new Date(Date.parse(utc('2026-01-05', '10:00')) + 49 * HOUR));
    expect(late.map((change) => change.type)).toEqual(['survey-expired']);

    const second = setup({ resolveAfterHours: false });
    await second.customerSays('m1', 'Hello', utc('2026-01-05', '10:00'));
    await second.surveys.resolve('messenger:t1');
    const restored = createSurveyManager({ crm: second.crm, state: JSON.parse(JSON.stringify(second.surveys.toJSON())) });
    const answer = await second.crm.ingest({ channel: 'messenger', nativeId: 'm9', kind: 'direct_message', visibility: 'private', author: { channel: 'messenger', nativeId: PSID }, conversationId: 't1', text: '4', createdAt: utc('2026-01-05', '11:00') });
    expect(restored.observe(answer.interactions[0]!)).toEqual([expect.objectContaining({ type: 'survey-scored', score: expect.objectContaining({ score: 4 }) })]);
    expect(() => createSurveyManager({ crm: second.crm, state: { version: 9 } as never })).toThrow(/toJSON/);
    expect(() => createSurveyManager({ crm: second.crm, kind: 'ces' as never, answerWindowHours: 0 })).toThrow(/kind[\s\S]*answerWindowHours/);
  });
});
