/**
 * The composition root: `createSocialCrm` wires the pipeline's stages (src/pipeline/) to the
 * host's ledger, adapters, classifier and identity resolver.
 *
 * | stage | module |
 * | --- | --- |
 * | front door: route, read, verify, parse | pipeline/front-door.ts |
 * | batch: rounds, dedupe and versions | pipeline/process-events.ts |
 * | thread, identity, classification, hooks | pipeline/store-new.ts, resolve-authors.ts, classify.ts |
 * | edits, deletions, receipts, consent | pipeline/apply-changes.ts |
 * | store + outbox in one unit | pipeline/context.ts (commitUnit), change-log.ts |
 * | durable dispatch | pipeline/dispatcher.ts |
 * | replies sent once | pipeline/reply.ts |
 * | posts published once | pipeline/publish.ts |
 * | polling, attachments, dead-letter replay | pipeline/poll.ts, fetch-attachment.ts, replay-dead-letters.ts |
 *
 * @module
 */
import * as z from 'zod';
import type { AdapterContext, AdapterWarning, AttachmentContent, ChannelAdapter, ChannelEvent, Logger, RejectedItem } from './adapter.js';
import { capabilityMismatches } from './adapter.js';
import type { Classifier } from './classifier-port.js';
import { InvalidOptionsError, TenantUnavailableError, UnknownAdapterError, UnsupportedAdapterVersionError, isSocialCrmError } from './errors.js';
import { EventBus, type InteractionSource, type SocialCrmEventListener, type SocialCrmEventName, type SocialCrmEvents } from './events.js';
import { createHttpClient } from './http.js';
import type { IdentityResolver } from './identity-resolver.js';
import { channelIdentityResolver } from './identity-resolver.js';
import type { ChannelIdentity, Interaction, InteractionInput } from './interaction.js';
import { identityKey } from './interaction.js';
import type { ConsentPurpose, CustomerExport, EraseResult, InteractionLedger, SendRecord } from './ledger.js';
import { wrapLedger } from './wrap-ledger.js';
import { recordConsent } from './pipeline/apply-changes.js';
import type { DurableEventName } from './pipeline/change-log.js';
import { commitUnit, type AfterReceiveHook, type BeforeSendHook, type PipelineContext } from './pipeline/context.js';
import { addDeadLetter, describeError, storableRequest } from './pipeline/dead-letters.js';
import { eraseCustomer } from './pipeline/erase-customer.js';
import { createDispatcher, type Dispatcher, type DispatchResult, type DurableSubscription } from './pipeline/dispatcher.js';
import { fetchAttachment, type FetchAttachmentOptions } from './pipeline/fetch-attachment.js';
import { errorResponse, verifyWebhook, type WebhookVerification } from './pipeline/front-door.js';
import { pollAdapters, type PollOptions, type PollSummary } from './pipeline/poll.js';
import { emptyResult, processEvents, type IngestResult, type ProcessOptions } from './pipeline/process-events.js';
import { retryDeadLetters, type RetryDeadLettersOptions, type RetryResult } from './pipeline/replay-dead-letters.js';
import { sendReply, settleReply, type ReplyContent } from './pipeline/reply.js';
import { sendMessage, type MessageRequest } from './pipeline/send-message.js';
import { publishPost } from './pipeline/publish.js';
import type { PublishRequest } from './publication.js';
import type { AbortOptions } from './_abort.js';
import { createKeyedLock } from './_locks.js';
import { loggerFrom, parseOptions } from './_options.js';
import type { LoggerLike } from './logger.js';
import { randomId } from './_utils.js';

export type { AfterReceiveHook, BeforeSendHook } from './pipeline/context.js';
export type { DeadLetterPayload } from './pipeline/dead-letters.js';
export type { DispatchResult, DurableEvent, DurableEventPayloads, DurableSubscription } from './pipeline/dispatcher.js';
export type { DurableEventName } from './pipeline/change-log.js';
export type { WebhookVerification } from './pipeline/front-door.js';
export type { PollOptions, PollSummary } from './pipeline/poll.js';
export type { FetchAttachmentOptions } from './pipeline/fetch-attachment.js';
export type { AbortOptions, ProgressOptions } from './_abort.js';
export type { IngestResult } from './pipeline/process-events.js';
export type { RetryDeadLettersOptions, RetryResult } from './pipeline/replay-dead-letters.js';
export type { ReplyContent } from './pipeline/reply.js';
export type { MessageRequest } from './pipeline/send-message.js';

/** The SDK version, sent in the user agent. */
export const VERSION = '0.1.0';

