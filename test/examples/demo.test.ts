import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CrisisEvidence, ViralityEvidence } from 'social-crm/insights';
import { demoHtmlArgument, runDemo } from '../../examples/demo/index.js';
import { demoDatabaseArgument } from '../../examples/demo/ledger.js';
import { demoStream } from '../../examples/demo/stream.js';

describe('npm run demo', () => {
  it('reads --html <file> and refuses --html without a file', () => {
    expect(demoHtmlArgument(['--html', 'out.html'])).toBe('out.html');
    expect(demoHtmlArgument(['--html=out.html', '--db', 'x'])).toBe('out.html');
    expect(demoHtmlArgument([])).toBeUndefined();
    expect(() => demoHtmlArgument(['--html'])).toThrow(/needs a file name/);
  });

  it('replays a deterministic stream of 300+ English and Turkish interactions with every story in it', () => {
    const scenes = demoStream();
    expect(scenes.length).toBeGreaterThanOrEqual(300);
    expect(demoStream().map((scene) => scene.nativeId)).toEqual(scenes.map((scene) => scene.nativeId));
    const stories = new Set(scenes.map((scene) => scene.story));
    for (const story of ['guitar-crisis', 'two-networks', 'advocate', 'purchase', 'idea', 'spam'] as const) expect(stories.has(story), story).toBe(true);
    expect(new Set(scenes.map((scene) => scene.network)).size).toBeGreaterThanOrEqual(4);
    // Beyond Meta and X: a Telegram group where customers answer each other, a YouTube thread, rated Google reviews; in both languages.
    for (const [network, story] of [['telegram', 'group-chat'], ['youtube', 'video-comments'], ['google-business', 'reviews']] as const) {
      const own = scenes.filter((scene) => scene.network === network && scene.story === story);
      expect(own.length, network).toBeGreaterThanOrEqual(3);
      expect(new Set(own.filter((scene) => !scene.author.isBrand).map((scene) => scene.author.locale?.slice(0, 2))), network).toEqual(new Set(['en', 'tr']));
    }
    expect(scenes.filter((scene) => scene.network === 'telegram' && scene.parentId).length).toBeGreaterThanOrEqual(3);
    expect(scenes.filter((scene) => scene.network === 'google-business').map((scene) => scene.rating)).toEqual([1, 5, 3]);
    expect(scenes.some((scene) => /[çğışöüİ]/.test(scene.text))).toBe(true);
    // The brand answers part of the crowd (so response times have something to measure), never the crisis thread.
    const answers = scenes.filter((scene) => scene.author.isBrand);
    expect(answers.length).toBeGreaterThan(20);
    const crisis = new Set(scenes.filter((scene) => scene.story === 'guitar-crisis').map((scene) => scene.nativeId));
    expect(answers.filter((answer) => crisis.has(answer.parentId ?? ''))).toEqual([]);
  });

  it('stores every scene through the webhook path and prints the report', async () => {
    const { report, scenes, statuses, polls, agentReplies, network, insights, text, campaigns } = await runDemo({ quiet: true });
    // Every scene, plus the customers' answers to the surveys, arrives as a verified webhook.
    const surveys = insights.insights.surveys!.surveys();
    const webhooks = statuses[200]!;
    expect(Object.keys(statuses)).toEqual(['200']);
    expect(webhooks).toBeGreaterThan(scenes.length);
    // Agents' answers and survey questions go out through crm.reply() and are stored as outbound.
    expect(agentReplies).toEqual({ sent: expect.any(Number), refused: 0, public: 3 });
    expect(agentReplies.sent).toBeGreaterThan(20);
    // Plus the apology post, the campaign's template messages and the opt-out confirmations.
    const campaignSends = campaigns.campaigns.reduce((sum, campaign) => sum + campaign.results.total.reached + campaign.results.total.optOuts, 0);
    expect(network.sent).toHaveLength(agentReplies.sent + surveys.filter((survey) => survey.sentAt).length + 1 + campaignSends);
    // YouTube has no push: its comments arrive through polls of the stand-in Data API.
    expect(polls.stored).toBe(scenes.filter((scene) => scene.network === 'youtube').length);
    expect(network.reads.some((read) => read.url.startsWith('https://www.googleapis.com/youtube/v3/commentThreads?') && read.status === 200)).toBe(true);
    expect(report.interactions).toBe(webhooks + polls.stored + network.sent.length);
    const whatsappSend = network.sent.find((request) => request.url.includes('/messages') && (request.body as { messaging_product?: string }).messaging_product === 'whatsapp');
    expect(whatsappSend?.body).toMatchObject({ messaging_product: 'whatsapp', recipient_type: 'individual', type: 'text', text: { body: expect.any(String) } });
    expect(surveys.filter((survey) => survey.status === 'answered').length).toBeGreaterThan(10);
    expect(report.deadLetters).toBe(0);
    expect(report.byDirection.peer).toBeGreaterThan(0);

    // Telegram group chatter: customers answering each other (peer), one question to the bot, answered with reply_parameters.
    expect(report.communities.groups).toEqual([{ channel: 'telegram', title: 'Yıldız Air Yolcuları', messages: 9, people: 4, peer: 7, toBrand: 1, fromBrand: 1 }]);
    const telegramSend = network.sent.find((request) => request.url.startsWith('https://api.telegram.org/bot'));
    expect(telegramSend).toMatchObject({ method: 'POST', body: { chat_id: -1001987654321, reply_parameters: { message_id: 7 } } });
    expect(telegramSend!.url).toMatch(/\/sendMessage$/);
    // The YouTube thread under the brand's video, with replies and the brand's own answer.
    expect(report.communities.videos).toEqual([{ channel: 'youtube', videoId: 'yA321neoCab', threads: 2, comments: 6, replies: 4, people: 4, fromBrand: 1 }]);
    // Google reviews with their stars; the unhappy ones answered with PUT …/reply.
    expect(report.communities.reviews.map((review) => [review.rating, review.answered])).toEqual([[1, true], [5, false], [3, true]]);
    expect(network.sent.filter((request) => request.method === 'PUT' && request.url.startsWith('https://mybusiness.googleapis.com/v4/accounts/'))).toHaveLength(2);
    expect(report.byChannel).toMatchObject({ telegram: 9, youtube: 6, 'google-business': 5 });
    expect(text).toContain('telegram group "Yıldız Air Yolcuları": 9 messages from 4 people; 7 between customers, 1 to the brand, 1 from the brand');
    expect(text).toMatch(/google-business reviews: 3, average 3\.0 of 5/);
    expect(text).toContain('★☆☆☆☆ Gizem Koç: Bilet ofisinde 45 dakika bekledim');
  });

  it('after the crisis, publishes an apology on X and sends the WhatsApp campaign only to customers with marketing consent', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'social-crm-demo-campaign-'));
    const { campaigns, network, text, html, ledger } = await runDemo({ quiet: true, html: join(folder, 'report.html') }).finally(() => rm(folder, { recursive: true, force: true }));
    // The apology: POST /2/tweets, stored as the brand's public post with the campaign id.
    const tweets = network.sent.filter((request) => request.url === 'https://api.x.com/2/tweets');
    expect(tweets.map((request) => (request.body as { text: string }).text)).toEqual([expect.stringMatching(/^We are sorry: a guitar[\s\S]*özür dileriz\.$/)]);
    expect(campaigns.post).toMatchObject({ channel: 'x', id: expect.stringMatching(/^x:\d+$/) });
    const post = await ledger.getInteraction(campaigns.post!.id);
    expect(post).toMatchObject({ direction: 'outbound', kind: 'post', visibility: 'public' });
    expect(post!.createdAt > '2026-11-18T19:00:00.000Z').toBe(true);
    // The audience: consenting and non-consenting customers; the latter excluded with the reason and never messaged.
    const withConsent = campaigns.members.filter((member) => member.consented);
    const withoutConsent = campaigns.members.filter((member) => !member.consented);
    expect(withConsent.length).toBeGreaterThanOrEqual(2);
    expect(withoutConsent.length).toBeGreaterThanOrEqual(2);
    const templates = network.sent.filter((request) => (request.body as { type?: string } | undefined)?.type === 'template');
    expect(templates.length).toBeGreaterThanOrEqual(2);
    for (const request of templates) {
      expect(request.body).toMatchObject({ messaging_product: 'whatsapp', template: { name: 'crisis_survey_coupon', language: { code: expect.stringMatching(/^(tr|en_GB)$/) } } });
      expect(withConsent.map((member) => member.phone)).toContain((request.body as { to: string }).to);
    }
    // (They still get the agents' answers and satisfaction questions: service messages, not marketing.)
    const messaged = new Set(templates.map((request) => (request.body as { to: string }).to));
    for (const member of withoutConsent) expect(messaged.has(member.phone), member.phone).toBe(false);
    expect(campaigns.messagedWithoutConsent).toEqual([]);
    expect(campaigns.campaigns.map((campaign) => campaign.language)).toEqual(['en', 'tr']);
    expect(campaigns.campaigns.reduce((sum, campaign) => sum + (campaign.excluded['no-consent'] ?? 0), 0)).toBe(withoutConsent.length);
    // Results from the ledger: sends, delivery statuses, replies and the opt-out ("DUR") of one recipient.
    const total = (field: 'reached' | 'delivered' | 'read' | 'repliedCustomers' | 'optOuts') => campaigns.campaigns.reduce((sum, campaign) => sum + campaign.results.total[field], 0);
    expect(total('reached')).toBe(templates.length);
    expect(total('delivered')).toBe(templates.length);
    expect(total('read')).toBeGreaterThanOrEqual(2);
    expect(total('repliedCustomers')).toBeGreaterThanOrEqual(2);
    expect(total('optOuts')).toBe(1);
    // The section in both reports.
    expect(text).toContain('Campaigns (crm.publish, social-crm/campaigns)');
    expect(text).toMatch(/crisis-survey-tr \(WhatsApp template, tr\): audience \d+, sent \d+, excluded no-consent \d+; delivered \d+, read \d+, replies \d+ from \d+, opt-outs 1/);
    expect(text).toContain('messaged without consent: 0');
    const section = html!.slice(html!.indexOf('<section id="campaigns">'), html!.indexOf('</section>', html!.indexOf('<section id="campaigns">')));
    expect(section).toContain('<h2>Campaigns</h2>');
    expect(section).toMatch(/<p id="published-post">Published on x at 11-19/);
    expect(section).toMatch(/<tr data-campaign="crisis-survey-en">[\s\S]*<tr data-campaign="crisis-survey-tr"><td>crisis-survey-tr<\/td><td>tr<\/td><td class="num">\d+<\/td><td class="num">\d+<\/td><td>no-consent \d+<\/td>/);
    expect(section).toContain('Messaged without marketing consent: <b>0</b>');
  });

  it('raises one crisis alert for the guitar complaint, flags the viral thread, and ranks the repeat advocate first', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'social-crm-demo-html-'));
    const { report, text, html } = await runDemo({ quiet: true, html: join(folder, 'report.html') }).finally(() => rm(folder, { recursive: true, force: true }));
    // Customer 360 of the person behind two networks: both reply routes, the agents' answers, her survey answer.
    expect(text).toMatch(/Customer 360: Ayşe Yılmaz/);
    const panel = html!.slice(html!.indexOf('<section id="customer-360">'), html!.indexOf('</section>', html!.indexOf('<section id="customer-360">')));
    expect(panel).toContain('<h2>Customer 360: Ayşe Yılmaz</h2>');
    expect(panel).toMatch(/<tr><td>instagram<\/td><td>ayse\.yilmaz<\/td><td>public<\/td>/);
    expect(panel).toMatch(/<tr><td>whatsapp<\/td><td>\+905321112233<\/td><td>private<\/td>/);
    expect(panel.match(/<tr class="to-customer">/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(panel).toMatch(/Why these identities are one customer<\/h3><pre>[\s\S]*C-1042/);
    expect(text).toMatch(/reply route instagram ayse\.yilmaz/);
    expect(text).toMatch(/reply route whatsapp {2}\+905321112233/);
    expect(text).toMatch(/whatsapp {2}3 from her, 3 to her/);
    const alerts = report.insights!.alerts;
    const crisis = alerts.filter(({ alert }) => alert.kind === 'crisis');
    expect(crisis).toHaveLength(1);
    const evidence = crisis[0]!.alert.evidence as CrisisEvidence;
    expect(evidence.topAuthors.map((author) => author.name)).toContain('Mert Kaya');
    expect(evidence.observed.mentions).toBeGreaterThanOrEqual(5);
    // Raised while the crowd joins the thread (stream hours 104-113), and resolved after it.
    expect(crisis[0]!.alert.raisedAt >= '2026-11-18T14:00:00.000Z' && crisis[0]!.alert.raisedAt <= '2026-11-18T23:00:00.000Z').toBe(true);
    expect(crisis[0]!.resolvedAt).toBeDefined();
    const viral = alerts.filter(({ alert }) => alert.kind === 'virality');
    expect(viral.map(({ alert }) => (alert.evidence as ViralityEvidence).post.author)).toEqual(['Mert Kaya']);
    expect(report.insights!.advocatesDetected[0]).toBe(report.advocates[0]!.name);
    expect(report.advocates[0]!.name).toMatch(/can\.demir|Can Demir/);
    expect(report.advocates[0]!.counts.peerSupport).toBeGreaterThanOrEqual(1);
    expect(report.insights!.topics.find((topic) => topic.id === 'guitar')!.mentions).toBeGreaterThanOrEqual(5);
    expect(text).toContain('Crisis and virality alerts');
    // The community channels in the HTML page too.
    const communities = html!.slice(html!.indexOf('<section id="communities">'), html!.indexOf('</section>', html!.indexOf('<section id="communities">')));
    expect(communities).toMatch(/<table id="group-chats">[\s\S]*<td>Yıldız Air Yolcuları<\/td><td class="num">9<\/td><td class="num">4<\/td><td class="num">7<\/td>/);
    expect(communities).toMatch(/<table id="video-threads">[\s\S]*<td>yA321neoCab<\/td>/);
    expect(communities).toContain('<td class="stars" data-rating="1">★☆☆☆☆</td><td>google-business</td><td>Gizem Koç</td>');
    expect(text).toMatch(/\[(?:warning|critical)\] crisis at 11-18/);
  });

  it('reads --db <folder> and refuses --db without a folder', () => {
    expect(demoDatabaseArgument(['--db', './demo-data'])).toBe('./demo-data');
    expect(demoDatabaseArgument(['--html', 'r.html'])).toBeUndefined();
    expect(() => demoDatabaseArgument(['--db'])).toThrow(/needs a folder/);
  });

  it('keeps its data in an embedded PostgreSQL folder with --db, and a second run gives the same report, storing and sending nothing twice', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'social-crm-demo-'));
    try {
      const first = await runDemo({ quiet: true, db: folder });
      expect(Object.keys(first.statuses)).toEqual(['200']);
      const second = await runDemo({ quiet: true, db: folder });
      expect(Object.keys(second.statuses)).toEqual(['200']);
      expect(second.text).toMatch(/postgresLedger on PGlite/);
      // Every delivery is a duplicate and every agent answer (keyed demo-agent:<interaction id>) is found sent: nothing new stored or sent.
      expect(second.network.sent).toEqual([]);
      expect(second.agentReplies).toEqual(first.agentReplies);
      // The apology (key guitar-apology:x) and the campaigns (ids crisis-survey-en/-tr) are found sent.
      expect(second.campaigns).toEqual(first.campaigns);
      expect(first.campaigns.campaigns.reduce((sum, campaign) => sum + campaign.results.total.reached, 0)).toBeGreaterThan(0);
      const counts = ({ report }: typeof first) => ({
        interactions: report.interactions,
        byChannel: report.byChannel,
        byDirection: report.byDirection,
        byLanguage: report.byLanguage,
        customers: report.customers,
        deadLetters: report.deadLetters,
        waiting: report.waitingComplaints.length,
        alerts: report.insights!.alerts.length,
        advocates: report.advocates.map((advocate) => advocate.name),
        surveys: report.insights!.service!.surveys,
        communities: report.communities,
      });
      expect(counts(second)).toEqual(counts(first));
      expect(first.report.insights!.alerts.length).toBeGreaterThan(0);
      // The whole report reads the same, but for what this run sent and how long it took.
      const stable = (text: string) => text.split('\n').filter((line) => !/^(Agents answered|Replayed) /.test(line));
      expect(stable(second.text)).toEqual(stable(first.text));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 120_000);
});
