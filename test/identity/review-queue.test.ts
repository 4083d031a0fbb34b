import { describe, expect, it } from 'vitest';
import { createSocialCrm, memoryLedger, MissingLedgerMethodsError, type InteractionLedger } from 'social-crm';
import { createIdentityMerger } from 'social-crm/identity';
import { postgresLedger } from 'social-crm/ledgers/postgres';
import { sharedPglite } from '../helpers/pglite.js';
import { ayseInstagram, testContext } from './_fixtures.js';

/*
 * The review queue: suggestions for an agent, one per pair of customers, kept by the ledger when
 * it implements the optional ReviewStore methods (memory and PostgreSQL do), else by the merger.
 */
const database = sharedPglite();
let schemas = 0;

const ayseTiktok = { channel: 'tiktok', nativeId: 'tt-1', handle: 'ayseyilmz', displayName: 'Ayşe Yılmaz' };
const ayseYoutube = { channel: 'youtube', nativeId: 'yt-1', handle: 'ayse_yilmz', displayName: 'Ayşe Yılmaz' };

/** A ledger without the review methods: the merger keeps the queue itself. */
function ledgerWithoutReviewStore(): InteractionLedger {
  const { saveSuggestion: _save, listSuggestions: _list, removeSuggestion: _remove, ...rest } = memoryLedger();
  return rest;
}

/** Instagram and TikTok accounts of one name: similar handles put them in the review band. */
async function reviewBandPair(ledger: InteractionLedger) {
  const context = testContext(ledger);
  const merger = createIdentityMerger({ ledger, now: context.now, generateId: context.generateId });
  const instagram = await merger.resolve(ayseInstagram, context);
  const tiktok = await merger.resolve(ayseTiktok, context);
  expect(tiktok.suggestions).toHaveLength(1);
  return { merger, context, instagram: instagram.customerId, tiktok: tiktok.customerId };
}

describe.each([
  ['memory', () => memoryLedger()],
  ['PostgreSQL (PGlite)', () => postgresLedger({ pglite: database(), schema: `review_queue_${++schemas}` })],
  ['host ledger without a review store', ledgerWithoutReviewStore],
] as Array<[string, () => InteractionLedger]>)('review queue on the %s ledger', (name, create) => {
  const durable = name !== 'host ledger without a review store';

  it('keeps one suggestion per pair of customers, with the latest evidence', async () => {
    const ledger = create();
    const { merger, context, instagram, tiktok } = await reviewBandPair(ledger);
    const [first] = (await merger.suggestions()).items;
    expect(first).toMatchObject({ customerId: tiktok, candidateCustomerId: instagram, reason: 'review-band' });
    // The TikTok profile gains an email (new blocking keys: matched again), then a YouTube account
    // joins the TikTok customer and is itself close to the Instagram one: the same pair each time.
    await merger.resolve({ ...ayseTiktok, email: 'ayse@example.org' }, context);
    const youtube = await merger.resolve(ayseYoutube, context);
    expect(youtube.customerId).toBe(tiktok);
    expect(youtube.suggestions.map((suggestion) => suggestion.customerId)).toEqual([instagram]);
    const queue = (await merger.suggestions()).items;
    expect(queue).toHaveLength(1);
    expect(queue[0]).toMatchObject({ id: first!.id, createdAt: first!.createdAt, customerId: tiktok, candidateCustomerId: instagram });
    expect(queue[0]!.evidence.identities).toEqual(['youtube:yt-1', 'instagram:ig-1']);
    // A merger started later (another worker, or after a restart) sees the same queue when the ledger keeps it.
    const restarted = createIdentityMerger({ ledger });
    expect((await restarted.suggestions()).items.map((suggestion) => suggestion.id)).toEqual(durable ? [first!.id] : []);
  });

  it('drops a suggestion once its two customers are one, and lists it under the customer that absorbed one side', async () => {
    const ledger = create();
    const { merger, context, instagram, tiktok } = await reviewBandPair(ledger);
    const other = await merger.resolve({ channel: 'email', nativeId: 'zeynep@example.com', email: 'zeynep@example.com', displayName: 'Zeynep Kaya' }, context);
    // An agent folds the TikTok customer into another one: the suggestion follows it.
    const folded = await merger.merge([other.customerId, tiktok], { agent: 'agent-7', survivorId: other.customerId, force: true });
    for (const customerId of [other.customerId, tiktok, instagram]) {
      const listed = (await merger.suggestions({ customerId })).items;
      expect(listed.map((suggestion) => [suggestion.customerId, suggestion.candidateCustomerId])).toEqual([[other.customerId, instagram]]);
    }
    await merger.unmerge(folded.id);
    expect((await merger.suggestions()).items.map((suggestion) => suggestion.customerId)).toEqual([tiktok]);
    // The agent merges the pair itself: nothing is left to review, in the queue or the store.
    await merger.merge([instagram, tiktok], { agent: 'agent-7' });
    expect((await merger.suggestions()).items).toEqual([]);
    if (durable) expect((await ledger.listSuggestions!()).items).toEqual([]);
  });

  it('names the open suggestions in explain(), until they are dismissed', async () => {
    const ledger = create();
    const { merger, tiktok, instagram } = await reviewBandPair(ledger);
    const explanation = await merger.explain(tiktok);
    expect(explanation.suggestions.map((suggestion) => suggestion.candidateCustomerId)).toEqual([instagram]);
    expect(explanation.text).toContain(`Waiting for review: may be the same person as ${instagram} (match probability 0.9`);
    expect((await merger.explain(instagram)).text).toContain(`may be the same person as ${tiktok}`);
    await merger.dismissSuggestion(explanation.suggestions[0]!.id);
    expect((await merger.explain(tiktok)).suggestions).toEqual([]);
  });

  it('dismisses a suggestion once, and forgets those of an erased customer', async () => {
    const ledger = create();
    const { merger, context, instagram } = await reviewBandPair(ledger);
    const [suggestion] = (await merger.suggestions()).items;
    expect(await merger.dismissSuggestion(suggestion!.id)).toBe(true);
    expect(await merger.dismissSuggestion(suggestion!.id)).toBe(false);
    expect((await merger.suggestions()).items).toEqual([]);
    // Dismissed is not banned: new evidence about the pair asks again.
    const again = await merger.resolve({ ...ayseYoutube }, context);
    expect(again.suggestions.map((item) => item.customerId)).toEqual([instagram]);
    expect((await merger.suggestions()).items).toHaveLength(1);
    await ledger.eraseCustomer(instagram);
    const left = (await merger.suggestions()).items;
    expect(left.filter((item) => item.customerId === instagram || item.candidateCustomerId === instagram)).toEqual([]);
  });
});

describe('review store methods on a host ledger', () => {
  it('are all or none: a ledger with only some of them is refused, naming the rest', () => {
    const { listSuggestions: _list, removeSuggestion: _remove, ...partial } = memoryLedger();
    expect(() => createSocialCrm({ ledger: partial, adapters: [] })).toThrow(MissingLedgerMethodsError);
    try {
      createSocialCrm({ ledger: partial, adapters: [] });
    } catch (error) {
      expect((error as MissingLedgerMethodsError).missing).toEqual(['listSuggestions', 'removeSuggestion']);
    }
  });
});
