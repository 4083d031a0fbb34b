/**
 * `createCampaigns(crm, options)`: messages to a segment of customers, each on a channel they can be
 * reached on, only with their marketing consent (read again right before each message), paced per
 * network, outside their quiet hours, under a frequency cap, recorded before each send so that a
 * crash never messages anyone twice, and attributed afterwards.
 *
 * @module
 */
import * as z from 'zod';
import type { Logger } from '../adapter.js';
import type { SocialCrm } from '../crm.js';
import { InvalidOptionsError, formatIssues, isChannelApiError, isSocialCrmError, toValidationIssues } from '../errors.js';
import type { Customer, Interaction } from '../interaction.js';
import { hasSendStore, type ConsentRecord, type InteractionLedger, type SendRecord } from '../ledger.js';
import { consentAllows, consentRefusal } from '../_consent.js';
import { DEFAULT_OPT_OUT_CONFIRMATIONS, DEFAULT_OPT_OUT_WORDS, matchOptOut } from './opt-out.js';
import { assertTimeZone, checkQuietHours, quietUntil, type QuietHours } from './quiet-hours.js';
import { campaignResults, type CampaignResults, type ConversionCounter } from './results.js';
import { createBucket, pause, throttleFor, type Bucket, type ThrottleSettings } from './throttle.js';

/** What a campaign sends on one channel. */
export interface CampaignMessage {
  /** Free text (Messenger, Telegram; WhatsApp only inside the 24-hour window). `{{name}}` placeholders are filled per customer. */
  text?: string;
  /**
   * A WhatsApp approved template. `parameters` fill the body's `{{1}}`, `{{2}}` … and may hold
   * placeholders (`{{firstName}}`) filled per customer; `parameterCount` is the number the approved
   * body has. A missing value is an `INVALID_OPTIONS` error before anything is sent.
   */
  template?: { name: string; language: string; parameters?: string[]; parameterCount?: number };
  /**
   * The subject line of an e-mail (required for a channel named `email` or `email-…`; bulk-sender
   * rules ask for one). `{{name}}` placeholders are filled per customer. Sent as
   * `channelOptions[channel].subject`.
   */
  subject?: string;
}

/** Who a campaign is for. */
export type CampaignAudience =
  /** Customer ids chosen by the host. */
  | string[]
  /** The members of a segment of `social-crm/insights` (`createSegmentEngine`, or `insights.segments`). */
  | { segment: string; engine: { members(segmentId: string): string[] } }
  /** Anything else: a function returning customer ids, called at each run. */
  | (() => string[] | Promise<string[]>);

/** One campaign. */
export interface CampaignDefinition {
  /** Stable id: the idempotency keys (`<id>:<customerId>:<channel>`) and the attribution use it. */
  id: string;
  audience: CampaignAudience;
  /** Only `marketing`: every message needs the customer's marketing consent. */
  purpose: 'marketing';
  /** What to send per channel (adapter id); the order is the preference when a customer is reachable on several. */
  messages: Record<string, CampaignMessage>;
  /** When the campaign may send. */
  schedule?: { startAt?: string | Date; endAt?: string | Date };
}

/** Why a customer is not messaged (now). */
export type ExclusionReason =
  | 'unknown-customer'
  | 'no-channel'
  | 'no-consent'
  | 'opted-out'
  | 'window-closed'
  | 'no-marketing-token'
  | 'never-started-bot'
  | 'blocked'
  | 'frequency-cap'
  | 'quiet-hours'
  | 'already-sent'
  | 'in-doubt'
  | 'missing-parameters';

/** A customer who is not messaged, and why (per channel considered). */
export interface Exclusion {
  customerId: string;
  reason: ExclusionReason;
  /** The channel the reason is about, where there is one. */
  channel?: string;
  detail: string;
  /** For `quiet-hours`: when the customer may be messaged. */
  notBefore?: string;
}

/** A customer who would be (or was) messaged, on which channel. */
export interface AudienceMember {
  customerId: string;
  channel: string;
  identityKey: string;
  /** The message as it would be sent (text, or the template with its parameters filled). */
  text: string;
  channelOptions: Record<string, Record<string, unknown>>;
}

