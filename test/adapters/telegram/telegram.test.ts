/**
 * The Telegram adapter: the conformance kit in webhook mode (shared secret) and in polling mode
 * (getUpdates), then end-to-end checks through createSocialCrm. Payloads follow the Bot API
 * reference (core.telegram.org/bots/api: Update, Message, CallbackQuery, MessageReactionUpdated,
 * ResponseParameters); values are invented, in English and Turkish. The API is mocked by msw at
 * https://api.telegram.org/bot<token>/<method>.
 */
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSocialCrm, isSocialCrmError, memoryLedger, type ChannelApiError, type InteractionLedger, type SocialCrm, type SocialCrmEvents } from 'social-crm';
import { createChannelTestServer, describeChannelAdapter, type PublishFixture, type RecordedCall } from 'social-crm/testing';
import { telegramAdapter, type TelegramAdapterOptions } from 'social-crm/adapters/telegram';

const BOT_ID = 7011112222;
const TOKEN = `${BOT_ID}:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw`;
const SECRET = 'acme-webhook-secret_2026';
const API = 'https://api.telegram.org';
const WEBHOOK_URL = 'https://crm.example.test/webhooks/telegram';
const GROUP = { id: -1001987654321, title: 'Acme Topluluk', username: 'acme_topluluk', type: 'supergroup' };
const CHANNEL = { id: -1002233445566, title: 'Acme Duyuru', username: 'acme_duyuru', type: 'channel' };

const ayse = { id: 583920174, is_bot: false, first_name: 'Ayşe', last_name: 'Yılmaz', username: 'ayseyilmaz', language_code: 'tr' };
const tom = { id: 611200300, is_bot: false, first_name: 'Tom', last_name: 'Baker', language_code: 'en' };
const bot = { id: BOT_ID, is_bot: true, first_name: 'Acme Support', username: 'acme_support_bot' };
const privateChat = (user: typeof ayse | typeof tom) => ({ id: user.id, first_name: user.first_name, ...('username' in user ? { username: user.username } : {}), type: 'private' });

let updateId = 804512300;
const update = (member: Record<string, unknown>) => ({ update_id: ++updateId, ...member });

function message(messageId: number, from: Record<string, unknown>, chat: Record<string, unknown>, text: string, extra: Record<string, unknown> = {}) {
  return { message_id: messageId, from, chat, date: 1767227000 + messageId, text, ...extra };
}

const privateText = (messageId: number, text: string, from: typeof ayse | typeof tom = ayse) => update({ message: message(messageId, from, privateChat(from), text) });
const groupText = (messageId: number, from: typeof ayse | typeof tom, text: string, extra: Record<string, unknown> = {}) => update({ message: message(messageId, from, GROUP, text, extra) });

const options: TelegramAdapterOptions = { botToken: TOKEN, secretToken: SECRET, botUsername: 'acme_support_bot' };
const sign = () => ({ 'x-telegram-bot-api-secret-token': SECRET });

function sent(chat: Record<string, unknown>, messageId: number, text: string) {
  return { ok: true, result: { message_id: messageId, from: bot, chat, date: 1767230000, text } };
}

/** `sendMessage` at its real URL; the `bot<id>:<token>` segment is one path parameter (msw reads `:` as a parameter). */
function sendRoute(server: ReturnType<typeof createChannelTestServer>, respond: (call: RecordedCall, index: number) => Response | object) {
  server.route('post', `${API}/:botPath/sendMessage`, ({ call, index }) => respond(call, index));
}

function expectBotPath(call: RecordedCall, method: string) {
  expect(call.url).toBe(`${API}/bot${TOKEN}/${method}`);
  expect(call.params.botPath).toBe(`bot${TOKEN}`);
}

const tooManyRequests = (seconds: number) =>
  HttpResponse.json({ ok: false, error_code: 429, description: `Too Many Requests: retry after ${seconds}`, parameters: { retry_after: seconds } }, { status: 429 });

const server = createChannelTestServer();

