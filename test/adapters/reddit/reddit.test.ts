import { readFileSync } from 'node:fs';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, isSocialCrmError, memoryLedger, type ChannelApiError, type InteractionLedger, type SocialCrm } from 'social-crm';
import { createChannelTestServer, describeChannelAdapter, type ChannelTestServer } from 'social-crm/testing';
import { redditAdapter, type RedditAdapterOptions } from 'social-crm/adapters/reddit';
import { failure, rejection } from '../../helpers/outcomes.js';

// Listing and thing fields follow reddit-archive/reddit r2/lib/jsontemplates.py and the Data API
// Wiki (support.reddithelp.com); values are invented.
function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as unknown;
}

const API = 'https://oauth.reddit.com';
const TOKEN_URL = 'https://www.reddit.com/api/v1/access_token';
const USER_AGENT = 'web:com.acme.crm:1.4.0 (by /u/acme_support)';
const options: RedditAdapterOptions = { clientId: 'p-jcoLKBynTLew', clientSecret: 'gko_LXELoV07ZBNUXrvWZfzE3aI', username: 'acme_support', password: 'hunter2-brand', userAgent: USER_AGENT };
const ACCESS_TOKEN = (fixture('token') as { access_token: string }).access_token;

function rateHeaders(remaining = 95, reset = 420): Record<string, string> {
  return { 'x-ratelimit-used': String(100 - remaining), 'x-ratelimit-remaining': `${remaining}.0`, 'x-ratelimit-reset': String(reset) };
}

function tokenRoute(server: ChannelTestServer, body: unknown = fixture('token')) {
  server.route('post', TOKEN_URL, () => HttpResponse.json(body as object));
}

/** The inbox: page 1, then page 2 by `after`; `first` replaces page 1 (a later poll). */
function inboxRoutes(server: ChannelTestServer, first: unknown = fixture('inbox-page-1')) {
  tokenRoute(server);
  server.route('get', `${API}/message/inbox`, ({ request }) => {
    const after = new URL(request.url).searchParams.get('after');
    return HttpResponse.json((after === 't4_2abcd' ? fixture('inbox-page-2') : first) as object, { headers: rateHeaders() });
  });
}

function commentRoute(server: ChannelTestServer) {
  tokenRoute(server);
  server.route('post', `${API}/api/comment`, () => HttpResponse.json(fixture('comment-response') as object, { headers: rateHeaders(94) }));
}

const mentionTarget = {
  channel: 'reddit',
  nativeId: 't1_kx9z3ab',
  kind: 'mention' as const,
  author: { channel: 'reddit', nativeId: 'ayse_tr', handle: 'ayse_tr' },
  text: 'u/acme_support uygulama girişte çöküyor, iki gündür sipariş veremiyorum',
  conversationId: 't3_1b2c3d',
  parentId: 't3_1b2c3d',
  createdAt: '2026-02-17T12:00:00.000Z',
};

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterAll(() => server.close());

describeChannelAdapter('Reddit', {
  factory: redditAdapter,
  options,
  invalidOptions: [
    {},
    { ...options, userAgent: 'node-fetch' },
    { ...options, refreshToken: 'also-a-refresh-token' },
    { ...options, password: undefined },
    { ...options, username: 'acme support' },
    { ...options, subreddits: ['not a subreddit!'] },
    { ...options, inbox: false },
  ],
  server,
  reply: {
    target: { interaction: mentionTarget },
    targetId: 'reddit:t1_kx9z3ab',
    routes: commentRoute,
    expectRequest(call) {
      expect(call.url).toBe(`${API}/api/comment`);
      expect(call.headers.authorization).toBe(`bearer ${ACCESS_TOKEN}`);
      expect(call.headers['user-agent']).toBe(USER_AGENT);
      expect(Object.fromEntries(new URLSearchParams(call.bodyText))).toEqual({ api_type: 'json', thing_id: 't1_kx9z3ab', text: 'Thank you, we are on it.' });
    },
    // Reddit refuses a comment with 200 and an `api_type=json` error triple.
    error: {
      routes: (mocked) => mocked.route('post', `${API}/api/comment`, () => HttpResponse.json({ json: { errors: [['THREAD_LOCKED', 'that thread is locked', 'parent']] } })),
      platformCode: 'THREAD_LOCKED',
    },
    rateLimited(mocked, seconds) {
      tokenRoute(mocked);
      mocked.route('post', `${API}/api/comment`, ({ index }) =>
        index === 0
          ? HttpResponse.json({ message: 'Too Many Requests', error: 429 }, { status: 429, headers: rateHeaders(0, seconds) })
          : HttpResponse.json(fixture('comment-response') as object, { headers: rateHeaders(99) }),
      );
    },
  },
  poll: { routes: (mocked) => inboxRoutes(mocked), totalInteractions: 5 },
});

