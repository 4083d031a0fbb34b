import * as z from 'zod';
import { validateInteraction, type InteractionInput } from 'social-crm';
import {
  assertContentType,
  assertFreshTimestamp,
  decodeUtf8,
  parseAdapterOptions,
  parseJson,
  readNetworkTime,
  readRawBody,
  verifyHmacSignature,
  type AdapterWarning,
  type ChannelAdapter,
  type ChannelEvent,
  type RejectedItem,
} from 'social-crm/adapter-kit';

const ADAPTER_ID = 'canonical';

/** Options of {@link canonicalWebhookAdapter}. */
export interface CanonicalWebhookAdapterOptions {
  /** Shared secret for the HMAC-SHA256 signature. */
  secret: string;
  /** Adapter id (and webhook path segment); use one per source system. @default 'canonical' */
  id?: string;
  /** Largest accepted timestamp skew, in seconds. @default 300 */
  toleranceSeconds?: number;
}

const optionsSchema = z.object({
  secret: z.string().min(16, 'Use a secret of at least 16 characters.'),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'Use lower-kebab-case.').default(ADAPTER_ID),
  toleranceSeconds: z.number().int().positive().default(300),
});

/** Header carrying `hex(HMAC-SHA256(secret, timestamp + "." + body))`. */
export const CANONICAL_SIGNATURE_HEADER = 'x-social-crm-signature';
/** Header carrying the signing time, epoch seconds. */
export const CANONICAL_TIMESTAMP_HEADER = 'x-social-crm-timestamp';

const deliverySchema = z.object({
  events: z.array(z.unknown()).min(1),
});

const deletionSchema = z.object({ type: z.literal('deletion'), nativeId: z.string().min(1), deletedAt: z.string() });

/**
 * Receives interactions that are already in the canonical shape, from your own systems (web
 * forms, in-house apps, an integration platform): `POST { events: [InteractionInput | { type: 'deletion', nativeId, deletedAt }] }`
 * signed with HMAC-SHA256 over `timestamp.body`. Every item's `channel` is forced to this adapter's id.
 *
 * @example
 * const adapter = canonicalWebhookAdapter({ secret: process.env.FORMS_SECRET!, id: 'web-form' });
 */
export function canonicalWebhookAdapter(options: CanonicalWebhookAdapterOptions): ChannelAdapter {
  const settings = parseAdapterOptions(ADAPTER_ID, optionsSchema, options);
  const id = settings.id;
  return {
    specificationVersion: 'v1',
    id,
    displayName: 'Canonical JSON webhook',
    capabilities: {
      webhook: true,
      poll: false,
      reply: false,
      directMessage: false,
      edits: true,
      deletes: true,
      reactions: true,
      threads: true,
      deliveryReceipts: false,
    },
    async doHandleWebhook(request, context) {
      assertContentType(request, ['application/json']);
      const body = decodeUtf8(await readRawBody(request));
      const timestamp = request.headers.get(CANONICAL_TIMESTAMP_HEADER) ?? '';
      if (!context.verifiedBefore) {
        await verifyHmacSignature({
          algorithm: 'SHA-256',
          secret: settings.secret,
          payload: `${timestamp}.${body}`,
          signature: request.headers.get(CANONICAL_SIGNATURE_HEADER),
          headerName: CANONICAL_SIGNATURE_HEADER,
        });
        assertFreshTimestamp(Number(timestamp), context.now(), settings.toleranceSeconds);
      }
      const delivery = deliverySchema.safeParse(parseJson(body));
      if (!delivery.success) {
        return { events: [], rejected: [{ payload: body, error: new Error('The body has no `events` array.') }] };
      }
      const events: ChannelEvent[] = [];
      const rejected: RejectedItem[] = [];
      const warnings: AdapterWarning[] = [];
      const now = context.now();
      for (const item of delivery.data.events) {
        // An interaction has no `type`; a deletion is read only when the item says it is one.
        const type = (item as { type?: unknown } | null)?.type;
        if (type === 'deletion') {
          const deletion = deletionSchema.safeParse(item);
          if (deletion.success) {
            events.push({ type: 'deletion', channel: id, nativeId: deletion.data.nativeId, deletedAt: deletion.data.deletedAt });
            continue;
          }
        } else if (typeof type === 'string') {
          // An event kind this adapter does not read (from a newer sender, say): skipped, not
          // dead-lettered, since replaying it could never succeed.
          warnings.push({ type: 'ignored', message: `Canonical event type \`${type.slice(0, 64)}\` is not one this adapter reads; it was skipped.`, details: { type: type.slice(0, 64) } });
          continue;
        }
        const candidate = { ...(item as object), channel: id, raw: item } as InteractionInput;
        const author = (candidate as { author?: { channel?: string } }).author;
        if (author && typeof author === 'object') (candidate.author as { channel: string }).channel = id;
        // Validated once here: the core takes the checked object as it is.
        const parsed = validateInteraction(candidate);
        const time = parsed.success ? readNetworkTime(candidate.createdAt, now) : undefined;
        if (time && !time.ok) rejected.push({ payload: item, error: new Error(`createdAt: ${time.message}; a live delivery cannot be dated so (import history with crm.ingest).`) });
        else if (parsed.success) events.push({ type: 'interaction', interaction: parsed.data });
        else rejected.push({ payload: item, error: new Error(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')) });
      }
      return { events, rejected, warnings };
    },
  };
}
