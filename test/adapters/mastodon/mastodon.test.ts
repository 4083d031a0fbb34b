import { readFileSync } from 'node:fs';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSocialCrm, isAbortedError, isReplyInDoubtError, isSocialCrmError, memoryLedger, type InteractionLedger, type SocialCrm, type SocialCrmEvents } from 'social-crm';
import { createChannelTestServer, describeChannelAdapter, type ChannelTestServer } from 'social-crm/testing';
import { mastodonAdapter, type MastodonAdapterOptions } from 'social-crm/adapters/mastodon';
import { failure, rejection } from '../../helpers/outcomes.js';

// Payloads follow docs.joinmastodon.org (methods/notifications, methods/statuses, entities/Notification,
// Status, Account, MediaAttachment, api/rate-limits, api/guidelines#pagination); values invented.
function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as T;
}

const INSTANCE = 'https://mastodon.example';
const NOTIFICATIONS_URL = `${INSTANCE}/api/v1/notifications`;
const STATUSES_URL = `${INSTANCE}/api/v1/statuses`;
const options: MastodonAdapterOptions = { instanceUrl: INSTANCE, accessToken: 'mastodon-user-token' };

function rateHeaders(remaining = 299, resetInSeconds = 300): Record<string, string> {
  return {
    'x-ratelimit-limit': '300',
    'x-ratelimit-remaining': String(remaining),
    // Mastodon writes the reset as ISO 8601 with microseconds (`iso8601(6)`).
    'x-ratelimit-reset': new Date(Date.now() + resetInSeconds * 1000).toISOString().replace('Z', '000Z'),
  };
}

function page(body: unknown, links: { next?: string; prev?: string } = {}): Response {
  const link = [links.next ? `<${NOTIFICATIONS_URL}?max_id=${links.next}>; rel="next"` : '', links.prev ? `<${NOTIFICATIONS_URL}?min_id=${links.prev}>; rel="prev"` : ''].filter(Boolean).join(', ');
  return HttpResponse.json(body as never, { headers: { ...rateHeaders(), ...(link ? { link } : {}) } });
}

/** Newest page without `min_id`; newer notifications after `min_id=34975870`; nothing after 34975880. */
function notificationRoutes(server: ChannelTestServer, older: unknown[] = []) {
  server.route('get', NOTIFICATIONS_URL, ({ request }) => {
    const params = new URL(request.url).searchParams;
    const minId = params.get('min_id');
    if (minId === '34975870') return page(fixture('notifications-newer'), { next: '34975875', prev: '34975880' });
    if (minId) return page([]);
    if (params.get('max_id') === '34975862') return page(older, older.length ? { next: '34975000', prev: '34975100' } : {});
    return page(fixture('notifications-page-1'), { next: '34975862', prev: '34975870' });
  });
}

function statusRoute(server: ChannelTestServer) {
  server.route('post', STATUSES_URL, () => HttpResponse.json(fixture('status-create-response'), { headers: rateHeaders(298) }));
}

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterAll(() => server.close());

const target = {
  channel: 'mastodon',
  nativeId: '111222333444555777',
  kind: 'reply' as const,
  author: { channel: 'mastodon', nativeId: '110123456789012345', handle: 'ayse@mastodon.com.tr', displayName: 'Ayşe Yılmaz' },
  conversationId: '111222333000000001',
  parentId: '111222333000000001',
  text: '@acme Modem kutusundan bozuk çıktı 😡',
  createdAt: '2026-02-17T11:20:00.100Z',
  channelMetadata: { mastodon: { visibility: 'public', authorAcct: 'ayse@mastodon.com.tr' } },
};

