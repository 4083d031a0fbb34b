import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  privateConversationKey,
  channelIdentityResolver,
  createSocialCrm,
  isSocialCrmError,
  memoryLedger,
  type ChannelApiError,
  type Interaction,
  type InteractionLedger,
  type ReplyNotAllowedError,
  type SocialCrm,
  type SocialCrmEvents,
} from 'social-crm';
import { createChannelTestServer, describeChannelAdapter } from 'social-crm/testing';
import { whatsappAdapter, type WhatsappAdapterOptions } from 'social-crm/adapters/whatsapp';
import { rejection, failure } from '../../helpers/outcomes.js';

// Payloads are written from Meta's WhatsApp Cloud API webhook reference (field names verbatim,
// values invented): webhooks/reference/messages (text, media, location, contacts, interactive,
// button, reaction, order, system, referral, unsupported), .../messages/status, user_preferences,
// and the Graph error envelope of support/error-codes.
function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

const APP_SECRET = 'whatsapp-app-secret-9a8b7c';
const VERIFY_TOKEN = 'crm-verify-token-2026';
const PHONE_NUMBER_ID = '106540352242922';
const GRAPH_MESSAGES = `https://graph.facebook.com/v23.0/${PHONE_NUMBER_ID}/messages`;
const WEBHOOK_URL = 'https://crm.example.test/webhooks/whatsapp';
const TR_CUSTOMER = '905321234567';
const OUTBOUND_ID = 'wamid.HBgMOTA1MzIxMjM0NTY3FQIAERgSREY0QjE3QTBCNzQ1MzhGRjQA';

const options: WhatsappAdapterOptions = {
  appSecret: APP_SECRET,
  verifyToken: VERIFY_TOKEN,
  accessToken: 'EAAJ-system-user-token',
  phoneNumberId: PHONE_NUMBER_ID,
  businessAccountId: '102290129340398',
};

