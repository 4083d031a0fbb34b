import { readFileSync } from 'node:fs';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, isSocialCrmError, memoryLedger, type InteractionLedger, type SocialCrm, type SocialCrmEvents } from 'social-crm';
import { createChannelTestServer, describeChannelAdapter, type ChannelTestServer } from 'social-crm/testing';
import { facebookAdapter, type FacebookAdapterOptions } from 'social-crm/adapters/facebook';
import { createMetaHarness, fixtureReader, rejection, signMeta, type MetaHarness } from '../messenger/meta-harness.js';
import { messengerAdapter } from 'social-crm/adapters/messenger';

// Payloads are written from Meta's Webhooks for Pages and the Page `feed` field reference, the
// Pages API comments guide, private replies and the Graph error-handling page: field names
// verbatim, values invented.
const fixture = fixtureReader(import.meta.url);

const PAGE_ID = '104711112223334';
const APP_SECRET = 'facebook-test-app-secret-0123456789';
const GRAPH = 'https://graph.facebook.com/v23.0';
const WEBHOOK_URL = 'https://crm.example.test/webhooks/facebook';
const NOW = new Date('2026-03-02T12:00:00.000Z');
const POST_ID = '104711112223334_998877665544332';
const COMMENT_ID = '998877665544332_1122334455667788';

const options: FacebookAdapterOptions = {
  pageId: PAGE_ID,
  appSecret: APP_SECRET,
  verifyToken: 'fb-verify-token',
  accessToken: 'page-access-token',
};

const sign = (body: string, secret = APP_SECRET) => signMeta(body, secret);

/** The Turkish comment, written `minutesAgo` before `at`. */
function commentAt(at: Date, minutesAgo = 5): Record<string, unknown> {
  const body = fixture('feed-comment-tr') as { entry: Array<{ changes: Array<{ value: { created_time: number } }> }> };
  body.entry[0]!.changes[0]!.value.created_time = Math.floor(at.getTime() / 1000) - minutesAgo * 60;
  return body;
}

const FEED_URL = `${GRAPH}/${PAGE_ID}/feed`;
const PHOTOS_URL = `${GRAPH}/${PAGE_ID}/photos`;
/** Graph's answer when the Page token lacks `pages_manage_posts`. */
const PERMISSION_ERROR = { error: { message: '(#200) The permission(s) pages_manage_posts are not available.', type: 'OAuthException', code: 200, fbtrace_id: 'AbCdEfGh1234' } };
const FEED_PAGE_2 = 'QVFIUkxfNnJMaUR4';

/** `/{page-id}/feed`: page 1, page 2 by `after`, and nothing new for a `since` run. */
function feedRoutes(server: ChannelTestServer) {
  server.route('get', FEED_URL, ({ request }) => {
    const searchParams = new URL(request.url).searchParams;
    if (searchParams.get('after') === FEED_PAGE_2) return HttpResponse.json(fixture('feed-page-2'));
    if (searchParams.get('since')) return HttpResponse.json(fixture('feed-empty'));
    return HttpResponse.json(fixture('feed-page-1'));
  });
}

function commentRoute(server: ChannelTestServer) {
  server.route('post', `${GRAPH}/:objectId/comments`, () => HttpResponse.json(fixture('comment-response'), { headers: { 'x-app-usage': '{"call_count":12,"total_time":4,"total_cputime":3}' } }));
}

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterAll(() => server.close());

