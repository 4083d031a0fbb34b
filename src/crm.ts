import { z } from 'zod';
import { createKeyedLock } from './_locks.js';
import type {
  AdapterContext,
  AdapterWarning,
  AttachmentContent,
  ChannelAdapter,
  ChannelEvent,
  Logger,
  RejectedItem,
} from './adapter.js';
import { capabilityMismatches } from './adapter.js';
import { DEFAULT_MAX_ATTACHMENT_BYTES, fetchAttachmentUrl, isFileAttachment } from './attachments.js';
import type { Classifier, ClassifierInput } from './classifier-port.js';
import {
  ClassifierError,
  IdentityConflictError,
  InvalidOptionsError,
  InvalidPayloadError,
  NotFoundError,
  ReplyNotAllowedError,
  SocialCrmError,
  UnknownAdapterError,
  UnsupportedAdapterVersionError,
  UnsupportedCapabilityError,
  isSocialCrmError,
  toValidationIssues,
  formatIssues,
} from './errors.js';
import { EventBus, type InteractionSource, type SocialCrmEventListener, type SocialCrmEventName, type SocialCrmEvents } from './events.js';
import { createHttpClient } from './http.js';
import type { IdentityResolver } from './identity-resolver.js';
import { channelIdentityResolver } from './identity-resolver.js';
import {
  identityKey,
  interactionId,
  outboundReplySchema,
  parseInteraction,
  type Attachment,
  type ChannelIdentity,
  type Classification,
  type DeliveryStatus,
  type Interaction,
  type InteractionInput,
  type JSONValue,
  type OutboundReply,
} from './interaction.js';
import type { ConsentPurpose, ConsentRecord, DeadLetter, DeadLetterStage, InteractionLedger } from './ledger.js';
import { wrapLedger } from './wrap-ledger.js';
import { DEFAULT_MAX_BODY_BYTES, readRawBody, webhookErrorStatus } from './webhook.js';
import { randomId } from './_utils.js';

/** The SDK version, sent in the user agent. */
export const VERSION = '0.1.0';

/** A hook that may replace the interaction before it is stored. */
export type AfterReceiveHook = (state: { interaction: Interaction; source: InteractionSource }) => Interaction | void | Promise<Interaction | void>;
/** A hook that may replace a reply before it is sent. */
export type BeforeSendHook = (state: { reply: OutboundReply }) => OutboundReply | void | Promise<OutboundReply | void>;

/** Options of {@link createSocialCrm}. */
export interface SocialCrmOptions {
  /** Your storage port (or `memoryLedger()`). Required: the SDK never picks storage silently. */
  ledger: InteractionLedger;
  /** Channel adapters to register. More can be added with `crm.register()`. @default [] */
  adapters?: ChannelAdapter[];
  /**
   * The classifier. Omit to use the offline default from `social-crm/classifier` (loaded lazily,
   * on the first interaction); `false` to store interactions unclassified.
   */
  classifier?: Classifier | false;
  /**
   * Who is who across channels. Omit to use the merger from `social-crm/identity` with its
   * defaults (loaded lazily); pass `createIdentityMerger({...})` to configure it and to keep its
   * agent commands (merge, unmerge, explain), or `channelIdentityResolver()` for one customer per
   * channel identity.
   */
  identity?: IdentityResolver;
  /**
   * URL path prefix under which `handleWebhook` finds the adapter id as the next segment,
   * e.g. `/webhooks/whatsapp`. @default '/webhooks'
   */
  webhookPath?: string;
  /** Largest webhook body accepted by default (adapters may set their own). @default 1 MiB */
  maxBodyBytes?: number;
  /** HTTP settings for adapters' outbound calls. */
  http?: { timeoutMs?: number; retries?: number; maxRateLimitWaitMs?: number; backoffBaseMs?: number };
  /** Custom fetch for every adapter (proxies, tests). */
  fetch?: typeof fetch;
  /** @default warnings and errors to the console, nothing else */
  logger?: Logger;
  /** The clock. @default () => new Date() */
  now?: () => Date;
  /** Id generator for customers, dead letters and idempotency keys. */
  generateId?: (prefix: string) => string;
  /** Hooks that change the flow (events only observe). Each runs in order. */
  hooks?: { afterReceive?: AfterReceiveHook[]; beforeSend?: BeforeSendHook[] };
}

/** What {@link SocialCrm.ingest} and the webhook/poll paths did. */
export interface IngestResult {
  /** New interactions stored. */
  stored: number;
  /** Edits, deletions and delivery updates applied to stored interactions. */
  updated: number;
  /** Redelivered or re-polled items skipped. */
  duplicates: number;
  /** Inputs that failed and went to the dead-letter store. */
  deadLettered: number;
  /** The stored or updated interactions, in input order. */
  interactions: Interaction[];
}

/** Per-adapter result of {@link SocialCrm.poll}. */
export interface PollSummary extends IngestResult {
  adapterId: string;
  pages: number;
  /** Set when the adapter's API failed; the cursor then stays where it was. */
  error?: SocialCrmError;
}

/** What {@link SocialCrm.reply} sends. A string is plain text. */
export interface ReplyContent {
  text: string;
  attachments?: Attachment[];
  /** `public` answers in the thread, `private` by direct message. @default the visibility of the interaction answered */
  visibility?: 'public' | 'private';
  /** Per-adapter options, e.g. `{ whatsapp: { template: { name: 'order_update', language: 'tr' } } }`. */
  channelOptions?: Record<string, Record<string, unknown>>;
  /** Reuse to make a retried call idempotent on networks that support it. */
  idempotencyKey?: string;
}

