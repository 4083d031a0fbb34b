import { readFileSync } from 'node:fs';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, isSocialCrmError, memoryLedger, type InteractionLedger, type SocialCrm, type SocialCrmEvents } from 'social-crm';
import { createChannelTestServer, describeChannelAdapter, type ChannelTestServer, type RecordedCall, type RefusalFixture } from 'social-crm/testing';
import { blueskyAdapter, type BlueskyAdapterOptions, type BlueskySession } from 'social-crm/adapters/bluesky';
import { failure, rejection } from '../../helpers/outcomes.js';

// Payloads follow the AT Protocol lexicons (com.atproto.server.createSession / refreshSession,
// app.bsky.notification.listNotifications, app.bsky.feed.post, app.bsky.richtext.facet,
// app.bsky.embed.*, com.atproto.repo.createRecord) and docs.bsky.app (posts, rate limits); values invented.
function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as T;
}

const PDS = 'https://bsky.social';
const XRPC = `${PDS}/xrpc`;
const LIST_URL = `${XRPC}/app.bsky.notification.listNotifications`;
const CREATE_RECORD_URL = `${XRPC}/com.atproto.repo.createRecord`;
const BRAND = 'did:plc:acmeacmeacmeacmeacmeacme';
const ROOT = { uri: `at://${BRAND}/app.bsky.feed.post/3lhq2tqxk7k2a`, cid: 'bafyreiarootacmepost00000000000000000000000000000000000000' };
const AYSE_REPLY = { uri: 'at://did:plc:ayse7iza6de2dwap2sbkpav7/app.bsky.feed.post/3lhq2vbsdtc2k', cid: 'bafyreihx6u3tm5vj2m5zqkqz7e5bqf3p3ol2dxyf4y6t4d4u5m7lwdfhya' };
const EMRE_MENTION = { uri: 'at://did:plc:emre3lq2vbsdtc2kxyz12345/app.bsky.feed.post/3lhq2wimage3a', cid: 'bafyreiimageemre0000000000000000000000000000000000000000000' };
const ACCESS_1 = 'Bearer eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ.access-1.sig';
const ACCESS_2 = 'Bearer eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ.access-2.sig';

const options: BlueskyAdapterOptions = { identifier: 'acme.bsky.social', appPassword: 'abcd-efgh-ijkl-mnop', backfillDays: 3650 };

function rateHeaders(remaining = 2999, resetInSeconds = 300): Record<string, string> {
  return {
    'ratelimit-limit': '3000',
    'ratelimit-remaining': String(remaining),
    'ratelimit-reset': String(Math.ceil(Date.now() / 1000) + resetInSeconds),
    'ratelimit-policy': '3000;w=300',
  };
}

function sessionRoutes(server: ChannelTestServer) {
  server.route('post', `${XRPC}/com.atproto.server.createSession`, () => HttpResponse.json(fixture('create-session'), { headers: rateHeaders(29) }));
  server.route('post', `${XRPC}/com.atproto.server.refreshSession`, () => HttpResponse.json(fixture('refresh-session')));
}

/** Page 1, page 2 by `cursor`; `later` replaces page 1 for a run after the first. */
function listRoutes(server: ChannelTestServer, first = 'notifications-page-1') {
  sessionRoutes(server);
  server.route('get', LIST_URL, ({ request }) => {
    const cursor = new URL(request.url).searchParams.get('cursor');
    if (cursor === '2026-02-17T11:20:00.500Z') return HttpResponse.json(fixture('notifications-page-2'), { headers: rateHeaders() });
    if (cursor) return HttpResponse.json(fixture('notifications-page-1'), { headers: rateHeaders() });
    return HttpResponse.json(fixture(first), { headers: rateHeaders() });
  });
}

function createRecordRoute(server: ChannelTestServer) {
  server.route('post', CREATE_RECORD_URL, () => HttpResponse.json(fixture('create-record'), { headers: rateHeaders(1665, 3600) }));
}

