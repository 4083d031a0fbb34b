import { describe, expect, it } from 'vitest';
import { createIdentityMerger } from 'social-crm/identity';
import { memoryLedger, type ChannelIdentity, type InteractionLedger } from 'social-crm';
import { addInteraction, ayseFacebook, ayseInstagram, ayseWhatsapp, ayseX, testContext } from './_fixtures.js';

async function stateOf(ledger: InteractionLedger, customerIds: string[]) {
  return Promise.all(customerIds.map((id) => ledger.exportCustomer(id)));
}

describe('conflicting strong identifiers', () => {
  it('never auto-merges customers whose verified emails differ; suggests instead', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger();
    const first = await merger.resolve({ channel: 'facebook', nativeId: 'f1', displayName: 'Ayşe Yılmaz', email: 'ayse.yilmaz@gmail.com' }, context);
    const second = await merger.resolve({ channel: 'email', nativeId: 'e2', displayName: 'Ayşe Yılmaz', email: 'ayse.yilmaz@outlook.com' }, context);
    expect(second.customerId).not.toBe(first.customerId);
    expect(second.merges).toEqual([]);
    await expect(merger.explainPair({ channel: 'facebook', nativeId: 'f1', displayName: 'Ayşe Yılmaz', email: 'ayse.yilmaz@gmail.com' }, { channel: 'email', nativeId: 'e2', displayName: 'Ayşe Yılmaz', email: 'ayse.yilmaz@outlook.com' })).resolves.toMatchObject({
      band: 'auto-merge',
      conflicts: [expect.stringContaining('different verified emails')],
    });
    expect((await merger.suggestions({}, context)).items[0]).toMatchObject({ reason: 'conflict', candidateCustomerId: first.customerId });
  });

  it('never auto-merges on an equal verified email when verified phones differ', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger({ verifiedPhoneChannels: ['whatsapp', 'facebook'] });
    const existing = await merger.attest(
      { channel: 'email', nativeId: 'ayse@example.com', email: 'ayse@example.com' },
      { channel: 'whatsapp', nativeId: '905321234567', phone: '+905321234567' },
      { source: 'test' },
      context,
    );
    const incoming = await merger.resolve({ channel: 'facebook', nativeId: 'f9', email: 'ayse@example.com', phone: '+905559876543' }, context);
    expect(incoming.customerId).not.toBe(existing.customerId);
    expect(incoming.merges).toEqual([]);
    expect(incoming.suggestions[0]).toMatchObject({ customerId: existing.customerId, evidence: { reason: 'conflict' } });
  });

  it('refuses a manual merge across conflicts unless forced, leaving state unchanged', async () => {
    const ledger = memoryLedger();
    const context = testContext(ledger);
    const merger = createIdentityMerger({ ledger, now: context.now, generateId: context.generateId });
    const a = await merger.resolve({ channel: 'whatsapp', nativeId: '905321234567', phone: '+905321234567' }, context);
    const b = await merger.resolve({ channel: 'whatsapp', nativeId: '905551112233', phone: '+905551112233' }, context);
    const before = await stateOf(ledger, [a.customerId, b.customerId]);
    await expect(merger.merge([a.customerId, b.customerId], { agent: 'agent-7' })).rejects.toMatchObject({ code: 'IDENTITY_CONFLICT' });
    expect(await stateOf(ledger, [a.customerId, b.customerId])).toEqual(before);
    const forced = await merger.merge([a.customerId, b.customerId], { agent: 'agent-7', force: true, reason: 'same household phone' });
    expect(forced.decidedBy).toEqual({ type: 'agent', name: 'agent-7' });
    expect((forced.evidence as { reasons: string[] }).reasons.some((reason) => reason.startsWith('overridden conflict'))).toBe(true);
  });
});

