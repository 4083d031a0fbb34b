import { z } from 'zod';
import {
  ChannelApiError,
  InvalidPayloadError,
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
  type OutboundReply,
  type PlatformErrorInfo,
  type PollRequest,
  type PollResult,
  type RejectedItem,
  type SendResult,
  type WebhookResult,
} from 'social-crm/adapter-kit';
import { telegramOutreachBody, telegramOutreachResult } from './send-message.js';
import { READ_UPDATES, messageNativeId, normalizeUpdate, type TelegramContext } from './normalize.js';
import { telegramErrorSchema, telegramMessageSchema, telegramOkSchema, telegramUpdateSchema } from './telegram-schemas.js';

const ADAPTER_ID = 'telegram';
const SECRET_HEADER = 'X-Telegram-Bot-Api-Secret-Token';

/** Options of {@link telegramAdapter}. Secrets are taken only from here; the adapter never reads the environment. */
export interface TelegramAdapterOptions {
  /** The bot's token from @BotFather: `<bot id>:<secret>`. */
  botToken: string;
  /**
   * The `secret_token` you pass to `setWebhook` (1–256 of `A-Z a-z 0-9 _ -`). Given, the adapter
   * receives webhooks and checks `X-Telegram-Bot-Api-Secret-Token` on each; omitted, it polls
   * `getUpdates` instead (Telegram refuses `getUpdates` while a webhook is set).
   */
  secretToken?: string;
  /** The bot's username (without `@`), so that a group message @mentioning it counts as addressed to the brand. */
  botUsername?: string;
  /** Seconds a `getUpdates` call waits for new updates (long polling); keep it below the HTTP timeout (15 s). @default 10 */
  pollTimeoutSeconds?: number;
  /** Updates per `getUpdates` call (1–100). @default 100 */
  pollLimit?: number;
  /** @default 'https://api.telegram.org' (a local Bot API server also works) */
  apiBaseUrl?: string;
  /** Adapter id (webhook path segment and `channel`); give each bot its own. @default 'telegram' */
  id?: string;
}

const optionsSchema = z.object({
  botToken: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'Use the token @BotFather gave you: `<bot id>:<secret>`.'),
  secretToken: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, 'Telegram allows 1–256 characters of A-Z, a-z, 0-9, `_` and `-` in a secret token.').optional(),
  botUsername: z.string().regex(/^@?[A-Za-z0-9_]{5,32}$/, 'A Telegram username has 5–32 letters, digits and underscores.').transform((name) => name.replace(/^@/, '')).optional(),
  pollTimeoutSeconds: z.number().int().min(0).max(50).default(10),
  pollLimit: z.number().int().min(1).max(100).default(100),
  apiBaseUrl: z.url().default('https://api.telegram.org').transform((url) => url.replace(/\/+$/, '')),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'Use lower-kebab-case.').default(ADAPTER_ID),
});

/** Reads Telegram's error body: its description, and `parameters.retry_after` (seconds) as the wait. */
export function readTelegramError(body: unknown): PlatformErrorInfo | undefined {
  const parsed = telegramErrorSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { error_code: code, description, parameters } = parsed.data;
  return {
    ...(code !== undefined ? { code } : {}),
    ...(description ? { message: description } : {}),
    ...(parameters?.retry_after !== undefined ? { retryAfterMs: parameters.retry_after * 1000, isRateLimit: true } : {}),
  };
}

/**
 * Telegram bots: private chats, groups (customers talking among themselves, stored as `peer`) and
 * the channels the bot administers. Receives updates by webhook (checked with the secret token) or
 * by `getUpdates` long polling, and answers with `sendMessage` quoting the message through
 * `reply_parameters`. A 429's `parameters.retry_after` is honoured before retrying.
 *
 * @example
 * const telegram = telegramAdapter({ botToken: secrets.TELEGRAM_BOT_TOKEN, secretToken: secrets.TELEGRAM_WEBHOOK_SECRET, botUsername: 'acme_support_bot' });
 * const crm = createSocialCrm({ ledger, adapters: [telegram] });
 * app.post('/webhooks/telegram', (request) => crm.handleWebhook(request));
 */