/** What {@link Campaigns.preview} returns. */
export interface AudiencePreview {
  campaignId: string;
  included: AudienceMember[];
  excluded: Exclusion[];
  /** Counts per channel of `included`. */
  byChannel: Record<string, number>;
}

/** A campaign's lifecycle state, kept in the ledger. */
export type CampaignStatus = 'draft' | 'running' | 'paused' | 'cancelled' | 'completed';

/** What {@link Campaigns.run} returns. */
export interface CampaignRunResult {
  campaignId: string;
  /** The state at the end of the run. */
  status: CampaignStatus;
  /** Messages sent by this run. */
  sent: Array<{ customerId: string; channel: string; interactionId: string }>;
  /** Not messaged by this run (already sent before, no consent, quiet hours ...). */
  excluded: Exclusion[];
  /** The network refused (or the run ended) and they can be tried again by a later run. */
  failed: Array<{ customerId: string; channel: string; error: { name: string; code?: string; message: string } }>;
  /** Rate limits met (429s and their kin); each slowed the channel, none lost a message. */
  rateLimited: number;
  /** True when nothing was sent because of `dryRun`. */
  dryRun: boolean;
}

/** Options of {@link createCampaigns}. */
export interface CampaignsOptions {
  /** Sends per second per channel (adapter id or network name). @default whatsapp 80, messenger 20, telegram 25, others 10 */
  throttle?: Record<string, ThrottleSettings>;
  /** Nobody is messaged in this span of their local time. @default none */
  quietHours?: QuietHours;
  /** The customer's IANA time zone, from the host's CRM. @default `customer.attributes.timeZone` when a string */
  timeZoneOf?: (customer: Customer) => string | undefined;
  /** For customers whose time zone is unknown. @default 'UTC' */
  defaultTimeZone?: string;
  /** At most `max` campaign messages per customer within `days` (every campaign counts). @default { max: 3, days: 7 } */
  frequencyCap?: { max: number; days: number } | false;
  /** Values for `{{name}}` placeholders. @default `firstName`/`name` from the display name, then the customer's string attributes */
  variables?: (customer: Customer) => Record<string, string | undefined>;
  /**
   * Opt-out words in replies withdraw marketing consent (and are confirmed once, in the customer's
   * language). `false` turns it off. @default English and Turkish words, see docs/guide/campaigns.md
   */
  optOut?: { words?: Record<string, readonly string[]>; confirmations?: Record<string, string> } | false;
  /** How long after a message replies, reactions and conversions count for it. @default 72 hours */
  attributionWindowHours?: number;
  /** Counts the host's conversions (orders, bookings) of a customer within a message's window, for `results()`. */
  conversions?: ConversionCounter;
  /** Retries of one message after rate limits before it is left for the next run. @default 8 */
  maxRateLimitRetries?: number;
  /** Longest single wait on a rate limit. @default 60_000 ms */
  maxRateLimitWaitMs?: number;
  now?: () => Date;
  logger?: Logger;
}

/** What campaigns need of a crm (the crm itself or one tenant's view). */
export type CampaignsCrm = Pick<SocialCrm, 'ledger' | 'adapters' | 'sendMessage' | 'setConsent' | 'reply' | 'on'>;

