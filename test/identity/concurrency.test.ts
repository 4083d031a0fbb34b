import { describe, expect, it } from 'vitest';
import { memoryLedger, type ChannelIdentity, type InteractionLedger } from 'social-crm';
import { createIdentityMerger } from 'social-crm/identity';
import { postgresLedger } from 'social-crm/ledgers/postgres';
import { sharedPglite } from '../helpers/pglite.js';
import { testContext } from './_fixtures.js';

/*
 * Resolutions that share no key run side by side; those that share one run in turn; merges run
 * alone and read customers again, so the outcome is the one of resolving one identity at a time.
 */
const database = sharedPglite();
let schemas = 0;

/** Four accounts of one person: email and Facebook share the address, WhatsApp and Telegram the number, Facebook has both. */
function accountsOf(person: number): ChannelIdentity[] {
  const email = `person${person}@example.com`;
  const phone = `+90532${String(1_000_000 + person * 7919).slice(-7)}`;
  return [
    { channel: 'email', nativeId: email, email },
    { channel: 'whatsapp', nativeId: phone.slice(1), phone },
    { channel: 'telegram', nativeId: `tg-${person}`, phone },
    { channel: 'facebook', nativeId: `fb-${person}`, email, phone },
  ];
}

/** A deterministic shuffle, so that every run interleaves the same way. */
function shuffled<T>(items: T[], seed: number): T[] {
  const copy = [...items];
  let state = seed;
  for (let index = copy.length - 1; index > 0; index--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const other = state % (index + 1);
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

/** The identity keys of each live customer, as a sorted list of sorted groups. */
async function partition(ledger: InteractionLedger, identities: ChannelIdentity[]): Promise<string[][]> {
  const groups = new Map<string, string[]>();
  for (const identity of identities) {
    const record = await ledger.getIdentity(`${identity.channel}:${identity.nativeId}`);
    const customer = await ledger.getCustomer(record!.customerId);
    expect(customer?.mergedInto).toBeUndefined();
    const group = groups.get(customer!.id) ?? [];
    group.push(record!.key);
    groups.set(customer!.id, group);
  }
  return [...groups.values()].map((group) => group.sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** Counts how many candidate look-ups are in flight at once. */
function countingLedger(inner: InteractionLedger) {
  let inFlight = 0;
  const stats = { most: 0 };
  const ledger: InteractionLedger = {
    ...inner,
    async findIdentitiesByBlockingKeys(keys, limit) {
      inFlight++;
      stats.most = Math.max(stats.most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      try {
        return await inner.findIdentitiesByBlockingKeys(keys, limit);
      } finally {
        inFlight--;
      }
    },
  };
  return { ledger, stats };
}

describe.each([
  ['memory', () => memoryLedger()],
  ['PostgreSQL (PGlite)', () => postgresLedger({ pglite: database(), schema: `concurrency_${++schemas}` })],
] as Array<[string, () => InteractionLedger]>)('concurrent resolution on the %s ledger', (_name, create) => {
  it('ends with one customer per person however the resolutions interleave', async () => {
    const people = Array.from({ length: 8 }, (_, person) => accountsOf(person));
    const identities = people.flat();
    const expected = people.map((accounts) => accounts.map((identity) => `${identity.channel}:${identity.nativeId}`).sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
    for (const seed of [1, 2, 3]) {
      const ledger = create();
      const context = testContext(ledger);
      const merger = createIdentityMerger({ verifiedPhoneChannels: ['whatsapp', 'telegram', 'facebook'], defaultRegion: 'TR' });
      const results = await Promise.all(shuffled(identities, seed).map((identity) => merger.resolve(identity, context)));
      expect(await partition(ledger, identities)).toEqual(expected);
      // Every merge made along the way is recorded: 3 per person.
      expect(results.reduce((sum, result) => sum + result.merges.length, 0)).toBe(people.length * 3);
    }
  });
});

describe('concurrent resolution', () => {
  it('looks up candidates of unrelated identities at once, and of identities sharing a key in turn', async () => {
    const unrelated = countingLedger(memoryLedger());
    const merger = createIdentityMerger();
    const context = testContext(unrelated.ledger);
    await Promise.all(Array.from({ length: 12 }, (_, index) => merger.resolve({ channel: 'email', nativeId: `u${index}@example.com`, email: `u${index}@example.com` }, context)));
    expect(unrelated.stats.most).toBeGreaterThan(1);

    const related = countingLedger(memoryLedger());
    const relatedContext = testContext(related.ledger);
    const channels = ['email', 'facebook', 'google', 'apple', 'linkedin'];
    const results = await Promise.all(channels.map((channel) => merger.resolve({ channel, nativeId: `${channel}-ayse`, email: 'ayse@example.com' }, relatedContext)));
    expect(related.stats.most).toBe(1);
    expect(new Set(results.map((result) => result.customerId)).size).toBeLessThanOrEqual(results.length);
    const customers = await Promise.all(channels.map(async (channel) => (await related.ledger.getIdentity(`${channel}:${channel}-ayse`))!.customerId));
    expect(new Set(customers).size).toBe(1);
  });

  it('merges with the customer a candidate was merged into while the resolution was ranking', async () => {
    const inner = memoryLedger();
    // The Instagram account's look-ups read the ledger at once but answer late, so that its
    // resolution ranks customer C, then waits while another resolution folds C into D.
    const ledger: InteractionLedger = {
      ...inner,
      async findIdentitiesByBlockingKeys(keys, limit) {
        const found = await inner.findIdentitiesByBlockingKeys(keys, limit);
        if (keys.includes('handle:cemilekocabiyik')) await new Promise((resolve) => setTimeout(resolve, 20));
        return found;
      },
    };
    const context = testContext(ledger);
    const merger = createIdentityMerger({ verifiedPhoneChannels: ['telegram', 'google'] });
    const d = await merger.resolve({ channel: 'email', nativeId: 'd@example.com', email: 'd@example.com' }, context);
    const c = await merger.resolve({ channel: 'telegram', nativeId: 'tg-c', handle: 'cemilekocabiyik', displayName: 'Cemile Kocabıyık', phone: '+905321111111' }, context);
    const [z, a] = await Promise.all([
      // The verified email of D and the verified phone of C: D (the older) absorbs C.
      merger.resolve({ channel: 'google', nativeId: 'g-z', email: 'd@example.com', phone: '+905321111111' }, context),
      // C's name and handle, no key in common with the resolution above.
      merger.resolve({ channel: 'instagram', nativeId: 'ig-c', handle: 'cemile.kocabiyik', displayName: 'Cemile Kocabıyık' }, context),
    ]);
    expect(z.merges.flatMap((merge) => merge.absorbedIds)).toContain(c.customerId);
    expect(a.customerId).toBe(d.customerId);
    expect(a.merges).toHaveLength(1);
    expect(a.merges[0]).toMatchObject({ survivorId: d.customerId });
    const owners = await Promise.all(['email:d@example.com', 'telegram:tg-c', 'google:g-z', 'instagram:ig-c'].map(async (key) => (await ledger.getIdentity(key))!.customerId));
    expect(new Set(owners)).toEqual(new Set([d.customerId]));
  });
});
