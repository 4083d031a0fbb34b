import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, isSocialCrmError, type ChannelApiError, type InteractionLedger, type SocialCrm, type SocialCrmEvents, privateConversationKey } from 'social-crm';
import { createChannelTestServer, describeChannelAdapter, type ChannelTestServer } from 'social-crm/testing';
import { messengerAdapter, type MessengerAdapterOptions } from 'social-crm/adapters/messenger';
import { createMetaHarness, fixtureReader, rejection, signMeta, type MetaHarness } from './meta-harness.js';

// Payloads are written from Meta's Messenger Platform webhook reference (messages, message_echoes,
// messaging_postbacks, message_reactions, message_edits, message_deliveries, message_reads) and the
// Send API / Graph error-handling pages: field names verbatim, values invented.
const fixture = fixtureReader(import.meta.url);

const PAGE_ID = '104711112223334';
const AYSE = '6543210987654321';
const JOHN = '7012345678901234';
const APP_SECRET = 'messenger-test-app-secret-0123456789';
const SEND_URL = `https://graph.facebook.com/v23.0/${PAGE_ID}/messages`;
const WEBHOOK_URL = 'https://crm.example.test/webhooks/messenger';
const NOW = new Date('2026-03-02T12:00:00.000Z');
const AYSE_MID = 'm_AyseSiparis4411aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const SENT_MID = 'm_SentByCrmHhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh';

const options: MessengerAdapterOptions = {
  pageId: PAGE_ID,
  appSecret: APP_SECRET,
  verifyToken: 'verify-me-please',
  accessToken: 'page-access-token',
};

const sign = (body: string, secret = APP_SECRET) => signMeta(body, secret);

/** The Turkish message, written `minutesAgo` before `at`, so window rules can be tested against any clock. */
function recentMessage(at: Date, minutesAgo = 5): Record<string, unknown> {
  const body = fixture('message-text-tr') as { entry: Array<{ messaging: Array<{ timestamp: number }> }> };
  body.entry[0]!.messaging[0]!.timestamp = at.getTime() - minutesAgo * 60_000;
  return body;
}

function sendRoute(server: ChannelTestServer) {
  server.route('post', SEND_URL, () => HttpResponse.json(fixture('send-response'), { headers: { 'x-business-use-case-usage': JSON.stringify({ [PAGE_ID]: [{ type: 'messenger', call_count: 3, total_cputime: 1, total_time: 2, estimated_time_to_regain_access: 0 }] }) } }));
}

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterAll(() => server.close());

