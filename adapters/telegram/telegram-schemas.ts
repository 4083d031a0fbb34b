import * as z from 'zod';

/*
 * Minimal schemas of the Telegram Bot API objects the adapter reads (core.telegram.org/bots/api):
 * only the fields it uses; unknown fields are dropped, so new ones on Telegram's side never break
 * parsing. Ids are numbers on the wire (chat ids of groups and channels are negative).
 */

export const telegramUserSchema = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});
export type TelegramUser = z.output<typeof telegramUserSchema>;

export const telegramChatSchema = z.looseObject({
  id: z.number().int(),
  /** `private`, `group`, `supergroup` or `channel`. */
  type: z.string(),
  title: z.string().optional(),
  username: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  is_forum: z.boolean().optional(),
});
export type TelegramChat = z.output<typeof telegramChatSchema>;

const fileSchema = z.looseObject({
  file_id: z.string(),
  file_unique_id: z.string().optional(),
  file_size: z.number().optional(),
  file_name: z.string().optional(),
  mime_type: z.string().optional(),
  duration: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
});
export type TelegramFile = z.output<typeof fileSchema>;

const entitySchema = z.looseObject({ type: z.string(), offset: z.number().int(), length: z.number().int() });

/** A `Message` (also `edited_message`, `channel_post`, `edited_channel_post`). */
export const telegramMessageSchema = z.looseObject({
  message_id: z.number().int(),
  /** Forum topics and reply threads. */
  message_thread_id: z.number().int().optional(),
  from: telegramUserSchema.optional(),
  /** Anonymous group admins and channels post as a chat. */
  sender_chat: telegramChatSchema.optional(),
  chat: telegramChatSchema,
  /** Unix seconds. */
  date: z.number().int(),
  edit_date: z.number().int().optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  entities: z.array(entitySchema).optional(),
  caption_entities: z.array(entitySchema).optional(),
  reply_to_message: z.looseObject({ message_id: z.number().int(), from: telegramUserSchema.optional() }).optional(),
  /** A channel post copied into the channel's discussion group. */
  is_automatic_forward: z.boolean().optional(),
  /** Sizes of one photo, smallest first. */
  photo: z.array(fileSchema).optional(),
  document: fileSchema.optional(),
  audio: fileSchema.optional(),
  voice: fileSchema.optional(),
  video: fileSchema.optional(),
  video_note: fileSchema.optional(),
  animation: fileSchema.optional(),
  sticker: fileSchema.extend({ emoji: z.string().optional() }).optional(),
  location: z.looseObject({ latitude: z.number(), longitude: z.number() }).optional(),
  contact: z.looseObject({ phone_number: z.string(), first_name: z.string().optional(), last_name: z.string().optional(), user_id: z.number().optional() }).optional(),
  reply_markup: z.looseObject({ inline_keyboard: z.array(z.array(z.looseObject({ text: z.string(), callback_data: z.string().optional() }))).optional() }).optional(),
});
export type TelegramMessage = z.output<typeof telegramMessageSchema>;

/** A press on an inline keyboard button. */
export const telegramCallbackQuerySchema = z.looseObject({
  id: z.string().min(1),
  from: telegramUserSchema,
  /** The message the button belongs to; absent when it is too old. */
  message: telegramMessageSchema.optional(),
  data: z.string().optional(),
  chat_instance: z.string().optional(),
});
export type TelegramCallbackQuery = z.output<typeof telegramCallbackQuerySchema>;

const reactionTypeSchema = z.looseObject({ type: z.string(), emoji: z.string().optional(), custom_emoji_id: z.string().optional() });

/** A user's (or an anonymous chat's) reactions to a message changed. */
export const telegramMessageReactionSchema = z.looseObject({
  chat: telegramChatSchema,
  message_id: z.number().int(),
  user: telegramUserSchema.optional(),
  actor_chat: telegramChatSchema.optional(),
  date: z.number().int(),
  old_reaction: z.array(reactionTypeSchema).default([]),
  new_reaction: z.array(reactionTypeSchema).default([]),
});
export type TelegramMessageReaction = z.output<typeof telegramMessageReactionSchema>;
export type TelegramReactionType = z.output<typeof reactionTypeSchema>;

/** An `Update`: `update_id` plus at most one of the optional members; the others are read as unknown. */
export const telegramUpdateSchema = z.looseObject({
  update_id: z.number().int(),
});

/** `{"ok":true,"result":…}` answers. */
export const telegramOkSchema = <Result extends z.ZodType>(result: Result) => z.looseObject({ ok: z.literal(true), result });

/** `{"ok":false,"error_code":…,"description":"…","parameters":{…}}`. */
export const telegramErrorSchema = z.looseObject({
  ok: z.literal(false),
  error_code: z.number().optional(),
  description: z.string().optional(),
  parameters: z.looseObject({ retry_after: z.number().optional(), migrate_to_chat_id: z.number().optional() }).optional(),
});