/** Channel posts, the same in webhook and polling mode. */
const channelPublish: PublishFixture = {
  request: { account: '@acme_duyuru', text: 'Yeni şubemiz Kadıköy’de açıldı! Our new store is open.', link: 'https://acme.example/kadikoy' },
  routes(routes) {
    sendRoute(routes, () => ({ ok: true, result: { message_id: 88, sender_chat: CHANNEL, chat: CHANNEL, date: 1767240000, text: 'Yeni şubemiz Kadıköy’de açıldı! Our new store is open.\n\nhttps://acme.example/kadikoy' } }));
  },
  expectRequest(calls) {
    expect(calls).toHaveLength(1);
    expectBotPath(calls[0]!, 'sendMessage');
    expect(calls[0]!.bodyJson).toEqual({ chat_id: '@acme_duyuru', text: 'Yeni şubemiz Kadıköy’de açıldı! Our new store is open.\n\nhttps://acme.example/kadikoy' });
  },
  nativeId: `${CHANNEL.id}_88`,
  rateLimited(routes, seconds) {
    sendRoute(routes, (_call, index) => (index === 0 ? tooManyRequests(seconds) : { ok: true, result: { message_id: 89, sender_chat: CHANNEL, chat: CHANNEL, date: 1767240100, text: 'x' } }));
  },
  error: {
    routes: (routes) => sendRoute(routes, () => HttpResponse.json({ ok: false, error_code: 400, description: 'Bad Request: need administrator rights in the channel chat' }, { status: 400 })),
    platformCode: 400,
    status: 400,
  },
};

beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

const edited = update({ edited_message: { ...message(1532, ayse, privateChat(ayse), 'Siparişim #4411 nerede?'), edit_date: 1767228800 } });

describeChannelAdapter('telegram (webhook)', {
  factory: telegramAdapter,
  options,
  server,
  invalidOptions: [{}, { botToken: 'not-a-token' }, { botToken: TOKEN, secretToken: 'has spaces' }, { botToken: TOKEN, pollTimeoutSeconds: 90 }],
  webhook: {
    sign,
    fixtures: [
      // `date` is epoch seconds: message 1532 is sent at 1767228532, 2026-01-01T00:48:52Z.
      {
        name: 'a private message in Turkish',
        body: privateText(1532, 'Siparişim nerede?'),
        interactions: 1,
        kinds: ['direct_message'],
        expect: [{ id: `telegram:${ayse.id}_1532`, createdAt: '2026-01-01T00:48:52.000Z', visibility: 'private', direction: 'inbound', brand: false, authorId: String(ayse.id) }],
      },
      {
        name: 'a private message in English',
        body: privateText(77, 'My order has not arrived yet.', tom),
        interactions: 1,
        kinds: ['direct_message'],
        expect: [{ id: `telegram:${tom.id}_77`, createdAt: '2026-01-01T00:24:37.000Z', visibility: 'private', direction: 'inbound', brand: false, authorId: String(tom.id) }],
      },
      {
        name: 'group chatter',
        body: groupText(88, tom, 'Anyone else waiting for their Acme parcel?'),
        interactions: 1,
        kinds: ['direct_message'],
        expect: [{ id: `telegram:${GROUP.id}_88`, createdAt: '2026-01-01T00:24:48.000Z', visibility: 'public', direction: 'peer', brand: false, authorId: String(tom.id) }],
      },
      {
        name: 'a reaction in the group',
        body: update({ message_reaction: { chat: GROUP, message_id: 88, user: ayse, date: 1767227100, old_reaction: [], new_reaction: [{ type: 'emoji', emoji: '👍' }] } }),
        interactions: 1,
        kinds: ['reaction'],
        expect: [{ id: `telegram:reaction:${GROUP.id}_88:${ayse.id}`, createdAt: '2026-01-01T00:25:00.000Z', visibility: 'public', direction: 'peer', brand: false, authorId: String(ayse.id) }],
      },
      {
        name: "a post in the brand's channel",
        body: update({ channel_post: { message_id: 5, sender_chat: { id: -1001555000111, title: 'Acme News', username: 'acme_news', type: 'channel' }, chat: { id: -1001555000111, title: 'Acme News', username: 'acme_news', type: 'channel' }, date: 1767227500, text: 'Yeni mağazamız açıldı!' } }),
        interactions: 1,
        kinds: ['post'],
        expect: [{ id: 'telegram:-1001555000111_5', visibility: 'public', direction: 'outbound', brand: true, authorId: '-1001555000111' }],
      },
    ],
    unknownEvent: update({ poll: { id: '5230', question: 'Kargo hızlı mıydı?', options: [], is_closed: false } }),
    edit: { original: privateText(1532, 'Siparişim nerede?'), edited, id: `telegram:${ayse.id}_1532`, text: 'Siparişim #4411 nerede?' },
  },
  reply: {
    target: { body: privateText(1532, 'Siparişim nerede?') },
    targetId: `telegram:${ayse.id}_1532`,
    routes(routes) {
      sendRoute(routes, () => sent(privateChat(ayse), 1533, 'Thank you, we are on it.'));
    },
    expectRequest(call) {
      expectBotPath(call, 'sendMessage');
      expect(call.headers['content-type']).toMatch(/application\/json/);
      expect(call.bodyJson).toEqual({ chat_id: ayse.id, text: 'Thank you, we are on it.', reply_parameters: { message_id: 1532, allow_sending_without_reply: true } });
    },
    rateLimited(routes, seconds) {
      sendRoute(routes, (_call, index) => (index === 0 ? tooManyRequests(seconds) : sent(privateChat(ayse), 1540, 'After the reset')));
    },
    error: {
      routes: (routes) => sendRoute(routes, () => HttpResponse.json({ ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }, { status: 403 })),
      platformCode: 403,
      status: 403,
    },
  },
  publish: channelPublish,
});

