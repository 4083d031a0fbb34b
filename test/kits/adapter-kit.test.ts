/**
 * The channel-adapter kit against a Telegram-like adapter with one seeded mistake each
 * (test/kits/broken-adapters.ts): each mistake must fail the kit with a message that names the
 * broken rule, and the adapter without a mistake must pass every check. The Bot API is mocked by
 * msw with the documented Update, Message and error shapes.
 */
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkChannelAdapter, createChannelTestServer, type ConformanceResult, type DescribeChannelAdapterOptions, type RecordedCall, type WebhookFixture } from 'social-crm/testing';
import { miniTelegramAdapter, type AdapterMistake, type MiniTelegramOptions } from './broken-adapters.js';

const TOKEN = '7011112222:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const SECRET = 'acme-webhook-secret_2026';
const ayse = { id: 583920174, is_bot: false, first_name: 'Ayşe', last_name: 'Yılmaz', username: 'ayseyilmaz' };
const tom = { id: 611200300, is_bot: false, first_name: 'Tom' };
const GROUP = { id: -1001987654321, title: 'Acme Topluluk', username: 'acme_topluluk', type: 'supergroup' };
const NEWS = { id: -1001555000111, title: 'Acme News', username: 'acme_news', type: 'channel' };
const privateChat = { id: ayse.id, first_name: ayse.first_name, username: ayse.username, type: 'private' };

// 1767227532 s is 2026-01-01T00:32:12Z; read as milliseconds it would be 1970-01-21.
const directMessage = { update_id: 804512301, message: { message_id: 1532, from: ayse, chat: privateChat, date: 1767227532, text: 'Siparişim nerede?' } };
const groupMessage = { update_id: 804512302, message: { message_id: 88, from: tom, chat: GROUP, date: 1767227600, text: 'Anyone else waiting for their Acme parcel?' } };
const channelPost = { update_id: 804512303, channel_post: { message_id: 5, sender_chat: NEWS, chat: NEWS, date: 1767227700, text: 'Yeni mağazamız açıldı!' } };

const fixtures: WebhookFixture[] = [
  {
    name: 'a private message',
    body: directMessage,
    interactions: 1,
    kinds: ['direct_message'],
    expect: [{ id: `telegram:${ayse.id}_1532`, createdAt: '2026-01-01T00:32:12.000Z', visibility: 'private', direction: 'inbound', brand: false, authorId: String(ayse.id) }],
  },
  {
    name: 'group chatter',
    body: groupMessage,
    interactions: 1,
    expect: [{ id: `telegram:${GROUP.id}_88`, createdAt: '2026-01-01T00:33:20.000Z', visibility: 'public', direction: 'peer', brand: false, authorId: String(tom.id) }],
  },
  {
    name: "the brand's channel post",
    body: channelPost,
    interactions: 1,
    expect: [{ id: `telegram:${NEWS.id}_5`, visibility: 'public', direction: 'outbound', brand: true, kind: 'post' }],
  },
];

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

const sendRoute = (respond: (call: RecordedCall) => Response | object) => server.route('post', 'https://api.telegram.org/:botPath/sendMessage', ({ call }) => respond(call));

function kitOptions(mistake?: AdapterMistake, declared = true): DescribeChannelAdapterOptions<MiniTelegramOptions> {
  return {
    factory: miniTelegramAdapter,
    options: { botToken: TOKEN, secretToken: SECRET, ...(mistake ? { mistake } : {}) },
    server,
    webhook: {
      sign: () => ({ 'x-telegram-bot-api-secret-token': SECRET }),
      fixtures: declared ? fixtures : fixtures.map(({ expect: _declared, ...fixture }) => fixture),
      unknownEvent: { update_id: 804512304, poll: { id: '5230', question: 'Kargo hızlı mıydı?', options: [], is_closed: false } },
    },
    reply: {
      target: { body: directMessage },
      targetId: `telegram:${ayse.id}_1532`,
      routes: () => sendRoute(() => ({ ok: true, result: { message_id: 1533, chat: privateChat, date: 1767230000, text: 'Thank you, we are on it.' } })),
      expectRequest(call) {
        expect(call.params.botPath).toBe(`bot${TOKEN}`);
        expect(call.bodyJson).toEqual({ chat_id: ayse.id, text: 'Thank you, we are on it.', reply_parameters: { message_id: 1532, allow_sending_without_reply: true } });
      },
      error: {
        routes: () => sendRoute(() => HttpResponse.json({ ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }, { status: 403 })),
        platformCode: 403,
        status: 403,
      },
    },
    publish: {
      request: { account: '@acme_news', text: 'Yeni mağazamız açıldı! Our new store is open.' },
      routes: () => sendRoute(() => ({ ok: true, result: { message_id: 6, sender_chat: NEWS, chat: NEWS, date: 1767231000, text: 'Yeni mağazamız açıldı! Our new store is open.' } })),
      expectRequest(calls) {
        expect(calls).toHaveLength(1);
        expect(calls[0]!.bodyJson).toEqual({ chat_id: '@acme_news', text: 'Yeni mağazamız açıldı! Our new store is open.' });
      },
      // The id the channel_post update gives the same message.
      nativeId: `${NEWS.id}_6`,
      error: {
        routes: () => sendRoute(() => HttpResponse.json({ ok: false, error_code: 400, description: 'Bad Request: need administrator rights in the channel chat' }, { status: 400 })),
        platformCode: 400,
        status: 400,
      },
    },
  };
}