/** Options of {@link createSocialCrm}. */
export interface SocialCrmOptions {
  /**
   * Your storage port (or `memoryLedger()`). Required: the SDK never picks storage silently. With
   * `tenants`, it is the default tenant's ledger (events that name no tenant).
   */
  ledger: InteractionLedger;
  /**
   * Serve many tenants (the host's customer companies) from one crm and one webhook URL: each
   * tenant gets its own ledger, identity merger, outbox dispatcher, dead letters and in-process
   * events, and an event is processed in the tenant it names (`event.tenant`, set by the adapters'
   * account resolvers). See docs/guide/multi-tenant.md.
   */
  tenants?: TenantsOptions;
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
  /**
   * Where the SDK logs: its own {@link Logger} shape, or pino, bunyan, winston or the console as
   * they are (see {@link toLogger}). @default warnings and errors to the console, nothing else
   */
  logger?: LoggerLike;
  /** The clock. @default () => new Date() */
  now?: () => Date;
  /** Id generator for customers, dead letters and idempotency keys. */
  generateId?: (prefix: string) => string;
  /** Hooks that change the flow (events only observe). Each runs in order. */
  hooks?: { afterReceive?: AfterReceiveHook[]; beforeSend?: BeforeSendHook[] };
  /**
   * Delivery of durable events ({@link SocialCrm.subscribe}) from the ledger's outbox. Only events
   * some durable handler subscribes to are written to the outbox.
   */
  outbox?: {
    /** `auto`: deliver right after each write and on a timer; `manual`: only on `crm.dispatch()`. @default 'auto' */
    dispatch?: 'auto' | 'manual';
    /** Failed deliveries before a record is dead-lettered for the handler that fails. @default 8 */
    maxAttempts?: number;
    /** First retry delay, doubled per attempt up to `backoffMaxMs`. @default 1000 */
    backoffBaseMs?: number;
    /** @default 300000 (5 minutes) */
    backoffMaxMs?: number;
    /** How long a claimed record is reserved for this process before another may deliver it. @default 60000 */
    leaseMs?: number;
    /** Records claimed at a time. @default 100 */
    batchSize?: number;
    /** How often an auto dispatcher looks for records that became due. @default 1000 */
    pollIntervalMs?: number;
  };
}

/** The id of the tenant that events naming no tenant belong to. */
export const DEFAULT_TENANT = 'default';

/** Options of {@link SocialCrmOptions.tenants}. */
export interface TenantsOptions {
  /**
   * The ledger of one tenant, bound to it: every call it gets reads and writes that tenant's
   * records only (e.g. `(tenant) => postgres.forTenant(tenant)`). Called once per tenant, on the
   * first event or `crm.tenant(tenant)` call that names it; throw for a tenant you do not serve.
   * Never called for {@link DEFAULT_TENANT}: that one is `options.ledger`.
   */
  ledger(tenant: string): InteractionLedger | Promise<InteractionLedger>;
  /**
   * The identity resolver of one tenant, over that tenant's ledger (the one passed, already wrapped).
   * Required when `options.identity` is set; omit both to give every tenant the default merger.
   */
  identity?(tenant: string, ledger: InteractionLedger): IdentityResolver;
  /**
   * Called once when a tenant is opened, before its first event is processed: attach its listeners,
   * its durable handlers and its insights (`createInsights(tenantCrm)`). Not called for the default
   * tenant (use the crm itself). A failure fails the opening; the next event tries again.
   */
  open?(tenant: TenantCrm): void | Promise<void>;
}

/**
 * One tenant's view of the crm ({@link SocialCrm.tenant}): the same methods as the crm, acting on
 * that tenant's ledger, merger, outbox and events only. Events processed through it that name no
 * tenant belong to it; events that name another tenant still go to theirs.
 */
export interface TenantCrm
  extends Pick<
    SocialCrm,
    'ledger' | 'poll' | 'ingest' | 'processEvents' | 'reply' | 'publish' | 'settleReply' | 'fetchAttachment' | 'setConsent' | 'eraseCustomer' | 'retryDeadLetters' | 'on' | 'subscribe' | 'dispatch' | 'sendMessage'
  > {
  /** The tenant's id. */
  readonly tenant: string;
  /** The tenant's identity resolver (the merger by default): agent commands such as `merge` and `explain` run on it. */
  identity(): Promise<IdentityResolver>;
}