/** `getUpdates` pages: two pages of updates, then nothing, honouring `offset`. */
function getUpdatesRoute(routes: ReturnType<typeof createChannelTestServer>, pages: unknown[][]) {
  routes.route('post', `${API}/:botPath/getUpdates`, ({ call }) => {
    const offset = (call.bodyJson as { offset?: number }).offset;
    const pending = pages.flat().filter((candidate) => offset === undefined || (candidate as { update_id: number }).update_id >= offset);
    const limit = (call.bodyJson as { limit: number }).limit;
    return { ok: true, result: pending.slice(0, limit) };
  });
}

const pollPages = [
  [privateText(2001, 'Merhaba, iade nasıl yapılır?'), groupText(2002, tom, 'The new app update is great')],
  [groupText(2003, ayse, '@acme_support_bot faturam gelmedi', { entities: [{ type: 'mention', offset: 0, length: 17 }] })],
];

describeChannelAdapter('telegram (getUpdates)', {
  factory: telegramAdapter,
  options: { botToken: TOKEN, pollLimit: 2, pollTimeoutSeconds: 0 },
  server,
  poll: {
    routes: (routes) => getUpdatesRoute(routes, pollPages),
    totalInteractions: 3,
  },
  publish: channelPublish,
  reply: {
    // A polling adapter has no webhook to deliver the target through: ingest it as the poll would store it.
    target: {
      interaction: {
        channel: 'telegram',
        nativeId: `${tom.id}_300`,
        kind: 'direct_message',
        visibility: 'private',
        author: { channel: 'telegram', nativeId: String(tom.id), displayName: 'Tom Baker' },
        conversationId: String(tom.id),
        text: 'Where is my refund?',
        createdAt: '2026-01-01T10:00:00Z',
        channelMetadata: { telegram: { chatId: tom.id, chatType: 'private', messageId: 300 } },
      },
    },
    targetId: `telegram:${tom.id}_300`,
    routes(routes) {
      sendRoute(routes, () => sent(privateChat(tom), 301, 'Thank you, we are on it.'));
    },
    expectRequest(call) {
      expectBotPath(call, 'sendMessage');
      expect(call.bodyJson).toEqual({ chat_id: tom.id, text: 'Thank you, we are on it.', reply_parameters: { message_id: 300, allow_sending_without_reply: true } });
    },
  },
});

