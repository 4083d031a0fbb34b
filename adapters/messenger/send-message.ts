import { ReplyNotAllowedError } from 'social-crm';
import type { AdapterWarning, OutboundMessage, SendResult } from 'social-crm/adapter-kit';
import type { GraphApi } from '../_shared/meta/meta-graph.js';
import { sendApiResponseSchema } from '../_shared/meta/send-message.js';
import { ChannelApiError } from 'social-crm';

/**
 * Sends a marketing message with the Send API and the person's marketing-messages token:
 * `POST /{page-id}/messages` with `recipient.notification_messages_token` (the token the
 * `notification_messages` opt-in carried, kept on their consent record). Without a token, or
 * with one past its expiry, it throws `ReplyNotAllowedError` before any call: Messenger delivers
 * promotional messages outside the 24-hour window only this way.
 */
export async function sendMessengerMarketingMessage(graph: GraphApi, pageId: string, message: OutboundMessage, now: Date, adapterId: string): Promise<SendResult> {
  const token = typeof message.consentMetadata?.notificationMessagesToken === 'string' ? message.consentMetadata.notificationMessagesToken : undefined;
  if (!token) {
    throw new ReplyNotAllowedError(
      'not-replyable',
      `[${adapterId}] ${message.recipient.nativeId} has no marketing-messages token: Messenger delivers marketing messages only to people who accepted a \`notification_messages\` opt-in request.`,
    );
  }
  const expiresAt = typeof message.consentMetadata?.tokenExpiresAt === 'string' ? Date.parse(message.consentMetadata.tokenExpiresAt) : Number.NaN;
  if (Number.isFinite(expiresAt) && expiresAt <= now.getTime()) {
    throw new ReplyNotAllowedError('not-replyable', `[${adapterId}] The marketing-messages token of ${message.recipient.nativeId} expired at ${new Date(expiresAt).toISOString()}; ask them to opt in again.`);
  }
  const warnings: AdapterWarning[] = [];
  if (!message.text.trim()) throw new ReplyNotAllowedError('not-replyable', `[${adapterId}] A Messenger marketing message needs text.`);
  const path = `${pageId}/messages`;
  const body = await graph.post(path, { recipient: { notification_messages_token: token }, message: { text: message.text } });
  const parsed = sendApiResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new ChannelApiError('Graph accepted the marketing message but its answer could not be read; check the conversation before sending again.', {
      adapterId,
      method: 'POST',
      url: graph.url(path),
      isRetryable: false,
      responseBody: JSON.stringify(body)?.slice(0, 4000),
    });
  }
  return {
    nativeId: parsed.data.message_id,
    createdAt: now.toISOString(),
    channelMetadata: { messagingType: 'MARKETING', ...(parsed.data.recipient_id ? { recipientId: parsed.data.recipient_id } : {}) },
    warnings,
  };
}
