/**
 * After the crisis: the brand apologises in public with `crm.publish()` on X, where the complaint
 * went viral, and sends a WhatsApp template (a short survey with a coupon) to the WhatsApp customers
 * who wrote during the crisis days, through `social-crm/campaigns`: only those whose marketing
 * consent is recorded are messaged, the others are excluded with the reason. Everything is keyed
 * (the post's idempotency key, the campaign ids), so a second run on the same `--db` folder finds it
 * sent and sends nothing.
 */
import { identityKey, type Interaction, type SocialCrm } from 'social-crm';
import { campaignSendKey, createCampaigns, type CampaignDefinition, type CampaignResults, type CampaignsCrm, type ExclusionReason } from 'social-crm/campaigns';
import type { Scene } from './stream.js';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 10, 14, 6, 0, 0);
/** Stream hours: the crisis thread runs 100–113; the apology goes out the evening after, the campaign the next morning. */
export const APOLOGY_AT = new Date(START + 116 * HOUR);
export const CAMPAIGN_AT = new Date(START + 122 * HOUR);

export const APOLOGY_KEY = 'guitar-apology:x';
const APOLOGY_TEXT =
  'We are sorry: a guitar was damaged on one of our flights this week, and we answered too slowly. We have contacted the passenger and are reviewing how we handle instruments. / Bu hafta bir uçuşumuzda bir gitar zarar gördü ve geç yanıt verdik, özür dileriz.';

type Language = 'en' | 'tr';

/** One campaign per language: WhatsApp approves a template per language. */
const campaignOf = (language: Language, audience: string[]): CampaignDefinition => ({
  id: `crisis-survey-${language}`,
  purpose: 'marketing',
  audience,
  messages: { whatsapp: { template: { name: 'crisis_survey_coupon', language: language === 'tr' ? 'tr' : 'en_GB', parameters: ['{{firstName}}'], parameterCount: 1 } } },
});

/** What the demo's recipients answer: a survey answer, and an opt-out word. */
const REPLIES: Record<Language, [string, string]> = {
  en: ['Thanks for the coupon, I filled in the survey. Things went fine in the end.', 'STOP'],
  tr: ['Kupon için teşekkürler, anketi doldurdum. Sonunda sorun çözüldü.', 'DUR'],
};

export interface DemoCampaignReport {
  post: { id: string; channel: string; text: string; createdAt: string } | null;
  campaigns: Array<{
    id: string;
    language: Language;
    audience: number;
    /** Members excluded from sending (consent, windows …), by reason; customers messaged by an earlier run are not counted. */
    excluded: Partial<Record<ExclusionReason, number>>;
    results: CampaignResults;
  }>;
  /** The affected customers, their WhatsApp number and whether they gave marketing consent. */
  members: Array<{ customerId: string; phone: string; consented: boolean }>;
  /** Members without consent who nonetheless have a campaign send recorded: always empty. */
  messagedWithoutConsent: string[];
}

export interface DemoCampaignHooks {
  /** Delivers a customer's message as the network would (a signed webhook). */
  deliver(scene: Scene): Promise<void>;
  /** Delivers WhatsApp delivery statuses of the brand's messages as a signed webhook. */
  deliverStatuses(statuses: Array<{ id: string; status: 'delivered' | 'read'; recipientId: string; at: Date }>): Promise<void>;
  /** After the opt-out handling: announce its stored confirmation on a rerun (see `ReplayView.announceReplies`). */
  handled(inbound: Interaction): Promise<void>;
  /** Whether the survey manager has asked this identity (`whatsapp:<wa_id>`) a satisfaction question. */
  surveyed(identityKey: string): boolean;
  /** Adds a step to the replay agenda. */
  schedule(at: number, run: () => Promise<void>): void;
  /** The replay clock. */
  now(): Date;
}

