import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, isSocialCrmError, memoryLedger, type ChannelApiError, type InteractionLedger, type SocialCrm, type SocialCrmEvents } from 'social-crm';
import { createChannelTestServer, describeChannelAdapter, type ChannelTestServer } from 'social-crm/testing';
import { emailAdapter, stripQuotedText, type EmailAdapterOptions } from 'social-crm/adapters/email';
import { failure, rejection } from '../../helpers/outcomes.js';

// Field names follow Mailgun's "Receiving messages via HTTP through a forward() action" and
// "Securing webhooks" pages (documentation.mailgun.com); values are invented.
function fixture(name: string): Record<string, string> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<string, string>;
}

const SIGNING_KEY = 'key-test-webhook-signing-0123456789abcdef';
const API_KEY = 'test-mailgun-api-key';
const DOMAIN = 'mg.acme.example';
const SEND_URL = `https://api.mailgun.net/v3/${DOMAIN}/messages`;
const WEBHOOK_URL = 'https://crm.example.test/webhooks/email';
const STORAGE_URL = 'https://storage-us-east4.api.mailgun.net/v3/domains/mg.acme.example/messages/BAABAQ.Kemal/attachments/0';

const options: EmailAdapterOptions = { signingKey: SIGNING_KEY, apiKey: API_KEY, domain: DOMAIN, from: 'Acme Destek <destek@mg.acme.example>' };

/** Signs Mailgun's way (independently of the kit): hex HMAC-SHA256 of timestamp + token. */
function signed(fields: Record<string, string>, extra: { timestamp?: number; token?: string; key?: string } = {}): Record<string, string> {
  const timestamp = String(extra.timestamp ?? Math.floor(Date.now() / 1000));
  const token = extra.token ?? randomBytes(25).toString('hex');
  const signature = createHmac('sha256', extra.key ?? SIGNING_KEY).update(`${timestamp}${token}`).digest('hex');
  return { ...fields, timestamp, token, signature };
}

function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

const turkishReply = formBody(signed(fixture('mailgun-forward-turkish-reply')));
const englishNew = formBody(signed(fixture('mailgun-forward-english-new')));
const storedWithFile = formBody(signed(fixture('mailgun-store-notify-attachment')));

function sendRoute(server: ChannelTestServer) {
  server.route('post', SEND_URL, () => HttpResponse.json(fixture('mailgun-send-response')));
}

/** The reply Mailgun received, as form fields. */
function sentFields(bodyText: string): URLSearchParams {
  return new URLSearchParams(bodyText);
}

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterAll(() => server.close());

