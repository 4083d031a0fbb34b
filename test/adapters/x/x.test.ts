import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, isSocialCrmError, memoryLedger, type ChannelApiError, type InteractionLedger, type SocialCrm, type SocialCrmEvents, privateConversationKey } from 'social-crm';
import { createChannelTestServer, describeChannelAdapter, type ChannelTestServer } from 'social-crm/testing';
import { xAdapter, type XAdapterOptions } from 'social-crm/adapters/x';
import { rejection, failure } from '../../helpers/outcomes.js';

// Payloads are written from X's documentation (field names verbatim, values invented):
// x-api/account-activity/introduction.mdx, x-api/activity/event-payloads.mdx,
// x-api/fundamentals/data-dictionary.mdx, x-api/fundamentals/response-codes-and-errors.mdx.
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

const API = 'https://api.x.com';
const BRAND_ID = '1234567890';
const CONSUMER_SECRET = 'test-consumer-secret-0123456789';
const MENTIONS_URL = `${API}/2/users/${BRAND_ID}/mentions`;
const SEARCH_URL = `${API}/2/tweets/search/recent`;
const PAGE_2_TOKEN = '7140dibdnow9c7btw4b0s7h5t3b0ytb3x0d5ozmd4s0z';
const WEBHOOK_URL = 'https://crm.example.test/webhooks/x';

const options: XAdapterOptions = {
  userId: BRAND_ID,
  bearerToken: 'app-only-bearer-token',
  userAccessToken: 'oauth2-user-access-token',
  consumerSecret: CONSUMER_SECRET,
};

/** Signs a body as X does (independently of the kit's helpers). */
function sign(body: string, secret = CONSUMER_SECRET): Record<string, string> {
  return { 'x-twitter-webhooks-signature': `sha256=${createHmac('sha256', secret).update(body).digest('base64')}` };
}