/** The object {@link createCampaigns} returns. */
export interface Campaigns {
  /** Who would be messaged, on which channel, and who is excluded and why; sends nothing. */
  preview(campaign: CampaignDefinition): Promise<AudiencePreview>;
  /**
   * Sends to every member not yet messaged (resumes where an earlier run stopped; members recorded
   * before are never messaged again). `dryRun` checks everything, template parameters included,
   * and sends nothing. Ends early, leaving the rest for the next run, when `signal` aborts or the
   * campaign is paused or cancelled.
   * @throws InvalidOptionsError when a template parameter is missing for any member (nothing is sent).
   */
  run(campaign: CampaignDefinition, options?: { dryRun?: boolean; signal?: AbortSignal }): Promise<CampaignRunResult>;
  /** Stop sending (a running `run` stops before its next message); `run` sends nothing until `resume`. */
  pause(campaignId: string): Promise<void>;
  resume(campaignId: string): Promise<void>;
  /** Stop for good: `run` never sends again for this id. */
  cancel(campaignId: string): Promise<void>;
  status(campaignId: string): Promise<CampaignStatus>;
  /** Reach, delivery, replies (sentiment, intents), reactions and opt-outs, per channel. */
  results(campaign: CampaignDefinition): Promise<CampaignResults>;
  /**
   * Checks an inbound message for an opt-out word; withdraws marketing consent and confirms once.
   * Called for every received message when `optOut` is on; call it yourself for messages that reach
   * you elsewhere. Returns whether it was an opt-out.
   */
  handleInbound(interaction: Interaction): Promise<boolean>;
  /** The current pace of a channel, sends per second (lower than configured after rate limits). */
  pace(channel: string): number;
  /** Stop listening to the crm. */
  close(): void;
}

const STATE_STREAM = 'campaigns';
/** Messages between two reads of the campaign's state from the ledger during a run. */
const STATUS_CHECK_EVERY = 20;
const STATUSES = new Set<CampaignStatus>(['draft', 'running', 'paused', 'cancelled', 'completed']);

/** Whether an adapter id names a network: `whatsapp`, or `whatsapp-…` for a second one. */
const network = (channel: string, name: string) => channel === name || channel.startsWith(`${name}-`);

const definitionSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'Use 1–100 letters, digits, `_`, `.` or `-`.'),
  audience: z.union([z.array(z.string().min(1)), z.object({ segment: z.string().min(1), engine: z.custom<{ members(id: string): string[] }>((value) => typeof (value as { members?: unknown })?.members === 'function') }), z.custom<() => string[]>((value) => typeof value === 'function')]),
  purpose: z.literal('marketing'),
  messages: z
    .record(
      z.string(),
      z
        .object({
          text: z.string().optional(),
          template: z.object({ name: z.string().min(1), language: z.string().min(2), parameters: z.array(z.string()).optional(), parameterCount: z.number().int().min(0).optional() }).strict().optional(),
          subject: z.string().optional(),
        })
        .strict()
        .refine((message) => message.text?.trim() || message.template, 'Give `text` or `template`.'),
    )
    .refine((messages) => Object.keys(messages).length > 0, 'Give a message for at least one channel.')
    .superRefine((messages, context) => {
      for (const [channel, message] of Object.entries(messages)) {
        if (network(channel, 'email') && !message.subject?.trim()) context.addIssue({ code: 'custom', path: [channel, 'subject'], message: 'A marketing e-mail needs a subject.' });
      }
    }),
  schedule: z.object({ startAt: z.union([z.string(), z.date()]).optional(), endAt: z.union([z.string(), z.date()]).optional() }).optional(),
});

function parseDefinition(campaign: CampaignDefinition): CampaignDefinition {
  const parsed = definitionSchema.safeParse(campaign);
  if (!parsed.success) {
    const issues = toValidationIssues(parsed.error.issues);
    throw new InvalidOptionsError(`[campaigns] The campaign is invalid:\n${formatIssues(issues)}`, issues);
  }
  return campaign;
}

const optionsSchema = z.object({
  throttle: z.record(z.string(), z.object({ perSecond: z.number().positive(), burst: z.number().int().min(1).optional() }).strict()).optional(),
  quietHours: z.object({ start: z.string(), end: z.string() }).strict().optional(),
  timeZoneOf: z.custom<NonNullable<CampaignsOptions['timeZoneOf']>>((value) => typeof value === 'function').optional(),
  defaultTimeZone: z.string().optional(),
  frequencyCap: z.union([z.literal(false), z.object({ max: z.number().int().min(1), days: z.number().positive() }).strict()]).optional(),
  variables: z.custom<NonNullable<CampaignsOptions['variables']>>((value) => typeof value === 'function').optional(),
  optOut: z.union([z.literal(false), z.object({ words: z.record(z.string(), z.array(z.string().min(1))).optional(), confirmations: z.record(z.string(), z.string()).optional() }).strict()]).optional(),
  attributionWindowHours: z.number().positive().optional(),
  conversions: z.custom<ConversionCounter>((value) => typeof value === 'function').optional(),
  maxRateLimitRetries: z.number().int().min(0).optional(),
  maxRateLimitWaitMs: z.number().min(0).optional(),
  now: z.custom<() => Date>((value) => typeof value === 'function').optional(),
  logger: z.custom<Logger>((value) => typeof value === 'object' && value !== null).optional(),
});

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const DAY_MS = 86_400_000;