describeChannelAdapter('Messenger', {
  factory: messengerAdapter,
  options,
  invalidOptions: [
    {},
    { ...options, pageId: 'acme-store' },
    { ...options, appSecret: '' },
    { ...options, graphVersion: '23' },
    { ...options, id: 'Messenger Inbox' },
  ],
  server,
  webhook: {
    sign: (body) => sign(body),
    handshake: {
      request: () => new Request(`${WEBHOOK_URL}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=verify-me-please`),
      expectStatus: 200,
      expectBody: '1158201444',
      invalid: () => new Request(`${WEBHOOK_URL}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess`),
    },
    fixtures: [
      {
        name: 'a Turkish text message with emoji',
        body: fixture('message-text-tr'),
        interactions: 1,
        kinds: ['direct_message'],
        // `timestamp` is epoch milliseconds (1772445599876); the author is the sender's PSID.
        expect: [{ id: 'messenger:m_AyseSiparis4411aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', createdAt: '2026-03-02T09:59:59.876Z', visibility: 'private', direction: 'inbound', brand: false, authorId: '6543210987654321' }],
      },
      { name: 'two batched entries: photo, reply_to, quick reply, sticker', body: fixture('messages-batch'), interactions: 4, kinds: ['direct_message'] },
      {
        name: "an echo of the Page's own message",
        body: fixture('message-echo'),
        interactions: 1,
        kinds: ['direct_message'],
        expect: [{ id: 'messenger:m_PageEchoFfffffffffffffffffffffffffffffffffffffffffffffffff', createdAt: '2026-03-02T10:03:19.000Z', visibility: 'private', direction: 'outbound', brand: true, authorId: '104711112223334' }],
      },
      { name: 'a postback', body: fixture('postback'), interactions: 1, kinds: ['direct_message'] },
      { name: 'a reaction', body: fixture('reaction-react'), interactions: 1, kinds: ['reaction'] },
    ],
    unknownEvent: fixture('optin-and-referral'),
    malformedStatus: 200,
    edit: {
      original: fixture('message-text-tr'),
      edited: fixture('message-edit'),
      id: `messenger:${AYSE_MID}`,
      text: 'Merhaba, 4411 numaralı siparişim 6 gündür gelmedi 😡 Kargo nerede?',
    },
    deletion: { original: fixture('reaction-react'), deletion: fixture('reaction-unreact'), id: `messenger:reaction:m_PageEchoFfffffffffffffffffffffffffffffffffffffffffffffffff:${AYSE}` },
  },
  reply: {
    target: { body: recentMessage(new Date()) },
    targetId: `messenger:${AYSE_MID}`,
    routes: sendRoute,
    // A documented Send API refusal (Graph error envelope): a malformed recipient.
    error: {
      routes: (mocked) => mocked.route('post', SEND_URL, () => HttpResponse.json({ error: { message: '(#100) The parameter recipient is required', type: 'OAuthException', code: 100, fbtrace_id: 'AmSg1rK2' } }, { status: 400 })),
      platformCode: 100,
      status: 400,
    },
    rateLimited(mocked, seconds) {
      mocked.route('post', SEND_URL, ({ index }) =>
        index === 0 ? HttpResponse.json(fixture('error-rate-limit'), { status: 429, headers: { 'retry-after': String(seconds) } }) : HttpResponse.json(fixture('send-response')),
      );
    },
    expectRequest(call) {
      expect(call.url).toBe(SEND_URL);
      expect(call.headers.authorization).toBe('Bearer page-access-token');
      expect(call.bodyJson).toEqual({ recipient: { id: AYSE }, messaging_type: 'RESPONSE', message: { text: 'Thank you, we are on it.', metadata: expect.stringMatching(/^reply_/) } });
    },
  },
  // A throttled Send API call answered with HTTP 429 and `Retry-After`: the kit checks the retry
  // waits for it. Meta's own throttling codes and usage headers are tested below.
});

