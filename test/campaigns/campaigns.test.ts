import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isSocialCrmError, memoryLedger, type InteractionLedger, type SocialCrm } from 'social-crm';
import { createCampaigns, type CampaignDefinition } from 'social-crm/campaigns';
import { createSegmentEngine } from 'social-crm/insights';
import { postgresLedger } from 'social-crm/ledgers/postgres';
import { createChannelTestServer } from 'social-crm/testing';
import { sharedPglite } from '../helpers/pglite.js';
import { WA_MESSAGES, TELEGRAM_SEND, customerWrote, makeCrm, whatsappSent } from './_setup.js';

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

const database = sharedPglite();
let schemas = 0;
const ledgers: Array<[string, () => InteractionLedger]> = [
  ['the memory ledger', () => memoryLedger()],
  ['the PostgreSQL ledger (PGlite)', () => postgresLedger({ pglite: database(), schema: `campaigns_${process.pid}_${++schemas}` })],
];

const longAgo = new Date(Date.now() - 10 * 24 * 3_600_000);
const recipients = () => server.calls.map((call) => (call.bodyJson as { to?: string; chat_id?: number }).to ?? String((call.bodyJson as { chat_id?: number }).chat_id));

function spring(audience: string[], extra: Partial<CampaignDefinition> = {}): CampaignDefinition {
  return {
    id: 'spring-2027',
    purpose: 'marketing',
    audience,
    messages: {
      whatsapp: { template: { name: 'spring_sale', language: 'tr', parameters: ['{{firstName}}'], parameterCount: 1 } },
      telegram: { text: 'Bahar indirimi, {{firstName}}!' },
    },
    ...extra,
  };
}

/** Customers on WhatsApp, each opted in to marketing unless said otherwise. */
async function whatsappCustomers(crm: SocialCrm, count: number, consent: (index: number) => 'opted-in' | 'opted-out' | 'none' = () => 'opted-in'): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const phone = `90532000${String(index).padStart(4, '0')}`;
    ids.push(await customerWrote(crm, 'whatsapp', phone, 'Merhaba', longAgo, `Müşteri${index} Test`));
    const choice = consent(index);
    if (choice !== 'none') {
      await crm.setConsent(`whatsapp:${phone}`, 'opted-in', 'crm:signup', { purpose: 'marketing' });
      if (choice === 'opted-out') await crm.setConsent(`whatsapp:${phone}`, 'opted-out', 'whatsapp:STOP', { purpose: 'marketing' });
    }
  }
  return ids;
}

describe('campaigns: consent', () => {
  it('never messages a customer who never opted in, opted out, or withdrew while the campaign ran', async () => {
    const crm = makeCrm();
    const ids = await whatsappCustomers(crm, 5, (index) => (index === 1 ? 'none' : index === 2 ? 'opted-out' : 'opted-in'));
    // Customer 4 withdraws while the first message is on its way: consent is read again for each message.
    server.route('post', WA_MESSAGES, async ({ index, call }) => {
      if (index === 0) await crm.setConsent('whatsapp:905320000004', 'opted-out', 'whatsapp:STOP', { purpose: 'marketing' });
      return whatsappSent((call.bodyJson as { to: string }).to, index);
    });
    const campaigns = createCampaigns(crm, { optOut: false });
    const preview = await campaigns.preview(spring(ids));
    expect(preview.included.map((member) => member.customerId)).toEqual([ids[0], ids[3], ids[4]]);
    expect(preview.excluded).toEqual([
      expect.objectContaining({ customerId: ids[1], reason: 'no-consent', channel: 'whatsapp' }),
      expect.objectContaining({ customerId: ids[2], reason: 'opted-out', channel: 'whatsapp' }),
    ]);
    const result = await campaigns.run(spring(ids));
    expect(recipients()).toEqual(['905320000000', '905320000003']);
    expect(result.sent.map((sent) => sent.customerId)).toEqual([ids[0], ids[3]]);
    expect(result.excluded).toContainEqual(expect.objectContaining({ customerId: ids[4], reason: 'opted-out' }));
    expect(result.status).toBe('completed');
  });

  it('takes its audience from a segment of social-crm/insights', async () => {
    server.route('post', WA_MESSAGES, ({ index, call }) => whatsappSent((call.bodyJson as { to: string }).to, index));
    const crm = makeCrm();
    const ids = await whatsappCustomers(crm, 3);
    const vip = (await crm.ledger.getCustomer(ids[2]!))!;
    await crm.ledger.saveCustomer({ ...vip, attributes: { ...vip.attributes, tier: 'gold' } });
    const segments = createSegmentEngine([{ id: 'gold', when: { attribute: 'tier', equals: 'gold' } }]);
    await segments.evaluateAll(crm.ledger);
    const result = await createCampaigns(crm, { optOut: false }).run(spring([], { audience: { segment: 'gold', engine: segments } }));
    expect(result.sent.map((sent) => sent.customerId)).toEqual([ids[2]]);
    expect(recipients()).toEqual(['905320000002']);
  });

  it('a dry run checks everything and sends nothing', async () => {
    const crm = makeCrm();
    const ids = await whatsappCustomers(crm, 2);
    const result = await createCampaigns(crm, { optOut: false }).run(spring(ids), { dryRun: true });
    expect(result).toMatchObject({ dryRun: true, sent: [], failed: [] });
    expect(server.calls).toHaveLength(0);
  });

  it('a template parameter missing for any member is a typed error before anything is sent', async () => {
    server.route('post', WA_MESSAGES, ({ index }) => whatsappSent('x', index));
    const crm = makeCrm();
    const ids = await whatsappCustomers(crm, 2);
    const noName = await customerWrote(crm, 'whatsapp', '905329999999', 'Selam', longAgo, '');
    await crm.setConsent('whatsapp:905329999999', 'opted-in', 'crm', { purpose: 'marketing' });
    const error = await createCampaigns(crm, { optOut: false }).run(spring([...ids, noName])).catch((thrown: unknown) => thrown);
    expect(isSocialCrmError(error, 'INVALID_OPTIONS')).toBe(true);
    expect((error as Error).message).toContain(noName);
    expect(server.calls).toHaveLength(0);
  });
});