/** Result of {@link SocialCrm.retryDeadLetters}. */
export interface RetryResult {
  retried: number;
  succeeded: number;
  failed: number;
  /** Entries that cannot be replayed as they are (an adapter could not parse them). */
  skipped: number;
}

/** What a dead letter holds, by kind. */
export type DeadLetterPayload =
  | { type: 'event'; adapterId?: string; source: InteractionSource; event: ChannelEvent }
  | { type: 'webhook'; adapterId: string; url: string; method: string; headers: Record<string, string>; body: string }
  | { type: 'rejected'; adapterId?: string; item: unknown };

/** The object a host keeps: it routes webhooks, polls, ingests, replies and announces. */
export interface SocialCrm {
  /** Registered adapters by id. */
  readonly adapters: ReadonlyMap<string, ChannelAdapter>;
  /** The ledger, wrapped so that failures surface as `LedgerError`. */
  readonly ledger: InteractionLedger;
  /** Register an adapter after creation. @throws UnsupportedAdapterVersionError, InvalidOptionsError */
  register(adapter: ChannelAdapter): void;
  /**
   * Handle a webhook request for any registered adapter. Routes by `options.adapterId`, or by
   * the path segment after `webhookPath`. Always resolves to a `Response`, never throws:
   * 404 unknown adapter, 413 too large, 415 wrong content type, 400 malformed, 401 bad signature,
   * 200 for everything verified (including items that were dead-lettered or ignored).
   */
  handleWebhook(request: Request, options?: { adapterId?: string }): Promise<Response>;
  /** Poll every polling adapter (or the ones named) from their saved cursors. */
  poll(options?: { adapterIds?: string[]; maxPages?: number }): Promise<PollSummary[]>;
  /** Feed interactions from your own code (imports, other tools). Invalid ones are dead-lettered, not thrown. */
  ingest(inputs: InteractionInput | InteractionInput[]): Promise<IngestResult>;
  /**
   * Run already-verified channel events through the pipeline exactly as a webhook delivery would
   * (edits, deletions, delivery receipts, consent included). Used by queue workers that receive
   * events an intake process verified; `rejected` items are dead-lettered.
   */
  processEvents(events: ChannelEvent[], options?: { adapterId?: string; source?: InteractionSource; rejected?: RejectedItem[] }): Promise<IngestResult>;
  /** Reply to a stored interaction in its thread, to the identity that wrote it. */
  reply(interactionId: string, content: string | ReplyContent): Promise<Interaction>;
  /**
   * Download the bytes of one attachment of a stored interaction (its `index` in `attachments`,
   * default 0): through the adapter's `doFetchAttachment` (WhatsApp media ids, authenticated
   * URLs) or, for a plain `https` URL, with one GET through the adapter's HTTP client.
   * @throws NotFoundError (no such interaction or attachment), UnsupportedCapabilityError (nothing to
   * download: a location, a contact, no URL), ChannelApiError (the network refused, the file is over
   * `maxBytes`, default 100 MB, or its checksum is wrong).
   */
  fetchAttachment(interactionId: string, index?: number, options?: { maxBytes?: number }): Promise<AttachmentContent>;
  /**
   * Record a customer's opt-out or opt-in for one identity. `purpose: 'marketing'` covers promotional
   * messages only (service replies still go out) and never replaces an opt-out of all messages.
   */
  setConsent(identity: ChannelIdentity | string, status: 'opted-in' | 'opted-out', source: string, options?: { purpose?: ConsentPurpose }): Promise<void>;
  /** Replay dead letters through the pipeline; successes are removed, failures kept with attempts + 1. */
  retryDeadLetters(options?: { limit?: number }): Promise<RetryResult>;
  /** Listen to an event; returns the unsubscribe function. */
  on<Name extends SocialCrmEventName>(name: Name, listener: SocialCrmEventListener<Name>): () => void;
  /** Release the ledger's connections. */
  close(): Promise<void>;
}

const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn(message, details) {
    console.warn(message, details ?? '');
  },
  error(message, details) {
    console.error(message, details ?? '');
  },
};

const optionsSchema = z.object({
  ledger: z.custom<InteractionLedger>((value) => typeof value === 'object' && value !== null, 'Pass a ledger, e.g. `memoryLedger()`.'),
  adapters: z.array(z.custom<ChannelAdapter>((value) => typeof value === 'object' && value !== null)).optional(),
  classifier: z.union([z.literal(false), z.custom<Classifier>((value) => typeof value === 'object' && value !== null && typeof (value as Classifier).classify === 'function', 'A classifier has a `classify` method.')]).optional(),
  identity: z.custom<IdentityResolver>((value) => typeof value === 'object' && value !== null && typeof (value as IdentityResolver).resolve === 'function', 'An identity resolver has a `resolve` method.').optional(),
  webhookPath: z.string().startsWith('/').optional(),
  maxBodyBytes: z.number().int().positive().optional(),
  http: z
    .object({
      timeoutMs: z.number().positive().optional(),
      retries: z.number().int().min(0).max(10).optional(),
      maxRateLimitWaitMs: z.number().min(0).optional(),
      backoffBaseMs: z.number().min(0).optional(),
    })
    .optional(),
  fetch: z.custom<typeof fetch>((value) => typeof value === 'function').optional(),
  logger: z.custom<Logger>((value) => typeof value === 'object' && value !== null).optional(),
  now: z.custom<() => Date>((value) => typeof value === 'function').optional(),
  generateId: z.custom<(prefix: string) => string>((value) => typeof value === 'function').optional(),
  hooks: z
    .object({
      afterReceive: z.array(z.custom<AfterReceiveHook>((value) => typeof value === 'function')).optional(),
      beforeSend: z.array(z.custom<BeforeSendHook>((value) => typeof value === 'function')).optional(),
    })
    .optional(),
});

