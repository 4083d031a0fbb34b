import { readFileSync } from 'node:fs';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, isSocialCrmError, memoryLedger, type InteractionLedger, type RateLimitError, type SocialCrm, type SocialCrmEvents } from 'social-crm';
import { createChannelTestServer, describeChannelAdapter, type ChannelTestServer } from 'social-crm/testing';
import { youtubeAdapter, type YouTubeAdapterOptions } from 'social-crm/adapters/youtube';
import { failure, rejection } from '../../helpers/outcomes.js';

// Payloads follow the YouTube Data API v3 reference (commentThreads, comments resources and the
// discovery document's CommentThreadListResponse); field names verbatim, values invented.
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

const API = 'https://www.googleapis.com/youtube/v3';
const THREADS_URL = `${API}/commentThreads`;
const COMMENTS_URL = `${API}/comments`;
const BRAND = 'UCacmeSupport00000000000';
const THREAD_A = 'UgzAyse1TurkishThread4AaABAg';
const THREAD_B = 'UgxSam2EnglishThread4AaABAg';
const PAGE_2_TOKEN = 'QURTSl9pMlQ1cGFnZV8y';

const options: YouTubeAdapterOptions = { channelId: BRAND, accessToken: 'ya29.test-access-token', backfillDays: 3650 };

/** Thread listing: page 1, page 2 by `pageToken`; replies of thread B through comments.list. */
function listingRoutes(server: ChannelTestServer, pages: { first?: string; second?: string; replies?: string } = {}) {
  server.route('get', THREADS_URL, ({ request }) => {
    const token = new URL(request.url).searchParams.get('pageToken');
    return HttpResponse.json(fixture(token === PAGE_2_TOKEN ? (pages.second ?? 'threads-page-2') : token ? 'threads-page-2' : (pages.first ?? 'threads-page-1')));
  });
  server.route('get', COMMENTS_URL, ({ request }) => {
    const parentId = new URL(request.url).searchParams.get('parentId');
    return parentId === THREAD_B ? HttpResponse.json(fixture(pages.replies ?? 'replies-thread-b')) : HttpResponse.json({ kind: 'youtube#commentListResponse', items: [] });
  });
}

function insertRoute(server: ChannelTestServer) {
  server.route('post', COMMENTS_URL, () => HttpResponse.json(fixture('comment-insert-response')));
}

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterAll(() => server.close());

const target = {
  channel: 'youtube',
  nativeId: THREAD_A,
  kind: 'comment' as const,
  author: { channel: 'youtube', nativeId: 'UCayseYilmaz000000000000', displayName: '@ayseyilmaz', handle: 'ayseyilmaz' },
  conversationId: THREAD_A,
  text: 'Modem kutusundan bozuk çıktı, iade süreci nasıl işliyor?',
  createdAt: '2026-02-17T12:40:00Z',
  channelMetadata: { youtube: { threadId: THREAD_A, videoId: 'dQw4w9WgXcQ', canReply: true } },
};

describeChannelAdapter('YouTube (Data API v3)', {
  factory: youtubeAdapter,
  options,
  invalidOptions: [
    {},
    { channelId: '@acmesupport', accessToken: 'token' },
    { channelId: BRAND },
    { ...options, videoIds: ['not-a-video-id'] },
    { ...options, dailyQuota: 1000, replyReserve: 1000 },
    { ...options, maxResults: 500 },
    { ...options, id: 'You Tube' },
  ],
  server,
  reply: {
    target: { interaction: target },
    targetId: `youtube:${THREAD_A}`,
    routes: insertRoute,
    expectRequest(call) {
      expect(call.url).toBe(`${COMMENTS_URL}?part=snippet`);
      expect(call.headers.authorization).toBe('Bearer ya29.test-access-token');
      expect(call.bodyJson).toEqual({ snippet: { parentId: THREAD_A, textOriginal: 'Thank you, we are on it.' } });
    },
    error: {
      routes: (mocked) => mocked.route('post', COMMENTS_URL, () => HttpResponse.json(fixture('error-403-comments-disabled'), { status: 403 })),
      platformCode: 'commentsDisabled',
      status: 403,
    },
    rateLimited(mocked, seconds) {
      mocked.route('post', COMMENTS_URL, ({ index }) =>
        index === 0 ? HttpResponse.json(fixture('error-429-rate-limit'), { status: 429, headers: { 'retry-after': String(seconds) } }) : HttpResponse.json(fixture('comment-insert-response')),
      );
    },
  },
  poll: { routes: (mocked) => listingRoutes(mocked), totalInteractions: 7 },
});

