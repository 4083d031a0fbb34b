import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createIdentityMerger } from 'social-crm/identity';
import { identityKey, isSocialCrmError, memoryLedger, type ChannelIdentity, type Customer, type InteractionLedger } from 'social-crm';
import { addInteraction, testContext } from './_fixtures.js';

const CHANNELS = ['x', 'instagram', 'whatsapp', 'facebook', 'email', 'telegram'];

/** Shape of the world: per customer, per identity, how many interactions it wrote. */
const worldArbitrary = fc.array(
  fc.array(fc.record({ channel: fc.constantFrom(...CHANNELS), interactions: fc.integer({ min: 0, max: 2 }), withPhone: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  { minLength: 2, maxLength: 5 },
);

/** A merge command: which customers (by index) and which of them survives. */
const commandsArbitrary = fc.array(
  fc.record({ members: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 2, maxLength: 4 }), survivor: fc.nat() }),
  { minLength: 1, maxLength: 4 },
);

async function build(ledger: InteractionLedger, world: Array<Array<{ channel: string; interactions: number; withPhone: boolean }>>) {
  const customers: Customer[] = [];
  const identities: ChannelIdentity[] = [];
  const interactionIds: string[] = [];
  for (const [customerIndex, shape] of world.entries()) {
    const createdAt = new Date(Date.UTC(2026, 0, 1, 0, customerIndex)).toISOString();
    const owned = shape.map((entry, identityIndex): ChannelIdentity => ({
      channel: entry.channel,
      nativeId: `c${customerIndex}-i${identityIndex}`,
      displayName: `Person ${customerIndex}`,
      ...(entry.withPhone ? { phone: `+90532${String(customerIndex).padStart(3, '0')}${String(identityIndex).padStart(4, '0')}` } : {}),
    }));
    const customer: Customer = {
      id: `cus_${customerIndex}`,
      displayName: `Person ${customerIndex}`,
      identityKeys: owned.map(identityKey),
      attributes: { segment: customerIndex % 2 === 0 ? 'even' : 'odd' },
      createdAt,
      updatedAt: createdAt,
    };
    await ledger.saveCustomer(customer);
    customers.push(customer);
    for (const [identityIndex, identity] of owned.entries()) {
      await ledger.saveIdentity({ key: identityKey(identity), identity, customerId: customer.id, blockingKeys: [], attested: false, firstSeenAt: createdAt, lastSeenAt: createdAt });
      identities.push(identity);
      for (let count = 0; count < (shape[identityIndex]?.interactions ?? 0); count++) {
        interactionIds.push((await addInteraction(ledger, identity, customer.id)).id);
      }
    }
  }
  return { customers, identities, interactionIds };
}

async function snapshot(ledger: InteractionLedger, customerIds: string[], identities: ChannelIdentity[], interactionIds: string[]) {
  return {
    customers: await Promise.all(customerIds.map((id) => ledger.getCustomer(id))),
    identities: await Promise.all(identities.map((identity) => ledger.getIdentity(identityKey(identity)))),
    interactions: await Promise.all(interactionIds.map((id) => ledger.getInteraction(id))),
  };
}

describe('unmerge restores exactly (property-based)', () => {
  it('any sequence of merges, undone in reverse order, is the identity on customers, identity links and interactions', async () => {
    await fc.assert(
      fc.asyncProperty(worldArbitrary, commandsArbitrary, async (world, commands) => {
        const ledger = memoryLedger();
        const context = testContext(ledger);
        const merger = createIdentityMerger({ ledger, now: context.now, generateId: context.generateId });
        const { customers, identities, interactionIds } = await build(ledger, world);
        const ids = customers.map((customer) => customer.id);
        const before = await snapshot(ledger, ids, identities, interactionIds);

        const done: string[] = [];
        for (const command of commands) {
          const members = command.members.filter((index) => index < ids.length).map((index) => ids[index] as string);
          if (members.length < 2) continue;
          const survivorId = members[command.survivor % members.length] as string;
          try {
            const merge = await merger.merge(members, { agent: 'property', survivorId, force: true });
            done.push(merge.id);
          } catch (error) {
            if (!isSocialCrmError(error, 'IDENTITY_CONFLICT')) throw error;
          }
          // Interactions always follow their author's identity, and authors never change.
          for (const id of interactionIds) {
            const interaction = await ledger.getInteraction(id);
            const owner = await ledger.getIdentity(identityKey(interaction!.author));
            expect(interaction!.customerId).toBe(owner!.customerId);
          }
        }
        for (const mergeId of [...done].reverse()) await merger.unmerge(mergeId);
        expect(await snapshot(ledger, ids, identities, interactionIds)).toEqual(before);
      }),
      { numRuns: 60 },
    );
  });

  it('a single merge and its unmerge round-trip, whichever customer survives', async () => {
    await fc.assert(
      fc.asyncProperty(worldArbitrary, fc.nat(), async (world, pick) => {
        const ledger = memoryLedger();
        const context = testContext(ledger);
        const merger = createIdentityMerger({ ledger, now: context.now, generateId: context.generateId });
        const { customers, identities, interactionIds } = await build(ledger, world);
        const ids = customers.map((customer) => customer.id);
        const before = await snapshot(ledger, ids, identities, interactionIds);
        const merge = await merger.merge(ids, { agent: 'property', survivorId: ids[pick % ids.length], force: true });
        const merged = await snapshot(ledger, ids, identities, interactionIds);
        expect(merged.customers.filter((customer) => !customer?.mergedInto)).toHaveLength(1);
        expect(merged.identities.every((record) => record?.customerId === merge.survivorId)).toBe(true);
        const result = await merger.unmerge(merge.id);
        expect(result.skippedIdentities).toEqual([]);
        expect(await snapshot(ledger, ids, identities, interactionIds)).toEqual(before);
      }),
      { numRuns: 60 },
    );
  });
});