describe('conflicting commands', () => {
  async function twoCustomers() {
    const ledger = memoryLedger();
    const context = testContext(ledger);
    const merger = createIdentityMerger({ ledger, now: context.now, generateId: context.generateId, evidence: 'attested-only' });
    const a = await merger.resolve(ayseInstagram, context);
    const b = await merger.resolve(ayseWhatsapp, context);
    const c = await merger.resolve(ayseX, context);
    return { ledger, merger, ids: [a.customerId, b.customerId, c.customerId] as [string, string, string] };
  }

  it('rejects merging a customer that is already merged, state unchanged', async () => {
    const { ledger, merger, ids } = await twoCustomers();
    await merger.merge([ids[0], ids[1]], { agent: 'agent-1' });
    const before = await stateOf(ledger, ids);
    await expect(merger.merge([ids[1], ids[2]], { agent: 'agent-1' })).rejects.toMatchObject({ code: 'IDENTITY_CONFLICT' });
    await expect(merger.merge([ids[0], ids[0]], { agent: 'agent-1' })).rejects.toMatchObject({ code: 'IDENTITY_CONFLICT' });
    expect(await stateOf(ledger, ids)).toEqual(before);
  });

  it('rejects undoing a merge twice, state unchanged', async () => {
    const { ledger, merger, ids } = await twoCustomers();
    const merge = await merger.merge([ids[0], ids[1]], { agent: 'agent-1' });
    await merger.unmerge(merge.id);
    const before = await stateOf(ledger, ids);
    await expect(merger.unmerge(merge.id)).rejects.toMatchObject({ code: 'IDENTITY_CONFLICT' });
    expect(await stateOf(ledger, ids)).toEqual(before);
    await expect(merger.unmerge('no-such-merge')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('rejects undoing a merge whose survivor was merged again, until that is undone', async () => {
    const { merger, ids } = await twoCustomers();
    const first = await merger.merge([ids[0], ids[1]], { agent: 'agent-1', survivorId: ids[0] });
    const second = await merger.merge([ids[2], ids[0]], { agent: 'agent-1', survivorId: ids[2] });
    await expect(merger.unmerge(first.id)).rejects.toMatchObject({ code: 'IDENTITY_CONFLICT' });
    await merger.unmerge(second.id);
    await expect(merger.unmerge(first.id)).resolves.toMatchObject({ skippedIdentities: [] });
  });
});

describe('reply routes', () => {
  it('keeps each identity and every interaction author as it was after a merge', async () => {
    const ledger = memoryLedger();
    const context = testContext(ledger);
    const merger = createIdentityMerger();
    const instagram = await merger.resolve(ayseInstagram, context);
    const fromInstagram = await addInteraction(ledger, ayseInstagram, instagram.customerId);
    const whatsapp = await merger.resolve(ayseWhatsapp, context);
    const fromWhatsapp = await addInteraction(ledger, ayseWhatsapp, whatsapp.customerId);
    const x = await merger.resolve(ayseX, context);
    expect(x.merges).toHaveLength(1);
    await merger.attest(ayseInstagram, ayseWhatsapp, { source: 'test' }, context);

    const survivor = instagram.customerId;
    for (const identity of [ayseInstagram, ayseWhatsapp, ayseX] as ChannelIdentity[]) {
      const record = await ledger.getIdentity(`${identity.channel}:${identity.nativeId}`);
      expect(record?.identity).toEqual(identity);
      expect(record?.customerId).toBe(survivor);
    }
    const storedWhatsapp = await ledger.getInteraction(fromWhatsapp.id);
    expect(storedWhatsapp?.author).toEqual(ayseWhatsapp);
    expect(storedWhatsapp?.customerId).toBe(survivor);
    expect((await ledger.getInteraction(fromInstagram.id))?.author).toEqual(ayseInstagram);
  });
});

describe('split', () => {
  it('moves identities and their interactions to a new customer that is not merged back', async () => {
    const ledger = memoryLedger();
    const context = testContext(ledger);
    const merger = createIdentityMerger({ ledger, now: context.now, generateId: context.generateId });
    const instagram = await merger.resolve(ayseInstagram, context);
    const x = await merger.resolve(ayseX, context);
    expect(x.customerId).toBe(instagram.customerId);
    const message = await addInteraction(ledger, ayseX, x.customerId);
    const created = await merger.split(instagram.customerId, ['x:x-9'], { agent: 'agent-2' });
    expect(created.identityKeys).toEqual(['x:x-9']);
    expect((await ledger.getIdentity('x:x-9'))?.customerId).toBe(created.id);
    expect((await ledger.getInteraction(message.id))?.customerId).toBe(created.id);
    expect((await ledger.getCustomer(instagram.customerId))?.identityKeys).toEqual(['instagram:ig-1']);
    // New evidence on the split identity does not undo the agent's decision.
    const again = await merger.resolve({ ...ayseX, email: 'ayse.x@example.com' }, context);
    expect(again.customerId).toBe(created.id);
    expect(again.merges).toEqual([]);
    expect(again.suggestions[0]).toMatchObject({ evidence: { reason: 'previously-separated' } });
    await expect(merger.split(created.id, ['x:x-9'], { agent: 'agent-2' })).rejects.toMatchObject({ code: 'IDENTITY_CONFLICT' });
  });
});
