/**
 * `npm run demo`: replays a week of English and Turkish social traffic through the real webhook
 * code path (signed requests → adapters → pipeline → ledger) and prints what a social CRM
 * team would look at. No server and no keys: everything runs in process on memoryLedger(), or,
 * with `--db <folder>`, on the PostgreSQL ledger embedded through PGlite in that folder.
 */
import { createSocialCrm, identityKey, isSocialCrmError, type InteractionLedger } from 'social-crm';
import { customer360, type Customer360 } from 'social-crm/insights';
import { createIdentityMerger } from 'social-crm/identity';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { campaignLines, demoCampaign } from './campaign.js';
import { campaignsSection, customer360Section, renderHtmlReport } from './html-report.js';
import { startDemoInsights, type DemoInsights } from './insights.js';
import { buildDemoReport, formatDemoReport } from './report.js';
import { demoNetwork } from './network.js';
import { demoStream, type Scene } from './stream.js';
import { demoTransports, whatsappStatusRequest } from './transports.js';
import { replayView } from './replay.js';
import { demoDatabaseArgument, openDemoLedger } from './ledger.js';

/** `--html <file>`: also write the report as a self-contained HTML page. */
export function demoHtmlArgument(argv: readonly string[]): string | undefined {
  const { values } = parseArgs({ args: [...argv], options: { html: { type: 'string' } }, strict: false, allowPositionals: true });
  const file = values.html;
  if (file === true || file === '') throw new Error('`--html` needs a file name, e.g. `npm run demo -- --html report.html`.');
  return typeof file === 'string' ? file : undefined;
}

const HOUR = 3_600_000;

/** What the demo's agents write back in a private conversation. */
const AGENT_ANSWERS: Record<'en' | 'tr', string[]> = {
  en: ['Hi, this is Selin from Yıldız Air. I have checked your booking and fixed it; you will get an e-mail in a minute.', 'Thanks for your patience! Your request is on its way to the baggage team, reference YA-4711.'],
  tr: ['Merhaba, ben Yıldız Air’den Selin. Rezervasyonunuzu kontrol ettim ve düzelttim, birazdan e-posta gelecek.', 'Sabrınız için teşekkürler! Talebiniz YA-4711 numarasıyla bagaj ekibimize iletildi.'],
};

/** What the demo's agents answer in public: the question to the Telegram bot, and unhappy Google reviews. */
const PUBLIC_ANSWERS: Record<string, Record<'en' | 'tr', string>> = {
  telegram: {
    en: 'Hi, this is Selin from Yıldız Air. Please update the app to the latest version; if E-401 stays, check in at the airport kiosk at no charge.',
    tr: 'Merhaba, ben Yıldız Air’den Selin. Lütfen uygulamayı son sürüme güncelleyin; E-401 hatası sürerse havalimanındaki kiosklardan ücretsiz check-in yapabilirsiniz.',
  },
  'google-business': {
    en: 'Thank you for your feedback. We are sorry about the wait and have shared your review with the office team.',
    tr: 'Değerlendirmeniz için teşekkür ederiz. Yaşadığınız bekleme için özür dileriz, yorumunuzu ofis ekibimizle paylaştık.',
  },
};

/** How the demo's customers answer a satisfaction question. */
const SURVEY_ANSWERS: Record<'en' | 'tr', string[]> = {
  en: ['5', 'Very satisfied, thank you!', '4/5', 'not bad', 'Terrible, nobody solved anything', '⭐⭐⭐⭐', '2', 'I would give it a 3'],
  tr: ['5', 'çok memnun kaldım, teşekkürler', '4/5', 'fena değil', 'berbat, hiç memnun kalmadım', '⭐⭐⭐⭐⭐', '3', 'memnun değilim'],
};

/** A stable number in [0, 1) from an id, so the agents and customers act the same on every run. */
function choice(id: string): number {
  let hash = 2166136261;
  for (let index = 0; index < id.length; index++) hash = Math.imul(hash ^ id.charCodeAt(index), 16777619);
  return (hash >>> 0) / 4294967296;
}

