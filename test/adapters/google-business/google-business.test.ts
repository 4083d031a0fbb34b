import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, isSocialCrmError, memoryLedger, type ChannelApiError, type InteractionLedger, type SocialCrm, type SocialCrmEvents } from 'social-crm';
import { createChannelTestServer, describeChannelAdapter, type ChannelTestServer } from 'social-crm/testing';
import { googleBusinessAdapter, type GoogleBusinessAdapterOptions } from 'social-crm/adapters/google-business';
import { failure, rejection } from '../../helpers/outcomes.js';

// Shapes follow developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews
// (+ /list, /updateReply), the NotificationSetting reference, and Pub/Sub's push and
// authenticate-push-subscriptions pages; values are invented.
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

const API = 'https://mybusiness.googleapis.com';
const JWKS_URL = 'https://www.googleapis.com/oauth2/v3/certs';
const TOKEN_URL = 'https://oauth2.googleapis.com/token';
const LOCATION = 'accounts/112233445566778899/locations/998877665544332211';
const AUDIENCE = 'https://crm.example.test/webhooks/google-business';
const PUSH_ACCOUNT = 'gbp-push@acme-crm.iam.gserviceaccount.com';
const WEBHOOK_URL = AUDIENCE;

const google = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KID = 'f1e2d3c4b5a6978877665544332211aabbccddee';

function base64Url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** A token shaped as Pub/Sub's (header, claims), signed RS256 with `key`. */
function oidcToken(claims: Record<string, unknown> = {}, key: KeyObject = google.privateKey, kid = KID): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64Url(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' }));
  const payload = base64Url(
    JSON.stringify({ aud: AUDIENCE, azp: '113774264463038321964', email: PUSH_ACCOUNT, email_verified: true, exp: now + 3600, iat: now, iss: 'https://accounts.google.com', sub: '113774264463038321964', ...claims }),
  );
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key);
  return `${header}.${payload}.${base64Url(signature)}`;
}

function pushBody(notification: Record<string, unknown>, messageId = '9876543210123456'): Record<string, unknown> {
  return {
    message: { data: Buffer.from(JSON.stringify(notification)).toString('base64'), attributes: {}, messageId, message_id: messageId, publishTime: '2026-02-16T19:22:07.000Z' },
    subscription: 'projects/acme-crm/subscriptions/gbp-reviews-push',
  };
}

let jwksFetches = 0;
let editReads = 0;
const reviews = new Map<string, unknown>([
  [`${LOCATION}/reviews/AbFvOqk0TrAyse`, fixture('review-turkish-two-stars')],
  [`${LOCATION}/reviews/AbFvOqk0EnDana`, (fixture('reviews-page-1').reviews as unknown[])[1]],
]);

// Handlers that outlive `server.reset()`: Google's key set, and reviews.get for the pushes.
const server = createChannelTestServer(
  http.get(JWKS_URL, () => {
    jwksFetches++;
    return HttpResponse.json({ keys: [{ ...google.publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }] }, { headers: { 'cache-control': 'public, max-age=19800, must-revalidate, no-transform' } });
  }),
  http.get(`${API}/v4/accounts/:account/locations/:location/reviews/:review`, ({ params }) => {
    const name = `accounts/${params.account as string}/locations/${params.location as string}/reviews/${params.review as string}`;
    // Only the edit test reads this review: first the original, then the edited version.
    if (name.endsWith('/AbFvOqk0Edit')) return HttpResponse.json(fixture(editReads++ % 2 === 0 ? 'review-edit-original' : 'review-edited'));
    const review = reviews.get(name);
    return review ? HttpResponse.json(review as object) : HttpResponse.json({ error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } }, { status: 404 });
  }),
);
beforeAll(() => server.listen());
afterAll(() => server.close());

const options: GoogleBusinessAdapterOptions = {
  accountId: '112233445566778899',
  locationIds: ['998877665544332211'],
  accessToken: 'ya29.test-access-token',
  push: { audience: AUDIENCE, serviceAccountEmail: PUSH_ACCOUNT },
};

function signPush(): Record<string, string> {
  return { authorization: `Bearer ${oidcToken()}` };
}