/** The WhatsApp customers who wrote to the brand during the crisis days (stream hours 72–120), in order of their first message. */
function affectedCustomers(scenes: Scene[]): Scene[] {
  const seen = new Map<string, Scene>();
  for (const scene of [...scenes].sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
    const hours = (Date.parse(scene.createdAt) - START) / HOUR;
    if (scene.network !== 'whatsapp' || scene.story !== 'background' || hours < 72 || hours >= 120) continue;
    if (!seen.has(scene.author.nativeId)) seen.set(scene.author.nativeId, scene);
  }
  return [...seen.values()].slice(0, 10);
}

/**
 * Puts the apology and the campaign on the replay agenda; `report()` reads the results from the
 * ledger once the replay is over.
 */
export function demoCampaign(crm: SocialCrm, scenes: Scene[], hooks: DemoCampaignHooks): { report(): Promise<DemoCampaignReport> } {
  // The demo hands each reply to campaigns.handleInbound itself (instead of through the crm's
  // event), so the replay waits for the opt-out and its confirmation before it moves on.
  const campaignsCrm: CampaignsCrm = {
    ledger: crm.ledger,
    adapters: crm.adapters,
    sendMessage: (request) => crm.sendMessage(request),
    setConsent: (...args) => crm.setConsent(...args),
    reply: (...args) => crm.reply(...args),
    on: () => () => {},
  };
  const campaigns = createCampaigns(campaignsCrm, { now: hooks.now, frequencyCap: false });
  const members: Array<{ scene: Scene; key: string; customerId: string; language: Language; consented: boolean }> = [];
  const runs = new Map<string, { language: Language; definition: CampaignDefinition; excluded: Partial<Record<ExclusionReason, number>> }>();
  let post: Interaction | undefined;

  // 1. The public apology on X, stored as an outbound post with the campaign id.
  hooks.schedule(APOLOGY_AT.getTime(), async () => {
    post = await crm.publish({ channel: 'x', text: APOLOGY_TEXT, campaignId: 'guitar-apology', idempotencyKey: APOLOGY_KEY });
  });

  hooks.schedule(CAMPAIGN_AT.getTime(), async () => {
    // 2. The audience: every other affected customer signed up for offers on the booking form
    // (marketing consent recorded); the rest never did and must not be messaged.
    for (const [index, scene] of affectedCustomers(scenes).entries()) {
      const key = identityKey({ channel: 'whatsapp', nativeId: scene.author.nativeId });
      const customerId = (await crm.ledger.getIdentity(key))?.customerId;
      if (!customerId) continue;
      const consented = index % 2 === 0;
      // Recorded once: on a second run, the customer who answered with an opt-out word stays opted out.
      if (consented && !(await crm.ledger.getConsent(key))) await crm.setConsent(key, 'opted-in', 'booking-form', { purpose: 'marketing' });
      members.push({ scene, key, customerId, language: scene.author.locale?.startsWith('tr') ? 'tr' : 'en', consented });
    }
    for (const language of ['en', 'tr'] as const) {
      const audience = members.filter((member) => member.language === language);
      if (!audience.length) continue;
      const definition = campaignOf(language, audience.map((member) => member.customerId));
      const run = await campaigns.run(definition);
      const excluded: Partial<Record<ExclusionReason, number>> = {};
      for (const exclusion of run.excluded) if (exclusion.reason !== 'already-sent') excluded[exclusion.reason] = (excluded[exclusion.reason] ?? 0) + 1;
      runs.set(definition.id, { language, definition, excluded });
      // Delivered within minutes; the first two recipients read it. Read from the send records, so a
      // second run delivers the same statuses (duplicates the ledger already applied).
      const sent = await sentMessages(definition);
      await hooks.deliverStatuses(
        sent.flatMap(({ message }, index) => [
          { id: message.nativeId, status: 'delivered' as const, recipientId: message.recipientId!, at: new Date(CAMPAIGN_AT.getTime() + 2 * 60_000) },
          ...(index < 2 ? [{ id: message.nativeId, status: 'read' as const, recipientId: message.recipientId!, at: new Date(CAMPAIGN_AT.getTime() + (10 + index * 20) * 60_000) }] : []),
        ]),
      );
      // Two recipients write back: a survey answer, then an opt-out word. The opt-out comes from a
      // recipient the brand never surveyed and who writes nothing later in the week: a rerun on the same
      // --db folder starts with that consent withdrawn, and would otherwise refuse surveys the first
      // run sent and report a different week.
      const quiet = sent.find(({ member }) => !hooks.surveyed(member.key) && !scenes.some((scene) => scene.network === 'whatsapp' && scene.author.nativeId === member.scene.author.nativeId && Date.parse(scene.createdAt) > CAMPAIGN_AT.getTime()));
      const responders = [sent.find((entry) => entry !== quiet), quiet];
      for (const [index, entry] of responders.entries()) {
        if (!entry) continue;
        const { member } = entry;
        const at = CAMPAIGN_AT.getTime() + (1 + index) * HOUR;
        hooks.schedule(at, async () => {
          const nativeId = `wamid.CAMPAIGN${language.toUpperCase()}${index}`;
          const { parentId: _parentId, conversationId: _conversationId, ...scene } = member.scene;
          await hooks.deliver({ ...scene, nativeId, text: REPLIES[language][index]!, createdAt: new Date(at).toISOString() });
          const stored = await crm.ledger.getInteraction(`whatsapp:${nativeId}`);
          if (!stored) return;
          await campaigns.handleInbound(stored);
          await hooks.handled(stored);
        });
      }
    }
  });

  /** The campaign's stored messages, in audience order. */
  async function sentMessages(definition: CampaignDefinition) {
    const found: Array<{ member: (typeof members)[number]; message: Interaction }> = [];
    for (const customerId of definition.audience as string[]) {
      const record = await crm.ledger.getSend?.(campaignSendKey(definition.id, customerId, 'whatsapp'));
      const message = record?.interactionId ? await crm.ledger.getInteraction(record.interactionId) : null;
      const member = members.find((candidate) => candidate.customerId === customerId);
      if (message && member) found.push({ member, message });
    }
    return found;
  }

  return {
    async report() {
      campaigns.close();
      const report: DemoCampaignReport = {
        post: post ? { id: post.id, channel: post.channel, text: post.text, createdAt: post.createdAt } : null,
        campaigns: [],
        members: members.map((member) => ({ customerId: member.customerId, phone: member.scene.author.nativeId, consented: member.consented })),
        messagedWithoutConsent: [],
      };
      for (const { language, definition, excluded } of runs.values()) {
        for (const customerId of definition.audience as string[]) {
          const member = members.find((candidate) => candidate.customerId === customerId);
          if (member && !member.consented && (await crm.ledger.getSend?.(campaignSendKey(definition.id, customerId, 'whatsapp')))) report.messagedWithoutConsent.push(customerId);
        }
        report.campaigns.push({ id: definition.id, language, audience: (definition.audience as string[]).length, excluded, results: await campaigns.results(definition) });
      }
      return report;
    },
  };
}