/** The idempotency key of one campaign message: the same in every process and every run. */
export function campaignSendKey(campaignId: string, customerId: string, channel: string): string {
  return `${campaignId}:${customerId}:${channel}`;
}

/** Placeholder values of a customer: `name`, `firstName`, then their string attributes. */
function defaultVariables(customer: Customer): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(customer.attributes ?? {})) if (typeof value === 'string') values[key] = value;
  if (customer.displayName) {
    values.name ??= customer.displayName;
    values.firstName ??= customer.displayName.trim().split(/\s+/)[0];
  }
  return values;
}

/** Fills `{{name}}` placeholders; returns the names that had no value. */
function fill(template: string, values: Record<string, string | undefined>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = template.replace(/\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined || !value.trim()) {
      missing.push(name);
      return '';
    }
    return value;
  });
  return { text, missing };
}

/**
 * Creates the campaign runner over a crm. Needs a ledger that records sends (every built-in one
 * does): each message is recorded under `<campaignId>:<customerId>:<channel>` before it is sent.
 *
 * @example
 * const campaigns = createCampaigns(crm, { quietHours: { start: '21:00', end: '09:00' }, defaultTimeZone: 'Europe/Istanbul' });
 * const spring = {
 *   id: 'spring-2027', purpose: 'marketing', audience: { segment: 'loyal', engine: insights.segments },
 *   messages: { whatsapp: { template: { name: 'spring_sale', language: 'tr', parameters: ['{{firstName}}'], parameterCount: 1 } }, telegram: { text: 'Bahar indirimi başladı!' } },
 * } as const;
 * console.log(await campaigns.preview(spring));
 * await campaigns.run(spring);
 */
