import { describe, expect, it } from 'vitest';
import { channelIdentityResolver, isAbortedError, memoryLedger, type InteractionLedger, type MergeRecord } from 'social-crm';
import { rejection } from '../helpers/outcomes.js';
import { createIdentityMerger } from 'social-crm/identity';
import { postgresLedger } from 'social-crm/ledgers/postgres';
import { sharedPglite } from '../helpers/pglite.js';
import { addInteraction, ayseInstagram, ayseWhatsapp, ayseX, testContext } from './_fixtures.js';

/*
 * Matching the identities already in the ledger again: customers made by another resolver (one per
 * channel identity, no blocking keys) become one per person, with the same rules as live resolution.
 */
const database = sharedPglite();
let schemas = 0;

describe.each([
  ['memory', () => memoryLedger()],
  ['PostgreSQL (PGlite)', () => postgresLedger({ pglite: database(), schema: `rematch_${++schemas}` })],
] as Array<[string, () => InteractionLedger]>)('rematch on the %s ledger', (_name, create) => {
  it('merges the customers another resolver made, page by page, and announces the merges', async () => {
    const ledger = create();
    const context = testContext(ledger);
    const plain = channelIdentityResolver();
    const ayseTelegram = { channel: 'telegram', nativeId: 'tg-5', phone: '+905321234567' };
    const others = Array.from({ length: 5 }, (_, index) => ({ channel: 'instagram', nativeId: `other-${index}`, handle: `someone.${index}`, displayName: `Kişi ${index} Demir` }));
    for (const identity of [ayseInstagram, ayseWhatsapp, ayseX, ayseTelegram, ...others]) {
      const { customerId } = await plain.resolve(identity, context);
      await addInteraction(ledger, identity, customerId);
    }
    expect((await ledger.listCustomers({ limit: 100 })).items).toHaveLength(9);

    const merger = createIdentityMerger({ ledger, now: context.now, generateId: context.generateId, defaultRegion: 'TR' });
    const announced: MergeRecord[] = [];
    merger.subscribe!((change) => {
      if (change.type === 'customer-merged') announced.push(change.merge);
    });
    const merges: MergeRecord[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await merger.rematch({ limit: 3, ...(cursor ? { cursor } : {}) });
      merges.push(...page.merges);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBeLessThan(10);
    // Instagram and X share the handle core and the name; WhatsApp and Telegram the verified phone.
    expect(merges.map((merge) => (merge.evidence as { kind: string }).kind).sort()).toEqual(['probabilistic', 'same-verified-phone']);
    expect(announced.map((merge) => merge.id)).toEqual(merges.map((merge) => merge.id));
    const owner = async (key: string) => (await ledger.getIdentity(key))!.customerId;
    expect(await owner('x:x-9')).toBe(await owner('instagram:ig-1'));
    expect(await owner('telegram:tg-5')).toBe(await owner('whatsapp:905321234567'));
    expect((await ledger.listCustomers({ limit: 100 })).items).toHaveLength(7);
    // The interactions follow their authors, and the identities now carry the merger's keys.
    const x = (await ledger.queryInteractions({ authorKey: 'x:x-9' })).items[0]!;
    expect(x.customerId).toBe(await owner('instagram:ig-1'));
    expect((await ledger.getIdentity('x:x-9'))!.blockingKeys).toContain('handle:ayseyilmaz');
    // A second pass finds nothing more to do.
    const again = await merger.rematch({ limit: 100 });
    expect(again).toMatchObject({ merges: [], nextCursor: null, customersScanned: 7, identitiesScanned: 9 });
  });

  it('reports progress per customer and stops between customers when aborted, announcing the merges it stored', async () => {
    const ledger = create();
    const context = testContext(ledger);
    const plain = channelIdentityResolver();
    const ayseTelegram = { channel: 'telegram', nativeId: 'tg-5', phone: '+905321234567' };
    for (const identity of [ayseInstagram, ayseWhatsapp, ayseX, ayseTelegram]) {
      const { customerId } = await plain.resolve(identity, context);
      await addInteraction(ledger, identity, customerId);
    }
    const merger = createIdentityMerger({ ledger, now: context.now, generateId: context.generateId, defaultRegion: 'TR' });
    const announced: MergeRecord[] = [];
    merger.subscribe!((change) => {
      if (change.type === 'customer-merged') announced.push(change.merge);
    });
    const controller = new AbortController();
    const seen: Array<{ done: number; total?: number }> = [];
    const error = await rejection(merger.rematch({ limit: 100, signal: controller.signal, onProgress(progress) {
      seen.push(progress);
      if (progress.done === 2) controller.abort();
    } }));
    expect(isAbortedError(error)).toBe(true);
    expect(error).toMatchObject({ operation: 'merger.rematch()', progress: { done: 2, total: 4 } });
    expect(seen).toEqual([{ done: 1, total: 4 }, { done: 2, total: 4 }]);
    // Every merge stored before the abort was announced: customers left = 4 - merges.
    expect((await ledger.listCustomers({ limit: 100 })).items).toHaveLength(4 - announced.length);
    expect(isAbortedError(await rejection(merger.rematch({ signal: AbortSignal.abort() })))).toBe(true);

    // Called again, it finishes the job.
    await merger.rematch({ limit: 100 });
    expect((await ledger.listCustomers({ limit: 100 })).items).toHaveLength(2);
    expect(announced).toHaveLength(2);
  });
});