describeChannelAdapter('Facebook Page', {
  factory: facebookAdapter,
  options: { ...options, pollFeed: true, pollPageSize: 2 },
  invalidOptions: [{}, { ...options, pageId: 'acmestore' }, { ...options, accessToken: '' }, { ...options, verifySignature: 'no' }, { ...options, pollPageSize: 500 }],
  server,
  webhook: {
    sign: (body) => sign(body),
    handshake: {
      request: () => new Request(`${WEBHOOK_URL}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=fb-verify-token`),
      expectBody: '1158201444',
      invalid: () => new Request(`${WEBHOOK_URL}?hub.mode=unsubscribe&hub.challenge=1158201444&hub.verify_token=fb-verify-token`),
    },
    fixtures: [
      {
        name: 'a Turkish comment on a Page post',
        body: fixture('feed-comment-tr'),
        interactions: 1,
        kinds: ['comment'],
        // `created_time` is epoch seconds (1772445598).
        expect: [{ id: 'facebook:998877665544332_1122334455667788', createdAt: '2026-03-02T09:59:58.000Z', visibility: 'public', direction: 'inbound', brand: false, authorId: '7312345678901234' }],
      },
      { name: 'two entries: a Page photo, a visitor post, a reaction, a comment with a photo, a reply (sender_id shape)', body: fixture('feed-batch'), interactions: 5, kinds: ['post', 'reaction', 'comment', 'reply'] },
    ],
    unknownEvent: fixture('page-other-fields'),
    malformedStatus: 200,
    edit: { original: fixture('feed-comment-tr'), edited: fixture('feed-comment-edited'), id: `facebook:${COMMENT_ID}`, text: 'Siparişim 4411 hâlâ gelmedi, 6 gündür bekliyorum 😡' },
    deletion: { original: fixture('feed-comment-tr'), deletion: fixture('feed-comment-remove'), id: `facebook:${COMMENT_ID}` },
  },
  reply: {
    target: { body: fixture('feed-comment-tr') },
    targetId: `facebook:${COMMENT_ID}`,
    routes: commentRoute,
    error: {
      routes: (mocked) => mocked.route('post', `${GRAPH}/:objectId/comments`, () => HttpResponse.json(fixture('error-token-expired'), { status: 400 })),
      platformCode: 190,
      status: 400,
    },
    rateLimited(mocked, seconds) {
      mocked.route('post', `${GRAPH}/:objectId/comments`, ({ index }) =>
        index === 0 ? HttpResponse.json({ error: { message: '(#4) Application request limit reached', type: 'OAuthException', is_transient: true, code: 4, fbtrace_id: 'AqLqwH1bYcTmSoAfS2jR0lD' } }, { status: 429, headers: { 'retry-after': String(seconds) } }) : HttpResponse.json(fixture('comment-response')),
      );
    },
    expectRequest(call) {
      expect(call.url).toBe(`${GRAPH}/${COMMENT_ID}/comments`);
      expect(call.headers.authorization).toBe('Bearer page-access-token');
      expect(call.bodyJson).toEqual({ message: 'Thank you, we are on it.' });
    },
  },
  poll: { routes: feedRoutes, totalInteractions: 7 },
  publish: {
    request: { text: 'Dünkü kesinti için özür dileriz. We are sorry about yesterday’s outage.', link: 'https://status.acme.example/olay/42' },
    routes: (mocked) => mocked.route('post', FEED_URL, () => HttpResponse.json({ id: POST_ID })),
    expectRequest(calls) {
      expect(calls).toHaveLength(1);
      expect(calls[0]!.url).toBe(FEED_URL);
      expect(calls[0]!.headers.authorization).toBe('Bearer page-access-token');
      expect(calls[0]!.bodyJson).toEqual({ message: 'Dünkü kesinti için özür dileriz. We are sorry about yesterday’s outage.', link: 'https://status.acme.example/olay/42' });
    },
    nativeId: POST_ID,
    comment: fixture('feed-comment-tr'),
    error: {
      routes: (mocked) => mocked.route('post', FEED_URL, () => HttpResponse.json(PERMISSION_ERROR, { status: 403 })),
      platformCode: 200,
      status: 403,
    },
    rateLimited(mocked, seconds) {
      mocked.route('post', FEED_URL, ({ index }) =>
        index === 0 ? HttpResponse.json({ error: { message: '(#32) Page request limit reached', type: 'OAuthException', code: 32, fbtrace_id: 'AqLqwH1bYcTmSoAfS2jR0lE' } }, { status: 429, headers: { 'retry-after': String(seconds) } }) : HttpResponse.json({ id: POST_ID }),
      );
    },
  },
  // A throttled call answered with HTTP 429 and `Retry-After` (the kit checks the retry waits for
  // it); Meta's own throttling codes and usage headers have tests of their own.
});

