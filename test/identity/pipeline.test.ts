import { describe, expect, it } from 'vitest';
import { createIdentityMerger } from 'social-crm/identity';
import { createSocialCrm, memoryLedger, type ChannelIdentity, type InteractionInput } from 'social-crm';
import { ayseInstagram, ayseWhatsapp, ayseX } from './_fixtures.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function message(author: ChannelIdentity, nativeId: string): InteractionInput {
  return { channel: author.channel, nativeId, kind: 'direct_message', visibility: 'private', author, text: 'Siparişim nerede?', createdAt: '2026-11-22T10:00:00Z' };
}

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

  it('is the default resolver', async () => {
    const ledger = memoryLedger();
    const crm = createSocialCrm({ ledger, classifier: false, logger: silent });
    await crm.ingest([message(ayseInstagram, 'ig-m2'), message(ayseX, 'x-m2')]);
    expect((await ledger.getInteraction('x:x-m2'))?.customerId).toBe((await ledger.getInteraction('instagram:ig-m2'))?.customerId);
  });
});
