import * as z from 'zod';
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
  type OutboundMessage,
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
import { publishTelegramPost } from './publish.js';
import { UnknownAccountError } from 'social-crm';
import { accountOfInteraction, accountsOptionSchema, createAccountDirectory, tagWithAccount, type AccountDirectory, type AccountsOptions } from '../_shared/accounts/index.js';
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
  /** The bot's username (without `@`), so that a group message \@mentioning it counts as addressed to the brand. */
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

/** What the host's resolver returns for one bot. */
export interface TelegramBotCredentials {
  /** The bot's token (`<bot id>:<secret>`); its bot id must be the one the webhook URL names. */
  botToken: string;
  /** The `secret_token` given to this bot's `setWebhook`; every delivery must carry it. */
  secretToken: string;
  /** The bot's username (without `@`). */
  botUsername?: string;
}

/**
 * Options of {@link telegramAdapter} serving many bots from one adapter. Telegram's updates do
 * not name the bot, so each bot's webhook URL does: `setWebhook` with
 * `https://crm.example.com/webhooks/telegram?bot=<bot id>` (or `/webhooks/telegram/<bot id>`). The
 * bot id is resolved through `accounts.resolve(botId)` to its token, secret token and tenant, the
 * secret token is checked, and replies go out from the bot the conversation belongs to. Interaction
 * ids are prefixed with the bot id (`telegram:<bot id>:<chat id>:<message id>`): two bots may see
 * the same chat and message ids. Webhooks only (no `getUpdates`).
 */
export interface TelegramAccountsOptions {
  accounts: AccountsOptions<TelegramBotCredentials>;
  /** @default 'https://api.telegram.org' */
  apiBaseUrl?: string;
  /** @default 'telegram' */
  id?: string;
}

const accountsOptionsSchema = z.object({
  accounts: accountsOptionSchema<AccountsOptions<TelegramBotCredentials>>('it returns `{ credentials: { botToken, secretToken }, tenant }` for a bot id'),
  apiBaseUrl: z.url().default('https://api.telegram.org').transform((url) => url.replace(/\/+$/, '')),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'Use lower-kebab-case.').default(ADAPTER_ID),
});

/** One bot as the adapter uses it. */
interface Bot {
  id: number;
  token: string;
  username?: string;
}