export function createCampaigns(crm: CampaignsCrm, options: CampaignsOptions = {}): Campaigns {
  const parsedOptions = optionsSchema.safeParse(options);
  if (!parsedOptions.success) {
    const issues = toValidationIssues(parsedOptions.error.issues);
    throw new InvalidOptionsError(`[campaigns] Invalid options:\n${formatIssues(issues)}`, issues);
  }
  if (options.quietHours) checkQuietHours(options.quietHours);
  const defaultTimeZone = options.defaultTimeZone ?? 'UTC';
  assertTimeZone(defaultTimeZone, 'defaultTimeZone');
  const ledger = crm.ledger;
  if (!hasSendStore(ledger)) {
    throw new InvalidOptionsError('[campaigns] The ledger does not record sends (SendStore: createSend, updateSend, getSend, listSends); campaigns need it so that nobody is messaged twice.', [{ path: 'crm.ledger', message: 'Implement SendStore.' }]);
  }
  const sends = ledger;
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? silent;
  const frequencyCap = options.frequencyCap === undefined ? { max: 3, days: 7 } : options.frequencyCap;
  const optOut = options.optOut === false ? undefined : { words: options.optOut?.words ?? DEFAULT_OPT_OUT_WORDS, confirmations: { ...DEFAULT_OPT_OUT_CONFIRMATIONS, ...options.optOut?.confirmations } as Record<string, string> };
  const buckets = new Map<string, Bucket>();
  const bucketOf = (channel: string) => {
    let bucket = buckets.get(channel);
    if (!bucket) buckets.set(channel, (bucket = createBucket(throttleFor(channel, options.throttle))));
    return bucket;
  };
  /** Statuses set in this process, so a running loop sees a pause at once. */
  const localStatus = new Map<string, CampaignStatus>();

  async function status(campaignId: string): Promise<CampaignStatus> {
    const stored = await ledger.getCursor(STATE_STREAM, campaignId);
    let read: CampaignStatus | undefined;
    try {
      const state = stored ? (JSON.parse(stored) as { status?: CampaignStatus }) : undefined;
      read = state?.status && STATUSES.has(state.status) ? state.status : undefined;
    } catch {
      read = undefined;
    }
    const current = read ?? localStatus.get(campaignId) ?? 'draft';
    localStatus.set(campaignId, current);
    return current;
  }
  async function setStatus(campaignId: string, next: CampaignStatus): Promise<void> {
    localStatus.set(campaignId, next);
    await ledger.setCursor(STATE_STREAM, campaignId, JSON.stringify({ status: next, updatedAt: now().toISOString() }));
  }

  async function audienceOf(campaign: CampaignDefinition): Promise<string[]> {
    const { audience } = campaign;
    const ids = Array.isArray(audience) ? audience : typeof audience === 'function' ? await audience() : audience.engine.members(audience.segment);
    return [...new Set(ids)];
  }

  function timeZoneOf(customer: Customer): string {
    const chosen = options.timeZoneOf?.(customer) ?? (typeof customer.attributes?.timeZone === 'string' ? customer.attributes.timeZone : undefined);
    if (!chosen) return defaultTimeZone;
    try {
      assertTimeZone(chosen, 'timeZone');
      return chosen;
    } catch {
      logger.warn(`[campaigns] Customer ${customer.id} has an unknown time zone \`${chosen}\`; using ${defaultTimeZone}.`);
      return defaultTimeZone;
    }
  }

  /** Campaign messages the customer got within the cap's window (every campaign). */
  async function recentCampaignMessages(customerId: string, at: Date, days: number): Promise<number> {
    const page = await ledger.queryInteractions({ customerId, direction: 'outbound', since: new Date(at.getTime() - days * DAY_MS).toISOString(), limit: 1000 });
    return page.items.filter((item) => Object.values(item.channelMetadata ?? {}).some((metadata) => typeof (metadata as { campaignId?: unknown })?.campaignId === 'string')).length;
  }

  /** The message for one member on one channel, or the missing placeholders. */
  function render(message: CampaignMessage, channel: string, customer: Customer): { text: string; channelOptions: AudienceMember['channelOptions']; missing: string[] } {
    const values = { ...defaultVariables(customer), ...options.variables?.(customer) };
    const missing: string[] = [];
    const text = message.text ? fill(message.text, values) : { text: '', missing: [] };
    missing.push(...text.missing);
    const subject = message.subject ? fill(message.subject, values) : undefined;
    if (subject) missing.push(...subject.missing);
    const mail = subject ? { subject: subject.text } : {};
    if (!message.template) return { text: text.text, channelOptions: subject ? { [channel]: mail } : {}, missing };
    const parameters = (message.template.parameters ?? []).map((parameter) => {
      const filled = fill(parameter, values);
      missing.push(...filled.missing);
      return filled.text;
    });
    const count = message.template.parameterCount;
    if (count !== undefined && parameters.length < count) missing.push(`{{${parameters.length + 1}}}…{{${count}}}`);
    const template = { name: message.template.name, language: message.template.language, ...(parameters.length ? { parameters } : {}), ...(count !== undefined ? { parameterCount: count } : {}) };
    return { text: text.text || `[template ${message.template.name}]`, channelOptions: { [channel]: { template, ...mail } }, missing };
  }

  /** Whether a channel's own rules let the brand start a conversation with this identity now. */
  function platformRefusal(channel: string, message: CampaignMessage, consent: ConsentRecord | null, lastInboundAt: string | undefined, at: Date): Exclusion['reason'] | undefined {
    if (network(channel, 'whatsapp') && !message.template) {
      const last = lastInboundAt ? Date.parse(lastInboundAt) : Number.NaN;
      if (!(at.getTime() - last <= DAY_MS)) return 'window-closed';
    }
    if (network(channel, 'messenger') && typeof (consent?.channelMetadata?.[channel] as { notificationMessagesToken?: unknown } | undefined)?.notificationMessagesToken !== 'string') return 'no-marketing-token';
    if (network(channel, 'telegram') && !lastInboundAt) return 'never-started-bot';
    return undefined;
  }

  /** Decides one member: the channel and message, or every reason they are not messaged. */
  async function decide(campaign: CampaignDefinition, customerId: string, at: Date): Promise<{ member?: AudienceMember; exclusions: Exclusion[]; missing?: string[] }> {
    const customer = await ledger.getCustomer(customerId);
    if (!customer) return { exclusions: [{ customerId, reason: 'unknown-customer', detail: `No customer ${customerId} in the ledger.` }] };
    const channels = Object.keys(campaign.messages);
    // A message recorded on any channel settles the member, so a changed channel choice never messages twice.
    for (const channel of channels) {
      const record = await sends.getSend(campaignSendKey(campaign.id, customerId, channel));
      if (record && record.state !== 'failed') {
        const reason = record.state === 'sent' ? 'already-sent' : 'in-doubt';
        return { exclusions: [{ customerId, channel, reason, detail: reason === 'already-sent' ? 'Messaged by an earlier run.' : `A send was recorded (${record.state}) but not known to have completed; it is never sent again automatically.` }] };
      }
    }
    const identities = await ledger.listIdentities(customerId);
    const exclusions: Exclusion[] = [];
    for (const channel of channels) {
      const adapter = crm.adapters.get(channel);
      if (!adapter?.capabilities.outreach) continue;
      for (const identity of identities.filter((record) => record.identity.channel === channel)) {
        const consent = await ledger.getConsent(identity.key);
        if (!consentAllows(consent)) {
          exclusions.push({ customerId, channel, reason: consent ? 'opted-out' : 'no-consent', detail: consentRefusal(identity.key, consent) });
          continue;
        }
        const last = (await ledger.queryInteractions({ authorKey: identity.key, channel, order: 'desc', limit: 1 })).items[0];
        const message = campaign.messages[channel]!;
        const refusal = platformRefusal(channel, message, consent, last?.createdAt, at);
        if (refusal) {
          exclusions.push({ customerId, channel, reason: refusal, detail: refusalDetail(refusal, identity.key) });
          continue;
        }
        const rendered = render(message, channel, customer);
        if (rendered.missing.length) {
          return { exclusions: [{ customerId, channel, reason: 'missing-parameters', detail: `No value for ${rendered.missing.join(', ')}.` }], missing: rendered.missing };
        }
        if (frequencyCap && (await recentCampaignMessages(customerId, at, frequencyCap.days)) >= frequencyCap.max) {
          return { exclusions: [{ customerId, channel, reason: 'frequency-cap', detail: `Already got ${frequencyCap.max} campaign messages within ${frequencyCap.days} days.` }] };
        }
        if (options.quietHours) {
          const zone = timeZoneOf(customer);
          const until = quietUntil(options.quietHours, at, zone);
          if (until) return { exclusions: [{ customerId, channel, reason: 'quiet-hours', detail: `Quiet hours in ${zone}.`, notBefore: until.toISOString() }] };
        }
        return { member: { customerId, channel, identityKey: identity.key, text: rendered.text, channelOptions: rendered.channelOptions }, exclusions: [] };
      }
    }
    if (!exclusions.length) exclusions.push({ customerId, reason: 'no-channel', detail: `No identity on ${channels.join(', ')} that can be messaged first (the adapter needs the \`outreach\` capability).` });
    return { exclusions };
  }

  async function preview(campaign: CampaignDefinition): Promise<AudiencePreview> {
    parseDefinition(campaign);
    const at = now();
    const included: AudienceMember[] = [];
    const excluded: Exclusion[] = [];
    for (const customerId of await audienceOf(campaign)) {
      const decision = await decide(campaign, customerId, at);
      if (decision.member) included.push(decision.member);
      else excluded.push(...decision.exclusions);
    }
    const byChannel: Record<string, number> = {};
    for (const member of included) byChannel[member.channel] = (byChannel[member.channel] ?? 0) + 1;
    return { campaignId: campaign.id, included, excluded, byChannel };
  }

  /** Sends one member's message, waiting out rate limits; never loses it to one. */
  async function deliver(campaign: CampaignDefinition, member: AudienceMember, result: CampaignRunResult, signal?: AbortSignal): Promise<void> {
    const bucket = bucketOf(member.channel);
    const maxRetries = options.maxRateLimitRetries ?? 8;
    for (let attempt = 0; ; attempt++) {
      await bucket.take(signal);
      if (signal?.aborted) return;
      try {
        const sent = await crm.sendMessage({
          channel: member.channel,
          recipient: member.identityKey,
          text: member.text,
          purpose: campaign.purpose,
          idempotencyKey: campaignSendKey(campaign.id, member.customerId, member.channel),
          campaignId: campaign.id,
          channelOptions: member.channelOptions,
        });
        bucket.succeeded();
        if (sent.sentBefore) result.excluded.push({ customerId: member.customerId, channel: member.channel, reason: 'already-sent', detail: 'Messaged by an earlier run.' });
        else result.sent.push({ customerId: member.customerId, channel: member.channel, interactionId: sent.interaction.id });
        return;
      } catch (error) {
        const limited = isSocialCrmError(error, 'RATE_LIMITED') || (isChannelApiError(error) && error.status === 429);
        if (limited && attempt < maxRetries) {
          result.rateLimited++;
          const wait = Math.min(options.maxRateLimitWaitMs ?? 60_000, (error as { retryAfterMs?: number }).retryAfterMs ?? 1000 * 2 ** Math.min(attempt, 6));
          logger.info(`[campaigns] ${member.channel} is rate limited; slowing down and waiting ${wait} ms.`, { campaignId: campaign.id });
          bucket.slowDown(wait);
          await pause(0, signal);
          continue;
        }
        if (isSocialCrmError(error, 'REPLY_NOT_ALLOWED')) {
          // Consent withdrawn since the audience was read, or a platform rule: not messaged.
          result.excluded.push({ customerId: member.customerId, channel: member.channel, reason: (error as { reason?: string }).reason === 'opted-out' ? 'opted-out' : 'window-closed', detail: (error as Error).message });
          return;
        }
        if (isSocialCrmError(error, 'REPLY_IN_DOUBT')) {
          result.excluded.push({ customerId: member.customerId, channel: member.channel, reason: 'in-doubt', detail: (error as Error).message });
          return;
        }
        if (isChannelApiError(error) && error.status === 403 && network(member.channel, 'telegram')) {
          result.excluded.push({ customerId: member.customerId, channel: member.channel, reason: 'blocked', detail: (error as Error).message });
          return;
        }
        const described = error instanceof Error ? { name: error.name, ...(isSocialCrmError(error) ? { code: error.code } : {}), message: error.message } : { name: 'Error', message: String(error) };
        result.failed.push({ customerId: member.customerId, channel: member.channel, error: described });
        return;
      }
    }
  }

  async function run(campaign: CampaignDefinition, runOptions: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<CampaignRunResult> {
    parseDefinition(campaign);
    const dryRun = runOptions.dryRun ?? false;
    const result: CampaignRunResult = { campaignId: campaign.id, status: await status(campaign.id), sent: [], excluded: [], failed: [], rateLimited: 0, dryRun };
    if (result.status === 'paused' || result.status === 'cancelled') return result;
    const at = now();
    const startAt = campaign.schedule?.startAt ? new Date(campaign.schedule.startAt) : undefined;
    const endAt = campaign.schedule?.endAt ? new Date(campaign.schedule.endAt) : undefined;
    if ((startAt && at < startAt) || (endAt && at >= endAt)) return result;
    const audience = await preview(campaign);
    const missing = audience.excluded.filter((exclusion) => exclusion.reason === 'missing-parameters');
    if (missing.length) {
      const issues = missing.map((exclusion) => ({ path: `messages.${exclusion.channel}`, message: `${exclusion.customerId}: ${exclusion.detail}` }));
      throw new InvalidOptionsError(`[campaigns] \`${campaign.id}\` is missing message parameters for ${missing.length} customer(s); nothing was sent:\n${formatIssues(issues)}`, issues);
    }
    result.excluded.push(...audience.excluded);
    if (dryRun) return { ...result, sent: [], status: result.status };
    if (result.status === 'draft' || result.status === 'completed') await setStatus(campaign.id, 'running');
    for (const [index, member] of audience.included.entries()) {
      if (runOptions.signal?.aborted) break;
      // Another process may pause or cancel: its state is read from the ledger every few messages.
      const current = index > 0 && index % STATUS_CHECK_EVERY === 0 ? await status(campaign.id) : localStatus.get(campaign.id);
      if (current === 'paused' || current === 'cancelled') break;
      await deliver(campaign, member, result, runOptions.signal);
    }
    const current = await status(campaign.id);
    const finished = !runOptions.signal?.aborted && current === 'running' && !result.failed.length && !result.excluded.some((exclusion) => exclusion.reason === 'quiet-hours');
    if (finished) await setStatus(campaign.id, 'completed');
    result.status = finished ? 'completed' : await status(campaign.id);
    return result;
  }

  async function handleInbound(interaction: Interaction): Promise<boolean> {
    if (!optOut || interaction.direction !== 'inbound' || !interaction.text) return false;
    const language = matchOptOut(interaction.text, optOut.words);
    if (!language) return false;
    const key = `${interaction.author.channel}:${interaction.author.nativeId}`;
    const before = await ledger.getConsent(key);
    if (before?.status === 'opted-out') return true;
    await crm.setConsent(key, 'opted-out', `${interaction.channel}:opt-out-word`, { purpose: 'marketing' });
    const text = optOut.confirmations[language] ?? optOut.confirmations.en;
    if (text) {
      // Confirmed once: only on the change to opted-out, under a key tied to the consent it replaced, so two
      // opt-out messages handled at once (two processes) still send one confirmation.
      await crm.reply(interaction.id, { text, idempotencyKey: `opt-out-confirmation:${key}:${before?.updatedAt ?? 'never'}` }).catch((error: unknown) => {
        logger.warn(`[campaigns] The opt-out of ${key} is recorded, but its confirmation could not be sent: ${(error as Error)?.message ?? String(error)}`);
      });
    }
    return true;
  }

  const unsubscribe = optOut
    ? crm.on('interaction-received', ({ interaction }) => {
        handleInbound(interaction).catch((error: unknown) => logger.error('[campaigns] An opt-out word could not be handled.', { interactionId: interaction.id, error: (error as Error)?.message }));
      })
    : undefined;

  return {
    preview,
    run,
    async pause(campaignId) {
      if ((await status(campaignId)) === 'cancelled') return;
      await setStatus(campaignId, 'paused');
    },
    async resume(campaignId) {
      const current = await status(campaignId);
      if (current === 'cancelled') throw new InvalidOptionsError(`[campaigns] \`${campaignId}\` was cancelled; it cannot be resumed.`, [{ path: 'campaignId', message: 'Cancelled.' }]);
      await setStatus(campaignId, 'running');
    },
    cancel: (campaignId) => setStatus(campaignId, 'cancelled'),
    status,
    async results(campaign) {
      parseDefinition(campaign);
      const keys: Array<{ customerId: string; channel: string; record: SendRecord | null }> = [];
      for (const customerId of await audienceOf(campaign)) {
        for (const channel of Object.keys(campaign.messages)) keys.push({ customerId, channel, record: await sends.getSend(campaignSendKey(campaign.id, customerId, channel)) });
      }
      return campaignResults(ledger as InteractionLedger, campaign.id, keys, (options.attributionWindowHours ?? 72) * 3_600_000, options.conversions);
    },
    handleInbound,
    pace: (channel) => bucketOf(channel).rate,
    close: () => unsubscribe?.(),
  };
}

function refusalDetail(reason: ExclusionReason, key: string): string {
  switch (reason) {
    case 'window-closed':
      return `${key} has not written in the last 24 hours; WhatsApp then takes only approved templates (give \`template\`).`;
    case 'no-marketing-token':
      return `${key} has no Messenger marketing-messages token (they never accepted a notification_messages opt-in).`;
    case 'never-started-bot':
      return `${key} never wrote to the bot; a Telegram bot cannot write first.`;
    default:
      return reason;
  }
}

