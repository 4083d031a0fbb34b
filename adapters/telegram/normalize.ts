import type { AdapterWarning, Attachment, ChannelEvent, ChannelIdentityInput, InteractionInput, JSONObject, JSONValue } from 'social-crm/adapter-kit';
import {
  telegramCallbackQuerySchema,
  telegramMessageReactionSchema,
  telegramMessageSchema,
  type TelegramCallbackQuery,
  type TelegramChat,
  type TelegramFile,
  type TelegramMessage,
  type TelegramMessageReaction,
  type TelegramReactionType,
  type TelegramUser,
} from './telegram-schemas.js';

/** What the normaliser needs to know about the bot. */
export interface TelegramContext {
  /** Adapter id: `channel` of interactions and identities. */
  channel: string;
  /** The bot's user id (the number before `:` in its token): its own messages are the brand's. */
  botId: number;
  /** The bot's username without `@`, to tell a group message addressed to it. */
  botUsername?: string;
  now: Date;
}

/** What one update became. */
export interface UpdateOutcome {
  events: ChannelEvent[];
  warnings: AdapterWarning[];
  /** The update kind, for the webhook answer (`callback_query` is answered in the response). */
  kind?: string;
  callbackQueryId?: string;
}

/** Update kinds read; the others are acknowledged with an `ignored` warning. */
export const READ_UPDATES = ['message', 'edited_message', 'channel_post', 'edited_channel_post', 'callback_query', 'message_reaction'] as const;

/** A message's native id: `message_id` is unique within its chat only. */
export function messageNativeId(chatId: number, messageId: number): string {
  return `${chatId}_${messageId}`;
}

