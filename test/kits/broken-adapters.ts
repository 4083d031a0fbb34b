/**
 * A small Telegram-like adapter (private chats, groups, the brand's channel posts, `sendMessage`
 * replies), written as a plugin author would from the docs, with one deliberate mistake at a time.
 * Payloads follow the Bot API's Update and Message objects; the values are invented.
 */
import * as z from 'zod';
import {
  decodeUtf8,
  parseAdapterOptions,
  parseJson,
  readRawBody,
  toChannelApiError,
  verifySharedSecret,
  type AdapterContext,
  type AdapterWarning,
  type ChannelAdapter,
  type ChannelEvent,
  type OutboundPost,
  type OutboundReply,
  type PublishResult,
  type PlatformErrorInfo,
  type RejectedItem,
  type SendResult,
  type WebhookResult,
} from 'social-crm/adapter-kit';

/** The mistakes plugin authors made writing a Telegram adapter. */
export type AdapterMistake =
  | 'seconds read as milliseconds'
  | 'every author marked as the brand'
  | 'a direct message stored as public'
  | 'the author id taken from the username'
  | 'an unknown update dead-lettered instead of warned'
  | 'HTTP errors not mapped through toChannelApiError'
  | 'post errors not mapped through toChannelApiError'
  | 'the post stored under its message id alone';

export interface MiniTelegramOptions {
  botToken: string;
  secretToken: string;
  mistake?: AdapterMistake;
}

const SECRET_HEADER = 'X-Telegram-Bot-Api-Secret-Token';

const optionsSchema = z.object({
  botToken: z.string().regex(/^\d+:[\w-]{20,}$/),
  secretToken: z.string().min(1),
  mistake: z.string().optional(),
});

const userSchema = z.object({ id: z.number(), is_bot: z.boolean().optional(), first_name: z.string(), last_name: z.string().optional(), username: z.string().optional() });
const chatSchema = z.object({ id: z.number(), type: z.string(), title: z.string().optional(), username: z.string().optional() });
const messageSchema = z.object({ message_id: z.number(), from: userSchema.optional(), sender_chat: chatSchema.optional(), chat: chatSchema, date: z.number(), text: z.string().optional() });
const sentSchema = z.object({ ok: z.literal(true), result: messageSchema });
const errorSchema = z.object({ ok: z.literal(false), error_code: z.number().optional(), description: z.string().optional(), parameters: z.object({ retry_after: z.number().optional() }).optional() });

function readError(body: unknown): PlatformErrorInfo | undefined {
  const parsed = errorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { error_code: code, description, parameters } = parsed.data;
  return {
    ...(code !== undefined ? { code } : {}),
    ...(description ? { message: description } : {}),
    ...(parameters?.retry_after !== undefined ? { retryAfterMs: parameters.retry_after * 1000, isRateLimit: true } : {}),
  };
}

