import { createHmac } from 'node:crypto';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, isUnknownAccountError, memoryLedger, type Logger } from 'social-crm';
import { createChannelTestServer } from 'social-crm/testing';
import { messengerAdapter } from 'social-crm/adapters/messenger';
import { whatsappAdapter } from 'social-crm/adapters/whatsapp';
import { xAdapter } from 'social-crm/adapters/x';

// Done-when of issue 19: one crm, one Meta app, three Pages, two WhatsApp numbers and two X
// accounts of two tenants, one webhook URL per network; each conversation is answered with its
// own account's token. Payloads follow Meta's Messenger and WhatsApp webhook references and X's
// Account Activity API (values invented); replies hit the real endpoints through msw.

const APP_SECRET = 'meta-app-secret-5f1e';
const VERIFY_TOKEN = 'verify-5f1e';
const CONSUMER_SECRET = 'x-consumer-secret-77aa';

interface Account { tenant: string; token: string }
const pages: Record<string, Account> = {
  '100000000000001': { tenant: 'acme', token: 'EAAPAGE-acme-one' },
  '100000000000002': { tenant: 'acme', token: 'EAAPAGE-acme-two' },
  '100000000000003': { tenant: 'globex', token: 'EAAPAGE-globex' },
};
const numbers: Record<string, Account> = {
  '200000000000001': { tenant: 'acme', token: 'EAAWA-acme' },
  '200000000000002': { tenant: 'globex', token: 'EAAWA-globex' },
};
const xAccounts: Record<string, Account> = {
  '3000000001': { tenant: 'acme', token: 'x-user-token-acme' },
  '3000000002': { tenant: 'globex', token: 'x-user-token-globex' },
};
const SECRETS = [APP_SECRET, CONSUMER_SECRET, ...[pages, numbers, xAccounts].flatMap((table) => Object.values(table).map((account) => account.token))];

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