/** Signs a body as Meta does (independently of the SDK's helpers). */
function sign(body: string, secret = APP_SECRET): Record<string, string> {
  return { 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}` };
}

/** A customer message received a moment ago (the fixtures are older than the 24-hour window). */
function recentText(id: string, body: string, from = TR_CUSTOMER, secondsAgo = 60): Record<string, unknown> {
  const envelope = fixture('text-tr-reply') as { entry: Array<{ changes: Array<{ value: { messages: Array<Record<string, unknown>> } }> }> };
  const message = envelope.entry[0]!.changes[0]!.value.messages[0]!;
  Object.assign(message, { id, from, timestamp: String(Math.floor(Date.now() / 1000) - secondsAgo), text: { body } });
  delete message.context;
  return envelope;
}

function sendRoute(server: ReturnType<typeof createChannelTestServer>) {
  server.route('post', GRAPH_MESSAGES, () => fixture('send-response'));
}

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterAll(() => server.close());

const RECENT_ID = 'wamid.RECENT_CONFORMANCE';

describeChannelAdapter('WhatsApp Cloud API', {
  factory: whatsappAdapter,
  options,
  invalidOptions: [
    {},
    { ...options, appSecret: '' },
    { ...options, phoneNumberId: '+1 555 078 3881' },
    { ...options, businessAccountId: '102290129340398-TR' },
    { ...options, graphVersion: '23.0' },
    { ...options, id: 'WhatsApp TR' },
  ],
  server,
  webhook: {
    sign: (body) => sign(body),
    handshake: {
      request: () => new Request(`${WEBHOOK_URL}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${VERIFY_TOKEN}`),
      expectStatus: 200,
      expectBody: /^1158201444$/,
      invalid: () => new Request(`${WEBHOOK_URL}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guessed`),
    },
    fixtures: [
      {
        name: 'an English text',
        body: fixture('text-en'),
        interactions: 1,
        kinds: ['direct_message'],
        // `timestamp` is epoch seconds (1767226400); the author is the sender's wa_id, not their profile name.
        expect: [{ id: 'whatsapp:wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0VCMEQ5RjZBQzE2QTk4MzdFNUMA', createdAt: '2026-01-01T00:13:20.000Z', visibility: 'private', direction: 'inbound', brand: false, authorId: '447700900123' }],
      },
      { name: 'a Turkish reply with emoji', body: fixture('text-tr-reply'), interactions: 1, kinds: ['direct_message'] },
      { name: 'image, video, audio, document and sticker', body: fixture('media'), interactions: 5, kinds: ['direct_message'] },
      { name: 'a batch of two entries, several changes and messages', body: fixture('batch'), interactions: 6, kinds: ['direct_message', 'reaction'] },
      { name: 'button, list and flow replies', body: fixture('interactive'), interactions: 2, kinds: ['direct_message'] },
      { name: 'an order, a system message and an ad referral', body: fixture('order-system-referral'), interactions: 3, kinds: ['direct_message'] },
      { name: 'an unsupported message type', body: fixture('unsupported'), interactions: 1, kinds: ['direct_message'] },
    ],
    unknownEvent: fixture('template-status-update'),
    malformedStatus: 200,
  },
  reply: {
    target: { body: recentText(RECENT_ID, 'Kargom nerede?') },
    targetId: `whatsapp:${RECENT_ID}`,
    routes: sendRoute,
    expectRequest(call) {
      expect(call.url).toBe(GRAPH_MESSAGES);
      expect(call.headers.authorization).toBe('Bearer EAAJ-system-user-token');
      expect(call.bodyJson).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: TR_CUSTOMER,
        context: { message_id: RECENT_ID },
        type: 'text',
        text: { body: 'Thank you, we are on it.', preview_url: false },
        biz_opaque_callback_data: expect.any(String),
      });
    },
    rateLimited(mocked, seconds) {
      mocked.route('post', GRAPH_MESSAGES, ({ index }) =>
        index === 0 ? HttpResponse.json(fixture('error-130429'), { status: 429, headers: { 'retry-after': String(seconds) } }) : HttpResponse.json(fixture('send-response')),
      );
    },
    error: {
      routes: (mocked) => mocked.route('post', GRAPH_MESSAGES, () => HttpResponse.json(fixture('error-190'), { status: 401 })),
      platformCode: 190,
      status: 401,
    },
  },
  attachments: {
    target: { body: fixture('media') },
    targetId: 'whatsapp:wamid.MEDIA01',
    routes(mocked, bytes) {
      const answer = fixture('media-url');
      mocked.route('get', 'https://graph.facebook.com/v23.0/2754859441498128', () => ({ ...answer, sha256: createHash('sha256').update(bytes).digest('hex'), file_size: String(bytes.length) }));
      mocked.route('get', 'https://lookaside.fbsbx.com/whatsapp_business/attachments/', () => new Response(new Uint8Array(bytes), { headers: { 'content-type': 'image/jpeg' } }));
    },
  },
});

describe('whatsapp adapter through createSocialCrm', () => {
  let ledger: InteractionLedger;
  let crm: SocialCrm;
  let warnings: Array<SocialCrmEvents['warning']>;

  function setup(extra: Partial<WhatsappAdapterOptions> = {}, withClassifier = false) {
    ledger = memoryLedger();
    crm = createSocialCrm({
      ledger,
      adapters: [whatsappAdapter({ ...options, ...extra })],
      ...(withClassifier ? {} : { classifier: false as const }),
      identity: channelIdentityResolver(),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      http: { retries: 2, maxRateLimitWaitMs: 5_000, backoffBaseMs: 10 },
    });
    warnings = [];
    crm.on('warning', (warning) => warnings.push(warning));
  }

  async function deliver(body: unknown, headers?: Record<string, string>): Promise<Response> {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return crm.handleWebhook(new Request(WEBHOOK_URL, { method: 'POST', headers: { 'content-type': 'application/json', ...(headers ?? sign(text)) }, body: text }));
  }

  async function rows(): Promise<Interaction[]> {
    return (await ledger.queryInteractions({ channel: 'whatsapp', includeDeleted: true, limit: 100 })).items;
  }

  async function stored(nativeId: string): Promise<Interaction> {
    const row = await ledger.getInteraction(`whatsapp:${nativeId}`);
    expect(row, nativeId).not.toBeNull();
    return row!;
  }

  afterEach(() => server.reset());

  describe('end to end', () => {
    it('stores a signed Turkish message with customer and classification, then replies with the documented body', async () => {
      setup({}, true);
      expect((await deliver(recentText('wamid.E2E01', 'Siparişim hâlâ gelmedi 😡 iade istiyorum, çok kötü bir hizmet!'))).status).toBe(200);
      const inbound = await stored('wamid.E2E01');
      expect(inbound).toMatchObject({
        kind: 'direct_message',
        direction: 'inbound',
        visibility: 'private',
        recipientId: PHONE_NUMBER_ID,
        conversationId: `whatsapp:${privateConversationKey(PHONE_NUMBER_ID, TR_CUSTOMER)}`,
        author: { channel: 'whatsapp', nativeId: TR_CUSTOMER, phone: `+${TR_CUSTOMER}`, displayName: 'Ayşe Yılmaz' },
        channelMetadata: { whatsapp: { type: 'text', phoneNumberId: PHONE_NUMBER_ID, displayPhoneNumber: '15550783881', businessAccountId: '102290129340398' } },
      });
      expect(inbound.customerId).toBeTruthy();
      expect(inbound.classification?.language).toBe('tr');
      expect(inbound.classification?.sentiment.label).toBe('negative');

      sendRoute(server);
      const sent = await crm.reply(inbound.id, { text: 'Çok üzgünüz Ayşe Hanım, hemen kontrol ediyoruz: https://acme.example/takip', channelOptions: { whatsapp: { previewUrl: true } } });
      expect(server.calls).toHaveLength(1);
      expect(server.calls[0]!.bodyJson).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: TR_CUSTOMER,
        context: { message_id: 'wamid.E2E01' },
        type: 'text',
        text: { body: 'Çok üzgünüz Ayşe Hanım, hemen kontrol ediyoruz: https://acme.example/takip', preview_url: true },
        biz_opaque_callback_data: expect.stringMatching(/^reply_/),
      });
      expect(sent).toMatchObject({
        id: `whatsapp:${OUTBOUND_ID}`,
        direction: 'outbound',
        kind: 'direct_message',
        conversationId: inbound.conversationId,
        parentId: 'wamid.E2E01',
        customerId: inbound.customerId,
        deliveryStatus: 'sent',
        author: { nativeId: PHONE_NUMBER_ID, isBrand: true },
        channelMetadata: { whatsapp: { type: 'text', waId: TR_CUSTOMER } },
      });
    });

    it('moves the outbound message through delivered and read, never back, and records a failure with its code', async () => {
      setup();
      await deliver(recentText('wamid.E2E02', 'Merhaba'));
      sendRoute(server);
      await crm.reply('whatsapp:wamid.E2E02', 'Merhaba, nasıl yardımcı olabiliriz?');
      const updates: string[] = [];
      crm.on('interaction-updated', ({ interaction }) => updates.push(interaction.deliveryStatus ?? ''));
      await deliver(fixture('status-sent'));
      await deliver(fixture('status-read'));
      await deliver(fixture('status-delivered'));
      const read = await stored(OUTBOUND_ID);
      expect(read.deliveryStatus).toBe('read');
      // The sent status is not news (the reply was stored as sent), but its conversation and pricing are.
      expect(updates).toEqual(['sent', 'read']);
      expect(read.channelMetadata.whatsapp).toMatchObject({
        conversation: { id: '3f1c0e7a9b2d4c6e8f0a1b2c3d4e5f60', expiresAt: '2026-01-02T00:14:20.000Z', origin: 'service' },
        pricing: { billable: true, model: 'PMP', category: 'service', type: 'regular' },
      });
      // A redelivered status with the same facts changes nothing.
      await deliver(fixture('status-sent'));
      expect(updates).toEqual(['sent', 'read']);

      setup();
      await deliver(recentText('wamid.E2E03', 'Merhaba'));
      sendRoute(server);
      await crm.reply('whatsapp:wamid.E2E03', 'Yardımcı olalım');
      await deliver(fixture('status-failed-undeliverable'));
      const failed = await stored(OUTBOUND_ID);
      expect(failed.deliveryStatus).toBe('failed');
      expect(failed.channelMetadata.whatsapp?.deliveryError).toEqual({ code: 131026, message: 'Message undeliverable: Message Undeliverable.' });
    });

    it('turns a 131050 failure and a user_preferences stop into marketing opt-outs: service replies still go out, an opt-out of everything stops them', async () => {
      setup();
      await deliver(recentText('wamid.E2E04', 'Kampanya var mı?'));
      sendRoute(server);
      await crm.reply('whatsapp:wamid.E2E04', 'Evet!');
      const consents: Array<SocialCrmEvents['consent-changed']> = [];
      crm.on('consent-changed', (event) => consents.push(event));
      await deliver(fixture('status-failed-opt-out'));
      expect(consents.map(({ consent }) => [consent.identityKey, consent.status, consent.purpose, consent.source])).toEqual([
        [`whatsapp:${TR_CUSTOMER}`, 'opted-out', 'marketing', 'whatsapp:marketing_messages:131050'],
      ]);
      await crm.reply('whatsapp:wamid.E2E04', 'Siparişiniz yolda.');
      expect(server.calls).toHaveLength(2);

      await crm.setConsent(`whatsapp:${TR_CUSTOMER}`, 'opted-out', 'agent:7');
      const refused = await rejection(crm.reply('whatsapp:wamid.E2E04', 'Bir şey daha'));
      expect((refused as ReplyNotAllowedError).reason).toBe('opted-out');
      expect(server.calls).toHaveLength(2);
      // A later marketing choice does not lift the opt-out of everything.
      await deliver(fixture('status-failed-opt-out'));
      expect(await ledger.getConsent(`whatsapp:${TR_CUSTOMER}`)).toMatchObject({ status: 'opted-out', purpose: 'all', source: 'agent:7' });

      await deliver(fixture('user-preferences'));
      expect(consents.at(-1)?.consent).toMatchObject({ identityKey: 'whatsapp:447700900123', status: 'opted-out', purpose: 'marketing', source: 'whatsapp:marketing_messages:user_preferences', updatedAt: '2026-01-01T15:06:40.000Z' });
    });
  });

  describe('webhooks', () => {
    it('turns a stop and then a resume of marketing messages into opted-out and opted-in consent', async () => {
      setup();
      await deliver(fixture('user-preferences'));
      expect(await ledger.getConsent('whatsapp:447700900123')).toMatchObject({ status: 'opted-out' });
      await deliver(fixture('system-preference-resume'));
      expect(await ledger.getConsent('whatsapp:447700900123')).toMatchObject({ status: 'opted-in', source: 'whatsapp:marketing_messages:system', updatedAt: '2026-01-01T17:53:20.000Z' });
      expect((await stored('wamid.SYSPREF01')).text).toBe('User requested to resume marketing messages');
    });

    it('accepts notifications up to 3 MB and refuses larger ones with 413', async () => {
      setup();
      const envelope = fixture('text-en') as { entry: Array<Record<string, unknown>> };
      envelope.entry[0]!.padding = 'x'.repeat(2 * 1024 * 1024);
      expect((await deliver(envelope)).status).toBe(200);
      expect(await rows()).toHaveLength(1);
      envelope.entry[0]!.padding = 'x'.repeat(3 * 1024 * 1024);
      expect((await deliver(envelope)).status).toBe(413);
    });

    it('answers the verification handshake as text/plain and refuses a wrong token with 403', async () => {
      setup();
      const ok = await crm.handleWebhook(new Request(`${WEBHOOK_URL}?hub.mode=subscribe&hub.challenge=987654321&hub.verify_token=${VERIFY_TOKEN}`));
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await ok.text()).toBe('987654321');
      const refused = await crm.handleWebhook(new Request(`${WEBHOOK_URL}?hub.mode=subscribe&hub.challenge=987654321&hub.verify_token=nope`));
      expect(refused.status).toBe(403);
      const bare = await crm.handleWebhook(new Request(WEBHOOK_URL));
      expect(bare.status).toBe(400);
    });

    it('refuses a bad or missing signature with 401 and stores nothing', async () => {
      setup();
      const body = JSON.stringify(fixture('text-en'));
      expect((await deliver(body, sign(body, 'wrong-secret'))).status).toBe(401);
      expect((await deliver(body, {})).status).toBe(401);
      expect((await deliver(body.replace('delivery', 'billing'), sign(body))).status).toBe(401);
      expect(await rows()).toHaveLength(0);
      expect((await ledger.listDeadLetters()).items).toHaveLength(0);
    });

    it('acknowledges a malformed body with 200, keeps it as a dead letter and warns', async () => {
      setup();
      const response = await deliver('{"object":"whatsapp_business_account","entry":[');
      expect(response.status).toBe(200);
      expect(await rows()).toHaveLength(0);
      const letters = (await ledger.listDeadLetters()).items;
      expect(letters).toHaveLength(1);
      expect(JSON.stringify(letters[0]!.payload)).toContain('{\\"object\\":\\"whatsapp_business_account\\",\\"entry\\":[');
      expect(warnings.some(({ warning }) => warning.type === 'malformed')).toBe(true);
    });

    it('keeps the readable messages of a batch and dead-letters the unreadable one', async () => {
      setup();
      const body = fixture('text-en') as { entry: Array<{ changes: Array<{ value: { messages: unknown[] } }> }> };
      body.entry[0]!.changes[0]!.value.messages.push({ id: 'wamid.NOFROM', timestamp: '1767226401', type: 'text', text: { body: 'no sender' } });
      expect((await deliver(body)).status).toBe(200);
      expect((await rows()).map((row) => row.nativeId)).toEqual(['wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0VCMEQ5RjZBQzE2QTk4MzdFNUMA']);
      expect((await ledger.listDeadLetters()).items).toHaveLength(1);
    });

    it('reads every message type of the batch into text, attachments, threads and metadata', async () => {
      setup();
      expect((await deliver(fixture('batch'))).status).toBe(200);
      const location = await stored('wamid.BATCH01');
      expect(location.text).toBe('📍 Meta Headquarters, 1 Hacker Way, Menlo Park, CA 94025 (37.483307, -122.148981)');
      expect(location.attachments).toEqual([{ type: 'location', url: 'https://www.facebook.com', data: { latitude: 37.483307, longitude: -122.148981, name: 'Meta Headquarters', address: '1 Hacker Way, Menlo Park, CA 94025' } }]);
      expect(location.author).toEqual({ channel: 'whatsapp', nativeId: '447700900123', phone: '+447700900123', displayName: 'Priya Natarajan' });
      expect(location.createdAt).toBe('2026-01-01T04:00:00.000Z');

      const contacts = await stored('wamid.BATCH02');
      expect(contacts.text).toBe('Mehmet Demir +90 555 987 65 43');
      expect(contacts.attachments[0]).toMatchObject({ type: 'contact', name: 'Mehmet Demir', data: { phones: [{ wa_id: '905559876543' }] } });

      const noProfile = await stored('wamid.BATCH03');
      expect(noProfile.author).toEqual({ channel: 'whatsapp', nativeId: '905559876543', phone: '+905559876543' });
      expect(noProfile.text).toBe('Merhaba 👋 fiyat listesi alabilir miyim?');
      expect((noProfile.raw as Record<string, unknown>).some_future_field).toEqual({ kept: true });

      const list = await stored('wamid.BATCH04');
      expect(list).toMatchObject({ text: 'Priority Mail Express', parentId: 'wamid.OUTBOUND_LIST' });
      expect(list.channelMetadata.whatsapp?.interactive).toEqual({ type: 'list_reply', list_reply: { id: 'priority_express', title: 'Priority Mail Express', description: 'Next Day to 2 Days' } });

      const reaction = await stored('wamid.BATCH05');
      expect(reaction).toMatchObject({ kind: 'reaction', reaction: '👍', text: '', parentId: 'wamid.HBgMOTA1MzIxMjM0NTY3FQIAERgSQkM5RTFBMkQ0RjdBMzY1RkYA', conversationId: `whatsapp:${privateConversationKey(PHONE_NUMBER_ID, TR_CUSTOMER)}` });

      const button = await stored('wamid.BATCH06');
      expect(button).toMatchObject({ text: 'İade talebi', parentId: 'wamid.OUTBOUND_TEMPLATE' });
      expect(button.channelMetadata.whatsapp?.button).toEqual({ payload: 'IADE_TALEBI', text: 'İade talebi' });

      expect(warnings.map(({ warning }) => warning.details?.field)).toContain('account_update');
      const customers = new Set((await rows()).map((row) => row.customerId));
      expect(customers.size).toBe(3);
    });

    it('keeps media ids, hashes and captions as attachments', async () => {
      setup();
      await deliver(fixture('media'));
      const image = await stored('wamid.MEDIA01');
      expect(image.text).toBe('Kutu ezik geldi 📦');
      expect(image.attachments).toEqual([
        { type: 'image', mimeType: 'image/jpeg', caption: 'Kutu ezik geldi 📦', data: { mediaId: '2754859441498128', sha256: '81d3bd8a8db4868c9520ed47186e8b7c5789e61ff79f7f834be6950b808a90d3' } },
      ]);
      expect((await stored('wamid.MEDIA02')).text).toBe('');
      expect((await stored('wamid.MEDIA03')).attachments[0]).toMatchObject({ type: 'audio', mimeType: 'audio/ogg; codecs=opus', data: { voice: true } });
      expect((await stored('wamid.MEDIA04')).attachments[0]).toMatchObject({ type: 'file', name: 'fatura-4411.pdf', caption: 'Fatura' });
      expect((await stored('wamid.MEDIA05')).attachments[0]).toMatchObject({ type: 'sticker', mimeType: 'image/webp', data: { animated: false } });
    });

    it('reads button and flow replies, orders, system messages and ad referrals', async () => {
      setup();
      await deliver(fixture('interactive'));
      expect(await stored('wamid.INTER01')).toMatchObject({ text: 'Cancel order', parentId: 'wamid.OUTBOUND_BUTTONS' });
      const flow = await stored('wamid.INTER02');
      expect(flow.text).toBe('Sent');
      expect(flow.channelMetadata.whatsapp?.interactive).toMatchObject({ type: 'nfm_reply', nfm_reply: { response_json: '{"flow_token":"fl_0042","rating":"5"}' } });

      await deliver(fixture('order-system-referral'));
      const order = await stored('wamid.ORDER01');
      expect(order.text).toBe('Bunları sipariş etmek istiyorum');
      expect(order.channelMetadata.whatsapp?.order).toMatchObject({ catalog_id: '1537019343857366', product_items: [{ product_retailer_id: 'sku-kulaklik-01', quantity: 2, item_price: 749.9, currency: 'TRY' }, expect.anything()] });
      const system = await stored('wamid.SYSTEM01');
      expect(system.text).toBe('User A changed from 905321234567 to 905321234568');
      expect(system.channelMetadata.whatsapp?.system).toMatchObject({ type: 'user_changed_number', wa_id: '905321234568' });
      const referral = await stored('wamid.REFERRAL01');
      expect(referral.channelMetadata.whatsapp?.referral).toMatchObject({ source_type: 'ad', source_id: '120212345678900123', ctwa_clid: expect.stringMatching(/^ARAk/) });
      expect(referral.author.displayName).toBe('Mehmet Demir');
    });

    it('marks a forwarded message and a removed reaction', async () => {
      setup();
      const forwarded = recentText('wamid.FWD01', 'Bunu gördünüz mü?');
      ((forwarded as { entry: Array<{ changes: Array<{ value: { messages: Array<Record<string, unknown>> } }> }> }).entry[0]!.changes[0]!.value.messages[0]!).context = { forwarded: true };
      await deliver(forwarded);
      const row = await stored('wamid.FWD01');
      expect(row.parentId).toBeUndefined();
      expect(row.channelMetadata.whatsapp?.forwarded).toBe(true);
      await deliver(fixture('reaction-removed'));
      const removed = await stored('wamid.REACT02');
      expect(removed.kind).toBe('reaction');
      expect(removed.reaction).toBeUndefined();
      expect(removed.channelMetadata.whatsapp?.reactionRemoved).toBe(true);
    });

    it('stores an unsupported message without content and warns with its error code', async () => {
      setup();
      expect((await deliver(fixture('unsupported'))).status).toBe(200);
      const row = await stored('wamid.UNSUP01');
      expect(row.text).toBe('');
      expect(warnings.map(({ warning }) => warning)).toContainEqual(expect.objectContaining({ type: 'unsupported', details: { id: 'wamid.UNSUP01', type: 'unsupported', code: 131051 } }));
    });

    it('acknowledges notifications for another phone number, account or object with warnings', async () => {
      setup();
      expect((await deliver(fixture('other-phone-number'))).status).toBe(200);
      const otherAccount = { ...fixture('text-en'), entry: [{ ...(fixture('text-en').entry as object[])[0], id: '999999999999999' }] };
      expect((await deliver(otherAccount)).status).toBe(200);
      expect((await deliver({ object: 'page', entry: [{ id: '1', time: 1767226400, changes: [] }] })).status).toBe(200);
      expect(await rows()).toHaveLength(0);
      expect(warnings.filter(({ warning }) => warning.type === 'ignored')).toHaveLength(3);
    });

    it('ignores a status for a message it never sent with a warning', async () => {
      setup();
      expect((await deliver(fixture('status-read'))).status).toBe(200);
      expect(warnings.some(({ warning }) => /unknown message/.test(warning.message))).toBe(true);
    });
  });

  describe('replies', () => {
    it('refuses free text outside the 24-hour window before any network call', async () => {
      setup();
      await deliver(fixture('text-tr-reply'));
      const error = await rejection(crm.reply('whatsapp:wamid.HBgMOTA1MzIxMjM0NTY3FQIAEhgUM0VCMDRBNzYxQjY2RTQ3NjhGMEEA', 'Merhaba'));
      expect(isSocialCrmError(error, 'REPLY_NOT_ALLOWED')).toBe(true);
      expect((error as ReplyNotAllowedError).reason).toBe('messaging-window-closed');
      expect((error as Error).message).toMatch(/template/);
      expect(server.calls).toHaveLength(0);
    });

    it('sends a template outside the window, without context', async () => {
      setup();
      await deliver(fixture('text-tr-reply'));
      sendRoute(server);
      const template = { name: 'siparis_durumu', language: { code: 'tr' }, components: [{ type: 'body', parameters: [{ type: 'text', text: '4411' }] }] };
      const sent = await crm.reply('whatsapp:wamid.HBgMOTA1MzIxMjM0NTY3FQIAEhgUM0VCMDRBNzYxQjY2RTQ3NjhGMEEA', { text: '', channelOptions: { whatsapp: { template } } });
      expect(server.calls[0]!.bodyJson).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: TR_CUSTOMER, type: 'template', template, biz_opaque_callback_data: expect.stringMatching(/^reply_/) });
      expect(sent.channelMetadata.whatsapp?.template).toBe('siparis_durumu');
    });

    it('settles a send left in doubt by the status that carries its key as biz_opaque_callback_data: the same key never posts again', async () => {
      setup();
      await deliver(recentText('wamid.DOUBT01', 'Siparişim nerede?'));
      server.route('post', GRAPH_MESSAGES, () => HttpResponse.error());
      await expect(crm.reply('whatsapp:wamid.DOUBT01', { text: 'Kontrol ediyoruz', idempotencyKey: 'ticket-9:reply' })).rejects.toBeTruthy();
      expect((await ledger.getSend!('ticket-9:reply'))?.state).toBe('unknown');
      expect((server.calls.at(-1)!.bodyJson as { biz_opaque_callback_data: string }).biz_opaque_callback_data).toBe('ticket-9:reply');
      const posts = server.calls.length;

      const status = fixture('status-delivered') as { entry: Array<{ changes: Array<{ value: { statuses: Array<Record<string, unknown>> } }> }> };
      Object.assign(status.entry[0]!.changes[0]!.value.statuses[0]!, { biz_opaque_callback_data: 'ticket-9:reply', timestamp: String(Math.floor(Date.now() / 1000)) });
      expect((await deliver(status)).status).toBe(200);
      expect(await ledger.getSend!('ticket-9:reply')).toMatchObject({ state: 'sent', interactionId: `whatsapp:${OUTBOUND_ID}` });
      // The status itself applies to the message it settled.
      expect(await stored(OUTBOUND_ID)).toMatchObject({ direction: 'outbound', parentId: 'wamid.DOUBT01', deliveryStatus: 'delivered', text: 'Kontrol ediyoruz' });
      expect(await crm.reply('whatsapp:wamid.DOUBT01', { text: 'Kontrol ediyoruz', idempotencyKey: 'ticket-9:reply' })).toMatchObject({ id: `whatsapp:${OUTBOUND_ID}` });
      expect(server.calls).toHaveLength(posts);
    });

    it('rejects a malformed template option with InvalidOptionsError', async () => {
      setup();
      await deliver(fixture('text-tr-reply'));
      const error = await rejection(crm.reply('whatsapp:wamid.HBgMOTA1MzIxMjM0NTY3FQIAEhgUM0VCMDRBNzYxQjY2RTQ3NjhGMEEA', { text: '', channelOptions: { whatsapp: { template: { name: 'x' } } } }));
      expect(isSocialCrmError(error, 'INVALID_OPTIONS')).toBe(true);
      expect((error as Error).message).toMatch(/channelOptions\.whatsapp\.template\.language/);
    });

    it('sends one image by link with the text as caption, marks the message read first, and warns about the rest', async () => {
      setup({ markAsReadOnReply: true });
      await deliver(recentText('wamid.MEDIAREPLY', 'Faturayı gönderir misiniz?'));
      server.route('post', GRAPH_MESSAGES, ({ call }) => ((call.bodyJson as { status?: string }).status === 'read' ? { success: true } : fixture('send-response')));
      await crm.reply('whatsapp:wamid.MEDIAREPLY', {
        text: 'Faturanız ektedir',
        attachments: [
          { type: 'file', url: 'https://cdn.acme.example/fatura-4411.pdf', name: 'fatura-4411.pdf' },
          { type: 'image', url: 'https://cdn.acme.example/logo.png' },
        ],
      });
      expect(server.calls.map((call) => call.bodyJson)).toEqual([
        { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.MEDIAREPLY' },
        {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: TR_CUSTOMER,
          context: { message_id: 'wamid.MEDIAREPLY' },
          type: 'document',
          document: { link: 'https://cdn.acme.example/fatura-4411.pdf', caption: 'Faturanız ektedir', filename: 'fatura-4411.pdf' },
          biz_opaque_callback_data: expect.stringMatching(/^reply_/),
        },
      ]);
      expect(warnings.map(({ warning }) => warning)).toContainEqual(expect.objectContaining({ type: 'unsupported', details: { dropped: ['image'] } }));
    });

    it('turns a 131047 refusal into messaging-window-closed and a 190 into a non-retryable error with the Graph fields', async () => {
      setup();
      await deliver(recentText('wamid.ERR01', 'Merhaba'));
      server.route('post', GRAPH_MESSAGES, () => HttpResponse.json(fixture('error-131047'), { status: 400 }));
      const window = await rejection(crm.reply('whatsapp:wamid.ERR01', 'Merhaba'));
      expect(window).toMatchObject({ reason: 'messaging-window-closed', platformCode: 131047, fbtraceId: 'AbCdEfGh123456', status: 400 });
      server.reset();
      server.route('post', GRAPH_MESSAGES, () => HttpResponse.json(fixture('error-190'), { status: 401 }));
      const auth = (await rejection(crm.reply('whatsapp:wamid.ERR01', 'Merhaba'))) as ChannelApiError;
      expect(auth).toMatchObject({ code: 'CHANNEL_API_ERROR', isRetryable: false, platformCode: 190, subcode: 463, status: 401 });
    });

    it('does not retry a send whose answer cannot be read, and says so', async () => {
      setup();
      await deliver(recentText('wamid.ERR03', 'Merhaba'));
      server.route('post', GRAPH_MESSAGES, () => ({ messaging_product: 'whatsapp', contacts: [{ input: TR_CUSTOMER, wa_id: TR_CUSTOMER }], messages: [] }));
      const error = (await rejection(crm.reply('whatsapp:wamid.ERR03', 'Merhaba'))) as ChannelApiError;
      expect(error).toMatchObject({ code: 'CHANNEL_API_ERROR', isRetryable: false, url: GRAPH_MESSAGES });
      expect(error.message).toMatch(/check the conversation/);
      expect(server.calls).toHaveLength(1);
      expect(await rows()).toHaveLength(1);
    });

    it('reports throughput errors (130429 without 429) as retryable RateLimitError', async () => {
      setup();
      await deliver(recentText('wamid.ERR02', 'Merhaba'));
      server.route('post', GRAPH_MESSAGES, () => HttpResponse.json(fixture('error-130429'), { status: 400 }));
      const error = (await rejection(crm.reply('whatsapp:wamid.ERR02', 'Merhaba'))) as ChannelApiError;
      expect(isSocialCrmError(error, 'RATE_LIMITED')).toBe(true);
      expect(error.isRetryable).toBe(true);
      expect(error.message).toMatch(/throughput/);
    });
  });

  describe('media downloads', () => {
    const MEDIA_ID = '2754859441498128';
    const GRAPH_MEDIA = `https://graph.facebook.com/v23.0/${MEDIA_ID}`;
    const DOWNLOAD = 'https://lookaside.fbsbx.com/whatsapp_business/attachments/';
    const photo = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]);
    const photoSha = createHash('sha256').update(photo).digest('hex');

    function mediaRoutes(answer: Record<string, unknown> = {}) {
      server.route('get', GRAPH_MEDIA, () => ({ ...fixture('media-url'), sha256: photoSha, ...answer }));
      server.route('get', DOWNLOAD, () => new Response(photo, { headers: { 'content-type': 'image/jpeg' } }));
    }

    it('looks the media id up, downloads the file with the token and checks its SHA-256', async () => {
      setup();
      await deliver(fixture('media'));
      mediaRoutes();
      const content = await crm.fetchAttachment('whatsapp:wamid.MEDIA01');
      expect([...content.body]).toEqual([...photo]);
      expect(content).toMatchObject({ size: 8, mimeType: 'image/jpeg', sha256: photoSha });
      const [lookup, download] = server.calls;
      expect(lookup).toMatchObject({ method: 'GET', headers: { authorization: 'Bearer EAAJ-system-user-token' } });
      expect(new URL(lookup!.url).searchParams.get('phone_number_id')).toBe(PHONE_NUMBER_ID);
      expect(new URL(lookup!.url).pathname).toBe(`/v23.0/${MEDIA_ID}`);
      expect(download).toMatchObject({ method: 'GET', headers: { authorization: 'Bearer EAAJ-system-user-token' } });
      expect(download!.url).toBe(fixture('media-url').url);
    });

    it('refuses a file larger than maxBytes before downloading it', async () => {
      setup();
      await deliver(fixture('media'));
      mediaRoutes({ file_size: '16777216' });
      const error = (await rejection(crm.fetchAttachment('whatsapp:wamid.MEDIA01', 0, { maxBytes: 1024 }))) as ChannelApiError;
      expect(error).toMatchObject({ code: 'CHANNEL_API_ERROR', isRetryable: false });
      expect(error.message).toContain('16777216 bytes');
      expect(server.calls.map((call) => new URL(call.url).host)).toEqual(['graph.facebook.com']);
    });

    it('reports a download whose SHA-256 differs from the announced one as retryable', async () => {
      setup();
      await deliver(fixture('media'));
      mediaRoutes({ sha256: 'f'.repeat(64) });
      const error = (await rejection(crm.fetchAttachment('whatsapp:wamid.MEDIA01'))) as ChannelApiError;
      expect(error).toMatchObject({ code: 'CHANNEL_API_ERROR', isRetryable: true });
      expect(error.message).toContain(photoSha);
    });

    it('turns an unknown or expired media id into a typed error with the Graph code', async () => {
      setup();
      await deliver(fixture('media'));
      server.route('get', GRAPH_MEDIA, () => HttpResponse.json(fixture('error-100-media'), { status: 400 }));
      const error = await rejection(crm.fetchAttachment('whatsapp:wamid.MEDIA01'));
      expect(error).toMatchObject({ code: 'CHANNEL_API_ERROR', status: 400, platformCode: 100, subcode: 33, isRetryable: false });
    });

    it('has nothing to download for a location', async () => {
      setup();
      await deliver(fixture('batch'));
      await expect(crm.fetchAttachment('whatsapp:wamid.BATCH01')).rejects.toMatchObject({ code: 'UNSUPPORTED_CAPABILITY', capability: 'fetchAttachment' });
      expect(server.calls).toEqual([]);
    });
  });

  describe('options', () => {
    it('names the option and the fix when the phone number is passed instead of its id', () => {
      const error = failure(() => whatsappAdapter({ ...options, phoneNumberId: '+15550783881' }));
      expect(isSocialCrmError(error, 'INVALID_OPTIONS')).toBe(true);
      expect((error as Error).message).toMatch(/phoneNumberId.*numeric phone number id/);
    });

    it('declares a webhook, private replies, reactions and receipts, outreach, and no polling', () => {
      const adapter = whatsappAdapter(options);
      expect(adapter.id).toBe('whatsapp');
      expect(adapter.displayName).toBe('WhatsApp Cloud API');
      expect(adapter.capabilities).toEqual({ webhook: true, poll: false, reply: false, directMessage: true, edits: false, deletes: false, reactions: true, threads: false, deliveryReceipts: true, outreach: true });
      expect(whatsappAdapter({ ...options, id: 'whatsapp-tr' }).id).toBe('whatsapp-tr');
    });

    it('accepts every account when businessAccountId is left out, but still only its own number', async () => {
      const { businessAccountId: _omitted, ...withoutAccount } = options;
      ledger = memoryLedger();
      crm = createSocialCrm({ ledger, adapters: [whatsappAdapter(withoutAccount)], classifier: false, identity: channelIdentityResolver(), logger: { debug() {}, info() {}, warn() {}, error() {} } });
      const otherAccount = { ...fixture('text-en'), entry: [{ ...(fixture('text-en').entry as object[])[0], id: '999999999999999' }] };
      expect((await deliver(otherAccount)).status).toBe(200);
      expect((await deliver(fixture('other-phone-number'))).status).toBe(200);
      expect((await rows()).map((row) => row.nativeId)).toEqual(['wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgUM0VCMEQ5RjZBQzE2QTk4MzdFNUMA']);
    });
  });
});