function crcToken(token: string, secret = CONSUMER_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(token).digest('base64')}`;
}

function rateHeaders(remaining = 449, resetInSeconds = 900): Record<string, string> {
  return {
    'x-rate-limit-limit': '450',
    'x-rate-limit-remaining': String(remaining),
    'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + resetInSeconds),
  };
}

/** Mentions timeline: page 1, page 2 by `pagination_token`, and `sinceResponse` for a `since_id` run. */
function mentionsRoutes(server: ChannelTestServer, sinceResponse = fixture('empty-page')) {
  server.route('get', MENTIONS_URL, ({ request }) => {
    const searchParams = new URL(request.url).searchParams;
    if (searchParams.get('pagination_token') === PAGE_2_TOKEN) return HttpResponse.json(fixture('mentions-page-2'), { headers: rateHeaders() });
    if (searchParams.get('since_id')) return HttpResponse.json(sinceResponse, { headers: rateHeaders() });
    return HttpResponse.json(fixture('mentions-page-1'), { headers: rateHeaders() });
  });
}

function createTweetRoute(server: ChannelTestServer) {
  server.route('post', `${API}/2/tweets`, () => HttpResponse.json(fixture('create-tweet-response'), { status: 201, headers: rateHeaders(99) }));
}

/** POST /2/tweets (replies and posts alike) answering 429 with a reset `seconds` ahead, then the named response. */
function rateLimitedTweets(server: ChannelTestServer, seconds: number, created: string) {
  server.route('post', `${API}/2/tweets`, ({ index }) =>
    index === 0
      ? HttpResponse.json(fixture('error-429-rate-limit'), { status: 429, headers: rateHeaders(0, seconds) })
      : HttpResponse.json(fixture(created), { status: 201 }),
  );
}

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterAll(() => server.close());

describeChannelAdapter('X (API v2)', {
  factory: xAdapter,
  options,
  invalidOptions: [
    {},
    { ...options, userId: '@acme_support' },
    { userId: BRAND_ID },
    { ...options, id: 'Not Kebab' },
    { ...options, keywords: Array.from({ length: 80 }, (_, index) => `keyword${index}`) },
    { ...options, maxResults: 500 },
  ],
  server,
  webhook: {
    sign: (body) => sign(body),
    handshake: {
      request: () => new Request(`${WEBHOOK_URL}?crc_token=challenge_string_42&nonce=1771319702`),
      expectStatus: 200,
      expectBody: JSON.stringify({ response_token: crcToken('challenge_string_42') }),
      // A token shaped like a JSON body would make the CRC sign webhook bodies for anyone.
      invalid: () => new Request(`${WEBHOOK_URL}?crc_token=${encodeURIComponent('{"for_user_id":"1"}')}`),
    },
    fixtures: [
      {
        name: 'a Turkish @mention (tweet_create_events)',
        body: fixture('aaa-tweet-create-mention'),
        interactions: 1,
        kinds: ['mention'],
        // The numeric `id`s lose precision past 2^53: the ids come from `id_str`, the author is not their screen_name.
        expect: [{ id: 'x:1891234567890123456', createdAt: '2026-02-17T09:15:02.000Z', visibility: 'public', direction: 'inbound', brand: false, authorId: '1456789012345678901' }],
      },
      { name: 'a reply and a quote (tweet_create_events)', body: fixture('aaa-tweet-create-thread'), interactions: 2, kinds: ['reply', 'mention'] },
      {
        name: 'a direct message with its users map',
        body: fixture('aaa-direct-message'),
        interactions: 1,
        kinds: ['direct_message'],
        // `created_timestamp` is epoch milliseconds as a string.
        expect: [{ id: 'x:1891300000000000001', createdAt: '2026-02-17T09:25:02.000Z', visibility: 'private', direction: 'inbound', brand: false, authorId: '1456789012345678901' }],
      },
      { name: 'a like (favorite_events)', body: fixture('aaa-favorite'), interactions: 1, kinds: ['reaction'] },
      { name: 'an X Activity API post.mention.create', body: fixture('xaa-post-mention'), interactions: 1, kinds: ['mention'] },
    ],
    unknownEvent: fixture('aaa-unknown-events'),
    edit: {
      original: fixture('aaa-tweet-create-mention'),
      edited: fixture('aaa-tweet-create-edit'),
      id: 'x:1891234567890123456',
      text: '@acme_support Siparişim 3 gündür kargoda, hâlâ ulaşmadı 😡 Sipariş no: 4411 #Kargo',
    },
    deletion: { original: fixture('aaa-tweet-create-mention'), deletion: fixture('aaa-tweet-delete'), id: 'x:1891234567890123456' },
  },
  reply: {
    target: { body: fixture('aaa-tweet-create-mention') },
    targetId: 'x:1891234567890123456',
    routes: createTweetRoute,
    expectRequest(call) {
      expect(call.url).toBe(`${API}/2/tweets`);
      expect(call.headers.authorization).toBe('Bearer oauth2-user-access-token');
      expect(call.bodyJson).toEqual({ text: 'Thank you, we are on it.', reply: { in_reply_to_tweet_id: '1891234567890123456' } });
    },
    error: {
      routes: (mocked) =>
        mocked.route('post', `${API}/2/tweets`, () =>
          HttpResponse.json({ title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.', type: 'https://api.x.com/2/problems/invalid-request' }, { status: 400, headers: { 'content-type': 'application/problem+json' } }),
        ),
      platformCode: 'invalid-request',
      status: 400,
    },
    rateLimited: (mocked, seconds) => rateLimitedTweets(mocked, seconds, 'create-tweet-response'),
  },
  poll: { routes: (mocked) => mentionsRoutes(mocked), totalInteractions: 4 },
  publish: {
    request: { text: 'Yaz kampanyası başladı! Summer sale is on', link: 'https://shop.example/yaz' },
    routes: (mocked) => mocked.route('post', `${API}/2/tweets`, () => HttpResponse.json(fixture('create-post-response'), { status: 201, headers: rateHeaders(98) })),
    expectRequest(calls) {
      expect(calls).toHaveLength(1);
      expect(calls[0]!.url).toBe(`${API}/2/tweets`);
      expect(calls[0]!.headers.authorization).toBe('Bearer oauth2-user-access-token');
      expect(calls[0]!.bodyJson).toEqual({ text: 'Yaz kampanyası başladı! Summer sale is on https://shop.example/yaz' });
    },
    nativeId: '1891500000000000001',
    // The customer's mention, written as a reply to the post the kit publishes.
    comment: (() => {
      const delivery = fixture('aaa-tweet-create-mention') as { tweet_create_events: Array<Record<string, unknown>> };
      return { ...delivery, tweet_create_events: [{ ...delivery.tweet_create_events[0], in_reply_to_status_id: 1891500000000000001, in_reply_to_status_id_str: '1891500000000000001' }] };
    })(),
    error: {
      routes: (mocked) =>
        mocked.route('post', `${API}/2/tweets`, () =>
          HttpResponse.json({ title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.', type: 'https://api.x.com/2/problems/invalid-request', errors: [{ message: 'Your text is too long.' }] }, { status: 400, headers: { 'content-type': 'application/problem+json' } }),
        ),
      platformCode: 'invalid-request',
      status: 400,
    },
    rateLimited: (mocked, seconds) => rateLimitedTweets(mocked, seconds, 'create-post-response'),
  },
});

describe('x adapter through createSocialCrm', () => {
  let ledger: InteractionLedger;
  let crm: SocialCrm;
  let warnings: Array<SocialCrmEvents['warning']>;

  function setup(extra: Partial<XAdapterOptions> = {}) {
    ledger = memoryLedger();
    crm = createSocialCrm({
      ledger,
      adapters: [xAdapter({ ...options, ...extra })],
      classifier: false,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      http: { retries: 2, maxRateLimitWaitMs: 5_000, backoffBaseMs: 10 },
    });
    warnings = [];
    crm.on('warning', (warning) => warnings.push(warning));
  }

  async function deliver(body: unknown, headers?: Record<string, string>): Promise<Response> {
    const text = JSON.stringify(body);
    return crm.handleWebhook(new Request(WEBHOOK_URL, { method: 'POST', headers: { 'content-type': 'application/json', ...(headers ?? sign(text)) }, body: text }));
  }

  async function rows() {
    return (await ledger.queryInteractions({ channel: 'x', includeDeleted: true, limit: 100 })).items;
  }

  afterEach(() => server.reset());

  it('stores a mention whose follower count cannot be believed (past 2^53, or negative) without the count, instead of dead-lettering it', async () => {
    setup();
    for (const [index, count] of [2 ** 53 + 2, -5].entries()) {
      const body = fixture('aaa-tweet-create-mention') as { tweet_create_events: Array<{ id_str: string; user: { followers_count: number } }> };
      const event = body.tweet_create_events[0]!;
      event.id_str = `${event.id_str}${index}`;
      event.user.followers_count = count;
      expect((await deliver(body)).status).toBe(200);
    }
    expect((await ledger.listDeadLetters()).items).toEqual([]);
    const stored = await rows();
    expect(stored).toHaveLength(2);
    for (const row of stored) expect(row.author.followerCount).toBeUndefined();
  });

  describe('polling', () => {
    it('polls two pages, then resumes with since_id: no gaps, no duplicates, edits folded into the original', async () => {
      setup();
      mentionsRoutes(server, fixture('mentions-page-3-since'));
      const [first] = await crm.poll();
      expect(first?.error).toBeUndefined();
      expect(first).toMatchObject({ pages: 2, stored: 4, duplicates: 0 });

      const [pageOne, pageTwo] = server.calls.map((call) => new URL(call.url).searchParams);
      expect(pageOne?.get('since_id')).toBeNull();
      expect(pageOne?.get('pagination_token')).toBeNull();
      expect(pageOne?.get('expansions')).toBe('author_id,referenced_tweets.id,in_reply_to_user_id');
      expect(pageOne?.get('tweet.fields')?.split(',')).toEqual(
        expect.arrayContaining(['created_at', 'conversation_id', 'in_reply_to_user_id', 'referenced_tweets', 'public_metrics', 'lang', 'entities', 'edit_history_tweet_ids']),
      );
      expect(pageOne?.get('user.fields')?.split(',')).toEqual(expect.arrayContaining(['username', 'name', 'verified', 'public_metrics', 'profile_image_url', 'location']));
      expect(server.calls[0]?.headers.authorization).toBe('Bearer app-only-bearer-token');
      expect(pageTwo?.get('pagination_token')).toBe(PAGE_2_TOKEN);
      expect(pageTwo?.get('since_id')).toBeNull();

      const turkish = await ledger.getInteraction('x:1891300000000000005');
      expect(turkish).toMatchObject({
        kind: 'mention',
        direction: 'inbound',
        visibility: 'public',
        language: 'tr',
        hashtags: ['acmefail'],
        mentions: ['acme_support'],
        recipientId: BRAND_ID,
        url: 'https://x.com/ayseyilmaz/status/1891300000000000005',
        createdAt: '2026-02-17T12:40:00.000Z',
        metrics: { likes: 4, replies: 0, shares: 1, quotes: 0, views: 310 },
        author: {
          channel: 'x',
          nativeId: '1456789012345678901',
          handle: 'ayseyilmaz',
          displayName: 'Ayşe Yılmaz',
          followerCount: 1520,
          verified: false,
          avatarUrl: 'https://pbs.twimg.com/profile_images/1000000000000000001/ayse_normal.jpg',
          profileUrl: 'https://x.com/ayseyilmaz',
        },
      });
      expect(turkish?.customerId).toBeTruthy();
      expect(turkish?.channelMetadata.x).toMatchObject({ source: 'mentions', authorLocation: 'İstanbul, Türkiye' });

      const reply = await ledger.getInteraction('x:1891300000000000004');
      expect(reply).toMatchObject({ kind: 'reply', parentId: '1891300000000000003', conversationId: 'x:1891300000000000003' });
      expect(reply?.author).toMatchObject({ handle: 'samokafor', verified: true, followerCount: 120 });
      // Missing optional fields (no created_at, lang, metrics, entities) still make a valid record.
      const sparse = await ledger.getInteraction('x:1891300000000000002');
      expect(sparse).toMatchObject({ kind: 'mention', text: '@acme_support 👍', conversationId: 'x:1891300000000000002' });
      expect(sparse?.language).toBeUndefined();

      const [second] = await crm.poll();
      expect(second?.error).toBeUndefined();
      const resumed = new URL(server.calls[2]!.url).searchParams;
      expect(resumed.get('since_id')).toBe('1891300000000000005');
      expect(resumed.get('pagination_token')).toBeNull();
      expect(second).toMatchObject({ pages: 1, stored: 1, updated: 1, duplicates: 0 });
      const edited = await ledger.getInteraction('x:1891300000000000005');
      expect(edited).toMatchObject({ state: 'edited', text: '@acme_support Modem kutusundan çıktığı gibi bozuk 😤 iade istiyorum, sipariş no 4411 #AcmeFail' });
      expect(await ledger.getInteraction('x:1891300000000000006')).toBeNull();
      const all = await rows();
      expect(all).toHaveLength(5);
      expect(new Set(all.map((row) => row.id)).size).toBe(5);
    });

    it('searches the brand keywords, keeps one record per Post across both streams, and marks the brand as outbound', async () => {
      setup({ keywords: ['acme', 'acme router'] });
      const firstPageOnly = { ...fixture('mentions-page-1'), meta: { newest_id: '1891300000000000005', result_count: 2 } };
      server.route('get', MENTIONS_URL, () => HttpResponse.json(firstPageOnly, { headers: rateHeaders() }));
      server.route('get', SEARCH_URL, () => HttpResponse.json(fixture('search-recent'), { headers: rateHeaders() }));
      const [summary] = await crm.poll();
      expect(summary).toMatchObject({ pages: 1, stored: 4, duplicates: 0 });
      const search = server.calls.find((call) => call.url.startsWith(SEARCH_URL))!;
      const searchParams = new URL(search.url).searchParams;
      expect(searchParams.get('query')).toBe('(acme OR "acme router") -is:retweet');
      expect(searchParams.get('next_token')).toBeNull();
      expect(searchParams.get('expansions')).toBe('author_id,referenced_tweets.id,in_reply_to_user_id');
      const brandPost = await ledger.getInteraction('x:1891300000000000011');
      expect(brandPost).toMatchObject({ kind: 'post', direction: 'outbound', author: { isBrand: true, handle: 'acme_support', verified: true } });
      expect(brandPost?.customerId).toBeUndefined();
      expect(await ledger.getInteraction('x:1891300000000000010')).toMatchObject({ kind: 'post', direction: 'inbound' });
      const cursor = JSON.parse((await ledger.getCursor('x', 'default'))!) as Record<string, { sinceId?: string }>;
      expect(cursor.mentions?.sinceId).toBe('1891300000000000005');
      expect(cursor.search?.sinceId).toBe('1891300000000000011');
    });

    it('keeps polling mentions when the search stream fails, and retries search from the same place', async () => {
      setup({ keywords: ['acme'] });
      server.route('get', MENTIONS_URL, () => HttpResponse.json(fixture('mentions-page-2'), { headers: rateHeaders() }));
      server.route('get', SEARCH_URL, () =>
        HttpResponse.json({ title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.', type: 'https://api.x.com/2/problems/invalid-request' }, { status: 400 }),
      );
      const [summary] = await crm.poll();
      expect(summary?.error).toBeUndefined();
      expect(summary?.stored).toBe(2);
      expect(warnings.some((warning) => warning.warning.details?.stream === 'search' && warning.warning.message.includes('parameters to your request was invalid'))).toBe(true);
      const cursor = JSON.parse((await ledger.getCursor('x', 'default'))!) as Record<string, { sinceId?: string }>;
      expect(cursor.mentions?.sinceId).toBe('1891300000000000003');
      expect(cursor.search?.sinceId).toBeUndefined();
    });

    it('reads partial errors as warnings, reposts as reactions, rejects items that are not Posts, and survives a corrupt cursor', async () => {
      setup();
      await ledger.setCursor('x', 'default', 'not json');
      server.route('get', MENTIONS_URL, () => HttpResponse.json(fixture('mentions-partial-errors'), { headers: rateHeaders() }));
      const [summary] = await crm.poll();
      expect(summary).toMatchObject({ stored: 1, deadLettered: 1 });
      expect(new URL(server.calls[0]!.url).searchParams.get('since_id')).toBeNull();
      expect(await ledger.getInteraction('x:1891300000000000021')).toMatchObject({ kind: 'reaction', reaction: 'retweet', text: '', parentId: '1891300000000000005' });
      const types = warnings.map((warning) => warning.warning.type);
      expect(types).toContain('malformed');
      expect(warnings.some((warning) => warning.warning.message.includes('Could not find tweet'))).toBe(true);
    });
  });

  describe('webhooks', () => {
    it('answers the CRC challenge with the base64 HMAC-SHA256 of the token', async () => {
      setup();
      const response = await crm.handleWebhook(new Request(`${WEBHOOK_URL}?crc_token=Y2hhbGxlbmdl`));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ response_token: crcToken('Y2hhbGxlbmdl') });
      expect((await crm.handleWebhook(new Request(WEBHOOK_URL))).status).toBe(400);
    });

    it('stores a signed mention with its customer, then replies in the thread with POST /2/tweets', async () => {
      setup();
      expect((await deliver(fixture('aaa-tweet-create-mention'))).status).toBe(200);
      const stored = await ledger.getInteraction('x:1891234567890123456');
      expect(stored).toMatchObject({
        kind: 'mention',
        text: '@acme_support Siparişim 3 gündür kargoda, hâlâ ulaşmadı 😡 #Kargo',
        createdAt: '2026-02-17T09:15:02.000Z',
        language: 'tr',
        hashtags: ['kargo'],
        author: { nativeId: '1456789012345678901', handle: 'ayseyilmaz', followerCount: 1520, verified: false },
      });
      expect(stored?.customerId).toBeTruthy();

      createTweetRoute(server);
      const sent = await crm.reply(stored!.id, 'Merhaba Ayşe, siparişini hemen kontrol ediyoruz 🙏');
      expect(server.calls).toHaveLength(1);
      expect(server.calls[0]?.method).toBe('POST');
      expect(server.calls[0]?.headers.authorization).toBe('Bearer oauth2-user-access-token');
      expect(server.calls[0]?.bodyJson).toEqual({
        text: 'Merhaba Ayşe, siparişini hemen kontrol ediyoruz 🙏',
        reply: { in_reply_to_tweet_id: '1891234567890123456' },
      });
      expect(sent).toMatchObject({
        nativeId: '1891400000000000001',
        direction: 'outbound',
        kind: 'reply',
        parentId: '1891234567890123456',
        conversationId: stored!.conversationId,
        customerId: stored!.customerId,
        url: 'https://x.com/i/web/status/1891400000000000001',
      });
    });

    it('threads a reply between customers as peer talk and a quote as a mention', async () => {
      setup();
      await deliver(fixture('aaa-tweet-create-mention'));
      await deliver(fixture('aaa-tweet-create-thread'));
      const reply = await ledger.getInteraction('x:1891234567890199001');
      expect(reply).toMatchObject({ kind: 'reply', direction: 'peer', parentId: '1891234567890123456', conversationId: 'x:1891234567890123456' });
      const quote = await ledger.getInteraction('x:1891234567890199002');
      expect(quote).toMatchObject({ kind: 'mention', attachments: [{ type: 'link', url: 'https://twitter.com/ayseyilmaz/status/1891234567890123456' }] });
      expect(quote?.channelMetadata.x).toMatchObject({ quotedTweetId: '1891234567890123456' });
    });

    it('stores a direct message privately and answers it through the DM endpoint', async () => {
      setup();
      await deliver(fixture('aaa-direct-message'));
      const message = await ledger.getInteraction('x:1891300000000000001');
      expect(message).toMatchObject({
        kind: 'direct_message',
        visibility: 'private',
        conversationId: `x:${privateConversationKey('1234567890-1456789012345678901')}`,
        recipientId: BRAND_ID,
        author: { handle: 'ayseyilmaz', displayName: 'Ayşe Yılmaz', followerCount: 1520 },
      });
      server.route('post', `${API}/2/dm_conversations/with/:participantId/messages`, () => HttpResponse.json(fixture('create-dm-response'), { status: 201 }));
      const sent = await crm.reply(message!.id, 'Merhaba, kargonuz yarın teslim edilecek.');
      expect(server.calls[0]?.params.participantId).toBe('1456789012345678901');
      expect(server.calls[0]?.bodyJson).toEqual({ text: 'Merhaba, kargonuz yarın teslim edilecek.' });
      expect(sent).toMatchObject({ nativeId: '1891400000000000099', kind: 'direct_message', visibility: 'private', conversationId: message!.conversationId });

      const thrown = await rejection(crm.reply(message!.id, { text: 'in public?', visibility: 'public' }));
      expect(isSocialCrmError(thrown, 'REPLY_NOT_ALLOWED')).toBe(true);
    });

    it('tombstones a deleted Post: text and raw payload dropped', async () => {
      setup();
      await deliver(fixture('aaa-tweet-create-mention'));
      expect((await deliver(fixture('aaa-tweet-delete'))).status).toBe(200);
      const row = await ledger.getInteraction('x:1891234567890123456');
      expect(row).toMatchObject({ state: 'deleted', text: '', deletedAt: '2026-02-17T10:10:00.000Z' });
      expect(row?.raw).toBeUndefined();
    });

    it('marks the brand direct message as read when the customer reads it', async () => {
      setup();
      await deliver(fixture('aaa-direct-message'));
      server.route('post', `${API}/2/dm_conversations/with/:participantId/messages`, () => HttpResponse.json(fixture('create-dm-response'), { status: 201 }));
      const sent = await crm.reply('x:1891300000000000001', 'Kargonuz yolda.');
      expect(sent.deliveryStatus).toBe('sent');
      expect((await deliver(fixture('aaa-dm-mark-read'))).status).toBe(200);
      expect((await ledger.getInteraction(sent.id))?.deliveryStatus).toBe('read');
    });

    it('stores an X Activity API dm.received with the v2 users of its map', async () => {
      setup();
      expect((await deliver(fixture('xaa-dm-received'))).status).toBe(200);
      const message = await ledger.getInteraction('x:1891300000000000077');
      expect(message).toMatchObject({
        kind: 'direct_message',
        visibility: 'private',
        conversationId: `x:${privateConversationKey('1234567890-1501234567890123456')}`,
        createdAt: '2026-02-17T10:26:40.000Z',
        author: { nativeId: '1501234567890123456', handle: 'samokafor', displayName: 'Sam Okafor', verified: true, followerCount: 120 },
      });
      expect(message?.channelMetadata.x).toMatchObject({ source: 'activity-api' });
    });

    it('tombstones a Post deleted through the X Activity API', async () => {
      setup();
      await deliver(fixture('xaa-post-mention'));
      expect(await ledger.getInteraction('x:1891234567890155555')).toMatchObject({ kind: 'mention', author: { handle: 'samokafor', verified: true } });
      await deliver(fixture('xaa-post-delete'));
      expect(await ledger.getInteraction('x:1891234567890155555')).toMatchObject({ state: 'deleted', text: '' });
    });

    it('acknowledges unknown event keys with warnings and stores nothing', async () => {
      setup();
      const response = await deliver(fixture('aaa-unknown-events'));
      expect(response.status).toBe(200);
      expect(await rows()).toHaveLength(0);
      expect(warnings.map((warning) => [warning.warning.type, warning.warning.details?.key])).toEqual([
        ['ignored', 'follow_events'],
        ['unsupported', 'poll_vote_events'],
      ]);
    });

    it('refuses a bad or missing signature with 401 and stores nothing', async () => {
      setup();
      const body = fixture('aaa-tweet-create-mention');
      expect((await deliver(body, sign(JSON.stringify(body), 'another-apps-secret'))).status).toBe(401);
      expect((await deliver(body, {})).status).toBe(401);
      expect(await rows()).toHaveLength(0);
    });
  });

  describe('rate limits and errors', () => {
    it('retries a 429 after x-rate-limit-reset, not before', async () => {
      setup();
      let resetSeconds = 0;
      server.route('get', MENTIONS_URL, ({ index }) => {
        if (index > 0) return HttpResponse.json(fixture('mentions-page-2'), { headers: rateHeaders() });
        resetSeconds = Math.ceil(Date.now() / 1000) + 1;
        return HttpResponse.json(fixture('error-429-rate-limit'), {
          status: 429,
          headers: { 'x-rate-limit-limit': '450', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(resetSeconds) },
        });
      });
      const [summary] = await crm.poll();
      expect(summary?.error).toBeUndefined();
      expect(summary?.stored).toBe(2);
      expect(server.calls).toHaveLength(2);
      // Timers may fire a millisecond early against the wall clock.
      expect(server.calls[1]!.at).toBeGreaterThanOrEqual(resetSeconds * 1000 - 5);
      expect(server.calls[1]!.at - server.calls[0]!.at).toBeGreaterThanOrEqual(900);
    });

    it('fails fast with a retryable RateLimitError when the budget is spent until far in the future', async () => {
      setup();
      const firstPageOnly = { ...fixture('mentions-page-1'), meta: { newest_id: '1891300000000000005', result_count: 2 } };
      server.route('get', MENTIONS_URL, () => HttpResponse.json(firstPageOnly, { headers: rateHeaders(0, 3600) }));
      const [first] = await crm.poll();
      expect(first?.stored).toBe(2);
      const [second] = await crm.poll();
      expect(server.calls).toHaveLength(1);
      expect(isSocialCrmError(second?.error, 'RATE_LIMITED')).toBe(true);
      const error = second!.error as ChannelApiError;
      expect(error.isRetryable).toBe(true);
      expect(error.retryAfterMs).toBeGreaterThan(3_500_000);
    });

    it('turns a 429 whose reset is too far away into a RateLimitError with retryAfterMs, decoding the legacy body', async () => {
      setup();
      await deliver(fixture('aaa-tweet-create-mention'));
      server.route('post', `${API}/2/tweets`, () => HttpResponse.json(fixture('error-429-rate-limit'), { status: 429, headers: rateHeaders(0, 1800) }));
      const thrown = await rejection(crm.reply('x:1891234567890123456', 'Later'));
      expect(isSocialCrmError(thrown, 'RATE_LIMITED')).toBe(true);
      expect(thrown).toMatchObject({ isRetryable: true, status: 429, platformCode: 88 });
      expect((thrown as ChannelApiError).retryAfterMs).toBeGreaterThan(1_700_000);
      expect((thrown as Error).message).toContain('Rate limit exceeded');
    });

    it('decodes a problem+json refusal into a non-retryable ChannelApiError', async () => {
      setup();
      await deliver(fixture('aaa-tweet-create-mention'));
      server.route('post', `${API}/2/tweets`, () => HttpResponse.json(fixture('error-403-problem'), { status: 403, headers: { 'content-type': 'application/problem+json' } }));
      const thrown = await rejection(crm.reply('x:1891234567890123456', 'Hello'));
      expect(isSocialCrmError(thrown, 'CHANNEL_API_ERROR')).toBe(true);
      expect(thrown).toMatchObject({ status: 403, isRetryable: false });
      expect((thrown as Error).message).toMatch(/\[x\].*not been mentioned/);
    });

    it('reads the budget from x-rate-limit-remaining and x-rate-limit-reset (epoch seconds)', () => {
      const adapter = xAdapter(options);
      const response = new Response('{}', { headers: { 'x-rate-limit-remaining': '12', 'x-rate-limit-reset': '1771320600' } });
      expect(adapter.rateLimitFromResponse?.(response)).toEqual({ remaining: 12, resetAt: 1_771_320_600_000 });
      expect(adapter.rateLimitFromResponse?.(new Response('{}'))).toBeUndefined();
    });
  });

  describe('options and capabilities', () => {
    it('declares only what its credentials allow', () => {
      const readOnly = xAdapter({ userId: BRAND_ID, bearerToken: 'app-only-bearer-token' });
      expect(readOnly.capabilities).toMatchObject({ poll: true, webhook: false, reply: false, directMessage: false, deletes: false });
      expect(readOnly.doHandleWebhook).toBeUndefined();
      expect(readOnly.doSendReply).toBeUndefined();
      const webhookOnly = xAdapter({ userId: BRAND_ID, consumerSecret: CONSUMER_SECRET, id: 'x-support' });
      expect(webhookOnly.id).toBe('x-support');
      expect(webhookOnly.capabilities).toMatchObject({ poll: false, webhook: true, deletes: true, deliveryReceipts: true });
    });

    it('names the option and the fix when the brand handle is passed instead of its id', () => {
      const thrown = failure(() => xAdapter({ ...options, userId: '@acme_support' }));
      expect(isSocialCrmError(thrown, 'INVALID_OPTIONS')).toBe(true);
      expect((thrown as Error).message).toMatch(/userId.*numeric id/s);
    });
  });
});
