import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, isSocialCrmError, memoryLedger } from 'social-crm';
import { whatsappAdapter } from 'social-crm/adapters/whatsapp';
import { telegramAdapter } from 'social-crm/adapters/telegram';
import { createChannelTestServer } from 'social-crm/testing';
import { GRAPH, PAGE_MESSAGES, TELEGRAM_SEND, WA_MESSAGES, customerWrote, makeCrm, whatsappSent } from './_setup.js';

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

const longAgo = new Date(Date.now() - 10 * 24 * 3_600_000);
const template = { name: 'spring_sale', language: 'tr', parameters: ['Ayşe', '%20'], parameterCount: 2 };

describe('business-initiated messages (the outreach capability)', () => {
  it('WhatsApp: sends an approved template outside the 24-hour window, with the body parameters as documented', async () => {
    server.route('post', WA_MESSAGES, () => whatsappSent('905321234567', 1));
    const crm = makeCrm();
    await customerWrote(crm, 'whatsapp', '905321234567', 'Merhaba', longAgo);
    await crm.setConsent('whatsapp:905321234567', 'opted-in', 'crm:signup', { purpose: 'marketing' });
    const { interaction } = await crm.sendMessage({ channel: 'whatsapp', recipient: 'whatsapp:905321234567', purpose: 'marketing', idempotencyKey: 'c1:cus:whatsapp', campaignId: 'c1', channelOptions: { whatsapp: { template } } });
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.headers.authorization).toBe('Bearer EAAJ-campaign-token');
    expect(server.calls[0]!.bodyJson).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '905321234567',
      type: 'template',
      template: { name: 'spring_sale', language: { code: 'tr' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ayşe' }, { type: 'text', text: '%20' }] }] },
      biz_opaque_callback_data: 'c1:cus:whatsapp',
    });
    expect(interaction).toMatchObject({ channel: 'whatsapp', nativeId: 'wamid.CAMPAIGN0001', direction: 'outbound', deliveryStatus: 'sent', channelMetadata: { whatsapp: { campaignId: 'c1', template: 'spring_sale' } } });
    expect(interaction.customerId).toBeTruthy();
  });

  it('WhatsApp: a template missing a parameter is a typed error before anything is sent', async () => {
    server.route('post', WA_MESSAGES, () => whatsappSent('905321234567', 2));
    const crm = makeCrm();
    await customerWrote(crm, 'whatsapp', '905321234567', 'Merhaba', longAgo);
    await crm.setConsent('whatsapp:905321234567', 'opted-in', 'crm', { purpose: 'marketing' });
    const error = await crm
      .sendMessage({ channel: 'whatsapp', recipient: 'whatsapp:905321234567', purpose: 'marketing', idempotencyKey: 'c2', channelOptions: { whatsapp: { template: { ...template, parameters: ['Ayşe'] } } } })
      .catch((thrown: unknown) => thrown);
    expect(isSocialCrmError(error, 'INVALID_OPTIONS')).toBe(true);
    expect((error as Error).message).toMatch(/2 body parameters; 1 were given/);
    expect(server.calls).toHaveLength(0);
    // The refusal is recorded as failed, so a corrected call with the key may still send.
    expect((await crm.ledger.getSend!('c2'))?.state).toBe('failed');
  });

  it('WhatsApp: free text outside the 24-hour window is refused before any call', async () => {
    const crm = makeCrm();
    await customerWrote(crm, 'whatsapp', '905321234567', 'Merhaba', longAgo);
    await crm.setConsent('whatsapp:905321234567', 'opted-in', 'crm', { purpose: 'marketing' });
    const error = await crm.sendMessage({ channel: 'whatsapp', recipient: 'whatsapp:905321234567', text: 'İndirim!', purpose: 'marketing', idempotencyKey: 'c3' }).catch((thrown: unknown) => thrown);
    expect(isSocialCrmError(error, 'REPLY_NOT_ALLOWED')).toBe(true);
    expect((error as { reason: string }).reason).toBe('messaging-window-closed');
    expect(server.calls).toHaveLength(0);
  });

  it('Messenger: sends through the recorded notification_messages token', async () => {
    server.route('post', PAGE_MESSAGES, () => ({ recipient_id: '7312345678901234', message_id: 'm_campaign_1' }));
    const crm = makeCrm();
    await customerWrote(crm, 'messenger', '7312345678901234', 'Hi', longAgo, 'Dana');
    await crm.processEvents([
      { type: 'consent', identity: { channel: 'messenger', nativeId: '7312345678901234' }, status: 'opted-in', purpose: 'marketing', source: 'messenger:notification_messages', at: longAgo.toISOString(), channelMetadata: { messenger: { notificationMessagesToken: '6587411203492', topic: 'Offers' } } },
    ]);
    const { interaction } = await crm.sendMessage({ channel: 'messenger', recipient: 'messenger:7312345678901234', text: 'Spring sale: 20% off', purpose: 'marketing', idempotencyKey: 'c4' });
    expect(server.calls.map((call) => call.bodyJson)).toEqual([{ recipient: { notification_messages_token: '6587411203492' }, message: { text: 'Spring sale: 20% off' } }]);
    expect(interaction.nativeId).toBe('m_campaign_1');
  });

  it('Messenger: without a token (consent recorded by the host only) nothing is sent', async () => {
    const crm = makeCrm();
    await customerWrote(crm, 'messenger', '7312345678901234', 'Hi', longAgo, 'Dana');
    await crm.setConsent('messenger:7312345678901234', 'opted-in', 'crm', { purpose: 'marketing' });
    const error = await crm.sendMessage({ channel: 'messenger', recipient: 'messenger:7312345678901234', text: 'Sale', purpose: 'marketing', idempotencyKey: 'c5' }).catch((thrown: unknown) => thrown);
    expect(isSocialCrmError(error, 'REPLY_NOT_ALLOWED')).toBe(true);
    expect(server.calls).toHaveLength(0);
  });

  it('Telegram: sendMessage to the private chat of a user who started the bot', async () => {
    server.route('post', TELEGRAM_SEND, () => ({ ok: true, result: { message_id: 812, date: Math.floor(Date.now() / 1000), chat: { id: 5550001, type: 'private', first_name: 'Mehmet' }, text: 'Kampanya' } }));
    const crm = makeCrm();
    await customerWrote(crm, 'telegram', '5550001', '/start', longAgo, 'Mehmet');
    await crm.setConsent('telegram:5550001', 'opted-in', 'crm', { purpose: 'marketing' });
    const { interaction } = await crm.sendMessage({ channel: 'telegram', recipient: 'telegram:5550001', text: 'Kampanya', purpose: 'marketing', idempotencyKey: 'c6' });
    expect(server.calls.map((call) => call.bodyJson)).toEqual([{ chat_id: 5550001, text: 'Kampanya' }]);
    expect(interaction).toMatchObject({ nativeId: '5550001_812', conversationId: expect.stringContaining('5550001') });
  });

  it('never messages someone who never opted in, or who withdrew', async () => {
    server.route('post', TELEGRAM_SEND, () => ({ ok: true, result: { message_id: 1, date: 1767225600, chat: { id: 5550002, type: 'private' } } }));
    const crm = makeCrm(memoryLedger());
    await customerWrote(crm, 'telegram', '5550002', 'hi', longAgo);
    const never = await crm.sendMessage({ channel: 'telegram', recipient: 'telegram:5550002', text: 'x', purpose: 'marketing', idempotencyKey: 'n1' }).catch((thrown: unknown) => thrown);
    await crm.setConsent('telegram:5550002', 'opted-in', 'crm', { purpose: 'marketing' });
    await crm.setConsent('telegram:5550002', 'opted-out', 'telegram:STOP', { purpose: 'marketing' });
    const withdrawn = await crm.sendMessage({ channel: 'telegram', recipient: 'telegram:5550002', text: 'x', purpose: 'marketing', idempotencyKey: 'n2' }).catch((thrown: unknown) => thrown);
    expect((never as Error).message).toMatch(/never opted in/);
    expect((withdrawn as Error).message).toMatch(/opted out/);
    expect(server.calls).toHaveLength(0);
  });

  it('a second call with the same key returns the first message and sends nothing', async () => {
    server.route('post', WA_MESSAGES, ({ index }) => whatsappSent('905321234567', index + 1));
    const crm = makeCrm();
    await customerWrote(crm, 'whatsapp', '905321234567', 'Merhaba', longAgo);
    await crm.setConsent('whatsapp:905321234567', 'opted-in', 'crm', { purpose: 'marketing' });
    const request = { channel: 'whatsapp', recipient: 'whatsapp:905321234567', purpose: 'marketing' as const, idempotencyKey: 'same', channelOptions: { whatsapp: { template } } };
    const first = await crm.sendMessage(request);
    const second = await crm.sendMessage(request);
    expect(second).toEqual({ interaction: first.interaction, sentBefore: true });
    expect(server.calls).toHaveLength(1);
  });

  it('WhatsApp with several numbers: sends from the number the customer wrote to, with that number\'s token', async () => {
    server.route('post', `${GRAPH}/:number/messages`, () => whatsappSent('905321234567', 7));
    const whatsapp = whatsappAdapter({
      appSecret: 'app-secret-campaigns',
      verifyToken: 'verify-campaigns',
      accounts: { resolve: (number) => (number === '222200002222' ? { credentials: { accessToken: 'EAAJ-second-number' } } : null) },
    });
    const crm = createSocialCrm({ ledger: memoryLedger(), adapters: [whatsapp], classifier: false, outbox: { dispatch: 'manual' } });
    await customerWrote(crm, 'whatsapp', '905321234567', 'Merhaba', longAgo, 'Ayşe', { whatsapp: { phoneNumberId: '222200002222' } });
    await crm.setConsent('whatsapp:905321234567', 'opted-in', 'crm', { purpose: 'marketing' });
    await crm.sendMessage({ channel: 'whatsapp', recipient: 'whatsapp:905321234567', purpose: 'marketing', idempotencyKey: 'multi', channelOptions: { whatsapp: { template } } });
    expect(server.calls.map((call) => [call.url, call.headers.authorization])).toEqual([[`${GRAPH}/222200002222/messages`, 'Bearer EAAJ-second-number']]);
  });

  it('Telegram with several bots: writes from the bot the person started', async () => {
    const token = '7098765432:AAFsecondBotTokenxxxxxxxxxxxxxxxxx';
    server.route('post', `https://api.telegram.org/bot${token}/sendMessage`, () => ({ ok: true, result: { message_id: 44, date: 1767225600, chat: { id: 5550003, type: 'private' } } }));
    const telegram = telegramAdapter({ accounts: { resolve: (botId) => (botId === '7098765432' ? { credentials: { botToken: token, secretToken: 'second-bot-secret' } } : null) } });
    const crm = createSocialCrm({ ledger: memoryLedger(), adapters: [telegram], classifier: false, outbox: { dispatch: 'manual' } });
    await customerWrote(crm, 'telegram', '5550003', '/start', longAgo, 'Elif', { telegram: { account: '7098765432' } });
    await crm.setConsent('telegram:5550003', 'opted-in', 'crm', { purpose: 'marketing' });
    const { interaction } = await crm.sendMessage({ channel: 'telegram', recipient: 'telegram:5550003', text: 'Yeni kampanya', purpose: 'marketing', idempotencyKey: 'bots' });
    expect(server.calls.map((call) => call.bodyJson)).toEqual([{ chat_id: 5550003, text: 'Yeni kampanya' }]);
    expect(interaction).toMatchObject({ nativeId: '7098765432:5550003_44', channelMetadata: { telegram: { account: '7098765432' } } });
  });
});
