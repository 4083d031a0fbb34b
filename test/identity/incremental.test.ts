import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createIdentityMerger, createPairScorer, defaultIdentityModel, identityComparisons, type LinkRecord } from 'social-crm/identity';
import { memoryLedger } from 'social-crm';
import { testContext } from './_fixtures.js';

const NAMES = ['Ayşe Yılmaz', 'AYSE YILMAZ', 'Ayşe', 'Mehmet Kaya', 'Oliver Smith', 'Olivia Smith', 'ayse yilmz'];
const HANDLES = ['ayse.yilmaz', 'ayse_yilmaz', 'ayseyilmaz12', 'mkaya', 'oliver.smith', '@Oliver_Smith'];
const EMAILS = ['ayse.yilmaz@gmail.com', 'ayseyilmaz+shop@gmail.com', 'ayse@example.com', 'oliver@example.co.uk', 'not an address'];
const PHONES = ['+90 532 123 45 67', '+905321234567', '+90 532 765 43 21', '+44 7700 900123', '12345'];

const optional = <T>(values: T[]) => fc.option(fc.constantFrom(...values), { nil: undefined });
const recordArbitrary = fc.record({ name: optional(NAMES), handle: optional(HANDLES), email: optional(EMAILS), phone: optional(PHONES) }).map(
  (fields): LinkRecord => ({ id: 'r', fields }),
);

describe('fast pair weights for incremental resolution', () => {
  const scorer = createPairScorer(identityComparisons, defaultIdentityModel);

  it('weigh gives the weight of the full score', () => {
    fc.assert(
      fc.property(recordArbitrary, recordArbitrary, (a, b) => {
        expect(scorer.weigh(scorer.prepare(a), scorer.prepare(b))).toBeCloseTo(scorer.score(a, b).weight, 9);
      }),
    );
  });

  it('stops early only for pairs that cannot reach the floor', () => {
    fc.assert(
      fc.property(recordArbitrary, recordArbitrary, fc.double({ min: -40, max: 40, noNaN: true }), (a, b, floor) => {
        const full = scorer.score(a, b).weight;
        const bounded = scorer.weigh(scorer.prepare(a), scorer.prepare(b), floor);
        if (full >= floor + 1e-9) expect(bounded).toBeCloseTo(full, 9);
        else if (bounded !== Number.NEGATIVE_INFINITY) expect(bounded).toBeCloseTo(full, 9);
      }),
    );
    // A pair that disagrees on everything is cut short.
    const a = scorer.prepare({ id: 'a', fields: { name: 'Ayşe Yılmaz', phone: '+905321234567', email: 'ayse@example.com', handle: 'ayse' } });
    const b = scorer.prepare({ id: 'b', fields: { name: 'Oliver Smith', phone: '+447700900123', email: 'oliver@example.co.uk', handle: 'oliver' } });
    expect(scorer.weigh(a, b, 0)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('merger: prepared values of stored identities', () => {
  it('re-reads a candidate whose profile changed since it was last compared', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger();
    const facebook = { channel: 'facebook', nativeId: 'fb-1', displayName: 'Ayşe Yılmaz' };
    const first = await merger.resolve(facebook, context);
    // A namesake on another network compares against the Facebook identity (its values are now cached).
    await merger.resolve({ channel: 'x', nativeId: 'x-1', displayName: 'Ayşe Yılmaz', handle: 'ayse_y' }, context);
    // The Facebook profile now reveals a verified email.
    await merger.resolve({ ...facebook, email: 'ayse.yilmaz@gmail.com' }, context);
    const email = await merger.resolve({ channel: 'email', nativeId: 'ayseyilmaz@gmail.com', email: 'ayseyilmaz@gmail.com' }, context);
    expect(email.customerId).toBe(first.customerId);
    expect(email.merges[0]?.decidedBy).toEqual({ type: 'rule', name: 'same-verified-email' });
  });

  it('still suggests pairs in the review band and leaves clear non-matches alone', async () => {
    const context = testContext(memoryLedger());
    const merger = createIdentityMerger({ bands: { autoMerge: 0.999999, review: 0.5 } });
    const instagram = await merger.resolve({ channel: 'instagram', nativeId: 'ig-1', displayName: 'Ayşe Yılmaz', handle: 'ayse.yilmaz' }, context);
    const x = await merger.resolve({ channel: 'x', nativeId: 'x-1', displayName: 'Ayşe Yılmaz', handle: 'ayse_yilmaz' }, context);
    expect(x.customerId).not.toBe(instagram.customerId);
    expect(x.suggestions.map((suggestion) => suggestion.customerId)).toEqual([instagram.customerId]);
    const other = await merger.resolve({ channel: 'tiktok', nativeId: 't-1', displayName: 'Ayşe Yılmaz', handle: 'zeynep.kaya' }, context);
    expect(other.merges).toEqual([]);
    expect(other.suggestions.every((suggestion) => suggestion.score >= 0.5)).toBe(true);
  });
});