export function miniTelegramAdapter(options: MiniTelegramOptions): ChannelAdapter {
  const settings = parseAdapterOptions('telegram', optionsSchema, options);
  const mistake = settings.mistake as AdapterMistake | undefined;
  const botId = Number(settings.botToken.split(':')[0]);

  function event(message: z.output<typeof messageSchema>, isChannelPost: boolean): ChannelEvent {
    const sender = message.from;
    const authorId = sender ? String(sender.id) : String((message.sender_chat ?? message.chat).id);
    const isBrand = mistake === 'every author marked as the brand' || isChannelPost || sender?.id === botId;
    const name = sender ? [sender.first_name, sender.last_name].filter(Boolean).join(' ') : message.chat.title;
    const handle = sender ? sender.username : message.chat.username;
    const isPrivate = message.chat.type === 'private' && mistake !== 'a direct message stored as public';
    return {
      type: 'interaction',
      interaction: {
        channel: 'telegram',
        nativeId: `${message.chat.id}_${message.message_id}`,
        kind: isChannelPost ? 'post' : 'direct_message',
        direction: isBrand ? 'outbound' : message.chat.type === 'private' ? 'inbound' : 'peer',
        visibility: isPrivate ? 'private' : 'public',
        author: {
          channel: 'telegram',
          nativeId: mistake === 'the author id taken from the username' ? (handle ?? authorId) : authorId,
          ...(handle ? { handle } : {}),
          ...(name ? { displayName: name } : {}),
          ...(isBrand ? { isBrand: true } : {}),
        },
        conversationId: String(message.chat.id),
        text: message.text ?? '',
        createdAt: new Date(mistake === 'seconds read as milliseconds' ? message.date : message.date * 1000).toISOString(),
        channelMetadata: { telegram: { chatId: message.chat.id, messageId: message.message_id } },
      },
    };
  }

  async function doHandleWebhook(request: Request): Promise<WebhookResult> {
    await verifySharedSecret({ secret: settings.secretToken, given: request.headers.get(SECRET_HEADER), headerName: SECRET_HEADER });
    const update = parseJson(decodeUtf8(await readRawBody(request))) as Record<string, unknown>;
    const kind = (['message', 'channel_post'] as const).find((name) => update[name] !== undefined);
    const warnings: AdapterWarning[] = [];
    const rejected: RejectedItem[] = [];
    if (!kind) {
      const message = `Telegram update \`${Object.keys(update).filter((key) => key !== 'update_id').join(', ')}\` is not stored.`;
      if (mistake === 'an unknown update dead-lettered instead of warned') rejected.push({ payload: update, error: new Error(message) });
      else warnings.push({ type: 'ignored', message });
      return { events: [], warnings, rejected };
    }
    const parsed = messageSchema.safeParse(update[kind]);
    if (!parsed.success) return { events: [], rejected: [{ payload: update, error: new Error(parsed.error.message) }] };
    return { events: [event(parsed.data, kind === 'channel_post')] };
  }

  async function doSendReply(reply: OutboundReply, context: AdapterContext): Promise<SendResult> {
    const metadata = reply.inReplyTo.channelMetadata.telegram ?? {};
    const body = { chat_id: metadata.chatId, text: reply.text, reply_parameters: { message_id: metadata.messageId, allow_sending_without_reply: true } };
    const url = `https://api.telegram.org/bot${settings.botToken}/sendMessage`;
    let answer: unknown;
    if (mistake === 'HTTP errors not mapped through toChannelApiError') {
      answer = await context.http.post(url, { json: body }).json();
    } else {
      try {
        answer = await context.http.post(url, { json: body }).json();
      } catch (error) {
        throw await toChannelApiError('telegram', error, readError);
      }
    }
    const sent = sentSchema.parse(answer).result;
    return { nativeId: `${sent.chat.id}_${sent.message_id}`, createdAt: new Date(sent.date * 1000).toISOString(), channelMetadata: { chatId: sent.chat.id, messageId: sent.message_id } };
  }

  async function doPublish(post: OutboundPost, context: AdapterContext): Promise<PublishResult> {
    const url = `https://api.telegram.org/bot${settings.botToken}/sendMessage`;
    const body = { chat_id: post.account, text: [post.text, post.link].filter(Boolean).join('\n\n') };
    let answer: unknown;
    try {
      answer = await context.http.post(url, { json: body }).json();
    } catch (error) {
      if (mistake === 'post errors not mapped through toChannelApiError') throw error;
      throw await toChannelApiError('telegram', error, readError);
    }
    const sent = sentSchema.parse(answer).result;
    const nativeId = mistake === 'the post stored under its message id alone' ? String(sent.message_id) : `${sent.chat.id}_${sent.message_id}`;
    return { nativeId, createdAt: new Date(sent.date * 1000).toISOString(), conversationId: String(sent.chat.id), account: String(sent.chat.id) };
  }

  return {
    specificationVersion: 'v1',
    id: 'telegram',
    displayName: 'Telegram (seeded)',
    capabilities: { webhook: true, poll: false, reply: true, directMessage: true, edits: false, deletes: false, reactions: false, threads: true, deliveryReceipts: false, publish: true },
    webhook: { authentication: 'shared-secret' },
    decodeError: readError,
    doHandleWebhook,
    doSendReply,
    doPublish,
  };
}
