import * as z from 'zod';
import { ChannelApiError, InvalidPayloadError, type Attachment, type OutboundReply } from 'social-crm';
import { parseChannelOptions, type AdapterContext, type AdapterWarning, type SendResult } from 'social-crm/adapter-kit';
import { assertMessagingWindow, createGraphApi, describeIssues } from '../_shared/meta/index.js';
import { whatsappSendResponseSchema } from './whatsapp-schemas.js';
import { isBusinessScopedUserId } from './normalize.js';

/** Per-call options under `channelOptions.whatsapp` of `crm.reply()`. */
export const whatsappReplyOptionsSchema = z.object({
  /**
   * An approved message template: `{ name, language: { code }, components }`. Required outside the
   * 24-hour customer-service window; inside it, free text is sent unless a template is given.
   */
  template: z
    .looseObject({
      name: z.string().min(1),
      language: z.looseObject({ code: z.string().min(2), policy: z.string().optional() }),
      components: z.array(z.record(z.string(), z.unknown())).optional(),
    })
    .optional(),
  /** Let WhatsApp render a preview of the first URL in the text. @default false */
  previewUrl: z.boolean().optional(),
  /** Quote the customer's message (`context.message_id`) so the reply shows as an answer to it. @default true */
  quote: z.boolean().optional(),
  /** Mark the customer's message as read (blue ticks) before answering. @default the adapter's `markAsReadOnReply` */
  markAsRead: z.boolean().optional(),
});
export type WhatsappReplyOptions = z.input<typeof whatsappReplyOptionsSchema>;

/** What {@link sendWhatsappReply} needs from the adapter's settings. */
export interface SendReplySettings {
  adapterId: string;
  phoneNumberId: string;
  accessToken: string;
  graphVersion: string;
  graphBaseUrl: string;
  markAsReadOnReply: boolean;
}

/** WhatsApp media message types by canonical attachment type; captions only on image, video and document. */
const MEDIA_KIND: Partial<Record<Attachment['type'], { type: 'image' | 'video' | 'document' | 'audio' | 'sticker'; caption: boolean }>> = {
  image: { type: 'image', caption: true },
  video: { type: 'video', caption: true },
  file: { type: 'document', caption: true },
  audio: { type: 'audio', caption: false },
  sticker: { type: 'sticker', caption: false },
};

function mediaReference(attachment: Attachment): Record<string, string> | undefined {
  const mediaId = typeof attachment.data?.mediaId === 'string' ? attachment.data.mediaId : undefined;
  if (mediaId) return { id: mediaId };
  return attachment.url ? { link: attachment.url } : undefined;
}

/** The message body: a template, one media item (with the text as caption), or text. */
function buildMessage(reply: OutboundReply, options: z.output<typeof whatsappReplyOptionsSchema>, warnings: AdapterWarning[]): Record<string, unknown> {
  if (options.template) {
    if (reply.text.trim()) warnings.push({ type: 'ignored', message: 'A template was sent, so the reply text was not: the template defines the content. The text is kept on the stored reply.' });
    if (reply.attachments.length) warnings.push({ type: 'ignored', message: 'Attachments are not sent with a template; put media in its header component.', details: { count: reply.attachments.length } });
    return { type: 'template', template: options.template };
  }
  const [first, ...rest] = reply.attachments;
  const kind = first ? MEDIA_KIND[first.type] : undefined;
  const reference = first ? mediaReference(first) : undefined;
  const sendMedia = first !== undefined && kind !== undefined && reference !== undefined && (kind.caption || !reply.text.trim());
  const dropped = sendMedia ? rest : reply.attachments;
  if (dropped.length) {
    warnings.push({
      type: 'unsupported',
      message: 'WhatsApp sends one media item per message, with a caption only on images, videos and documents, by media id or link; the other attachments were not sent.',
      details: { dropped: dropped.map((attachment) => attachment.type) },
    });
  }
  if (sendMedia) {
    const media: Record<string, unknown> = { ...reference };
    if (kind!.caption && reply.text.trim()) media.caption = reply.text;
    if (kind!.type === 'document' && first!.name) media.filename = first!.name;
    return { type: kind!.type, [kind!.type]: media };
  }
  if (!reply.text.trim()) throw new InvalidPayloadError(`[${reply.channel}] A WhatsApp reply needs text, a sendable attachment or a template.`);
  return { type: 'text', text: { body: reply.text, preview_url: options.previewUrl ?? false } };
}