describe('telegram adapter through createSocialCrm', () => {
  let ledger: InteractionLedger;
  let crm: SocialCrm;
  let warnings: Array<SocialCrmEvents['warning']>;

  function setup(adapterOptions: TelegramAdapterOptions = options) {
    ledger = memoryLedger();
    crm = createSocialCrm({ ledger, adapters: [telegramAdapter(adapterOptions)], classifier: false, logger: { debug() {}, info() {}, warn() {}, error() {} }, http: { retries: 2, maxRateLimitWaitMs: 5_000, backoffBaseMs: 10 } });
    warnings = [];
    crm.on('warning', (warning) => warnings.push(warning));
  }
  beforeEach(() => setup());

  const deliver = (body: unknown, headers: Record<string, string> = sign()) =>
    crm.handleWebhook(new Request(WEBHOOK_URL, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }));

  it('stores a private message with the sender as identity and answers with reply_parameters', async () => {
    expect((await deliver(privateText(1532, 'Siparişim hâlâ gelmedi 😞'))).status).toBe(200);
    const row = await ledger.getInteraction(`telegram:${ayse.id}_1532`);
    expect(row).toMatchObject({
      kind: 'direct_message',
      direction: 'inbound',
      visibility: 'private',
      conversationId: `telegram:${ayse.id}`,
      text: 'Siparişim hâlâ gelmedi 😞',
      language: 'tr',
      author: { nativeId: String(ayse.id), handle: 'ayseyilmaz', displayName: 'Ayşe Yılmaz', locale: 'tr', profileUrl: 'https://t.me/ayseyilmaz' },
    });
    sendRoute(server, () => sent(privateChat(ayse), 1533, 'Kontrol ediyoruz.'));
    const reply = await crm.reply(row!.id, 'Kontrol ediyoruz.');
    expect(server.calls[0]!.bodyJson).toEqual({ chat_id: ayse.id, text: 'Kontrol ediyoruz.', reply_parameters: { message_id: 1532, allow_sending_without_reply: true } });
    expect(reply).toMatchObject({ nativeId: `${ayse.id}_1533`, direction: 'outbound', conversationId: row!.conversationId, parentId: `${ayse.id}_1532`, customerId: row!.customerId });
  });

  it('keeps group chatter as peer talk in the group thread, and a reply to the bot or an @mention as inbound', async () => {
    await deliver(groupText(88, tom, 'Anyone else waiting for their Acme parcel? #kargo', { entities: [{ type: 'hashtag', offset: 43, length: 6 }] }));
    await deliver(groupText(89, ayse, 'Evet, ben de bekliyorum', { reply_to_message: { message_id: 88, from: tom, chat: GROUP, date: 1767227088 } }));
    await deliver(groupText(90, tom, 'Thanks!', { reply_to_message: { message_id: 70, from: bot, chat: GROUP, date: 1767227070 } }));
    await deliver(groupText(91, ayse, '@acme_support_bot faturam nerede?', { entities: [{ type: 'mention', offset: 0, length: 17 }] }));
    const rows = new Map((await ledger.queryInteractions({ channel: 'telegram', limit: 10 })).items.map((row) => [row.nativeId, row]));
    const id = (messageId: number) => `${GROUP.id}_${messageId}`;
    expect(rows.get(id(88))).toMatchObject({ direction: 'peer', kind: 'direct_message', visibility: 'public', conversationId: `telegram:${GROUP.id}`, hashtags: ['kargo'], url: 'https://t.me/acme_topluluk/88' });
    expect(rows.get(id(89))).toMatchObject({ direction: 'peer', parentId: id(88), conversationId: `telegram:${GROUP.id}` });
    expect(rows.get(id(90))).toMatchObject({ direction: 'inbound', parentId: id(70) });
    expect(rows.get(id(91))).toMatchObject({ direction: 'inbound', kind: 'mention', mentions: ['acme_support_bot'] });
    expect(rows.get(id(88))!.customerId).not.toBe(rows.get(id(89))!.customerId);
  });

  it('answers a group message in the group, in its forum topic, quoting it', async () => {
    await deliver(groupText(95, ayse, 'Kargo takip numarası?', { message_thread_id: 12 }));
    sendRoute(server, () => sent(GROUP, 96, 'DM attık.'));
    await crm.reply(`telegram:${GROUP.id}_95`, 'Takip numaranızı özelden ilettik.');
    expect(server.calls[0]!.bodyJson).toEqual({ chat_id: GROUP.id, text: 'Takip numaranızı özelden ilettik.', message_thread_id: 12, reply_parameters: { message_id: 95, allow_sending_without_reply: true } });
  });

  it('stores a channel post as the brand’s own post', async () => {
    const channel = { id: -1001555000111, title: 'Acme News', username: 'acme_news', type: 'channel' };
    await deliver(update({ channel_post: { message_id: 5, sender_chat: channel, chat: channel, date: 1767227500, text: 'Yeni mağazamız açıldı! Our new store is open.' } }));
    const row = await ledger.getInteraction(`telegram:${channel.id}_5`);
    expect(row).toMatchObject({ kind: 'post', direction: 'outbound', visibility: 'public', author: { nativeId: String(channel.id), isBrand: true, handle: 'acme_news' } });
    expect(row!.customerId).toBeUndefined();
  });

  it('stores a button press under the message with the button label, and answers the callback in the webhook response', async () => {
    const keyboard = { inline_keyboard: [[{ text: 'İade talebi', callback_data: 'refund:4411' }, { text: 'Track', callback_data: 'track:4411' }]] };
    const response = await deliver(update({ callback_query: { id: '4382bfdwdsb323b2d9', from: ayse, message: { ...message(1600, bot, privateChat(ayse), 'Ne yapmak istersiniz?'), reply_markup: keyboard }, chat_instance: '-8543219', data: 'refund:4411' } }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ method: 'answerCallbackQuery', callback_query_id: '4382bfdwdsb323b2d9' });
    const row = await ledger.getInteraction('telegram:callback:4382bfdwdsb323b2d9');
    expect(row).toMatchObject({ kind: 'direct_message', text: 'İade talebi', parentId: `${ayse.id}_1600`, conversationId: `telegram:${ayse.id}`, channelMetadata: { telegram: { callbackData: 'refund:4411' } } });
  });

  it('edits a reaction when it changes and tombstones it when taken back', async () => {
    const reaction = (oldReaction: unknown[], newReaction: unknown[]) => update({ message_reaction: { chat: GROUP, message_id: 88, user: ayse, date: 1767227100, old_reaction: oldReaction, new_reaction: newReaction } });
    const id = `telegram:reaction:${GROUP.id}_88:${ayse.id}`;
    await deliver(reaction([], [{ type: 'emoji', emoji: '👍' }]));
    expect((await ledger.getInteraction(id))).toMatchObject({ kind: 'reaction', reaction: '👍', parentId: `${GROUP.id}_88`, direction: 'peer' });
    await deliver(reaction([{ type: 'emoji', emoji: '👍' }], [{ type: 'emoji', emoji: '🔥' }]));
    expect((await ledger.getInteraction(id))).toMatchObject({ reaction: '🔥', state: 'edited' });
    await deliver(reaction([{ type: 'emoji', emoji: '🔥' }], []));
    expect((await ledger.getInteraction(id))?.state).toBe('deleted');
  });

  it('refuses a wrong secret and other methods, and dead-letters an update it cannot read', async () => {
    expect((await deliver(privateText(1, 'x'), { 'x-telegram-bot-api-secret-token': `${SECRET}x` })).status).toBe(401);
    const get = await crm.handleWebhook(new Request(WEBHOOK_URL, { method: 'GET' }));
    expect(get.status).toBe(405);
    expect((await deliver(update({ message: { message_id: 'not a number', chat: GROUP } }))).status).toBe(200);
    expect((await ledger.listDeadLetters()).items).toHaveLength(1);
    expect((await ledger.queryInteractions({ channel: 'telegram', limit: 10 })).items).toHaveLength(0);
  });

  it('fails with a typed, non-retryable error for a blocked bot, without the token in the message', async () => {
    await deliver(privateText(1700, 'Hello?'));
    sendRoute(server, () => HttpResponse.json({ ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }, { status: 403 }));
    const thrown = (await crm.reply(`telegram:${ayse.id}_1700`, 'Hi').catch((error: unknown) => error)) as ChannelApiError;
    expect(isSocialCrmError(thrown, 'CHANNEL_API_ERROR')).toBe(true);
    expect(thrown.isRetryable).toBe(false);
    expect(thrown.platformCode).toBe(403);
    expect(thrown.message).toMatch(/bot was blocked by the user/);
    expect(thrown.message).not.toContain(TOKEN);
    expect(thrown.url).not.toContain(TOKEN);
  });

  it('polls getUpdates with the offset cursor, the documented parameters, and confirms what it stored', async () => {
    setup({ botToken: TOKEN, botUsername: 'acme_support_bot', pollLimit: 2, pollTimeoutSeconds: 5 });
    getUpdatesRoute(server, pollPages);
    const [first] = await crm.poll({ maxPages: 10 });
    expect(first?.error).toBeUndefined();
    expect(first?.stored).toBe(3);
    const bodies = server.calls.map((call) => call.bodyJson as Record<string, unknown>);
    expectBotPath(server.calls[0]!, 'getUpdates');
    expect(bodies[0]).toEqual({ limit: 2, timeout: 5, allowed_updates: ['message', 'edited_message', 'channel_post', 'edited_channel_post', 'callback_query', 'message_reaction'] });
    const firstIds = (pollPages[0] as Array<{ update_id: number }>).map((entry) => entry.update_id);
    expect(bodies[1]).toMatchObject({ offset: Math.max(...firstIds) + 1 });
    const lastId = (pollPages[1]![0] as { update_id: number }).update_id;
    expect(await ledger.getCursor('telegram', 'default')).toBe(String(lastId + 1));
    const rows = (await ledger.queryInteractions({ channel: 'telegram', limit: 10 })).items;
    expect(rows.find((row) => row.kind === 'mention')).toMatchObject({ direction: 'inbound', text: '@acme_support_bot faturam gelmedi' });
  });

  it('has webhook or polling by its options, never both', () => {
    const polling = telegramAdapter({ botToken: TOKEN });
    expect(polling.capabilities).toMatchObject({ webhook: false, poll: true });
    expect(polling.webhook?.authentication).toBe('none-polling');
    const hooked = telegramAdapter(options);
    expect(hooked.capabilities).toMatchObject({ webhook: true, poll: false });
    expect(hooked.webhook?.authentication).toBe('shared-secret');
  });
});