/** The bot id a multi-bot webhook URL names: `?bot=<id>`, or the path segment after the adapter's. */
function botIdOf(request: Request, adapterId: string): string | undefined {
  const url = new URL(request.url);
  const query = url.searchParams.get('bot');
  if (query) return query;
  const segments = url.pathname.split('/').filter(Boolean);
  const index = segments.lastIndexOf(adapterId);
  return index >= 0 ? segments[index + 1] : undefined;
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
export function telegramAdapter(options: TelegramAdapterOptions | TelegramAccountsOptions): ChannelAdapter {
  if (typeof options === 'object' && options !== null && 'accounts' in options && options.accounts !== undefined) {
    // The host's own resolver object (not the parsed copy): its methods may rely on `this`.
    return telegramBotsAdapter({ ...parseAdapterOptions(options.id ?? ADAPTER_ID, accountsOptionsSchema, options), accounts: options.accounts });
  }
  const settings = parseAdapterOptions((options as TelegramAdapterOptions | undefined)?.id ?? ADAPTER_ID, optionsSchema, options);
  const id = settings.id;
  const bot: Bot = { id: Number(settings.botToken.split(':')[0]), token: settings.botToken, ...(settings.botUsername ? { username: settings.botUsername } : {}) };
  const webhook = settings.secretToken !== undefined;
  const api = createBotApi(id, settings.apiBaseUrl);
  const call = <Result extends z.ZodType>(name: string, body: Record<string, unknown>, result: Result, context: AdapterContext) => api.call(bot, name, body, result, context);
  const readUpdates = (updates: unknown[], context: AdapterContext) => readBotUpdates(id, bot, updates, context);

  async function doHandleWebhook(request: Request, context: AdapterContext): Promise<WebhookResult> {
    if (request.method !== 'POST') throw new InvalidPayloadError(`[${id}] Telegram delivers updates with POST, not ${request.method}.`, { status: 405 });
    await verifySharedSecret({ secret: settings.secretToken!, given: request.headers.get(SECRET_HEADER), headerName: SECRET_HEADER });
    return answerUpdate(readUpdates([parseJson(decodeUtf8(await readRawBody(request)))], context));
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

  return {
    ...telegramShape(id, webhook, true),
    ...(webhook ? { doHandleWebhook } : { doPoll }),
    doSendReply: (reply, context) => sendBotReply(id, api, bot, reply, context),
    doPublish: (post, context) => publishTelegramPost(post, context, { adapterId: id, call }),
    doSendMessage: async (message, context) => telegramOutreachResult(await call('sendMessage', telegramOutreachBody(message, id), telegramMessageSchema, context)),
  };
}

/** The adapter's description, for both modes. */
function telegramShape(id: string, webhook: boolean, publish = false) {
  return {
    specificationVersion: 'v1' as const,
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
      // Channel posts go out from the one bot of a single-bot adapter.
      publish,
      outreach: true,
    },
    webhook: { authentication: webhook ? ('shared-secret' as const) : ('none-polling' as const) },
    decodeError: readTelegramError,
  };
}

/** A button press is answered in the webhook response itself, so the user's button stops spinning without another call. */
function answerUpdate(outcome: ReturnType<typeof readBotUpdates>): WebhookResult {
  const { events, warnings, rejected, callbackQueryId } = outcome;
  const response = callbackQueryId ? Response.json({ method: 'answerCallbackQuery', callback_query_id: callbackQueryId }) : undefined;
  return { events, warnings, rejected, ...(response ? { response } : {}) };
}

/** Many bots, one adapter: each webhook URL names its bot, resolved through the host's table. */
function telegramBotsAdapter(settings: z.output<typeof accountsOptionsSchema>): ChannelAdapter {
  const id = settings.id;
  const api = createBotApi(id, settings.apiBaseUrl);
  const bots: AccountDirectory<TelegramBotCredentials> = createAccountDirectory(id, settings.accounts, {
    check: (credentials) => (typeof credentials?.botToken === 'string' && typeof credentials.secretToken === 'string' ? undefined : 'without `credentials.botToken` and `credentials.secretToken`'),
  });
  const prefix = (botId: string, value: string) => `${botId}:${value}`;
  /** A sent message as this adapter stores it: ids prefixed with the bot, the bot kept as its account. */
  const fromBot = (botId: string, sent: SendResult): SendResult => ({
    ...sent,
    nativeId: prefix(botId, sent.nativeId),
    ...(sent.conversationId ? { conversationId: prefix(botId, sent.conversationId) } : {}),
    channelMetadata: { ...sent.channelMetadata, account: botId },
  });

  async function doHandleWebhook(request: Request, context: AdapterContext): Promise<WebhookResult> {
    if (request.method !== 'POST') throw new InvalidPayloadError(`[${id}] Telegram delivers updates with POST, not ${request.method}.`, { status: 405 });
    const botId = botIdOf(request, id);
    if (!botId || !/^\d+$/.test(botId)) throw new UnknownAccountError(id, botId ?? '(none)', 'Name the bot in its webhook URL: `?bot=<bot id>` or `/<adapter id>/<bot id>`.');
    // Unsigned and named only by its URL: an unknown bot is refused (404), never stored.
    const account = await bots.get(botId, context);
    if (!account.credentials.botToken?.startsWith(`${botId}:`)) throw new UnknownAccountError(id, botId, 'The resolver answered a bot token of another bot.');
    await verifySharedSecret({ secret: account.credentials.secretToken, given: request.headers.get(SECRET_HEADER), headerName: SECRET_HEADER });
    const bot: Bot = { id: Number(botId), token: account.credentials.botToken, ...(account.credentials.botUsername ? { username: account.credentials.botUsername } : {}) };
    const outcome = readBotUpdates(id, bot, [parseJson(decodeUtf8(await readRawBody(request)))], context);
    outcome.events = outcome.events.map((event) =>
      event.type === 'interaction'
        ? {
            ...event,
            interaction: {
              ...event.interaction,
              nativeId: prefix(botId, event.interaction.nativeId),
              ...(event.interaction.conversationId ? { conversationId: prefix(botId, event.interaction.conversationId.replace(`${id}:`, '')) } : {}),
              ...(event.interaction.parentId ? { parentId: prefix(botId, event.interaction.parentId) } : {}),
            },
          }
        : event,
    );
    tagWithAccount(outcome, id, account);
    return answerUpdate(outcome);
  }

  async function doSendReply(reply: OutboundReply, context: AdapterContext): Promise<SendResult> {
    const target = reply.inReplyTo;
    const botId = accountOfInteraction(target);
    if (!botId) throw new UnknownAccountError(id, '(none)', `Interaction ${target.id} names no bot to answer from.`);
    return bots.call(botId, context, async (account) => {
      const bot: Bot = { id: Number(botId), token: account.credentials.botToken };
      return fromBot(botId, await sendBotReply(id, api, bot, reply, context));
    });
  }

  /** A bot writes first only to people who started it: from the bot they last wrote to. */
  async function doSendMessage(message: OutboundMessage, context: AdapterContext): Promise<SendResult> {
    const botId = message.lastInbound ? accountOfInteraction(message.lastInbound) : undefined;
    if (!botId) throw new UnknownAccountError(id, '(none)', `${message.recipient.nativeId} never wrote to one of the bots; a bot cannot write first.`);
    return bots.call(botId, context, async (account) => {
      const bot: Bot = { id: Number(botId), token: account.credentials.botToken };
      return fromBot(botId, telegramOutreachResult(await api.call(bot, 'sendMessage', telegramOutreachBody(message, id), telegramMessageSchema, context)));
    });
  }

  return { ...telegramShape(id, true), doHandleWebhook, doSendReply, doSendMessage };
}

/** Bot API calls for one adapter; the bot's token is named per call. */
function createBotApi(id: string, apiBaseUrl: string) {
  const method = (bot: Bot, name: string) => `${apiBaseUrl}/bot${bot.token}/${name}`;

  /** Calls a Bot API method; every failure becomes a typed error (the token never appears in messages). */
  async function call<Result extends z.ZodType>(bot: Bot, name: string, body: Record<string, unknown>, result: Result, context: AdapterContext): Promise<z.output<Result>> {
    let answer: unknown;
    try {
      answer = await context.http.post(method(bot, name), { json: body, ...(context.signal ? { signal: context.signal } : {}) }).json();
    } catch (error) {
      throw redact(bot, await toChannelApiError(id, error, readTelegramError));
    }
    const parsed = telegramOkSchema(result).safeParse(answer);
    if (!parsed.success) {
      const info = readTelegramError(answer);
      throw new ChannelApiError(`Telegram answered ${name} with something unexpected${info?.message ? `: ${info.message}` : ''}.`, {
        adapterId: id,
        method: 'POST',
        url: method(bot, name).replace(bot.token, '<token>'),
        isRetryable: false,
        responseBody: JSON.stringify(answer)?.slice(0, 4000),
      });
    }
    return parsed.data.result as z.output<Result>;
  }

  /** Errors carry the URL, which holds the bot token: keep it out of logs. */
  function redact(bot: Bot, error: ChannelApiError): ChannelApiError {
    const hidden = (value: string) => value.replaceAll(bot.token, '<token>');
    Object.defineProperty(error, 'message', { value: hidden(error.message) });
    if (error.url) Object.defineProperty(error, 'url', { value: hidden(error.url) });
    return error;
  }

  return { call };
}

/** Reads updates of one bot. */
function readBotUpdates(id: string, bot: Bot, updates: unknown[], context: AdapterContext) {
  const contextOf = (adapterContext: AdapterContext): TelegramContext => ({ channel: id, botId: bot.id, ...(bot.username ? { botUsername: bot.username } : {}), now: adapterContext.now() });
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

/** Answers as one bot: in the chat the message came from, quoting it, or privately to the person. */
async function sendBotReply(id: string, api: ReturnType<typeof createBotApi>, bot: Bot, reply: OutboundReply, context: AdapterContext): Promise<SendResult> {
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
  const sent = await api.call(bot, 'sendMessage', body, telegramMessageSchema, context);
  return {
    nativeId: messageNativeId(sent.chat.id, sent.message_id),
    createdAt: new Date(sent.date * 1000).toISOString(),
    ...(privately ? { conversationId: String(sent.chat.id) } : {}),
    channelMetadata: { chatId: sent.chat.id, chatType: sent.chat.type, messageId: sent.message_id },
    warnings,
  };
}