describe.each(ledgers)('campaigns: resumable, on %s', (_, makeLedger) => {
  it('a crash mid-campaign, resumed by a new runner over the same ledger, messages nobody twice', async () => {
    const ledger = makeLedger();
    const first = makeCrm(ledger);
    const ids = await whatsappCustomers(first, 6);
    const controller = new AbortController();
    server.route('post', WA_MESSAGES, ({ index, call }) => {
      // The process dies while its third message is on the wire: the answer never arrives.
      if (index === 2) {
        controller.abort();
        return HttpResponse.error();
      }
      return whatsappSent((call.bodyJson as { to: string }).to, index);
    });
    const crashed = await createCampaigns(first, { optOut: false }).run(spring(ids), { signal: controller.signal });
    expect(crashed.sent).toHaveLength(2);
    expect(crashed.status).toBe('running');

    const second = makeCrm(ledger);
    const resumed = await createCampaigns(second, { optOut: false }).run(spring(ids));
    expect(resumed.sent.map((sent) => sent.customerId)).toEqual(ids.slice(3));
    // The one whose send was cut off is in doubt: never sent again automatically.
    expect(resumed.excluded).toContainEqual(expect.objectContaining({ customerId: ids[2], reason: 'in-doubt' }));
    expect(recipients()).toEqual(['905320000000', '905320000001', '905320000002', '905320000003', '905320000004', '905320000005']);
    expect(new Set(recipients()).size).toBe(recipients().length);

    // A third run sends nothing at all.
    const again = await createCampaigns(makeCrm(ledger), { optOut: false }).run(spring(ids));
    expect(again.sent).toEqual([]);
    expect(server.calls).toHaveLength(6);
  });

  it('pause stops a campaign until resume; cancel stops it for good', async () => {
    server.route('post', WA_MESSAGES, ({ index, call }) => whatsappSent((call.bodyJson as { to: string }).to, index));
    const ledger = makeLedger();
    const crm = makeCrm(ledger);
    const ids = await whatsappCustomers(crm, 2);
    const campaigns = createCampaigns(crm, { optOut: false });
    await campaigns.pause('spring-2027');
    expect((await campaigns.run(spring(ids))).status).toBe('paused');
    // The state is in the ledger: another runner sees it.
    expect(await createCampaigns(makeCrm(ledger), { optOut: false }).status('spring-2027')).toBe('paused');
    expect(server.calls).toHaveLength(0);
    await campaigns.resume('spring-2027');
    expect((await campaigns.run(spring(ids))).sent).toHaveLength(2);
    await campaigns.cancel('spring-2027');
    await expect(campaigns.resume('spring-2027')).rejects.toThrow(/cancelled/);
  });
});