const DELIVERY_ORDER: Record<DeliveryStatus, number> = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

function errorResponse(error: unknown): Response {
  const status = webhookErrorStatus(error);
  const body = isSocialCrmError(error)
    ? { error: { code: error.code, message: error.message } }
    : { error: { code: 'INTERNAL', message: '[social-crm] The webhook could not be processed; it was kept for replay.' } };
  return Response.json(body, { status });
}

function describeError(error: unknown): DeadLetter['error'] {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, ...(isSocialCrmError(error) ? { code: error.code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

/** A JSON object (not an array, not null). */
function isJsonObject(value: unknown): value is Record<string, JSONValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Creates the SDK object a host keeps for its lifetime. Nothing connects here: adapters and the
 * ledger are used on the first call.
 *
 * @example
 * const crm = createSocialCrm({
 *   ledger: memoryLedger(),
 *   adapters: [whatsappAdapter({ appSecret, verifyToken, accessToken, phoneNumberId })],
 * });
 * crm.on('interaction-classified', ({ interaction, classification }) => route(interaction, classification));
 * app.post('/webhooks/:adapter', (request) => crm.handleWebhook(request));
 */
export function createSocialCrm(options: SocialCrmOptions): SocialCrm {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = toValidationIssues(parsed.error.issues);
    throw new InvalidOptionsError(`createSocialCrm() options are invalid:\n${formatIssues(issues)}`, issues);
  }
  const logger = options.logger ?? consoleLogger;
  const now = options.now ?? (() => new Date());
  const generateId = options.generateId ?? randomId;
  const ledger = wrapLedger(options.ledger, logger);
  let identityPromise: Promise<IdentityResolver> | undefined;
  function loadIdentity(): Promise<IdentityResolver> {
    if (options.identity) return Promise.resolve(options.identity);
    identityPromise ??= import('social-crm/identity')
      .then((module): IdentityResolver => module.createIdentityMerger({ ledger, now, generateId: () => generateId('cus') }))
      .catch((error: unknown) => {
        logger.warn('[social-crm] The default identity merger could not be loaded; each channel identity gets its own customer.', { error: describeError(error) });
        return channelIdentityResolver();
      });
    return identityPromise;
  }
  const events = new EventBus<SocialCrmEvents>(logger);
  // Commands run on the host's merger (manual merges, unmerges, splits, CRM links) are announced
  // like the merges the pipeline makes itself.
  const unsubscribeIdentity = options.identity?.subscribe?.((change) => {
    if (change.type === 'customer-created') events.emit('customer-created', { customer: change.customer });
    else events.emit(change.type, { merge: change.merge });
  });
  const webhookPath = (options.webhookPath ?? '/webhooks').replace(/\/+$/, '');
  const adapters = new Map<string, ChannelAdapter>();
  const contexts = new Map<string, AdapterContext>();
  const { withLock } = createKeyedLock();
  const hooks = { afterReceive: options.hooks?.afterReceive ?? [], beforeSend: options.hooks?.beforeSend ?? [] };
  /** Distinct authors per conversation, for the classifier's urgency (bounded). */
  const participants = new Map<string, Set<string>>();

  let classifierPromise: Promise<Classifier | undefined> | undefined;
  function loadClassifier(): Promise<Classifier | undefined> {
    if (options.classifier === false) return Promise.resolve(undefined);
    if (options.classifier) return Promise.resolve(options.classifier);
    // Loaded on first use through the public entry, so the root import never pulls in language data.
    classifierPromise ??= import('social-crm/classifier')
      .then((module) => module.createClassifier())
      .catch((error: unknown) => {
        logger.warn('[social-crm] The default classifier could not be loaded; interactions are stored unclassified.', {
          error: describeError(error),
        });
        return undefined;
      });
    return classifierPromise;
  }

  function register(adapter: ChannelAdapter): void {
    if (adapter?.specificationVersion !== 'v1') {
      throw new UnsupportedAdapterVersionError(String(adapter?.id ?? 'unknown'), adapter?.specificationVersion);
    }
    const problems = capabilityMismatches(adapter);
    if (problems.length) {
      throw new InvalidOptionsError(`[${adapter.id}] The adapter's capabilities and methods disagree:\n${problems.map((problem) => `- ${problem}`).join('\n')}`, problems.map((message) => ({ path: 'capabilities', message })));
    }
    if (adapters.has(adapter.id)) {
      throw new InvalidOptionsError(`[${adapter.id}] An adapter with this id is already registered. Give the second one another \`id\` option.`);
    }
    adapters.set(adapter.id, adapter);
    contexts.set(adapter.id, {
      http: createHttpClient({
        adapter,
        fetch: options.fetch,
        logger,
        now,
        userAgent: `social-crm/${VERSION} ${adapter.id}`,
        ...options.http,
      }),
      logger,
      now,
      generateId: () => generateId('id'),
    });
  }
  for (const adapter of options.adapters ?? []) register(adapter);

  function adapterOrThrow(id: string): ChannelAdapter {
    const adapter = adapters.get(id);
    if (!adapter) throw new UnknownAdapterError(id, [...adapters.keys()]);
    return adapter;
  }

  async function deadLetter(stage: DeadLetterStage, payload: DeadLetterPayload, error: unknown): Promise<void> {
    const at = now().toISOString();
    try {
      const stored = await ledger.addDeadLetter({
        stage,
        ...(payload.adapterId ? { adapterId: payload.adapterId } : {}),
        payload,
        error: describeError(error),
        attempts: 1,
        createdAt: at,
        lastAttemptAt: at,
      });
      events.emit('dead-lettered', { deadLetter: stored });
    } catch (storeError) {
      // The dead-letter store itself failed: the caller must see it, or the input is lost.
      logger.error('[social-crm] Could not store a dead letter.', { stage, error: describeError(storeError) });
      throw storeError;
    }
  }

  function warn(adapterId: string | undefined, warning: AdapterWarning) {
    logger.debug(`[${adapterId ?? 'social-crm'}] ${warning.message}`, warning.details);
    events.emit('warning', { ...(adapterId ? { adapterId } : {}), warning });
  }

  const parseInput = (input: InteractionInput): Interaction => parseInteraction(input, { now });

  async function classify(interaction: Interaction): Promise<Classification | undefined> {
    if (interaction.direction === 'outbound' || interaction.kind === 'reaction' || !interaction.text.trim()) return undefined;
    const classifier = await loadClassifier();
    if (!classifier) return undefined;
    const seen = participants.get(interaction.conversationId);
    const input: ClassifierInput = {
      text: interaction.text,
      channel: interaction.channel,
      kind: interaction.kind,
      direction: interaction.direction,
      visibility: interaction.visibility,
      ...(interaction.author.locale ?? interaction.language ? { locale: interaction.author.locale ?? interaction.language } : {}),
      ...(interaction.author.followerCount !== undefined ? { followerCount: interaction.author.followerCount } : {}),
      threadParticipants: seen?.size ?? 1,
    };
    try {
      return await classifier.classify(input);
    } catch (error) {
      throw isSocialCrmError(error) ? error : new ClassifierError(`[${classifier.id}] classify() failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  }

  function noteParticipant(interaction: Interaction) {
    let set = participants.get(interaction.conversationId);
    if (!set) {
      if (participants.size >= 50_000) participants.delete(participants.keys().next().value as string);
      participants.set(interaction.conversationId, (set = new Set()));
    }
    set.add(identityKey(interaction.author));
  }

  type Outcome = { kind: 'stored' | 'updated' | 'duplicate'; interaction?: Interaction };

  async function storeNew(interaction: Interaction, source: InteractionSource): Promise<Outcome> {
    // A reply between customers in a public thread is customer-to-customer talk.
    if (interaction.direction === 'inbound' && interaction.parentId && interaction.visibility === 'public') {
      const parent = await ledger.getInteraction(interactionId(interaction.channel, interaction.parentId));
      if (parent && parent.direction !== 'outbound' && identityKey(parent.author) !== identityKey(interaction.author)) {
        interaction = { ...interaction, direction: 'peer', conversationId: parent.conversationId };
      } else if (parent) {
        interaction = { ...interaction, conversationId: parent.conversationId };
      }
    }
    let resolved: Awaited<ReturnType<IdentityResolver['resolve']>> | undefined;
    if (!interaction.author.isBrand) {
      resolved = await withLock(`identity:${identityKey(interaction.author)}`, () =>
        loadIdentity().then((identity) => identity.resolve(interaction.author, { ledger, now, generateId: () => generateId('cus') })),
      ).catch((error: unknown) => {
        throw isSocialCrmError(error) ? error : new IdentityConflictError(`Identity resolution failed for ${identityKey(interaction.author)}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      });
      interaction = { ...interaction, customerId: resolved.customerId };
    } else if (interaction.parentId) {
      const parent = await ledger.getInteraction(interactionId(interaction.channel, interaction.parentId));
      if (parent?.customerId) interaction = { ...interaction, customerId: parent.customerId };
    }
    noteParticipant(interaction);
    const classification = await classify(interaction);
    if (classification) interaction = { ...interaction, classification };
    for (const hook of hooks.afterReceive) {
      const replaced = await hook({ interaction, source });
      if (replaced) interaction = replaced;
    }
    const appended = await ledger.appendInteraction(interaction);
    if (!appended.inserted) {
      events.emit('interaction-skipped', { id: interaction.id, reason: 'duplicate', source });
      return { kind: 'duplicate', interaction: appended.interaction };
    }
    if (resolved) {
      // A merge (or split) that moved the author's identity between the resolution and the append
      // re-pointed the author's stored interactions, but not this one, written just after: follow it.
      const owner = (await ledger.getIdentity(identityKey(interaction.author)))?.customerId;
      if (owner && owner !== appended.interaction.customerId) {
        appended.interaction = (await ledger.updateInteraction(interaction.id, { customerId: owner })) ?? appended.interaction;
      }
    }
    if (resolved?.created) {
      const customer = await ledger.getCustomer(resolved.customerId);
      if (customer) events.emit('customer-created', { customer });
    }
    for (const merge of resolved?.merges ?? []) events.emit('customer-merged', { merge });
    if (resolved?.suggestions.length) {
      events.emit('customer-match-suggested', {
        identityKey: identityKey(interaction.author),
        customerId: resolved.customerId,
        candidates: resolved.suggestions,
      });
    }
    events.emit('interaction-received', { interaction: appended.interaction, source });
    if (classification) events.emit('interaction-classified', { interaction: appended.interaction, classification });
    return { kind: 'stored', interaction: appended.interaction };
  }

  async function applyEdit(existing: Interaction, incoming: Interaction, source: InteractionSource): Promise<Outcome> {
    const changed = incoming.text !== existing.text || incoming.state === 'edited';
    // Versions can arrive out of order: never let an older edit overwrite a newer one.
    const stale = existing.editedAt !== undefined && incoming.editedAt !== undefined && incoming.editedAt < existing.editedAt;
    if (!changed || stale || existing.state === 'deleted') {
      events.emit('interaction-skipped', { id: existing.id, reason: existing.state === 'deleted' ? 'deleted' : 'duplicate', source });
      return { kind: 'duplicate', interaction: existing };
    }
    const edited: Interaction = { ...existing, text: incoming.text, state: 'edited', editedAt: incoming.editedAt ?? now().toISOString() };
    const classification = await classify(edited);
    const channelMetadata = { ...existing.channelMetadata };
    for (const [namespace, fields] of Object.entries(incoming.channelMetadata)) channelMetadata[namespace] = { ...channelMetadata[namespace], ...fields };
    const updated = await ledger.updateInteraction(existing.id, {
      text: edited.text,
      state: 'edited',
      editedAt: edited.editedAt,
      attachments: incoming.attachments.length ? incoming.attachments : existing.attachments,
      channelMetadata,
      ...(incoming.metrics ? { metrics: incoming.metrics } : {}),
      ...(classification ? { classification } : {}),
      ...(incoming.raw !== undefined ? { raw: incoming.raw } : {}),
    });
    if (!updated) return { kind: 'duplicate' };
    events.emit('interaction-updated', { interaction: updated, change: 'edited' });
    if (classification) events.emit('interaction-classified', { interaction: updated, classification });
    return { kind: 'updated', interaction: updated };
  }

  /** Stores a consent choice unless it is a marketing-only one over an opt-out of everything, and announces it. */
  async function recordConsent(consent: ConsentRecord): Promise<void> {
    if (consent.purpose === 'marketing') {
      const current = await ledger.getConsent(consent.identityKey);
      if (current?.status === 'opted-out' && (current.purpose ?? 'all') === 'all') {
        logger.info('[social-crm] A marketing consent choice does not replace an opt-out of all messages.', { identityKey: consent.identityKey, source: consent.source });
        return;
      }
    }
    await ledger.setConsent(consent);
    events.emit('consent-changed', { consent });
  }

  /** Moves a stored outbound message's delivery status forward (never back) and keeps the network's facts about it. */
  function applyDeliveryStatus(id: string, event: { channel: string; status: DeliveryStatus; at: string; error?: { code?: string | number; message: string }; channelMetadata?: Record<string, JSONValue> }): Promise<Outcome> {
    return withLock(`interaction:${id}`, async () => {
      const existing = await ledger.getInteraction(id);
      if (!existing) {
        warn(event.channel, { type: 'ignored', message: `Delivery status for an unknown message \`${id}\` was ignored.`, details: { status: event.status } });
        return { kind: 'duplicate' };
      }
      const current = existing.deliveryStatus ?? 'pending';
      const advances = current !== 'failed' && DELIVERY_ORDER[event.status] > DELIVERY_ORDER[current];
      const known = existing.channelMetadata[event.channel] ?? {};
      // Objects are merged one level deep: a later status that repeats fewer fields keeps the earlier ones.
      const facts = Object.entries(event.channelMetadata ?? {})
        .map(([key, value]): [string, JSONValue] => {
          const before = known[key];
          return [key, isJsonObject(before) && isJsonObject(value) ? { ...before, ...value } : value];
        })
        .filter(([key, value]) => JSON.stringify(known[key]) !== JSON.stringify(value));
      if (!advances && facts.length === 0) return { kind: 'duplicate', interaction: existing };
      const merged = { ...known, ...Object.fromEntries(facts), ...(advances && event.error ? { deliveryError: event.error } : {}) };
      const metadata = (Object.keys(merged).length > 0 ? { ...existing.channelMetadata, [event.channel]: merged } : existing.channelMetadata) as Interaction['channelMetadata'];
      const updated = await ledger.updateInteraction(id, { ...(advances ? { deliveryStatus: event.status } : {}), channelMetadata: metadata });
      if (!updated) return { kind: 'duplicate' };
      events.emit('interaction-updated', { interaction: updated, change: 'delivery-status' });
      return { kind: 'updated', interaction: updated };
    });
  }

  async function processEvent(event: ChannelEvent, source: InteractionSource): Promise<Outcome> {
    switch (event.type) {
      case 'interaction': {
        const interaction = parseInput(event.interaction);
        return withLock(`interaction:${interaction.id}`, async () => {
          const existing = await ledger.getInteraction(interaction.id);
          if (existing) {
            if (existing.state === 'deleted') {
              events.emit('interaction-skipped', { id: existing.id, reason: 'deleted', source });
              return { kind: 'duplicate', interaction: existing };
            }
            return applyEdit(existing, interaction, source);
          }
          if (interaction.state === 'deleted') return tombstone(interaction.channel, interaction.nativeId, interaction.deletedAt ?? now().toISOString());
          return storeNew(interaction, source);
        });
      }
      case 'deletion':
        return withLock(`interaction:${interactionId(event.channel, event.nativeId)}`, () => tombstone(event.channel, event.nativeId, event.deletedAt));
      case 'delivery-status':
        return applyDeliveryStatus(interactionId(event.channel, event.nativeId), event);
      case 'delivery-watermark': {
        // The conversation's outbound messages up to the watermark, newest first; a page is plenty:
        // older ones were moved on by earlier receipts.
        const conversationId = event.conversationId.startsWith(`${event.channel}:`) ? event.conversationId : interactionId(event.channel, event.conversationId);
        const page = await ledger.queryInteractions({ conversationId, channel: event.channel, direction: 'outbound', until: new Date(Date.parse(event.upTo) + 1).toISOString(), order: 'desc', limit: 100 });
        let last: Outcome = { kind: 'duplicate' };
        for (const message of page.items) {
          const outcome = await applyDeliveryStatus(message.id, { channel: event.channel, status: event.status, at: event.at });
          if (outcome.kind === 'updated') last = outcome;
        }
        return last;
      }
      case 'consent': {
        await recordConsent({ identityKey: identityKey(event.identity), status: event.status, purpose: event.purpose ?? 'all', source: event.source, updatedAt: event.at });
        return { kind: 'updated' };
      }
    }
  }

  async function tombstone(channel: string, nativeId: string, deletedAt: string): Promise<Outcome> {
    const id = interactionId(channel, nativeId);
    const existing = await ledger.getInteraction(id);
    if (existing?.state === 'deleted') return { kind: 'duplicate', interaction: existing };
    if (!existing) {
      // Deleted before we saw it: keep a tombstone so that a late delivery is not stored.
      await ledger.appendInteraction({
        id,
        channel,
        nativeId,
        kind: 'post',
        direction: 'inbound',
        visibility: 'public',
        author: { channel, nativeId: 'unknown' },
        conversationId: id,
        text: '',
        createdAt: deletedAt,
        receivedAt: now().toISOString(),
        attachments: [],
        state: 'deleted',
        deletedAt,
        channelMetadata: {},
      });
      return { kind: 'updated' };
    }
    const updated = await ledger.updateInteraction(id, { state: 'deleted', deletedAt, text: '', attachments: [], raw: undefined });
    if (!updated) return { kind: 'duplicate' };
    events.emit('interaction-updated', { interaction: updated, change: 'deleted' });
    return { kind: 'updated', interaction: updated };
  }

  function emptyResult(): IngestResult {
    return { stored: 0, updated: 0, duplicates: 0, deadLettered: 0, interactions: [] };
  }

  function stageOf(error: unknown): DeadLetterStage {
    if (isSocialCrmError(error, 'INVALID_INTERACTION')) return 'validate';
    if (isSocialCrmError(error, 'LEDGER_ERROR')) return 'ledger';
    if (isSocialCrmError(error, 'CLASSIFIER_ERROR')) return 'classify';
    if (isSocialCrmError(error, 'IDENTITY_CONFLICT')) return 'identity';
    return 'ingest';
  }

  async function processAll(list: ChannelEvent[], rejected: RejectedItem[], source: InteractionSource, adapterId: string | undefined): Promise<IngestResult> {
    const result = emptyResult();
    for (const event of list) {
      try {
        const outcome = await processEvent(event, source);
        if (outcome.kind === 'stored') result.stored++;
        else if (outcome.kind === 'updated') result.updated++;
        else result.duplicates++;
        if (outcome.interaction && outcome.kind !== 'duplicate') result.interactions.push(outcome.interaction);
      } catch (error) {
        await deadLetter(stageOf(error), { type: 'event', ...(adapterId ? { adapterId } : {}), source, event }, error);
        result.deadLettered++;
      }
    }
    for (const item of rejected) {
      await deadLetter('validate', { type: 'rejected', ...(adapterId ? { adapterId } : {}), item: item.payload }, item.error);
      warn(adapterId, { type: 'malformed', message: item.error.message });
      result.deadLettered++;
    }
    return result;
  }

  function routeAdapterId(request: Request, explicit: string | undefined): string {
    if (explicit) return explicit;
    const path = new URL(request.url).pathname.replace(/\/+$/, '');
    const rest = path.startsWith(`${webhookPath}/`) ? path.slice(webhookPath.length + 1) : path.split('/').at(-1) ?? '';
    return decodeURIComponent(rest.split('/')[0] ?? '');
  }

  async function runWebhook(adapter: ChannelAdapter, request: Request, body: Uint8Array, source: InteractionSource): Promise<{ response: Response; result: IngestResult }> {
    const forwarded = new Request(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: body as BodyInit }),
    });
    const context = contexts.get(adapter.id)!;
    const outcome = await adapter.doHandleWebhook!(forwarded, context);
    for (const warning of outcome.warnings ?? []) warn(adapter.id, warning);
    const result = await processAll(outcome.events, outcome.rejected ?? [], source, adapter.id);
    return { response: outcome.response ?? Response.json({ received: outcome.events.length }, { status: 200 }), result };
  }

  const crm: SocialCrm = {
    adapters,
    ledger,
    register,

    async handleWebhook(request, callOptions = {}) {
      let adapter: ChannelAdapter;
      let body: Uint8Array;
      try {
        const id = routeAdapterId(request, callOptions.adapterId);
        adapter = adapterOrThrow(id);
        if (!adapter.doHandleWebhook) throw new UnsupportedCapabilityError(adapter.id, 'webhook');
        body = await readRawBody(request, adapter.maxBodyBytes ?? options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
      } catch (error) {
        const status = webhookErrorStatus(error);
        warn(undefined, { type: 'other', message: error instanceof Error ? error.message : String(error), details: { status, url: request.url } });
        return status === 404 && !isSocialCrmError(error, 'UNKNOWN_ADAPTER')
          ? Response.json({ error: { code: 'UNSUPPORTED_CAPABILITY', message: (error as Error).message } }, { status })
          : errorResponse(error);
      }
      try {
        const { response } = await runWebhook(adapter, request, body, 'webhook');
        return response;
      } catch (error) {
        const status = webhookErrorStatus(error);
        if (status < 500) {
          warn(adapter.id, { type: 'other', message: error instanceof Error ? error.message : String(error), details: { status } });
          return errorResponse(error);
        }
        // Unexpected failure: keep the exact request so that nothing verified is lost.
        logger.error(`[${adapter.id}] Webhook processing failed; the request was dead-lettered.`, { error: describeError(error) });
        try {
          await deadLetter('webhook', {
            type: 'webhook',
            adapterId: adapter.id,
            url: request.url,
            method: request.method,
            headers: Object.fromEntries(request.headers),
            body: new TextDecoder().decode(body),
          }, error);
        } catch {
          // Already logged by deadLetter(); answering 500 makes the network redeliver.
        }
        return errorResponse(error);
      }
    },

    async poll(pollOptions = {}) {
      const selected = pollOptions.adapterIds?.map(adapterOrThrow) ?? [...adapters.values()].filter((adapter) => adapter.capabilities.poll);
      const summaries: PollSummary[] = [];
      for (const adapter of selected) {
        if (!adapter.doPoll) throw new UnsupportedCapabilityError(adapter.id, 'poll');
        const summary: PollSummary = { adapterId: adapter.id, pages: 0, ...emptyResult() };
        let cursor = (await ledger.getCursor(adapter.id, 'default')) ?? undefined;
        const maxPages = pollOptions.maxPages ?? 10;
        try {
          for (let page = 0; page < maxPages; page++) {
            const outcome = await adapter.doPoll({ cursor }, contexts.get(adapter.id)!);
            summary.pages++;
            for (const warning of outcome.warnings ?? []) warn(adapter.id, warning);
            const result = await processAll(outcome.events, outcome.rejected ?? [], 'poll', adapter.id);
            summary.stored += result.stored;
            summary.updated += result.updated;
            summary.duplicates += result.duplicates;
            summary.deadLettered += result.deadLettered;
            summary.interactions.push(...result.interactions);
            // Every event is stored or dead-lettered by now, so moving the cursor loses nothing.
            if (outcome.cursor !== undefined && outcome.cursor !== cursor) {
              cursor = outcome.cursor;
              await ledger.setCursor(adapter.id, 'default', cursor);
            }
            if (!outcome.hasMore) break;
          }
        } catch (error) {
          const typed = isSocialCrmError(error) ? error : new SocialCrmError('CHANNEL_API_ERROR', `[${adapter.id}] Polling failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
          summary.error = typed;
          events.emit('poll-failed', { adapterId: adapter.id, error: typed });
        }
        summaries.push(summary);
      }
      return summaries;
    },

    async ingest(inputs) {
      const list = (Array.isArray(inputs) ? inputs : [inputs]).map((interaction): ChannelEvent => ({ type: 'interaction', interaction }));
      return processAll(list, [], 'ingest', undefined);
    },

    async processEvents(list, eventOptions = {}) {
      return processAll(list, eventOptions.rejected ?? [], eventOptions.source ?? 'webhook', eventOptions.adapterId);
    },

    async reply(id, content) {
      const target = await ledger.getInteraction(id);
      if (!target) throw new NotFoundError('Interaction', id);
      const request: ReplyContent = typeof content === 'string' ? { text: content } : content;
      const adapter = adapterOrThrow(target.channel);
      const visibility = request.visibility ?? target.visibility;
      try {
        if (target.state === 'deleted') {
          throw new ReplyNotAllowedError('deleted', `[${adapter.id}] \`${id}\` was deleted by its author; it cannot be answered.`);
        }
        if (!adapter.doSendReply || (visibility === 'public' && !adapter.capabilities.reply) || (visibility === 'private' && !adapter.capabilities.directMessage)) {
          throw new UnsupportedCapabilityError(adapter.id, visibility === 'private' ? 'directMessage' : 'reply', 'Choose the other `visibility` or another channel.');
        }
        const recipient = target.author;
        if (visibility === 'private') {
          const consent = await ledger.getConsent(identityKey(recipient));
          if (consent?.status === 'opted-out' && (consent.purpose ?? 'all') === 'all') {
            throw new ReplyNotAllowedError('opted-out', `[${adapter.id}] ${identityKey(recipient)} opted out of messages (${consent.source}, ${consent.updatedAt}).`);
          }
        }
        const lastInbound = await ledger.queryInteractions({ authorKey: identityKey(recipient), channel: target.channel, order: 'desc', limit: 1 });
        // Answers to a public item in private land in its conversation with the item as parent.
        const privateRepliesSent =
          visibility === 'private' && target.visibility === 'public'
            ? (await ledger.queryInteractions({ conversationId: target.conversationId, direction: 'outbound', limit: 1000 })).items.filter((item) => item.parentId === target.nativeId && item.visibility === 'private').length
            : undefined;
        const parsedReply = outboundReplySchema.safeParse({
          channel: adapter.id,
          inReplyTo: target,
          recipient,
          text: request.text,
          attachments: request.attachments ?? [],
          visibility,
          ...(lastInbound.items[0] ? { lastInboundAt: lastInbound.items[0].createdAt } : {}),
          ...(privateRepliesSent !== undefined ? { privateRepliesSent } : {}),
          channelOptions: request.channelOptions ?? {},
          idempotencyKey: request.idempotencyKey ?? generateId('reply'),
        });
        if (!parsedReply.success) {
          const issues = toValidationIssues(parsedReply.error.issues);
          throw new InvalidOptionsError(`reply() content is invalid:\n${formatIssues(issues)}`, issues);
        }
        let reply = parsedReply.data;
        for (const hook of hooks.beforeSend) {
          const replaced = await hook({ reply });
          if (replaced) reply = replaced;
        }
        const sent = await adapter.doSendReply(reply, contexts.get(adapter.id)!);
        for (const warning of sent.warnings ?? []) warn(adapter.id, warning);
        const outbound = parseInput({
          channel: adapter.id,
          nativeId: sent.nativeId,
          kind: visibility === 'private' ? 'direct_message' : 'reply',
          direction: 'outbound',
          visibility,
          author: { channel: adapter.id, nativeId: target.recipientId ?? `${adapter.id}:brand`, isBrand: true },
          conversationId: sent.conversationId ?? target.conversationId,
          parentId: target.nativeId,
          recipientId: recipient.nativeId,
          text: reply.text,
          attachments: reply.attachments,
          createdAt: sent.createdAt ?? now().toISOString(),
          ...(sent.url ? { url: sent.url } : {}),
          deliveryStatus: 'sent',
          channelMetadata: sent.channelMetadata ? { [adapter.id]: sent.channelMetadata as Interaction['channelMetadata'][string] } : {},
        });
        const stored = await ledger.appendInteraction({ ...outbound, ...(target.customerId ? { customerId: target.customerId } : {}) });
        events.emit('reply-sent', { interaction: stored.interaction, inReplyTo: target });
        return stored.interaction;
      } catch (error) {
        const typed = isSocialCrmError(error) ? error : new SocialCrmError('CHANNEL_API_ERROR', `[${adapter.id}] Sending failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
        events.emit('reply-failed', { inReplyTo: target, error: typed });
        throw typed;
      }
    },

    async fetchAttachment(id, index = 0, fetchOptions = {}) {
      const target = await ledger.getInteraction(id);
      if (!target) throw new NotFoundError('Interaction', id);
      const attachment = target.attachments[index];
      if (!attachment) throw new NotFoundError('Attachment', `${id}#${index}`);
      const adapter = adapterOrThrow(target.channel);
      const maxBytes = fetchOptions.maxBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
      if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
        throw new InvalidOptionsError('fetchAttachment() `maxBytes` must be a positive whole number of bytes.', [{ path: 'maxBytes', message: 'must be a positive integer' }]);
      }
      const request = { interaction: target, attachment, maxBytes };
      const context = contexts.get(adapter.id)!;
      if (!isFileAttachment(attachment)) {
        throw new UnsupportedCapabilityError(adapter.id, 'fetchAttachment', `Attachment ${index} of \`${id}\` is a ${attachment.type}, not a file; its details are in \`data\`.`);
      }
      if (adapter.doFetchAttachment) return adapter.doFetchAttachment(request, context);
      if (attachment.url?.startsWith('https://')) return fetchAttachmentUrl(adapter.id, request, context);
      throw new UnsupportedCapabilityError(adapter.id, 'fetchAttachment', `Attachment ${index} of \`${id}\` (${attachment.type}) has no https URL and the adapter cannot download it.`);
    },

    async setConsent(who, status, source, consentOptions = {}) {
      const key = typeof who === 'string' ? who : identityKey(who);
      await recordConsent({ identityKey: key, status, purpose: consentOptions.purpose ?? 'all', source, updatedAt: now().toISOString() });
    },

    async retryDeadLetters(retryOptions = {}) {
      const result: RetryResult = { retried: 0, succeeded: 0, failed: 0, skipped: 0 };
      const entries: DeadLetter[] = [];
      let cursor: string | undefined;
      do {
        const page = await ledger.listDeadLetters({ limit: 500, ...(cursor ? { cursor } : {}) });
        entries.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && entries.length < (retryOptions.limit ?? Infinity));
      for (const entry of entries.slice(0, retryOptions.limit ?? entries.length)) {
        const payload = entry.payload as DeadLetterPayload;
        if (payload?.type === 'rejected' || !payload?.type) {
          result.skipped++;
          continue;
        }
        result.retried++;
        try {
          if (payload.type === 'event') {
            await processEvent(payload.event, 'replay');
          } else {
            const adapter = adapterOrThrow(payload.adapterId);
            const request = new Request(payload.url, { method: payload.method, headers: payload.headers });
            const { result: ingest } = await runWebhook(adapter, request, new TextEncoder().encode(payload.body), 'replay');
            if (ingest.deadLettered > 0) logger.warn(`[${adapter.id}] Replayed webhook produced ${ingest.deadLettered} new dead letters.`);
          }
          await ledger.removeDeadLetter(entry.id);
          result.succeeded++;
        } catch (error) {
          await ledger.updateDeadLetter({ ...entry, attempts: entry.attempts + 1, lastAttemptAt: now().toISOString(), error: describeError(error) });
          result.failed++;
        }
      }
      return result;
    },

    on(name, listener) {
      return events.on(name, listener);
    },

    async close() {
      unsubscribeIdentity?.();
      await options.ledger.close?.();
    },
  };
  return crm;
}