/** createRecord (replies and posts alike) answering 429 with a reset `seconds` ahead, then the named record. */
function rateLimitedCreate(server: ChannelTestServer, seconds: number, created: string) {
  sessionRoutes(server);
  server.route('post', CREATE_RECORD_URL, ({ index }) =>
    index === 0
      ? HttpResponse.json(fixture('error-rate-limit'), { status: 429, headers: { ...rateHeaders(0, seconds), 'retry-after': String(seconds) } })
      : HttpResponse.json(fixture(created)),
  );
}

/** createRecord refusing a record, as the PDS documents it (replies and posts alike). */
const recordTooLong: RefusalFixture = {
  routes: (server) => server.route('post', CREATE_RECORD_URL, () => HttpResponse.json({ error: 'InvalidRequest', message: 'Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes' }, { status: 400 })),
  platformCode: 'InvalidRequest',
  status: 400,
};

function recordOf(call: RecordedCall | undefined) {
  return (call?.bodyJson as { record: Record<string, unknown> } | undefined)?.record;
}

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterAll(() => server.close());

const target = {
  channel: 'bluesky',
  nativeId: AYSE_REPLY.uri,
  kind: 'reply' as const,
  author: { channel: 'bluesky', nativeId: 'did:plc:ayse7iza6de2dwap2sbkpav7', handle: 'ayseyilmaz.bsky.social', displayName: 'Ayşe Yılmaz' },
  conversationId: ROOT.uri,
  parentId: ROOT.uri,
  text: 'Kargom hâlâ gelmedi 😡 @acme.bsky.social iade istiyorum #AcmeFail',
  createdAt: '2026-02-17T11:59:58.000Z',
  channelMetadata: { bluesky: { cid: AYSE_REPLY.cid, root: ROOT, parent: ROOT, langs: ['tr'] } },
};