const metaSign = (body: string) => ({ 'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}` });
const xSign = (body: string) => ({ 'x-twitter-webhooks-signature': `sha256=${createHmac('sha256', CONSUMER_SECRET).update(body).digest('base64')}` });
const post = (path: string, payload: unknown, sign: (body: string) => Record<string, string>) => {
  const body = JSON.stringify(payload);
  return new Request(`https://crm.example.test/webhooks/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...sign(body) }, body });
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

function pageDelivery(pageIds: string[]) {
  return {
    object: 'page',
    entry: pageIds.map((pageId, index) => ({
      id: pageId,
      time: Date.now(),
      messaging: [{ sender: { id: `6500000000000${index}` }, recipient: { id: pageId }, timestamp: Date.now() - 1000, message: { mid: `m_page_${pageId}`, text: `Merhaba ${pageId}` } }],
    })),
  };
}

function whatsappDelivery(phoneNumberIds: string[]) {
  return {
    object: 'whatsapp_business_account',
    entry: phoneNumberIds.map((phoneNumberId, index) => ({
      id: `40000000000000${index}`,
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: `1555000000${index}`, phone_number_id: phoneNumberId },
            contacts: [{ profile: { name: 'Ayşe' }, wa_id: '905321234567' }],
            messages: [{ from: '905321234567', id: `wamid.${phoneNumberId}`, timestamp: String(nowSeconds() - 30), type: 'text', text: { body: 'Siparişim nerede?' } }],
          },
        },
      ],
    })),
  };
}

function xDirectMessage(forUserId: string, eventId: string) {
  return {
    for_user_id: forUserId,
    direct_message_events: [
      {
        type: 'message_create',
        id: eventId,
        created_timestamp: String(Date.now() - 1000),
        message_create: { target: { recipient_id: forUserId }, sender_id: '1456789012345678901', message_data: { text: 'Kargom gelmedi' } },
      },
    ],
    users: { '1456789012345678901': { id: '1456789012345678901', name: 'Ayşe Yılmaz', screen_name: 'ayseyilmaz' } },
  };
}

function setup(options: { pageToken?: (pageId: string, asked: number) => string } = {}) {
  const storage = memoryLedger();
  const notices: unknown[] = [];
  const logged: unknown[] = [];
  const asked: Record<string, number> = {};
  const logger: Logger = {
    debug: (...line) => logged.push(line),
    info: (...line) => logged.push(line),
    warn: (...line) => logged.push(line),
    error: (...line) => logged.push(line),
  };
  const from = (table: Record<string, Account>, token?: (id: string, asked: number) => string) => ({
    resolve(accountId: string) {
      asked[accountId] = (asked[accountId] ?? 0) + 1;
      const account = table[accountId];
      return account ? { credentials: { accessToken: token ? token(accountId, asked[accountId]!) : account.token }, tenant: account.tenant } : null;
    },
    onNotice: (notice: unknown) => notices.push(notice),
  });
  const crm = createSocialCrm({
    ledger: storage,
    tenants: { ledger: (tenant) => storage.forTenant(tenant) },
    logger,
    adapters: [
      messengerAdapter({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN, accounts: from(pages, options.pageToken) }),
      whatsappAdapter({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN, accounts: from(numbers) }),
      xAdapter({ consumerSecret: CONSUMER_SECRET, accounts: from(xAccounts) }),
    ],
  });
  return { crm, storage, notices, logged, asked };
}

describe('one crm serves many accounts of two tenants', () => {
  it('routes every delivery to its tenant and answers with the account the conversation belongs to', async () => {
    const { crm, notices, logged } = setup();
    const pageIds = Object.keys(pages);
    for (const pageId of pageIds) {
      server.route('post', `https://graph.facebook.com/v23.0/${pageId}/messages`, ({ call }) => ({ recipient_id: (call.bodyJson as { recipient: { id: string } }).recipient.id, message_id: `m_sent_${pageId}` }));
    }
    for (const phoneNumberId of Object.keys(numbers)) {
      server.route('post', `https://graph.facebook.com/v23.0/${phoneNumberId}/messages`, () => ({ messaging_product: 'whatsapp', contacts: [{ input: '905321234567', wa_id: '905321234567' }], messages: [{ id: `wamid.sent.${phoneNumberId}` }] }));
    }
    server.route('post', 'https://api.x.com/2/dm_conversations/with/:participant/messages', ({ call }) => ({
      data: { dm_conversation_id: `conv-${call.headers.authorization}`, dm_event_id: `dm-sent-${Math.random().toString(36).slice(2)}` },
    }));

    expect((await crm.handleWebhook(post('messenger', pageDelivery(pageIds), metaSign))).status).toBe(200);
    expect((await crm.handleWebhook(post('whatsapp', whatsappDelivery(Object.keys(numbers)), metaSign))).status).toBe(200);
    for (const [index, userId] of Object.keys(xAccounts).entries()) {
      expect((await crm.handleWebhook(post('x', xDirectMessage(userId, `189130000000000000${index}`), xSign))).status).toBe(200);
    }

    const expected: Array<{ tenant: string; id: string; url: string; token: string }> = [
      ...pageIds.map((pageId) => ({ tenant: pages[pageId]!.tenant, id: `messenger:m_page_${pageId}`, url: `https://graph.facebook.com/v23.0/${pageId}/messages`, token: pages[pageId]!.token })),
      ...Object.keys(numbers).map((number) => ({ tenant: numbers[number]!.tenant, id: `whatsapp:wamid.${number}`, url: `https://graph.facebook.com/v23.0/${number}/messages`, token: numbers[number]!.token })),
      ...Object.keys(xAccounts).map((userId, index) => ({ tenant: xAccounts[userId]!.tenant, id: `x:189130000000000000${index}`, url: 'https://api.x.com/2/dm_conversations/with/1456789012345678901/messages', token: xAccounts[userId]!.token })),
    ];
    for (const conversation of expected) {
      const tenant = await crm.tenant(conversation.tenant);
      const other = await crm.tenant(conversation.tenant === 'acme' ? 'globex' : 'acme');
      expect(await tenant.ledger.getInteraction(conversation.id)).toBeTruthy();
      expect(await other.ledger.getInteraction(conversation.id)).toBeNull();
      const before = server.calls.length;
      await tenant.reply(conversation.id, 'Hemen bakıyoruz.');
      const sent = server.calls.slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.url).toBe(conversation.url);
      expect(sent[0]!.headers.authorization).toBe(`Bearer ${conversation.token}`);
    }
    // The default tenant received nothing: every event named its tenant.
    expect((await crm.ledger.queryInteractions({})).items).toEqual([]);
    const told = JSON.stringify([notices, logged]);
    for (const secret of SECRETS) expect(told).not.toContain(secret);
  });

  it('acknowledges a delivery for an unknown Page and dead-letters it, asking the resolver once per unknownTtlMs', async () => {
    const { crm, storage, asked } = setup();
    const unknownPage = '100000000000999';
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await crm.handleWebhook(post('messenger', pageDelivery([unknownPage, '100000000000001']), metaSign));
      expect(response.status).toBe(200);
    }
    expect(asked[unknownPage]).toBe(1);
    const letters = await storage.listDeadLetters();
    expect(letters.items.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(letters.items)).toContain(unknownPage);
    expect(JSON.stringify(letters.items)).toContain('UNKNOWN_ACCOUNT');
    // The known Page's message of the same delivery was stored in its tenant.
    expect(await (await crm.tenant('acme')).ledger.getInteraction('messenger:m_page_100000000000001')).toBeTruthy();
  });

  it('caches the resolver answer: many deliveries of one account ask once', async () => {
    const { crm, asked } = setup();
    for (let index = 0; index < 5; index++) {
      const delivery = pageDelivery(['100000000000002']);
      delivery.entry[0]!.messaging[0]!.message.mid = `m_cached_${index}`;
      await crm.handleWebhook(post('messenger', delivery, metaSign));
    }
    expect(asked['100000000000002']).toBe(1);
  });

  it('re-asks the resolver once when Graph refuses the token (190), then announces token-revoked without the token', async () => {
    const pageId = '100000000000003';
    const { crm, notices, asked, logged } = setup({ pageToken: (_id, count) => `EAAPAGE-globex-v${count}` });
    await crm.handleWebhook(post('messenger', pageDelivery([pageId]), metaSign));
    const expired = { error: { message: 'Error validating access token: Session has expired', type: 'OAuthException', code: 190, error_subcode: 463, fbtrace_id: 'AbCdEf' } };
    server.route('post', `https://graph.facebook.com/v23.0/${pageId}/messages`, ({ call }) =>
      call.headers.authorization === 'Bearer EAAPAGE-globex-v2' ? HttpResponse.json({ recipient_id: '650000000000000', message_id: 'm_after_refresh' }) : HttpResponse.json(expired, { status: 401 }),
    );
    const globex = await crm.tenant('globex');
    await globex.reply(`messenger:m_page_${pageId}`, 'İlk cevap');
    expect(asked[pageId]).toBe(2);
    expect(server.calls.map((call) => call.headers.authorization)).toEqual(['Bearer EAAPAGE-globex-v1', 'Bearer EAAPAGE-globex-v2']);
    expect(notices).toEqual([]);

    // The host's answer is still refused: one more ask, then token-revoked.
    server.reset();
    server.route('post', `https://graph.facebook.com/v23.0/${pageId}/messages`, () => HttpResponse.json(expired, { status: 401 }));
    await expect(globex.reply(`messenger:m_page_${pageId}`, 'İkinci cevap')).rejects.toThrow();
    expect(notices).toEqual([expect.objectContaining({ type: 'token-revoked', adapterId: 'messenger', accountId: pageId, tenant: 'globex' })]);
    const told = JSON.stringify([notices, logged]);
    expect(told).not.toMatch(/EAAPAGE-globex-v\d/);
  });

  it('acknowledges and dead-letters an X delivery for an account the resolver does not know', async () => {
    const { crm, storage } = setup();
    const response = await crm.handleWebhook(post('x', xDirectMessage('3000000009', '1891300000000000079'), xSign));
    expect(response.status).toBe(200);
    const letters = await storage.listDeadLetters();
    expect(letters.items.some((letter) => JSON.stringify(letter).includes('3000000009'))).toBe(true);
    expect(await (await crm.tenant('acme')).ledger.getInteraction('x:1891300000000000079')).toBeNull();
  });
});