/** The object a host keeps: it routes webhooks, polls, ingests, replies and announces. */
export interface SocialCrm {
  /** Registered adapters by id. */
  readonly adapters: ReadonlyMap<string, ChannelAdapter>;
  /** The (default tenant's) ledger, wrapped so that failures surface as `LedgerError`. */
  readonly ledger: InteractionLedger;
  /**
   * One tenant's view: its ledger, its merger, its outbox, its events. Opens the tenant (calls
   * `tenants.ledger` and `tenants.open`) on first use; `crm.tenant(DEFAULT_TENANT)` is the crm's own
   * default tenant. The methods of the crm itself act on the default tenant, except `handleWebhook`,
   * `processEvents` and `poll` (events go to the tenant they name), `subscribe` (every tenant's
   * outbox) and `dispatch` and `close` (every tenant opened so far).
   * @throws TenantUnavailableError when the id is not valid, the crm has no `tenants`, or `tenants.ledger` failed.
   */
  tenant(tenant: string): Promise<TenantCrm>;
  /** Register an adapter after creation. @throws UnsupportedAdapterVersionError, InvalidOptionsError */
  register(adapter: ChannelAdapter): void;
  /**
   * Handle a webhook request for any registered adapter. Routes by `options.adapterId`, or by
   * the path segment after `webhookPath`. Always resolves to a `Response`, never throws:
   * 404 unknown adapter, 413 too large, 415 wrong content type, 400 malformed, 401 bad signature,
   * 200 for everything verified (including items that were dead-lettered or ignored).
   */
  handleWebhook(request: Request, options?: { adapterId?: string }): Promise<Response>;
  /**
   * Poll every polling adapter (or the ones named) from their saved cursors. `signal` stops it
   * between pages or mid-request with `AbortedError` (pages stored so far, and their cursors, stay);
   * `onProgress` gets `{ done }` pages after each page is stored.
   */
  poll(options?: PollOptions): Promise<PollSummary[]>;
  /**
   * The front door alone: route, read, verify and parse a webhook request, storing nothing. A queue
   * intake enqueues what comes back `verified`, then answers with its `response`; `answered` is a
   * refusal or a handshake to send as it is. Never throws.
   */
  verifyWebhook(request: Request, options?: { adapterId?: string; webhookPath?: string; maxBodyBytes?: number }): Promise<WebhookVerification>;
  /** Feed interactions from your own code (imports, other tools). Invalid ones are dead-lettered, not thrown. */
  ingest(inputs: InteractionInput | InteractionInput[]): Promise<IngestResult>;
  /**
   * Run already-verified channel events through the pipeline exactly as a webhook delivery would
   * (edits, deletions, delivery receipts, consent included). Used by queue workers that receive
   * events an intake process verified; `rejected` items are dead-lettered.
   */
  processEvents(events: ChannelEvent[], options?: { adapterId?: string; source?: InteractionSource; rejected?: RejectedItem[] }): Promise<IngestResult>;
  /**
   * Reply to a stored interaction in its thread, to the identity that wrote it. With a ledger that
   * records sends ({@link SendStore}), the send is recorded under its idempotency key first: a second
   * call with the same key returns the first one's interaction and never posts again.
   * @throws ReplyNotAllowedError, UnsupportedCapabilityError, ChannelApiError, RateLimitError, and
   * ReplyInDoubtError when the same key is being sent or may already have reached the network;
   * AbortedError when `options.signal` aborts it (before the send: nothing is sent; during the
   * send: the send is recorded in doubt, as after a timeout).
   */
  reply(interactionId: string, content: string | ReplyContent, options?: AbortOptions): Promise<Interaction>;
  /**
   * Publish a post on the brand's own account through an adapter that declares `publish` (a Page
   * post, an Instagram photo, an X post, a Telegram channel post, a Mastodon status, a Bluesky
   * post). The attempt is recorded under `idempotencyKey` before the network is called: a second
   * call with the key returns the first one's post and never posts again. The post is stored as an
   * outbound public `post` (`campaignId` in `channelMetadata.publication`) and announced with
   * `post-published`; comments on it thread onto it as usual.
   * @throws InvalidOptionsError (no text, link or media; a bad URL), UnsupportedCapabilityError
   * (the adapter cannot publish, or the ledger records no sends), ChannelApiError, RateLimitError,
   * ReplyInDoubtError when the same key is being sent or may already have reached the network, and
   * AbortedError when `options.signal` stops it (a post cut off mid-request is left in doubt).
   */
  publish(request: PublishRequest, options?: AbortOptions): Promise<Interaction>;
  /**
   * Settle a send left in doubt (`ReplyInDoubtError`, state `unknown` or a `pending` whose sender
   * died) after checking the thread (or, for a post, the brand's account): `{ sent: true, nativeId }` stores the outbound interaction,
   * `{ sent: false }` lets a new call with the key send it.
   */
  settleReply(idempotencyKey: string, outcome: { sent: true; nativeId: string } | { sent: false }): Promise<SendRecord>;
  /**
   * Start a conversation (a campaign's message) through an adapter with the `outreach` capability,
   * once per idempotency key: the customer's consent for the purpose is read at send time, the send
   * is recorded before the network is called, and the outbound interaction is stored. Needs a
   * ledger that records sends. `social-crm/campaigns` builds on it.
   * @throws ReplyNotAllowedError (no consent, a platform rule), UnsupportedCapabilityError, ReplyInDoubtError, ChannelApiError, RateLimitError
   */
  sendMessage(request: MessageRequest): Promise<{ interaction: Interaction; sentBefore: boolean }>;
  /**
   * Download the bytes of one attachment of a stored interaction (its `index` in `attachments`,
   * default 0): through the adapter's `doFetchAttachment` (WhatsApp media ids, authenticated
   * URLs) or, for a plain `https` URL, with one GET through the adapter's HTTP client.
   * @throws NotFoundError (no such interaction or attachment), UnsupportedCapabilityError (nothing to
   * download: a location, a contact, no URL), ChannelApiError (the network refused, the file is over
   * `maxBytes`, default 100 MB, or its checksum is wrong), AbortedError (`options.signal` aborted it).
   */
  fetchAttachment(interactionId: string, index?: number, options?: FetchAttachmentOptions): Promise<AttachmentContent>;
  /**
   * Record a customer's opt-out or opt-in for one identity. `purpose: 'marketing'` covers promotional
   * messages only (service replies still go out) and never replaces an opt-out of all messages.
   */
  setConsent(identity: ChannelIdentity | string, status: 'opted-in' | 'opted-out', source: string, options?: { purpose?: ConsentPurpose }): Promise<void>;
  /**
   * Erase a customer (and every customer merged into it) everywhere the SDK keeps data: the ledger's
   * `eraseCustomer` (see {@link CustomerExport} for what it covers), then `customer-erased`, which
   * tells the identity merger and the insights to forget the person in process and durable handlers
   * to erase them from the host's own tables. Returns what the ledger erased; zero counts for an
   * unknown id.
   */
  eraseCustomer(customerId: string): Promise<EraseResult>;
  /**
   * Replay dead letters through the pipeline; successes are removed, failures kept with attempts + 1.
   * `onProgress` gets `{ done, total }` after each entry; `signal` stops it between entries with
   * `AbortedError` (entries replayed so far stay replayed).
   */
  retryDeadLetters(options?: RetryDeadLettersOptions): Promise<RetryResult>;
  /**
   * Listen to an event in this process; returns the unsubscribe function. Fire-and-forget: the
   * listener is called after the change is stored, its promise is not awaited, and an event is
   * lost if the process dies in between. Use {@link SocialCrm.subscribe} for work that must happen.
   */
  on<Name extends SocialCrmEventName>(name: Name, listener: SocialCrmEventListener<Name>): () => void;
  /**
   * A durable handler: every stored change it subscribes to is delivered at least once, in order
   * per customer, from the ledger's outbox (written in the same transaction as the change),
   * awaiting the handler, retrying with backoff, and dead-lettering it after `maxAttempts`.
   * Subscribe the same handlers in every process, before it processes anything. Needs a ledger
   * with the outbox ({@link OutboxStore}). Returns the unsubscribe function.
   * @example
   * crm.subscribe({ id: 'ticketing', events: ['interaction-classified'], handle: async ({ id, payload }) => {
   *   await tickets.upsert({ eventId: id, interaction: payload.interaction.id });
   * }});
   */
  subscribe<Name extends DurableEventName>(subscription: DurableSubscription<Name>): () => void;
  /**
   * Deliver what is due in the outbox now, and resolve when done. Automatic by default; call it at
   * startup to flush what a crashed process left, or on your own schedule with `dispatch: 'manual'`.
   */
  dispatch(): Promise<DispatchResult>;
  /** Stop dispatching and release the ledger's connections. */
  close(): Promise<void>;
}


