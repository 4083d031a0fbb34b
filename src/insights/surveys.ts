/**
 * Satisfaction surveys: when a conversation is resolved (the host says so, or the brand answered
 * and the customer stayed quiet for a while), ask a CSAT (1–5) or NPS (0–10) question through
 * the same channel, in the conversation's language, read the answer into a score, and report
 * CSAT and NPS by channel and department. Consent, opt-outs and messaging windows are respected:
 * a survey that may not be sent is recorded as not sent, with the reason, and nothing throws.
 *
 * @module
 */
import * as z from 'zod';
import type { SocialCrm } from '../crm.js';
import { InvalidOptionsError, NotFoundError, isReplyNotAllowedError, isSocialCrmError } from '../errors.js';
import { identityKey, type Classification, type Department, type Interaction } from '../interaction.js';
import { HOUR_MS, DAY_MS, classificationOf, parseInsightOptions, round, timeOf } from './_shared.js';
import { parseSurveyReply, type SurveyKind, type SurveyScore } from './survey-parse.js';

/** Questions per language code; `en` is the fallback. `{scale}` is not interpolated: write the scale out. */
export type SurveyTemplates = Record<string, string>;

/** Built-in questions (English and Turkish). */
export const DEFAULT_SURVEY_TEMPLATES: Record<SurveyKind, SurveyTemplates> = {
  csat: {
    en: 'Thanks for getting in touch! How satisfied are you with the help you received? Please reply with a number from 1 (very dissatisfied) to 5 (very satisfied).',
    tr: 'Bize ulaştığınız için teşekkürler! Aldığınız destekten ne kadar memnun kaldınız? Lütfen 1 (hiç memnun değilim) ile 5 (çok memnunum) arasında bir sayıyla yanıtlayın.',
  },
  nps: {
    en: 'Thanks for getting in touch! How likely are you to recommend us to a friend? Please reply with a number from 0 (not at all likely) to 10 (extremely likely).',
    tr: 'Bize ulaştığınız için teşekkürler! Bizi bir arkadaşınıza tavsiye etme olasılığınız nedir? Lütfen 0 (hiç) ile 10 (kesinlikle) arasında bir sayıyla yanıtlayın.',
  },
};

/** Options of {@link createSurveyManager}. */
export interface SurveyManagerOptions {
  /** Sends through `crm.reply` and reads consent from `crm.ledger`. */
  crm: Pick<SocialCrm, 'reply' | 'ledger'>;
  /** @default 'csat' */
  kind?: SurveyKind;
  /**
   * Resolve a conversation on its own when the brand answered last and the customer has been
   * quiet for this many hours; `false` to resolve only with `resolve()`. @default 24
   */
  resolveAfterHours?: number | false;
  /** How long after sending an answer is accepted. @default 72 */
  answerWindowHours?: number;
  /** Do not survey a customer again within this many days. @default 30 */
  cooldownDays?: number;
  /** Questions per language; merged over the built-in English and Turkish ones. */
  templates?: SurveyTemplates;
  /**
   * Public conversations (comments, posts): ask by private message (where the network allows it),
   * answer in the public thread, or skip. @default 'private-message'
   */
  publicThreads?: 'private-message' | 'public-reply' | 'skip';
  /** Survey only these channels. @default every channel */
  channels?: string[];
  /** The clock for `advance()` without an argument. @default () => new Date() */
  now?: () => Date;
  /** A snapshot from `toJSON()` to resume from. */
  state?: SurveyManagerState;
}

/** Why a survey was not sent. */
export type SurveyNotSentReason =
  | 'messaging-window-closed'
  | 'opted-out'
  | 'not-replyable'
  | 'deleted'
  | 'unsupported'
  | 'public-thread'
  | 'unknown-conversation';

