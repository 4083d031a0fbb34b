import * as z from 'zod';
import { InvalidOptionsError, parseChannelOptions, type AdapterContext, type AdapterWarning, type OutboundMessage, type SendResult } from 'social-crm/adapter-kit';
import { bracket, formatMailbox, parseMailbox } from './addresses.js';
import { mailgunMessageId, postMailgunMessage, type SendSettings } from './send-reply.js';

/** Who a `List-Unsubscribe` link is built for. */
export interface UnsubscribeRecipient {
  /** The recipient's address. */
  address: string;
  /** The message's idempotency key (`<campaignId>:<customerId>:<channel>` for campaigns). */
  idempotencyKey: string;
  campaignId?: string;
}

/**
 * The `List-Unsubscribe` of marketing e-mail: a `mailto:` address, an HTTPS URL, or both. A URL
 * (a string, or a function building one per recipient, e.g. with a signed token) also gets
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the host's endpoint must accept
 * that POST and withdraw the consent (`crm.setConsent(key, 'opted-out', …)`).
 */
export interface ListUnsubscribeOptions {
  mailto?: string;
  url?: string | ((recipient: UnsubscribeRecipient) => string);
}

export const listUnsubscribeSchema = z
  .strictObject({
    mailto: z.string().email('Use an address, e.g. `unsubscribe@mg.acme.example`.').optional(),
    url: z
      .union([z.string().url().startsWith('https://', 'Use an HTTPS URL: mail clients send one-click unsubscribes only to HTTPS.'), z.custom<(recipient: UnsubscribeRecipient) => string>((value) => typeof value === 'function')])
      .optional(),
  })
  .refine((value) => value.mailto !== undefined || value.url !== undefined, 'Give `mailto`, `url`, or both.');

/** Per-message options: `channelOptions: { email: { subject, html } }`. */
const messageOptionsSchema = z.strictObject({
  /** Required: bulk-sender rules and mail clients treat a marketing message without one as spam. */
  subject: z.string({ error: 'A marketing e-mail needs a subject.' }).trim().min(1, 'A marketing e-mail needs a subject.'),
  /** An HTML version, sent beside the plain text. */
  html: z.string().min(1).optional(),
});

/** The `List-Unsubscribe` value for one recipient: `<mailto:…>, <https://…>`. */
function unsubscribeHeader(options: z.output<typeof listUnsubscribeSchema>, recipient: UnsubscribeRecipient, adapterId: string): { value: string; oneClick: boolean } {
  const entries: string[] = [];
  if (options.mailto) entries.push(`<mailto:${options.mailto}?subject=unsubscribe>`);
  const url = typeof options.url === 'function' ? options.url(recipient) : options.url;
  if (url !== undefined && !/^https:\/\/[^\s<>,]+$/.test(url)) {
    throw new InvalidOptionsError(`[${adapterId}] \`listUnsubscribe.url\` returned \`${url}\` for ${recipient.address}; it must be an HTTPS URL. Nothing was sent.`, [{ path: 'listUnsubscribe.url', message: 'Not an HTTPS URL.' }]);
  }
  if (url) entries.push(`<${url}>`);
  return { value: entries.join(', '), oneClick: url !== undefined };
}

/**
 * Sends a marketing e-mail through Mailgun's Messages API (`POST /v3/{domain}/messages`): `from`,
 * `to`, `subject`, `text` (and `html`), with `h:List-Unsubscribe` (and `h:List-Unsubscribe-Post`
 * for a URL) and a `Message-Id` derived from the idempotency key. A missing subject, text or
 * `listUnsubscribe` setting is an `InvalidOptionsError` before any network call.
 */
export async function sendMailgunMessage(
  message: OutboundMessage,
  context: AdapterContext,
  settings: SendSettings & { listUnsubscribe: z.output<typeof listUnsubscribeSchema> | undefined },
): Promise<SendResult> {
  const { adapterId } = settings;
  const options = parseChannelOptions(adapterId, messageOptionsSchema, message.channelOptions);
  if (!settings.listUnsubscribe) {
    throw new InvalidOptionsError(`[${adapterId}] Marketing e-mail needs a List-Unsubscribe header: pass \`listUnsubscribe: { mailto, url }\` to emailAdapter(). Nothing was sent.`, [
      { path: 'listUnsubscribe', message: 'Required for marketing e-mail.' },
    ]);
  }
  if (!message.text.trim()) throw new InvalidOptionsError(`[${adapterId}] A marketing e-mail needs text.`, [{ path: 'text', message: 'Empty.' }]);
  const address = message.recipient.email ?? message.recipient.nativeId;
  const mailbox = parseMailbox(address);
  if (!mailbox) throw new InvalidOptionsError(`[${adapterId}] The recipient \`${address}\` is not an e-mail address; nothing was sent.`, [{ path: 'recipient', message: 'Not an e-mail address.' }]);
  const unsubscribe = unsubscribeHeader(settings.listUnsubscribe, { address: mailbox.address, idempotencyKey: message.idempotencyKey, ...(message.campaignId ? { campaignId: message.campaignId } : {}) }, adapterId);
  const messageId = await mailgunMessageId(adapterId, message.idempotencyKey, settings.domain);
  const form = new URLSearchParams();
  form.set('from', settings.from);
  form.set('to', formatMailbox({ address: mailbox.address, ...(message.recipient.displayName ? { name: message.recipient.displayName } : {}) }));
  form.set('subject', options.subject);
  form.set('text', message.text);
  if (options.html) form.set('html', options.html);
  form.set('h:Message-Id', bracket(messageId));
  form.set('h:List-Unsubscribe', unsubscribe.value);
  if (unsubscribe.oneClick) form.set('h:List-Unsubscribe-Post', 'List-Unsubscribe=One-Click');
  const warnings: AdapterWarning[] = [];
  const sentId = await postMailgunMessage(form, context, settings, messageId, warnings);
  return {
    nativeId: sentId,
    createdAt: context.now().toISOString(),
    conversationId: sentId,
    channelMetadata: { provider: 'mailgun', messageId: sentId, subject: options.subject, to: [mailbox.address] },
    ...(warnings.length ? { warnings } : {}),
  };
}
