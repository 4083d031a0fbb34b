import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, memoryLedger } from 'social-crm';
import { createChannelTestServer } from 'social-crm/testing';
import { telegramAdapter } from 'social-crm/adapters/telegram';

// Telegram updates do not name the bot, so each bot's webhook URL does (`?bot=<id>` or a path
// segment). Update and sendMessage shapes follow the Bot API reference (values invented).

const API = 'https://api.telegram.org';
const bots: Record<string, { token: string; secret: string; tenant: string }> = {
  '7100000001': { token: '7100000001:AAacmeacmeacmeacmeacmeacme', secret: 'acme-hook-secret', tenant: 'acme' },
  '7100000002': { token: '7100000002:AAglobexglobexglobexglobex', secret: 'globex-hook-secret', tenant: 'globex' },
};
const ayse = { id: 583920174, is_bot: false, first_name: 'Ayşe', username: 'ayseyilmaz' };

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

function setup() {
  const storage = memoryLedger();
  const crm = createSocialCrm({
    ledger: storage,
    tenants: { ledger: (tenant) => storage.forTenant(tenant) },
    adapters: [
      telegramAdapter({
        accounts: {
          resolve: (botId) => {
            const bot = bots[botId];
            return bot ? { credentials: { botToken: bot.token, secretToken: bot.secret }, tenant: bot.tenant } : null;
          },
        },
      }),
    ],
  });
  return { crm, storage };
}

const deliver = (url: string, secret: string, messageId: number) =>
  new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
    // The same person writes to both bots: same chat id, same message id.
    body: JSON.stringify({ update_id: 900 + messageId, message: { message_id: 15, from: ayse, chat: { id: ayse.id, first_name: 'Ayşe', type: 'private' }, date: Math.floor(Date.now() / 1000), text: `Merhaba ${messageId}` } }),
  });

describe('telegram with many bots', () => {
  it('reads the bot from the URL, checks its own secret, keeps the two bots apart and answers with the right bot', async () => {
    const { crm } = setup();
    expect((await crm.handleWebhook(deliver('https://crm.example.test/webhooks/telegram?bot=7100000001', 'acme-hook-secret', 1))).status).toBe(200);
    expect((await crm.handleWebhook(deliver('https://crm.example.test/webhooks/telegram/7100000002', 'globex-hook-secret', 2))).status).toBe(200);
    // Another bot's secret does not open this bot's URL.
    expect((await crm.handleWebhook(deliver('https://crm.example.test/webhooks/telegram?bot=7100000001', 'globex-hook-secret', 3))).status).toBe(401);

    const acme = await crm.tenant('acme');
    const globex = await crm.tenant('globex');
    const acmeItems = (await acme.ledger.queryInteractions({})).items;
    const globexItems = (await globex.ledger.queryInteractions({})).items;
    expect(acmeItems.map((item) => item.id)).toEqual(['telegram:7100000001:583920174_15']);
    expect(globexItems.map((item) => item.id)).toEqual(['telegram:7100000002:583920174_15']);

    server.route('post', `${API}/:botPath/sendMessage`, ({ call }) => ({
      ok: true,
      result: { message_id: 16, from: { id: Number(String(call.params.botPath).slice(3).split(':')[0]), is_bot: true, first_name: 'Destek' }, chat: { id: ayse.id, type: 'private' }, date: Math.floor(Date.now() / 1000), text: 'Bakıyoruz' },
    }));
    const reply = await globex.reply('telegram:7100000002:583920174_15', 'Bakıyoruz');
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.url).toBe(`${API}/bot${bots['7100000002']!.token}/sendMessage`);
    expect(reply.id).toBe('telegram:7100000002:583920174_16');
  });

  it('refuses an unknown bot with 404 and stores nothing', async () => {
    const { crm, storage } = setup();
    const response = await crm.handleWebhook(deliver('https://crm.example.test/webhooks/telegram?bot=7199999999', 'whatever', 4));
    expect(response.status).toBe(404);
    expect((await storage.listDeadLetters()).items).toEqual([]);
    expect(JSON.stringify(await response.json())).toContain('UNKNOWN_ACCOUNT');
  });
});
