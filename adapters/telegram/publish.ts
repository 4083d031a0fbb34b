import { InvalidOptionsError, parseChannelOptions, type AdapterContext, type OutboundPost, type PublishResult } from 'social-crm/adapter-kit';
import * as z from 'zod';
import { messageNativeId } from './normalize.js';
import { telegramMessageSchema } from './telegram-schemas.js';

/** Calls a Bot API method and returns its `result`, throwing typed errors (the adapter's own caller). */
export type BotApiCall = <Result extends z.ZodType>(name: string, body: Record<string, unknown>, result: Result, context: AdapterContext) => Promise<z.output<Result>>;

/** Per-call options under `channelOptions.<adapter id>` of `crm.publish()`. */
const publishOptionsSchema = z.object({
  /** Deliver without a notification sound. */
  disableNotification: z.boolean().optional(),
  /** Keep the post from being forwarded or saved. */
  protectContent: z.boolean().optional(),
});

/** Telegram's limits: 4096 characters of message text, 1024 of a media caption. */
const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;

/**
 * Posts in a channel the bot administers: `sendMessage` for text (the link is appended, and
 * Telegram previews it), `sendPhoto` or `sendVideo` with the media URL and the text as caption.
 * `account` names the channel (`@username` or its numeric chat id); it is required, since a bot
 * may administer several channels.
 */
export async function publishTelegramPost(post: OutboundPost, context: AdapterContext, settings: { adapterId: string; call: BotApiCall }): Promise<PublishResult> {
  const { adapterId } = settings;
  const options = parseChannelOptions(adapterId, publishOptionsSchema, post.channelOptions);
  const account = post.account;
  if (!account || !/^(@[A-Za-z0-9_]{5,32}|-?\d+)$/.test(account)) {
    throw new InvalidOptionsError(`[${adapterId}] Name the channel to post in as \`account\`: its \`@username\` or numeric chat id (got ${account === undefined ? 'none' : `\`${account}\``}).`);
  }
  if (post.media.length > 1) throw new InvalidOptionsError(`[${adapterId}] The adapter posts one photo or video per channel post; got ${post.media.length}.`);
  const text = [post.text.trim(), post.link].filter(Boolean).join('\n\n');
  const media = post.media[0];
  const limit = media ? CAPTION_LIMIT : TEXT_LIMIT;
  if (text.length > limit) throw new InvalidOptionsError(`[${adapterId}] Telegram takes at most ${limit} characters ${media ? 'in a caption' : 'in a message'}; the post has ${text.length}.`);
  const chatId = /^-?\d+$/.test(account) ? Number(account) : account;
  const common = {
    chat_id: chatId,
    ...(options.disableNotification !== undefined ? { disable_notification: options.disableNotification } : {}),
    ...(options.protectContent !== undefined ? { protect_content: options.protectContent } : {}),
  };
  const sent = !media
    ? await settings.call('sendMessage', { ...common, text }, telegramMessageSchema, context)
    : media.type === 'video'
      ? await settings.call('sendVideo', { ...common, video: media.url, ...(text ? { caption: text } : {}) }, telegramMessageSchema, context)
      : await settings.call('sendPhoto', { ...common, photo: media.url, ...(text ? { caption: text } : {}) }, telegramMessageSchema, context);
  return {
    nativeId: messageNativeId(sent.chat.id, sent.message_id),
    createdAt: new Date(sent.date * 1000).toISOString(),
    conversationId: String(sent.chat.id),
    account: String(sent.chat.id),
    ...(sent.chat.username ? { url: `https://t.me/${sent.chat.username}/${sent.message_id}` } : {}),
    channelMetadata: { chatId: sent.chat.id, chatType: sent.chat.type, messageId: sent.message_id },
  };
}