describe('messenger adapter through createSocialCrm', () => {
  let ledger: InteractionLedger;
  let crm: SocialCrm;
  let warnings: Array<SocialCrmEvents['warning']>;
  let deliver: MetaHarness['deliver'];
  let rows: MetaHarness['rows'];

  function setup(now = NOW, classify = false, extra: Partial<MessengerAdapterOptions> = {}) {
    ({ crm, ledger, warnings, deliver, rows } = createMetaHarness({ adapters: [messengerAdapter({ ...options, ...extra })], channel: 'messenger', webhookUrl: WEBHOOK_URL, appSecret: APP_SECRET, now, classify }));
  }

  afterEach(() => server.reset());

  it('stores a signed Turkish message with its customer and classification, answers it with the Send API and follows its delivery', async () => {
    setup(NOW, true);
    expect((await deliver(fixture('message-text-tr'))).status).toBe(200);
    const stored = await ledger.getInteraction(`messenger:${AYSE_MID}`);
    expect(stored).toMatchObject({
      kind: 'direct_message',
      direction: 'inbound',
      visibility: 'private',
      text: 'Merhaba, 4411 numaralı siparişim 5 gündür gelmedi 😡 Kargo nerede?',
      createdAt: '2026-03-02T09:59:59.876Z',
      recipientId: PAGE_ID,
      conversationId: `messenger:${privateConversationKey(`${PAGE_ID}-${AYSE}`)}`,
      author: { channel: 'messenger', nativeId: AYSE },
    });
    expect(stored?.customerId).toBeTruthy();
    expect(stored?.classification).toMatchObject({ model: expect.any(String), sentiment: { label: expect.any(String) } });

    sendRoute(server);
    const sent = await crm.reply(stored!.id, 'Merhaba Ayşe Hanım, kargonuz yarın teslim edilecek 🚚');
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]).toMatchObject({ method: 'POST', url: SEND_URL });
    expect(server.calls[0]?.headers.authorization).toBe('Bearer page-access-token');
    expect(server.calls[0]?.bodyJson).toEqual({
      recipient: { id: AYSE },
      messaging_type: 'RESPONSE',
      message: { text: 'Merhaba Ayşe Hanım, kargonuz yarın teslim edilecek 🚚', metadata: expect.stringMatching(/^reply_/) },
    });
    expect(sent).toMatchObject({
      nativeId: SENT_MID,
      kind: 'direct_message',
      direction: 'outbound',
      visibility: 'private',
      conversationId: stored!.conversationId,
      parentId: AYSE_MID,
      customerId: stored!.customerId,
      deliveryStatus: 'sent',
      author: { nativeId: PAGE_ID, isBrand: true },
    });

    // The echo of our own send has the same mid: one record, still ours.
    const echo = fixture('message-echo') as { entry: Array<{ messaging: Array<{ message: { mid: string; text: string } }> }> };
    echo.entry[0]!.messaging[0]!.message.mid = SENT_MID;
    echo.entry[0]!.messaging[0]!.message.text = 'Merhaba Ayşe Hanım, kargonuz yarın teslim edilecek 🚚';
    expect((await deliver(echo)).status).toBe(200);
    expect((await deliver(fixture('delivery-and-read'))).status).toBe(200);
    expect(await ledger.getInteraction(`messenger:${SENT_MID}`)).toMatchObject({ deliveryStatus: 'delivered', direction: 'outbound' });
    expect(await rows()).toHaveLength(2);
  });

  it('settles a send left in doubt by the echo that carries its key as metadata: the same key never posts again', async () => {
    setup(NOW);
    expect((await deliver(fixture('message-text-tr'))).status).toBe(200);
    // The Send API received the message, but the connection broke before its answer.
    server.route('post', SEND_URL, () => HttpResponse.error());
    await expect(crm.reply(`messenger:${AYSE_MID}`, { text: 'Kontrol ediyoruz 🙏', idempotencyKey: 'ticket-42:first' })).rejects.toBeTruthy();
    expect((await ledger.getSend!('ticket-42:first'))?.state).toBe('unknown');
    expect((server.calls[0]?.bodyJson as { message: { metadata: string } }).message.metadata).toBe('ticket-42:first');
    const announced: string[] = [];
    crm.on('reply-sent', ({ interaction }) => announced.push(interaction.id));

    const echo = fixture('message-echo') as { entry: Array<{ messaging: Array<{ message: { mid: string; text: string; metadata: string } }> }> };
    Object.assign(echo.entry[0]!.messaging[0]!.message, { mid: SENT_MID, text: 'Kontrol ediyoruz 🙏', metadata: 'ticket-42:first' });
    expect((await deliver(echo)).status).toBe(200);
    expect(await ledger.getSend!('ticket-42:first')).toMatchObject({ state: 'sent', interactionId: `messenger:${SENT_MID}` });
    expect(announced).toEqual([`messenger:${SENT_MID}`]);
    const again = await crm.reply(`messenger:${AYSE_MID}`, { text: 'Kontrol ediyoruz 🙏', idempotencyKey: 'ticket-42:first' });
    expect(again).toMatchObject({ id: `messenger:${SENT_MID}`, parentId: AYSE_MID, direction: 'outbound' });
    expect(server.calls).toHaveLength(1);
    expect(await rows()).toHaveLength(2);
  });

  it('marks every answer sent before a read watermark as read, and none sent after it', async () => {
    const clock = new Date(NOW);
    setup(clock);
    await deliver(fixture('message-text-tr'));
    sendRoute(server);
    const first = await crm.reply(`messenger:${AYSE_MID}`, 'Kargonuz yolda.');
    const receipt = fixture('delivery-and-read') as { entry: Array<{ messaging: Array<Record<string, unknown>> }> };
    const read = receipt.entry[0]!.messaging[1]!;
    Object.assign(read, { timestamp: NOW.getTime() + 60_000, read: { watermark: NOW.getTime() + 30_000 } });
    receipt.entry[0]!.messaging = [read];
    server.route('post', SEND_URL, () => ({ recipient_id: AYSE, message_id: 'm_SecondAnswer' }));
    clock.setTime(NOW.getTime() + 45_000);
    const second = await crm.reply(`messenger:${AYSE_MID}`, 'Yarın teslim edilecek.');
    expect((await deliver(receipt)).status).toBe(200);
    expect(await ledger.getInteraction(first.id)).toMatchObject({ deliveryStatus: 'read' });
    expect(await ledger.getInteraction(second.id)).toMatchObject({ deliveryStatus: 'sent' });
    expect(warnings).toEqual([]);
  });

  it('reads a batch of two entries: attachments, reply_to, quick replies, stickers, unknown fields and a missing timestamp', async () => {
    setup();
    expect((await deliver(fixture('messages-batch'))).status).toBe(200);
    const photo = await ledger.getInteraction('messenger:m_JohnPhotoBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
    expect(photo).toMatchObject({ text: '', attachments: [{ type: 'image', url: 'https://scontent.xx.fbcdn.net/v/t1.15752-9/broken_router.jpg?_nc_cat=1' }] });
    const reply = await ledger.getInteraction('messenger:m_JohnReplyCccccccccccccccccccccccccccccccccccccccccccccccccc');
    expect(reply).toMatchObject({ parentId: 'm_JohnPhotoBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', conversationId: `messenger:${privateConversationKey(`${PAGE_ID}-${JOHN}`)}`, visibility: 'private' });
    expect(reply?.customerId).toBe(photo?.customerId);
    const quick = await ledger.getInteraction('messenger:m_AyseQuickDdddddddddddddddddddddddddddddddddddddddddddddddddd');
    expect(quick?.channelMetadata.messenger).toEqual({ quickReplyPayload: 'REFUND_REQUEST' });
    const sticker = await ledger.getInteraction('messenger:m_AyseStickerEeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee');
    expect(sticker?.attachments[0]).toMatchObject({ type: 'sticker', data: { nativeType: 'sticker', stickerId: '369239263222822' } });
    expect(sticker?.createdAt).toBe(NOW.toISOString());
    expect(warnings).toEqual([]);
  });

  it("stores the Page's echoes as outbound without a customer, and postbacks with their payload", async () => {
    setup();
    await deliver(fixture('message-echo'));
    const echo = await ledger.getInteraction('messenger:m_PageEchoFfffffffffffffffffffffffffffffffffffffffffffffffff');
    expect(echo).toMatchObject({ direction: 'outbound', author: { nativeId: PAGE_ID, isBrand: true }, recipientId: AYSE, conversationId: `messenger:${privateConversationKey(`${PAGE_ID}-${AYSE}`)}`, deliveryStatus: 'sent' });
    expect(echo?.customerId).toBeUndefined();
    expect(echo?.channelMetadata.messenger).toEqual({ isEcho: true, appId: '1517776481860111', echoMetadata: 'agent:selin' });
    await deliver(fixture('postback'));
    const postback = await ledger.getInteraction('messenger:m_JohnPostbackGggggggggggggggggggggggggggggggggggggggggggggg');
    expect(postback).toMatchObject({ kind: 'direct_message', text: 'Talk to a human', channelMetadata: { messenger: { postbackPayload: 'HUMAN_HANDOFF', postbackTitle: 'Talk to a human' } } });
  });

  it('stores a reaction on the message it reacts to, and drops it on unreact', async () => {
    setup();
    await deliver(fixture('reaction-react'));
    const id = `messenger:reaction:m_PageEchoFfffffffffffffffffffffffffffffffffffffffffffffffff:${AYSE}`;
    expect(await ledger.getInteraction(id)).toMatchObject({ kind: 'reaction', reaction: '❤️', parentId: 'm_PageEchoFfffffffffffffffffffffffffffffffffffffffffffffffff', text: '' });
    await deliver(fixture('reaction-unreact'));
    expect(await ledger.getInteraction(id)).toMatchObject({ state: 'deleted' });
  });

  it('looks up each sender once with the User Profile API when fetchProfiles is on, and stores the message when it fails', async () => {
    setup(NOW, false, { fetchProfiles: true });
    server.route('get', `https://graph.facebook.com/v23.0/${AYSE}`, () => HttpResponse.json(fixture('user-profile')));
    server.route('get', `https://graph.facebook.com/v23.0/${JOHN}`, () => HttpResponse.json({ error: { message: '(#200) Permissions error', type: 'OAuthException', code: 200, fbtrace_id: 'Ab1' } }, { status: 403 }));
    await deliver(fixture('message-text-tr'));
    await deliver(fixture('messages-batch'));
    expect(new URL(server.calls[0]!.url).searchParams.get('fields')).toBe('first_name,last_name,profile_pic');
    expect(server.calls.map((call) => new URL(call.url).pathname)).toEqual([`/v23.0/${AYSE}`, `/v23.0/${JOHN}`]);
    expect((await ledger.getInteraction(`messenger:${AYSE_MID}`))?.author).toMatchObject({ nativeId: AYSE, displayName: 'Ayşe Yılmaz', avatarUrl: expect.stringContaining('psid=6543210987654321') });
    expect((await ledger.getInteraction('messenger:m_JohnReplyCccccccccccccccccccccccccccccccccccccccccccccccccc'))?.author).toEqual({ channel: 'messenger', nativeId: JOHN });
    expect(warnings.map((warning) => warning.warning.details)).toEqual([{ id: JOHN }]);
  });

  it('sends attachments with hosted URLs as messages of their own after the text, and drops the rest with a warning', async () => {
    setup();
    await deliver(recentMessage(NOW));
    let count = 0;
    server.route('post', SEND_URL, () => HttpResponse.json({ recipient_id: AYSE, message_id: `m_part_${++count}` }));
    const sent = await crm.reply(`messenger:${AYSE_MID}`, {
      text: 'İade etiketiniz ve kılavuz ekte 📎',
      attachments: [
        { type: 'image', url: 'https://cdn.acme.example/return-label.png' },
        { type: 'file', url: 'https://cdn.acme.example/guide.pdf', name: 'guide.pdf' },
        { type: 'location', data: { latitude: 41.01, longitude: 28.97 } },
      ],
    });
    expect(server.calls.map((call) => (call.bodyJson as { message: unknown }).message)).toEqual([
      { text: 'İade etiketiniz ve kılavuz ekte 📎', metadata: expect.stringMatching(/^reply_/) },
      { attachment: { type: 'image', payload: { url: 'https://cdn.acme.example/return-label.png', is_reusable: true } } },
      { attachment: { type: 'file', payload: { url: 'https://cdn.acme.example/guide.pdf', is_reusable: true } } },
    ]);
    expect(server.calls.every((call) => (call.bodyJson as { messaging_type: string }).messaging_type === 'RESPONSE')).toBe(true);
    expect(sent).toMatchObject({ nativeId: 'm_part_1', channelMetadata: { messenger: { messageIds: ['m_part_1', 'm_part_2', 'm_part_3'] } } });
    expect(warnings.map((warning) => warning.warning)).toEqual([expect.objectContaining({ type: 'unsupported', details: { count: 1 } })]);
  });

  describe('the 24-hour window', () => {
    it('refuses a free-form answer after 24 hours before any network call', async () => {
      setup();
      await deliver(recentMessage(NOW, 25 * 60));
      sendRoute(server);
      const thrown = await rejection(crm.reply(`messenger:${AYSE_MID}`, 'Geç cevap'));
      expect(isSocialCrmError(thrown, 'REPLY_NOT_ALLOWED')).toBe(true);
      expect(thrown).toMatchObject({ reason: 'messaging-window-closed' });
      expect((thrown as Error).message).toMatch(/HUMAN_AGENT/);
      expect(server.calls).toHaveLength(0);
    });

    it('sends with the HUMAN_AGENT tag up to 7 days when the host asks for it', async () => {
      setup();
      await deliver(recentMessage(NOW, 3 * 24 * 60));
      sendRoute(server);
      await crm.reply(`messenger:${AYSE_MID}`, { text: 'Bir temsilci olarak yazıyorum.', channelOptions: { messenger: { tag: 'HUMAN_AGENT' } } });
      expect(server.calls[0]?.bodyJson).toEqual({ recipient: { id: AYSE }, messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT', message: { text: 'Bir temsilci olarak yazıyorum.', metadata: expect.stringMatching(/^reply_/) } });
    });

    it('refuses even a tagged answer after 7 days, and an unknown tag as invalid options', async () => {
      setup();
      await deliver(recentMessage(NOW, 8 * 24 * 60));
      sendRoute(server);
      const late = await rejection(crm.reply(`messenger:${AYSE_MID}`, { text: 'Çok geç', channelOptions: { messenger: { tag: 'HUMAN_AGENT' } } }));
      expect(late).toMatchObject({ code: 'REPLY_NOT_ALLOWED', reason: 'messaging-window-closed' });
      const invalid = await rejection(crm.reply(`messenger:${AYSE_MID}`, { text: 'Promo', channelOptions: { messenger: { tag: 'CONFIRMED_EVENT_UPDATE' } } }));
      expect(isSocialCrmError(invalid, 'INVALID_OPTIONS')).toBe(true);
      expect((invalid as Error).message).toMatch(/channelOptions\.messenger\.tag/);
      expect(server.calls).toHaveLength(0);
    });

    it('turns Graph refusing the window (10/2018278) into ReplyNotAllowedError', async () => {
      setup();
      await deliver(recentMessage(NOW));
      server.route('post', SEND_URL, () => HttpResponse.json(fixture('error-window-closed'), { status: 400 }));
      const thrown = await rejection(crm.reply(`messenger:${AYSE_MID}`, 'Merhaba'));
      expect(thrown).toMatchObject({ code: 'REPLY_NOT_ALLOWED', reason: 'messaging-window-closed', platformCode: 10, subcode: 2018278 });
    });
  });

  describe('rate limits', () => {
    it('turns a throttled send (80006) into a retryable RateLimitError with the regain time Meta names', async () => {
      setup();
      await deliver(recentMessage(NOW));
      server.route('post', SEND_URL, () =>
        HttpResponse.json(fixture('error-rate-limit'), {
          status: 429,
          headers: { 'x-business-use-case-usage': JSON.stringify({ [PAGE_ID]: [{ type: 'messenger', call_count: 100, total_cputime: 20, total_time: 30, estimated_time_to_regain_access: 30 }] }) },
        }),
      );
      const thrown = await rejection(crm.reply(`messenger:${AYSE_MID}`, 'Merhaba'));
      expect(isSocialCrmError(thrown, 'RATE_LIMITED')).toBe(true);
      expect(thrown).toMatchObject({ isRetryable: true, status: 429, platformCode: 80006 });
      expect((thrown as ChannelApiError).retryAfterMs).toBeGreaterThan(29 * 60_000);
      expect(server.calls).toHaveLength(1);
    });

    it('holds further sends once the usage headers say the quota is spent, without calling Meta', async () => {
      setup();
      await deliver(recentMessage(new Date(), 1));
      server.route('post', SEND_URL, () =>
        HttpResponse.json(fixture('send-response'), { headers: { 'x-app-usage': JSON.stringify({ call_count: 97, total_time: 40, total_cputime: 35 }) } }),
      );
      crm = createSocialCrm({ ledger, adapters: [messengerAdapter(options)], classifier: false, logger: { debug() {}, info() {}, warn() {}, error() {} }, http: { maxRateLimitWaitMs: 1_000 } });
      await crm.reply(`messenger:${AYSE_MID}`, 'Birinci');
      const thrown = await rejection(crm.reply(`messenger:${AYSE_MID}`, 'İkinci'));
      expect(isSocialCrmError(thrown, 'RATE_LIMITED')).toBe(true);
      expect(server.calls).toHaveLength(1);
    });
  });

  describe('bad input', () => {
    it('refuses a bad or missing signature with 401 and stores nothing', async () => {
      setup();
      const body = fixture('message-text-tr');
      expect((await deliver(body, sign(JSON.stringify(body), 'another-apps-secret'))).status).toBe(401);
      expect((await deliver(body, {})).status).toBe(401);
      expect(await rows()).toHaveLength(0);
      expect((await ledger.listDeadLetters()).items).toHaveLength(0);
    });

    it('acknowledges a signed body that is not JSON with 200, keeps it as a dead letter and warns', async () => {
      setup();
      const response = await deliver('{"object":"page","entry":[');
      expect(response.status).toBe(200);
      expect(await rows()).toHaveLength(0);
      const letters = (await ledger.listDeadLetters()).items;
      expect(letters).toHaveLength(1);
      expect(JSON.stringify(letters[0]?.payload)).toContain('{\\"object\\":\\"page\\",\\"entry\\":[');
      expect(warnings.map((warning) => warning.warning.type)).toContain('malformed');
    });

    it('dead-letters a messaging item without sender but stores the rest of the delivery', async () => {
      setup();
      const body = recentMessage(NOW) as { entry: Array<{ messaging: unknown[] }> };
      body.entry[0]!.messaging.push({ recipient: { id: PAGE_ID }, timestamp: 1772445600000, message: { mid: 'm_orphan', text: 'who am I' } });
      expect((await deliver(body)).status).toBe(200);
      expect(await rows()).toHaveLength(1);
      expect((await ledger.listDeadLetters()).items).toHaveLength(1);
    });

    it('leaves feed changes to the facebook adapter without a warning, and warns about another Page or event kind', async () => {
      setup();
      expect((await deliver(fixture('feed-comment'))).status).toBe(200);
      expect(await rows()).toHaveLength(0);
      expect(warnings).toEqual([]);
      const otherPage = JSON.parse(JSON.stringify(fixture('message-text-tr')).replaceAll(PAGE_ID, '555555555555555')) as unknown;
      await deliver(otherPage);
      expect(await rows()).toHaveLength(0);
      expect(warnings.at(-1)?.warning).toMatchObject({ type: 'ignored', details: { entryId: '555555555555555' } });
      await deliver(fixture('optin-and-referral'));
      // The marketing-messages opt-in is a consent now, not an ignored event.
      expect(warnings.slice(-2).map((warning) => [warning.warning.type, warning.warning.details])).not.toContainEqual(['ignored', { key: 'optin' }]);
      expect(warnings.at(-1)?.warning).toMatchObject({ type: 'unsupported', details: { keys: ['brand_new_event'] } });
      await deliver({ object: 'instagram', entry: [] });
      expect(warnings.at(-1)?.warning.message).toMatch(/instagram/);
    });

    it('answers a GET that is not the handshake with 400', async () => {
      setup();
      expect((await crm.handleWebhook(new Request(WEBHOOK_URL))).status).toBe(400);
    });
  });
});