describe('facebook adapter through createSocialCrm', () => {
  let ledger: InteractionLedger;
  let crm: SocialCrm;
  let warnings: Array<SocialCrmEvents['warning']>;
  let deliver: MetaHarness['deliver'];
  let rows: MetaHarness['rows'];

  function setup(now = NOW, classify = false, extra: Partial<FacebookAdapterOptions> = {}) {
    ({ crm, ledger, warnings, deliver, rows } = createMetaHarness({ adapters: [facebookAdapter({ ...options, ...extra })], channel: 'facebook', webhookUrl: WEBHOOK_URL, appSecret: APP_SECRET, now, classify, http: { retries: 1, maxRateLimitWaitMs: 5_000, backoffBaseMs: 5 } }));
  }

  afterEach(() => server.reset());

  it('stores a signed Turkish comment with its customer and classification, answers it in public, then once in private', async () => {
    setup(NOW, true);
    expect((await deliver(commentAt(NOW))).status).toBe(200);
    const comment = await ledger.getInteraction(`facebook:${COMMENT_ID}`);
    expect(comment).toMatchObject({
      kind: 'comment',
      direction: 'inbound',
      visibility: 'public',
      text: 'Siparişim 4411 hâlâ gelmedi, 5 gündür bekliyorum 😡 Müşteri hizmetlerine de ulaşamıyorum!',
      conversationId: `facebook:${POST_ID}`,
      parentId: POST_ID,
      recipientId: PAGE_ID,
      createdAt: '2026-03-02T11:55:00.000Z',
      url: 'https://www.facebook.com/acmestore/posts/pfbid02AbCdEf',
      author: { channel: 'facebook', nativeId: '7312345678901234', displayName: 'Ayşe Yılmaz' },
      channelMetadata: { facebook: { item: 'comment', verb: 'add', postId: POST_ID, commentId: COMMENT_ID, statusType: 'added_photos' } },
    });
    expect(comment?.customerId).toBeTruthy();
    expect(comment?.classification).toMatchObject({ model: expect.any(String) });

    commentRoute(server);
    const answer = await crm.reply(comment!.id, 'Merhaba Ayşe Hanım, siparişinizi hemen kontrol ediyoruz 🙏');
    expect(server.calls[0]).toMatchObject({ method: 'POST', url: `${GRAPH}/${COMMENT_ID}/comments` });
    expect(server.calls[0]?.headers.authorization).toBe('Bearer page-access-token');
    expect(server.calls[0]?.bodyJson).toEqual({ message: 'Merhaba Ayşe Hanım, siparişinizi hemen kontrol ediyoruz 🙏' });
    expect(answer).toMatchObject({ nativeId: '998877665544332_1122334455669999', kind: 'reply', direction: 'outbound', parentId: COMMENT_ID, conversationId: comment!.conversationId, customerId: comment!.customerId, author: { nativeId: PAGE_ID, isBrand: true } });

    server.route('post', `${GRAPH}/${PAGE_ID}/messages`, () => HttpResponse.json(fixture('private-reply-response')));
    const privately = await crm.reply(comment!.id, { text: 'Sipariş numaranızı buradan paylaşabilir misiniz?', visibility: 'private' });
    expect(server.calls[1]?.bodyJson).toEqual({ recipient: { comment_id: COMMENT_ID }, message: { text: 'Sipariş numaranızı buradan paylaşabilir misiniz?' } });
    expect(privately).toMatchObject({ nativeId: 'm_PrivateReplyIiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii', kind: 'direct_message', visibility: 'private', customerId: comment!.customerId });
    expect(await rejection(crm.reply(comment!.id, { text: 'Again', visibility: 'private' }))).toMatchObject({ code: 'REPLY_NOT_ALLOWED', reason: 'not-replyable' });
    // Another process over the same storage (a fresh adapter, nothing in memory) refuses too: the ledger has the first one.
    const other = createSocialCrm({ ledger, adapters: [facebookAdapter(options)], classifier: false, now: () => NOW, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    expect(await rejection(other.reply(comment!.id, { text: 'From another worker', visibility: 'private' }))).toMatchObject({ code: 'REPLY_NOT_ALLOWED', reason: 'not-replyable' });
    expect(server.calls).toHaveLength(2);
  });

  it('lets a private reply that Meta refused be sent again', async () => {
    setup();
    await deliver(commentAt(NOW));
    server.route('post', `${GRAPH}/${PAGE_ID}/messages`, ({ index }) =>
      index === 0
        ? HttpResponse.json({ error: { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100, fbtrace_id: 'Fb1' } }, { status: 400 })
        : HttpResponse.json(fixture('private-reply-response')),
    );
    expect(await rejection(crm.reply(`facebook:${COMMENT_ID}`, { text: 'Merhaba', visibility: 'private' }))).toMatchObject({ code: 'CHANNEL_API_ERROR', platformCode: 100, isRetryable: false });
    expect(await crm.reply(`facebook:${COMMENT_ID}`, { text: 'Merhaba', visibility: 'private' })).toMatchObject({ kind: 'direct_message' });
    expect(server.calls).toHaveLength(2);
  });

  it('refuses a private reply after 7 days before any call', async () => {
    setup();
    await deliver(commentAt(NOW, 7 * 24 * 60 + 1));
    const thrown = await rejection(crm.reply(`facebook:${COMMENT_ID}`, { text: 'Late', visibility: 'private' }));
    expect(thrown).toMatchObject({ code: 'REPLY_NOT_ALLOWED', reason: 'messaging-window-closed' });
    expect(server.calls).toHaveLength(0);
  });

  it('reads a batch: the Page photo post is outbound, a visitor post inbound, reactions, photos and replies threaded under the post', async () => {
    setup();
    await deliver(fixture('feed-batch'));
    const photoPost = await ledger.getInteraction('facebook:104711112223334_998877665544111');
    expect(photoPost).toMatchObject({ kind: 'post', direction: 'outbound', author: { isBrand: true }, attachments: [{ type: 'image', url: 'https://scontent.xx.fbcdn.net/v/t39.30808-6/autumn_sale.jpg' }], channelMetadata: { facebook: { item: 'photo', published: true } } });
    expect(photoPost?.customerId).toBeUndefined();
    expect(await ledger.getInteraction('facebook:104711112223334_998877665544222')).toMatchObject({ kind: 'post', direction: 'inbound', author: { displayName: 'Sam Okafor' } });
    const reaction = await ledger.getInteraction(`facebook:reaction:104711112223334_998877665544111:7312345678901234`);
    expect(reaction).toMatchObject({ kind: 'reaction', reaction: 'love', text: '', parentId: '104711112223334_998877665544111', conversationId: 'facebook:104711112223334_998877665544111' });
    const photoComment = await ledger.getInteraction('facebook:998877665544222_3300000000000001');
    expect(photoComment).toMatchObject({ kind: 'comment', attachments: [{ type: 'image', url: 'https://scontent.xx.fbcdn.net/v/t39.30808-6/box_photo.jpg' }], conversationId: 'facebook:104711112223334_998877665544222' });
    const reply = await ledger.getInteraction('facebook:998877665544222_3300000000000002');
    expect(reply).toMatchObject({ kind: 'reply', direction: 'peer', parentId: '998877665544222_3300000000000001', conversationId: 'facebook:104711112223334_998877665544222', author: { nativeId: '7600000000000001', displayName: 'Elif Demir' } });
    expect(warnings).toEqual([]);

    commentRoute(server);
    await crm.reply(reply!.id, 'Elif Hanım, sizinle de iletişime geçiyoruz.');
    await crm.reply('facebook:104711112223334_998877665544222', 'Sam, we are sorry. A replacement is on its way.');
    expect(server.calls.map((call) => call.params.objectId)).toEqual(['998877665544222_3300000000000001', '104711112223334_998877665544222']);
    expect(await rejection(crm.reply(reaction!.id, 'Thanks for the love'))).toMatchObject({ code: 'REPLY_NOT_ALLOWED', reason: 'not-replyable' });
    // A visitor's post can be answered once in private (recipient.post_id); the Page's own post cannot.
    server.route('post', `${GRAPH}/${PAGE_ID}/messages`, () => HttpResponse.json(fixture('private-reply-response')));
    expect(await crm.reply('facebook:104711112223334_998877665544222', { text: 'Sam, could you send us your order number?', visibility: 'private' })).toMatchObject({ kind: 'direct_message', visibility: 'private' });
    expect(server.calls.at(-1)?.bodyJson).toEqual({ recipient: { post_id: '104711112223334_998877665544222' }, message: { text: 'Sam, could you send us your order number?' } });
    expect(await rejection(crm.reply('facebook:104711112223334_998877665544222', { text: 'Again', visibility: 'private' }))).toMatchObject({ reason: 'not-replyable' });
    expect(await rejection(crm.reply(photoPost!.id, { text: 'DM', visibility: 'private' }))).toMatchObject({ reason: 'not-replyable' });
    expect(server.calls).toHaveLength(3);
  });

  it('edits a changed reaction and drops it when removed; a comment the Page hid is kept', async () => {
    setup();
    await deliver(fixture('feed-batch'));
    await deliver(fixture('feed-reaction-changes'));
    const id = 'facebook:reaction:104711112223334_998877665544111:7312345678901234';
    expect(await ledger.getInteraction(id)).toMatchObject({ state: 'edited', channelMetadata: { facebook: { reactionType: 'haha', verb: 'edit' } } });
    await deliver(fixture('feed-reaction-remove'));
    expect(await ledger.getInteraction(id)).toMatchObject({ state: 'deleted' });

    const hidden = JSON.parse(JSON.stringify(fixture('feed-comment-remove')).replace('"remove"', '"hide"')) as unknown;
    await deliver(fixture('feed-comment-tr'));
    await deliver(hidden);
    const kept = await ledger.getInteraction(`facebook:${COMMENT_ID}`);
    expect(kept).toMatchObject({ state: 'active' });
    expect(kept?.text).toMatch(/^Siparişim 4411/);
  });

  it('surfaces an expired token as a non-retryable ChannelApiError with the Graph code', async () => {
    setup();
    await deliver(fixture('feed-comment-tr'));
    server.route('post', `${GRAPH}/:objectId/comments`, () => HttpResponse.json(fixture('error-token-expired'), { status: 400 }));
    const thrown = await rejection(crm.reply(`facebook:${COMMENT_ID}`, 'Merhaba'));
    expect(isSocialCrmError(thrown, 'CHANNEL_API_ERROR')).toBe(true);
    expect(thrown).toMatchObject({ isRetryable: false, status: 400, platformCode: 190, subcode: 463 });
    expect((thrown as Error).message).toMatch(/Session has expired/);
  });

  describe('bad input', () => {
    it('refuses a bad signature with 401 and stores nothing', async () => {
      setup();
      const body = fixture('feed-comment-tr');
      expect((await deliver(body, sign(JSON.stringify(body), 'not-the-secret'))).status).toBe(401);
      expect((await deliver(body, { 'x-hub-signature-256': 'sha1=abc' })).status).toBe(401);
      expect(await rows()).toHaveLength(0);
    });

    it('refuses a body sent as JSON that is not an object, keeps an unreadable change as a dead letter, stores the rest, and warns', async () => {
      setup();
      expect((await deliver('<xml>not json</xml>')).status).toBe(400);
      expect((await ledger.listDeadLetters()).items).toHaveLength(0);
      const batch = fixture('feed-batch') as { entry: Array<{ changes: Array<{ value: Record<string, unknown> }> }> };
      delete batch.entry[1]!.changes[0]!.value.comment_id;
      batch.entry[1]!.changes.push({ field: 'feed', value: { verb: 'add' } } as never);
      expect((await deliver(batch)).status).toBe(200);
      expect(await rows()).toHaveLength(4);
      expect((await ledger.listDeadLetters()).items).toHaveLength(2);
      expect(warnings.filter((warning) => warning.warning.type === 'malformed')).toHaveLength(2);
    });

    it('acknowledges other Page fields and feed items with warnings, and Messenger events silently', async () => {
      setup();
      await deliver(fixture('page-other-fields'));
      expect(warnings.map((warning) => [warning.warning.type, warning.warning.details])).toEqual([
        ['unsupported', { field: 'ratings' }],
        ['ignored', { item: 'event', verb: 'add' }],
      ]);
      warnings.length = 0;
      const messengerFixture = JSON.parse(readFileSync(new URL('../messenger/fixtures/message-text-tr.json', import.meta.url), 'utf8')) as unknown;
      expect((await deliver(messengerFixture)).status).toBe(200);
      expect(await rows()).toHaveLength(0);
      expect(warnings).toEqual([]);
    });
  });

  describe('feed backfill (pollFeed)', () => {
    it('pages back through the feed with its comments, then resumes with since: no gaps, no duplicates', async () => {
      setup(NOW, false, { pollFeed: true, pollPageSize: 2 });
      feedRoutes(server);
      const [first] = await crm.poll();
      expect(first).toMatchObject({ pages: 2, stored: 7, duplicates: 0 });
      expect(first?.error).toBeUndefined();
      const [pageOne, pageTwo] = server.calls.map((call) => new URL(call.url).searchParams);
      expect(server.calls[0]?.headers.authorization).toBe('Bearer page-access-token');
      expect(pageOne?.get('limit')).toBe('2');
      expect(pageOne?.get('fields')).toContain('comments.filter(stream).limit(100){id,message,created_time,from{id,name},parent{id}');
      expect(pageOne?.get('after')).toBeNull();
      expect(pageOne?.get('since')).toBeNull();
      expect(pageTwo?.get('after')).toBe(FEED_PAGE_2);

      expect(await ledger.getInteraction('facebook:104711112223334_998877665544900')).toMatchObject({ kind: 'post', direction: 'inbound', createdAt: '2026-03-02T09:30:00.000Z', author: { displayName: 'Burak Şahin' } });
      expect(await ledger.getInteraction('facebook:998877665544900_4400000000000001')).toMatchObject({ kind: 'comment', direction: 'outbound', parentId: '104711112223334_998877665544900' });
      expect(await ledger.getInteraction('facebook:998877665544900_4400000000000002')).toMatchObject({ kind: 'reply', direction: 'inbound', parentId: '998877665544900_4400000000000001', conversationId: 'facebook:104711112223334_998877665544900' });
      expect(await ledger.getInteraction('facebook:104711112223334_998877665544800')).toMatchObject({ direction: 'outbound', attachments: [{ type: 'image', url: 'https://scontent.xx.fbcdn.net/v/t39.30808-6/headphones.jpg' }] });
      expect(await ledger.getInteraction('facebook:998877665544700_4600000000000001')).toMatchObject({ author: { nativeId: 'anonymous:998877665544700_4600000000000001' }, text: 'Ankara şubesi de mi?' });
      expect(warnings.map((warning) => warning.warning.details)).toEqual([{ postId: '104711112223334_998877665544800' }]);

      const [second] = await crm.poll();
      expect(second).toMatchObject({ pages: 1, stored: 0 });
      const resumed = new URL(server.calls[2]!.url).searchParams;
      expect(resumed.get('since')).toBe(String(Date.parse('2026-03-02T09:30:00Z') / 1000));
      expect(resumed.get('after')).toBeNull();
    });

    it('is off by default: no poll capability, no doPoll', () => {
      const adapter = facebookAdapter(options);
      expect(adapter.capabilities.poll).toBe(false);
      expect(adapter.doPoll).toBeUndefined();
    });
  });

  it('shares one callback URL with the messenger adapter: each stores its part of the same deliveries', async () => {
    const shared = { appSecret: APP_SECRET, verifyToken: 'fb-verify-token', accessToken: 'page-access-token', pageId: PAGE_ID };
    ({ crm, ledger, warnings } = createMetaHarness({ adapters: [facebookAdapter(shared), messengerAdapter(shared)], channel: 'facebook', webhookUrl: WEBHOOK_URL, appSecret: APP_SECRET }));
    /** The route a host mounts for the one Page callback URL (docs/adapters/facebook.md). */
    async function metaPageWebhook(request: Request): Promise<Response> {
      const body = request.method === 'POST' ? await request.arrayBuffer() : undefined;
      const responses = await Promise.all(
        ['facebook', 'messenger'].map((adapterId) =>
          crm.handleWebhook(new Request(request.url, { method: request.method, headers: request.headers, ...(body ? { body } : {}) }), { adapterId }),
        ),
      );
      return responses.find((response) => response.status !== 200) ?? responses[0]!;
    }
    const handshake = await metaPageWebhook(new Request('https://crm.example.test/webhooks/meta-page?hub.mode=subscribe&hub.challenge=42&hub.verify_token=fb-verify-token'));
    expect(await handshake.text()).toBe('42');
    const messengerFixture = JSON.parse(readFileSync(new URL('../messenger/fixtures/message-text-tr.json', import.meta.url), 'utf8')) as { entry: unknown[] };
    const mixed = { object: 'page', entry: [...(fixture('feed-comment-tr') as { entry: unknown[] }).entry, ...messengerFixture.entry] };
    const text = JSON.stringify(mixed);
    const post = (headers: Record<string, string>) => metaPageWebhook(new Request('https://crm.example.test/webhooks/meta-page', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text }));
    expect((await post(sign(text))).status).toBe(200);
    expect((await ledger.queryInteractions({ channel: 'facebook' })).items.map((row) => row.kind)).toEqual(['comment']);
    expect((await ledger.queryInteractions({ channel: 'messenger' })).items.map((row) => row.kind)).toEqual(['direct_message']);
    expect(warnings).toEqual([]);
    expect((await post(sign(text, 'wrong'))).status).toBe(401);
  });
});

describe('facebook Page posts through crm.publish', () => {
  afterEach(() => server.reset());

  function pageCrm() {
    const ledger = memoryLedger();
    const crm = createSocialCrm({ ledger, adapters: [facebookAdapter(options)], classifier: false, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    return { crm, ledger };
  }

  it('posts a photo with its caption and threads the feed webhook comments on it onto the post', async () => {
    const { crm, ledger } = pageCrm();
    server.route('post', PHOTOS_URL, () => HttpResponse.json({ id: '998877665544999', post_id: POST_ID }));
    const post = await crm.publish({
      channel: 'facebook',
      text: 'Bahar koleksiyonu mağazalarda! The spring collection is in stores.',
      link: 'https://acme.example/bahar',
      media: [{ url: 'https://cdn.acme.example/bahar.jpg' }],
      campaignId: 'spring-26',
      idempotencyKey: 'spring-26:facebook',
    });
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.url).toBe(PHOTOS_URL);
    expect(server.calls[0]!.bodyJson).toEqual({ url: 'https://cdn.acme.example/bahar.jpg', caption: 'Bahar koleksiyonu mağazalarda! The spring collection is in stores.\n\nhttps://acme.example/bahar' });
    expect(post).toMatchObject({ id: `facebook:${POST_ID}`, kind: 'post', direction: 'outbound', author: { nativeId: PAGE_ID, isBrand: true }, channelMetadata: { facebook: { photoId: '998877665544999' }, publication: { campaignId: 'spring-26' } } });
    const body = JSON.stringify(fixture('feed-comment-tr'));
    const response = await crm.handleWebhook(new Request(WEBHOOK_URL, { method: 'POST', headers: { 'content-type': 'application/json', ...sign(body) }, body }));
    expect(response.status).toBe(200);
    const comment = await ledger.getInteraction(`facebook:${COMMENT_ID}`);
    expect(comment?.conversationId).toBe(post.conversationId);
  });

  it('posts on the Page named as account with that Page\'s token when the adapter serves several Pages', async () => {
    const OTHER_PAGE = '204711112223335';
    const ledger = memoryLedger();
    const crm = createSocialCrm({
      ledger,
      adapters: [facebookAdapter({ appSecret: APP_SECRET, verifyToken: 'fb-verify-token', accounts: { resolve: (pageId) => (pageId === OTHER_PAGE ? { credentials: { accessToken: 'other-page-token' } } : null) } })],
      classifier: false,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    server.route('post', `${GRAPH}/${OTHER_PAGE}/feed`, () => HttpResponse.json({ id: `${OTHER_PAGE}_5566` }));
    const post = await crm.publish({ channel: 'facebook', account: OTHER_PAGE, text: 'Şube açılışı! Store opening.', idempotencyKey: 'multi-page' });
    expect(server.calls[0]!.headers.authorization).toBe('Bearer other-page-token');
    expect(post).toMatchObject({ id: `facebook:${OTHER_PAGE}_5566`, author: { nativeId: OTHER_PAGE }, channelMetadata: { facebook: { account: OTHER_PAGE } } });
    const unknown = await crm.publish({ channel: 'facebook', account: '999999999', text: 'x', idempotencyKey: 'unknown-page' }).then(() => undefined, (error: unknown) => error);
    expect(isSocialCrmError(unknown, 'UNKNOWN_ACCOUNT')).toBe(true);
    const missing = await crm.publish({ channel: 'facebook', text: 'x', idempotencyKey: 'no-page' }).then(() => undefined, (error: unknown) => error);
    expect(isSocialCrmError(missing, 'INVALID_OPTIONS')).toBe(true);
    expect(server.calls).toHaveLength(1);
  });

  it('refuses a video or several images before any call', async () => {
    const { crm } = pageCrm();
    for (const media of [[{ type: 'video' as const, url: 'https://cdn.acme.example/a.mp4' }], [{ url: 'https://cdn.acme.example/a.jpg' }, { url: 'https://cdn.acme.example/b.jpg' }]]) {
      let thrown: unknown;
      try {
        await crm.publish({ channel: 'facebook', text: 'x', media, idempotencyKey: `media-${media.length}` });
      } catch (error) {
        thrown = error;
      }
      expect(isSocialCrmError(thrown, 'INVALID_OPTIONS')).toBe(true);
    }
    expect(server.calls).toHaveLength(0);
  });
});