const failures = (results: ConformanceResult[]) => results.filter((result) => result.status === 'failed');

/** Each mistake, the rule the kit names with the fixtures' declarations, and without them (where a general check sees it). */
const MISTAKES: Array<{ mistake: AdapterMistake; caughtBy: string; undeclaredCaughtBy?: string }> = [
  { mistake: 'seconds read as milliseconds', caughtBy: 'has 1970-01-21T10:53:47.532Z (a 1970 date: epoch seconds read as milliseconds?)', undeclaredCaughtBy: 'a 1970 date: epoch seconds read as milliseconds?' },
  { mistake: 'every author marked as the brand', caughtBy: "rule: author.isBrand marks only the brand's own account", undeclaredCaughtBy: 'every author of every fixture came out as the brand' },
  { mistake: 'a direct message stored as public', caughtBy: 'rule: visibility says who can see it: a direct message or closed chat is private' },
  { mistake: 'the author id taken from the username', caughtBy: "rule: author.nativeId is the network's stable user id, not a handle or username" },
  { mistake: 'an unknown update dead-lettered instead of warned', caughtBy: 'rule: an event kind the adapter does not handle is skipped with an `ignored` warning, not rejected', undeclaredCaughtBy: 'not rejected' },
  { mistake: 'post errors not mapped through toChannelApiError', caughtBy: 'rule: a refused post reaches the host as a ChannelApiError: pass the HTTP error through toChannelApiError' },
  { mistake: 'the post stored under its message id alone', caughtBy: 'rule: the post keeps the id comments on it name' },
  { mistake: 'HTTP errors not mapped through toChannelApiError', caughtBy: 'rule: a refused send reaches the host as a ChannelApiError: pass the HTTP error through toChannelApiError', undeclaredCaughtBy: 'toChannelApiError' },
];

describe('the channel-adapter kit catches what plugin authors get wrong', () => {
  it('passes the adapter without a mistake (so every failure below is the mistake)', async () => {
    const results = await checkChannelAdapter(kitOptions());
    expect(failures(results).map((result) => result.message)).toEqual([]);
    expect(results.filter((result) => result.status === 'passed').map((result) => result.rule)).toEqual(
      expect.arrayContaining(["turns a refused send into a ChannelApiError carrying the network's error code", "turns a refused post into a ChannelApiError carrying the network's error code", 'never posts twice for one idempotency key', 'attributes the people in the fixtures to customers, not every author to the brand']),
    );
  });

  it.each(MISTAKES.map((entry) => [entry.mistake, entry] as const))('catches %s, naming the rule', async (_name, { mistake, caughtBy }) => {
    const failed = failures(await checkChannelAdapter(kitOptions(mistake)));
    expect(failed.length, 'the kit let the mistake through').toBeGreaterThan(0);
    for (const failure of failed) expect(failure.message).toMatch(/^Channel adapter rule broken \(.+ › .+\):\n/);
    expect(failed.map((failure) => failure.message).join('\n\n')).toContain(caughtBy);
  });

  it.each(MISTAKES.filter((entry) => entry.undeclaredCaughtBy).map((entry) => [entry.mistake, entry] as const))(
    'catches %s even when the fixtures declare nothing',
    async (_name, { mistake, undeclaredCaughtBy }) => {
      const failed = failures(await checkChannelAdapter(kitOptions(mistake, false)));
      expect(failed.map((failure) => failure.message).join('\n\n')).toContain(undeclaredCaughtBy);
    },
  );
});