describeChannelAdapter('Bluesky', {
  factory: blueskyAdapter,
  options,
  invalidOptions: [
    {},
    { identifier: 'acme.bsky.social' },
    { ...options, service: 'bsky.social' },
    { ...options, reasons: ['like'] },
    { ...options, limit: 101 },
    { ...options, session: { accessJwt: 'a', refreshJwt: 'r', did: 'acme', handle: 'acme.bsky.social' } },
    { ...options, id: 'Blue Sky' },
  ],
  server,
  reply: {
    target: { interaction: target },
    targetId: `bluesky:${AYSE_REPLY.uri}`,
    routes(mocked) {
      sessionRoutes(mocked);
      createRecordRoute(mocked);
    },
    expectRequest(call) {
      expect(call.url).toBe(CREATE_RECORD_URL);
      expect(call.headers.authorization).toBe(ACCESS_1);
      expect(call.bodyJson).toEqual({
        repo: BRAND,
        collection: 'app.bsky.feed.post',
        record: { $type: 'app.bsky.feed.post', text: 'Thank you, we are on it.', createdAt: expect.stringMatching(/Z$/), reply: { root: ROOT, parent: AYSE_REPLY }, langs: ['tr'] },
      });
    },
    error: recordTooLong,
    rateLimited: (mocked, seconds) => rateLimitedCreate(mocked, seconds, 'create-record'),
  },
  poll: { routes: (mocked) => listRoutes(mocked), totalInteractions: 4 },
  publish: {
    // The link starts after Turkish letters and an emoji: its facet counts UTF-8 bytes (42), not characters (35).
    request: { text: 'Kış indirimi başladı 🎉 Winter sale', link: 'https://acme.example/kis' },
    routes(mocked) {
      sessionRoutes(mocked);
      mocked.route('post', CREATE_RECORD_URL, () => HttpResponse.json(fixture('create-record-post'), { headers: rateHeaders(1664, 3600) }));
    },
    expectRequest(calls) {
      const call = calls.find((candidate) => candidate.url === CREATE_RECORD_URL);
      expect(call?.headers.authorization).toBe(ACCESS_1);
      expect(call?.bodyJson).toEqual({
        repo: BRAND,
        collection: 'app.bsky.feed.post',
        record: {
          $type: 'app.bsky.feed.post',
          text: 'Kış indirimi başladı 🎉 Winter sale https://acme.example/kis',
          createdAt: expect.stringMatching(/Z$/),
          facets: [{ index: { byteStart: 42, byteEnd: 66 }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://acme.example/kis' }] }],
        },
      });
    },
    nativeId: `at://${BRAND}/app.bsky.feed.post/3lhq4campaign`,
    error: recordTooLong,
    rateLimited: (mocked, seconds) => rateLimitedCreate(mocked, seconds, 'create-record-post'),
  },
});

describe('bluesky adapter through createSocialCrm', () => {
  let ledger: InteractionLedger;
  let crm: SocialCrm;
  let warnings: Array<SocialCrmEvents['warning']>;
  let sessions: BlueskySession[];

  function setup(extra: Partial<BlueskyAdapterOptions> = {}) {
    ledger = memoryLedger();
    sessions = [];
    crm = createSocialCrm({
      ledger,
      adapters: [blueskyAdapter({ ...options, onSession: (session) => void sessions.push(session), ...extra })],
      classifier: false,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      http: { retries: 2, maxRateLimitWaitMs: 5_000, backoffBaseMs: 10 },
    });
    warnings = [];
    crm.on('warning', (warning) => warnings.push(warning));
  }

  const calls = (url: string) => server.calls.filter((call) => call.url.startsWith(url));

  afterEach(() => server.reset());

  it('signs in once, polls mentions, replies and quotes page by page, and answers with the root and parent strong refs', async () => {
    setup();
    listRoutes(server);
    const [first] = await crm.poll();
    expect(first?.error).toBeUndefined();
    expect(first).toMatchObject({ pages: 2, stored: 4, duplicates: 0 });

    const signIns = calls(`${XRPC}/com.atproto.server.createSession`);
    expect(signIns).toHaveLength(1);
    expect(signIns[0]?.bodyJson).toEqual({ identifier: 'acme.bsky.social', password: 'abcd-efgh-ijkl-mnop' });
    expect(sessions.map((session) => session.did)).toEqual([BRAND]);
    const [pageOne, pageTwo] = calls(LIST_URL);
    expect(pageOne?.headers.authorization).toBe(ACCESS_1);
    const params = new URL(pageOne!.url).searchParams;
    expect(params.getAll('reasons')).toEqual(['mention', 'reply', 'quote']);
    expect(params.get('limit')).toBe('50');
    expect(params.get('cursor')).toBeNull();
    expect(new URL(pageTwo!.url).searchParams.get('cursor')).toBe('2026-02-17T11:20:00.500Z');

    const turkish = await ledger.getInteraction(`bluesky:${AYSE_REPLY.uri}`);
    expect(turkish).toMatchObject({
      kind: 'reply',
      direction: 'inbound',
      text: 'Kargom hâlâ gelmedi 😡 @acme.bsky.social iade istiyorum #AcmeFail',
      language: 'tr',
      parentId: ROOT.uri,
      conversationId: `bluesky:${ROOT.uri}`,
      recipientId: BRAND,
      createdAt: '2026-02-17T11:59:58.000Z',
      // Facet offsets are UTF-8 bytes: "â" and "😡" come before the mention.
      mentions: ['acme.bsky.social'],
      hashtags: ['acmefail'],
      url: 'https://bsky.app/profile/ayseyilmaz.bsky.social/post/3lhq2vbsdtc2k',
      author: { nativeId: 'did:plc:ayse7iza6de2dwap2sbkpav7', handle: 'ayseyilmaz.bsky.social', displayName: 'Ayşe Yılmaz', profileUrl: 'https://bsky.app/profile/ayseyilmaz.bsky.social' },
    });
    expect(turkish?.customerId).toBeTruthy();
    expect(turkish?.channelMetadata.bluesky).toMatchObject({ cid: AYSE_REPLY.cid, reason: 'reply', root: ROOT, parent: ROOT });

    const quote = await ledger.getInteraction('bluesky:at://did:plc:7iza6de2dwap2sbkpav7c6c6/app.bsky.feed.post/3lhq2xquote2a');
    expect(quote).toMatchObject({ kind: 'mention', text: 'This is how you handle an outage. Take notes.' });
    expect(quote?.channelMetadata.bluesky).toMatchObject({ reason: 'quote', quotedUri: ROOT.uri, quotedCid: ROOT.cid });
    expect(await ledger.getInteraction(`bluesky:${EMRE_MENTION.uri}`)).toMatchObject({
      kind: 'mention',
      attachments: [
        {
          type: 'image',
          url: `${XRPC}/com.atproto.sync.getBlob?did=did%3Aplc%3Aemre3lq2vbsdtc2kxyz12345&cid=bafkreiscreenshotemre000000000000000000000000000000000000`,
          mimeType: 'image/jpeg',
          caption: 'Login screen showing error 0x42',
        },
      ],
    });
    expect(await ledger.getInteraction('bluesky:at://did:plc:7iza6de2dwap2sbkpav7c6c6/app.bsky.feed.post/3lhq2older4a')).toMatchObject({
      attachments: [{ type: 'link', url: 'https://status.acme.example/incidents/42' }],
    });
    // A server that ignores `reasons` sends likes too: acknowledged, not stored.
    expect(warnings.some((warning) => warning.warning.type === 'ignored' && warning.warning.details?.reason === 'like')).toBe(true);

    createRecordRoute(server);
    const text = 'Merhaba @ayseyilmaz.bsky.social, iade formu: https://acme.example/iade 🙏';
    const sent = await crm.reply(turkish!.id, text);
    const record = recordOf(calls(CREATE_RECORD_URL)[0]);
    expect(record).toMatchObject({ $type: 'app.bsky.feed.post', text, langs: ['tr'], reply: { root: ROOT, parent: AYSE_REPLY } });
    const bytes = new TextEncoder().encode(text);
    const facets = record!.facets as Array<{ index: { byteStart: number; byteEnd: number }; features: Array<Record<string, string>> }>;
    expect(facets.map((facet) => new TextDecoder().decode(bytes.slice(facet.index.byteStart, facet.index.byteEnd)))).toEqual(['@ayseyilmaz.bsky.social', 'https://acme.example/iade']);
    expect(facets.map((facet) => facet.features[0])).toEqual([
      { $type: 'app.bsky.richtext.facet#mention', did: 'did:plc:ayse7iza6de2dwap2sbkpav7' },
      { $type: 'app.bsky.richtext.facet#link', uri: 'https://acme.example/iade' },
    ]);
    expect(sent).toMatchObject({
      nativeId: `at://${BRAND}/app.bsky.feed.post/3lhq3brandrep`,
      direction: 'outbound',
      parentId: AYSE_REPLY.uri,
      conversationId: turkish!.conversationId,
      customerId: turkish!.customerId,
      url: 'https://bsky.app/profile/acme.bsky.social/post/3lhq3brandrep',
    });
    // A post that is not a reply is its own thread's root.
    await crm.reply(`bluesky:${EMRE_MENTION.uri}`, 'Thanks Emre, a fix ships today.');
    expect(recordOf(calls(CREATE_RECORD_URL)[1])?.reply).toEqual({ root: EMRE_MENTION, parent: EMRE_MENTION });
    expect(calls(`${XRPC}/com.atproto.server.createSession`)).toHaveLength(1);
  });

  it('resumes after the watermark and keeps the root of a nested thread when answering', async () => {
    setup();
    listRoutes(server);
    await crm.poll();
    const cursor = JSON.parse((await ledger.getCursor('bluesky', 'default'))!) as { watermark: string; run?: unknown };
    expect(cursor).toEqual({ v: 1, watermark: '2026-02-17T12:00:00.120Z' });

    server.reset();
    listRoutes(server, 'notifications-later');
    createRecordRoute(server);
    const [second] = await crm.poll();
    expect(second).toMatchObject({ stored: 1, pages: 2 });
    const thanks = await ledger.getInteraction('bluesky:at://did:plc:ayse7iza6de2dwap2sbkpav7/app.bsky.feed.post/3lhq3aysethx');
    expect(thanks).toMatchObject({ kind: 'reply', parentId: `at://${BRAND}/app.bsky.feed.post/3lhq3brandrep`, conversationId: `bluesky:${ROOT.uri}`, text: 'Teşekkürler, kod geldi 🙏' });
    // Page 2 of this run reaches notifications older than the watermark, so the run ends there.
    expect(calls(LIST_URL)).toHaveLength(2);
    await crm.reply(thanks!.id, 'Rica ederiz!');
    expect(recordOf(calls(CREATE_RECORD_URL)[0])?.reply).toEqual({
      root: ROOT,
      parent: { uri: 'at://did:plc:ayse7iza6de2dwap2sbkpav7/app.bsky.feed.post/3lhq3aysethx', cid: 'bafyreiaysethanks00000000000000000000000000000000000000000' },
    });
  });

  it('refreshes an expired access token once, and signs in again when the refresh token is spent', async () => {
    setup();
    sessionRoutes(server);
    server.route('get', LIST_URL, ({ request }) =>
      request.headers.get('authorization') === ACCESS_2 ? HttpResponse.json({ notifications: [] }) : HttpResponse.json(fixture('error-expired-token'), { status: 400 }),
    );
    const [summary] = await crm.poll();
    expect(summary?.error).toBeUndefined();
    const refresh = calls(`${XRPC}/com.atproto.server.refreshSession`);
    expect(refresh).toHaveLength(1);
    expect(refresh[0]?.headers.authorization).toBe('Bearer eyJ0eXAiOiJyZWZyZXNoK2p3dCIsImFsZyI6IkVTMjU2SyJ9.refresh-1.sig');
    expect(sessions.map((session) => session.accessJwt.split('.')[1])).toEqual(['access-1', 'access-2']);

    // A saved session is used as it is; when its refresh token has expired too, the adapter signs in again.
    setup({ session: { ...fixture<BlueskySession>('create-session'), accessJwt: 'stale-access', refreshJwt: 'stale-refresh' } });
    server.reset();
    server.route('post', `${XRPC}/com.atproto.server.refreshSession`, () => HttpResponse.json(fixture('error-expired-token'), { status: 400 }));
    server.route('post', `${XRPC}/com.atproto.server.createSession`, () => HttpResponse.json(fixture('refresh-session')));
    server.route('get', LIST_URL, ({ request }) =>
      request.headers.get('authorization') === ACCESS_2 ? HttpResponse.json({ notifications: [] }) : HttpResponse.json(fixture('error-expired-token'), { status: 401 }),
    );
    const [again] = await crm.poll();
    expect(again?.error).toBeUndefined();
    expect(server.calls.map((call) => new URL(call.url).pathname.split('/').at(-1))).toEqual([
      'app.bsky.notification.listNotifications',
      'com.atproto.server.refreshSession',
      'com.atproto.server.createSession',
      'app.bsky.notification.listNotifications',
    ]);
  });

  it('shares one sign-in and one refresh between concurrent calls', async () => {
    setup();
    sessionRoutes(server);
    server.route('post', CREATE_RECORD_URL, ({ request }) =>
      request.headers.get('authorization') === ACCESS_2 ? HttpResponse.json(fixture('create-record')) : HttpResponse.json(fixture('error-expired-token'), { status: 400 }),
    );
    await crm.ingest(target);
    await crm.ingest({ ...target, nativeId: EMRE_MENTION.uri, conversationId: EMRE_MENTION.uri, parentId: undefined, channelMetadata: { bluesky: { cid: EMRE_MENTION.cid } } });
    await Promise.all([crm.reply(`bluesky:${AYSE_REPLY.uri}`, 'Merhaba Ayşe!'), crm.reply(`bluesky:${EMRE_MENTION.uri}`, 'Hi Emre!')]);
    expect(calls(`${XRPC}/com.atproto.server.createSession`)).toHaveLength(1);
    expect(calls(`${XRPC}/com.atproto.server.refreshSession`)).toHaveLength(1);
    expect(calls(CREATE_RECORD_URL).filter((call) => call.headers.authorization === ACCESS_2)).toHaveLength(2);
  });

  it('reports a refused sign-in with a typed, non-retryable error and asks for an app password when a code is needed', async () => {
    setup();
    server.route('post', `${XRPC}/com.atproto.server.createSession`, () => HttpResponse.json(fixture('error-auth-required'), { status: 401 }));
    const [refused] = await crm.poll();
    expect(refused?.error).toMatchObject({ code: 'CHANNEL_API_ERROR', status: 401, platformCode: 'AuthenticationRequired', isRetryable: false });
    expect(refused?.error?.message).toContain('Invalid identifier or password');

    setup();
    server.route('post', `${XRPC}/com.atproto.server.createSession`, () => HttpResponse.json(fixture('error-auth-factor'), { status: 401 }));
    const [code] = await crm.poll();
    expect(code?.error).toMatchObject({ platformCode: 'AuthFactorTokenRequired', isRetryable: false });
    expect(code?.error?.message).toContain('app password');
    expect(await ledger.getCursor('bluesky', 'default')).toBeNull();
  });

  it('honours RateLimit-* per route: a spent read budget fails fast while replies still go out', async () => {
    setup();
    sessionRoutes(server);
    server.route('get', LIST_URL, () => HttpResponse.json({ notifications: [] }, { headers: rateHeaders(0, 3600) }));
    createRecordRoute(server);
    expect((await crm.poll())[0]?.error).toBeUndefined();
    const before = calls(LIST_URL).length;
    const [spent] = await crm.poll();
    expect(isSocialCrmError(spent?.error, 'RATE_LIMITED')).toBe(true);
    expect((spent?.error as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(3_500_000);
    expect(calls(LIST_URL)).toHaveLength(before);
    await crm.ingest(target);
    await crm.reply(`bluesky:${AYSE_REPLY.uri}`, 'Merhaba Ayşe!');
    expect(calls(CREATE_RECORD_URL)).toHaveLength(1);
  });

  it('refuses replies it cannot send with typed errors before any call', async () => {
    setup();
    sessionRoutes(server);
    await crm.ingest(target);
    expect(isSocialCrmError(await rejection(crm.reply(`bluesky:${AYSE_REPLY.uri}`, 'ş'.repeat(301))), 'INVALID_OPTIONS')).toBe(true);
    // 300 graphemes is the limit, whatever their UTF-16 length (each flag is 4 code units).
    createRecordRoute(server);
    await crm.reply(`bluesky:${AYSE_REPLY.uri}`, '🇹🇷'.repeat(300));
    expect(calls(CREATE_RECORD_URL)).toHaveLength(1);
    expect(isSocialCrmError(await rejection(crm.reply(`bluesky:${AYSE_REPLY.uri}`, { text: 'DM?', visibility: 'private' })), 'UNSUPPORTED_CAPABILITY')).toBe(true);
    await crm.ingest({ ...target, nativeId: 'at://did:plc:ayse7iza6de2dwap2sbkpav7/app.bsky.feed.post/nocid', channelMetadata: {} });
    expect(isSocialCrmError(await rejection(crm.reply('bluesky:at://did:plc:ayse7iza6de2dwap2sbkpav7/app.bsky.feed.post/nocid', 'Merhaba')), 'REPLY_NOT_ALLOWED')).toBe(true);
    expect(isSocialCrmError(failure(() => blueskyAdapter({ ...options, backfillDays: 0 })), 'INVALID_OPTIONS')).toBe(true);
  });
});