/** Ayşe's customer 360: what an agent sees before answering her. */
async function ayseView(ledger: InteractionLedger, customerId: string, live: DemoInsights): Promise<Customer360 | null> {
  return customer360(ledger, customerId, { bucket: 'day', ...(live.insights.advocates ? { advocates: live.insights.advocates } : {}), ...(live.insights.segments ? { segments: live.insights.segments } : {}) });
}

/** The customer 360 as lines of the text report. */
function customer360Lines(view: Customer360): string[] {
  const clip = (text: string) => (text.length > 72 ? `${text.slice(0, 71)}…` : text);
  const day = (iso: string | null) => (iso ? `${iso.slice(5, 10)} ${iso.slice(11, 16)} UTC` : '–');
  return [
    '',
    `Customer 360: ${view.customer.displayName ?? view.customer.id} (insights.customer360)`,
    '─'.repeat(60),
    `  first contact ${day(view.firstContactAt)}, last ${day(view.lastContactAt)}; advocate score ${view.advocateScore?.toFixed(1) ?? '–'}, detractor score ${view.detractorScore?.toFixed(1) ?? '–'}; segments: ${view.segments?.join(', ') || 'none'}`,
    ...view.identities.map((record) => `  reply route ${record.route.channel.padEnd(9)} ${record.route.handle ?? record.identity.phone ?? record.key}${record.route.optedOut ? ' (opted out)' : ''}, last message ${day(record.route.lastInteractionAt ?? null)}`),
    ...Object.entries(view.counts).map(([channel, counts]) => `  ${channel.padEnd(9)} ${counts.inbound} from her, ${counts.outbound} to her, ${counts.peer} with other customers`),
    `  sentiment by day: ${view.sentimentTrend.map((bucket) => `${bucket.start.slice(5, 10)} ${bucket.averageScore.toFixed(2)}`).join(', ')}`,
    `  open issues: ${view.openIssues.length ? view.openIssues.map((issue) => `${issue.channel} "${clip(issue.text)}"`).join('; ') : 'none'}`,
    ...view.timeline.map((entry) => `  ${day(entry.interaction.createdAt)} ${entry.interaction.channel.padEnd(9)} ${entry.relation.padEnd(13)} ${clip(entry.interaction.text)}`),
  ];
}

