/**
 * A complete third-party channel adapter for a source social-crm does not ship: a public
 * complaint site (or forum) that pushes signed JSON webhooks and takes replies through its REST API.
 *
 * It is written only against the public entry `social-crm/adapter-kit`, so it
 * can live in its own package. The site's protocol, as its (imaginary) docs describe it:
 *
 * - `POST <your webhook>` with `content-type: application/json`, headers
 *   `x-complaints-timestamp: <epoch seconds>` and
 *   `x-complaints-signature: <hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`;
 * - body `{ "delivery_id": "...", "events": [{ "type", "occurred_at", "data" }] }` where `type` is
 *   `complaint.created | complaint.updated | complaint.deleted | reply.created | reply.updated | reply.deleted`;
 * - replies: `POST /v1/complaints/:complaint_id/replies` `{ "body", "parent_id"? }` with
 *   `Authorization: Bearer <api token>` and `Idempotency-Key`, answering `{ "id", "created_at", "url" }`;
 * - errors: `{ "error": { "code", "message", "retryable"? } }`; budget in `ratelimit-remaining` /
 *   `ratelimit-reset` (seconds until the reset).
 */
import * as z from 'zod';
import {
  assertContentType,
  assertFreshTimestamp,
  decodeUtf8,
  parseAdapterOptions,
  parseJson,
  readRawBody,
  toChannelApiError,
  verifyHmacSignature,
  type AdapterContext,
  type AdapterWarning,
  type ChannelAdapter,
  type ChannelEvent,
  type InteractionInput,
  type OutboundReply,
  type PlatformErrorInfo,
  type RateLimitState,
  type RejectedItem,
  type SendResult,
  type WebhookResult,
} from 'social-crm/adapter-kit';

const ADAPTER_ID = 'complaint-site';

/** Header with `hex(HMAC-SHA256(secret, timestamp + "." + raw body))`. */
export const COMPLAINT_SIGNATURE_HEADER = 'x-complaints-signature';
/** Header with the signing time in epoch seconds. */
export const COMPLAINT_TIMESTAMP_HEADER = 'x-complaints-timestamp';

/** Options of {@link complaintSiteAdapter}. */
export interface ComplaintSiteAdapterOptions {
  /** Webhook signing secret from the site's brand dashboard. */
  secret: string;
  /** API token of the brand account, for replies. */
  apiToken: string;
  /** @default 'https://api.complaints.example' */
  apiBaseUrl?: string;
  /** Adapter id (webhook path segment and `channel`). @default 'complaint-site' */
  id?: string;
  /** Largest accepted distance between the signed timestamp and now, in seconds. @default 300 */
  toleranceSeconds?: number;
}

const optionsSchema = z.object({
  secret: z.string().min(16, 'Use the signing secret from the brand dashboard (at least 16 characters).'),
  apiToken: z.string().min(1, 'Pass the brand account API token; it is needed to reply.'),
  apiBaseUrl: z
    .string()
    .url()
    .default('https://api.complaints.example')
    .transform((url) => url.replace(/\/+$/, '')),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'Use lower-kebab-case.').default(ADAPTER_ID),
  toleranceSeconds: z.number().int().positive().max(3600).default(300),
});

/**
 * Receives complaints and replies from the complaint site and answers them on the site.
 *
 * @example
 * const crm = createSocialCrm({
 *   ledger,
 *   adapters: [complaintSiteAdapter({ secret: secrets.COMPLAINTS_SECRET, apiToken: secrets.COMPLAINTS_TOKEN })],
 * });
 * // POST https://your.app/webhooks/complaint-site → crm.handleWebhook(request)
 */