const object = (message?: string) => z.custom<object>((value) => typeof value === 'object' && value !== null, message);
const fn = <T>() => z.custom<T>((value) => typeof value === 'function');

const optionsSchema = z.strictObject({
  ledger: z.custom<InteractionLedger>((value) => typeof value === 'object' && value !== null, 'Pass a ledger, e.g. `memoryLedger()`.'),
  tenants: z
    .strictObject({
      ledger: fn<TenantsOptions['ledger']>(),
      identity: fn<NonNullable<TenantsOptions['identity']>>().optional(),
      open: fn<NonNullable<TenantsOptions['open']>>().optional(),
    })
    .optional(),
  adapters: z.array(z.custom<ChannelAdapter>((value) => typeof value === 'object' && value !== null, 'An adapter is the object a factory returns: call it, e.g. `whatsappAdapter({ ... })`.')).optional(),
  classifier: z.union([z.literal(false), z.custom<Classifier>((value) => typeof value === 'object' && value !== null && typeof (value as Classifier).classify === 'function', 'A classifier has a `classify` method.')]).optional(),
  identity: z.custom<IdentityResolver>((value) => typeof value === 'object' && value !== null && typeof (value as IdentityResolver).resolve === 'function', 'An identity resolver has a `resolve` method.').optional(),
  webhookPath: z.string().startsWith('/').optional(),
  maxBodyBytes: z.number().int().positive().optional(),
  http: z
    .strictObject({
      timeoutMs: z.number().positive().optional(),
      retries: z.number().int().min(0).max(10).optional(),
      maxRateLimitWaitMs: z.number().min(0).optional(),
      backoffBaseMs: z.number().min(0).optional(),
    })
    .optional(),
  fetch: fn<typeof fetch>().optional(),
  logger: object().optional(),
  now: fn<() => Date>().optional(),
  generateId: fn<(prefix: string) => string>().optional(),
  hooks: z
    .strictObject({
      afterReceive: z.array(fn<AfterReceiveHook>()).optional(),
      beforeSend: z.array(fn<BeforeSendHook>()).optional(),
    })
    .optional(),
  outbox: z
    .strictObject({
      dispatch: z.enum(['auto', 'manual']).default('auto'),
      maxAttempts: z.number().int().min(1).max(1000).default(8),
      backoffBaseMs: z.number().min(0).default(1000),
      backoffMaxMs: z.number().min(0).default(300_000),
      leaseMs: z.number().int().min(100).default(60_000),
      batchSize: z.number().int().min(1).max(1000).default(100),
      pollIntervalMs: z.number().int().min(10).default(1000),
    })
    .default({ dispatch: 'auto', maxAttempts: 8, backoffBaseMs: 1000, backoffMaxMs: 300_000, leaseMs: 60_000, batchSize: 100, pollIntervalMs: 1000 }),
});

