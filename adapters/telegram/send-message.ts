import { InvalidPayloadError, ReplyNotAllowedError, type OutboundMessage, type SendResult } from 'social-crm/adapter-kit';
import { messageNativeId } from './normalize.js';

/**
 * The `sendMessage` body of a business-initiated message: to the person's private chat with the
 * bot, whose id is their user id. A bot can write only to people who started it, so the core
 * sends only when they wrote to the bot before (`lastInboundAt`); Telegram answers 403 otherwise.
 */
export function telegramOutreachBody(message: OutboundMessage, adapterId: string): Record<string, unknown> {
  const chatId = Number(message.recipient.nativeId);
  if (!Number.isSafeInteger(chatId)) throw new InvalidPayloadError(`[${adapterId}] ${message.recipient.nativeId} is not a Telegram user id.`);
  if (!message.lastInboundAt) {
    throw new ReplyNotAllowedError('not-replyable', `[${adapterId}] ${chatId} never wrote to the bot: Telegram bots can message only people who started them.`);
  }
  if (!message.text.trim()) throw new InvalidPayloadError(`[${adapterId}] A Telegram message needs text.`);
  return { chat_id: chatId, text: message.text };
}

/** What the core keeps of a sent message. */
export function telegramOutreachResult(sent: { message_id: number; date: number; chat: { id: number; type: string } }): SendResult {
  return {
    nativeId: messageNativeId(sent.chat.id, sent.message_id),
    createdAt: new Date(sent.date * 1000).toISOString(),
    conversationId: String(sent.chat.id),
    channelMetadata: { chatId: sent.chat.id, chatType: sent.chat.type, messageId: sent.message_id },
  };
}