describe('youtube adapter through createSocialCrm', () => {
  let ledger: InteractionLedger;
  let crm: SocialCrm;
  let warnings: Array<SocialCrmEvents['warning']>;
  let clock: Date;

  function setup(extra: Partial<YouTubeAdapterOptions> = {}) {
    ledger = memoryLedger();
    clock = new Date('2026-02-18T10:00:00Z');
    crm = createSocialCrm({
      ledger,
      adapters: [youtubeAdapter({ ...options, backfillDays: 7, ...extra })],
      classifier: false,
      now: () => clock,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      http: { retries: 2, maxRateLimitWaitMs: 5_000, backoffBaseMs: 10 },
    });
    warnings = [];
    crm.on('warning', (warning) => warnings.push(warning));
  }

  afterEach(() => server.reset());

  it('polls the channel page by page, fetches missing replies once, stores authors and the brand, then answers in the thread', async () => {
    setup();
    listingRoutes(server);
    const [first] = await crm.poll();
    expect(first?.error).toBeUndefined();
    expect(first).toMatchObject({ pages: 2, stored: 7, duplicates: 0 });

    const listings = server.calls.filter((call) => call.url.startsWith(THREADS_URL)).map((call) => new URL(call.url).searchParams);
    expect(listings).toHaveLength(2);
    expect(Object.fromEntries(listings[0]!)).toEqual({ part: 'snippet,replies', allThreadsRelatedToChannelId: BRAND, order: 'time', maxResults: '100', textFormat: 'plainText' });
    expect(listings[1]?.get('pageToken')).toBe(PAGE_2_TOKEN);
    expect(server.calls[0]?.headers.authorization).toBe('Bearer ya29.test-access-token');
    // Thread B carries 1 of its 3 replies: the rest come from comments.list (thread A has all).
    const replyCalls = server.calls.filter((call) => call.url.startsWith(COMMENTS_URL));
    expect(replyCalls.map((call) => new URL(call.url).searchParams.get('parentId'))).toEqual([THREAD_B]);

    const turkish = await ledger.getInteraction(`youtube:${THREAD_A}`);
    expect(turkish).toMatchObject({
      kind: 'comment',
      direction: 'inbound',
      visibility: 'public',
      text: 'Modem kutusundan bozuk çıktı, iade süreci nasıl işliyor? Sipariş no 4411 😡',
      conversationId: `youtube:${THREAD_A}`,
      recipientId: BRAND,
      createdAt: '2026-02-17T12:40:00.000Z',
      url: `https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=${THREAD_A}`,
      metrics: { likes: 4, replies: 1 },
      author: { channel: 'youtube', nativeId: 'UCayseYilmaz000000000000', displayName: '@ayseyilmaz', handle: 'ayseyilmaz', profileUrl: 'http://www.youtube.com/@ayseyilmaz' },
    });
    expect(turkish?.customerId).toBeTruthy();
    expect(turkish?.channelMetadata.youtube).toMatchObject({ videoId: 'dQw4w9WgXcQ', threadId: THREAD_A, canReply: true });

    const brand = await ledger.getInteraction(`youtube:${THREAD_A}.AaBrandReply01`);
    expect(brand).toMatchObject({ kind: 'reply', direction: 'outbound', parentId: THREAD_A, conversationId: `youtube:${THREAD_A}`, author: { isBrand: true } });
    // The brand's answer belongs to the customer of the thread it answers.
    expect(brand?.customerId).toBe(turkish?.customerId);
    const peer = await ledger.getInteraction(`youtube:${THREAD_B}.AaReply00002`);
    expect(peer).toMatchObject({ kind: 'reply', text: 'Bende de aynı sorun var, her saat başı kopuyor.', parentId: THREAD_B, conversationId: `youtube:${THREAD_B}` });
    const edited = await ledger.getInteraction('youtube:UgwOld3EditedThread4AaABAg');
    expect(edited).toMatchObject({ state: 'edited', editedAt: '2026-02-16T08:00:00.000Z', metrics: { likes: 30, replies: 0 } });

    insertRoute(server);
    const before = server.calls.length;
    const sent = await crm.reply(turkish!.id, 'Merhaba Ayşe, iade kodunu e-posta ile gönderdik 🙏');
    const insert = server.calls[before]!;
    expect(insert.method).toBe('POST');
    expect(new URL(insert.url).searchParams.get('part')).toBe('snippet');
    expect(insert.bodyJson).toEqual({ snippet: { parentId: THREAD_A, textOriginal: 'Merhaba Ayşe, iade kodunu e-posta ile gönderdik 🙏' } });
    expect(sent).toMatchObject({
      nativeId: 'UgzAyse1TurkishThread4AaABAg.AaNewBrandReply',
      direction: 'outbound',
      parentId: THREAD_A,
      conversationId: turkish!.conversationId,
      customerId: turkish!.customerId,
      createdAt: '2026-02-18T09:00:00.000Z',
    });

    // A reply to a reply lands under the thread's top-level comment: YouTube has one level.
    server.reset();
    insertRoute(server);
    await crm.reply(`youtube:${THREAD_B}.AaReply00002`, 'Sorunu inceliyoruz, 1.9.4 sürümü yolda.');
    expect((server.calls[0]?.bodyJson as { snippet: { parentId: string } }).snippet.parentId).toBe(THREAD_B);
  });

  it('resumes after the watermark: new threads and new replies only, stopping below the rescan window', async () => {
    setup();
    listingRoutes(server);
    await crm.poll();
    const cursor = JSON.parse((await ledger.getCursor('youtube', 'default'))!) as { watermark: string; run?: unknown; threads: Record<string, number> };
    expect(cursor).toMatchObject({ watermark: '2026-02-17T12:55:00.000Z', threads: { [THREAD_A]: 1, [THREAD_B]: 3 } });
    expect(cursor.run).toBeUndefined();

    server.reset();
    listingRoutes(server, { first: 'threads-later', replies: 'replies-thread-b-later' });
    const [second] = await crm.poll();
    expect(second?.error).toBeUndefined();
    // The new thread and the new reply; thread A (unchanged, above the watermark's overlap) is a duplicate.
    expect(second).toMatchObject({ stored: 2 });
    expect(await ledger.getInteraction('youtube:UgyNew4FollowUpThread4AaABAg')).toMatchObject({ text: 'İade kodu geldi, teşekkürler! 🙏' });
    expect(await ledger.getInteraction(`youtube:${THREAD_B}.AaReply00004`)).toMatchObject({ parentId: THREAD_B });
    // Thread B grew from 3 to 4 replies, so its replies were fetched again; nothing else was.
    expect(server.calls.filter((call) => call.url.startsWith(COMMENTS_URL))).toHaveLength(1);
    // Page 2 reaches below the rescan window (48 h before the watermark), so the run ends there.
    expect(server.calls.filter((call) => call.url.startsWith(THREADS_URL))).toHaveLength(2);
    const resumed = JSON.parse((await ledger.getCursor('youtube', 'default'))!) as { watermark: string };
    expect(resumed.watermark).toBe('2026-02-18T08:00:00.000Z');
  });

  it('polls chosen videos one after the other with the API key, in one run', async () => {
    setup({ accessToken: undefined, apiKey: 'AIzaSy-test-key', videoIds: ['dQw4w9WgXcQ', 'M7lc1UVf-VE'] });
    server.route('get', THREADS_URL, ({ request }) => {
      const videoId = new URL(request.url).searchParams.get('videoId');
      const page = fixture('threads-page-1') as { items: Array<{ snippet: { videoId: string } }> };
      return HttpResponse.json({ ...page, nextPageToken: undefined, items: page.items.filter((item) => item.snippet.videoId === videoId) });
    });
    server.route('get', COMMENTS_URL, () => HttpResponse.json(fixture('replies-thread-b')));
    const [summary] = await crm.poll();
    expect(summary).toMatchObject({ pages: 2, stored: 6 });
    const listings = server.calls.filter((call) => call.url.startsWith(THREADS_URL)).map((call) => new URL(call.url).searchParams);
    expect(listings.map((params) => params.get('videoId'))).toEqual(['dQw4w9WgXcQ', 'M7lc1UVf-VE']);
    expect(listings[0]?.get('key')).toBe('AIzaSy-test-key');
    expect(listings[0]?.get('allThreadsRelatedToChannelId')).toBeNull();
    expect(server.calls[0]?.headers.authorization).toBeUndefined();
    // Read-only with an API key: no reply capability.
    expect(isSocialCrmError(await rejection(crm.reply(`youtube:${THREAD_A}`, 'Merhaba')), 'UNSUPPORTED_CAPABILITY')).toBe(true);
  });

  it('pauses every call when YouTube answers quotaExceeded, with a typed error until midnight Pacific Time', async () => {
    setup();
    server.route('get', THREADS_URL, () => HttpResponse.json(fixture('error-403-quota'), { status: 403 }));
    const [failed] = await crm.poll();
    expect(isSocialCrmError(failed?.error, 'RATE_LIMITED')).toBe(true);
    const error = failed!.error as RateLimitError;
    expect(error.platformCode).toBe('quotaExceeded');
    expect(error.isRetryable).toBe(true);
    expect(error.status).toBe(403);
    // 10:00 UTC on 18 February is 02:00 PST; the quota resets at 08:00 UTC on the 19th.
    expect(error.retryAfterMs).toBe(Date.parse('2026-02-19T08:00:00Z') - clock.getTime());
    expect(error.message).toContain('exceeded your quota');
    expect(await ledger.getCursor('youtube', 'default')).toBeNull();

    // Spent: neither polls nor replies reach the network until the reset.
    const calls = server.calls.length;
    const [paused] = await crm.poll();
    expect(isSocialCrmError(paused?.error, 'RATE_LIMITED')).toBe(true);
    await crm.ingest(target);
    const refused = await rejection(crm.reply(`youtube:${THREAD_A}`, 'Merhaba'));
    expect(isSocialCrmError(refused, 'RATE_LIMITED')).toBe(true);
    expect(server.calls.length).toBe(calls);

    clock = new Date('2026-02-19T08:00:01Z');
    server.reset();
    listingRoutes(server);
    const [resumed] = await crm.poll();
    expect(resumed?.error).toBeUndefined();
    expect(resumed?.stored).toBeGreaterThan(0);
  });

  it('counts units per call, keeps the reply reserve from polling, and warns as the day fills up', async () => {
    setup({ dailyQuota: 100, replyReserve: 98 });
    listingRoutes(server);
    // Polling may spend 2 units: page 1 (1) and the replies of thread B (1); page 2 is refused.
    const [summary] = await crm.poll();
    expect(summary?.stored).toBe(6);
    expect(isSocialCrmError(summary?.error, 'RATE_LIMITED')).toBe(true);
    expect(summary?.error?.message).toContain('98 are kept for replies');
    expect(server.calls).toHaveLength(2);
    // A reply (50 units) still fits in the reserve; a second would pass 100 and is refused before the call.
    insertRoute(server);
    await crm.reply(`youtube:${THREAD_A}`, 'Merhaba Ayşe, inceliyoruz.');
    expect(warnings.some((warning) => warning.warning.type === 'rate-limit')).toBe(false);
    const second = await rejection(crm.reply(`youtube:${THREAD_A}`, 'Bir mesaj daha'));
    expect(isSocialCrmError(second, 'RATE_LIMITED')).toBe(true);
    expect(server.calls).toHaveLength(3);
  });

  it('asks a token function again after a 401 and retries once', async () => {
    const asked: boolean[] = [];
    setup({ accessToken: ({ forceRefresh }) => (asked.push(forceRefresh), forceRefresh ? 'ya29.fresh' : 'ya29.expired') });
    server.route('get', THREADS_URL, ({ request }) =>
      request.headers.get('authorization') === 'Bearer ya29.fresh' ? HttpResponse.json(fixture('threads-page-2')) : HttpResponse.json(fixture('error-401-auth'), { status: 401 }),
    );
    const [summary] = await crm.poll();
    expect(summary?.error).toBeUndefined();
    expect(summary?.stored).toBe(1);
    expect(asked).toEqual([false, true]);

    // A fixed token that YouTube refuses is a non-retryable error naming Google's reason.
    setup({ accessToken: 'ya29.revoked' });
    server.route('get', THREADS_URL, () => HttpResponse.json(fixture('error-401-auth'), { status: 401 }));
    const [refused] = await crm.poll();
    expect(refused?.error).toMatchObject({ code: 'CHANNEL_API_ERROR', status: 401, platformCode: 'authError', isRetryable: false });
  });

  it('refuses what YouTube cannot take with typed errors and decodes its refusals', async () => {
    setup();
    await crm.ingest(target);
    expect(isSocialCrmError(await rejection(crm.reply(`youtube:${THREAD_A}`, { text: 'DM?', visibility: 'private' })), 'UNSUPPORTED_CAPABILITY')).toBe(true);
    expect(isSocialCrmError(await rejection(crm.reply(`youtube:${THREAD_A}`, '   ')), 'INVALID_OPTIONS')).toBe(true);
    await crm.ingest({ ...target, nativeId: 'UgzClosedThread', conversationId: 'UgzClosedThread', channelMetadata: { youtube: { threadId: 'UgzClosedThread', canReply: false } } });
    expect(isSocialCrmError(await rejection(crm.reply('youtube:UgzClosedThread', 'Merhaba')), 'REPLY_NOT_ALLOWED')).toBe(true);
    server.route('post', COMMENTS_URL, () => HttpResponse.json(fixture('error-403-comments-disabled'), { status: 403 }));
    const refused = await rejection(crm.reply(`youtube:${THREAD_A}`, 'Merhaba'));
    expect(refused).toMatchObject({ code: 'CHANNEL_API_ERROR', status: 403, platformCode: 'commentsDisabled', isRetryable: false });
    expect((refused as Error).message).toContain('has disabled comments');
    expect((refused as Error).message).not.toContain('<code>');
    expect(isSocialCrmError(failure(() => youtubeAdapter({ channelId: BRAND, apiKey: 'k', dailyQuota: 10 })), 'INVALID_OPTIONS')).toBe(true);
    // A small quota keeps a tenth for replies by default instead of refusing the default reserve.
    expect(failure(() => youtubeAdapter({ channelId: BRAND, apiKey: 'k', dailyQuota: 200 }))).toBeUndefined();
  });

  it('dead-letters a thread that is not one, starts over on an unreadable cursor, and keeps the rest', async () => {
    setup({ backfillDays: 3650 });
    await ledger.setCursor('youtube', 'default', '{"v":2}');
    const page = fixture('threads-page-2') as { items: unknown[] };
    server.route('get', THREADS_URL, () => HttpResponse.json({ ...page, items: [...page.items, { kind: 'youtube#commentThread', id: 'broken', snippet: {} }] }));
    const [summary] = await crm.poll();
    expect(summary).toMatchObject({ stored: 1, deadLettered: 1 });
    expect(warnings.some((warning) => warning.warning.type === 'malformed')).toBe(true);
  });
});