/**
 * Where a reply goes: the group a group message came from (`recipient_type: group`); else the
 * customer's number (`to`), or their business-scoped user id (`recipient`) when WhatsApp withheld it.
 */
function addressOf(reply: OutboundReply): Record<string, string> {
  const metadata = reply.inReplyTo.channelMetadata[reply.channel];
  const groupId = typeof metadata?.groupId === 'string' ? metadata.groupId : undefined;
  if (groupId) return { recipient_type: 'group', to: groupId };
  const id = reply.recipient.nativeId;
  return isBusinessScopedUserId(id) ? { recipient_type: 'individual', recipient: id } : { recipient_type: 'individual', to: id };
}

/** WhatsApp's limit on `biz_opaque_callback_data`. */
const MAX_CALLBACK_DATA = 512;

/**
 * Answers a customer with `POST /{phone-number-id}/messages`: free text (or one media item)
 * quoting the customer's message inside the 24-hour window, an approved template at any time.
 * Outside the window without a template it throws `ReplyNotAllowedError` before any network call.
 */
export async function sendWhatsappReply(reply: OutboundReply, context: AdapterContext, settings: SendReplySettings): Promise<SendResult> {
  const options = parseChannelOptions(settings.adapterId, whatsappReplyOptionsSchema, reply.channelOptions);
  if (!options.template) {
    assertMessagingWindow(reply, context.now(), 24, 'Outside it WhatsApp only delivers approved templates: pass `channelOptions.whatsapp.template` ({ name, language: { code }, components }).');
  }
  const warnings: AdapterWarning[] = [];
  const message = buildMessage(reply, options, warnings);
  const graph = createGraphApi(context, settings);
  const target = reply.inReplyTo;
  const quotable = target.direction === 'inbound' && target.kind === 'direct_message';

  if (quotable && (options.markAsRead ?? settings.markAsReadOnReply)) {
    try {
      await graph.post(`${settings.phoneNumberId}/messages`, { messaging_product: 'whatsapp', status: 'read', message_id: target.nativeId });
    } catch (error) {
      warnings.push({ type: 'other', message: `Marking ${target.nativeId} as read failed; the reply is sent anyway: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  const body = {
    messaging_product: 'whatsapp',
    ...addressOf(reply),
    ...(quotable && !options.template && (options.quote ?? true) ? { context: { message_id: target.nativeId } } : {}),
    ...message,
    // Handed back on the message's statuses: a send left in doubt is settled by them.
    ...(reply.idempotencyKey.length <= MAX_CALLBACK_DATA ? { biz_opaque_callback_data: reply.idempotencyKey } : {}),
  };
  return { ...(await postMessage(graph, context, settings, body, options.template?.name)), warnings };
}

/**
 * Sends one message body to the Cloud API and reads its answer: shared by replies and
 * business-initiated messages. An answer that cannot be read is not retried (the call went
 * through: sending again could message the customer twice).
 */
export async function postMessage(graph: ReturnType<typeof createGraphApi>, context: AdapterContext, settings: SendReplySettings, body: Record<string, unknown>, template?: string): Promise<SendResult> {
  const path = `${settings.phoneNumberId}/messages`;
  const response = await graph.post(path, body);
  const answer = whatsappSendResponseSchema.safeParse(response);
  if (!answer.success) {
    throw new ChannelApiError(`WhatsApp accepted the message but its answer could not be read (${describeIssues(answer.error)}); check the conversation before sending again.`, {
      adapterId: settings.adapterId,
      method: 'POST',
      url: graph.url(path),
      isRetryable: false,
      responseBody: JSON.stringify(response)?.slice(0, 4000),
    });
  }
  const sent = answer.data.messages[0]!;
  const waId = answer.data.contacts?.[0]?.wa_id;
  return {
    nativeId: sent.id,
    createdAt: context.now().toISOString(),
    channelMetadata: {
      type: body.type as string,
      phoneNumberId: settings.phoneNumberId,
      ...(waId ? { waId } : {}),
      ...(sent.message_status ? { messageStatus: sent.message_status } : {}),
      ...(template ? { template } : {}),
    },
  };
}
