import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, isSocialCrmError, memoryLedger, type ChannelApiError, type InteractionLedger, type SocialCrm, type SocialCrmEvents, privateConversationKey } from 'social-crm';
import { createChannelTestServer, describeChannelAdapter, type ChannelTestServer } from 'social-crm/testing';
import { instagramAdapter, type InstagramAdapterOptions } from 'social-crm/adapters/instagram';
import { createMetaHarness, fixtureReader, rejection, signMeta, type MetaHarness } from '../messenger/meta-harness.js';

// Payloads are written from Meta's Instagram Platform pages (webhooks and their examples, the
// Instagram webhook field reference, mentioned_comment / mentioned_media / mentions, comment
// replies, private replies) and the Messenger Platform messaging events: field names verbatim,
// values invented.
const fixture = fixtureReader(import.meta.url);

const ACCOUNT_ID = '17841400000000001';
const PAGE_ID = '104711112223334';
const CUSTOMER = '6601234567890123';
const APP_SECRET = 'instagram-test-app-secret-0123456789';
const GRAPH = 'https://graph.facebook.com/v23.0';
const WEBHOOK_URL = 'https://crm.example.test/webhooks/instagram';
const NOW = new Date('2026-03-02T12:00:00.000Z');
const COMMENT_ID = '18012345678901234';
const DM_MID = 'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI1OTk0MjI4MzIxMjYw';
const ECHO_MID = 'aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI1OTk0MjI4MzIxMjYz';

const options: InstagramAdapterOptions = {
  accountId: ACCOUNT_ID,
  pageId: PAGE_ID,
  username: 'acme_store',
  appSecret: APP_SECRET,
  verifyToken: 'ig-verify-token',
  accessToken: 'page-access-token',
};

const sign = (body: string, secret = APP_SECRET) => signMeta(body, secret);

const MEDIA_URL = `${GRAPH}/${ACCOUNT_ID}/media`;
const CONTAINER_ID = '17889455560051444';
const MEDIA_ID = '17920238422030506';

/** Content publishing: the container, its `status_code` (one per read, the last one repeated), then `media_publish`. */
function mediaRoutes(server: ChannelTestServer, statuses: string[] = ['FINISHED'], mediaId = MEDIA_ID) {
  server.route('post', MEDIA_URL, () => HttpResponse.json({ id: CONTAINER_ID }));
  server.route('get', `${GRAPH}/${CONTAINER_ID}`, ({ index }) => HttpResponse.json({ status_code: statuses[Math.min(index, statuses.length - 1)], id: CONTAINER_ID }));
  server.route('post', `${GRAPH}/${ACCOUNT_ID}/media_publish`, () => HttpResponse.json({ id: mediaId }));
}

/** The Turkish DM, written `minutesAgo` before `at`. */
function recentDm(at: Date, minutesAgo = 5): Record<string, unknown> {
  const body = fixture('dm-text-tr') as { entry: Array<{ messaging: Array<{ timestamp: number }> }> };
  body.entry[0]!.messaging[0]!.timestamp = at.getTime() - minutesAgo * 60_000;
  return body;
}

/** The comment batch, notified `minutesAgo` before `at` (comment notifications carry only `entry.time`). */
function commentsAt(at: Date, minutesAgo = 5): Record<string, unknown> {
  const body = fixture('comments-batch') as { entry: Array<{ time: number }> };
  for (const entry of body.entry) entry.time = Math.floor(at.getTime() / 1000) - minutesAgo * 60;
  return body;
}

function replyRoute(server: ChannelTestServer) {
  server.route('post', `${GRAPH}/:commentId/replies`, () => HttpResponse.json(fixture('reply-response')));
}

function sendRoute(server: ChannelTestServer) {
  server.route('post', `${GRAPH}/${PAGE_ID}/messages`, () => HttpResponse.json(fixture('send-response')));
}

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterAll(() => server.close());

