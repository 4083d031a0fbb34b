/**
 * The channel-adapter contract, version 1. An adapter is a plain object made by a factory
 * (`whatsappAdapter(options)`); the core calls its `do*` methods. Users never call them
 * directly: going through `crm.handleWebhook()`, `crm.poll()` and `crm.reply()` is what
 * stores interactions, resolves customers and emits events.
 *
 * A method exists if and only if its capability is declared; `createSocialCrm()` checks
 * this at registration and `describeChannelAdapter()` checks it in tests.
 *
 * @module
 */
import type {
  Attachment,
  ChannelIdentity,
  DeliveryStatus,
  Interaction,
  InteractionInput,
  JSONObject,
  JSONValue,
  OutboundReply,
} from './interaction.js';
import type { OutboundMessage } from './outreach.js';
import type { OutboundPost } from './publication.js';

/** What an adapter can do. Each flag must agree with the methods present. */
export interface ChannelCapabilities {
  /** Receives pushes: requires `doHandleWebhook`. */
  webhook: boolean;
  /** Fetches on demand with a cursor: requires `doPoll`. */
  poll: boolean;
  /** Can answer in a public thread: requires `doSendReply`. */
  reply: boolean;
  /** Can send private messages: requires `doSendReply`. */
  directMessage: boolean;
  /** Reports edits of earlier items. */
  edits: boolean;
  /** Reports deletions of earlier items. */
  deletes: boolean;
  /** Reports reactions (likes, emoji). */
  reactions: boolean;
  /** Has native threads (the core builds threads from `parentId` otherwise). */
  threads: boolean;
  /** Reports delivery/read receipts of outbound messages. */
  deliveryReceipts: boolean;
  /**
   * Posts on the brand's own account (a Page post, a status, a channel post): requires
   * `doPublish`. Optional: an adapter that leaves it out cannot publish. @default false
   */
  publish?: boolean;
  /**
   * Can start a conversation the brand initiates (campaigns): requires `doSendMessage`. Optional;
   * absent means `false`.
   */
  outreach?: boolean;
}

/** Something the adapter could not do fully but could drop without failing. */
export interface AdapterWarning {
  type: 'unsupported' | 'ignored' | 'malformed' | 'rate-limit' | 'other';
  message: string;
  /** Extra facts: the field ignored, the event type unknown, the usage percentage ... */
  details?: Record<string, unknown>;
}