describe('reddit adapter through createSocialCrm', () => {
  let ledger: InteractionLedger;
  let crm: SocialCrm;
  let clock: number;

  function setup(extra: Partial<RedditAdapterOptions> = {}) {
    ledger = memoryLedger();
    clock = Date.now();
    crm = createSocialCrm({
      ledger,
      adapters: [redditAdapter({ ...options, ...extra })],
      classifier: false,
      now: () => new Date(clock),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      http: { retries: 2, maxRateLimitWaitMs: 5_000, backoffBaseMs: 10 },
    });
  }

  async function rows() {
    return (await ledger.queryInteractions({ channel: 'reddit', includeDeleted: true, limit: 100 })).items;
  }

  afterEach(() => server.reset());

  it('signs in as the script app, polls the inbox page by page and threads mentions, comment replies and messages', async () => {
    setup();
    inboxRoutes(server);
    const [summary] = await crm.poll();
    expect(summary?.error).toBeUndefined();
    expect(summary).toMatchObject({ pages: 2, stored: 5 });
    const token = server.calls.find((call) => call.url === TOKEN_URL)!;
    expect(token.headers.authorization).toBe(`Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`);
    expect(token.headers['user-agent']).toBe(USER_AGENT);
    expect(Object.fromEntries(new URLSearchParams(token.bodyText))).toEqual({ grant_type: 'password', username: 'acme_support', password: 'hunter2-brand' });
    const listing = new URL(server.calls.find((call) => call.url.includes('/message/inbox'))!.url);
    expect(listing.searchParams.get('raw_json')).toBe('1');
    expect(listing.searchParams.get('limit')).toBe('100');

    expect(await ledger.getInteraction('reddit:t1_kx9z3ab')).toMatchObject({
      kind: 'mention',
      visibility: 'public',
      text: 'u/acme_support uygulama girişte çöküyor, iki gündür sipariş veremiyorum',
      conversationId: 'reddit:t3_1b2c3d',
      parentId: 't3_1b2c3d',
      recipientId: 'acme_support',
      url: 'https://www.reddit.com/r/acmeapp/comments/1b2c3d/giris_sorunu/kx9z3ab/',
      createdAt: '2026-02-17T12:00:00.000Z',
      author: { nativeId: 'ayse_tr', handle: 'ayse_tr', profileUrl: 'https://www.reddit.com/user/ayse_tr' },
      channelMetadata: { reddit: { source: 'inbox', subreddit: 'acmeapp', linkId: 't3_1b2c3d', inboxType: 'username_mention', postTitle: 'Giriş sorunu' } },
    });
    expect(await ledger.getInteraction('reddit:t1_kx9z4cd')).toMatchObject({ kind: 'reply', parentId: 't1_kx9a0br', conversationId: 'reddit:t3_1b2c3d', state: 'edited', editedAt: '2026-02-17T11:59:10.000Z' });
    expect(await ledger.getInteraction('reddit:t4_2abcd')).toMatchObject({ kind: 'direct_message', visibility: 'private', conversationId: 'reddit:t4_2abcd', channelMetadata: { reddit: { subject: 'Order #4411' } } });
    expect(await ledger.getInteraction('reddit:t4_2abce')).toMatchObject({ kind: 'direct_message', conversationId: 'reddit:t4_2ab00', parentId: 't4_2ab01' });
    // Deleted accounts are not merged into one "[deleted]" customer.
    expect((await ledger.getInteraction('reddit:t1_kx9y111'))?.author).toMatchObject({ nativeId: 'deleted:t1_kx9y111', displayName: '[deleted]' });

    // The next poll stops at the newest item already stored: only the new comment reply.
    server.reset();
    inboxRoutes(server, fixture('inbox-since'));
    const [next] = await crm.poll();
    expect(next).toMatchObject({ pages: 1, stored: 1, duplicates: 0 });
    expect(await ledger.getInteraction('reddit:t1_kxa0001')).toMatchObject({ text: 'Tamam, güncelleme sonrası düzeldi, teşekkürler!' });
    expect(server.calls.filter((call) => call.url === TOKEN_URL)).toHaveLength(0);
  });

  it('searches brand keywords in the chosen subreddits and keeps only new comments that name the brand', async () => {
    setup({ inbox: false, keywords: ['acme', 'acme router'], subreddits: ['r/homenetworking', 'Turkey'] });
    tokenRoute(server);
    // `+` joins subreddits in the path; msw reads an unescaped `+` as a pattern modifier.
    server.route('get', `${API}/r/homenetworking\\+Turkey/search`, () => HttpResponse.json(fixture('search-page') as object, { headers: rateHeaders() }));
    server.route('get', `${API}/r/homenetworking\\+Turkey/comments`, () => HttpResponse.json(fixture('comments-page') as object, { headers: rateHeaders() }));
    const [summary] = await crm.poll();
    expect(summary?.error).toBeUndefined();
    const search = new URL(server.calls.find((call) => call.url.includes('/search'))!.url).searchParams;
    expect(Object.fromEntries(search)).toMatchObject({ q: 'acme OR "acme router"', sort: 'new', type: 'link', restrict_sr: 'true', raw_json: '1' });
    expect((await rows()).map((row) => row.nativeId).sort()).toEqual(['t1_kxc0001', 't1_kxc0003', 't3_1b2c8y', 't3_1b2c9z']);
    expect(await ledger.getInteraction('reddit:t3_1b2c9z')).toMatchObject({
      kind: 'post',
      text: 'Acme router keeps dropping Wi-Fi every hour\n\nAnyone else? Firmware 2.1, tried a factory reset.',
      metrics: { replies: 12 },
      url: 'https://www.reddit.com/r/homenetworking/comments/1b2c9z/acme_router_keeps_dropping_wifi_every_hour/',
    });
    expect((await ledger.getInteraction('reddit:t3_1b2c8y'))?.channelMetadata.reddit).toMatchObject({ linkUrl: 'https://acme.example/modem' });
    expect(await ledger.getInteraction('reddit:t1_kxc0001')).toMatchObject({ kind: 'comment', conversationId: 'reddit:t3_1b2c9z', parentId: 't3_1b2c9z' });
    expect(await ledger.getInteraction('reddit:t1_kxc0003')).toMatchObject({ direction: 'outbound', author: { isBrand: true }, parentId: 't1_kxc0001' });
    // A second poll finds nothing new on either stream.
    const [again] = await crm.poll();
    expect(again?.stored).toBe(0);
  });

  it('replies to a polled mention with api/comment and records the created comment in its thread', async () => {
    setup();
    inboxRoutes(server);
    await crm.poll();
    commentRoute(server);
    const sent = await crm.reply('reddit:t1_kx9z3ab', 'Merhaba, sorunu inceliyoruz; uygulamayı güncelleyebilir misiniz?');
    const call = server.calls.at(-1)!;
    expect(Object.fromEntries(new URLSearchParams(call.bodyText))).toEqual({ api_type: 'json', thing_id: 't1_kx9z3ab', text: 'Merhaba, sorunu inceliyoruz; uygulamayı güncelleyebilir misiniz?' });
    expect(sent).toMatchObject({
      nativeId: 't1_kxd0001',
      kind: 'reply',
      direction: 'outbound',
      parentId: 't1_kx9z3ab',
      conversationId: 'reddit:t3_1b2c3d',
      url: 'https://www.reddit.com/r/acmeapp/comments/1b2c3d/giris_sorunu/kxd0001/',
    });
    // One token for the whole session: the poll's token is reused.
    expect(server.calls.filter((call) => call.url === TOKEN_URL)).toHaveLength(1);
  });

  it("turns Reddit's RATELIMIT answer (HTTP 200) into a retryable RateLimitError with the wait it names", async () => {
    setup();
    await crm.ingest(mentionTarget);
    tokenRoute(server);
    server.route('post', `${API}/api/comment`, () => HttpResponse.json(fixture('ratelimit-error') as object));
    const error = (await rejection(crm.reply('reddit:t1_kx9z3ab', 'Tekrar deniyoruz'))) as ChannelApiError;
    expect(isSocialCrmError(error, 'RATE_LIMITED')).toBe(true);
    expect(error.retryAfterMs).toBe(360_000);
    expect(error.platformCode).toBe('RATELIMIT');
    expect(error.isRetryable).toBe(true);
  });

  it('refuses a private answer to a public comment without calling Reddit', async () => {
    setup();
    await crm.ingest(mentionTarget);
    const error = await rejection(crm.reply('reddit:t1_kx9z3ab', { text: 'DM', visibility: 'private' }));
    expect(isSocialCrmError(error, 'UNSUPPORTED_CAPABILITY')).toBe(true);
    expect(server.calls).toHaveLength(0);
  });

  it('dead-letters a listing child that is not a thing, and starts over from a corrupt cursor with a warning', async () => {
    setup();
    tokenRoute(server);
    const page = fixture('inbox-page-2') as { data: { children: unknown[] } };
    page.data.children.push({ kind: 't1', data: { id: 'broken', body: 'no fullname, no time' } });
    server.route('get', `${API}/message/inbox`, () => HttpResponse.json(page));
    await ledger.setCursor('reddit', 'default', '{not json');
    const warnings: string[] = [];
    crm.on('warning', ({ warning }) => warnings.push(warning.type));
    const [summary] = await crm.poll();
    expect(summary).toMatchObject({ stored: 2 });
    expect((await ledger.listDeadLetters()).items).toHaveLength(1);
    expect(warnings).toContain('malformed');
  });

  describe('OAuth', () => {
    it('renews the token before it expires, and once more after a 401', async () => {
      setup({ password: undefined, refreshToken: 'refresh-token-permanent' });
      let issued = 0;
      server.route('post', TOKEN_URL, () => HttpResponse.json({ access_token: `token-${++issued}`, token_type: 'bearer', expires_in: 3600, scope: 'read privatemessages submit' }));
      const seen: string[] = [];
      server.route('get', `${API}/message/inbox`, ({ request }) => {
        const authorization = request.headers.get('authorization')!;
        seen.push(authorization);
        if (authorization === 'bearer token-2' && seen.filter((value) => value === 'bearer token-2').length === 1) return HttpResponse.json({ message: 'Unauthorized', error: 401 }, { status: 401 });
        return HttpResponse.json(fixture('inbox-page-2') as object);
      });
      await crm.poll();
      expect(Object.fromEntries(new URLSearchParams(server.calls[0]!.bodyText))).toEqual({ grant_type: 'refresh_token', refresh_token: 'refresh-token-permanent' });
      clock += 30 * 60_000;
      await crm.poll();
      expect(issued).toBe(1);
      // 56 minutes in: within the 5-minute margin, so a new token is fetched first.
      clock += 26 * 60_000;
      await crm.poll();
      // token-2 was refused once (revoked): the adapter fetched token-3 and retried.
      expect(issued).toBe(3);
      expect(seen).toEqual(['bearer token-1', 'bearer token-1', 'bearer token-2', 'bearer token-3']);
    });

    it('reports a refused sign-in as a non-retryable error naming the credential', async () => {
      setup();
      tokenRoute(server, { error: 'invalid_grant' });
      const [summary] = await crm.poll();
      expect(isSocialCrmError(summary?.error, 'CHANNEL_API_ERROR')).toBe(true);
      expect((summary?.error as ChannelApiError).isRetryable).toBe(false);
      expect(summary?.error?.message).toContain('account password');
    });
  });

  describe('rate limits', () => {
    it('reads X-Ratelimit-Remaining and X-Ratelimit-Reset as an app-wide budget', () => {
      const adapter = redditAdapter(options);
      const before = Date.now();
      const state = adapter.rateLimitFromResponse!(new Response(null, { headers: rateHeaders(7, 120) }));
      expect(state).toMatchObject({ remaining: 7, scope: '*' });
      expect(state!.resetAt! - before).toBeGreaterThanOrEqual(120_000);
      expect(adapter.rateLimitFromResponse!(new Response(null))).toBeUndefined();
    });

    it('stops calling Reddit when the budget is spent until a reset beyond the wait limit', async () => {
      setup();
      tokenRoute(server);
      server.route('get', `${API}/message/inbox`, () => HttpResponse.json(fixture('inbox-page-2') as object, { headers: rateHeaders(0, 500) }));
      await crm.poll();
      const calls = server.calls.length;
      const [blocked] = await crm.poll();
      expect(isSocialCrmError(blocked?.error, 'RATE_LIMITED')).toBe(true);
      expect(server.calls.length).toBe(calls);
    });
  });

  it('names the User-Agent format Reddit requires', () => {
    const error = failure(() => redditAdapter({ ...options, userAgent: 'Mozilla/5.0' }));
    expect(isSocialCrmError(error, 'INVALID_OPTIONS')).toBe(true);
    expect((error as Error).message).toContain('(by /u/<username>)');
  });
});
