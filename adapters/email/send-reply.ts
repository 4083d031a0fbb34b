import * as z from 'zod';
import {
  ChannelApiError,
  parseChannelOptions,
  sha256Hex,
  toChannelApiError,
  type AdapterContext,
  type AdapterWarning,
  type OutboundReply,
  type PlatformErrorInfo,
  type SendResult,
} from 'social-crm/adapter-kit';
import { bracket, formatMailbox, parseMailbox, parseMailboxList, replySubject } from './addresses.js';

/** What {@link sendMailgunReply} needs from the adapter's settings. */
export interface SendSettings {
  adapterId: string;
  apiKey: string;
  domain: string;
  from: string;
  apiBaseUrl: string;
}

/** Per-reply options: `channelOptions: { email: { … } }`. */
const replyOptionsSchema = z.strictObject({
  /** Extra recipients in copy. */
  cc: z.array(z.string().email()).optional(),
  /** Replaces the `Re: <original subject>` subject. */
  subject: z.string().trim().min(1).optional(),
  /** An HTML version of the reply, sent beside the plain text. */
  html: z.string().min(1).optional(),
});

/** Mailgun's error body: `{ "message": "…" }`. */
export function readMailgunError(body: unknown): PlatformErrorInfo | undefined {
  const parsed = z.looseObject({ message: z.string() }).safeParse(body);
  return parsed.success ? { message: parsed.data.message } : undefined;
}

const sendResponseSchema = z.looseObject({ id: z.string().min(1), message: z.string().optional() });

/** RFC 5322 lets `References` grow; keep the root and the newest ids when it gets long. */
const MAX_REFERENCES = 20;

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** A `Message-Id` derived from the idempotency key: the same message sent twice carries the same id. */
export async function mailgunMessageId(adapterId: string, idempotencyKey: string, domain: string): Promise<string> {
  return `${(await sha256Hex(new TextEncoder().encode(`${adapterId}\n${idempotencyKey}`))).slice(0, 40)}@${domain}`;
}

/**
 * Posts a form to Mailgun's Messages API (`POST /v3/{domain}/messages`) and returns the id of the
 * queued message: Mailgun's `id` without its brackets, or `messageId` (with a warning) when the
 * 200 answer lacks one, since the message was queued all the same.
 */
export async function postMailgunMessage(form: URLSearchParams, context: AdapterContext, settings: SendSettings, messageId: string, warnings: AdapterWarning[]): Promise<string> {
  const url = `${settings.apiBaseUrl}/v3/${encodeURIComponent(settings.domain)}/messages`;
  let body: unknown;
  try {
    body = await context.http
      .post(url, {
        body: form,
        headers: { authorization: `Basic ${btoa(`api:${settings.apiKey}`)}` },
        ...(context.signal ? { signal: context.signal } : {}),
      })
      .json();
  } catch (error) {
    throw await toChannelApiError(settings.adapterId, error, readMailgunError);
  }
  const answer = sendResponseSchema.safeParse(body);
  if (answer.success) return answer.data.id.match(/<([^<>]+)>/)?.[1] ?? answer.data.id.trim();
  warnings.push({ type: 'malformed', message: 'Mailgun queued the message but answered without an `id`; the Message-Id the adapter set is used.' });
  return messageId;
}

/**
 * Sends a reply through Mailgun's Messages API (`POST /v3/{domain}/messages`), threaded under the
 * message it answers: `In-Reply-To` is that message's id, `References` its references plus its id,
 * the subject gets `Re:`, and it goes to the message's `Reply-To` when it had one, else its sender.
 * The `Message-Id` is derived from the idempotency key, so the same reply sent twice carries the
 * same id and threads (and deduplicates) as one message in the customer's client.
 */
export async function sendMailgunReply(reply: OutboundReply, context: AdapterContext, settings: SendSettings): Promise<SendResult> {
  const { adapterId } = settings;
  const options = parseChannelOptions(adapterId, replyOptionsSchema, reply.channelOptions);
  const target = reply.inReplyTo;
  const metadata = (target.channelMetadata?.[adapterId] ?? {}) as Record<string, unknown>;
  const parentId = typeof metadata.messageId === 'string' ? metadata.messageId : target.nativeId;
  const chain = [...stringList(metadata.references).filter((id) => id !== parentId), parentId];
  const references = chain.length > MAX_REFERENCES ? [chain[0]!, ...chain.slice(-(MAX_REFERENCES - 1))] : chain;
  const replyTo = typeof metadata.replyTo === 'string' ? parseMailboxList(metadata.replyTo) : [];
  const address = reply.recipient.email ?? reply.recipient.nativeId;
  const to = replyTo.length ? replyTo : [{ address, ...(reply.recipient.displayName ? { name: reply.recipient.displayName } : {}) }];
  if (!parseMailbox(to[0]!.address)) {
    throw new ChannelApiError(`The recipient \`${address}\` is not an e-mail address; nothing was sent.`, { adapterId, isRetryable: false });
  }
  const subject = options.subject ?? replySubject(typeof metadata.subject === 'string' ? metadata.subject : undefined);
  const messageId = await mailgunMessageId(adapterId, reply.idempotencyKey, settings.domain);
  const form = new URLSearchParams();
  form.set('from', settings.from);
  for (const mailbox of to) form.append('to', formatMailbox(mailbox));
  for (const cc of options.cc ?? []) form.append('cc', cc);
  form.set('subject', subject);
  form.set('text', reply.text);
  if (options.html) form.set('html', options.html);
  form.set('h:Message-Id', bracket(messageId));
  form.set('h:In-Reply-To', bracket(parentId));
  form.set('h:References', references.map(bracket).join(' '));
  const warnings: AdapterWarning[] = [];
  if (reply.attachments.length) {
    warnings.push({ type: 'unsupported', message: 'E-mail replies are sent without attachments: the adapter does not upload files; link them in the text instead.', details: { count: reply.attachments.length } });
  }
  const sentId = await postMailgunMessage(form, context, settings, messageId, warnings);
  return {
    nativeId: sentId,
    createdAt: context.now().toISOString(),
    channelMetadata: {
      provider: 'mailgun',
      messageId: sentId,
      subject,
      inReplyTo: parentId,
      references,
      to: to.map((mailbox) => mailbox.address),
    },
    ...(warnings.length ? { warnings } : {}),
  };
}