describe('campaigns: safe sending', () => {
  it('a 429 storm slows the campaign without losing a message', async () => {
    const crm = makeCrm();
    const ids = await whatsappCustomers(crm, 5);
    let refused = 0;
    server.route('post', WA_MESSAGES, ({ index, call }) => {
      // Every other call is refused for the first eight: Graph's throughput error, as WhatsApp documents it.
      if (index < 8 && index % 2 === 0) {
        refused++;
        return HttpResponse.json({ error: { message: '(#130429) Rate limit hit', type: 'OAuthException', code: 130429, error_data: { messaging_product: 'whatsapp', details: 'Cloud API message throughput has been reached.' }, fbtrace_id: 'Az8or2yhqkZfEZ-_4Qn_Bam' } }, { status: 429, headers: { 'retry-after': '0' } });
      }
      return whatsappSent((call.bodyJson as { to: string }).to, index);
    });
    const campaigns = createCampaigns(crm, { optOut: false, maxRateLimitWaitMs: 20 });
    const result = await campaigns.run(spring(ids));
    expect(refused).toBe(4);
    expect(result.rateLimited).toBe(4);
    expect(result.failed).toEqual([]);
    expect(result.sent.map((sent) => sent.customerId)).toEqual(ids);
    const accepted = server.calls.filter((_, index) => !(index < 8 && index % 2 === 0)).map((call) => (call.bodyJson as { to: string }).to);
    expect(accepted).toEqual(ids.map((_, index) => `90532000${String(index).padStart(4, '0')}`));
    expect(campaigns.pace('whatsapp')).toBeLessThan(80);
  });

  it('defers customers in their quiet hours, in their own time zone', async () => {
    server.route('post', WA_MESSAGES, ({ index, call }) => whatsappSent((call.bodyJson as { to: string }).to, index));
    const crm = makeCrm();
    const ids = await whatsappCustomers(crm, 2);
    const customer = (await crm.ledger.getCustomer(ids[1]!))!;
    await crm.ledger.saveCustomer({ ...customer, attributes: { ...customer.attributes, timeZone: 'Asia/Tokyo' } });
    // 14:30 UTC: 17:30 in Istanbul (fine), 23:30 in Tokyo (quiet until 09:00 there, 00:00 UTC).
    const campaigns = createCampaigns(crm, { optOut: false, quietHours: { start: '21:00', end: '09:00' }, defaultTimeZone: 'Europe/Istanbul', now: () => new Date('2027-03-01T14:30:00Z') });
    const result = await campaigns.run(spring(ids));
    expect(result.sent.map((sent) => sent.customerId)).toEqual([ids[0]]);
    expect(result.excluded).toEqual([expect.objectContaining({ customerId: ids[1], reason: 'quiet-hours', notBefore: '2027-03-02T00:00:00.000Z' })]);
    expect(result.status).toBe('running');
  });

  it('caps campaign messages per customer across campaigns', async () => {
    server.route('post', WA_MESSAGES, ({ index, call }) => whatsappSent((call.bodyJson as { to: string }).to, index));
    const crm = makeCrm();
    const ids = await whatsappCustomers(crm, 1);
    const campaigns = createCampaigns(crm, { optOut: false, frequencyCap: { max: 1, days: 7 } });
    expect((await campaigns.run(spring(ids))).sent).toHaveLength(1);
    const next = await campaigns.run(spring(ids, { id: 'summer-2027' }));
    expect(next.sent).toEqual([]);
    expect(next.excluded).toEqual([expect.objectContaining({ reason: 'frequency-cap' })]);
    expect(server.calls).toHaveLength(1);
  });

  it('an opt-out word in a reply withdraws marketing consent and is confirmed once', async () => {
    server.route('post', WA_MESSAGES, ({ index, call }) => whatsappSent((call.bodyJson as { to: string }).to, 100 + index));
    const crm = makeCrm();
    const [id] = await whatsappCustomers(crm, 1);
    const campaigns = createCampaigns(crm);
    await customerWrote(crm, 'whatsapp', '905320000000', 'İPTAL', new Date(Date.now() - 60_000));
    await vi.waitFor(async () => expect((await crm.ledger.getConsent('whatsapp:905320000000'))?.status).toBe('opted-out'));
    await vi.waitFor(() => expect(server.calls).toHaveLength(1));
    expect((server.calls[0]!.bodyJson as { text: { body: string } }).text.body).toMatch(/kampanya mesajı göndermeyeceğiz/);
    await customerWrote(crm, 'whatsapp', '905320000000', 'iptal', new Date(Date.now() - 30_000));
    expect(await campaigns.handleInbound((await crm.ledger.queryInteractions({ authorKey: 'whatsapp:905320000000', order: 'desc', limit: 1 })).items[0]!)).toBe(true);
    expect(server.calls).toHaveLength(1);
    expect((await campaigns.run(spring([id!]))).sent).toEqual([]);
    expect(server.calls).toHaveLength(1);
    campaigns.close();
  });

  it('does not treat a sentence that contains a word as an opt-out', async () => {
    const crm = makeCrm();
    await whatsappCustomers(crm, 1);
    const campaigns = createCampaigns(crm);
    await customerWrote(crm, 'whatsapp', '905320000000', 'Siparişimi iptal etmek istemiyorum, sadece soru', new Date(Date.now() - 60_000));
    const latest = (await crm.ledger.queryInteractions({ authorKey: 'whatsapp:905320000000', order: 'desc', limit: 1 })).items[0]!;
    expect(await campaigns.handleInbound(latest)).toBe(false);
    expect((await crm.ledger.getConsent('whatsapp:905320000000'))?.status).toBe('opted-in');
    campaigns.close();
  });
});

