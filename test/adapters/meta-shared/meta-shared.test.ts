import { createHmac } from 'node:crypto';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  createSocialCrm,
  isSocialCrmError,
  memoryLedger,
  type ChannelApiError,
  type OutboundReply,
  type ReplyNotAllowedError,
  type SocialCrm,
  type WebhookVerificationError,
} from 'social-crm';
import { parseAdapterOptions, type AdapterContext, type ChannelAdapter } from 'social-crm/adapter-kit';
import { createChannelTestServer } from 'social-crm/testing';
// The shared Meta layer is bundled into each Meta adapter and has no entry of its own.
import {
  answerVerificationHandshake,
  assertMessagingWindow,
  createGraphApi,
  metaAppOptionsSchema,
  metaRateLimitFromResponse,
  readMetaNotification,
  verifyMetaSignature,
  type MetaSendError,
} from '../../../adapters/_shared/meta/index.js';
import { rejection, failure } from '../../helpers/outcomes.js';

const APP_SECRET = 'meta-app-secret-4f1c';
const GRAPH = 'https://graph.facebook.com/v23.0';

function signature(body: string, secret = APP_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

describe('metaAppOptionsSchema', () => {
  const valid = { appSecret: APP_SECRET, verifyToken: 'verify-me', accessToken: 'EAAG-token' };

  it('fills the Graph defaults and keeps the secrets', () => {
    const settings = parseAdapterOptions('meta-test', metaAppOptionsSchema, valid);
    expect(settings).toEqual({ ...valid, graphVersion: 'v23.0', graphBaseUrl: 'https://graph.facebook.com', verifySignature: true });
  });

  it('strips a trailing slash of graphBaseUrl and accepts another version', () => {
    const settings = parseAdapterOptions('meta-test', metaAppOptionsSchema, { ...valid, graphBaseUrl: 'https://graph.example.test/', graphVersion: 'v21.0' });
    expect(settings.graphBaseUrl).toBe('https://graph.example.test');
    expect(settings.graphVersion).toBe('v21.0');
  });

  it.each([
    [{ ...valid, appSecret: '' }, 'appSecret'],
    [{ verifyToken: 'x', accessToken: 'y' }, 'appSecret'],
    [{ ...valid, verifyToken: undefined }, 'verifyToken'],
    [{ ...valid, accessToken: '' }, 'accessToken'],
    [{ ...valid, graphVersion: '23' }, 'graphVersion'],
    [{ ...valid, graphVersion: 'v23' }, 'graphVersion'],
    [{ ...valid, graphBaseUrl: 'not a url' }, 'graphBaseUrl'],
    [{ ...valid, verifySignature: 'no' }, 'verifySignature'],
  ])('rejects %j naming %s', (input, path) => {
    const error = failure(() => parseAdapterOptions('meta-test', metaAppOptionsSchema, input));
    expect(isSocialCrmError(error, 'INVALID_OPTIONS')).toBe(true);
    expect((error as { issues: Array<{ path: string }> }).issues.map((issue) => issue.path)).toContain(path);
  });

  it('extends into an adapter schema', () => {
    const schema = metaAppOptionsSchema.extend({ pageId: z.string().regex(/^\d+$/) });
    expect(parseAdapterOptions('meta-test', schema, { ...valid, pageId: '1234' }).pageId).toBe('1234');
  });
});

describe('answerVerificationHandshake', () => {
  const handshake = (query: string, method = 'GET') => new Request(`https://crm.example.test/webhooks/meta?${query}`, { method });

  it('answers the challenge as text/plain', async () => {
    const response = answerVerificationHandshake(handshake('hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-me'), 'verify-me');
    expect(response?.status).toBe(200);
    expect(response?.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response?.text()).toBe('1158201444');
  });

  it('refuses a wrong token, another mode and a missing challenge with invalid-token', () => {
    for (const query of [
      'hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess',
      'hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-m',
      'hub.mode=unsubscribe&hub.challenge=1158201444&hub.verify_token=verify-me',
      'hub.mode=subscribe&hub.verify_token=verify-me',
    ]) {
      const error = failure(() => answerVerificationHandshake(handshake(query), 'verify-me'));
      expect(isSocialCrmError(error, 'WEBHOOK_VERIFICATION_FAILED'), query).toBe(true);
      expect((error as WebhookVerificationError).reason).toBe('invalid-token');
    }
  });

  it('leaves other requests alone', () => {
    expect(answerVerificationHandshake(handshake('page=2'), 'verify-me')).toBeUndefined();
    expect(answerVerificationHandshake(handshake('hub.mode=subscribe&hub.challenge=1&hub.verify_token=verify-me', 'POST'), 'verify-me')).toBeUndefined();
  });
});

describe('verifyMetaSignature', () => {
  const body = '{"object":"page","entry":[{"id":"1","time":1767226400,"changes":[{"field":"feed","value":{"message":"Çok güzel 😍"}}]}]}';

  it('accepts Meta\'s hex HMAC-SHA256 over the raw bytes, as string or bytes, in either case', async () => {
    await expect(verifyMetaSignature(body, signature(body), APP_SECRET)).resolves.toBeUndefined();
    await expect(verifyMetaSignature(new TextEncoder().encode(body), signature(body).toUpperCase().replace('SHA256=', 'sha256='), APP_SECRET)).resolves.toBeUndefined();
  });

  it('throws missing-signature and invalid-signature', async () => {
    const missing = await rejection(verifyMetaSignature(body, null, APP_SECRET));
    expect((missing as WebhookVerificationError).reason).toBe('missing-signature');
    const wrongSecret = await rejection(verifyMetaSignature(body, signature(body, 'other-secret'), APP_SECRET));
    expect((wrongSecret as WebhookVerificationError).reason).toBe('invalid-signature');
    const reserialised = JSON.stringify(JSON.parse(body));
    const tampered = await rejection(verifyMetaSignature(reserialised.replace('güzel', 'guzel'), signature(body), APP_SECRET));
    expect((tampered as WebhookVerificationError).reason).toBe('invalid-signature');
    const sha1 = await rejection(verifyMetaSignature(body, `sha1=${createHmac('sha1', APP_SECRET).update(body).digest('hex')}`, APP_SECRET));
    expect((sha1 as WebhookVerificationError).reason).toBe('invalid-signature');
  });
});

describe('readMetaNotification', () => {
  const options = { adapterId: 'meta-test', appSecret: APP_SECRET };
  const post = (body: string, headers: Record<string, string> = { 'x-hub-signature-256': signature(body) }, contentType = 'application/json') =>
    new Request('https://crm.example.test/webhooks/meta', { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });

  const batch = {
    object: 'whatsapp_business_account',
    entry: [
      { id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp' } }, { field: 'account_update', value: {} }], unknown_field: { kept: true } },
      { id: '102290129340399', time: 1767226400, changes: [] },
    ],
  };

  it('returns every entry of a verified batch, unknown fields kept', async () => {
    const notification = await readMetaNotification(post(JSON.stringify(batch)), options, 'whatsapp_business_account');
    expect(notification.object).toBe('whatsapp_business_account');
    expect(notification.rejected).toEqual([]);
    expect(notification.warnings).toEqual([]);
    expect(notification.entries.map((entry) => entry.id)).toEqual(['102290129340398', '102290129340399']);
    expect(notification.entries[0]?.changes?.map((change) => change.field)).toEqual(['messages', 'account_update']);
    expect(notification.entries[0]?.unknown_field).toEqual({ kept: true });
  });

  it('acknowledges a notification for another object with a warning', async () => {
    const body = JSON.stringify({ ...batch, object: 'page' });
    const notification = await readMetaNotification(post(body), options, 'whatsapp_business_account');
    expect(notification.entries).toEqual([]);
    expect(notification.rejected).toEqual([]);
    expect(notification.warnings).toEqual([expect.objectContaining({ type: 'ignored', details: { object: 'page', entries: 2 } })]);
  });

  it('rejects (for the dead letters) a signed body that is not JSON, not an envelope, or not JSON-typed', async () => {
    const notJson = await readMetaNotification(post('{"object": nope'), options, 'page');
    expect(notJson.rejected).toHaveLength(1);
    expect(notJson.rejected[0]?.payload).toBe('{"object": nope');
    expect(notJson.rejected[0]?.error.message).toMatch(/not valid JSON/);
    const notEnvelope = await readMetaNotification(post('{"object":"page"}'), options, 'page');
    expect(notEnvelope.rejected[0]?.error.message).toMatch(/entry/);
    const form = await readMetaNotification(post('a=1', { 'x-hub-signature-256': signature('a=1') }, 'application/x-www-form-urlencoded'), options, 'page');
    expect(form.rejected[0]?.payload).toBe('a=1');
    expect(form.rejected[0]?.error.message).toMatch(/content type/);
  });

  it('rejects a single unreadable entry and keeps the others', async () => {
    const body = JSON.stringify({ object: 'page', entry: [{ id: 42 }, { id: '1', messaging: [{ message: { text: 'Merhaba' } }] }] });
    const notification = await readMetaNotification(post(body), options, 'page');
    expect(notification.entries.map((entry) => entry.id)).toEqual(['1']);
    expect(notification.rejected).toEqual([expect.objectContaining({ payload: { id: 42 } })]);
  });

  it('throws before parsing when the signature is missing or wrong, unless verification is off', async () => {
    const body = JSON.stringify(batch);
    const missing = await rejection(readMetaNotification(post(body, {}), options, 'whatsapp_business_account'));
    expect((missing as WebhookVerificationError).reason).toBe('missing-signature');
    const wrong = await rejection(readMetaNotification(post(body, { 'x-hub-signature-256': signature(`${body} `) }), options, 'whatsapp_business_account'));
    expect((wrong as WebhookVerificationError).reason).toBe('invalid-signature');
    const unchecked = await readMetaNotification(post(body, {}), { ...options, verifySignature: false }, 'whatsapp_business_account');
    expect(unchecked.entries).toHaveLength(2);
  });

  it('refuses a body past the size limit', async () => {
    const body = JSON.stringify(batch);
    const error = await rejection(readMetaNotification(post(body), { ...options, maxBodyBytes: 16 }, 'whatsapp_business_account'));
    expect(isSocialCrmError(error, 'PAYLOAD_TOO_LARGE')).toBe(true);
  });
});

describe('metaRateLimitFromResponse', () => {
  const now = Date.UTC(2026, 10, 29, 12, 0, 0);
  const usage = (headers: Record<string, string>) => metaRateLimitFromResponse(new Response('{}', { headers }), { now });

  it('returns nothing without usage headers', () => {
    expect(usage({})).toBeUndefined();
    expect(usage({ 'x-app-usage': 'not json' })).toBeUndefined();
  });

  it('reads X-App-Usage as the remaining percentage, app-wide', () => {
    expect(usage({ 'x-app-usage': '{"call_count":28,"total_time":25,"total_cputime":41}' })).toEqual({ remaining: 59, scope: '*' });
  });

  it('closes the gate at the threshold for the cooldown when Meta names no regain time', () => {
    expect(usage({ 'x-app-usage': '{"call_count":95,"total_time":10,"total_cputime":10}' })).toEqual({ remaining: 0, resetAt: now + 300_000, scope: '*' });
    expect(metaRateLimitFromResponse(new Response('', { headers: { 'x-app-usage': '{"call_count":80}' } }), { now, threshold: 80, cooldownMs: 1000 })).toEqual({ remaining: 0, resetAt: now + 1000, scope: '*' });
  });

  it('takes the highest business use case and its regain time in minutes', () => {
    const header = JSON.stringify({
      '112233445566': [{ type: 'pages', call_count: 97, total_cputime: 23, total_time: 23, estimated_time_to_regain_access: 0 }],
      '998877665544': [{ type: 'messenger', call_count: 12, total_cputime: 3, total_time: 5, estimated_time_to_regain_access: 7 }],
    });
    expect(usage({ 'x-business-use-case-usage': header, 'x-app-usage': '{"call_count":5}' })).toEqual({ remaining: 0, resetAt: now + 7 * 60_000, scope: '*' });
    const calm = JSON.stringify({ '112233445566': [{ type: 'instagram', call_count: 40, total_cputime: 62, total_time: 20, estimated_time_to_regain_access: 0 }] });
    expect(usage({ 'x-business-use-case-usage': calm })).toEqual({ remaining: 38, scope: '*' });
  });

  it('reads X-Ad-Account-Usage with its reset in seconds', () => {
    expect(usage({ 'x-ad-account-usage': '{"acc_id_util_pct":9.67,"reset_time_duration":0}' })).toEqual({ remaining: 90.33, scope: '*' });
    expect(usage({ 'x-ad-account-usage': '{"acc_id_util_pct":99,"reset_time_duration":120}' })).toEqual({ remaining: 0, resetAt: now + 120_000, scope: '*' });
  });
});

describe('assertMessagingWindow', () => {
  const now = new Date('2026-11-29T12:00:00.000Z');
  const reply = (lastInboundAt: string | undefined, inbound = '2026-11-20T00:00:00.000Z') =>
    ({ channel: 'meta-test', lastInboundAt, inReplyTo: { direction: 'inbound', createdAt: inbound } }) as unknown as OutboundReply;

  it('allows a reply within the window', () => {
    expect(failure(() => assertMessagingWindow(reply('2026-11-28T12:00:00.000Z'), now))).toBeUndefined();
    expect(failure(() => assertMessagingWindow(reply(undefined, '2026-11-29T11:00:00.000Z'), now))).toBeUndefined();
  });

  it('refuses one past the window with messaging-window-closed', () => {
    const error = failure(() => assertMessagingWindow(reply('2026-11-28T11:59:59.000Z'), now, 24, 'Send a template.'));
    expect(isSocialCrmError(error, 'REPLY_NOT_ALLOWED')).toBe(true);
    expect((error as ReplyNotAllowedError).reason).toBe('messaging-window-closed');
    expect((error as Error).message).toMatch(/24-hour.*Send a template\./);
    expect(failure(() => assertMessagingWindow(reply('2026-11-22T13:00:00.000Z'), now, 7 * 24))).toBeUndefined();
  });

  it('refuses when the customer never wrote', () => {
    const outbound = { channel: 'meta-test', inReplyTo: { direction: 'outbound', createdAt: now.toISOString() } } as unknown as OutboundReply;
    expect((failure(() => assertMessagingWindow(outbound, now)) as ReplyNotAllowedError).reason).toBe('messaging-window-closed');
  });
});

describe('createGraphApi and toMetaSendError through the core HTTP client', () => {
  const server = createChannelTestServer();
  beforeAll(() => server.listen());
  afterEach(() => server.reset());
  afterAll(() => server.close());

  /** A minimal Meta adapter: its replies POST to `/{page}/messages` through the shared Graph client. */
  function graphProbe(): ChannelAdapter {
    return {
      specificationVersion: 'v1',
      id: 'meta-probe',
      capabilities: { webhook: false, poll: false, reply: false, directMessage: true, edits: false, deletes: false, reactions: false, threads: false, deliveryReceipts: false },
      rateLimitFromResponse: (response) => metaRateLimitFromResponse(response),
      async doSendReply(reply, context: AdapterContext) {
        const graph = createGraphApi(context, { adapterId: 'meta-probe', accessToken: 'EAAG-page-token', graphVersion: 'v23.0', graphBaseUrl: 'https://graph.facebook.com' });
        const body = (await graph.post('1122334455/messages', { recipient: { id: reply.recipient.nativeId }, message: { text: reply.text } })) as { message_id: string };
        return { nativeId: body.message_id };
      },
    };
  }

  let crm: SocialCrm;
  async function send(text = 'Merhaba, yardımcı olalım') {
    crm = createSocialCrm({
      ledger: memoryLedger(),
      adapters: [graphProbe()],
      classifier: false,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      http: { retries: 1, maxRateLimitWaitMs: 2_000, backoffBaseMs: 5 },
    });
    await crm.ingest({ channel: 'meta-probe', nativeId: 'm_1', kind: 'direct_message', visibility: 'private', author: { channel: 'meta-probe', nativeId: '6789' }, text: 'Siparişim nerede?', createdAt: new Date() });
    return crm.reply('meta-probe:m_1', text);
  }

  function graphError(status: number, error: Record<string, unknown>, headers: Record<string, string> = {}) {
    server.route('post', `${GRAPH}/:id/messages`, () => HttpResponse.json({ error }, { status, headers }));
  }

  it('posts to the versioned URL with the bearer token and returns the body', async () => {
    server.route('post', `${GRAPH}/:id/messages`, () => ({ recipient_id: '6789', message_id: 'm_reply_1' }));
    const sent = await send();
    expect(sent.nativeId).toBe('m_reply_1');
    expect(server.calls[0]?.url).toBe(`${GRAPH}/1122334455/messages`);
    expect(server.calls[0]?.headers.authorization).toBe('Bearer EAAG-page-token');
    expect(server.calls[0]?.bodyJson).toEqual({ recipient: { id: '6789' }, message: { text: 'Merhaba, yardımcı olalım' } });
  });

  it('maps an expired token (190) to a non-retryable ChannelApiError with the Graph fields', async () => {
    graphError(401, { message: 'Error validating access token: Session has expired.', type: 'OAuthException', code: 190, error_subcode: 463, fbtrace_id: 'AmFGcW_3hwDB7qFbl_QdebZ' });
    const error = (await rejection(send())) as MetaSendError & ChannelApiError;
    expect(isSocialCrmError(error, 'CHANNEL_API_ERROR')).toBe(true);
    expect(error).toMatchObject({ status: 401, platformCode: 190, subcode: 463, graphType: 'OAuthException', fbtraceId: 'AmFGcW_3hwDB7qFbl_QdebZ', isRetryable: false });
    expect(error.message).toMatch(/Session has expired/);
  });

  it('maps a permission error (10, 200) to non-retryable and a transient one (2, is_transient) to retryable', async () => {
    graphError(403, { message: '(#200) Requires pages_messaging permission', type: 'OAuthException', code: 200, fbtrace_id: 'A1' });
    expect(await rejection(send())).toMatchObject({ platformCode: 200, isRetryable: false });
    server.reset();
    graphError(400, { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, is_transient: true, fbtrace_id: 'A2' });
    expect(await rejection(send())).toMatchObject({ platformCode: 2, isRetryable: true });
    server.reset();
    graphError(400, { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100, fbtrace_id: 'A3' });
    expect(await rejection(send())).toMatchObject({ platformCode: 100, isRetryable: false });
  });

  it('maps throttling codes to RateLimitError, with the regain time of the usage header', async () => {
    const header = JSON.stringify({ '1122334455': [{ type: 'messenger', call_count: 100, total_cputime: 20, total_time: 20, estimated_time_to_regain_access: 12 }] });
    graphError(400, { message: '(#80006) There have been too many messages to this Messenger account.', type: 'OAuthException', code: 80006, fbtrace_id: 'A4' }, { 'x-business-use-case-usage': header });
    const error = (await rejection(send())) as ChannelApiError & MetaSendError;
    expect(isSocialCrmError(error, 'RATE_LIMITED')).toBe(true);
    expect(error).toMatchObject({ isRetryable: true, platformCode: 80006, fbtraceId: 'A4', status: 400 });
    expect(error.retryAfterMs).toBeGreaterThan(11 * 60_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(12 * 60_000);
    for (const code of [4, 17, 32, 613, 130429, 131048, 131056, 133016]) {
      server.reset();
      graphError(400, { message: `(#${code}) limit`, type: 'OAuthException', code, fbtrace_id: 'A5' });
      expect(isSocialCrmError(await rejection(send()), 'RATE_LIMITED'), String(code)).toBe(true);
    }
  });

  it('maps messaging-window, opt-out and undeliverable codes to ReplyNotAllowedError', async () => {
    const cases: Array<[Record<string, unknown>, ReplyNotAllowedError['reason']]> = [
      [{ message: '(#10) This message is sent outside of allowed window.', type: 'OAuthException', code: 10, error_subcode: 2018278 }, 'messaging-window-closed'],
      [{ message: '(#10) This message is sent outside of allowed window.', type: 'OAuthException', code: 10, error_subcode: 2534022 }, 'messaging-window-closed'],
      [{ message: '(#131047) Re-engagement message', type: 'OAuthException', code: 131047, error_data: { messaging_product: 'whatsapp', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' } }, 'messaging-window-closed'],
      [{ message: '(#131050) Unable to deliver the message', type: 'OAuthException', code: 131050 }, 'opted-out'],
      [{ message: '(#131026) Message Undeliverable', type: 'OAuthException', code: 131026 }, 'not-replyable'],
      [{ message: '(#551) This person isn\'t available right now.', type: 'OAuthException', code: 551, error_subcode: 1545041 }, 'not-replyable'],
    ];
    for (const [error, reason] of cases) {
      server.reset();
      graphError(400, { ...error, fbtrace_id: 'B1' });
      const thrown = (await rejection(send())) as ReplyNotAllowedError & MetaSendError;
      expect(isSocialCrmError(thrown, 'REPLY_NOT_ALLOWED'), String(error.code)).toBe(true);
      expect(thrown.reason).toBe(reason);
      expect(thrown).toMatchObject({ status: 400, platformCode: error.code, fbtraceId: 'B1' });
    }
  });

  it('reports a 5xx answer as retryable', async () => {
    server.route('post', `${GRAPH}/:id/messages`, () => HttpResponse.json({ error: { message: 'Service temporarily unavailable', type: 'OAuthException', code: 2, fbtrace_id: 'C1' } }, { status: 503 }));
    const error = (await rejection(send())) as ChannelApiError;
    expect(error).toMatchObject({ status: 503, isRetryable: true, platformCode: 2 });
  });

  it('holds further calls once the usage header reaches the threshold', async () => {
    server.route('post', `${GRAPH}/:id/messages`, ({ index }) =>
      HttpResponse.json({ recipient_id: '6789', message_id: `m_reply_${index}` }, { headers: { 'x-app-usage': '{"call_count":96,"total_time":40,"total_cputime":40}' } }),
    );
    await send();
    const second = await rejection(crm.reply('meta-probe:m_1', 'Again'));
    expect(isSocialCrmError(second, 'RATE_LIMITED')).toBe(true);
    expect(server.calls).toHaveLength(1);
  });
});
