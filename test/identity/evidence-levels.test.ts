import { describe, expect, it } from 'vitest';
import { createIdentityMerger } from 'social-crm/identity';
import { memoryLedger } from 'social-crm';
import { ayseEmail, ayseFacebook, ayseInstagram, ayseWhatsapp, ayseX, testContext } from './_fixtures.js';

describe('same channel identity', () => {
  it('keeps a known identity on its customer and refreshes its profile', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger();
    const first = await merger.resolve(ayseInstagram, context);
    const second = await merger.resolve({ ...ayseInstagram, displayName: 'Ayşe Y.' }, context);
    expect(first.created).toBe(true);
    expect(second).toEqual({ customerId: first.customerId, created: false, merges: [], suggestions: [] });
    expect((await context.ledger.getIdentity('instagram:ig-1'))?.identity.displayName).toBe('Ayşe Y.');
  });
});

describe('deterministic evidence', () => {
  it('merges equal verified emails (Gmail dots and tags ignored)', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger();
    const facebook = await merger.resolve(ayseFacebook, context);
    const email = await merger.resolve(ayseEmail, context);
    expect(email.customerId).toBe(facebook.customerId);
    expect(email.merges).toHaveLength(1);
    expect(email.merges[0]?.decidedBy).toEqual({ type: 'rule', name: 'same-verified-email' });
    const survivor = await context.ledger.getCustomer(facebook.customerId);
    expect(survivor?.identityKeys).toEqual(['facebook:fb-3', 'email:ayseyilmaz@gmail.com']);
  });

  it('merges equal verified phones written differently', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger({ defaultRegion: 'TR', evidence: 'deterministic' });
    const whatsapp = await merger.resolve(ayseWhatsapp, context);
    const telegram = await merger.resolve({ channel: 'telegram', nativeId: 't-5', phone: '0532 123 45 67' }, context);
    expect(telegram.customerId).toBe(whatsapp.customerId);
    expect(telegram.merges[0]?.decidedBy.name).toBe('same-verified-phone');
  });

  it('does not treat an unverified email as deterministic', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger({ evidence: 'deterministic' });
    const a = await merger.resolve({ channel: 'x', nativeId: '1', email: 'someone@example.com' }, context);
    const b = await merger.resolve({ channel: 'instagram', nativeId: '2', email: 'someone@example.com' }, context);
    expect(b.customerId).not.toBe(a.customerId);
  });

  it('merges identities the host CRM links to one contact', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger({ evidence: 'attested-only' });
    const instagram = await merger.resolve(ayseInstagram, context);
    await merger.resolve(ayseWhatsapp, context);
    const first = await merger.link(ayseInstagram, 'crm-42', context);
    expect(first.merges).toEqual([]);
    const second = await merger.link(ayseWhatsapp, 'crm-42', context);
    expect(second.merges).toHaveLength(1);
    expect(second.merges[0]?.decidedBy).toEqual({ type: 'crm', name: 'crm-link' });
    expect(second.customerId).toBe(instagram.customerId);
    const customer = await context.ledger.getCustomer(instagram.customerId);
    expect(customer?.crmContactId).toBe('crm-42');
    expect((await context.ledger.getIdentity('whatsapp:905321234567'))?.attested).toBe(true);
  });

  it('refuses to link a customer to a second CRM contact', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger();
    await merger.link(ayseInstagram, 'crm-1', context);
    await expect(merger.link(ayseInstagram, 'crm-2', context)).rejects.toMatchObject({ code: 'IDENTITY_CONFLICT' });
  });

  it('merges identities the platform attests', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger({ evidence: 'attested-only' });
    const result = await merger.attest(ayseInstagram, ayseFacebook, { source: 'meta-accounts-center' }, context);
    expect(result.merges[0]?.decidedBy).toEqual({ type: 'rule', name: 'platform-attested:meta-accounts-center' });
    expect((await context.ledger.getIdentity('facebook:fb-3'))?.customerId).toBe(result.customerId);
  });
});

