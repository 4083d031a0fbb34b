import { describe, expect, it } from 'vitest';
import { createIdentityMerger } from 'social-crm/identity';
import { memoryLedger } from 'social-crm';
import { ayseEmail, ayseFacebook, ayseInstagram, ayseX, testContext } from './_fixtures.js';

describe('explainPair', () => {
  it('says what matched, what disagreed and the weight of each', async () => {
    const merger = createIdentityMerger();
    const explanation = await merger.explainPair(ayseInstagram, ayseX);
    expect(explanation.band).toBe('auto-merge');
    expect(explanation.deterministic).toBeNull();
    const name = explanation.comparisons.find((comparison) => comparison.name === 'name');
    const handle = explanation.comparisons.find((comparison) => comparison.name === 'handle');
    expect(name).toMatchObject({ level: 0, label: 'equal' });
    expect(name!.weight).toBeGreaterThan(0);
    expect(handle).toMatchObject({ level: 1, label: 'same without separators' });
    expect(explanation.comparisons.find((comparison) => comparison.name === 'email')).toMatchObject({ level: null, label: 'missing', weight: 0 });
    expect(explanation.weight).toBeCloseTo(explanation.comparisons.reduce((sum, comparison) => sum + comparison.weight, 0) + Math.log2(0.01 / 0.99), 6);
    expect(explanation.reasons[0]).toMatch(/^name: equal \(ayse yilmaz \/ ayse yilmaz\), \+\d+\.\d bits$/);
    expect(explanation.reasons[1]).toMatch(/^handle: same without separators \(ayse\.yilmaz \/ ayse_yilmaz\), \+\d+\.\d bits$/);
    expect(explanation.reasons.at(-1)).toMatch(/match probability 0\.99/);
  });

  it('reports disagreement as negative weight', async () => {
    const merger = createIdentityMerger();
    const explanation = await merger.explainPair(
      { channel: 'x', nativeId: '1', displayName: 'Ayşe Yılmaz', handle: 'ayse' },
      { channel: 'instagram', nativeId: '2', displayName: 'Zeynep Kaya', handle: 'ayse' },
    );
    expect(explanation.comparisons.find((comparison) => comparison.name === 'name')!.weight).toBeLessThan(0);
    expect(explanation.reasons.some((reason) => reason.startsWith('name: different') && reason.includes('−'))).toBe(true);
    expect(explanation.band).not.toBe('auto-merge');
  });

  it('names the deterministic rule and looks identity keys up in the ledger', async () => {
    const ledger = memoryLedger();
    const context = testContext(ledger);
    const merger = createIdentityMerger({ ledger });
    await merger.resolve(ayseFacebook, context);
    await merger.resolve(ayseEmail, context);
    const explanation = await merger.explainPair('facebook:fb-3', 'email:ayseyilmaz@gmail.com');
    expect(explanation.deterministic).toBe('same-verified-email');
    expect(explanation.reasons[0]).toBe('same verified email (deterministic rule)');
    await expect(merger.explainPair('facebook:fb-3', 'x:unknown')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('explain', () => {
  it('lists identities and every merge with who decided and why', async () => {
    const ledger = memoryLedger();
    const context = testContext(ledger);
    const merger = createIdentityMerger({ ledger, now: context.now, generateId: context.generateId });
    const instagram = await merger.resolve(ayseInstagram, context);
    await merger.resolve(ayseX, context);
    await merger.resolve(ayseFacebook, context);
    await merger.resolve(ayseEmail, context);
    const emailCustomer = (await ledger.getIdentity('email:ayseyilmaz@gmail.com'))!.customerId;
    const manual = await merger.merge([instagram.customerId, emailCustomer], { agent: 'agent-5', reason: 'customer confirmed by phone' });

    const explanation = await merger.explain(instagram.customerId);
    expect(explanation.identities.map((identity) => identity.key)).toEqual(['instagram:ig-1', 'x:x-9', 'facebook:fb-3', 'email:ayseyilmaz@gmail.com']);
    expect(explanation.merges).toHaveLength(2);
    const [latest, earliest] = explanation.merges;
    expect(latest).toMatchObject({ mergeId: manual.id, decidedBy: { type: 'agent', name: 'agent-5' }, undone: false });
    expect(latest!.reasons[0]).toBe('agent agent-5 merged these customers: customer confirmed by phone');
    expect(earliest!.decidedBy.type).toBe('model');
    expect(earliest!.reasons.some((reason) => reason.startsWith('name: equal'))).toBe(true);
    expect(explanation.text).toContain('by model fellegi-sunter@default (match probability 0.99');
    expect(explanation.text).toContain('by agent agent-5');

    await merger.unmerge(manual.id);
    const after = await merger.explain(instagram.customerId);
    expect(after.merges[0]).toMatchObject({ mergeId: manual.id, undone: true });
    expect(after.text).toContain('undone at');
    await expect(merger.explain('nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('garbage is weak evidence', () => {
  it('weighs equal unparseable emails and phones less than real ones, without throwing', async () => {
    const merger = createIdentityMerger();
    const garbage = await merger.explainPair(
      { channel: 'x', nativeId: '1', email: 'call me maybe', phone: '12-34' },
      { channel: 'instagram', nativeId: '2', email: 'call me maybe', phone: '12-34' },
    );
    const real = await merger.explainPair(
      { channel: 'x', nativeId: '1', email: 'ayse@example.com', phone: '+905321234567' },
      { channel: 'instagram', nativeId: '2', email: 'ayse@example.com', phone: '+905321234567' },
    );
    const email = (explanation: typeof real) => explanation.comparisons.find((comparison) => comparison.name === 'email')!;
    expect(email(garbage).level).toBe(1);
    expect(email(real).level).toBe(0);
    expect(email(garbage).weight).toBeLessThan(email(real).weight);
    // Too few digits to be anyone's number: not evidence at all.
    expect(garbage.comparisons.find((comparison) => comparison.name === 'phone')!.level).toBeNull();
    expect(garbage.band).not.toBe('auto-merge');
    expect(real.band).toBe('auto-merge');
  });
});