export async function runDemo(options: { quiet?: boolean; html?: string; db?: string } = {}) {
  const scenes = demoStream();
  const transports = demoTransports(scenes);
  let clock = new Date(scenes[0]!.createdAt);
  const network = demoNetwork(transports.values(), () => clock);
  const storage = await openDemoLedger(options.db);
  const ledger = storage.ledger;
  const identity = createIdentityMerger({ ledger, now: () => clock, defaultRegion: 'TR' });
  const crm = createSocialCrm({
    ledger,
    adapters: [...transports.values()].map((transport) => transport.adapter),
    identity,
    now: () => clock,
    // Replies and surveys go through crm.reply() to an in-process stand-in of the networks.
    fetch: network.fetch,
  });
  // The insights listen to the crm's events; a host would call advance() from a timer, the demo
  // calls it as its replay clock moves. Through the replay view, a second run on the same --db
  // folder (where everything is already stored) shows them the stored copies.
  const replay = replayView(crm);
  const live = startDemoInsights(replay, () => clock);
  // The host CRM already knows Ayşe as contact C-1042 with her Instagram handle and phone number:
  // an explicit link, the strongest evidence, so her Instagram comment and WhatsApp messages land on
  // one customer even though neither network shares anything with the other.
  const ayse = scenes.filter((scene) => scene.story === 'two-networks');
  for (const scene of ayse) {
    try {
      await identity.link({ channel: scene.network, ...scene.author }, 'C-1042');
    } catch (error) {
      // A second run on the same --db folder finds the link in place.
      if (!isSocialCrmError(error)) throw error;
    }
  }
  const statuses: Record<number, number> = {};
  const agentReplies = { sent: 0, refused: 0, public: 0 };
  const polls = { runs: 0, stored: 0 };
  // The replay agenda: every scene's webhook at its time, plus what the brand's agents and customers
  // do in reaction (agent answers to private messages, answers to the surveys sent).
  const agenda: Array<{ at: number; run: () => Promise<void> }> = [];
  const schedule = (at: number, run: () => Promise<void>) => {
    let index = agenda.length;
    while (index > 0 && agenda[index - 1]!.at > at) index--;
    agenda.splice(index, 0, { at, run });
  };
  const authors = new Map<string, Scene>();
  const deliver = async (scene: Scene, options: { agentsAnswer?: boolean } = {}) => {
    const transport = transports.get(scene.network)!;
    if (transport.request) {
      const response = await crm.handleWebhook(await transport.request(scene, clock));
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    } else {
      // A network without push (YouTube): the host polls on a timer; the demo polls as each item appears.
      for (const summary of await crm.poll({ adapterIds: [scene.network] })) {
        if (summary.error) throw summary.error;
        polls.runs++;
        polls.stored += summary.stored;
      }
      await replay.catchUp(scene.network, clock);
    }
    if (scene.author.isBrand) return;
    authors.set(identityKey({ channel: scene.network, nativeId: scene.author.nativeId }), scene);
    const roll = choice(scene.nativeId);
    // Agents answer most private messages of the crowd, and Ayşe's WhatsApp messages (her Instagram comment waits).
    const answered = scene.story === 'two-networks' || (scene.story === 'background' && roll < 0.6);
    if ((options.agentsAnswer ?? true) && scene.visibility === 'private' && answered) {
      const language = scene.author.locale?.startsWith('tr') ? 'tr' : 'en';
      schedule(Date.parse(scene.createdAt) + (0.3 + roll * 8) * HOUR, async () => {
        try {
          const id = `${scene.network}:${scene.nativeId}`;
          // A stable key: a second run on the same --db folder finds the answer sent and sends nothing.
          await replay.reply(id, { text: AGENT_ANSWERS[language][Math.floor(roll * 10) % AGENT_ANSWERS[language].length]!, idempotencyKey: `demo-agent:${id}` });
          agentReplies.sent++;
        } catch (error) {
          if (!isSocialCrmError(error)) throw error;
          agentReplies.refused++;
        }
      });
    }
    // In public, agents answer the question put to the Telegram bot and Google reviews of three stars or fewer.
    const publicAnswer = PUBLIC_ANSWERS[scene.network]?.[scene.author.locale?.startsWith('tr') ? 'tr' : 'en'];
    if (publicAnswer && (scene.kind === 'mention' || (scene.rating ?? 5) <= 3)) {
      schedule(Date.parse(scene.createdAt) + (0.5 + roll * 3) * HOUR, async () => {
        const id = `${scene.network}:${scene.nativeId}`;
        await replay.reply(id, { text: publicAnswer, idempotencyKey: `demo-agent:${id}` });
        agentReplies.sent++;
        agentReplies.public++;
      });
    }
  };
  // Customers answer most of the satisfaction questions the survey manager sent, a few hours later.
  const asked = new Set<string>();
  const answerSurveys = () => {
    for (const survey of live.insights.surveys?.surveys({ status: 'sent' }) ?? []) {
      if (asked.has(survey.id)) continue;
      asked.add(survey.id);
      const customer = authors.get(survey.recipient);
      const roll = choice(survey.id);
      if (!customer || roll >= 0.75) continue;
      const language = customer.author.locale?.startsWith('tr') ? 'tr' : 'en';
      const answers = SURVEY_ANSWERS[language];
      const at = Date.parse(survey.sentAt!) + (0.2 + roll * 6) * HOUR;
      const nativeId = `${customer.network === 'whatsapp' ? 'wamid.' : 'm_'}SURVEY${String(asked.size).padStart(4, '0')}`;
      const { parentId: _parentId, ...scene } = customer;
      schedule(at, () => deliver({ ...scene, nativeId, kind: 'direct_message', text: answers[Math.floor(roll * 100) % answers.length]!, createdAt: new Date(at).toISOString(), story: 'background' }, { agentsAnswer: false }));
    }
  };
  for (const scene of scenes) schedule(Date.parse(scene.createdAt), () => deliver(scene));
  // After the crisis: an apology on X through crm.publish(), and a WhatsApp template campaign to the
  // affected customers who gave marketing consent; their statuses and replies come back as webhooks.
  const deliveryStatuses = { webhooks: 0 };
  const campaign = demoCampaign(crm, scenes, {
    deliver: (scene) => deliver(scene, { agentsAnswer: false }),
    async deliverStatuses(items) {
      if (!items.length) return;
      const response = await crm.handleWebhook(await whatsappStatusRequest(items));
      if (response.status !== 200) throw new Error(`The WhatsApp statuses webhook answered ${response.status}.`);
      deliveryStatuses.webhooks++;
    },
    handled: (inbound) => replay.announceReplies(inbound),
    surveyed: (key) => (live.insights.surveys?.surveys() ?? []).some((survey) => survey.recipient === key),
    schedule,
    now: () => clock,
  });
  const started = performance.now();
  while (agenda.length) {
    const step = agenda.shift()!;
    clock = new Date(step.at);
    await step.run();
    await replay.settle();
    await live.insights.advance(clock);
    answerSurveys();
  }
  const seconds = (performance.now() - started) / 1000;
  const report = await buildDemoReport(ledger, live);
  const campaigns = await campaign.report();
  const ayseCustomer = (await ledger.getIdentity(identityKey({ channel: ayse[0]!.network, nativeId: ayse[0]!.author.nativeId })))?.customerId;
  const explanation = ayseCustomer ? await identity.explain(ayseCustomer) : undefined;
  const view = ayseCustomer ? await ayseView(ledger, ayseCustomer, live) : null;
  const text = formatDemoReport(report, [
    '',
    'Why Ayşe is one customer (identity.explain)',
    '───────────────────────────────────────────',
    ...(explanation ? explanation.text.split('\n').map((line) => `  ${line}`) : ['  (not linked)']),
    `Merge suggestions waiting for an agent: ${(await identity.suggestions({ limit: 1000 })).items.length}`,
    ...(view ? customer360Lines(view) : []),
    ...campaignLines(campaigns),
    '',
    `Agents answered ${agentReplies.sent} conversations through crm.reply(), ${agentReplies.public} of them in public (${agentReplies.refused} refused); ${network.sent.length} requests went to the stand-in network, and the polls read it ${network.reads.length} times`,
    `Storage: ${storage.description}`,
    `Replayed ${Object.values(statuses).reduce((sum, count) => sum + count, 0)} webhooks and ${polls.runs} polls in ${seconds.toFixed(2)} s; HTTP statuses: ${Object.entries(statuses).map(([status, value]) => `${status}×${value}`).join(', ')}`,
  ]);
  if (!options.quiet) console.log(text);
  let html: string | undefined;
  if (options.html) {
    html = renderHtmlReport(report, {
      title: 'Yıldız Air — a week on social media (social-crm demo)',
      sections: [...(view ? [customer360Section(view, explanation?.text)] : []), campaignsSection(campaigns)],
    });
    await writeFile(options.html, html, 'utf8');
    if (!options.quiet) console.log(`\nHTML report written to ${options.html}`);
  }
  live.insights.close();
  replay.close();
  if (options.db) await crm.close();
  return { report, campaigns, deliveryStatuses, scenes, statuses, polls, crm, ledger, insights: live, html, text, agentReplies, network };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runDemo({ html: demoHtmlArgument(process.argv.slice(2)), db: demoDatabaseArgument(process.argv.slice(2)) });
}