describeChannelAdapter('Mastodon', {
  factory: mastodonAdapter,
  options,
  invalidOptions: [{}, { ...options, instanceUrl: 'mastodon.example' }, { instanceUrl: INSTANCE }, { ...options, limit: 200 }, { ...options, notificationTypes: ['follow'] }, { ...options, id: 'Mastodon!' }],
  server,
  reply: {
    target: { interaction: target },
    targetId: 'mastodon:111222333444555777',
    routes: statusRoute,
    expectRequest(call) {
      expect(call.url).toBe(STATUSES_URL);
      expect(call.headers.authorization).toBe('Bearer mastodon-user-token');
      expect(call.headers['idempotency-key']).toMatch(/.+/);
      expect(call.bodyJson).toEqual({ status: '@ayse@mastodon.com.tr Thank you, we are on it.', in_reply_to_id: '111222333444555777', visibility: 'public' });
    },
    // Mastodon's error body is `{ error }` with no code: the status says it all.
    error: {
      routes: (mocked) => mocked.route('post', STATUSES_URL, () => HttpResponse.json(fixture('error-422'), { status: 422 })),
      status: 422,
    },
    rateLimited(mocked, seconds) {
      mocked.route('post', STATUSES_URL, ({ index }) =>
        index === 0 ? HttpResponse.json(fixture('error-429'), { status: 429, headers: rateHeaders(0, seconds) }) : HttpResponse.json(fixture('status-create-response')),
      );
    },
  },
  poll: { routes: (mocked) => notificationRoutes(mocked), totalInteractions: 5 },
  publish: {
    request: { text: 'Kış kampanyamız başladı! Our winter sale has started.', link: 'https://shop.example/kis' },
    routes: (mocked) => mocked.route('post', STATUSES_URL, () => HttpResponse.json(fixture('status-publish-response'), { headers: rateHeaders(297) })),
    expectRequest(calls) {
      expect(calls).toHaveLength(1);
      expect(calls[0]!.url).toBe(STATUSES_URL);
      expect(calls[0]!.headers.authorization).toBe('Bearer mastodon-user-token');
      expect(calls[0]!.headers['idempotency-key']).toMatch(/^kit-/);
      expect(calls[0]!.bodyJson).toEqual({ status: 'Kış kampanyamız başladı! Our winter sale has started.\n\nhttps://shop.example/kis', visibility: 'public' });
    },
    nativeId: '111222333444570001',
    error: {
      routes: (mocked) => mocked.route('post', STATUSES_URL, () => HttpResponse.json(fixture('error-422'), { status: 422 })),
      status: 422,
    },
    rateLimited(mocked, seconds) {
      mocked.route('post', STATUSES_URL, ({ index }) =>
        index === 0 ? HttpResponse.json(fixture('error-429'), { status: 429, headers: rateHeaders(0, seconds) }) : HttpResponse.json(fixture('status-publish-response')),
      );
    },
  },
});

describe('mastodon statuses through crm.publish', () => {
  afterEach(() => server.reset());

  it("sends a post left in doubt again with its Idempotency-Key within Mastodon's hour, and not after it", async () => {
    let clock = new Date('2026-02-18T09:00:00.000Z');
    const ledger = memoryLedger();
    const crm = createSocialCrm({ ledger, adapters: [mastodonAdapter(options)], classifier: false, now: () => clock, logger: { debug() {}, info() {}, warn() {}, error() {} }, http: { retries: 0 } });
    // The first request reached the server, which posted, but the answer was lost (a 502 from the proxy).
    server.route('post', STATUSES_URL, ({ index }) => (index === 0 ? HttpResponse.json({ error: 'Bad Gateway' }, { status: 502 }) : HttpResponse.json(fixture('status-publish-response'))));
    const request = { channel: 'mastodon', text: 'Bakım 02:00–04:00. Maintenance tonight.', idempotencyKey: 'maint-mastodon' };
    const first = await (crm.publish(request).then(() => undefined, (error: unknown) => error));
    expect(isSocialCrmError(first, 'CHANNEL_API_ERROR')).toBe(true);
    clock = new Date('2026-02-18T09:20:00.000Z');
    const post = await crm.publish(request);
    expect(post.id).toBe('mastodon:111222333444570001');
    expect(server.calls.map((call) => call.headers['idempotency-key'])).toEqual(['maint-mastodon', 'maint-mastodon']);
    expect(await ledger.getSend!('maint-mastodon')).toMatchObject({ state: 'sent', attempts: 2 });

    // Past the hour, the server no longer knows the key: the post stays in doubt.
    server.reset();
    server.route('post', STATUSES_URL, () => HttpResponse.json({ error: 'Bad Gateway' }, { status: 502 }));
    clock = new Date('2026-02-18T10:00:00.000Z');
    await crm.publish({ ...request, idempotencyKey: 'late' }).catch(() => undefined);
    clock = new Date('2026-02-18T11:00:00.000Z');
    const late = await crm.publish({ ...request, idempotencyKey: 'late' }).then(() => undefined, (error: unknown) => error);
    expect(isSocialCrmError(late, 'REPLY_IN_DOUBT')).toBe(true);
    expect(server.calls).toHaveLength(1);
  });
});