function listRoutes(mocked: ChannelTestServer) {
  mocked.route('get', `${API}/v4/${LOCATION}/reviews`, ({ request }) => {
    const token = new URL(request.url).searchParams.get('pageToken');
    return HttpResponse.json(token === 'CiAKGjBB_page2' ? fixture('reviews-page-2') : fixture('reviews-page-1'));
  });
}

function replyRoute(mocked: ChannelTestServer, answer = fixture('reply-response')) {
  mocked.route('put', `${API}/v4/${LOCATION}/reviews/:review/reply`, () => HttpResponse.json(answer));
}

describeChannelAdapter('Google Business Profile reviews', {
  factory: googleBusinessAdapter,
  options,
  invalidOptions: [
    {},
    { ...options, accountId: 'accounts/112233445566778899' },
    { ...options, locationIds: [] },
    { ...options, accessToken: undefined },
    { ...options, oauth: { clientId: 'c', clientSecret: 's', refreshToken: 'r' } },
    { ...options, push: { verificationToken: 'short' } },
    { ...options, pageSize: 100 },
  ],
  server,
  webhook: {
    sign: signPush,
    stale: () => ({ authorization: `Bearer ${oidcToken({ exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 })}` }),
    fixtures: [
      {
        name: 'a NEW_REVIEW push for a Turkish two-star review',
        body: pushBody(fixture('notification-new-review')),
        interactions: 1,
        kinds: ['review'],
        expect: [{ id: 'google-business:accounts/112233445566778899/locations/998877665544332211/reviews/AbFvOqk0TrAyse', createdAt: '2026-02-16T19:22:05.401Z', visibility: 'public', direction: 'inbound', brand: false }],
      },
      { name: 'a NEW_REVIEW push for a review with an owner reply', body: pushBody({ type: 'NEW_REVIEW', reviewName: `${LOCATION}/reviews/AbFvOqk0EnDana`, locationName: LOCATION }), interactions: 2, kinds: ['review', 'reply'] },
    ],
    unknownEvent: pushBody(fixture('notification-new-question')),
    // An authenticated push that cannot be read is acknowledged and dead-lettered: Pub/Sub would
    // otherwise redeliver it for up to 7 days.
    malformedStatus: 200,
    edit: {
      original: pushBody({ type: 'NEW_REVIEW', reviewName: `${LOCATION}/reviews/AbFvOqk0Edit`, locationName: LOCATION }, '1'),
      edited: pushBody(fixture('notification-updated-review-v1'), '2'),
      id: `google-business:${LOCATION}/reviews/AbFvOqk0Edit`,
      text: 'Masa için bekledik, ama müdür özür diledi.',
    },
  },
  reply: {
    target: { body: pushBody(fixture('notification-new-review')) },
    targetId: `google-business:${LOCATION}/reviews/AbFvOqk0TrAyse`,
    routes: (mocked) => replyRoute(mocked),
    expectRequest(call) {
      expect(call.method).toBe('PUT');
      expect(call.url).toBe(`${API}/v4/${LOCATION}/reviews/AbFvOqk0TrAyse/reply`);
      expect(call.headers.authorization).toBe('Bearer ya29.test-access-token');
      expect(call.bodyJson).toEqual({ comment: 'Thank you, we are on it.' });
    },
    error: {
      routes: (mocked) => mocked.route('put', `${API}/v4/${LOCATION}/reviews/:review/reply`, () => HttpResponse.json(fixture('error-403'), { status: 403 })),
      platformCode: 'PERMISSION_DENIED',
      status: 403,
    },
    rateLimited(mocked, seconds) {
      // Google names the wait in the body (RetryInfo), not in a header.
      const limited = fixture('error-429') as { error: { details: Array<Record<string, unknown>> } };
      limited.error.details[0]!.retryDelay = `${seconds}s`;
      mocked.route('put', `${API}/v4/${LOCATION}/reviews/:review/reply`, ({ index }) => (index === 0 ? HttpResponse.json(limited, { status: 429 }) : HttpResponse.json(fixture('reply-response'))));
    },
  },
  poll: { routes: listRoutes, totalInteractions: 5 },
});

