import * as z from 'zod';
import { WebhookVerificationError, isSocialCrmError } from 'social-crm';
import {
  assertContentType,
  decodeUtf8,
  parseJson,
  readRawBody,
  timingSafeEqual,
  verifyHmacSignature,
  type AdapterWarning,
  type RejectedItem,
} from 'social-crm/adapter-kit';

/** The header Meta signs every notification with: `sha256=<hex HMAC-SHA256(app secret, raw body)>`. */
export const META_SIGNATURE_HEADER = 'x-hub-signature-256';

/** The `object` of a notification, per product. */
export type MetaWebhookObject = 'page' | 'instagram' | 'whatsapp_business_account';

/** One `changes[]` item: which field changed and, with "Include values" on, its value. */
export const metaChangeSchema = z.looseObject({
  field: z.string(),
  value: z.unknown().optional(),
});
export type MetaChange = z.output<typeof metaChangeSchema>;

/**
 * One `entry[]` item. Feed, Instagram comments and WhatsApp use `changes[]`; Messenger and
 * Instagram messaging use `messaging[]` (sometimes `standby[]` under handover). Unknown fields are kept.
 */
export const metaEntrySchema = z.looseObject({
  /** The Page, Instagram account or WhatsApp Business Account id. */
  id: z.string(),
  /** When Meta sent the notification (epoch seconds or milliseconds), not when the change happened. */
  time: z.number().optional(),
  changes: z.array(metaChangeSchema).optional(),
  messaging: z.array(z.unknown()).optional(),
  standby: z.array(z.unknown()).optional(),
});
export type MetaEntry = z.output<typeof metaEntrySchema>;

/** The envelope of every Meta notification; `entry` may batch several objects of the same type. */
export const metaEnvelopeSchema = z.looseObject({
  object: z.string(),
  entry: z.array(z.unknown()),
});
export type MetaEnvelope = z.output<typeof metaEnvelopeSchema>;

/** What {@link readMetaNotification} needs from the adapter's settings. */
export interface MetaNotificationOptions {
  /** Adapter id, for messages. */
  adapterId: string;
  appSecret: string;
  /** @default true */
  verifySignature?: boolean;
  /** Largest body read. @default 1 MiB (WhatsApp allows up to 3 MB) */
  maxBodyBytes?: number;
}

/** A verified notification, split into entries the adapter can use and items it must dead-letter. */
export interface MetaNotification {
  /** The envelope's `object`, or `undefined` when the body was not an envelope. */
  object: string | undefined;
  /** Entries that match the entry schema, for the expected `object` only. */
  entries: MetaEntry[];
  /** The whole body (malformed) or single entries that could not be read: the core dead-letters them. */
  rejected: RejectedItem[];
  /** Notes for the host: another `object`, a body that was not JSON ... */
  warnings: AdapterWarning[];
}

/**
 * Answers Meta's verification handshake (`GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`)
 * with the challenge as `text/plain`. Returns `undefined` when the request is not a handshake.
 * @throws WebhookVerificationError `invalid-token` when the token is wrong (the core answers 403).
 */
export function answerVerificationHandshake(request: Request, verifyToken: string): Response | undefined {
  if (request.method !== 'GET') return undefined;
  const searchParams = new URL(request.url).searchParams;
  const mode = searchParams.get('hub.mode');
  const challenge = searchParams.get('hub.challenge');
  if (mode === null && challenge === null && !searchParams.has('hub.verify_token')) return undefined;
  // Compared like a signature: the token is a shared secret.
  if (mode !== 'subscribe' || challenge === null || !timingSafeEqual(searchParams.get('hub.verify_token') ?? '', verifyToken)) {
    throw new WebhookVerificationError(
      'invalid-token',
      'The verification handshake was refused: `hub.mode` must be `subscribe` and `hub.verify_token` must equal the configured `verifyToken`.',
    );
  }
  return new Response(challenge, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

/**
 * Checks `X-Hub-Signature-256: sha256=<hex>` over the exact bytes received, in constant time.
 * @throws WebhookVerificationError `missing-signature` or `invalid-signature` (the core answers 401).
 */
export async function verifyMetaSignature(rawBody: Uint8Array | string, header: string | null | undefined, appSecret: string): Promise<void> {
  await verifyHmacSignature({
    algorithm: 'SHA-256',
    secret: appSecret,
    payload: rawBody,
    signature: header,
    encoding: 'hex',
    prefix: 'sha256=',
    headerName: 'X-Hub-Signature-256 header',
  });
}

/**
 * Reads a Meta notification POST: the raw body once, the signature over it, then the envelope.
 * Anything after a valid signature comes from Meta, so it is never refused (Meta would redeliver
 * it for days): a body that is not JSON or not an envelope is returned in `rejected` for the dead
 * letters, and a notification for another `object` is acknowledged with a warning.
 * @throws WebhookVerificationError for a missing or wrong signature; PayloadTooLargeError past the size limit.
 */
export async function readMetaNotification(request: Request, options: MetaNotificationOptions, expectedObject: MetaWebhookObject): Promise<MetaNotification> {
  const body = await readRawBody(request, options.maxBodyBytes);
  if (options.verifySignature ?? true) await verifyMetaSignature(body, request.headers.get(META_SIGNATURE_HEADER), options.appSecret);
  const notification: MetaNotification = { object: undefined, entries: [], rejected: [], warnings: [] };
  let payload: unknown;
  try {
    assertContentType(request, ['application/json']);
    payload = parseJson(decodeUtf8(body));
  } catch (error) {
    if (!isSocialCrmError(error)) throw error;
    notification.rejected.push({ payload: new TextDecoder().decode(body), error: new Error(`[${options.adapterId}] ${error.message.replace(/^\[social-crm\] /, '')}`, { cause: error }) });
    return notification;
  }
  const envelope = metaEnvelopeSchema.safeParse(payload);
  if (!envelope.success) {
    notification.rejected.push({ payload, error: new Error(`[${options.adapterId}] The body is not a Meta notification (\`object\` and \`entry[]\` expected): ${describeIssues(envelope.error)}`) });
    return notification;
  }
  notification.object = envelope.data.object;
  if (envelope.data.object !== expectedObject) {
    notification.warnings.push({
      type: 'ignored',
      message: `A notification for \`${envelope.data.object}\` reached the ${options.adapterId} webhook, which handles \`${expectedObject}\`; it was acknowledged and ignored. Check the app's webhook subscriptions.`,
      details: { object: envelope.data.object, entries: envelope.data.entry.length },
    });
    return notification;
  }
  for (const candidate of envelope.data.entry) {
    const entry = metaEntrySchema.safeParse(candidate);
    if (entry.success) notification.entries.push(entry.data);
    else notification.rejected.push({ payload: candidate, error: new Error(`[${options.adapterId}] An \`entry\` could not be read: ${describeIssues(entry.error)}`) });
  }
  return notification;
}

/** `path: message; path: message` for a zod error. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`).join('; ');
}