export function telegramAdapter(options: TelegramAdapterOptions): ChannelAdapter {
  const settings = parseAdapterOptions(options?.id ?? ADAPTER_ID, optionsSchema, options);
  const id = settings.id;
  const botId = Number(settings.botToken.split(':')[0]);
  const webhook = settings.secretToken !== undefined;
  const method = (name: string) => `${settings.apiBaseUrl}/bot${settings.botToken}/${name}`;
  const contextOf = (context: AdapterContext): TelegramContext => ({ channel: id, botId, ...(settings.botUsername ? { botUsername: settings.botUsername } : {}), now: context.now() });

  /** Calls a Bot API method; every failure becomes a typed error (the token never appears in messages). */
  async function call<Result extends z.ZodType>(name: string, body: Record<string, unknown>, result: Result, context: AdapterContext): Promise<z.output<Result>> {
    let answer: unknown;
    try {
      answer = await context.http.post(method(name), { json: body, ...(context.signal ? { signal: context.signal } : {}) }).json();
    } catch (error) {
      throw redact(await toChannelApiError(id, error, readTelegramError));
    }
    const parsed = telegramOkSchema(result).safeParse(answer);
    if (!parsed.success) {
      const info = readTelegramError(answer);
      throw new ChannelApiError(`Telegram answered ${name} with something unexpected${info?.message ? `: ${info.message}` : ''}.`, {
        adapterId: id,
        method: 'POST',
        url: method(name).replace(settings.botToken, '<token>'),
        isRetryable: false,
        responseBody: JSON.stringify(answer)?.slice(0, 4000),
      });
    }
    return parsed.data.result as z.output<Result>;
  }

  /** Errors carry the URL, which holds the bot token: keep it out of logs. */
  function redact(error: ChannelApiError): ChannelApiError {
    const hidden = (value: string) => value.replaceAll(settings.botToken, '<token>');
    Object.defineProperty(error, 'message', { value: hidden(error.message) });
    if (error.url) Object.defineProperty(error, 'url', { value: hidden(error.url) });
    return error;
  }

  function readUpdates(updates: unknown[], context: AdapterContext) {
    const events: ChannelEvent[] = [];
    const warnings: AdapterWarning[] = [];
    const rejected: RejectedItem[] = [];
    let callbackQueryId: string | undefined;
    for (const candidate of updates) {
      const update = telegramUpdateSchema.safeParse(candidate);
      if (!update.success) {
        rejected.push({ payload: candidate, error: new Error(`[${id}] A Telegram update has no \`update_id\`.`) });
        continue;
      }
      try {
        const outcome = normalizeUpdate(update.data, contextOf(context));
        events.push(...outcome.events);
        warnings.push(...outcome.warnings);
        callbackQueryId ??= outcome.callbackQueryId;
      } catch (error) {
        rejected.push({ payload: candidate, error: error as Error });
      }
    }
    return { events, warnings, rejected, callbackQueryId };
  }

  async function doHandleWebhook(request: Request, context: AdapterContext): Promise<WebhookResult> {
    if (request.method !== 'POST') throw new InvalidPayloadError(`[${id}] Telegram delivers updates with POST, not ${request.method}.`, { status: 405 });
    await verifySharedSecret({ secret: settings.secretToken!, given: request.headers.get(SECRET_HEADER), headerName: SECRET_HEADER });
    const body = parseJson(decodeUtf8(await readRawBody(request)));
    const { events, warnings, rejected, callbackQueryId } = readUpdates([body], context);
    // A button press is answered in the webhook response itself, so the user's button stops spinning without another call.
    const response = callbackQueryId ? Response.json({ method: 'answerCallbackQuery', callback_query_id: callbackQueryId }) : undefined;
    return { events, warnings, rejected, ...(response ? { response } : {}) };
  }

  async function doPoll(request: PollRequest, context: AdapterContext): Promise<PollResult> {
    const offset = request.cursor !== undefined && /^-?\d+$/.test(request.cursor) ? Number(request.cursor) : undefined;
    const warnings: AdapterWarning[] = [];
    if (request.cursor !== undefined && offset === undefined) warnings.push({ type: 'malformed', message: `The saved Telegram cursor \`${request.cursor}\` is not an update offset; reading from the oldest pending update.` });
    const limit = Math.min(settings.pollLimit, request.limit ?? settings.pollLimit);
    const updates = await call(
      'getUpdates',
      { ...(offset !== undefined ? { offset } : {}), limit, timeout: settings.pollTimeoutSeconds, allowed_updates: [...READ_UPDATES] },
      z.array(z.unknown()),
      context,
    );
    const ids = updates.map((update) => (update as { update_id?: unknown }).update_id).filter((value): value is number => typeof value === 'number');
    const outcome = readUpdates(updates, context);
    // The next call's offset confirms (and drops) everything read now, once the core has stored it.
    const next = ids.length ? Math.max(...ids) + 1 : offset;
    return {
      events: outcome.events,
      rejected: outcome.rejected,
      warnings: [...warnings, ...outcome.warnings],
      cursor: next !== undefined ? String(next) : undefined,
      hasMore: updates.length >= limit,
    };
  }

  async function doSendReply(reply: OutboundReply, context: AdapterContext): Promise<SendResult> {
    const target = reply.inReplyTo;
    const metadata = target.channelMetadata[id] ?? {};
    const chatId = typeof metadata.chatId === 'number' ? metadata.chatId : Number(target.conversationId.slice(id.length + 1));
    const messageId = typeof metadata.messageId === 'number' ? metadata.messageId : undefined;
    const warnings: AdapterWarning[] = [];
    if (reply.attachments.length) warnings.push({ type: 'unsupported', message: 'The Telegram adapter sends text replies; the attachments were not sent.', details: { dropped: reply.attachments.map((attachment) => attachment.type) } });
    if (!reply.text.trim()) throw new InvalidPayloadError(`[${id}] A Telegram reply needs text.`);
    // Privately to the person (they must have started the bot), or in the chat the message came from, quoting it.
    const privately = reply.visibility === 'private' && metadata.chatType !== 'private' && metadata.chatType !== undefined;
    const body: Record<string, unknown> = privately
      ? { chat_id: Number(reply.recipient.nativeId), text: reply.text }
      : {
          chat_id: chatId,
          text: reply.text,
          ...(typeof metadata.messageThreadId === 'number' ? { message_thread_id: metadata.messageThreadId } : {}),
          ...(messageId !== undefined ? { reply_parameters: { message_id: messageId, allow_sending_without_reply: true } } : {}),
        };
    if (!Number.isSafeInteger(body.chat_id)) throw new InvalidPayloadError(`[${id}] The interaction ${target.id} names no Telegram chat to answer in.`);
    const sent = await call('sendMessage', body, telegramMessageSchema, context);
    return {
      nativeId: messageNativeId(sent.chat.id, sent.message_id),
      createdAt: new Date(sent.date * 1000).toISOString(),
      ...(privately ? { conversationId: String(sent.chat.id) } : {}),
      channelMetadata: { chatId: sent.chat.id, chatType: sent.chat.type, messageId: sent.message_id },
      warnings,
    };
  }

  return {
    specificationVersion: 'v1',
    id,
    displayName: 'Telegram',
    capabilities: {
      webhook,
      poll: !webhook,
      reply: true,
      directMessage: true,
      edits: true,
      // Telegram does not tell bots about deletions.
      deletes: false,
      reactions: true,
      threads: true,
      deliveryReceipts: false,
      outreach: true,
    },
    webhook: { authentication: webhook ? 'shared-secret' : 'none-polling' },
    decodeError: readTelegramError,
    ...(webhook ? { doHandleWebhook } : { doPoll }),
    doSendReply,
    doSendMessage: async (message, context) => telegramOutreachResult(await call('sendMessage', telegramOutreachBody(message, id), telegramMessageSchema, context)),
  };
}