function compact(value: Record<string, JSONValue | undefined>): JSONObject {
  const result: JSONObject = {};
  for (const [key, member] of Object.entries(value)) if (member !== undefined) result[key] = member;
  return result;
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function userIdentity(channel: string, user: TelegramUser, context: TelegramContext): ChannelIdentityInput {
  const name = [user.first_name, user.last_name].filter(Boolean).join(' ').trim();
  return {
    channel,
    nativeId: String(user.id),
    ...(user.username ? { handle: user.username, profileUrl: `https://t.me/${user.username}` } : {}),
    ...(name ? { displayName: name } : {}),
    ...(user.language_code ? { locale: user.language_code } : {}),
    ...(user.id === context.botId ? { isBrand: true } : {}),
  };
}

function chatIdentity(channel: string, chat: TelegramChat, isBrand: boolean): ChannelIdentityInput {
  const name = chat.title ?? ([chat.first_name, chat.last_name].filter(Boolean).join(' ').trim() || undefined);
  return {
    channel,
    nativeId: String(chat.id),
    ...(chat.username ? { handle: chat.username, profileUrl: `https://t.me/${chat.username}` } : {}),
    ...(name ? { displayName: name } : {}),
    ...(isBrand ? { isBrand: true } : {}),
  };
}

function fileAttachment(type: Attachment['type'], file: TelegramFile, extra: Record<string, JSONValue | undefined> = {}): Attachment {
  return {
    type,
    ...(file.mime_type ? { mimeType: file.mime_type } : {}),
    ...(file.file_name ? { name: file.file_name } : {}),
    data: compact({ fileId: file.file_id, fileUniqueId: file.file_unique_id, size: file.file_size, duration: file.duration, ...extra }),
  };
}

function attachmentsOf(message: TelegramMessage): Attachment[] {
  const attachments: Attachment[] = [];
  const largest = message.photo?.at(-1);
  if (largest) attachments.push(fileAttachment('image', largest, { width: largest.width, height: largest.height }));
  if (message.animation) attachments.push(fileAttachment('video', message.animation, { animation: true }));
  else if (message.document) attachments.push(fileAttachment('file', message.document));
  if (message.video) attachments.push(fileAttachment('video', message.video));
  if (message.video_note) attachments.push(fileAttachment('video', message.video_note, { videoNote: true }));
  if (message.audio) attachments.push(fileAttachment('audio', message.audio));
  if (message.voice) attachments.push(fileAttachment('audio', message.voice, { voice: true }));
  if (message.sticker) attachments.push(fileAttachment('sticker', message.sticker, { emoji: message.sticker.emoji }));
  if (message.location) attachments.push({ type: 'location', data: { latitude: message.location.latitude, longitude: message.location.longitude } });
  if (message.contact) {
    const name = [message.contact.first_name, message.contact.last_name].filter(Boolean).join(' ');
    attachments.push({ type: 'contact', ...(name ? { name } : {}), data: compact({ phone: message.contact.phone_number, userId: message.contact.user_id }) });
  }
  return attachments;
}

/** `#hashtags` and `@mentions` as Telegram marks them (entity offsets are UTF-16, as JavaScript strings are). */
function entitiesOf(message: TelegramMessage, text: string): { hashtags: string[]; mentions: string[] } {
  const hashtags: string[] = [];
  const mentions: string[] = [];
  for (const entity of message.entities ?? message.caption_entities ?? []) {
    const value = text.slice(entity.offset, entity.offset + entity.length);
    if (entity.type === 'hashtag') hashtags.push(value.replace(/^#/, '').toLowerCase());
    if (entity.type === 'mention') mentions.push(value.replace(/^@/, ''));
  }
  return { hashtags, mentions };
}

function isGroup(chat: TelegramChat): boolean {
  return chat.type === 'group' || chat.type === 'supergroup';
}

/**
 * A message → an interaction. Private chats are `direct_message`s to the brand; in groups customers
 * talk among themselves (`peer`) unless they answer the bot's message or @mention it (then inbound,
 * a mention kind `mention`); channel posts are the channel's `post`s (the bot only receives those
 * of channels it administers: the brand's own).
 */
export function normalizeMessage(message: TelegramMessage, context: TelegramContext, update: 'message' | 'edited_message' | 'channel_post' | 'edited_channel_post'): InteractionInput {
  const { channel } = context;
  const chat = message.chat;
  const text = message.text ?? message.caption ?? '';
  const { hashtags, mentions } = entitiesOf(message, text);
  const edited = update === 'edited_message' || update === 'edited_channel_post';
  const isChannelPost = update === 'channel_post' || update === 'edited_channel_post';
  const group = isGroup(chat);
  const author = message.from
    ? userIdentity(channel, message.from, context)
    : chatIdentity(channel, message.sender_chat ?? chat, isChannelPost);
  const answersBot = message.reply_to_message?.from?.id === context.botId;
  const mentionsBot = context.botUsername !== undefined && mentions.some((handle) => handle.toLowerCase() === context.botUsername!.toLowerCase());
  const kind = isChannelPost ? 'post' : group && mentionsBot ? 'mention' : 'direct_message';
  const direction = author.isBrand ? 'outbound' : group && !answersBot && !mentionsBot ? 'peer' : 'inbound';
  const parent = message.reply_to_message ? messageNativeId(chat.id, message.reply_to_message.message_id) : undefined;
  return {
    channel,
    nativeId: messageNativeId(chat.id, message.message_id),
    kind,
    direction,
    visibility: chat.type === 'private' ? 'private' : chat.username ? 'public' : 'private',
    author,
    conversationId: String(chat.id),
    ...(parent ? { parentId: parent } : {}),
    recipientId: String(context.botId),
    text,
    ...(author.locale ? { language: author.locale } : {}),
    createdAt: iso(message.date),
    ...(edited ? { state: 'edited' as const, editedAt: iso(message.edit_date ?? message.date) } : {}),
    ...(chat.username ? { url: `https://t.me/${chat.username}/${message.message_id}` } : {}),
    attachments: attachmentsOf(message),
    ...(hashtags.length ? { hashtags } : {}),
    ...(mentions.length ? { mentions } : {}),
    channelMetadata: {
      [channel]: compact({
        update,
        chatId: chat.id,
        chatType: chat.type,
        chatTitle: chat.title,
        messageId: message.message_id,
        messageThreadId: message.message_thread_id,
        automaticForward: message.is_automatic_forward,
      }),
    },
    raw: message as JSONObject,
  };
}

/** The label of the pressed button, found in the message's inline keyboard. */
function buttonLabel(query: TelegramCallbackQuery): string | undefined {
  for (const row of query.message?.reply_markup?.inline_keyboard ?? []) {
    for (const button of row) if (button.callback_data !== undefined && button.callback_data === query.data) return button.text;
  }
  return undefined;
}

/** A button press → a `direct_message` from the person, answering the message the button was on. */
export function normalizeCallbackQuery(query: TelegramCallbackQuery, context: TelegramContext): InteractionInput {
  const { channel } = context;
  const chat = query.message?.chat;
  const label = buttonLabel(query);
  return {
    channel,
    nativeId: `callback:${query.id}`,
    kind: 'direct_message',
    direction: 'inbound',
    visibility: 'private',
    author: userIdentity(channel, query.from, context),
    conversationId: String(chat?.id ?? query.from.id),
    ...(chat && query.message ? { parentId: messageNativeId(chat.id, query.message.message_id) } : {}),
    recipientId: String(context.botId),
    text: label ?? query.data ?? '',
    createdAt: context.now.toISOString(),
    channelMetadata: { [channel]: compact({ update: 'callback_query', callbackData: query.data, buttonText: label, chatId: chat?.id, chatInstance: query.chat_instance }) },
    raw: query as JSONObject,
  };
}

function reactionValue(reaction: TelegramReactionType): string {
  if (reaction.type === 'emoji' && reaction.emoji) return reaction.emoji;
  if (reaction.type === 'custom_emoji' && reaction.custom_emoji_id) return `custom_emoji:${reaction.custom_emoji_id}`;
  return reaction.type === 'paid' ? '⭐' : reaction.type;
}

/**
 * A change of someone's reactions to a message → one `reaction` per person and message, edited when
 * it changes and deleted when every reaction is taken back.
 */
export function normalizeReaction(update: TelegramMessageReaction, context: TelegramContext): ChannelEvent {
  const { channel } = context;
  const target = messageNativeId(update.chat.id, update.message_id);
  const actor = update.user ? userIdentity(channel, update.user, context) : chatIdentity(channel, update.actor_chat ?? update.chat, false);
  const nativeId = `reaction:${target}:${actor.nativeId}`;
  if (update.new_reaction.length === 0) return { type: 'deletion', channel, nativeId, deletedAt: iso(update.date) };
  const changed = update.old_reaction.length > 0;
  return {
    type: 'interaction',
    interaction: {
      channel,
      nativeId,
      kind: 'reaction',
      direction: isGroup(update.chat) ? 'peer' : 'inbound',
      visibility: update.chat.type === 'private' ? 'private' : update.chat.username ? 'public' : 'private',
      author: actor,
      conversationId: String(update.chat.id),
      parentId: target,
      text: '',
      reaction: update.new_reaction.map(reactionValue).join(''),
      createdAt: iso(update.date),
      ...(changed ? { state: 'edited' as const, editedAt: iso(update.date) } : {}),
      channelMetadata: { [channel]: compact({ update: 'message_reaction', chatId: update.chat.id, messageId: update.message_id, reactions: update.new_reaction.map(reactionValue) }) },
      raw: update as JSONObject,
    },
  };
}

/**
 * One `Update` → events. Unknown kinds (polls, join requests, payments …) are acknowledged with an
 * `ignored` warning; a known kind that cannot be read throws (the caller rejects the update).
 */
export function normalizeUpdate(update: Record<string, unknown>, context: TelegramContext): UpdateOutcome {
  const kind = READ_UPDATES.find((name) => update[name] !== undefined);
  if (!kind) {
    const other = Object.keys(update).filter((key) => key !== 'update_id');
    return { events: [], warnings: [{ type: 'ignored', message: `Telegram update \`${other.join(', ') || 'empty'}\` is not stored by the CRM.`, details: { updateId: update.update_id as JSONValue, kinds: other } }] };
  }
  const describe = (issues: { message: string; path: PropertyKey[] }[]) => issues.map((issue) => `${[kind, ...issue.path].join('.')}: ${issue.message}`).join('; ');
  if (kind === 'callback_query') {
    const parsed = telegramCallbackQuerySchema.safeParse(update[kind]);
    if (!parsed.success) throw new Error(`[${context.channel}] Telegram update ${String(update.update_id)} could not be read: ${describe(parsed.error.issues)}`);
    return { events: [{ type: 'interaction', interaction: normalizeCallbackQuery(parsed.data, context) }], warnings: [], kind, callbackQueryId: parsed.data.id };
  }
  if (kind === 'message_reaction') {
    const parsed = telegramMessageReactionSchema.safeParse(update[kind]);
    if (!parsed.success) throw new Error(`[${context.channel}] Telegram update ${String(update.update_id)} could not be read: ${describe(parsed.error.issues)}`);
    return { events: [normalizeReaction(parsed.data, context)], warnings: [], kind };
  }
  const parsed = telegramMessageSchema.safeParse(update[kind]);
  if (!parsed.success) throw new Error(`[${context.channel}] Telegram update ${String(update.update_id)} could not be read: ${describe(parsed.error.issues)}`);
  return { events: [{ type: 'interaction', interaction: normalizeMessage(parsed.data, context, kind) }], warnings: [], kind };
}