/** One survey, from due to answered. */
export interface SurveyRecord {
  /** `survey:<conversationId>:<n>`. */
  id: string;
  /** CSAT (1–5) or NPS (0–10). */
  kind: SurveyKind;
  /** The resolved conversation. */
  conversationId: string;
  channel: string;
  customerId?: string;
  /** The classifier's department in the conversation, for reports. */
  department?: Department;
  /** Language of the question sent (`en` when no template matches the conversation's). */
  language: string;
  /** The customer message answered by the survey. */
  inReplyTo: string;
  /** Identity key of the customer asked. */
  recipient: string;
  /** `failed` when sending failed for another reason (a network error); `not-sent` when a rule or the customer forbade it. */
  status: 'due' | 'sent' | 'not-sent' | 'failed' | 'answered' | 'expired';
  /** What resolved the conversation: `resolve()`, or the quiet period. */
  trigger: 'host' | 'quiet';
  /** When the survey fell due (ISO-8601). */
  dueAt: string;
  /** When the network accepted the question. */
  sentAt?: string;
  /** The survey message as stored. */
  sentInteractionId?: string;
  /** The conversation the survey message landed in (a private thread when a public comment was asked privately). */
  sentConversationId?: string;
  /** Why it was not sent. */
  reason?: SurveyNotSentReason;
  /** The error behind `not-sent` or `failed`, when there was one. */
  error?: { code?: string; message: string };
  /** The score read from the customer's answer, with the answer's id and time. */
  answer?: SurveyScore & { interactionId: string; at: string };
}

/** What the manager reports. `survey-due` and `survey-scored` are insight events. */
export type SurveyChange =
  | { type: 'survey-due'; survey: SurveyRecord }
  | { type: 'survey-sent'; survey: SurveyRecord }
  | { type: 'survey-not-sent'; survey: SurveyRecord }
  | { type: 'survey-scored'; survey: SurveyRecord; score: SurveyScore }
  | { type: 'survey-expired'; survey: SurveyRecord };

/** CSAT/NPS for one group. */
export interface SurveyReport {
  /** The channel, the department (`unknown` when unclassified) or `all`. */
  key: string;
  /** Surveys sent (answered or not). */
  sent: number;
  /** Surveys that could not be sent. */
  notSent: number;
  /** Surveys with a score. */
  answered: number;
  /** answered / sent; null when nothing was sent. */
  responseRate: number | null;
  /** Percentage of CSAT answers that are 4 or 5; null without CSAT answers. */
  csat: number | null;
  /** Promoters (9–10) minus detractors (0–6), in percentage points; null without NPS answers. */
  nps: number | null;
  promoters: number;
  passives: number;
  detractors: number;
  /** Answers read from sentiment alone or from mixed wording. */
  lowConfidence: number;
}

/** Serializable state of the manager. */
export interface SurveyManagerState {
  version: 1;
  time: number | null;
  conversations: ConversationFacts[];
  surveys: SurveyRecord[];
  lastSurveyed: Array<[string, number]>;
}

interface ConversationFacts {
  conversationId: string;
  channel: string;
  visibility: 'public' | 'private';
  customerId?: string;
  department?: Department;
  language?: string;
  recipient: string;
  lastInboundId: string;
  lastInboundAt: number;
  lastBrandAt: number | null;
  /** Set once surveyed; a new customer message after it reopens the conversation. */
  surveyedAt: number | null;
  surveys: number;
}

export interface SurveyManager {
  /** Feed a stored interaction: tracks conversations and reads answers to sent surveys. */
  observe(interaction: Interaction, classification?: Classification): SurveyChange[];
  /**
   * The host resolved a conversation: the survey becomes due and is sent now. Returns no change
   * when the conversation was already surveyed or the customer is in the cooldown.
   * @throws NotFoundError when neither this manager nor the ledger knows a customer message in it.
   */
  resolve(conversationId: string): Promise<SurveyChange[]>;
  /** Move time on: resolves quiet conversations (and sends), expires unanswered surveys. */
  advance(now?: Date | string): Promise<SurveyChange[]>;
  /** Surveys, newest last. */
  surveys(filter?: { status?: SurveyRecord['status']; conversationId?: string }): SurveyRecord[];
  /** CSAT and NPS by channel, department or overall, over surveys due in `[since, until)`. */
  report(options?: { by?: 'channel' | 'department' | 'all'; since?: string; until?: string }): SurveyReport[];
  /** The state, serialisable; pass it back as `options.state` to resume. */
  toJSON(): SurveyManagerState;
}