/**
 * An adapter factory passed as it is (`adapters: [whatsappAdapter]`) instead of what it returns.
 * @throws InvalidOptionsError naming the factory and the call to write instead.
 */
function rejectUncalledFactory(adapter: unknown, path: string, caller: string): void {
  if (typeof adapter !== 'function') return;
  const name = /^[A-Za-z_$][\w$]*$/.test(adapter.name) ? adapter.name : 'theAdapterFactory';
  const message = `\`${path}\` is the adapter factory \`${name}\` itself, not an adapter: call it with its options and pass what it returns, e.g. \`${name}({ ... })\`.`;
  throw new InvalidOptionsError(`${caller} options are invalid:\n- ${path}: ${message}`, [{ path, message }]);
}

/** Loads a default on first use, through the public entry, so the root import stays light. */
function lazyDefault<T>(load: () => Promise<T>, fallback: (error: unknown) => T): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= load().catch(fallback));
}

/** A tenant id: 1 to 128 characters, no whitespace, no control characters. */
const TENANT_ID = /^[^\s\p{Cc}]{1,128}$/u;

/** One tenant's pipeline: its ledger, merger, locks, events, outbox dispatcher, and its view. */
interface TenantRuntime {
  readonly context: PipelineContext;
  readonly dispatcher: Dispatcher;
  readonly view: TenantCrm;
  /** Stops its dispatcher and its identity subscription (the ledger stays open). */
  stop(): Promise<void>;
  /** The ledger as the host passed it, to close. */
  readonly hostLedger: InteractionLedger;
}

/** A batch cut by tenant: each part's events and rejected items, in input order. */
function partitionByTenant(events: readonly ChannelEvent[], rejected: readonly RejectedItem[], fallback: string): Map<string, { events: ChannelEvent[]; rejected: RejectedItem[] }> {
  const parts = new Map<string, { events: ChannelEvent[]; rejected: RejectedItem[] }>();
  const partOf = (tenant: string | undefined) => {
    const key = tenant ?? fallback;
    let part = parts.get(key);
    if (!part) parts.set(key, (part = { events: [], rejected: [] }));
    return part;
  };
  for (const event of events) partOf(event.tenant).events.push(event);
  for (const item of rejected) partOf(item.tenant).rejected.push(item);
  return parts;
}