export function complaintSiteAdapter(options: ComplaintSiteAdapterOptions): ChannelAdapter {
  // Validates once, returns a copy, throws InvalidOptionsError naming each bad option.
  const settings = parseAdapterOptions(options?.id ?? ADAPTER_ID, optionsSchema, options);
  const id = settings.id;

  async function doHandleWebhook(request: Request, context: AdapterContext): Promise<WebhookResult> {
    assertContentType(request, ['application/json']);
    // Signatures are over the exact bytes received: never re-serialise the JSON.
    const body = await readRawBody(request);
    const timestamp = request.headers.get(COMPLAINT_TIMESTAMP_HEADER) ?? '';
    await verifyHmacSignature({
      algorithm: 'SHA-256',
      secret: settings.secret,
      payload: `${timestamp}.${decodeUtf8(body)}`,
      signature: request.headers.get(COMPLAINT_SIGNATURE_HEADER),
      encoding: 'hex',
      headerName: COMPLAINT_SIGNATURE_HEADER,
    });
    // Checked after the signature, so an attacker cannot probe the window with unsigned requests.
    assertFreshTimestamp(Number(timestamp), context.now(), settings.toleranceSeconds);

    const delivery = deliverySchema.safeParse(parseJson(decodeUtf8(body)));
    if (!delivery.success) {
      return { events: [], rejected: [{ payload: decodeUtf8(body), error: new Error('The body has no `events` array.') }] };
    }
    const events: ChannelEvent[] = [];
    const rejected: RejectedItem[] = [];
    const warnings: AdapterWarning[] = [];
    for (const item of delivery.data.events) {
      const event = siteEventSchema.safeParse(item);
      if (!event.success) {
        const type = (item as { type?: unknown })?.type;
        if (typeof type === 'string' && !KNOWN_TYPES.has(type)) {
          // A new event type on the site's side: acknowledge it, do not dead-letter it.
          warnings.push({ type: 'unsupported', message: `Event type \`${type}\` is not handled; it was acknowledged and ignored.`, details: { type } });
        } else {
          rejected.push({ payload: item, error: new Error(event.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')) });
        }
        continue;
      }
      events.push(toChannelEvent(event.data, id, context.now()));
    }
    return { events, rejected, warnings };
  }

  async function doSendReply(reply: OutboundReply, context: AdapterContext): Promise<SendResult> {
    const target = reply.inReplyTo;
    // A reply to a reply stays in the complaint's thread; the site nests it under `parent_id`.
    const complaintId = target.conversationId.slice(`${id}:`.length);
    const url = `${settings.apiBaseUrl}/v1/complaints/${encodeURIComponent(complaintId)}/replies`;
    let answer: unknown;
    try {
      answer = await context.http
        .post(url, {
          headers: { authorization: `Bearer ${settings.apiToken}`, 'idempotency-key': reply.idempotencyKey },
          json: { body: reply.text, ...(target.nativeId !== complaintId ? { parent_id: target.nativeId } : {}) },
          ...(context.signal ? { signal: context.signal } : {}),
        })
        .json();
    } catch (error) {
      throw await toChannelApiError(id, error, readSiteError);
    }
    const created = createdReplySchema.parse(answer);
    return {
      nativeId: created.id,
      createdAt: created.created_at,
      url: created.url,
      ...(reply.attachments.length ? { warnings: [{ type: 'unsupported', message: 'The site accepts text replies only; attachments were not sent.' }] } : {}),
    };
  }

  return {
    specificationVersion: 'v1',
    id,
    displayName: 'Complaint site',
    capabilities: {
      webhook: true,
      poll: false,
      reply: true,
      directMessage: false,
      edits: true,
      deletes: true,
      reactions: false,
      threads: true,
      deliveryReceipts: false,
    },
    rateLimitFromResponse: readSiteRateLimit,
    doHandleWebhook,
    doSendReply,
  };
}

/**
 * `ratelimit-remaining` calls left; `ratelimit-reset` seconds until the budget refills. The
 * result is read right after the response arrives, so `Date.now()` is the response's time.
 */
function readSiteRateLimit(response: Response): RateLimitState | undefined {
  const remaining = Number(response.headers.get('ratelimit-remaining') ?? Number.NaN);
  const resetSeconds = Number(response.headers.get('ratelimit-reset') ?? Number.NaN);
  if (!Number.isFinite(remaining)) return undefined;
  return { remaining, ...(Number.isFinite(resetSeconds) ? { resetAt: Date.now() + resetSeconds * 1000 } : {}) };
}

/** Decodes `{ error: { code, message, retryable } }` for `toChannelApiError`. */
function readSiteError(body: unknown): PlatformErrorInfo | undefined {
  const parsed = siteErrorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { code, message, retryable } = parsed.data.error;
  return { code, message, ...(retryable !== undefined ? { isRetryable: retryable } : {}) };
}

function toChannelEvent(event: SiteEvent, channel: string, now: Date): ChannelEvent {
  const data = event.data;
  if (!('author' in data)) {
    // `complaint.deleted` / `reply.deleted`: the core tombstones the item and drops its text.
    return { type: 'deletion', channel, nativeId: data.id, deletedAt: event.occurred_at ?? now.toISOString() };
  }
  const edited = event.type.endsWith('.updated');
  const isReply = event.type.startsWith('reply.');
  const author = data.author;
  const interaction: InteractionInput = {
    channel,
    nativeId: data.id,
    kind: isReply ? 'comment' : 'post',
    visibility: 'public',
    author: {
      channel,
      nativeId: author.id,
      handle: author.username,
      ...(author.display_name ? { displayName: author.display_name } : {}),
      ...(author.avatar_url ? { avatarUrl: author.avatar_url } : {}),
      profileUrl: `https://complaints.example/u/${encodeURIComponent(author.username)}`,
      ...(author.is_brand ? { isBrand: true } : {}),
    },
    conversationId: 'complaint_id' in data ? data.complaint_id : data.id,
    ...('complaint_id' in data ? { parentId: data.parent_id ?? data.complaint_id } : {}),
    // The title is part of what the customer said; keep it in the text the classifier reads.
    text: 'title' in data ? `${data.title}\n\n${data.body}` : data.body,
    ...(data.language ? { language: data.language } : {}),
    createdAt: data.created_at,
    ...(edited ? { state: 'edited' as const, editedAt: data.updated_at ?? event.occurred_at ?? now.toISOString() } : {}),
    ...(data.url ? { url: data.url } : {}),
    channelMetadata: {
      [channel]: {
        eventType: event.type,
        ...('category' in data && data.category ? { category: data.category } : {}),
        ...(author.city ? { authorCity: author.city } : {}),
      },
    },
    raw: event,
  };
  return { type: 'interaction', interaction };
}

// Minimal schemas: only the fields this adapter reads. Unknown fields are ignored.

const authorSchema = z.object({
  id: z.string().min(1),
  username: z.string().min(1),
  display_name: z.string().optional(),
  avatar_url: z.string().optional(),
  city: z.string().optional(),
  is_brand: z.boolean().optional(),
});

const complaintSchema = z.object({
  id: z.string().min(1),
  title: z.string(),
  body: z.string(),
  category: z.string().optional(),
  url: z.string().optional(),
  language: z.string().optional(),
  author: authorSchema,
  created_at: z.string(),
  updated_at: z.string().optional(),
});

const replySchema = z.object({
  id: z.string().min(1),
  complaint_id: z.string().min(1),
  parent_id: z.string().optional(),
  body: z.string(),
  url: z.string().optional(),
  language: z.string().optional(),
  author: authorSchema,
  created_at: z.string(),
  updated_at: z.string().optional(),
});

const deletedSchema = z.object({ id: z.string().min(1) });

const siteEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.enum(['complaint.created', 'complaint.updated']), occurred_at: z.string().optional(), data: complaintSchema }),
  z.object({ type: z.enum(['reply.created', 'reply.updated']), occurred_at: z.string().optional(), data: replySchema }),
  z.object({ type: z.enum(['complaint.deleted', 'reply.deleted']), occurred_at: z.string(), data: deletedSchema }),
]);
type SiteEvent = z.output<typeof siteEventSchema>;

const KNOWN_TYPES = new Set(['complaint.created', 'complaint.updated', 'complaint.deleted', 'reply.created', 'reply.updated', 'reply.deleted']);

const deliverySchema = z.object({ delivery_id: z.string().optional(), events: z.array(z.unknown()) });

const createdReplySchema = z.object({ id: z.string(), created_at: z.string(), url: z.string().optional() });

const siteErrorSchema = z.object({
  error: z.object({ code: z.union([z.string(), z.number()]).optional(), message: z.string().optional(), retryable: z.boolean().optional() }),
});