describe('campaigns: channels and results', () => {
  it('picks the channel each customer can be reached on, and attributes delivery, replies and opt-outs', async () => {
    server.route('post', WA_MESSAGES, ({ index, call }) => whatsappSent((call.bodyJson as { to: string }).to, index));
    server.route('post', TELEGRAM_SEND, ({ index }) => ({ ok: true, result: { message_id: 900 + index, date: Math.floor(Date.now() / 1000), chat: { id: 5550001, type: 'private' } } }));
    const crm = makeCrm();
    const [onWhatsapp] = await whatsappCustomers(crm, 1);
    const onTelegram = await customerWrote(crm, 'telegram', '5550001', '/start', longAgo, 'Mehmet Kaya');
    await crm.setConsent('telegram:5550001', 'opted-in', 'telegram:/start', { purpose: 'marketing' });
    const orders: Record<string, string> = {};
    const campaigns = createCampaigns(crm, { conversions: ({ customerId, from, to }) => (orders[customerId] && orders[customerId] >= from && orders[customerId] < to ? 1 : 0) });
    const result = await campaigns.run(spring([onWhatsapp!, onTelegram]));
    orders[onWhatsapp!] = new Date(Date.now() + 3_600_000).toISOString();
    expect(result.sent.map((sent) => sent.channel)).toEqual(['whatsapp', 'telegram']);
    expect(server.calls.find((call) => call.url === TELEGRAM_SEND)?.bodyJson).toEqual({ chat_id: 5550001, text: 'Bahar indirimi, Mehmet!' });

    const whatsappMessage = (await crm.ledger.getInteraction(result.sent[0]!.interactionId))!;
    await crm.processEvents([{ type: 'delivery-status', channel: 'whatsapp', nativeId: whatsappMessage.nativeId, status: 'read', at: new Date().toISOString() }]);
    await customerWrote(crm, 'whatsapp', '905320000000', 'Harika, indirim kodu nedir?', new Date(Date.now() + 1000));
    await customerWrote(crm, 'telegram', '5550001', 'STOP', new Date(Date.now() + 2000));
    await vi.waitFor(async () => expect((await crm.ledger.getConsent('telegram:5550001'))?.status).toBe('opted-out'));

    const results = await campaigns.results(spring([onWhatsapp!, onTelegram]));
    expect(results.byChannel.whatsapp).toMatchObject({ attempted: 1, reached: 1, delivered: 1, read: 1, replies: 1, repliedCustomers: 1, optOuts: 0, conversions: 1 });
    expect(results.byChannel.telegram).toMatchObject({ attempted: 1, reached: 1, delivered: 0, replies: 1, optOuts: 1 });
    expect(results.total).toMatchObject({ reached: 2, replies: 2, optOuts: 1 });
    campaigns.close();
  });

  it('a person who blocked the Telegram bot is excluded, and the schedule is kept', async () => {
    server.route('post', TELEGRAM_SEND, () => HttpResponse.json({ ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }, { status: 403 }));
    const crm = makeCrm();
    const id = await customerWrote(crm, 'telegram', '5550009', '/start', longAgo, 'Deniz Ak');
    await crm.setConsent('telegram:5550009', 'opted-in', 'telegram:/start', { purpose: 'marketing' });
    const campaigns = createCampaigns(crm, { optOut: false, now: () => new Date('2027-03-01T10:00:00Z') });
    const early = await campaigns.run(spring([id], { schedule: { startAt: '2027-03-02T00:00:00Z' } }));
    expect(early).toMatchObject({ sent: [], excluded: [], status: 'draft' });
    expect(server.calls).toHaveLength(0);
    const result = await campaigns.run(spring([id], { schedule: { startAt: '2027-03-01T00:00:00Z', endAt: '2027-03-08T00:00:00Z' } }));
    expect(result.sent).toEqual([]);
    expect(result.failed).toEqual([]);
    expect(result.excluded).toEqual([expect.objectContaining({ customerId: id, channel: 'telegram', reason: 'blocked' })]);
    expect(server.calls).toHaveLength(1);
  });
});