function addResults(total: IngestResult, part: IngestResult): IngestResult {
  total.stored += part.stored;
  total.updated += part.updated;
  total.duplicates += part.duplicates;
  total.deadLettered += part.deadLettered;
  total.interactions.push(...part.interactions);
  return total;
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
  (Array.isArray(options?.adapters) ? options.adapters : []).forEach((adapter, index) => rejectUncalledFactory(adapter, `adapters.${index}`, 'createSocialCrm()'));
  const settings = parseOptions('createSocialCrm', optionsSchema, options);
  if (options.identity && options.tenants && !options.tenants.identity) {
    throw new InvalidOptionsError(
      '[createSocialCrm] `identity` is the default tenant\'s resolver: with `tenants`, also pass `tenants.identity: (tenant, ledger) => ...`, so that every tenant gets a resolver over its own ledger (one merger never serves two tenants).',
      [{ path: 'tenants.identity', message: 'required when `identity` is set' }],
    );
  }
  const logger = loggerFrom(options.logger);
  const now = options.now ?? (() => new Date());
  const generateId = options.generateId ?? randomId;
  const adapters = new Map<string, ChannelAdapter>();
  const adapterContexts = new Map<string, AdapterContext>();
  const frontDoor = { webhookPath: (options.webhookPath ?? '/webhooks').replace(/\/+$/, ''), maxBodyBytes: options.maxBodyBytes };
  const loadClassifier =
    options.classifier === false
      ? () => Promise.resolve(undefined)
      : options.classifier
        ? () => Promise.resolve(options.classifier as Classifier)
        : lazyDefault<Classifier | undefined>(
            () => import('social-crm/classifier').then((module) => module.createClassifier()),
            (error) => {
              logger.warn('[social-crm] The default classifier could not be loaded; interactions are stored unclassified.', { error: describeError(error) });
              return undefined;
            },
          );
  /** Durable handlers subscribed on the crm itself: every tenant's dispatcher delivers to them. */
  const everyTenant = new Map<DurableSubscription, Map<string, () => void>>();
  /** Tenants whose runtime exists, by id (sync access for subscriptions and dispatch). */
  const opened = new Map<string, TenantRuntime>();
  const runtimes = new Map<string, Promise<TenantRuntime>>();

  function adapterOf(id: string): { adapter: ChannelAdapter; context: AdapterContext } {
    const adapter = adapters.get(id);
    if (!adapter) throw new UnknownAdapterError(id, [...adapters.keys()]);
    return { adapter, context: adapterContexts.get(id)! };
  }

  function openRuntime(tenant: string, hostLedger: InteractionLedger, identityOf: ((ledger: InteractionLedger) => IdentityResolver) | undefined): TenantRuntime {
    const ledger = wrapLedger(hostLedger, logger);
    const events = new EventBus<SocialCrmEvents>(logger);
    const identity = identityOf?.(ledger);
    const context: PipelineContext = {
      tenant,
      ledger,
      logger,
      now,
      generateId,
      events,
      locks: createKeyedLock(),
      hooks: { afterReceive: options.hooks?.afterReceive ?? [], beforeSend: options.hooks?.beforeSend ?? [] },
      adapters,
      adapter: adapterOf,
      loadClassifier,
      loadIdentity: identity
        ? () => Promise.resolve(identity)
        : lazyDefault<IdentityResolver>(
            () => import('social-crm/identity').then((module): IdentityResolver => module.createIdentityMerger({ ledger, now, generateId: () => generateId('cus') })),
            (error) => {
              logger.warn('[social-crm] The default identity merger could not be loaded; each channel identity gets its own customer.', { error: describeError(error) });
              return channelIdentityResolver();
            },
          ),
      participants: new Map(),
      subscribed: (name) => dispatcher.subscribed(name),
      outboxWritten: () => dispatcher.kick(),
      warn(adapterId: string | undefined, warning: AdapterWarning) {
        logger.debug(`[${adapterId ?? 'social-crm'}] ${warning.message}`, warning.details);
        events.emit('warning', { ...(adapterId ? { adapterId } : {}), warning });
      },
      routeEvents: (list, processOptions) => route(list, processOptions, tenant),
    };
    const dispatcher = createDispatcher(context, { ...settings.outbox, mode: settings.outbox.dispatch });
    for (const [subscription, perTenant] of everyTenant) perTenant.set(tenant, dispatcher.subscribe(subscription));

    // Commands run on the host's merger (manual merges, unmerges, splits, CRM links) are announced
    // like the merges the pipeline makes itself, and reach durable handlers too.
    // Agent and host commands called on the host's merger without a context use this tenant's ledger.
    identity?.bind?.({ ledger, now, generateId: () => generateId('cus') });
    const unsubscribeIdentity = identity?.subscribe?.((change) => {
      commitUnit(context, async (_, changes) => {
        if (change.type === 'customer-created') changes.record('customer-created', { customer: change.customer });
        else changes.record(change.type, { merge: change.merge });
      }).catch((error: unknown) => logger.error('[social-crm] An identity command could not be written to the outbox.', { tenant, type: change.type, error: describeError(error) }));
    });

    const view: TenantCrm = {
      tenant,
      ledger,
      poll: (pollOptions = {}) => pollAdapters(context, pollOptions),
      ingest: (inputs) => processEvents(context, (Array.isArray(inputs) ? inputs : [inputs]).map((interaction): ChannelEvent => ({ type: 'interaction', interaction })), { source: 'ingest' }),
      processEvents: (list, eventOptions = {}) =>
        route(list, { source: eventOptions.source ?? 'webhook', ...(eventOptions.adapterId ? { adapterId: eventOptions.adapterId } : {}), rejected: eventOptions.rejected ?? [] }, tenant),
      reply: (id, content, replyOptions = {}) => sendReply(context, id, content, replyOptions),
      publish: (request, publishOptions = {}) => publishPost(context, request, publishOptions),
      settleReply: (key, outcome) => settleReply(context, key, outcome),
      sendMessage: (request) => sendMessage(context, request),
      fetchAttachment: (id, index = 0, fetchOptions = {}) => fetchAttachment(context, id, index, fetchOptions),
      async setConsent(who, status, source, consentOptions = {}) {
        const key = typeof who === 'string' ? who : identityKey(who);
        const consent = { identityKey: key, status, purpose: consentOptions.purpose ?? 'all', source, updatedAt: now().toISOString() };
        await context.locks.withLock(`consent:${key}`, () => commitUnit(context, (scoped, changes) => recordConsent(context, scoped, changes, consent)));
      },
      eraseCustomer: (customerId) => eraseCustomer(context, customerId),
      retryDeadLetters: (retryOptions = {}) => retryDeadLetters(context, dispatcher, frontDoor, retryOptions),
      on: (name, listener) => events.on(name, listener),
      subscribe: (subscription) => dispatcher.subscribe(subscription as DurableSubscription),
      dispatch: () => dispatcher.dispatch(),
      identity: () => context.loadIdentity(),
    };
    const runtime: TenantRuntime = {
      context,
      dispatcher,
      view,
      hostLedger,
      async stop() {
        unsubscribeIdentity?.();
        for (const perTenant of everyTenant.values()) perTenant.get(tenant)?.();
        opened.delete(tenant);
        await dispatcher.stop();
      },
    };
    opened.set(tenant, runtime);
    return runtime;
  }

  const main = openRuntime(DEFAULT_TENANT, options.ledger, options.identity ? () => options.identity! : undefined);
  runtimes.set(DEFAULT_TENANT, Promise.resolve(main));

  /** The tenant's runtime, opened on first use. @throws TenantUnavailableError */
  function runtimeOf(tenant: string): Promise<TenantRuntime> {
    const known = runtimes.get(tenant);
    if (known) return known;
    if (typeof tenant !== 'string' || !TENANT_ID.test(tenant)) {
      return Promise.reject(new TenantUnavailableError(String(tenant), 'a tenant id is 1 to 128 characters without whitespace or control characters.'));
    }
    const tenants = options.tenants;
    if (!tenants) {
      return Promise.reject(new TenantUnavailableError(tenant, 'this crm serves one tenant; pass `tenants: { ledger: (tenant) => ... }` to createSocialCrm to serve more.'));
    }
    const opening = (async () => {
      let hostLedger: InteractionLedger;
      try {
        hostLedger = await tenants.ledger(tenant);
      } catch (error) {
        throw new TenantUnavailableError(tenant, `\`tenants.ledger\` failed: ${describeError(error).message}`, { cause: error });
      }
      if (typeof hostLedger !== 'object' || hostLedger === null) throw new TenantUnavailableError(tenant, '`tenants.ledger` returned no ledger.');
      const runtime = openRuntime(tenant, hostLedger, tenants.identity ? (ledger) => tenants.identity!(tenant, ledger) : undefined);
      try {
        await tenants.open?.(runtime.view);
      } catch (error) {
        await runtime.stop();
        throw new TenantUnavailableError(tenant, `\`tenants.open\` failed: ${describeError(error).message}`, { cause: error });
      }
      return runtime;
    })();
    runtimes.set(tenant, opening);
    // A tenant that failed to open is tried again on its next event.
    opening.catch(() => {
      if (runtimes.get(tenant) === opening) runtimes.delete(tenant);
    });
    return opening;
  }

  /**
   * Runs a batch in the tenants its events name (`fallback` for the rest), each part in its own
   * tenant's pipeline. Every part is run; the first failure is thrown after all settled.
   */
  async function route(list: readonly ChannelEvent[], processOptions: ProcessOptions, fallback: string): Promise<IngestResult> {
    const parts = partitionByTenant(list, processOptions.rejected ?? [], fallback);
    if (parts.size === 0) return processEvents((await runtimeOf(fallback)).context, [], processOptions);
    const outcomes = await Promise.allSettled(
      [...parts].map(async ([tenant, part]) => processEvents((await runtimeOf(tenant)).context, part.events, { ...processOptions, rejected: part.rejected })),
    );
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return outcomes.reduce((total, outcome) => addResults(total, (outcome as PromiseFulfilledResult<IngestResult>).value), emptyResult());
  }

  function register(adapter: ChannelAdapter): void {
    rejectUncalledFactory(adapter, 'adapter', 'crm.register()');
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
    adapterContexts.set(adapter.id, {
      http: createHttpClient({ adapter, fetch: options.fetch, logger, now, userAgent: `social-crm/${VERSION} ${adapter.id}`, ...options.http }),
      logger,
      now,
      generateId: () => generateId('id'),
    });
  }
  for (const adapter of options.adapters ?? []) register(adapter);

  /**
   * Keeps what a tenant's part of a delivery could not process, in that tenant's ledger: the exact
   * request when the delivery is all this tenant's, else each of its events and rejected items (a
   * tenant's dead letters never hold another tenant's data).
   */
  async function keepFailedPart(runtime: TenantRuntime, adapterId: string, request: Request, body: Uint8Array, part: { events: ChannelEvent[]; rejected: RejectedItem[] } | 'whole', error: unknown): Promise<void> {
    const at = now().toISOString();
    try {
      await commitUnit(runtime.context, async (scoped, changes) => {
        if (part === 'whole') {
          await addDeadLetter(scoped, changes, 'webhook', storableRequest(adapterId, request, body), error, at);
          return;
        }
        for (const event of part.events) await addDeadLetter(scoped, changes, 'webhook', { type: 'event', adapterId, source: 'webhook', event }, error, at);
        for (const item of part.rejected) await addDeadLetter(scoped, changes, 'validate', { type: 'rejected', adapterId, item: item.payload }, item.error, at);
      });
    } catch (storeError) {
      logger.error('[social-crm] Could not store a dead letter.', { stage: 'webhook', tenant: runtime.view.tenant, error: describeError(storeError) });
    }
  }

  async function handleWebhook(request: Request, callOptions: { adapterId?: string } = {}): Promise<Response> {
    const verified = await verifyWebhook(main.context, frontDoor, request, callOptions.adapterId);
    if (verified.status === 'answered') return verified.response;
    const adapterId = verified.adapterId;
    const parts = verified.status === 'failed' ? new Map([[DEFAULT_TENANT, { events: [], rejected: [] }]]) : partitionByTenant(verified.events, verified.rejected, DEFAULT_TENANT);
    if (parts.size === 0) parts.set(DEFAULT_TENANT, { events: [], rejected: [] });
    const whole = parts.size === 1;
    const failures = await Promise.all(
      [...parts].map(async ([tenant, part]): Promise<unknown> => {
        let runtime: TenantRuntime;
        try {
          runtime = await runtimeOf(tenant);
        } catch (error) {
          // Nothing can be stored for a tenant that cannot be opened: the network delivers it again.
          logger.error(`[${adapterId}] A webhook delivery names a tenant that could not be opened; answering 500 so that the network delivers it again.`, { tenant, error: describeError(error) });
          return error;
        }
        try {
          if (verified.status === 'failed') throw verified.error;
          await processEvents(runtime.context, part.events, { source: 'webhook', adapterId, rejected: part.rejected });
          return undefined;
        } catch (error) {
          // Unexpected failure: keep what was verified so that nothing is lost.
          logger.error(`[${adapterId}] Webhook processing failed; the ${whole ? 'request' : "tenant's events"} were dead-lettered.`, { tenant, error: describeError(error) });
          await keepFailedPart(runtime, adapterId, request, verified.body, whole ? 'whole' : part, error);
          return error;
        }
      }),
    );
    const failure = failures.find((error) => error !== undefined);
    if (failure === undefined) return verified.response;
    // A tenant's name is not the network's business: its failure answers as an internal error.
    return errorResponse(isSocialCrmError(failure, 'TENANT_UNAVAILABLE') ? new Error('tenant unavailable') : failure);
  }

  return {
    adapters,
    ledger: main.context.ledger,
    tenant: (tenant) => runtimeOf(tenant).then((runtime) => runtime.view),
    register,
    handleWebhook,
    verifyWebhook: (request, callOptions = {}) =>
      verifyWebhook(
        main.context,
        { webhookPath: callOptions.webhookPath?.replace(/\/+$/, '') ?? frontDoor.webhookPath, maxBodyBytes: callOptions.maxBodyBytes ?? frontDoor.maxBodyBytes },
        request,
        callOptions.adapterId,
      ),
    poll: main.view.poll,
    ingest: main.view.ingest,
    processEvents: main.view.processEvents,
    reply: main.view.reply,
    publish: main.view.publish,
    settleReply: main.view.settleReply,
    sendMessage: main.view.sendMessage,
    fetchAttachment: main.view.fetchAttachment,
    setConsent: main.view.setConsent,
    eraseCustomer: main.view.eraseCustomer,
    retryDeadLetters: main.view.retryDeadLetters,
    on: main.view.on,
    subscribe(subscription) {
      const unsubscribeMain = main.dispatcher.subscribe(subscription as DurableSubscription);
      const perTenant = new Map<string, () => void>([[DEFAULT_TENANT, unsubscribeMain]]);
      for (const [tenant, runtime] of opened) if (tenant !== DEFAULT_TENANT) perTenant.set(tenant, runtime.dispatcher.subscribe(subscription as DurableSubscription));
      everyTenant.set(subscription as DurableSubscription, perTenant);
      return () => {
        everyTenant.delete(subscription as DurableSubscription);
        for (const unsubscribe of perTenant.values()) unsubscribe();
      };
    },
    async dispatch() {
      const results = await Promise.all([...opened.values()].map((runtime) => runtime.dispatcher.dispatch()));
      return results.reduce((total, result) => ({ delivered: total.delivered + result.delivered, retried: total.retried + result.retried, deadLettered: total.deadLettered + result.deadLettered }), { delivered: 0, retried: 0, deadLettered: 0 });
    },
    async close() {
      const others = [...opened.values()].filter((runtime) => runtime !== main);
      await Promise.all(others.map(async (runtime) => {
        await runtime.stop();
        await runtime.hostLedger.close?.();
      }));
      await main.stop();
      await options.ledger.close?.();
    },
  };
}