describeChannelAdapter('email (Mailgun)', {
  factory: emailAdapter,
  options,
  invalidOptions: [{}, { signingKey: '' }, { ...options, from: 'not an address' }, { signingKey: SIGNING_KEY, apiKey: API_KEY }, { ...options, id: 'E-mail' }, { ...options, domain: 'https://mg.acme.example' }],
  server,
  // Mailgun signs fields inside the form (timestamp, token, signature), not a header, and not
  // the message: the kit's header-based signature group cannot apply. The same checks (missing,
  // wrong key, stale, reused token with another body) are in "email adapter through createSocialCrm".
  skip: ['signatures'],
  webhook: {
    contentType: 'application/x-www-form-urlencoded',
    sign: () => ({}),
    fixtures: [
      {
        name: 'a Turkish reply with a quoted history and a signature',
        body: turkishReply,
        interactions: 1,
        kinds: ['email'],
        // `Date: Tue, 17 Feb 2026 10:11:58 +0300` is 07:11:58 in UTC.
        expect: [{ id: 'email:CAK7Tr0x9Ayse4411@mail.musteri.example', createdAt: '2026-02-17T07:11:58.000Z', visibility: 'private', direction: 'inbound', brand: false, authorId: 'ayse.yilmaz@musteri.example' }],
      },
      { name: 'an English message with an Outlook header block', body: englishNew, interactions: 1, kinds: ['email'] },
      { name: 'a stored message with a file at Mailgun', body: storedWithFile, interactions: 1, kinds: ['email'] },
    ],
    // A body that is not a Mailgun form carries no signature fields: refused as unauthenticated.
    malformedStatus: 401,
  },
  reply: {
    target: { body: turkishReply },
    targetId: 'email:CAK7Tr0x9Ayse4411@mail.musteri.example',
    routes: sendRoute,
    expectRequest(call) {
      expect(call.url).toBe(SEND_URL);
      expect(call.headers.authorization).toBe(`Basic ${Buffer.from(`api:${API_KEY}`).toString('base64')}`);
      const fields = sentFields(call.bodyText);
      expect(fields.get('to')).toBe('Ayşe Yılmaz <ayse.yilmaz@musteri.example>');
      expect(fields.get('h:In-Reply-To')).toBe('<CAK7Tr0x9Ayse4411@mail.musteri.example>');
      expect(fields.get('text')).toBe('Thank you, we are on it.');
    },
    // Mailgun's error body is `{ message }` with no code: the status says it all.
    error: {
      routes: (mocked) => mocked.route('post', SEND_URL, () => HttpResponse.json({ message: "'to' parameter is not a valid address. please check documentation" }, { status: 400 })),
      status: 400,
    },
    rateLimited(mocked, seconds) {
      mocked.route('post', SEND_URL, ({ index }) =>
        index === 0 ? HttpResponse.json({ message: 'Too many requests' }, { status: 429, headers: { 'retry-after': String(seconds) } }) : HttpResponse.json(fixture('mailgun-send-response')),
      );
    },
  },
  attachments: {
    target: { body: storedWithFile },
    targetId: 'email:5F2A9C.kemal@firma.example',
    routes(mocked, bytes) {
      mocked.route('get', STORAGE_URL, ({ request }) => {
        expect(request.headers.get('authorization')).toBe(`Basic ${Buffer.from(`api:${API_KEY}`).toString('base64')}`);
        return new HttpResponse(bytes, { headers: { 'content-type': 'application/pdf', 'content-length': String(bytes.length) } });
      });
    },
  },
});