const optionsSchema = z.object({
  crm: z.custom<SurveyManagerOptions['crm']>(
    (value) => typeof value === 'object' && value !== null && typeof (value as { reply?: unknown }).reply === 'function' && typeof (value as { ledger?: unknown }).ledger === 'object',
    'Pass the crm (it needs `reply` and `ledger`).',
  ),
  kind: z.enum(['csat', 'nps']).default('csat'),
  resolveAfterHours: z.union([z.literal(false), z.number().positive().finite()]).default(24),
  answerWindowHours: z.number().positive().finite().default(72),
  cooldownDays: z.number().nonnegative().finite().default(30),
  templates: z.record(z.string().min(2), z.string().min(1)).default({}),
  publicThreads: z.enum(['private-message', 'public-reply', 'skip']).default('private-message'),
  channels: z.array(z.string().min(1)).min(1).optional(),
  now: z.custom<() => Date>((value) => typeof value === 'function', 'Expected a function returning a Date.').default(() => () => new Date()),
  state: z
    .custom<SurveyManagerState>((value) => {
      const state = value as SurveyManagerState;
      return state?.version === 1 && Array.isArray(state.conversations) && Array.isArray(state.surveys) && Array.isArray(state.lastSurveyed);
    }, 'Expected a snapshot made by toJSON() (version 1).')
    .optional(),
});

const MAX_CONVERSATIONS = 100_000;

/** Where an answer to a sent survey may come from: the recipient, or the conversation the question landed in. */
function answerKeysOf(record: SurveyRecord): string[] {
  return [record.recipient, ...(record.sentConversationId ? [`conversation:${record.sentConversationId}`] : [])];
}

/** Computes CSAT/NPS figures over answered surveys. */
export function summarizeSurveys(key: string, records: SurveyRecord[]): SurveyReport {
  const sent = records.filter((record) => record.sentAt !== undefined).length;
  const answers = records.flatMap((record) => (record.answer ? [record.answer] : []));
  const csatAnswers = answers.filter((answer) => answer.kind === 'csat');
  const npsAnswers = answers.filter((answer) => answer.kind === 'nps');
  const promoters = npsAnswers.filter((answer) => answer.score >= 9).length;
  const detractors = npsAnswers.filter((answer) => answer.score <= 6).length;
  return {
    key,
    sent,
    notSent: records.filter((record) => record.status === 'not-sent' || record.status === 'failed').length,
    answered: answers.length,
    responseRate: sent === 0 ? null : round(answers.length / sent),
    csat: csatAnswers.length === 0 ? null : round((100 * csatAnswers.filter((answer) => answer.score >= 4).length) / csatAnswers.length, 1),
    nps: npsAnswers.length === 0 ? null : round((100 * (promoters - detractors)) / npsAnswers.length, 1),
    promoters,
    passives: npsAnswers.length - promoters - detractors,
    detractors,
    lowConfidence: answers.filter((answer) => answer.confidence === 'low').length,
  };
}

/** Intents that make a message a new request rather than an answer to the question asked. */
const NEW_REQUEST_INTENTS = new Set(['question', 'support_request', 'purchase_intent', 'feature_request']);
/** Longest message read as an answer from its wording (rating words, faces or sentiment). */
const SENTIMENT_ANSWER_MAX_WORDS = 12;

/**
 * A message without an explicit score ("5", "4/5", "★★★★") counts as an answer from its wording
 * ("çok memnun kaldım", 😍, or its sentiment) only when it is short and asks for nothing new: "Can I
 * change my return date?" after a survey is the next request, and a long story that happens to say
 * "fine" is not a rating.
 */
