import * as z from 'zod';
import { ChannelApiError, ReplyNotAllowedError, type OutboundReply } from 'social-crm';
import { parseChannelOptions, type AdapterWarning, type SendResult } from 'social-crm/adapter-kit';
import { assertMessagingWindow } from './messaging-window.js';
import type { GraphApi } from './meta-graph.js';

/*
 * Sends through the Send API that Messenger, Instagram messaging and Facebook/Instagram private
 * replies share: `POST /{page-id | ig-user-id}/messages`.
 */

/** The Send API's answer: `{ recipient_id, message_id }`. */
export const sendApiResponseSchema = z.object({ recipient_id: z.string().optional(), message_id: z.string().min(1) });

/** Graph's answer to creating a comment or reply: `{ id }`. */
export const graphIdResponseSchema = z.object({ id: z.string().min(1) });

/** Per-call options under `channelOptions[adapterId]` for direct messages. */
const messagingOptionsSchema = z.object({
  /**
   * `HUMAN_AGENT` lets a person answer up to 7 days after the customer's last message, past the
   * 24-hour window. Only for human answers, never for automated or promotional ones.
   */
  tag: z.literal('HUMAN_AGENT', { error: 'The only message tag supported is `HUMAN_AGENT` (a person answering within 7 days).' }).optional(),
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Reads Graph's answer to a send; a call that went through but answered something else is not retried. */
function readAnswer<Schema extends z.ZodType>(schema: Schema, body: unknown, adapterId: string, url: string): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ChannelApiError(`Graph accepted the call but its answer could not be read (${parsed.error.issues[0]?.message ?? 'unexpected shape'}); check the conversation before sending again.`, {
    adapterId,
    method: 'POST',
    url,
    isRetryable: false,
    responseBody: JSON.stringify(body)?.slice(0, 4000),
  });
}

/** How long after a comment Meta accepts a private reply to it. */
export const PRIVATE_REPLY_WINDOW_DAYS = 7;

/**
 * `messaging_type` (and `tag`) for a direct message: `RESPONSE` inside the 24-hour window;
 * `MESSAGE_TAG` + `HUMAN_AGENT` up to 7 days when the host passes `channelOptions[adapterId].tag`.
 * @throws ReplyNotAllowedError `messaging-window-closed` before any network call.
 */
export function messagingTypeFor(reply: OutboundReply, now: Date, adapterId: string): { messaging_type: 'RESPONSE' } | { messaging_type: 'MESSAGE_TAG'; tag: 'HUMAN_AGENT' } {
  const options = parseChannelOptions(adapterId, messagingOptionsSchema, reply.channelOptions);
  if (!options.tag) {
    assertMessagingWindow(reply, now, 24, `A person may still answer within 7 days with \`channelOptions: { ${adapterId}: { tag: 'HUMAN_AGENT' } }\`.`);
    return { messaging_type: 'RESPONSE' };
  }
  assertMessagingWindow(reply, now, 7 * 24, 'Even the HUMAN_AGENT tag allows only 7 days.');
  return { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' };
}

function attachmentWarnings(reply: OutboundReply): AdapterWarning[] {
  return reply.attachments.length
    ? [{ type: 'unsupported', message: 'Attachments are not sent: the text was sent alone. Send media as a separate message with a hosted URL.', details: { count: reply.attachments.length } }]
    : [];
}

/** The Send API's limit on `message.metadata`. */
const MAX_ECHO_METADATA = 1000;

/** Attachment types the Send API takes as `message.attachment.type` with a hosted `payload.url`. */
export type SendableAttachmentType = 'image' | 'video' | 'audio' | 'file';

/**
 * Sends a direct message to the reply's recipient (a PSID or IGSID) after the window check:
 * `POST /{sender}/messages` with `recipient.id`, `messaging_type` and `message.text`, then one
 * message per attachment (`message.attachment: { type, payload: { url, is_reusable } }`), since a
 * Send API message carries text or one attachment. The reply's id is the first message's;
 * attachments the network cannot take (no URL, another type) are dropped with a warning. With
 * `echoKey`, the first message carries the reply's idempotency key as `metadata` (Messenger).
 */
export async function sendDirectMessage(
  graph: GraphApi,
  senderId: string,
  reply: OutboundReply,
  now: Date,
  adapterId: string,
  attachmentTypes: readonly SendableAttachmentType[] = ['image', 'video', 'audio', 'file'],
  echoKey = false,
): Promise<SendResult> {
  const messagingType = messagingTypeFor(reply, now, adapterId);
  const path = `${senderId}/messages`;
  const sendable = reply.attachments.filter((attachment): attachment is typeof attachment & { type: SendableAttachmentType; url: string } =>
    (attachmentTypes as readonly string[]).includes(attachment.type) && typeof attachment.url === 'string' && attachment.url !== '',
  );
  const warnings: AdapterWarning[] = [];
  if (sendable.length < reply.attachments.length) {
    warnings.push({ type: 'unsupported', message: `Attachments without a hosted URL, or of a type other than ${attachmentTypes.join(', ')}, were not sent.`, details: { count: reply.attachments.length - sendable.length } });
  }
  const messages: Array<Record<string, unknown>> = [
    ...(reply.text.trim() ? [{ text: reply.text }] : []),
    ...sendable.map((attachment) => ({ attachment: { type: attachment.type, payload: { url: attachment.url, is_reusable: true } } })),
  ];
  // The Send API hands `metadata` back in the message's echo: a send left in doubt is settled by it.
  if (echoKey && messages[0] && reply.idempotencyKey.length <= MAX_ECHO_METADATA) messages[0] = { ...messages[0], metadata: reply.idempotencyKey };
  if (!messages.length) throw new ReplyNotAllowedError('not-replyable', `[${adapterId}] The reply has neither text nor an attachment that can be sent.`);
  const sentIds: string[] = [];
  let recipientId: string | undefined;
  for (const message of messages) {
    let body: unknown;
    try {
      body = await graph.post(path, { recipient: { id: reply.recipient.nativeId }, ...messagingType, message });
    } catch (error) {
      // What was sent stays sent: once the first message went out the reply exists, so a later failure is a warning.
      if (!sentIds.length) throw error;
      warnings.push({ type: 'other', message: `An attachment could not be sent: ${error instanceof Error ? error.message : String(error)}`, details: { sent: sentIds.length, of: messages.length } });
      break;
    }
    const sent = readAnswer(sendApiResponseSchema, body, adapterId, graph.url(path));
    sentIds.push(sent.message_id);
    recipientId ??= sent.recipient_id;
  }
  return {
    nativeId: sentIds[0]!,
    createdAt: now.toISOString(),
    channelMetadata: {
      ...(recipientId ? { recipientId } : {}),
      messagingType: messagingType.messaging_type,
      ...(sentIds.length > 1 ? { messageIds: sentIds } : {}),
    },
    warnings,
  };
}

/**
 * The comments an adapter answered privately in the last 7 days (older ones are past the limit
 * anyway, so memory stays bounded). Meta allows one private reply per comment.
 */
export interface PrivateReplyMemory {
  has(commentId: string): boolean;
  add(commentId: string, at: number): void;
  delete(commentId: string): void;
}

export function createPrivateReplyMemory(): PrivateReplyMemory {
  const answered = new Map<string, number>();
  return {
    has: (commentId) => answered.has(commentId),
    add(commentId, at) {
      answered.delete(commentId);
      answered.set(commentId, at);
      for (const [id, when] of answered) {
        if (at - when <= PRIVATE_REPLY_WINDOW_DAYS * DAY) break;
        answered.delete(id);
      }
    },
    delete: (commentId) => void answered.delete(commentId),
  };
}

/**
 * Answers a public comment, or a visitor's post on the Page, privately (the message lands in the
 * author's inbox): `POST /{sender}/messages` with `recipient.comment_id` (or `recipient.post_id`
 * for a post). Meta allows one private reply per comment or post, within 7 days. The ledger's count
 * (`reply.privateRepliesSent`) covers every process; `answered`, the adapter's memory, also covers
 * a send still in flight in this one.
 * @throws ReplyNotAllowedError before any network call when the 7 days are over or the comment was answered.
 */
export async function sendPrivateReply(graph: GraphApi, senderId: string, reply: OutboundReply, now: Date, adapterId: string, answered: PrivateReplyMemory): Promise<SendResult> {
  const comment = reply.inReplyTo;
  const age = now.getTime() - Date.parse(comment.createdAt);
  if (!(age <= PRIVATE_REPLY_WINDOW_DAYS * DAY)) {
    throw new ReplyNotAllowedError(
      'messaging-window-closed',
      `[${adapterId}] A private reply is allowed only within ${PRIVATE_REPLY_WINDOW_DAYS} days of the comment; ${comment.id} was written at ${comment.createdAt}. Answer in public instead.`,
    );
  }
  if (answered.has(comment.nativeId) || (reply.privateRepliesSent ?? 0) > 0) {
    throw new ReplyNotAllowedError('not-replyable', `[${adapterId}] ${comment.id} already has its private reply; Meta allows one per comment. Continue in the direct-message conversation once the customer answers.`);
  }
  // Claimed before the call, so two concurrent replies cannot both go out; released if it fails.
  answered.add(comment.nativeId, now.getTime());
  const path = `${senderId}/messages`;
  let body: unknown;
  try {
    const recipient = comment.kind === 'post' ? { post_id: comment.nativeId } : { comment_id: comment.nativeId };
    body = await graph.post(path, { recipient, message: { text: reply.text } });
  } catch (error) {
    answered.delete(comment.nativeId);
    throw error;
  }
  const sent = readAnswer(sendApiResponseSchema, body, adapterId, graph.url(path));
  return {
    nativeId: sent.message_id,
    createdAt: now.toISOString(),
    channelMetadata: { privateReplyTo: comment.nativeId, ...(sent.recipient_id ? { recipientId: sent.recipient_id } : {}) },
    warnings: attachmentWarnings(reply),
  };
}

/** Posts a public comment or reply (`message`) under `path` and returns it as sent. */
export async function postPublicComment(graph: GraphApi, path: string, reply: OutboundReply, now: Date, adapterId: string, extra: Record<string, string> = {}): Promise<SendResult> {
  const body = await graph.post(path, { ...extra, message: reply.text });
  const created = readAnswer(graphIdResponseSchema, body, adapterId, graph.url(path));
  return { nativeId: created.id, createdAt: now.toISOString(), warnings: attachmentWarnings(reply) };
}
