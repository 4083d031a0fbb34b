import { describe, expect, it } from 'vitest';
import { createSocialCrm, memoryLedger, type MergeRecord } from 'social-crm';
import { createIdentityMerger } from 'social-crm/identity';

describe('a merger passed to createSocialCrm() is bound to the crm', () => {
  it('runs link and merge on the crm ledger without a context (wired as the identity guide shows)', async () => {
    const identity = createIdentityMerger({ evidence: 'probabilistic', defaultRegion: 'TR' });
    const crm = createSocialCrm({ ledger: memoryLedger(), identity, classifier: false });
    const merged: MergeRecord[] = [];
    crm.on('customer-merged', ({ merge }) => void merged.push(merge));

    const first = await identity.link({ channel: 'whatsapp', nativeId: '905551112233', displayName: 'Ayşe' }, 'contact-1');
    const second = await identity.link({ channel: 'instagram', nativeId: '17841400000000001', handle: 'ayse.y' }, 'contact-2');
    const merge = await identity.merge([first.customerId, second.customerId], { agent: 'agent-7', survivorId: first.customerId });

    expect(merge.survivorId).toBe(first.customerId);
    expect((await crm.ledger.getCustomer(second.customerId))?.mergedInto).toBe(first.customerId);
    await expect.poll(() => merged.map((entry) => entry.id)).toContain(merge.id);
    await crm.close();
  });

  it('keeps the ledger the merger was created with', async () => {
    const own = memoryLedger();
    const identity = createIdentityMerger({ ledger: own });
    const crm = createSocialCrm({ ledger: memoryLedger(), identity, classifier: false });
    const { customerId } = await identity.link({ channel: 'email', nativeId: 'ayse@example.com' }, 'contact-1');
    expect(await own.getCustomer(customerId)).not.toBeNull();
    expect(await crm.ledger.getCustomer(customerId)).toBeNull();
    await crm.close();
  });
});