describe('mastodon adapter through createSocialCrm', () => {
  let ledger: InteractionLedger;
  let crm: SocialCrm;
  let warnings: Array<SocialCrmEvents['warning']>;

  function setup(extra: Partial<MastodonAdapterOptions> = {}) {
    ledger = memoryLedger();
    crm = createSocialCrm({
      ledger,
      adapters: [mastodonAdapter({ ...options, ...extra })],
      classifier: false,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      http: { retries: 2, maxRateLimitWaitMs: 5_000, backoffBaseMs: 10 },
    });
    warnings = [];
    crm.on('warning', (warning) => warnings.push(warning));
  }

  afterEach(() => server.reset());

  it('polls mentions, resumes with min_id from the Link header, and answers with in_reply_to_id and an Idempotency-Key', async () => {
    setup();
    notificationRoutes(server);
    const [first] = await crm.poll();
    expect(first).toMatchObject({ pages: 1, stored: 3, duplicates: 0 });
    const firstCall = new URL(server.calls[0]!.url);
    expect(firstCall.searchParams.getAll('types[]')).toEqual(['mention']);
    expect(firstCall.searchParams.get('limit')).toBe('40');
    expect(firstCall.searchParams.get('min_id')).toBeNull();
    expect(server.calls[0]?.headers.authorization).toBe('Bearer mastodon-user-token');

    const turkish = await ledger.getInteraction('mastodon:111222333444555777');
    expect(turkish).toMatchObject({
      kind: 'reply',
      direction: 'inbound',
      visibility: 'public',
      text: '@acme Modem kutusundan bozuk çıktı 😡\nİade süreci nasıl işliyor? #AcmeFail',
      language: 'tr',
      parentId: '111222333000000001',
      conversationId: 'mastodon:111222333000000001',
      state: 'edited',
      editedAt: '2026-02-17T11:21:30.000Z',
      hashtags: ['acmefail'],
      mentions: ['acme@mastodon.example'],
      url: 'https://mastodon.com.tr/@ayse/111222333444555777',
      author: { nativeId: '110123456789012345', handle: 'ayse@mastodon.com.tr', displayName: 'Ayşe Yılmaz', followerCount: 1520 },
    });
    expect(turkish?.customerId).toBeTruthy();
    expect(turkish?.channelMetadata.mastodon).toMatchObject({ notificationId: '34975870', statusUri: 'https://mastodon.com.tr/users/ayse/statuses/111222333444555777', visibility: 'public', authorAcct: 'ayse@mastodon.com.tr' });

    const english = await ledger.getInteraction('mastodon:111222333444555666');
    expect(english).toMatchObject({
      kind: 'mention',
      text: '@acme is the API down? Getting 502s on https://status.acme.example/incidents/42\n\nsince 10:55 UTC #AcmeDown',
      metrics: { likes: 5, replies: 1, shares: 2 },
      attachments: [{ type: 'image', url: 'https://files.fosstodon.org/media_attachments/files/022/345/792/original/57859aede991da25.png', caption: 'Screenshot: 502 Bad Gateway' }],
    });
    const direct = await ledger.getInteraction('mastodon:111222333444555001');
    expect(direct).toMatchObject({ kind: 'direct_message', visibility: 'private', text: '@acme siparişim hakkında özelden yazıyorum: kargo takip no TR4411 & fatura gelmedi.', author: { handle: 'deniz@mastodon.example' } });

    const [second] = await crm.poll();
    expect(second).toMatchObject({ stored: 2, duplicates: 0 });
    expect(new URL(server.calls[1]!.url).searchParams.get('min_id')).toBe('34975870');
    const [third] = await crm.poll();
    expect(third?.stored).toBe(0);
    expect(new URL(server.calls[2]!.url).searchParams.get('min_id')).toBe('34975880');

    statusRoute(server);
    const before = server.calls.length;
    const sent = await crm.reply(turkish!.id, { text: 'Merhaba Ayşe, iade kodunu özelden gönderdik 🙏', idempotencyKey: 'reply-ayse-1' });
    const post = server.calls[before]!;
    expect(post.headers['idempotency-key']).toBe('reply-ayse-1');
    expect(post.bodyJson).toEqual({ status: '@ayse@mastodon.com.tr Merhaba Ayşe, iade kodunu özelden gönderdik 🙏', in_reply_to_id: '111222333444555777', visibility: 'public' });
    expect(sent).toMatchObject({ nativeId: '111222333444560001', direction: 'outbound', parentId: '111222333444555777', conversationId: turkish!.conversationId, customerId: turkish!.customerId });
    // The same key again returns the first reply without posting twice.
    const again = await crm.reply(turkish!.id, { text: 'Merhaba Ayşe, iade kodunu özelden gönderdik 🙏', idempotencyKey: 'reply-ayse-1' });
    expect(again.id).toBe(sent.id);
    expect(server.calls.length).toBe(before + 1);
  });

  it('answers a private mention privately, mirrors visibility, does not name the author twice, and takes per-call options', async () => {
    setup();
    notificationRoutes(server);
    await crm.poll();
    statusRoute(server);
    await crm.reply('mastodon:111222333444555001', '@deniz@mastodon.example Merhaba Deniz, kargo yarın teslim ediliyor.');
    expect(server.calls.at(-1)?.bodyJson).toEqual({ status: '@deniz@mastodon.example Merhaba Deniz, kargo yarın teslim ediliyor.', in_reply_to_id: '111222333444555001', visibility: 'direct' });
    await crm.reply('mastodon:111222333444555666', { text: 'Fixed, sorry!', visibility: 'private', channelOptions: { mastodon: { spoilerText: 'outage', language: 'en' } } });
    expect(server.calls.at(-1)?.bodyJson).toEqual({ status: '@ferris@fosstodon.org Fixed, sorry!', in_reply_to_id: '111222333444555666', visibility: 'direct', spoiler_text: 'outage', language: 'en' });
    const invalid = await rejection(crm.reply('mastodon:111222333444555666', { text: 'x', channelOptions: { mastodon: { language: 'english' } } }));
    expect(isSocialCrmError(invalid, 'INVALID_OPTIONS')).toBe(true);
  });

  it('stores quotes and reactions when asked, ignores other types with a warning, and reads older pages on a first run', async () => {
    setup({ notificationTypes: ['mention', 'quote', 'favourite', 'reblog'], backfillPages: 2 });
    const older = fixture<Array<Record<string, unknown>>>('notifications-page-1').map((notification, index) => ({ ...notification, id: `3497500${index}`, status: { ...(notification.status as object), id: `11122233344400000${index}` } }));
    notificationRoutes(server, older);
    const [first] = await crm.poll();
    expect(first).toMatchObject({ pages: 2, stored: 6 });
    expect(new URL(server.calls[0]!.url).searchParams.getAll('types[]')).toEqual(['mention', 'quote', 'favourite', 'reblog']);
    expect(new URL(server.calls[1]!.url).searchParams.get('max_id')).toBe('34975862');
    // The forward paging starts after the newest notification of the first page, not the older ones.
    const cursor = JSON.parse((await ledger.getCursor('mastodon', 'default'))!) as { minId: string };
    expect(cursor.minId).toBe('34975870');

    server.reset();
    server.route('get', NOTIFICATIONS_URL, () => page(fixture('notifications-reactions'), { prev: '34975893' }));
    const [second] = await crm.poll();
    expect(second?.stored).toBe(3);
    expect(await ledger.getInteraction('mastodon:favourite:34975890')).toMatchObject({ kind: 'reaction', reaction: 'favourite', parentId: '111222333444555999', author: { handle: 'ferris@fosstodon.org' } });
    expect(await ledger.getInteraction('mastodon:reblog:34975891')).toMatchObject({ kind: 'reaction', reaction: 'reblog' });
    const quote = await ledger.getInteraction('mastodon:111222333444556100');
    expect(quote).toMatchObject({ kind: 'mention', text: 'Good post-mortem, more of this please.' });
    expect(quote?.channelMetadata.mastodon).toMatchObject({ quotedStatusId: '111222333444555999', notificationType: 'quote' });
    expect(warnings.some((warning) => warning.warning.type === 'ignored' && warning.warning.details?.type === 'follow')).toBe(true);
  });

  it('honours X-RateLimit headers per endpoint: a spent read budget fails fast while replies still go out', async () => {
    setup();
    server.route('get', NOTIFICATIONS_URL, () => HttpResponse.json([], { headers: rateHeaders(0, 3600) }));
    const [first] = await crm.poll();
    expect(first?.error).toBeUndefined();
    const calls = server.calls.length;
    // The account's budget is spent for an hour: the next call fails before reaching the server.
    const [second] = await crm.poll();
    expect(isSocialCrmError(second?.error, 'RATE_LIMITED')).toBe(true);
    expect((second?.error as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(3_500_000);
    expect(server.calls.length).toBe(calls);
    statusRoute(server);
    await crm.ingest(target);
    await crm.reply('mastodon:111222333444555777', 'Merhaba');
    expect(server.calls.filter((call) => call.url === STATUSES_URL)).toHaveLength(1);

    // Posting has its own limit (300 per 3 hours): once spent, replies fail fast until its reset.
    server.route('post', STATUSES_URL, () => HttpResponse.json(fixture('status-create-response'), { headers: rateHeaders(0, 3 * 3600) }));
    await crm.reply('mastodon:111222333444555777', { text: 'Bir mesaj daha', idempotencyKey: 'second' });
    const refused = await rejection(crm.reply('mastodon:111222333444555777', { text: 'Ve bir tane daha', idempotencyKey: 'third' }));
    expect(isSocialCrmError(refused, 'RATE_LIMITED')).toBe(true);
    expect(server.calls.filter((call) => call.url === STATUSES_URL)).toHaveLength(2);
  });

  it('decodes Mastodon errors and refuses Link URLs off the brand server', async () => {
    setup();
    server.route('get', NOTIFICATIONS_URL, () => HttpResponse.json(fixture('error-401'), { status: 401 }));
    const [refused] = await crm.poll();
    expect(refused?.error).toMatchObject({ code: 'CHANNEL_API_ERROR', status: 401, isRetryable: false });
    expect(refused?.error?.message).toContain('The access token is invalid');

    await crm.ingest(target);
    server.route('post', STATUSES_URL, () => HttpResponse.json(fixture('error-422'), { status: 422 }));
    const invalid = await rejection(crm.reply('mastodon:111222333444555777', 'ç'.repeat(600)));
    expect(invalid).toMatchObject({ code: 'CHANNEL_API_ERROR', status: 422, isRetryable: false });
    expect((invalid as Error).message).toContain('character limit of 500');

    // A cursor naming another host is not followed (the token would go with the request).
    setup({ backfillPages: 3 });
    await ledger.setCursor('mastodon', 'default', JSON.stringify({ v: 1, next: 'https://evil.example/api/v1/notifications?max_id=1', pendingMinId: '5', pagesLeft: 2, types: 'mention' }));
    server.reset();
    notificationRoutes(server);
    await crm.poll({ maxPages: 1 });
    expect(new URL(server.calls[0]!.url).host).toBe('mastodon.example');
    expect(isSocialCrmError(failure(() => mastodonAdapter({ ...options, backfillPages: 0 })), 'INVALID_OPTIONS')).toBe(true);
  });
});

describe('cancelling mastodon calls with an AbortSignal', () => {
  let ledger: InteractionLedger;
  let crm: SocialCrm;
  /** Requests held open until released: the test aborts while the call waits on the network. */
  let release: () => void;
  let gate: Promise<void>;

  afterEach(() => {
    release();
    server.reset();
  });

  function setup(extra: Partial<MastodonAdapterOptions> = {}) {
    gate = new Promise((resolve) => (release = resolve));
    ledger = memoryLedger();
    crm = createSocialCrm({ ledger, adapters: [mastodonAdapter({ ...options, ...extra })], classifier: false, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  }

  it('stops a poll mid-request on its second page, keeping the first page and its cursor', async () => {
    setup({ backfillPages: 2 });
    server.route('get', NOTIFICATIONS_URL, async ({ request }) => {
      if (new URL(request.url).searchParams.get('max_id') !== '34975862') return page(fixture('notifications-page-1'), { next: '34975862', prev: '34975870' });
      await gate;
      return page([]);
    });
    const controller = new AbortController();
    const pages: number[] = [];
    const polling = rejection(crm.poll({ signal: controller.signal, onProgress: ({ done }) => pages.push(done) }));
    await vi.waitFor(() => expect(server.calls).toHaveLength(2));
    controller.abort();
    const error = await polling;
    expect(isAbortedError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ABORTED', operation: 'crm.poll()', progress: { done: 1 } });
    expect(pages).toEqual([1]);
    expect((await ledger.queryInteractions({})).items).toHaveLength(3);
    expect(await ledger.getCursor('mastodon', 'default')).not.toBeNull();
  });

  it('refuses to start with a signal already aborted, and sends nothing', async () => {
    setup();
    notificationRoutes(server);
    statusRoute(server);
    const aborted = AbortSignal.abort(new Error('shutting down'));
    const error = await rejection(crm.poll({ signal: aborted }));
    expect(error).toMatchObject({ code: 'ABORTED', operation: 'crm.poll()' });
    expect((error as Error).message).toContain('shutting down');
    await crm.ingest(target);
    expect(isAbortedError(await rejection(crm.reply('mastodon:111222333444555777', 'Merhaba', { signal: aborted })))).toBe(true);
    expect(isAbortedError(await rejection(crm.fetchAttachment('mastodon:111222333444555777', 0, { signal: aborted })))).toBe(true);
    expect(server.calls).toHaveLength(0);
  });

  it('cuts a reply off mid-request and keeps its key in doubt, so that it is never posted twice', async () => {
    setup();
    await crm.ingest(target);
    server.route('post', STATUSES_URL, async () => {
      await gate;
      return HttpResponse.json(fixture('status-create-response'));
    });
    const controller = new AbortController();
    const sending = rejection(crm.reply('mastodon:111222333444555777', { text: 'Merhaba', idempotencyKey: 'cut-off' }, { signal: controller.signal }));
    await vi.waitFor(() => expect(server.calls).toHaveLength(1));
    controller.abort();
    expect(await sending).toMatchObject({ code: 'ABORTED', operation: 'crm.reply()' });
    const again = await rejection(crm.reply('mastodon:111222333444555777', { text: 'Merhaba', idempotencyKey: 'cut-off' }));
    expect(isReplyInDoubtError(again)).toBe(true);
    expect(again).toMatchObject({ state: 'unknown' });
    expect(server.calls).toHaveLength(1);
  });

  it('cuts a publication off mid-request and keeps its key in doubt (sent again under the same Idempotency-Key); an aborted signal posts nothing', async () => {
    setup();
    server.route('post', STATUSES_URL, async () => {
      await gate;
      return HttpResponse.json(fixture('status-publish-response'));
    });
    expect(isAbortedError(await rejection(crm.publish({ channel: 'mastodon', text: 'Yeni kampanya', idempotencyKey: 'never' }, { signal: AbortSignal.abort() })))).toBe(true);
    expect(server.calls).toHaveLength(0);
    const controller = new AbortController();
    const posting = rejection(crm.publish({ channel: 'mastodon', text: 'Yeni kampanya', idempotencyKey: 'post-1' }, { signal: controller.signal }));
    await vi.waitFor(() => expect(server.calls).toHaveLength(1));
    controller.abort();
    expect(await posting).toMatchObject({ code: 'ABORTED', operation: 'crm.publish()' });
    // in doubt, and within Mastodon's hour for an Idempotency-Key: sent again with the same key, which the instance answers with the first status
    server.route('post', STATUSES_URL, () => HttpResponse.json(fixture('status-publish-response')));
    const again = await crm.publish({ channel: 'mastodon', text: 'Yeni kampanya', idempotencyKey: 'post-1' });
    expect(again.kind).toBe('post');
    expect(server.calls.map((call) => call.headers['idempotency-key'])).toEqual(['post-1', 'post-1']);
  });

  it('cuts an attachment download off mid-request', async () => {
    setup();
    notificationRoutes(server);
    await crm.poll();
    const imageUrl = 'https://files.fosstodon.org/media_attachments/files/022/345/792/original/57859aede991da25.png';
    server.route('get', imageUrl, async () => {
      await gate;
      return new Response(new Uint8Array([137, 80, 78, 71]), { headers: { 'content-type': 'image/png' } });
    });
    const controller = new AbortController();
    const downloading = rejection(crm.fetchAttachment('mastodon:111222333444555666', 0, { signal: controller.signal }));
    await vi.waitFor(() => expect(server.calls.some((call) => call.url === imageUrl)).toBe(true));
    controller.abort();
    expect(await downloading).toMatchObject({ code: 'ABORTED', operation: 'crm.fetchAttachment()' });
  });
});