describeChannelAdapter('Instagram', {
  factory: instagramAdapter,
  options,
  invalidOptions: [
    {},
    { ...options, accountId: '@acme_store' },
    { ...options, username: 'not a username!' },
    { ...options, verifyToken: '' },
    { ...options, graphBaseUrl: 'graph.instagram.com' },
  ],
  server,
  webhook: {
    sign: (body) => sign(body),
    handshake: {
      request: () => new Request(`${WEBHOOK_URL}?hub.mode=subscribe&hub.challenge=987654321&hub.verify_token=ig-verify-token`),
      expectBody: '987654321',
      invalid: () => new Request(`${WEBHOOK_URL}?hub.mode=subscribe&hub.challenge=987654321&hub.verify_token=wrong`),
    },
    fixtures: [
      { name: 'batched comments: Turkish, a reply, an ad comment, a live comment', body: fixture('comments-batch'), interactions: 4, kinds: ['comment', 'reply'] },
      {
        name: 'a comment in the Instagram Login shape (field/value on the entry)',
        body: fixture('comment-instagram-login'),
        interactions: 1,
        kinds: ['comment'],
        expect: [{ id: 'instagram:18012345678912121', visibility: 'public', direction: 'inbound', brand: false, authorId: '5678901234567890' }],
      },
      {
        name: 'a Turkish direct message',
        body: fixture('dm-text-tr'),
        interactions: 1,
        kinds: ['direct_message'],
        expect: [
          {
            id: 'instagram:aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI1OTk0MjI4MzIxMjYw',
            createdAt: '2026-03-02T10:06:39.000Z',
            visibility: 'private',
            direction: 'inbound',
            brand: false,
            authorId: '6601234567890123',
          },
        ],
      },
      { name: 'a photo, a story reply, an echo and a read receipt', body: fixture('dm-batch'), interactions: 3, kinds: ['direct_message'] },
      { name: 'a reaction to a message', body: fixture('dm-reaction'), interactions: 1, kinds: ['reaction'] },
    ],
    unknownEvent: fixture('unknown-fields'),
    malformedStatus: 200,
    edit: { original: fixture('dm-text-tr'), edited: fixture('dm-edit'), id: `instagram:${DM_MID}`, text: 'Merhaba! Kargom hasarlı ve eksik geldi 📦💔 ne yapmalıyım?' },
    deletion: { original: fixture('dm-text-tr'), deletion: fixture('dm-unsend'), id: `instagram:${DM_MID}` },
  },
  reply: {
    target: { body: fixture('comments-batch') },
    targetId: `instagram:${COMMENT_ID}`,
    routes: replyRoute,
    error: {
      routes: (mocked) => mocked.route('post', `${GRAPH}/:commentId/replies`, () => HttpResponse.json(fixture('error-permission'), { status: 403 })),
      platformCode: 10,
      status: 403,
    },
    rateLimited(mocked, seconds) {
      mocked.route('post', `${GRAPH}/:commentId/replies`, ({ index }) =>
        index === 0 ? HttpResponse.json({ error: { message: '(#4) Application request limit reached', type: 'OAuthException', is_transient: true, code: 4, fbtrace_id: 'AqLqwH1bYcTmSoAfS2jR0lD' } }, { status: 429, headers: { 'retry-after': String(seconds) } }) : HttpResponse.json(fixture('reply-response')),
      );
    },
    expectRequest(call) {
      expect(call.url).toBe(`${GRAPH}/${COMMENT_ID}/replies`);
      expect(call.headers.authorization).toBe('Bearer page-access-token');
      expect(call.bodyJson).toEqual({ message: 'Thank you, we are on it.' });
    },
  },
  publish: {
    request: { text: 'Yeni sezon sörf tahtaları geldi 🏄 New season boards are in.', media: [{ url: 'https://cdn.acme.example/boards.jpg', altText: 'Three surfboards on a beach' }] },
    routes: (mocked) => mediaRoutes(mocked),
    expectRequest(calls) {
      expect(calls.map((call) => `${call.method} ${call.url.split('?')[0]}`)).toEqual([`POST ${MEDIA_URL}`, `GET ${GRAPH}/${CONTAINER_ID}`, `POST ${GRAPH}/${ACCOUNT_ID}/media_publish`]);
      expect(calls[0]!.headers.authorization).toBe('Bearer page-access-token');
      expect(calls[0]!.bodyJson).toEqual({ image_url: 'https://cdn.acme.example/boards.jpg', caption: 'Yeni sezon sörf tahtaları geldi 🏄 New season boards are in.', alt_text: 'Three surfboards on a beach' });
      expect(new URL(calls[1]!.url).searchParams.get('fields')).toBe('status_code,status');
      expect(calls[2]!.bodyJson).toEqual({ creation_id: CONTAINER_ID });
    },
    nativeId: MEDIA_ID,
    // The first notification of the batch (a comment and a reply to it), on the media the kit publishes.
    comment: (() => {
      const batch = JSON.parse(JSON.stringify(fixture('comments-batch')).replaceAll('17999999999999999', MEDIA_ID)) as { entry: unknown[] };
      return { ...batch, entry: batch.entry.slice(0, 1) };
    })(),
    error: {
      routes: (mocked) => mocked.route('post', MEDIA_URL, () => HttpResponse.json({ error: { message: 'The aspect ratio is not supported.', type: 'OAuthException', code: 36003, error_subcode: 2207009, fbtrace_id: 'A9z8Y7x6W5v4' } }, { status: 400 })),
      platformCode: 36003,
      status: 400,
    },
    rateLimited(mocked, seconds) {
      mediaRoutes(mocked);
      mocked.route('post', MEDIA_URL, ({ index }) =>
        index === 0 ? HttpResponse.json({ error: { message: '(#4) Application request limit reached', type: 'OAuthException', is_transient: true, code: 4, fbtrace_id: 'AqLqwH1bYcTmSoAfS2jR0lD' } }, { status: 429, headers: { 'retry-after': String(seconds) } }) : HttpResponse.json({ id: CONTAINER_ID }),
      );
    },
  },
  // A throttled call answered with HTTP 429 and `Retry-After` (the kit checks the retry waits for
  // it); Meta's own throttling codes and usage headers have tests of their own.
});