/** The "Campaigns" section of the text report. */
export function campaignLines(report: DemoCampaignReport): string[] {
  const lines = ['', 'Campaigns (crm.publish, social-crm/campaigns)', '─'.repeat(45)];
  if (report.post) lines.push(`  published on ${report.post.channel} ${report.post.createdAt.slice(5, 16).replace('T', ' ')} UTC (${report.post.id}): ${report.post.text.length > 90 ? `${report.post.text.slice(0, 89)}…` : report.post.text}`);
  for (const campaign of report.campaigns) {
    const { total } = campaign.results;
    const excluded = Object.entries(campaign.excluded).map(([reason, count]) => `${reason} ${count}`).join(', ') || 'none';
    lines.push(
      `  ${campaign.id} (WhatsApp template, ${campaign.language}): audience ${campaign.audience}, sent ${total.reached}, excluded ${excluded}; delivered ${total.delivered}, read ${total.read}, replies ${total.replies} from ${total.repliedCustomers}, opt-outs ${total.optOuts}, in doubt ${total.inDoubt}, failed ${total.failed}; replies positive ${total.sentiment.positive}, neutral ${total.sentiment.neutral}, negative ${total.sentiment.negative}`,
    );
  }
  lines.push(`  messaged without consent: ${report.messagedWithoutConsent.length}`);
  return lines;
}