describe('google-business adapter through createSocialCrm', () => {
  let ledger: InteractionLedger;
  let crm: SocialCrm;
  let warnings: Array<SocialCrmEvents['warning']>;
  let clock: number;

  function setup(extra: Partial<GoogleBusinessAdapterOptions> = {}) {
    ledger = memoryLedger();
    clock = Date.now();
    crm = createSocialCrm({
      ledger,
      adapters: [googleBusinessAdapter({ ...options, ...extra })],
      classifier: false,
      now: () => new Date(clock),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      http: { retries: 2, maxRateLimitWaitMs: 5_000, backoffBaseMs: 10 },
    });
    warnings = [];
    crm.on('warning', (warning) => warnings.push(warning));
  }

  function deliver(body: unknown, headers: Record<string, string> = signPush(), url = WEBHOOK_URL): Promise<Response> {
    return crm.handleWebhook(new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }));
  }

  async function rows() {
    return (await ledger.queryInteractions({ channel: 'google-business', includeDeleted: true, limit: 100 })).items;
  }

  afterEach(() => server.reset());

  it('stores a pushed review with its star rating, then replies and updates the reply with PUT …/reply', async () => {
    setup();
    expect((await deliver(pushBody(fixture('notification-new-review')))).status).toBe(200);
    const review = await ledger.getInteraction(`google-business:${LOCATION}/reviews/AbFvOqk0TrAyse`);
    expect(review).toMatchObject({
      kind: 'review',
      direction: 'inbound',
      visibility: 'public',
      text: 'Rezervasyonumuz olmasına rağmen 40 dakika masa bekledik. Garsonlar ilgisizdi.',
      createdAt: '2026-02-16T19:22:05.401Z',
      recipientId: LOCATION,
      author: { nativeId: 'reviewer:AbFvOqk0TrAyse', displayName: 'Ayşe Yılmaz', avatarUrl: 'https://lh3.googleusercontent.com/a-/ExampleAyse=s120-c' },
      channelMetadata: { 'google-business': { starRating: 'TWO', rating: 2, source: 'push', locationName: LOCATION, reviewId: 'AbFvOqk0TrAyse' } },
    });
    expect(review?.customerId).toBeTruthy();

    replyRoute(server);
    const sent = await crm.reply(review!.id, 'Ayşe Hanım, yaşadığınız gecikme için özür dileriz.');
    expect(server.calls.at(-1)).toMatchObject({ method: 'PUT', url: `${API}/v4/${LOCATION}/reviews/AbFvOqk0TrAyse/reply`, bodyJson: { comment: 'Ayşe Hanım, yaşadığınız gecikme için özür dileriz.' } });
    expect(sent).toMatchObject({ nativeId: `${LOCATION}/reviews/AbFvOqk0TrAyse/reply@2026-02-17T08:10:00.000Z`, kind: 'reply', direction: 'outbound', conversationId: review!.conversationId, customerId: review!.customerId });

    // Answering the stored reply updates the one reply Google keeps on the review.
    replyRoute(server, { comment: 'Ayşe Hanım, müdürümüz sizi arayacak.', updateTime: '2026-02-17T09:00:00Z' });
    const updated = await crm.reply(sent.id, 'Ayşe Hanım, müdürümüz sizi arayacak.');
    expect(server.calls.at(-1)?.url).toBe(`${API}/v4/${LOCATION}/reviews/AbFvOqk0TrAyse/reply`);
    expect(updated).toMatchObject({ nativeId: `${LOCATION}/reviews/AbFvOqk0TrAyse/reply@2026-02-17T09:00:00.000Z`, conversationId: review!.conversationId, channelMetadata: { 'google-business': { updates: sent.nativeId } } });
  });

  it('polls every page newest-update first, keeps owner replies and translations, and resumes after the newest update', async () => {
    setup();
    listRoutes(server);
    const [summary] = await crm.poll();
    expect(summary).toMatchObject({ pages: 2, stored: 5 });
    const first = new URL(server.calls[0]!.url).searchParams;
    expect(Object.fromEntries(first)).toEqual({ pageSize: '50', orderBy: 'updateTime desc' });
    expect(new URL(server.calls[1]!.url).searchParams.get('pageToken')).toBe('CiAKGjBB_page2');
    expect(await ledger.getInteraction(`google-business:${LOCATION}/reviews/AbFvOqk0EnDana/reply@2026-02-15T12:30:00.000Z`)).toMatchObject({
      kind: 'reply',
      direction: 'outbound',
      author: { nativeId: LOCATION, isBrand: true },
      parentId: `${LOCATION}/reviews/AbFvOqk0EnDana`,
      text: 'Thank you, Dana! See you soon.',
    });
    // The reply moved updateTime; the review itself was not edited.
    expect((await ledger.getInteraction(`google-business:${LOCATION}/reviews/AbFvOqk0EnDana`))?.state).toBe('active');
    expect(await ledger.getInteraction(`google-business:${LOCATION}/reviews/AbFvOqk0Anon`)).toMatchObject({ text: '', author: { displayName: 'Anonymous' }, channelMetadata: { 'google-business': { rating: 1 } } });
    expect(await ledger.getInteraction(`google-business:${LOCATION}/reviews/AbFvOqk0Kemal`)).toMatchObject({
      text: 'Teslimat hızlıydı ama fatura yanlıştı.',
      channelMetadata: { 'google-business': { translation: 'Fast delivery, but the invoice was wrong.', rating: 4 } },
    });

    // Next poll: an edited review comes back on top; everything older is skipped.
    server.reset();
    server.route('get', `${API}/v4/${LOCATION}/reviews`, () => HttpResponse.json({ reviews: [fixture('review-edited'), ...(fixture('reviews-page-1').reviews as unknown[])], nextPageToken: 'CiAKGjBB_page2' }));
    const [next] = await crm.poll();
    expect(next).toMatchObject({ pages: 1, stored: 1 });
    expect(server.calls).toHaveLength(1);
  });

  describe('push authentication', () => {
    it('refuses tokens that are missing, forged, expired, for another audience or another account, and caches Google\'s keys', async () => {
      setup();
      const body = pushBody(fixture('notification-new-review'));
      const fetchesBefore = jwksFetches;
      expect((await deliver(body, {})).status).toBe(401);
      expect((await deliver(body, { authorization: `Bearer ${oidcToken({}, stranger.privateKey)}` })).status).toBe(401);
      expect((await deliver(body, { authorization: `Bearer ${oidcToken({}, stranger.privateKey, 'unknown-kid')}` })).status).toBe(401);
      expect((await deliver(body, { authorization: `Bearer ${oidcToken({ exp: Math.floor(clock / 1000) - 600 })}` })).status).toBe(401);
      expect((await deliver(body, { authorization: `Bearer ${oidcToken({ aud: 'https://elsewhere.example/push' })}` })).status).toBe(401);
      expect((await deliver(body, { authorization: `Bearer ${oidcToken({ email: 'someone@other-project.iam.gserviceaccount.com' })}` })).status).toBe(401);
      expect((await deliver(body, { authorization: `Bearer ${oidcToken({ iss: 'https://evil.example' })}` })).status).toBe(401);
      expect(await rows()).toHaveLength(0);
      expect((await deliver(body)).status).toBe(200);
      expect((await deliver(body)).status).toBe(200);
      // One fetch for the adapter; the unknown key id is not refetched within the minute.
      expect(jwksFetches - fetchesBefore).toBe(1);
    });

    it('accepts the URL token alternative in constant time and refuses a wrong one', async () => {
      setup({ push: { verificationToken: 'f0c1a5e9b7d24c3aa8e6' } });
      const body = pushBody(fixture('notification-new-review'));
      expect((await deliver(body, {}, `${WEBHOOK_URL}?token=wrong-token-000000000`)).status).toBe(401);
      expect((await deliver(body, {}, WEBHOOK_URL)).status).toBe(401);
      expect((await deliver(body, {}, `${WEBHOOK_URL}?token=f0c1a5e9b7d24c3aa8e6`)).status).toBe(200);
      expect(await rows()).toHaveLength(1);
    });
  });

  describe('notifications', () => {
    it('acknowledges other notification types and other locations with warnings, and a deleted review without storing', async () => {
      setup();
      expect((await deliver(pushBody(fixture('notification-new-question')))).status).toBe(200);
      expect((await deliver(pushBody({ type: 'NEW_REVIEW', reviewName: 'accounts/112233445566778899/locations/1/reviews/X', locationName: 'accounts/112233445566778899/locations/1' }))).status).toBe(200);
      expect((await deliver(pushBody({ type: 'NEW_REVIEW', reviewName: `${LOCATION}/reviews/Gone` }))).status).toBe(200);
      expect(await rows()).toHaveLength(0);
      expect(warnings.map(({ warning }) => warning.type)).toEqual(['ignored', 'ignored', 'ignored']);
    });

    it('dead-letters a push whose data is not a notification', async () => {
      setup();
      const response = await deliver({ message: { data: Buffer.from('not json').toString('base64'), messageId: '1' }, subscription: 'projects/p/subscriptions/s' });
      expect(response.status).toBe(200);
      expect((await ledger.listDeadLetters()).items).toHaveLength(1);
    });

    it('fails the push (so Pub/Sub redelivers it) when the review cannot be fetched', async () => {
      setup();
      server.use(http.get(`${API}/v4/${LOCATION}/reviews/AbFvOqk0TrAyse`, () => HttpResponse.json(fixture('error-403'), { status: 403 })));
      const response = await deliver(pushBody(fixture('notification-new-review')));
      expect(response.status).toBeGreaterThanOrEqual(500);
      expect(await rows()).toHaveLength(0);
    });
  });

  describe('OAuth and errors', () => {
    it('renews the access token from the refresh token before it expires', async () => {
      setup({ accessToken: undefined, oauth: { clientId: 'client.apps.googleusercontent.com', clientSecret: 'secret', refreshToken: '1//refresh' } });
      let issued = 0;
      server.route('post', TOKEN_URL, () => HttpResponse.json({ access_token: `ya29.token-${++issued}`, expires_in: 3599, scope: 'https://www.googleapis.com/auth/business.manage', token_type: 'Bearer' }));
      const seen: string[] = [];
      server.route('get', `${API}/v4/${LOCATION}/reviews`, ({ request }) => {
        seen.push(request.headers.get('authorization')!);
        return HttpResponse.json({ reviews: [] });
      });
      await crm.poll();
      clock += 50 * 60_000;
      await crm.poll();
      clock += 6 * 60_000;
      await crm.poll();
      expect(seen).toEqual(['Bearer ya29.token-1', 'Bearer ya29.token-1', 'Bearer ya29.token-2']);
      expect(Object.fromEntries(new URLSearchParams(server.calls[0]!.bodyText))).toEqual({ grant_type: 'refresh_token', client_id: 'client.apps.googleusercontent.com', client_secret: 'secret', refresh_token: '1//refresh' });
    });

    it('waits the RetryInfo delay of a RESOURCE_EXHAUSTED answer before polling again, not less', async () => {
      setup();
      server.route('get', `${API}/v4/${LOCATION}/reviews`, ({ index }) => (index === 0 ? HttpResponse.json(fixture('error-429'), { status: 429 }) : HttpResponse.json(fixture('reviews-page-2'))));
      const [summary] = await crm.poll();
      expect(summary?.error).toBeUndefined();
      expect(summary?.stored).toBe(2);
      expect(server.calls).toHaveLength(2);
      expect(server.calls[1]!.at - server.calls[0]!.at).toBeGreaterThanOrEqual(900);
    });

    it('decodes a refusal into a non-retryable error with Google\'s status and message', async () => {
      setup();
      server.route('get', `${API}/v4/${LOCATION}/reviews`, () => HttpResponse.json(fixture('error-403'), { status: 403 }));
      const [summary] = await crm.poll();
      const error = summary?.error as ChannelApiError;
      expect(isSocialCrmError(error, 'CHANNEL_API_ERROR')).toBe(true);
      expect(error).toMatchObject({ status: 403, platformCode: 'PERMISSION_DENIED', isRetryable: false });
      expect(error.message).toContain('The caller does not have permission');
    });

    it('refuses a reply over 4096 bytes before calling Google', async () => {
      setup();
      await deliver(pushBody(fixture('notification-new-review')));
      const error = await rejection(crm.reply(`google-business:${LOCATION}/reviews/AbFvOqk0TrAyse`, 'ş'.repeat(2049)));
      expect(isSocialCrmError(error, 'INVALID_PAYLOAD')).toBe(true);
      expect(server.calls.filter((call) => call.method === 'PUT')).toHaveLength(0);
    });

    it('polls without push options and declares no webhook', () => {
      const pollOnly = googleBusinessAdapter({ ...options, push: undefined });
      expect(pollOnly.capabilities).toMatchObject({ webhook: false, poll: true, reply: true });
      expect(pollOnly.webhook?.authentication).toBe('none-polling');
      expect(isSocialCrmError(failure(() => googleBusinessAdapter({ ...options, locationIds: ['locations/1'] })), 'INVALID_OPTIONS')).toBe(true);
    });
  });
});