describe('instagram media through crm.publish', () => {
  afterEach(() => server.reset());

  function igCrm() {
    const ledger = memoryLedger();
    return { ledger, crm: createSocialCrm({ ledger, adapters: [instagramAdapter(options)], classifier: false, logger: { debug() {}, info() {}, warn() {}, error() {} } }) };
  }

  it('waits while the container is IN_PROGRESS, publishes once it is FINISHED, and threads comments on the media onto the post', async () => {
    const { crm, ledger } = igCrm();
    mediaRoutes(server, ['IN_PROGRESS', 'IN_PROGRESS', 'FINISHED'], '17999999999999999');
    const post = await crm.publish({
      channel: 'instagram',
      text: 'Kampanya başladı!',
      link: 'https://acme.example/kampanya',
      media: [{ type: 'video', url: 'https://cdn.acme.example/reel.mp4' }],
      campaignId: 'reels-26',
      idempotencyKey: 'reels-26:instagram',
      channelOptions: { instagram: { pollIntervalMs: 5 } },
    });
    expect(server.calls.filter((call) => call.method === 'GET')).toHaveLength(3);
    expect(server.calls[0]!.bodyJson).toEqual({ media_type: 'REELS', video_url: 'https://cdn.acme.example/reel.mp4', caption: 'Kampanya başladı!\n\nhttps://acme.example/kampanya' });
    expect(post).toMatchObject({ id: 'instagram:17999999999999999', kind: 'post', direction: 'outbound', author: { nativeId: ACCOUNT_ID, isBrand: true } });
    const body = JSON.stringify(fixture('comments-batch'));
    expect((await crm.handleWebhook(new Request(WEBHOOK_URL, { method: 'POST', headers: { 'content-type': 'application/json', ...sign(body) }, body }))).status).toBe(200);
    expect((await ledger.getInteraction(`instagram:${COMMENT_ID}`))?.conversationId).toBe(post.conversationId);
  });

  it('publishes nothing when the container ends in ERROR, and lets the same key try again', async () => {
    const { crm } = igCrm();
    mediaRoutes(server, ['ERROR']);
    let thrown: unknown;
    try {
      await crm.publish({ channel: 'instagram', text: 'x', media: [{ url: 'https://cdn.acme.example/broken.jpg' }], idempotencyKey: 'broken' });
    } catch (error) {
      thrown = error;
    }
    expect(isSocialCrmError(thrown, 'CHANNEL_API_ERROR')).toBe(true);
    expect((thrown as ChannelApiError).platformCode).toBe('ERROR');
    expect(server.calls.some((call) => call.url.endsWith('/media_publish'))).toBe(false);
    expect(await (crm.ledger as InteractionLedger & { getSend(key: string): Promise<{ state: string } | null> }).getSend('broken')).toMatchObject({ state: 'failed' });
  });

  it('refuses a post without exactly one image or video before any call', async () => {
    const { crm } = igCrm();
    let thrown: unknown;
    try {
      await crm.publish({ channel: 'instagram', text: 'Only words', idempotencyKey: 'no-media' });
    } catch (error) {
      thrown = error;
    }
    expect(isSocialCrmError(thrown, 'INVALID_OPTIONS')).toBe(true);
    expect(server.calls).toHaveLength(0);
  });
});

