import * as z from 'zod';
import {
  assertContentType,
  assertFreshTimestamp,
  InvalidPayloadError,
  parseAdapterOptions,
  readRawBody,
  sha256Hex,
  verifyHmacSignature,
  WebhookVerificationError,
  type AdapterContext,
  type AdapterWarning,
  type ChannelAdapter,
  type WebhookResult,
} from 'social-crm/adapter-kit';
import { parseMailbox } from './addresses.js';
import { fetchEmailAttachment } from './fetch-attachment.js';
import { readMailgunForm } from './mailgun-form.js';
import { normalizeEmail } from './normalize.js';
import { listUnsubscribeSchema, sendMailgunMessage, type ListUnsubscribeOptions } from './send-message.js';
import { sendMailgunReply } from './send-reply.js';

const ADAPTER_ID = 'email';

/** Options of {@link emailAdapter}. Keys are taken only from here; the adapter never reads the environment. */
export interface EmailAdapterOptions {
  /**
   * Mailgun's **HTTP webhook signing key** (Sending → Webhooks → HTTP webhook signing key; not the
   * API key). Every inbound POST is checked with it: `signature` must be the hex HMAC-SHA256 of
   * `timestamp` + `token`.
   */
  signingKey: string;
  /** A Mailgun API key with sending rights on `domain`. Without it (or `domain`, `from`) the adapter cannot reply. */
  apiKey?: string;
  /** The Mailgun sending domain, e.g. `mg.acme.example`. */
  domain?: string;
  /** The `From` of replies, e.g. `Acme Support <support@mg.acme.example>`. Its address counts as the brand's. */
  from?: string;
  /**
   * Other addresses of the brand (lower or upper case): mail from them is stored as `outbound`,
   * e.g. when an agent answers from their own mailbox with the support address in copy.
   * @default []
   */
  brandAddresses?: string[];
  /**
   * The `List-Unsubscribe` of marketing e-mail (campaigns, `crm.sendMessage`): a `mailto:` address,
   * an HTTPS URL (or a function building one per recipient), or both. Bulk-sender rules (Gmail,
   * Yahoo) require it; without it the adapter refuses marketing e-mail with `INVALID_OPTIONS`.
   * A URL also gets `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
   */
  listUnsubscribe?: ListUnsubscribeOptions;
  /** `https://api.eu.mailgun.net` for domains in Mailgun's EU region. @default 'https://api.mailgun.net' */
  apiBaseUrl?: string;
  /** Adapter id (webhook path segment and `channel`). @default 'email' */
  id?: string;
  /**
   * Oldest signed `timestamp` accepted, in seconds. Mailgun retries a failed POST for 8 hours and
   * does not document whether a retry is signed afresh, so the default lets retries through; the
   * token cache still refuses a token that comes back with a different body.
   * @default 32_400 (9 hours)
   */
  timestampToleranceSeconds?: number;
  /**
   * Files posted with a message are kept with it (base64 in the attachment's `data`) up to this
   * size each; larger ones keep their name, type, size and SHA-256 only, with a warning. Use a
   * route with `store(notify=…)` to keep large files at Mailgun instead.
   * @default 262_144 (256 KiB)
   */
  maxInlineAttachmentBytes?: number;
  /** Largest inbound POST accepted (Mailgun accepts messages up to 25 MB). @default 31_457_280 (30 MiB) */
  maxBodyBytes?: number;
}

const optionsSchema = z
  .object({
    signingKey: z.string().min(1, 'Pass the HTTP webhook signing key from the Mailgun dashboard.'),
    apiKey: z.string().min(1).optional(),
    domain: z
      .string()
      .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'Use the sending domain, e.g. `mg.acme.example`.')
      .optional(),
    from: z
      .string()
      .refine((value) => parseMailbox(value) !== undefined, 'Use an address, e.g. `Acme Support <support@mg.acme.example>`.')
      .optional(),
    brandAddresses: z.array(z.string().email()).default([]),
    listUnsubscribe: listUnsubscribeSchema.optional(),
    apiBaseUrl: z
      .string()
      .url()
      .default('https://api.mailgun.net')
      .transform((url) => url.replace(/\/+$/, '')),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'Use lower-kebab-case.').default(ADAPTER_ID),
    timestampToleranceSeconds: z.number().int().positive().default(32_400),
    maxInlineAttachmentBytes: z.number().int().nonnegative().default(262_144),
    maxBodyBytes: z.number().int().positive().default(31_457_280),
  })
  .superRefine((value, context) => {
    const sending = [value.apiKey, value.domain, value.from].filter((item) => item !== undefined).length;
    if (sending > 0 && sending < 3) {
      context.addIssue({ code: 'custom', path: [value.apiKey ? (value.domain ? 'from' : 'domain') : 'apiKey'], message: 'Replies need `apiKey`, `domain` and `from` together.' });
    }
  });

type Settings = z.output<typeof optionsSchema>;

/** How messages name where Mailgun puts its signature: in the form, not a header. */
const SIGNATURE_FIELD = 'Mailgun `signature` field';

/**
 * Remembers which body came with each signed token. Mailgun's signature covers `timestamp` and
 * `token` but not the message, so a token seen again with a different body is a forgery built
 * from a captured request; the same body again is a redelivery and goes on to deduplication.
 */
function createTokenCache(maxEntries = 50_000) {
  const seen = new Map<string, { digest: string; at: number }>();
  return {
    check(token: string, digest: string, now: number, ttlMs: number): void {
      const previous = seen.get(token);
      if (previous && now - previous.at < ttlMs && previous.digest !== digest) {
        throw new WebhookVerificationError('replayed', 'This Mailgun token was already used with a different message; the request was not stored.');
      }
      if (!previous) {
        seen.set(token, { digest, at: now });
        if (seen.size > maxEntries) seen.delete(seen.keys().next().value as string);
      }
    },
  };
}