function readsAsAnswer(text: string, labels: Classification | undefined): boolean {
  if (text.trim().split(/\s+/).length > SENTIMENT_ANSWER_MAX_WORDS) return false;
  return !(labels?.intents ?? []).some((intent) => NEW_REQUEST_INTENTS.has(intent.intent));
}

/**
 * Creates a survey manager. Feed it stored interactions; call `advance()` from a timer.
 * @throws InvalidOptionsError listing each bad option.
 * @example
 * const surveys = createSurveyManager({ crm, kind: 'csat', resolveAfterHours: 12 });
 * crm.on('interaction-received', ({ interaction }) => surveys.observe(interaction));
 * setInterval(() => surveys.advance(), 60_000);
 */
export function createSurveyManager(options: SurveyManagerOptions): SurveyManager {
  const settings = parseInsightOptions('surveys', optionsSchema, options);
  const templates: SurveyTemplates = { ...DEFAULT_SURVEY_TEMPLATES[settings.kind], ...settings.templates };
  const crm = settings.crm;
  let time = Number.NEGATIVE_INFINITY;
  let conversations = new Map<string, ConversationFacts>();
  let records = new Map<string, SurveyRecord>();
  /** Recipient identity key, and the conversation the question landed in → the survey waiting for its answer. */
  let awaiting = new Map<string, string>();
  let lastSurveyed = new Map<string, number>();
  /** Ids of the survey messages themselves, which must not count as brand answers. */
  let surveyMessages = new Set<string>();
  /** The customer message a survey is being sent in reply to: `reply-sent` arrives before `crm.reply()` returns. */
  let sendingTo: string | undefined;
  if (settings.state) {
    const state = structuredClone(settings.state);
    time = state.time ?? Number.NEGATIVE_INFINITY;
    conversations = new Map(state.conversations.map((facts) => [facts.conversationId, facts]));
    records = new Map(state.surveys.map((record) => [record.id, record]));
    awaiting = new Map(state.surveys.filter((record) => record.status === 'sent').flatMap((record) => answerKeysOf(record).map((key) => [key, record.id] as [string, string])));
    lastSurveyed = new Map(state.lastSurveyed);
    surveyMessages = new Set(state.surveys.flatMap((record) => (record.sentInteractionId ? [record.sentInteractionId] : [])));
  }

  const iso = (ms: number) => new Date(ms).toISOString();
  const copy = (record: SurveyRecord): SurveyRecord => structuredClone(record);

  function languageOf(interaction: Interaction, labels: Classification | undefined): string | undefined {
    if (labels?.languageSupported && labels.language !== 'und') return labels.language;
    const stated = interaction.language ?? interaction.author.locale;
    return stated ? stated.toLowerCase().split(/[-_]/)[0] : undefined;
  }

  function readAnswer(interaction: Interaction, labels: Classification | undefined): SurveyChange[] {
    // The answer comes from the person asked, or (when a network gives the private thread another identity) in the thread the question landed in.
    const surveyId = awaiting.get(identityKey(interaction.author)) ?? awaiting.get(`conversation:${interaction.conversationId}`);
    const record = surveyId ? records.get(surveyId) : undefined;
    if (!record || record.status !== 'sent' || interaction.channel !== record.channel) return [];
    const at = Date.parse(interaction.createdAt);
    const sentAt = Date.parse(record.sentAt!);
    if (at <= sentAt || at > sentAt + settings.answerWindowHours * HOUR_MS) return [];
    const score = parseSurveyReply(interaction.text, record.kind, labels);
    if (!score || (score.method !== 'number' && score.method !== 'stars' && !readsAsAnswer(interaction.text, labels))) return [];
    record.status = 'answered';
    record.answer = { ...score, interactionId: interaction.id, at: interaction.createdAt };
    for (const key of answerKeysOf(record)) if (awaiting.get(key) === record.id) awaiting.delete(key);
    return [{ type: 'survey-scored', survey: copy(record), score }];
  }

  async function send(facts: ConversationFacts, trigger: SurveyRecord['trigger'], at: number): Promise<SurveyChange[]> {
    facts.surveys++;
    facts.surveyedAt = at;
    const record: SurveyRecord = {
      id: `survey:${facts.conversationId}:${facts.surveys}`,
      kind: settings.kind,
      conversationId: facts.conversationId,
      channel: facts.channel,
      ...(facts.customerId !== undefined ? { customerId: facts.customerId } : {}),
      ...(facts.department !== undefined ? { department: facts.department } : {}),
      language: facts.language && templates[facts.language] ? facts.language : 'en',
      inReplyTo: facts.lastInboundId,
      recipient: facts.recipient,
      status: 'due',
      trigger,
      dueAt: iso(at),
    };
    records.set(record.id, record);
    const changes: SurveyChange[] = [{ type: 'survey-due', survey: copy(record) }];
    const notSent = (reason: SurveyNotSentReason, error?: unknown) => {
      record.status = 'not-sent';
      record.reason = reason;
      if (error instanceof Error) record.error = { ...(isSocialCrmError(error) ? { code: error.code } : {}), message: error.message };
      changes.push({ type: 'survey-not-sent', survey: copy(record) });
      return changes;
    };
    if (facts.visibility === 'public' && settings.publicThreads === 'skip') return notSent('public-thread');
    const consent = await crm.ledger.getConsent(facts.recipient).catch(() => null);
    if (consent?.status === 'opted-out') return notSent('opted-out');
    const visibility = facts.visibility === 'private' || settings.publicThreads === 'private-message' ? 'private' : 'public';
    try {
      sendingTo = facts.lastInboundId;
      const sent = await crm.reply(facts.lastInboundId, { text: templates[record.language]!, visibility, idempotencyKey: record.id }).finally(() => {
        sendingTo = undefined;
      });
      record.status = 'sent';
      record.sentAt = sent.createdAt;
      record.sentInteractionId = sent.id;
      surveyMessages.add(sent.id);
      if (facts.customerId) lastSurveyed.set(facts.customerId, at);
      record.sentConversationId = sent.conversationId;
      for (const key of answerKeysOf(record)) awaiting.set(key, record.id);
      changes.push({ type: 'survey-sent', survey: copy(record) });
    } catch (error) {
      if (isReplyNotAllowedError(error)) return notSent(error.reason, error);
      if (isSocialCrmError(error, 'UNSUPPORTED_CAPABILITY') || isSocialCrmError(error, 'UNKNOWN_ADAPTER')) return notSent('unsupported', error);
      if (isSocialCrmError(error, 'NOT_FOUND')) return notSent('unknown-conversation', error);
      record.status = 'failed';
      record.error = { ...(isSocialCrmError(error) ? { code: error.code } : {}), message: error instanceof Error ? error.message : String(error) };
      changes.push({ type: 'survey-not-sent', survey: copy(record) });
    }
    return changes;
  }

  function eligible(facts: ConversationFacts, at: number): boolean {
    if (settings.channels && !settings.channels.includes(facts.channel)) return false;
    if (facts.surveyedAt !== null && facts.surveyedAt >= facts.lastInboundAt) return false;
    const previous = facts.customerId ? lastSurveyed.get(facts.customerId) : undefined;
    return previous === undefined || at - previous >= settings.cooldownDays * DAY_MS;
  }

  function observe(interaction: Interaction, classification?: Classification): SurveyChange[] {
    time = Math.max(time, timeOf(interaction.createdAt, 'interaction.createdAt'));
    if (interaction.state === 'deleted' || interaction.kind === 'reaction') return [];
    const at = Date.parse(interaction.createdAt);
    if (interaction.direction === 'outbound') {
      const facts = conversations.get(interaction.conversationId);
      if (sendingTo !== undefined && interaction.parentId !== undefined && `${interaction.channel}:${interaction.parentId}` === sendingTo) {
        surveyMessages.add(interaction.id);
        return [];
      }
      if (facts && !surveyMessages.has(interaction.id)) facts.lastBrandAt = Math.max(facts.lastBrandAt ?? at, at);
      return [];
    }
    if (interaction.direction !== 'inbound') return [];
    const labels = classificationOf(interaction, classification);
    const answered = readAnswer(interaction, labels);
    if (answered.length > 0) return answered;
    const previous = conversations.get(interaction.conversationId);
    if (previous && previous.lastInboundAt > at) return [];
    const language = languageOf(interaction, labels) ?? previous?.language;
    const department = labels?.department.department ?? previous?.department;
    conversations.set(interaction.conversationId, {
      conversationId: interaction.conversationId,
      channel: interaction.channel,
      visibility: interaction.visibility,
      ...(interaction.customerId !== undefined ? { customerId: interaction.customerId } : {}),
      ...(department !== undefined ? { department } : {}),
      ...(language !== undefined ? { language } : {}),
      recipient: identityKey(interaction.author),
      lastInboundId: interaction.id,
      lastInboundAt: at,
      lastBrandAt: previous?.lastBrandAt ?? null,
      surveyedAt: previous?.surveyedAt ?? null,
      surveys: previous?.surveys ?? 0,
    });
    if (conversations.size > MAX_CONVERSATIONS) conversations.delete(conversations.keys().next().value as string);
    return [];
  }

  return {
    observe,

    async resolve(conversationId) {
      if (!conversations.has(conversationId)) {
        // Not seen by this manager (a restart, a backfill): read the latest customer message from the ledger.
        const latest = await crm.ledger.queryInteractions({ conversationId, direction: 'inbound', order: 'desc', limit: 1 });
        if (!latest.items[0]) throw new NotFoundError('Conversation with a customer message', conversationId);
        observe(latest.items[0]);
      }
      const facts = conversations.get(conversationId)!;
      const at = Math.max(time, settings.now().getTime());
      if (!eligible(facts, at)) return [];
      return send(facts, 'host', at);
    },

    async advance(now) {
      const at = now === undefined ? settings.now().getTime() : timeOf(now, 'now');
      time = Math.max(time, at);
      const changes: SurveyChange[] = [];
      for (const record of records.values()) {
        if (record.status === 'sent' && at > Date.parse(record.sentAt!) + settings.answerWindowHours * HOUR_MS) {
          record.status = 'expired';
          for (const key of answerKeysOf(record)) if (awaiting.get(key) === record.id) awaiting.delete(key);
          changes.push({ type: 'survey-expired', survey: copy(record) });
        }
      }
      if (settings.resolveAfterHours !== false) {
        const quiet = settings.resolveAfterHours * HOUR_MS;
        for (const facts of [...conversations.values()]) {
          if (facts.lastBrandAt === null || facts.lastBrandAt < facts.lastInboundAt || at - facts.lastBrandAt < quiet) continue;
          if (!eligible(facts, at)) continue;
          changes.push(...(await send(facts, 'quiet', at)));
        }
      }
      return changes;
    },

    surveys(filter = {}) {
      return [...records.values()]
        .filter((record) => (filter.status === undefined || record.status === filter.status) && (filter.conversationId === undefined || record.conversationId === filter.conversationId))
        .map(copy);
    },

    report(reportOptions = {}) {
      const by = reportOptions.by ?? 'channel';
      const groups = new Map<string, SurveyRecord[]>();
      for (const record of records.values()) {
        if (reportOptions.since !== undefined && record.dueAt < reportOptions.since) continue;
        if (reportOptions.until !== undefined && record.dueAt >= reportOptions.until) continue;
        const key = by === 'all' ? 'all' : by === 'channel' ? record.channel : (record.department ?? 'unknown');
        let list = groups.get(key);
        if (!list) groups.set(key, (list = []));
        list.push(record);
      }
      return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, list]) => summarizeSurveys(key, list));
    },

    toJSON() {
      return structuredClone({
        version: 1 as const,
        time: Number.isFinite(time) ? time : null,
        conversations: [...conversations.values()],
        surveys: [...records.values()],
        lastSurveyed: [...lastSurveyed.entries()],
      });
    },
  };
}
