import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, memoryLedger, type ChannelIdentity, type InteractionLedger } from 'social-crm';
import { createIdentityMerger, identityBlockingKeys } from 'social-crm/identity';
import { postgresLedger } from 'social-crm/ledgers/postgres';
import { sharedPglite } from '../helpers/pglite.js';
import { ayseInstagram, testContext } from './_fixtures.js';

/*
 * The ledger caps candidate look-ups (`maxCandidates`), and the port leaves the order of the
 * answer to the ledger: PostgreSQL returns rows by identity key. A name shared by many people must
 * not push the one identity with the same verified email out of the answer.
 */
const database = sharedPglite();

describe.each([
  ['memory', () => memoryLedger()],
  ['PostgreSQL (PGlite)', () => postgresLedger({ pglite: database(), schema: 'candidates_test' })],
] as Array<[string, () => InteractionLedger]>)('candidates on the %s ledger', (_name, create) => {
  it('still finds the identity with the same verified email when namesakes fill the candidate limit', async () => {
    const ledger = create();
    const merger = createIdentityMerger({ maxCandidates: 10, defaultRegion: 'TR' });
    const context = testContext(ledger);
    // Namesakes on a network whose identity keys sort before `email:`.
    for (let index = 0; index < 25; index++) await merger.resolve({ channel: 'app', nativeId: `n${index}`, displayName: 'Mehmet Yılmaz' }, context);
    const first = await merger.resolve({ channel: 'email', nativeId: 'mehmet@example.com', email: 'mehmet@example.com', displayName: 'Mehmet Yılmaz' }, context);
    const second = await merger.resolve({ channel: 'facebook', nativeId: '100200', email: 'Mehmet@Example.com', displayName: 'Mehmet Yılmaz' }, context);
    expect(second.merges.map((merge) => (merge.evidence as { kind: string }).kind)).toEqual(['same-verified-email']);
    expect((await ledger.getIdentity('facebook:100200'))?.customerId).toBe((await ledger.getIdentity('email:mehmet@example.com'))?.customerId);
    expect(first.created).toBe(true);
  });
});

describe('blocking keys of the merger', () => {
  const tiktok: ChannelIdentity = { channel: 'tiktok', nativeId: 'tt-1', handle: 'ayseyilmz', displayName: 'Ayşe Yılmaz' };

  it('compares only identities that share a key the host chose, and stores those keys', async () => {
    // By default the shared name brings the two accounts together: a suggestion for review.
    const byDefault = createIdentityMerger();
    const defaultContext = testContext(memoryLedger());
    await byDefault.resolve(ayseInstagram, defaultContext);
    expect((await byDefault.resolve(tiktok, defaultContext)).suggestions).toHaveLength(1);

    // Without name keys only emails, phones and handles meet, so the two are never compared.
    const withoutNames = createIdentityMerger({ blockingKeys: (identity, region) => identityBlockingKeys(identity, region).filter((key) => !key.startsWith('name')) });
    const ledger = memoryLedger();
    const context = testContext(ledger);
    await withoutNames.resolve(ayseInstagram, context);
    expect((await withoutNames.resolve(tiktok, context)).suggestions).toEqual([]);
    expect((await ledger.getIdentity('tiktok:tt-1'))?.blockingKeys).toEqual(['handle:ayseyilmz']);
  });

  it('keeps the crm: keys for link() and rejects a blocking option that is not a function', async () => {
    const ledger = memoryLedger();
    const merger = createIdentityMerger({ ledger, blockingKeys: () => ['crm:forged', 'custom:1'] });
    await merger.resolve(ayseInstagram, testContext(ledger));
    expect((await ledger.getIdentity('instagram:ig-1'))?.blockingKeys).toEqual(['custom:1']);
    expect(() => createIdentityMerger({ blockingKeys: ['email'] as never })).toThrow(InvalidOptionsError);
  });
});