/**
 * Inbound e-mail through Mailgun Routes, with replies through Mailgun's Messages API.
 *
 * A route whose action is `forward("https://crm.example.com/webhooks/email")` (or
 * `store(notify="…")`) posts each message here. The adapter checks Mailgun's signature, threads
 * the message by `References` / `In-Reply-To`, makes the sender's address the customer's e-mail
 * identity, strips the quoted history and the signature (English and Turkish clients), and keeps
 * the attachments. Replies go out threaded (`In-Reply-To`, `References`, `Re:` subject).
 * Marketing e-mail (campaigns) needs a subject per message and `listUnsubscribe`.
 *
 * @example
 * const email = emailAdapter({
 *   signingKey: secrets.MAILGUN_WEBHOOK_SIGNING_KEY,
 *   apiKey: secrets.MAILGUN_API_KEY,
 *   domain: 'mg.acme.example',
 *   from: 'Acme Support <support@mg.acme.example>',
 * });
 * const crm = createSocialCrm({ ledger, adapters: [email] });
 */
export function emailAdapter(options: EmailAdapterOptions): ChannelAdapter {
  const settings: Settings = parseAdapterOptions(options?.id ?? ADAPTER_ID, optionsSchema, options);
  const id = settings.id;
  const canSend = settings.apiKey !== undefined && settings.domain !== undefined && settings.from !== undefined;
  const brandAddresses = new Set(settings.brandAddresses.map((address) => address.toLowerCase()));
  const fromAddress = settings.from ? parseMailbox(settings.from)?.address : undefined;
  if (fromAddress) brandAddresses.add(fromAddress);
  const tokens = createTokenCache();
  const sending = canSend ? { adapterId: id, apiKey: settings.apiKey!, domain: settings.domain!, from: settings.from!, apiBaseUrl: settings.apiBaseUrl } : undefined;

  async function doHandleWebhook(request: Request, context: AdapterContext): Promise<WebhookResult> {
    if (request.method !== 'POST') throw new InvalidPayloadError(`[${id}] Mailgun posts inbound mail; ${request.method} is not accepted.`, { status: 405 });
    assertContentType(request, ['application/x-www-form-urlencoded', 'multipart/form-data']);
    const body = await readRawBody(request, settings.maxBodyBytes);
    const { fields, files } = await readMailgunForm(body, request.headers.get('content-type') ?? '', settings.maxInlineAttachmentBytes);
    const timestamp = fields.get('timestamp');
    const token = fields.get('token');
    const signature = fields.get('signature');
    if (!timestamp || !token || !signature) {
      throw new WebhookVerificationError('missing-signature', `[${id}] The POST lacks Mailgun's \`timestamp\`, \`token\` and \`signature\` fields; it was not stored.`);
    }
    await verifyHmacSignature({ algorithm: 'SHA-256', secret: settings.signingKey, payload: `${timestamp}${token}`, signature, encoding: 'hex', headerName: SIGNATURE_FIELD });
    const now = context.now();
    assertFreshTimestamp(Number(timestamp), now, settings.timestampToleranceSeconds);
    tokens.check(token, await sha256Hex(body), now.getTime(), settings.timestampToleranceSeconds * 1000);
    let normalized: Awaited<ReturnType<typeof normalizeEmail>>;
    try {
      normalized = await normalizeEmail(fields, files, { channel: id, brandAddresses }, now);
    } catch (error) {
      return { events: [], rejected: [{ payload: Object.fromEntries(fields), error: error as Error }] };
    }
    const warnings: AdapterWarning[] = [];
    if (normalized.droppedFiles.length) {
      warnings.push({
        type: 'ignored',
        message: `Attachment bytes over ${settings.maxInlineAttachmentBytes} bytes were not kept (name, type, size and SHA-256 were); raise \`maxInlineAttachmentBytes\` or route with store(notify=…).`,
        details: { files: normalized.droppedFiles.map((file) => ({ name: file.name, size: file.size })) },
      });
    }
    if (normalized.attachmentsProblem) {
      warnings.push({ type: 'malformed', message: `The stored message's \`attachments\` list could not be read: ${normalized.attachmentsProblem}`, details: { messageId: normalized.interaction.nativeId } });
    }
    return { events: [{ type: 'interaction', interaction: normalized.interaction }], ...(warnings.length ? { warnings } : {}) };
  }

  return {
    specificationVersion: 'v1',
    id,
    displayName: 'E-mail (Mailgun)',
    capabilities: {
      webhook: true,
      poll: false,
      reply: false,
      directMessage: canSend,
      edits: false,
      deletes: false,
      reactions: false,
      threads: true,
      deliveryReceipts: false,
      outreach: canSend,
    },
    // Mailgun signs `timestamp` + `token` in the form rather than the body in a header; the token
    // cache binds each token to its body (see createTokenCache).
    webhook: { authentication: 'signature' },
    maxBodyBytes: settings.maxBodyBytes,
    doHandleWebhook,
    doFetchAttachment: (request, context) => fetchEmailAttachment(request, context, { adapterId: id, ...(settings.apiKey ? { apiKey: settings.apiKey } : {}) }),
    ...(sending
      ? {
          doSendReply: (reply, context) => sendMailgunReply(reply, context, sending),
          doSendMessage: (message, context) => sendMailgunMessage(message, context, { ...sending, listUnsubscribe: settings.listUnsubscribe }),
        }
      : {}),
  };
}