/** A structured logger. The default writes nothing below `warn`. */
export interface Logger {
  debug(message: string, details?: Record<string, unknown>): void;
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/**
 * Options of one {@link HttpClient} call. At run time the client is a ky instance, so every ky
 * option works; these are the ones the public types promise. (The declarations name no ky type,
 * so CommonJS consumers of the types never have to load ky's ESM-only declarations.)
 */
export interface HttpRequestOptions {
  /** Request headers; an `undefined` value leaves that header out. */
  headers?: Headers | [string, string][] | Record<string, string | undefined>;
  /** A body sent as JSON, with `content-type: application/json`. */
  json?: unknown;
  /** A raw body (form data, bytes, text); do not combine with `json`. */
  body?: RequestInit['body'];
  /** Query parameters added to the URL. */
  searchParams?: string | URLSearchParams | Record<string, string | number | boolean>;
  /** Gives up on the call (and its retries) when aborted. */
  signal?: AbortSignal;
  /** Tries after the first; `0` for a call that must not be repeated (a one-time token exchange). */
  retry?: number;
}

/**
 * A response promise with body shortcuts: `await http.get(url).json<T>()`. A non-2xx response
 * rejects with ky's `HTTPError` (carrying `response`); pass it to `toChannelApiError`.
 */
export interface HttpResponsePromise extends Promise<Response> {
  /** The body parsed as JSON (not validated: parse it with your zod schema). */
  json<T = unknown>(): Promise<T>;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
  blob(): Promise<Blob>;
}

/** The HTTP client the core gives an adapter: one method per HTTP verb. */
export interface HttpClient {
  get(url: string | URL | Request, options?: HttpRequestOptions): HttpResponsePromise;
  post(url: string | URL | Request, options?: HttpRequestOptions): HttpResponsePromise;
  put(url: string | URL | Request, options?: HttpRequestOptions): HttpResponsePromise;
  patch(url: string | URL | Request, options?: HttpRequestOptions): HttpResponsePromise;
  delete(url: string | URL | Request, options?: HttpRequestOptions): HttpResponsePromise;
  head(url: string | URL | Request, options?: HttpRequestOptions): HttpResponsePromise;
}

/** What the core gives an adapter on every call. */
export interface AdapterContext {
  /** HTTP client for this adapter: timeouts, retries with backoff + jitter, `Retry-After` honoured, rate-limit gate. */
  http: HttpClient;
  logger: Logger;
  /** The clock; use it instead of `Date.now()` so tests can move time. */
  now(): Date;
  generateId(): string;
  /** Aborted when the host shuts down or the caller gives up. */
  signal?: AbortSignal;
  /**
   * `true` only when the core replays a dead-lettered request that this adapter's webhook accepted
   * before it failed. The stored copy keeps no signature (nothing secret is stored), so skip the
   * signature and freshness checks, and nothing else. Live requests never set it.
   */
  verifiedBefore?: boolean;
}

/** Something a network told us, turned canonical. */
export type ChannelEvent =
  /** A new item, or an edit of a known one (`state: 'edited'`). */
  | {
      type: 'interaction';
      interaction: InteractionInput;
      /** The tenant the account that received it belongs to (from the adapter's account resolver); absent means the default tenant. */
      tenant?: string;
      /**
       * The `idempotencyKey` of the `crm.reply` that sent this message, where the network echoes
       * it back (Messenger's echo `metadata`): a send left in doubt is then settled as sent.
       */
      sentWith?: string;
    }
  /** An item was deleted on the network: the core tombstones it and drops its text. */
  | {
      type: 'deletion';
      channel: string;
      nativeId: string;
      deletedAt: string;
      /** The tenant the account that received it belongs to (from the adapter's account resolver); absent means the default tenant. */
      tenant?: string;
    }
  /** Delivery state of an outbound message changed. */
  | {
      type: 'delivery-status';
      channel: string;
      /** The tenant the account that received it belongs to (from the adapter's account resolver); absent means the default tenant. */
      tenant?: string;
      nativeId: string;
      status: DeliveryStatus;
      at: string;
      /** Recipient, where the network names it. */
      recipient?: ChannelIdentity;
      error?: { code?: string | number; message: string };
      /**
       * Network-only facts about the delivery (WhatsApp's conversation and pricing), merged into
       * the message's `channelMetadata[channel]`; stored even when the status itself is not news.
       */
      channelMetadata?: Record<string, JSONValue>;
      /** The `idempotencyKey` of the `crm.reply` that sent the message, where the network echoes it (WhatsApp's `biz_opaque_callback_data`). */
      sentWith?: string;
    }
  /**
   * Every outbound message of a conversation sent at or before `upTo` reached `status`: read
   * receipts that name a time (Messenger's `watermark`) instead of the messages.
   */
  | {
      type: 'delivery-watermark';
      channel: string;
      /** The tenant the account that received it belongs to (from the adapter's account resolver); absent means the default tenant. */
      tenant?: string;
      /** The conversation, as the adapter sets `conversationId` on its interactions (with or without the `<channel>:` prefix). */
      conversationId: string;
      status: 'delivered' | 'read';
      /** ISO-8601: messages created at or before this moment. */
      upTo: string;
      at: string;
    }
  /** The customer opted out of (or back into) messages on this identity. */
  | {
      type: 'consent';
      identity: ChannelIdentity;
      /** The tenant the account that received it belongs to (from the adapter's account resolver); absent means the default tenant. */
      tenant?: string;
      status: 'opted-in' | 'opted-out';
      source: string;
      at: string;
      /** `marketing` when the choice covers promotional messages only. @default 'all' */
      purpose?: 'all' | 'marketing';
      /**
       * What the network attached to the choice, namespaced by adapter id (a token for sending
       * marketing messages later, its topic and expiry): kept on the consent record.
       */
      channelMetadata?: Record<string, JSONObject>;
    };

/** An item of a batch that could not be understood; the core dead-letters it. */
/** The tenant a rejected item belongs to. */
export interface TenantTagged {
  /**
   * The tenant (the host's customer company) the account that received it belongs to, as the
   * adapter's account resolver names it. Absent: the default tenant, or the tenant whose view
   * (`crm.tenant(id)`) processes it.
   */
  tenant?: string;
}

export interface RejectedItem extends TenantTagged {
  /** The native item (or the raw body) as received. */
  payload: unknown;
  error: Error;
}

/** What `doHandleWebhook` returns. */
export interface WebhookResult {
  /** The HTTP response for the network. Omit for a plain `200 OK` acknowledgement. */
  response?: Response;
  events: ChannelEvent[];
  /** Items the adapter could not parse: acknowledged, dead-lettered, announced as warnings. */
  rejected?: RejectedItem[];
  warnings?: AdapterWarning[];
}

/** What `doPoll` returns. */
export interface PollResult {
  events: ChannelEvent[];
  /** Resume point for the next call; persisted by the core only after the events are stored. */
  cursor: string | undefined;
  /** True when more pages are available right now. */
  hasMore: boolean;
  rejected?: RejectedItem[];
  warnings?: AdapterWarning[];
}

/** What `doSendReply` returns. */
export interface SendResult {
  /** The network's id of the sent item. */
  nativeId: string;
  /** When the network accepted it (ISO-8601); defaults to now. */
  createdAt?: string;
  /** The thread it landed in (defaults to the parent's conversation). */
  conversationId?: string;
  url?: string;
  /** Network-only fields to keep under `channelMetadata[adapterId]`. */
  channelMetadata?: Record<string, unknown>;
  warnings?: AdapterWarning[];
}

/** What `doPublish` returns: a {@link SendResult} for the new post. */
export interface PublishResult extends SendResult {
  /** The network's id of the account that posted (a Page id, a user id), when it differs from the request's `account`. */
  account?: string;
}

/** Options for one poll call. */
export interface PollRequest {
  /** The cursor returned by the previous poll, or `undefined` for a first run. */
  cursor: string | undefined;
  /** Upper bound on items per page the core wants. */
  limit?: number;
}

/** What the core asks `doFetchAttachment` for. */
export interface FetchAttachmentRequest {
  /** The stored interaction that carries the attachment. */
  interaction: Interaction;
  /** The attachment, as the adapter stored it (`url`, `data` with the network's media id …). */
  attachment: Attachment;
  /** Refuse anything larger (check the size the network announces before downloading). */
  maxBytes: number;
}

/** The bytes of an attachment, downloaded from the network. */
export interface AttachmentContent {
  body: Uint8Array;
  /** Bytes in `body`. */
  size: number;
  mimeType?: string;
  /** File name, where the network keeps one. */
  name?: string;
  /** Lower-case hex SHA-256 of `body`. */
  sha256: string;
}

/**
 * Rules the adapter knows about when a reply is allowed. The core checks consent itself;
 * adapters throw `ReplyNotAllowedError` from `doSendReply` for platform windows.
 */
export interface ChannelAdapter {
  readonly specificationVersion: 'v1';
  /** Unique id, lower-kebab-case; also the webhook path segment and the `channel` of its interactions. */
  readonly id: string;
  /** Human name, e.g. `WhatsApp Cloud API`. */
  readonly displayName?: string;
  readonly capabilities: ChannelCapabilities;
  /** Largest webhook body accepted. @default 1_048_576 */
  readonly maxBodyBytes?: number;
  /**
   * Reads how much rate-limit budget remains from a response. The core's HTTP client uses it to
   * wait for (or fail fast before) the reset instead of hammering the network.
   */
  rateLimitFromResponse?(response: Response): RateLimitState | undefined;
  /**
   * Decodes the network's JSON error body. The core's HTTP client calls it on a 429 (or a 503 on
   * an idempotent call) whose headers name no reset, and waits `retryAfterMs` before retrying.
   * Pass the same function to `toChannelApiError` so the error you throw carries it too.
   */
  decodeError?(body: unknown): PlatformErrorInfo | undefined;
  /**
   * How long the network itself recognises a repeated idempotency key and answers it with the
   * item it already made, in milliseconds (Mastodon's `Idempotency-Key`: one hour). Within it, a
   * post left in doubt (`unknown`) is sent again with the same key instead of waiting for
   * `crm.settleReply()`. Declare it only when `doPublish` passes the key on. @default 0
   */
  readonly networkIdempotencyMs?: number;
  /** How webhook deliveries are authenticated; see {@link WebhookAuthentication}. */
  readonly webhook?: WebhookDescription;
  doHandleWebhook?(request: Request, context: AdapterContext): Promise<WebhookResult>;
  doPoll?(request: PollRequest, context: AdapterContext): Promise<PollResult>;
  doSendReply?(reply: OutboundReply, context: AdapterContext): Promise<SendResult>;
  /**
   * Publishes a post on the brand's own account. The core records the attempt under
   * `post.idempotencyKey` first and never calls this twice for one key; pass the key on where the
   * network accepts one (Mastodon's `Idempotency-Key`). Throw `ChannelApiError` (through
   * `toChannelApiError`) for a refusal.
   */
  doPublish?(post: OutboundPost, context: AdapterContext): Promise<PublishResult>;
  /**
   * Sends a business-initiated message (see {@link OutboundMessage}), within the platform's rules for
   * them: throws `ReplyNotAllowedError` (or `InvalidOptionsError` for a template missing parameters)
   * before any network call when they forbid it. Requires the `outreach` capability.
   */
  doSendMessage?(message: OutboundMessage, context: AdapterContext): Promise<SendResult>;
  /**
   * Downloads the bytes of an inbound attachment that the network keeps behind an id or an
   * authenticated URL (WhatsApp media, for instance). Optional: the core's `fetchAttachment`
   * fetches a plain public `url` itself when this is missing.
   */
  doFetchAttachment?(request: FetchAttachmentRequest, context: AdapterContext): Promise<AttachmentContent>;
}

/**
 * How a network proves that a webhook delivery comes from it:
 * - `signature`: an HMAC (or similar) over the raw body in a header; a tampered body fails (Meta, X);
 * - `shared-secret`: a secret the brand chose, echoed in a header on every delivery, not bound to
 *   the body (Telegram's `X-Telegram-Bot-Api-Secret-Token`); check it with `verifySharedSecret()`;
 * - `none-polling`: the adapter has no webhook and only polls, so there is nothing to authenticate.
 */
export type WebhookAuthentication = 'signature' | 'shared-secret' | 'none-polling';

/** The authentication modes, for runtime checks. @internal */
export const WEBHOOK_AUTHENTICATIONS = ['signature', 'shared-secret', 'none-polling'] as const satisfies ReadonlyArray<WebhookAuthentication>;

/** What the adapter says about its webhook, beyond the `webhook` capability. */
export interface WebhookDescription {
  /** How deliveries are authenticated. @default 'signature' with the `webhook` capability, else 'none-polling' */
  readonly authentication: WebhookAuthentication;
}

/**
 * The webhook authentication an adapter declares, or the default for its capabilities:
 * `signature` when it receives webhooks, `none-polling` otherwise.
 */
export function webhookAuthentication(adapter: Pick<ChannelAdapter, 'capabilities' | 'webhook'>): WebhookAuthentication {
  return adapter.webhook?.authentication ?? (adapter.capabilities?.webhook ? 'signature' : 'none-polling');
}

/** What an adapter's error decoder read from a network's error body. */
export interface PlatformErrorInfo {
  /** The network's own error code. */
  code?: string | number;
  message?: string;
  /** Override retryability when the network says (e.g. Graph `is_transient`). */
  isRetryable?: boolean;
  /** The network says this is a rate limit, even without a 429 (Graph codes 4, 17, 32, 613). */
  isRateLimit?: boolean;
  /**
   * How long the body says to wait before trying again, in milliseconds (Telegram's
   * `parameters.retry_after` is in seconds: multiply by 1000). Used when no reset header says it.
   */
  retryAfterMs?: number;
}

/** Remaining budget and its reset, read from a network's response headers. */
export interface RateLimitState {
  /** Calls (or percent) left; `0` closes the gate until `resetAt`. */
  remaining: number;
  /** When the budget refills, epoch milliseconds. */
  resetAt?: number;
  /**
   * What the budget covers. Omit for the endpoint of the response (method + host + path, as X
   * counts); `'*'` for every call of the adapter (app-wide quotas such as Meta's).
   */
  scope?: string;
}

/** A factory that makes an adapter from validated options. */
export type ChannelAdapterFactory<Options> = (options: Options) => ChannelAdapter;

/** The capability flags every adapter must declare, for runtime checks. @internal */
export const CAPABILITY_KEYS = [
  'webhook',
  'poll',
  'reply',
  'directMessage',
  'edits',
  'deletes',
  'reactions',
  'threads',
  'deliveryReceipts',
] as const satisfies ReadonlyArray<keyof ChannelCapabilities>;

/** Capability flags an adapter may leave out (they then count as `false`). @internal */
export const OPTIONAL_CAPABILITY_KEYS = ['publish', 'outreach'] as const satisfies ReadonlyArray<keyof ChannelCapabilities>;

/**
 * Lists the ways an adapter's declared capabilities and methods disagree; empty when they agree.
 * @internal Used at registration and by the conformance kit.
 */
export function capabilityMismatches(adapter: ChannelAdapter): string[] {
  const problems: string[] = [];
  const capabilities = adapter.capabilities ?? ({} as ChannelCapabilities);
  for (const key of CAPABILITY_KEYS) {
    if (typeof capabilities[key] !== 'boolean') problems.push(`capabilities.${key} must be a boolean`);
  }
  for (const key of OPTIONAL_CAPABILITY_KEYS) {
    if (capabilities[key] !== undefined && typeof capabilities[key] !== 'boolean') problems.push(`capabilities.${key} must be a boolean when present`);
  }
  const pairs: Array<[boolean, string, boolean]> = [
    [capabilities.webhook, 'doHandleWebhook', typeof adapter.doHandleWebhook === 'function'],
    [capabilities.poll, 'doPoll', typeof adapter.doPoll === 'function'],
    [capabilities.reply || capabilities.directMessage, 'doSendReply', typeof adapter.doSendReply === 'function'],
    [capabilities.outreach === true, 'doSendMessage', typeof adapter.doSendMessage === 'function'],
    [capabilities.publish === true, 'doPublish', typeof adapter.doPublish === 'function'],
  ];
  for (const [declared, method, present] of pairs) {
    if (declared && !present) problems.push(`declares the capability but has no ${method}()`);
    if (!declared && present) problems.push(`has ${method}() but does not declare its capability`);
  }
  const authentication = adapter.webhook?.authentication;
  if (authentication !== undefined) {
    if (!(WEBHOOK_AUTHENTICATIONS as readonly string[]).includes(authentication)) {
      problems.push(`webhook.authentication must be one of ${WEBHOOK_AUTHENTICATIONS.join(', ')}`);
    } else if (authentication === 'none-polling' && capabilities.webhook) {
      problems.push("webhook.authentication is 'none-polling' but the adapter declares the webhook capability");
    } else if (authentication !== 'none-polling' && !capabilities.webhook) {
      problems.push(`webhook.authentication is '${authentication}' but the adapter does not declare the webhook capability`);
    }
  }
  if (!/^[a-z0-9][a-z0-9-]*$/.test(adapter.id ?? '')) problems.push('id must be lower-kebab-case');
  return problems;
}