describe('UnknownAccountError', () => {
  it('is recognised by its guard', async () => {
    const { UnknownAccountError } = await import('social-crm');
    const error = new UnknownAccountError('whatsapp', '200000000000009');
    expect(isUnknownAccountError(error)).toBe(true);
    expect(error.code).toBe('UNKNOWN_ACCOUNT');
    expect(error.message).toContain('200000000000009');
    expect(isUnknownAccountError(new Error('UNKNOWN_ACCOUNT'))).toBe(false);
  });
});

describe('the accounts option', () => {
  it('keeps the host resolver object itself, so its methods may use `this`', async () => {
    class AccountTable {
      private readonly rows = new Map([['200000000000001', 'EAAWA-acme']]);
      asked = 0;
      resolve(accountId: string) {
        this.asked++;
        const token = this.rows.get(accountId);
        return token ? { credentials: { accessToken: token }, tenant: 'acme' } : null;
      }
    }
    const table = new AccountTable();
    const storage = memoryLedger();
    const crm = createSocialCrm({ ledger: storage, tenants: { ledger: (tenant) => storage.forTenant(tenant) }, adapters: [whatsappAdapter({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN, accounts: table })] });
    expect((await crm.handleWebhook(post('whatsapp', whatsappDelivery(['200000000000001']), metaSign))).status).toBe(200);
    expect(table.asked).toBe(1);
    expect(await (await crm.tenant('acme')).ledger.getInteraction('whatsapp:wamid.200000000000001')).toBeTruthy();
  });

  it('refuses a misspelt cache option and a resolver that is not a function', () => {
    const resolve = () => null;
    expect(() => whatsappAdapter({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN, accounts: { resolve, ttl: 1000 } as never })).toThrow(/ttl/);
    expect(() => whatsappAdapter({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN, accounts: { resolve: 'accounts-table' } as never })).toThrow(/accounts\.resolve/);
    expect(() => xAdapter({ consumerSecret: CONSUMER_SECRET, accounts: { resolve, ttlMs: -5 } })).toThrow(/ttlMs/);
  });

  it('treats an answer without a token as an unknown account', async () => {
    const storage = memoryLedger();
    const crm = createSocialCrm({ ledger: storage, adapters: [whatsappAdapter({ appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN, accounts: { resolve: () => ({ credentials: {} as { accessToken: string } }) } })] });
    expect((await crm.handleWebhook(post('whatsapp', whatsappDelivery(['200000000000001']), metaSign))).status).toBe(200);
    const letters = (await storage.listDeadLetters()).items;
    expect(JSON.stringify(letters)).toContain('credentials.accessToken');
  });
});