describe('instagram adapter through createSocialCrm', () => {
  let ledger: InteractionLedger;
  let crm: SocialCrm;
  let warnings: Array<SocialCrmEvents['warning']>;
  let deliver: MetaHarness['deliver'];
  let rows: MetaHarness['rows'];

  function setup(now = NOW, extra: Partial<InstagramAdapterOptions> = {}, classify = false) {
    ({ crm, ledger, warnings, deliver, rows } = createMetaHarness({ adapters: [instagramAdapter({ ...options, ...extra })], channel: 'instagram', webhookUrl: WEBHOOK_URL, appSecret: APP_SECRET, now, classify, http: { retries: 1, maxRateLimitWaitMs: 5_000, backoffBaseMs: 5 } }));
  }

  afterEach(() => server.reset());

  describe('comments', () => {
    it('stores a signed Turkish comment with its customer and classification, answers it in public, then once in private', async () => {
      setup(NOW, {}, true);
      expect((await deliver(commentsAt(NOW))).status).toBe(200);
      const comment = await ledger.getInteraction(`instagram:${COMMENT_ID}`);
      expect(comment).toMatchObject({
        kind: 'comment',
        direction: 'inbound',
        visibility: 'public',
        text: '@acme_store Bu kulaklık hâlâ stokta mı? Geçen hafta sipariş verdim, gelmedi 😞',
        conversationId: 'instagram:17999999999999999',
        parentId: '17999999999999999',
        recipientId: ACCOUNT_ID,
        mentions: ['acme_store'],
        createdAt: '2026-03-02T11:55:00.000Z',
        author: { channel: 'instagram', nativeId: '1234567890123456', handle: 'ayse.yilmaz', profileUrl: 'https://www.instagram.com/ayse.yilmaz/' },
        channelMetadata: { instagram: { field: 'comments', mediaId: '17999999999999999', mediaProductType: 'FEED' } },
      });
      expect(comment?.customerId).toBeTruthy();
      expect(comment?.classification).toMatchObject({ model: expect.any(String) });

      replyRoute(server);
      const publicReply = await crm.reply(comment!.id, 'Merhaba Ayşe, stokta var; siparişinizi DM ile kontrol edelim 🙏');
      expect(server.calls[0]).toMatchObject({ method: 'POST', url: `${GRAPH}/${COMMENT_ID}/replies` });
      expect(server.calls[0]?.bodyJson).toEqual({ message: 'Merhaba Ayşe, stokta var; siparişinizi DM ile kontrol edelim 🙏' });
      expect(publicReply).toMatchObject({ nativeId: '17873440459141021', kind: 'reply', direction: 'outbound', conversationId: comment!.conversationId, parentId: COMMENT_ID, customerId: comment!.customerId, author: { nativeId: ACCOUNT_ID, isBrand: true } });

      sendRoute(server);
      const privateReply = await crm.reply(comment!.id, { text: 'Sipariş numaranızı paylaşır mısınız?', visibility: 'private' });
      expect(server.calls[1]).toMatchObject({ url: `${GRAPH}/${PAGE_ID}/messages` });
      expect(server.calls[1]?.bodyJson).toEqual({ recipient: { comment_id: COMMENT_ID }, message: { text: 'Sipariş numaranızı paylaşır mısınız?' } });
      expect(privateReply).toMatchObject({ kind: 'direct_message', visibility: 'private', channelMetadata: { instagram: { privateReplyTo: COMMENT_ID } } });

      const again = await rejection(crm.reply(comment!.id, { text: 'Bir daha', visibility: 'private' }));
      expect(again).toMatchObject({ code: 'REPLY_NOT_ALLOWED', reason: 'not-replyable' });
      expect(server.calls).toHaveLength(2);
    });

    it('refuses a private reply to a comment older than 7 days before any call', async () => {
      setup();
      await deliver(commentsAt(NOW, 8 * 24 * 60));
      sendRoute(server);
      const thrown = await rejection(crm.reply(`instagram:${COMMENT_ID}`, { text: 'Geç kaldık', visibility: 'private' }));
      expect(thrown).toMatchObject({ code: 'REPLY_NOT_ALLOWED', reason: 'messaging-window-closed' });
      expect(server.calls).toHaveLength(0);
    });

    it('threads replies, keeps ad and live details, reads the Instagram Login shape and marks the brand outbound', async () => {
      setup();
      await deliver(fixture('comments-batch'));
      await deliver(fixture('comment-instagram-login'));
      await deliver(fixture('brand-reply-comment'));
      const peer = await ledger.getInteraction('instagram:18012345678905555');
      expect(peer).toMatchObject({ kind: 'reply', direction: 'peer', parentId: COMMENT_ID, conversationId: 'instagram:17999999999999999' });
      const ad = await ledger.getInteraction('instagram:18012345678907777');
      expect(ad?.channelMetadata.instagram).toMatchObject({ adId: '23850000000000001', adTitle: 'Autumn sale', originalMediaId: '17877777777777777' });
      const live = await ledger.getInteraction('instagram:18012345678909999');
      expect(live).toMatchObject({ text: '🔥🔥🔥', author: { nativeId: '4567890123456789' }, channelMetadata: { instagram: { field: 'live_comments', mediaProductType: 'LIVE' } } });
      expect(live?.author.handle).toBeUndefined();
      expect(await ledger.getInteraction('instagram:18012345678912121')).toMatchObject({ kind: 'comment', text: 'Fiyatı nedir? DM attım', createdAt: '2026-03-02T10:02:00.000Z', author: { handle: 'mehmet_k' } });
      const brand = await ledger.getInteraction('instagram:18012345678913131');
      expect(brand).toMatchObject({ direction: 'outbound', author: { isBrand: true, handle: 'acme_store' }, parentId: COMMENT_ID });
      expect(brand?.customerId).toBe((await ledger.getInteraction(`instagram:${COMMENT_ID}`))?.customerId);
    });

    it('answers a reply under its top-level comment (Instagram threads one level deep)', async () => {
      setup();
      await deliver(fixture('comments-batch'));
      replyRoute(server);
      await crm.reply('instagram:18012345678905555', 'Hi Ana, we are checking both orders.');
      expect(server.calls[0]?.params.commentId).toBe(COMMENT_ID);
    });
  });

  describe('mentions', () => {
    it('fetches a mentioned comment, stores it as a mention and answers through /mentions', async () => {
      setup();
      server.route('get', `${GRAPH}/${ACCOUNT_ID}`, () => HttpResponse.json(fixture('mentioned-comment-response')));
      expect((await deliver(fixture('mention-comment'))).status).toBe(200);
      const lookup = new URL(server.calls[0]!.url);
      expect(lookup.searchParams.get('fields')).toBe('mentioned_comment.comment_id(17894227972186120){id,text,timestamp,media{id,permalink}}');
      const mention = await ledger.getInteraction('instagram:17894227972186120');
      expect(mention).toMatchObject({
        kind: 'mention',
        text: '@acme_store the app keeps crashing after the update, please fix it',
        createdAt: '2026-03-02T10:03:30.000Z',
        conversationId: 'instagram:17918195224117851',
        url: 'https://www.instagram.com/p/DAbCdEfGhIj/',
        author: { nativeId: 'anonymous:17894227972186120' },
      });
      server.route('post', `${GRAPH}/${ACCOUNT_ID}/mentions`, () => HttpResponse.json({ id: '17873440459149999' }));
      await crm.reply(mention!.id, 'Sorry about that! A fix ships today.');
      expect(server.calls.at(-1)?.bodyJson).toEqual({ media_id: '17918195224117851', comment_id: '17894227972186120', message: 'Sorry about that! A fix ships today.' });
    });

    it('stores a caption mention under the media with its author and picture', async () => {
      setup();
      server.route('get', `${GRAPH}/${ACCOUNT_ID}`, () => HttpResponse.json(fixture('mentioned-media-response')));
      await deliver(fixture('mention-caption'));
      expect(new URL(server.calls[0]!.url).searchParams.get('fields')).toMatch(/^mentioned_media\.media_id\(17918195224117852\)\{/);
      expect(await ledger.getInteraction('instagram:17918195224117852')).toMatchObject({
        kind: 'mention',
        text: 'Yeni kulaklığım geldi, ses harika 🎧 teşekkürler @acme_store',
        author: { nativeId: '@zeynep.sound', handle: 'zeynep.sound' },
        attachments: [{ type: 'image', url: 'https://scontent.cdninstagram.com/v/t51.29350-15/headphones.jpg' }],
      });
      const thrown = await rejection(crm.reply('instagram:17918195224117852', { text: 'DM?', visibility: 'private' }));
      expect(thrown).toMatchObject({ code: 'REPLY_NOT_ALLOWED', reason: 'not-replyable' });
    });

    it('keeps a mention Graph refuses to show as a dead letter, and fails the delivery for replay when Graph is down', async () => {
      setup();
      server.route('get', `${GRAPH}/${ACCOUNT_ID}`, () => HttpResponse.json(fixture('error-permission'), { status: 403 }));
      expect((await deliver(fixture('mention-comment'))).status).toBe(200);
      expect(await rows()).toHaveLength(0);
      const letters = (await ledger.listDeadLetters()).items;
      expect(letters).toHaveLength(1);
      expect(letters[0]?.error.message).toMatch(/could not be fetched.*permission/);
      expect(warnings.some((warning) => warning.warning.type === 'malformed')).toBe(true);

      setup();
      server.route('get', `${GRAPH}/${ACCOUNT_ID}`, () => HttpResponse.json({ error: { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, is_transient: true } }, { status: 500 }));
      expect((await deliver(fixture('mention-comment'))).status).toBe(500);
      const kept = (await ledger.listDeadLetters()).items;
      expect(kept).toHaveLength(1);
      expect(kept[0]?.payload).toMatchObject({ type: 'webhook', adapterId: 'instagram' });

      server.reset();
      server.route('get', `${GRAPH}/${ACCOUNT_ID}`, () => HttpResponse.json(fixture('mentioned-comment-response')));
      expect(await crm.retryDeadLetters()).toMatchObject({ retried: 1, succeeded: 1 });
      expect(await ledger.getInteraction('instagram:17894227972186120')).toMatchObject({ kind: 'mention' });
    });

    it('acknowledges mentions without fetching when fetchMentions is off', async () => {
      setup(NOW, { fetchMentions: false });
      await deliver(fixture('mention-caption'));
      expect(server.calls).toHaveLength(0);
      expect(warnings[0]?.warning).toMatchObject({ type: 'ignored', details: { media_id: '17918195224117852' } });
    });
  });

  describe('direct messages', () => {
    it('stores a DM, answers it inside the window, and refuses after 24 hours unless tagged', async () => {
      setup();
      await deliver(recentDm(NOW));
      const message = await ledger.getInteraction(`instagram:${DM_MID}`);
      expect(message).toMatchObject({ kind: 'direct_message', visibility: 'private', conversationId: `instagram:${privateConversationKey(`${ACCOUNT_ID}-${CUSTOMER}`)}`, recipientId: ACCOUNT_ID, author: { nativeId: CUSTOMER } });
      sendRoute(server);
      const sent = await crm.reply(message!.id, 'Çok üzgünüz! Fotoğrafını paylaşır mısın?');
      expect(server.calls[0]?.bodyJson).toEqual({ recipient: { id: CUSTOMER }, messaging_type: 'RESPONSE', message: { text: 'Çok üzgünüz! Fotoğrafını paylaşır mısın?' } });
      expect(sent).toMatchObject({ kind: 'direct_message', conversationId: message!.conversationId, author: { nativeId: ACCOUNT_ID, isBrand: true } });
      const publicly = await rejection(crm.reply(message!.id, { text: 'in public?', visibility: 'public' }));
      expect(publicly).toMatchObject({ code: 'REPLY_NOT_ALLOWED', reason: 'not-replyable' });

      server.reset();
      setup();
      await deliver(recentDm(NOW, 30 * 60));
      sendRoute(server);
      expect(await rejection(crm.reply(`instagram:${DM_MID}`, 'Geç'))).toMatchObject({ code: 'REPLY_NOT_ALLOWED', reason: 'messaging-window-closed' });
      expect(server.calls).toHaveLength(0);
      await crm.reply(`instagram:${DM_MID}`, { text: 'Temsilciniz Selin', channelOptions: { instagram: { tag: 'HUMAN_AGENT' } } });
      expect(server.calls[0]?.bodyJson).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
    });

    it('fills the sender from the User Profile API when fetchProfiles is on', async () => {
      setup(NOW, { fetchProfiles: true });
      server.route('get', `${GRAPH}/${CUSTOMER}`, () => HttpResponse.json(fixture('user-profile')));
      await deliver(fixture('dm-batch'));
      expect(new URL(server.calls[0]!.url).searchParams.get('fields')).toBe('name,username,profile_pic,follower_count,is_verified_user');
      expect(server.calls).toHaveLength(1);
      const photo = await ledger.getInteraction('instagram:aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI1OTk0MjI4MzIxMjYx');
      expect(photo?.author).toEqual({ channel: 'instagram', nativeId: CUSTOMER, displayName: 'Deniz Kaya', handle: 'deniz.kaya', profileUrl: 'https://www.instagram.com/deniz.kaya/', avatarUrl: 'https://scontent.cdninstagram.com/v/t51.2885-19/deniz.jpg', followerCount: 2380, verified: false });
      expect((await ledger.getInteraction(`instagram:${ECHO_MID}`))?.author).toEqual({ channel: 'instagram', nativeId: ACCOUNT_ID, isBrand: true });
    });

    it('sends through the account itself with Instagram Login (no pageId)', async () => {
      setup(NOW, { pageId: undefined, graphBaseUrl: 'https://graph.instagram.com' });
      await deliver(recentDm(NOW));
      server.route('post', `https://graph.instagram.com/v23.0/${ACCOUNT_ID}/messages`, () => HttpResponse.json(fixture('send-response')));
      await crm.reply(`instagram:${DM_MID}`, 'Merhaba!');
      expect(server.calls).toHaveLength(1);
    });

    it('reads photos, story replies, echoes and seen receipts; edits, unsends and reactions', async () => {
      setup();
      await deliver(fixture('dm-batch'));
      const photo = await ledger.getInteraction('instagram:aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI1OTk0MjI4MzIxMjYx');
      expect(photo?.attachments).toEqual([{ type: 'image', url: 'https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1800000000000001&signature=abc', data: { nativeType: 'image' } }]);
      const story = await ledger.getInteraction('instagram:aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI1OTk0MjI4MzIxMjYy');
      expect(story?.channelMetadata.instagram).toEqual({ replyToStoryId: '17950000000000001', replyToStoryUrl: 'https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1800000000000002' });
      expect(await ledger.getInteraction(`instagram:${ECHO_MID}`)).toMatchObject({ direction: 'outbound', deliveryStatus: 'read', recipientId: CUSTOMER });

      await deliver(fixture('dm-reaction'));
      expect(await ledger.getInteraction(`instagram:reaction:${ECHO_MID}:${CUSTOMER}`)).toMatchObject({ kind: 'reaction', reaction: '❤️', parentId: ECHO_MID });

      await deliver(fixture('dm-text-tr'));
      await deliver(fixture('dm-edit'));
      expect(await ledger.getInteraction(`instagram:${DM_MID}`)).toMatchObject({ state: 'edited', text: 'Merhaba! Kargom hasarlı ve eksik geldi 📦💔 ne yapmalıyım?', editedAt: '2026-03-02T10:09:59.000Z' });
      await deliver(fixture('dm-unsend'));
      expect(await ledger.getInteraction(`instagram:${DM_MID}`)).toMatchObject({ state: 'deleted', text: '' });
    });
  });

  describe('errors and bad input', () => {
    it('turns a throttled reply (80002) into a retryable RateLimitError carrying the regain time', async () => {
      setup();
      await deliver(fixture('comments-batch'));
      server.route('post', `${GRAPH}/:commentId/replies`, () =>
        HttpResponse.json(fixture('error-rate-limit'), {
          status: 400,
          headers: { 'x-business-use-case-usage': JSON.stringify({ [ACCOUNT_ID]: [{ type: 'instagram', call_count: 100, total_cputime: 12, total_time: 14, estimated_time_to_regain_access: 10 }] }) },
        }),
      );
      const thrown = await rejection(crm.reply(`instagram:${COMMENT_ID}`, 'Teşekkürler'));
      expect(isSocialCrmError(thrown, 'RATE_LIMITED')).toBe(true);
      expect(thrown).toMatchObject({ isRetryable: true, platformCode: 80002 });
      expect((thrown as ChannelApiError).retryAfterMs).toBeGreaterThan(9 * 60_000);
    });

    it('refuses a bad signature with 401 and a body that is not a JSON object with 400, keeps an unreadable change as a dead letter, and warns about unknown fields', async () => {
      setup();
      const body = fixture('dm-text-tr');
      expect((await deliver(body, sign(JSON.stringify(body), 'wrong-secret'))).status).toBe(401);
      expect(await rows()).toHaveLength(0);
      expect((await deliver('not json at all')).status).toBe(400);
      expect((await ledger.listDeadLetters()).items).toHaveLength(0);
      const comment = commentsAt(NOW) as { entry: Array<{ changes: Array<{ value: Record<string, unknown> }> }> };
      // A comment without `from` is kept, attributed to itself alone (as Facebook does); one without an id cannot be.
      const commentId = String(comment.entry[0]!.changes[0]!.value.id);
      delete comment.entry[0]!.changes[0]!.value.from;
      expect((await deliver(comment)).status).toBe(200);
      expect((await ledger.getInteraction(`instagram:${commentId}`))?.author.nativeId).toBe(`anonymous:${commentId}`);
      expect((await ledger.listDeadLetters()).items).toHaveLength(0);
      delete comment.entry[0]!.changes[0]!.value.id;
      delete comment.entry[0]!.changes[0]!.value.comment_id;
      expect((await deliver(comment)).status).toBe(200);
      expect((await ledger.listDeadLetters()).items).toHaveLength(1);
      warnings.length = 0;
      await deliver(fixture('unknown-fields'));
      expect(warnings.map((warning) => [warning.warning.type, warning.warning.details?.field])).toEqual([
        ['ignored', 'story_insights'],
        ['unsupported', 'creator_marketplace_projects'],
      ]);
    });
  });
});
