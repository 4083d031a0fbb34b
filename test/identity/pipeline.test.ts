import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIdentityMerger } from 'social-crm/identity';
import { channelIdentityResolver, createSocialCrm, memoryLedger, type ChannelIdentity, type InteractionInput } from 'social-crm';
import { xAdapter } from 'social-crm/adapters/x';
import { createChannelTestServer } from 'social-crm/testing';
import { ayseInstagram, ayseWhatsapp, ayseX } from './_fixtures.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function message(author: ChannelIdentity, nativeId: string): InteractionInput {
  return { channel: author.channel, nativeId, kind: 'direct_message', visibility: 'private', author, text: 'Siparişim nerede?', createdAt: '2026-11-22T10:00:00Z' };
}

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

describe('the pipeline with the merger', () => {
  it('attributes interactions from one person on two networks to one customer and announces the merge', async () => {
    const ledger = memoryLedger();
    const merger = createIdentityMerger({ ledger });
    const crm = createSocialCrm({ ledger, classifier: false, identity: merger, logger: silent });
    const merged: string[] = [];
    crm.on('customer-merged', ({ merge }) => merged.push(merge.id));
    await crm.ingest([message(ayseInstagram, 'ig-m1'), message(ayseWhatsapp, 'wa-m1'), message(ayseX, 'x-m1')]);
    const instagram = await ledger.getInteraction('instagram:ig-m1');
    const x = await ledger.getInteraction('x:x-m1');
    const whatsapp = await ledger.getInteraction('whatsapp:wa-m1');
    expect(x?.customerId).toBe(instagram?.customerId);
    expect(whatsapp?.customerId).not.toBe(instagram?.customerId);
    expect(merged).toHaveLength(1);
    // Each interaction still names the identity that wrote it, so replies go back there.
    expect(x?.author).toMatchObject({ channel: 'x', nativeId: 'x-9', handle: 'ayse_yilmaz' });
    const explanation = await merger.explain(instagram!.customerId as string);
    expect(explanation.merges.map((merge) => merge.mergeId)).toEqual(merged);
  });

  it('stores an interaction with the customer its author was merged into while it was on its way', async () => {
    const ledger = memoryLedger();
    const merger = createIdentityMerger({ ledger });
    const existing = await merger.resolve({ channel: 'email', nativeId: 'ayse@example.com', email: 'ayse@example.com' }, { ledger, now: () => new Date(), generateId: () => 'cus_existing' });
    let merges = 0;
    const crm = createSocialCrm({
      ledger,
      classifier: false,
      identity: merger,
      logger: silent,
      hooks: {
        // Between the resolution and the append, an agent folds the new customer into the existing one.
        afterReceive: [
          async ({ interaction }) => {
            if (merges++ === 0) await merger.merge([existing.customerId, interaction.customerId!], { agent: 'agent-7', survivorId: existing.customerId });
          },
        ],
      },
    });
    await crm.ingest(message(ayseInstagram, 'ig-late'));
    expect((await ledger.getInteraction('instagram:ig-late'))?.customerId).toBe(existing.customerId);
    expect((await ledger.getIdentity('instagram:ig-1'))?.customerId).toBe(existing.customerId);
  });

  it("announces an agent's merge, its undoing and a split on the crm's bus", async () => {
    const ledger = memoryLedger();
    const merger = createIdentityMerger({ ledger });
    const crm = createSocialCrm({ ledger, classifier: false, identity: merger, logger: silent });
    const seen: string[] = [];
    crm.on('customer-merged', ({ merge }) => seen.push(`merged ${merge.id}`));
    crm.on('customer-unmerged', ({ merge }) => seen.push(`unmerged ${merge.id}`));
    crm.on('customer-created', ({ customer }) => seen.push(`created ${customer.id}`));
    await crm.ingest([message(ayseInstagram, 'ig-m9'), message(ayseWhatsapp, 'wa-m9')]);
    const instagram = (await ledger.getInteraction('instagram:ig-m9'))!.customerId as string;
    const whatsapp = (await ledger.getInteraction('whatsapp:wa-m9'))!.customerId as string;
    seen.length = 0;
    const merge = await merger.merge([instagram, whatsapp], { agent: 'selin' });
    await merger.unmerge(merge.id);
    const again = await merger.merge([instagram, whatsapp], { agent: 'selin' });
    const split = await merger.split(again.survivorId, [`whatsapp:${ayseWhatsapp.nativeId}`], { agent: 'selin' });
    // With a ledger that keeps an outbox, a command's announcement commits with its outbox record first.
    await vi.waitFor(() => expect(seen).toEqual([`merged ${merge.id}`, `unmerged ${merge.id}`, `merged ${again.id}`, `created ${split.id}`]), { timeout: 15_000 });
    await crm.close();
    await merger.merge([again.survivorId, split.id], { agent: 'selin' });
    expect(seen).toHaveLength(4);
  });

  it('is the default resolver', async () => {
    const ledger = memoryLedger();
    const crm = createSocialCrm({ ledger, classifier: false, logger: silent });
    await crm.ingest([message(ayseInstagram, 'ig-m2'), message(ayseX, 'x-m2')]);
    expect((await ledger.getInteraction('x:x-m2'))?.customerId).toBe((await ledger.getInteraction('instagram:ig-m2'))?.customerId);
  });

  it('answers a merged customer on the handle each message came from', async () => {
    const ledger = memoryLedger();
    const crm = createSocialCrm({ ledger, classifier: false, adapters: [xAdapter({ userId: '1234567890', userAccessToken: 'user-token' })], logger: silent });
    server.route('post', 'https://api.x.com/2/dm_conversations/with/:participant/messages', ({ call }) =>
      HttpResponse.json({ data: { dm_conversation_id: `1234567890-${String(call.params.participant)}`, dm_event_id: '1582838223204000001' } }, { status: 201 }),
    );
    await crm.ingest([message(ayseInstagram, 'ig-m3'), message(ayseX, '1582838223200000003')]);
    const fromX = await ledger.getInteraction('x:1582838223200000003');
    expect(fromX?.customerId).toBe((await ledger.getInteraction('instagram:ig-m3'))?.customerId);

    const reply = await crm.reply('x:1582838223200000003', 'Merhaba Ayşe, siparişine bakıyoruz.');
    // The DM goes to the X account that wrote, not to her Instagram account, though both are one customer.
    expect(server.calls).toHaveLength(1);
    expect(new URL(server.calls[0]!.url).pathname).toBe('/2/dm_conversations/with/x-9/messages');
    expect(server.calls[0]!.bodyJson).toEqual({ text: 'Merhaba Ayşe, siparişine bakıyoruz.' });
    expect(reply).toMatchObject({ channel: 'x', direction: 'outbound', customerId: fromX?.customerId, recipientId: 'x-9', parentId: '1582838223200000003' });
  });

  it.each([
    ['the merger', () => createIdentityMerger()],
    ['one customer per identity', () => undefined],
  ])('keeps profile changes at once and lastSeenAt to the minute (%s)', async (_name, makeMerger) => {
    const ledger = memoryLedger();
    let clock = new Date('2026-11-22T10:00:00Z');
    const merger = makeMerger();
    const crm = createSocialCrm({ ledger, classifier: false, ...(merger ? { identity: merger } : { identity: channelIdentityResolver() }), logger: silent, now: () => clock });
    const at = async (iso: string, nativeId: string, author: ChannelIdentity = ayseX) => {
      clock = new Date(iso);
      await crm.ingest({ ...message(author, nativeId), createdAt: iso });
      return (await ledger.getIdentity('x:x-9'))!;
    };
    expect((await at('2026-11-22T10:00:00Z', 's1')).lastSeenAt).toBe('2026-11-22T10:00:00.000Z');
    expect((await at('2026-11-22T10:00:30Z', 's2')).lastSeenAt).toBe('2026-11-22T10:00:00.000Z');
    const renamed = await at('2026-11-22T10:00:40Z', 's3', { ...ayseX, displayName: 'Ayşe Y.' });
    expect(renamed).toMatchObject({ lastSeenAt: '2026-11-22T10:00:40.000Z', identity: { displayName: 'Ayşe Y.', handle: 'ayse_yilmaz' } });
    expect((await at('2026-11-22T10:02:00Z', 's4')).lastSeenAt).toBe('2026-11-22T10:02:00.000Z');
    // A late delivery never moves it back.
    expect((await at('2026-11-22T09:00:00Z', 's5')).lastSeenAt).toBe('2026-11-22T10:02:00.000Z');
  });
});