describe('email adapter through createSocialCrm', () => {
  let ledger: InteractionLedger;
  let crm: SocialCrm;
  let warnings: Array<SocialCrmEvents['warning']>;

  function setup(extra: Partial<EmailAdapterOptions> = {}) {
    ledger = memoryLedger();
    crm = createSocialCrm({
      ledger,
      adapters: [emailAdapter({ ...options, ...extra })],
      classifier: false,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      http: { retries: 2, maxRateLimitWaitMs: 5_000, backoffBaseMs: 10 },
    });
    warnings = [];
    crm.on('warning', (warning) => warnings.push(warning));
  }

  function deliver(body: string | FormData, contentType = 'application/x-www-form-urlencoded'): Promise<Response> {
    return crm.handleWebhook(new Request(WEBHOOK_URL, { method: 'POST', ...(typeof body === 'string' ? { headers: { 'content-type': contentType } } : {}), body }));
  }

  async function rows() {
    return (await ledger.queryInteractions({ channel: 'email', includeDeleted: true, limit: 100 })).items;
  }

  afterEach(() => server.reset());

  it('stores a Turkish reply without its quoted history and signature, threaded and attributed to the sender address', async () => {
    setup();
    expect((await deliver(turkishReply)).status).toBe(200);
    const stored = await ledger.getInteraction('email:CAK7Tr0x9Ayse4411@mail.musteri.example');
    expect(stored).toMatchObject({
      kind: 'email',
      visibility: 'private',
      direction: 'inbound',
      text: 'Merhaba,\n\nKargom hâlâ gelmedi, sipariş no 4411. Lütfen iade sürecini başlatın.',
      conversationId: 'email:order-4411@mg.acme.example',
      parentId: 'ticket-4411.1@mg.acme.example',
      recipientId: 'destek@mg.acme.example',
      createdAt: '2026-02-17T07:11:58.000Z',
      author: { nativeId: 'ayse.yilmaz@musteri.example', email: 'ayse.yilmaz@musteri.example', displayName: 'Ayşe Yılmaz' },
      channelMetadata: {
        email: {
          messageId: 'CAK7Tr0x9Ayse4411@mail.musteri.example',
          subject: 'Ynt: Siparişiniz #4411 kargoya verildi',
          references: ['order-4411@mg.acme.example', 'ticket-4411.1@mg.acme.example'],
          quotedText: true,
          signature: 'Saygılarımla,\nAyşe Yılmaz\n0532 000 00 00',
        },
      },
    });
    expect(stored?.customerId).toBeTruthy();
    // The raw form is kept for audit without the one-time signing fields.
    expect(stored?.raw).toMatchObject({ 'message-headers': expect.stringContaining('CAK7Tr0x9Ayse4411') });
    for (const key of ['signature', 'token', 'timestamp']) expect(stored?.raw).not.toHaveProperty(key);
  });

  it('replies with the threading headers, then files the customer\'s answer in the same conversation', async () => {
    setup();
    await deliver(turkishReply);
    const target = await ledger.getInteraction('email:CAK7Tr0x9Ayse4411@mail.musteri.example');
    sendRoute(server);
    const sent = await crm.reply(target!.id, 'Merhaba Ayşe Hanım, iade sürecinizi başlattık.');
    expect(server.calls).toHaveLength(1);
    const fields = sentFields(server.calls[0]!.bodyText);
    expect(server.calls[0]!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(fields.get('from')).toBe('Acme Destek <destek@mg.acme.example>');
    expect(fields.getAll('to')).toEqual(['Ayşe Yılmaz <ayse.yilmaz@musteri.example>']);
    // Already a reply subject (Turkish Outlook's "Ynt:"): not prefixed again.
    expect(fields.get('subject')).toBe('Ynt: Siparişiniz #4411 kargoya verildi');
    expect(fields.get('text')).toBe('Merhaba Ayşe Hanım, iade sürecinizi başlattık.');
    expect(fields.get('h:In-Reply-To')).toBe('<CAK7Tr0x9Ayse4411@mail.musteri.example>');
    expect(fields.get('h:References')).toBe('<order-4411@mg.acme.example> <ticket-4411.1@mg.acme.example> <CAK7Tr0x9Ayse4411@mail.musteri.example>');
    expect(fields.get('h:Message-Id')).toMatch(/^<[0-9a-f]{40}@mg\.acme\.example>$/);
    expect(sent).toMatchObject({
      nativeId: '20260217072000.1.ACMEREPLY@mg.acme.example',
      direction: 'outbound',
      parentId: 'CAK7Tr0x9Ayse4411@mail.musteri.example',
      conversationId: 'email:order-4411@mg.acme.example',
      customerId: target!.customerId,
    });

    const answer = fixture('mailgun-forward-turkish-reply');
    const headers = [
      ['Date', 'Tue, 17 Feb 2026 12:00:00 +0300'],
      ['Message-Id', '<CAK7Tr0x9Ayse4412@mail.musteri.example>'],
      ['In-Reply-To', '<20260217072000.1.ACMEREPLY@mg.acme.example>'],
      ['References', '<order-4411@mg.acme.example> <ticket-4411.1@mg.acme.example> <CAK7Tr0x9Ayse4411@mail.musteri.example> <20260217072000.1.ACMEREPLY@mg.acme.example>'],
      ['From', 'Ayşe Yılmaz <ayse.yilmaz@musteri.example>'],
    ];
    const next = { ...answer, 'message-headers': JSON.stringify(headers), 'body-plain': 'Teşekkürler, iade kodunu aldım.\n\nAcme Destek <destek@mg.acme.example>, 17 Şub 2026 Sal, 10:20 tarihinde şunu yazdı:\n> Merhaba Ayşe Hanım\n' };
    delete (next as Record<string, string | undefined>)['Message-Id'];
    delete (next as Record<string, string | undefined>)['In-Reply-To'];
    delete (next as Record<string, string | undefined>)['References'];
    expect((await deliver(formBody(signed(next)))).status).toBe(200);
    const followUp = await ledger.getInteraction('email:CAK7Tr0x9Ayse4412@mail.musteri.example');
    expect(followUp).toMatchObject({ text: 'Teşekkürler, iade kodunu aldım.', conversationId: 'email:order-4411@mg.acme.example', parentId: '20260217072000.1.ACMEREPLY@mg.acme.example', customerId: target!.customerId });
    expect((await ledger.queryInteractions({ conversationId: 'email:order-4411@mg.acme.example', limit: 10 })).items).toHaveLength(3);
  });

  it('answers an English message at its Reply-To with a "Re:" subject, the Outlook block and "-- " signature stripped', async () => {
    setup();
    await deliver(englishNew);
    const stored = await ledger.getInteraction('email:DM6PR01MB1234.dana@customer.example');
    expect(stored).toMatchObject({
      text: 'Hi team,\n\nThe router I bought last week keeps dropping Wi-Fi every hour. Can you send a replacement?',
      conversationId: 'email:DM6PR01MB1234.dana@customer.example',
      author: { nativeId: 'dana@customer.example', email: 'dana@customer.example', displayName: 'Ruiz, Dana' },
      channelMetadata: { email: { cc: ['sam@customer.example', 'ops@customer.example'], signature: '-- \nDana Ruiz\nOps Lead, Customer Corp', quotedText: true } },
    });
    expect(stored?.parentId).toBeUndefined();
    sendRoute(server);
    await crm.reply(stored!.id, { text: 'Hi Dana, a replacement is on its way.', channelOptions: { email: { cc: ['sam@customer.example'] } } });
    const fields = sentFields(server.calls[0]!.bodyText);
    expect(fields.get('subject')).toBe('Re: Router keeps dropping Wi-Fi');
    expect(fields.getAll('to')).toEqual(['Dana Ruiz <dana.ruiz@customer.example>']);
    expect(fields.getAll('cc')).toEqual(['sam@customer.example']);
    expect(fields.get('h:References')).toBe('<DM6PR01MB1234.dana@customer.example>');
  });

  it('stores mail from the brand addresses as outbound', async () => {
    setup({ brandAddresses: ['Agent.Kim@acme.example'] });
    const fields = { ...fixture('mailgun-forward-english-new'), from: 'Kim <agent.kim@acme.example>', 'message-headers': '[["Message-Id","<agent-1@acme.example>"]]' };
    delete (fields as Record<string, string | undefined>)['Message-Id'];
    await deliver(formBody(signed(fields)));
    expect(await ledger.getInteraction('email:agent-1@acme.example')).toMatchObject({ direction: 'outbound', author: { isBrand: true } });
  });

  describe('signature checks', () => {
    it('refuses a POST without the signature fields, with a wrong key, or stale, with 401 and stores nothing', async () => {
      setup();
      const base = fixture('mailgun-forward-turkish-reply');
      expect((await deliver(formBody(base))).status).toBe(401);
      expect((await deliver(formBody(signed(base, { key: 'key-of-another-account' })))).status).toBe(401);
      expect((await deliver(formBody(signed(base, { timestamp: Math.floor(Date.now() / 1000) - 10 * 3600 })))).status).toBe(401);
      expect(await rows()).toHaveLength(0);
    });

    it('accepts a redelivery of the same signed POST once, and refuses its token with a different message', async () => {
      setup();
      const token = 'a'.repeat(50);
      const original = signed(fixture('mailgun-forward-turkish-reply'), { token });
      expect((await deliver(formBody(original))).status).toBe(200);
      expect((await deliver(formBody(original))).status).toBe(200);
      expect(await rows()).toHaveLength(1);
      const forged = { ...original, 'body-plain': 'Hesabımı silin.', 'message-headers': '[["Message-Id","<forged@evil.example>"]]' };
      delete (forged as Record<string, string | undefined>)['Message-Id'];
      expect((await deliver(formBody(forged))).status).toBe(401);
      expect(await rows()).toHaveLength(1);
    });

    it('honours a shorter timestamp tolerance', async () => {
      setup({ timestampToleranceSeconds: 120 });
      expect((await deliver(formBody(signed(fixture('mailgun-forward-english-new'), { timestamp: Math.floor(Date.now() / 1000) - 600 })))).status).toBe(401);
    });
  });

  describe('attachments', () => {
    it('keeps a small posted file with the message and serves its bytes; a large one keeps only its facts, with a warning', async () => {
      setup({ maxInlineAttachmentBytes: 100 });
      const form = new FormData();
      for (const [key, value] of Object.entries(signed(fixture('mailgun-forward-english-new')))) form.set(key, value);
      const small = Uint8Array.from({ length: 64 }, (_, index) => index);
      form.set('attachment-count', '2');
      form.set('attachment-1', new File([small], 'ekran-görüntüsü.png', { type: 'image/png' }));
      form.set('attachment-2', new File([new Uint8Array(500)], 'log.txt', { type: 'text/plain' }));
      form.set('content-id-map', JSON.stringify({ '<ii_abc123>': 'attachment-1' }));
      expect((await deliver(form)).status).toBe(200);
      const stored = await ledger.getInteraction('email:DM6PR01MB1234.dana@customer.example');
      expect(stored?.attachments).toMatchObject([
        { type: 'image', name: 'ekran-görüntüsü.png', mimeType: 'image/png', data: { size: 64, contentId: 'ii_abc123' } },
        { type: 'file', name: 'log.txt', mimeType: 'text/plain', data: { size: 500, bytesKept: false } },
      ]);
      const content = await crm.fetchAttachment(stored!.id, 0);
      expect([...content.body]).toEqual([...small]);
      expect(content).toMatchObject({ size: 64, mimeType: 'image/png', name: 'ekran-görüntüsü.png' });
      expect(warnings.some(({ warning }) => warning.message.includes('not kept'))).toBe(true);
      const refused = await rejection(crm.fetchAttachment(stored!.id, 1));
      expect(isSocialCrmError(refused, 'UNSUPPORTED_CAPABILITY')).toBe(true);
      expect(server.calls).toHaveLength(0);
    });
  });

  describe('malformed input and errors', () => {
    it('dead-letters a signed message without a sender and answers 200 so Mailgun does not retry it', async () => {
      setup();
      const fields = { ...fixture('mailgun-forward-english-new'), from: 'undisclosed-recipients:;', sender: '', 'message-headers': '[]' };
      const response = await deliver(formBody(signed(fields)));
      expect(response.status).toBe(200);
      expect(await rows()).toHaveLength(0);
      expect((await ledger.listDeadLetters()).items).toHaveLength(1);
    });

    it('refuses JSON with 415 and other methods with 405', async () => {
      setup();
      expect((await deliver('{}', 'application/json')).status).toBe(415);
      expect((await crm.handleWebhook(new Request(WEBHOOK_URL, { method: 'GET' }))).status).toBe(405);
    });

    it('turns a Mailgun refusal into a non-retryable ChannelApiError with Mailgun\'s message', async () => {
      setup();
      await deliver(turkishReply);
      server.route('post', SEND_URL, () => HttpResponse.json({ message: "'to' parameter is not a valid address. please check documentation" }, { status: 400 }));
      const error = (await rejection(crm.reply('email:CAK7Tr0x9Ayse4411@mail.musteri.example', 'Merhaba'))) as ChannelApiError;
      expect(isSocialCrmError(error, 'CHANNEL_API_ERROR')).toBe(true);
      expect(error.isRetryable).toBe(false);
      expect(error.status).toBe(400);
      expect(error.message).toContain("'to' parameter is not a valid address");
    });

    it('rejects unknown per-reply options with INVALID_OPTIONS before sending', async () => {
      setup();
      await deliver(turkishReply);
      const error = await rejection(crm.reply('email:CAK7Tr0x9Ayse4411@mail.musteri.example', { text: 'Merhaba', channelOptions: { email: { bcc: ['x@y.example'] } } }));
      expect(isSocialCrmError(error, 'INVALID_OPTIONS')).toBe(true);
      expect(server.calls).toHaveLength(0);
    });
  });

  describe('marketing e-mail (outreach)', () => {
    const AYSE = 'email:ayse.yilmaz@musteri.example';
    const listUnsubscribe = { mailto: 'unsubscribe@mg.acme.example', url: ({ address, campaignId }: { address: string; campaignId?: string }) => `https://acme.example/unsubscribe?c=${campaignId}&to=${encodeURIComponent(address)}` };
    const message = { channel: 'email', recipient: AYSE, text: 'Bahar indirimi başladı: tüm modemlerde %20.', purpose: 'marketing' as const, idempotencyKey: 'spring:cus-1:email', campaignId: 'spring' };

    async function optedIn(extra: Partial<EmailAdapterOptions> = { listUnsubscribe }) {
      setup(extra);
      await deliver(turkishReply);
      await crm.setConsent(AYSE, 'opted-in', 'crm:newsletter-form', { purpose: 'marketing' });
    }

    it('sends with a subject, List-Unsubscribe (mailto and one-click URL) and a stable Message-Id, and stores it with the campaign', async () => {
      await optedIn();
      sendRoute(server);
      const { interaction } = await crm.sendMessage({ ...message, channelOptions: { email: { subject: 'Bahar indirimi', html: '<p>Bahar indirimi başladı</p>' } } });
      expect(server.calls).toHaveLength(1);
      const call = server.calls[0]!;
      expect(call.url).toBe(SEND_URL);
      expect(call.headers.authorization).toBe(`Basic ${Buffer.from(`api:${API_KEY}`).toString('base64')}`);
      const fields = sentFields(call.bodyText);
      expect(fields.get('from')).toBe('Acme Destek <destek@mg.acme.example>');
      expect(fields.get('to')).toContain('ayse.yilmaz@musteri.example');
      expect(fields.get('subject')).toBe('Bahar indirimi');
      expect(fields.get('text')).toBe(message.text);
      expect(fields.get('html')).toBe('<p>Bahar indirimi başladı</p>');
      expect(fields.get('h:List-Unsubscribe')).toBe('<mailto:unsubscribe@mg.acme.example?subject=unsubscribe>, <https://acme.example/unsubscribe?c=spring&to=ayse.yilmaz%40musteri.example>');
      expect(fields.get('h:List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(fields.get('h:Message-Id')).toMatch(/^<[0-9a-f]{40}@mg\.acme\.example>$/);
      expect(fields.has('h:In-Reply-To')).toBe(false);
      // Mailgun's documented answer: { id: "<…>", message: "Queued. Thank you." }
      expect(interaction).toMatchObject({
        channel: 'email',
        nativeId: '20260217072000.1.ACMEREPLY@mg.acme.example',
        direction: 'outbound',
        deliveryStatus: 'sent',
        channelMetadata: { email: { provider: 'mailgun', subject: 'Bahar indirimi', campaignId: 'spring' } },
      });
      expect(interaction.customerId).toBeTruthy();
    });

    it('a mailto-only List-Unsubscribe has no one-click header', async () => {
      await optedIn({ listUnsubscribe: { mailto: 'unsubscribe@mg.acme.example' } });
      sendRoute(server);
      await crm.sendMessage({ ...message, channelOptions: { email: { subject: 'Bahar indirimi' } } });
      const fields = sentFields(server.calls[0]!.bodyText);
      expect(fields.get('h:List-Unsubscribe')).toBe('<mailto:unsubscribe@mg.acme.example?subject=unsubscribe>');
      expect(fields.has('h:List-Unsubscribe-Post')).toBe(false);
    });

    it('without a subject: INVALID_OPTIONS naming it, and nothing is sent', async () => {
      await optedIn();
      sendRoute(server);
      for (const channelOptions of [{}, { email: { subject: '  ' } }] as Array<Record<string, Record<string, unknown>>>) {
        const error = await rejection(crm.sendMessage({ ...message, idempotencyKey: `no-subject-${JSON.stringify(channelOptions)}`, channelOptions }));
        expect(isSocialCrmError(error, 'INVALID_OPTIONS')).toBe(true);
        expect((error as Error).message).toContain('channelOptions.email.subject');
        expect((error as Error).message).toContain('needs a subject');
      }
      expect(server.calls).toHaveLength(0);
    });

    it('without a configured List-Unsubscribe: INVALID_OPTIONS, and nothing is sent', async () => {
      await optedIn({});
      sendRoute(server);
      const error = await rejection(crm.sendMessage({ ...message, channelOptions: { email: { subject: 'Bahar indirimi' } } }));
      expect(isSocialCrmError(error, 'INVALID_OPTIONS')).toBe(true);
      expect((error as Error).message).toContain('listUnsubscribe');
      expect(server.calls).toHaveLength(0);
    });

    it('never writes to an address without marketing consent, or after it was withdrawn', async () => {
      setup({ listUnsubscribe });
      await deliver(turkishReply);
      sendRoute(server);
      const never = await rejection(crm.sendMessage({ ...message, channelOptions: { email: { subject: 'Bahar indirimi' } } }));
      expect(isSocialCrmError(never, 'REPLY_NOT_ALLOWED')).toBe(true);
      await crm.setConsent(AYSE, 'opted-in', 'crm', { purpose: 'marketing' });
      await crm.setConsent(AYSE, 'opted-out', 'crm:unsubscribe-link', { purpose: 'marketing' });
      const withdrawn = await rejection(crm.sendMessage({ ...message, idempotencyKey: 'spring:cus-1:email:2', channelOptions: { email: { subject: 'Bahar indirimi' } } }));
      expect(isSocialCrmError(withdrawn, 'REPLY_NOT_ALLOWED')).toBe(true);
      expect(server.calls).toHaveLength(0);
    });

    it('refuses a List-Unsubscribe that is neither an address nor an HTTPS URL when the adapter is created', () => {
      for (const bad of [{}, { url: 'http://acme.example/unsubscribe' }, { mailto: 'not an address' }]) {
        expect(isSocialCrmError(failure(() => emailAdapter({ ...options, listUnsubscribe: bad })), 'INVALID_OPTIONS')).toBe(true);
      }
    });
  });

  describe('options and capabilities', () => {
    it('receives without sending credentials, and says which sending option is missing', () => {
      const receiveOnly = emailAdapter({ signingKey: SIGNING_KEY });
      expect(receiveOnly.capabilities).toMatchObject({ webhook: true, directMessage: false, reply: false, threads: true });
      expect(receiveOnly.doSendReply).toBeUndefined();
      expect(receiveOnly.capabilities.outreach).toBe(false);
      expect(receiveOnly.doSendMessage).toBeUndefined();
      expect(emailAdapter(options).capabilities.outreach).toBe(true);
      const error = failure(() => emailAdapter({ signingKey: SIGNING_KEY, apiKey: API_KEY, domain: DOMAIN }));
      expect(isSocialCrmError(error, 'INVALID_OPTIONS')).toBe(true);
      expect((error as Error).message).toContain('from');
    });
  });
});

describe('stripQuotedText', () => {
  it.each([
    ['Gmail (English)', 'Thanks, that worked.\n\nOn Mon, Feb 16, 2026 at 9:00 AM Acme Support <support@acme.example> wrote:\n> Try restarting it.', 'Thanks, that worked.'],
    ['Gmail (English), attribution wrapped onto two lines', 'Still broken.\n\nOn Mon, Feb 16, 2026 at 9:00 AM Acme Support <support@acme.example>\nwrote:\n> Try restarting it.', 'Still broken.'],
    ['Gmail (Turkish)', 'Teşekkürler, sorun çözüldü.\n\n16 Şub 2026 Pzt, 09:00 tarihinde Acme Destek <destek@acme.example> şunu yazdı:\n> Modemi yeniden başlatın.', 'Teşekkürler, sorun çözüldü.'],
    ['Apple Mail (Turkish), wrapped', 'Olmadı.\n\n16 Şub 2026 tarihinde 09:00 saatinde, Acme Destek <destek@acme.example>\nşunu yazdı:\n> Modemi yeniden başlatın.', 'Olmadı.'],
    ['Outlook (Turkish) header block', 'Fatura hâlâ yanlış.\n\nKimden: Acme Destek <destek@acme.example>\nGönderildi: 16 Şubat 2026 Pazartesi 09:00\nKime: kemal@firma.example\nKonu: Fatura', 'Fatura hâlâ yanlış.'],
    ['Outlook (English) original-message separator', 'Please call me.\n-----Original Message-----\nFrom: Acme\nSent: Monday', 'Please call me.'],
    ['a mobile footer (Turkish)', 'Kargo nerede?\n\niPhone’umdan gönderildi', 'Kargo nerede?'],
    ['a closing formula with a short block', 'Where is my refund?\n\nBest regards,\nDana Ruiz\n+1 555 0100', 'Where is my refund?'],
    ['interleaved > quotes', '> Which model?\nThe X200.\n> Since when?\nSince Monday.', 'The X200.\nSince Monday.'],
  ])('strips %s', (_name, body, text) => {
    expect(stripQuotedText(body).text).toBe(text);
  });

  it('keeps a line that merely ends with "wrote:" and a body that would be empty', () => {
    expect(stripQuotedText('Here is what the technician wrote:\nthe fan is loose.').text).toBe('Here is what the technician wrote:\nthe fan is loose.');
    expect(stripQuotedText('On Mon, Feb 16, 2026 Acme wrote:\n> hi').text).toBe('On Mon, Feb 16, 2026 Acme wrote:\n> hi');
  });
});