describe('telegram channel posts through crm.publish', () => {
  function crmWith(ledger = memoryLedger()) {
    return { ledger, crm: createSocialCrm({ ledger, adapters: [telegramAdapter(options)], classifier: false, logger: { debug() {}, info() {}, warn() {}, error() {} } }) };
  }

  it('posts a photo with its caption through sendPhoto and stores the channel post the channel_post update will name', async () => {
    const { crm, ledger } = crmWith();
    server.route('post', `${API}/:botPath/sendPhoto`, () => ({
      ok: true,
      result: { message_id: 90, sender_chat: CHANNEL, chat: CHANNEL, date: 1767240200, photo: [{ file_id: 'AgACAgQAAxkDAAIBWmc', file_unique_id: 'AQADx7ExG', width: 1280, height: 720 }], caption: 'Kampanya: %20 indirim' },
    }));
    const post = await crm.publish({ channel: 'telegram', account: String(CHANNEL.id), text: 'Kampanya: %20 indirim', media: [{ url: 'https://cdn.acme.example/kampanya.jpg' }], campaignId: 'bahar', idempotencyKey: 'bahar:telegram' });
    expectBotPath(server.calls[0]!, 'sendPhoto');
    expect(server.calls[0]!.bodyJson).toEqual({ chat_id: CHANNEL.id, photo: 'https://cdn.acme.example/kampanya.jpg', caption: 'Kampanya: %20 indirim' });
    expect(post).toMatchObject({ id: `telegram:${CHANNEL.id}_90`, kind: 'post', direction: 'outbound', conversationId: `telegram:${CHANNEL.id}`, url: 'https://t.me/acme_duyuru/90' });
    // Telegram echoes the bot's own channel post as a channel_post update: it is the same post, not a new one.
    const echo = update({ channel_post: { message_id: 90, sender_chat: CHANNEL, chat: CHANNEL, date: 1767240200, caption: 'Kampanya: %20 indirim' } });
    const response = await crm.handleWebhook(new Request(WEBHOOK_URL, { method: 'POST', headers: { 'content-type': 'application/json', ...sign() }, body: JSON.stringify(echo) }));
    expect(response.status).toBe(200);
    const posts = (await ledger.queryInteractions({ channel: 'telegram' })).items;
    expect(posts.map((item) => item.id)).toEqual([`telegram:${CHANNEL.id}_90`]);
    expect(posts[0]!.author.isBrand).toBe(true);
  });

  it('refuses a post without a channel to post in, before any call', async () => {
    const { crm } = crmWith();
    let thrown: unknown;
    try {
      await crm.publish({ channel: 'telegram', text: 'Merhaba', idempotencyKey: 'no-channel' });
    } catch (error) {
      thrown = error;
    }
    expect(isSocialCrmError(thrown, 'INVALID_OPTIONS')).toBe(true);
    expect((thrown as Error).message).toMatch(/account/);
    expect(server.calls).toHaveLength(0);
  });
});