describe('probabilistic evidence', () => {
  it('auto-merges the same name with the same handle on another network', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger();
    const instagram = await merger.resolve(ayseInstagram, context);
    const x = await merger.resolve(ayseX, context);
    expect(x.customerId).toBe(instagram.customerId);
    expect(x.merges[0]?.decidedBy.type).toBe('model');
    expect(x.merges[0]?.score).toBeGreaterThanOrEqual(0.99);
  });

  it('keeps the established customer when the clock does not move between identities', async () => {
    const ledger = memoryLedger();
    let counter = 0;
    const frozen = { ledger, now: () => new Date('2026-11-22T12:00:00Z'), generateId: () => `z${9 - counter++}` };
    const merger = createIdentityMerger();
    const instagram = await merger.resolve(ayseInstagram, frozen);
    const x = await merger.resolve(ayseX, frozen);
    expect(x.customerId).toBe(instagram.customerId);
    expect(x.merges[0]?.survivorId).toBe(instagram.customerId);
  });

  it('puts weaker matches in the review band: an event and the queue, no merge', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger();
    const instagram = await merger.resolve(ayseInstagram, context);
    const tiktok = await merger.resolve({ channel: 'tiktok', nativeId: 'tt-1', handle: 'ayseyilmz', displayName: 'Ayşe Yılmaz' }, context);
    expect(tiktok.customerId).not.toBe(instagram.customerId);
    expect(tiktok.merges).toEqual([]);
    expect(tiktok.suggestions).toHaveLength(1);
    expect(tiktok.suggestions[0]?.customerId).toBe(instagram.customerId);
    expect(tiktok.suggestions[0]?.score).toBeGreaterThanOrEqual(0.8);
    expect(tiktok.suggestions[0]?.score).toBeLessThan(0.99);
    const queue = (await merger.suggestions({ customerId: tiktok.customerId }, context)).items;
    expect(queue).toHaveLength(1);
    expect(queue[0]?.reason).toBe('review-band');
    expect(await merger.dismissSuggestion(queue[0]?.id ?? '', context)).toBe(true);
    expect((await merger.suggestions({}, context)).items).toEqual([]);
  });

  it('does nothing for different people who share a blocking key', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger();
    const a = await merger.resolve({ channel: 'x', nativeId: '1', handle: 'mehmet', displayName: 'Mehmet Kaya' }, context);
    const b = await merger.resolve({ channel: 'instagram', nativeId: '2', handle: 'mehmet.demir.34', displayName: 'Mehmet Demir' }, context);
    expect(b.customerId).not.toBe(a.customerId);
    expect(b.suggestions).toEqual([]);
  });

  it('stays out of the way in deterministic mode', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger({ evidence: 'deterministic' });
    const instagram = await merger.resolve(ayseInstagram, context);
    const x = await merger.resolve(ayseX, context);
    expect(x.customerId).not.toBe(instagram.customerId);
    expect(x.suggestions).toEqual([]);
  });
});

describe('attested-only mode', () => {
  it('never infers a link across networks, even from equal verified emails', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger({ evidence: 'attested-only' });
    const facebook = await merger.resolve(ayseFacebook, context);
    const email = await merger.resolve(ayseEmail, context);
    const instagram = await merger.resolve(ayseInstagram, context);
    const x = await merger.resolve(ayseX, context);
    const customers = new Set([facebook.customerId, email.customerId, instagram.customerId, x.customerId]);
    expect(customers.size).toBe(4);
    expect([facebook, email, instagram, x].flatMap((result) => [...result.merges, ...result.suggestions])).toEqual([]);
  });
});

describe('options', () => {
  it('rejects invalid options with issues', () => {
    expect(() => createIdentityMerger({ evidence: 'magic' as never })).toThrowError(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    try {
      createIdentityMerger({ bands: { autoMerge: 0.5, review: 0.9 } });
      expect.unreachable();
    } catch (error) {
      expect((error as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
    }
  });

  it('needs a ledger for commands outside the pipeline', async () => {
    const merger = createIdentityMerger();
    await expect(merger.merge(['a', 'b'], { agent: 'agent-1' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});
