import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelIdentityResolver, type ChannelIdentity, type IdentityResolver, type InteractionLedger } from 'social-crm';
import { createIdentityMerger } from 'social-crm/identity';
import { postgresLedger } from 'social-crm/ledgers/postgres';
import { sharedPglite } from '../helpers/pglite.js';
import { testContext } from './_fixtures.js';

/*
 * Two mergers over one PostgreSQL database stand for two worker processes: the ledger's
 * cross-process locks (LockingStore) keep them from creating two customers for one identity or
 * one person. PGlite has one connection, so there the code path runs but nothing can overlap; the
 * server run shows the locks at work.
 */
const SERVER_URL = process.env.SOCIAL_CRM_TEST_POSTGRES_URL;
if (!SERVER_URL) console.info('[identity cross-process] SOCIAL_CRM_TEST_POSTGRES_URL is not set: the PostgreSQL server run is skipped; the PGlite run still covers the code.');

const RUN = `x${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
let schemas = 0;
const database = sharedPglite();
let pool: pg.Pool | undefined;
const created: string[] = [];
beforeAll(() => {
  if (!SERVER_URL) return;
  pool = new pg.Pool({ connectionString: SERVER_URL, max: 12 });
  pool.on('error', () => undefined);
});
afterAll(async () => {
  for (const schema of created) await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool?.end();
});

const backends: Array<[string, () => InteractionLedger]> = [['PGlite', () => postgresLedger({ pglite: database(), schema: `${RUN}_${++schemas}` })]];
if (SERVER_URL) {
  backends.push([
    'a PostgreSQL server',
    () => {
      const schema = `${RUN}_${++schemas}`;
      created.push(schema);
      return postgresLedger({ pool: pool!, schema });
    },
  ]);
}

/** A "process": its own resolver (the merger unless given) and its own id sequence, sharing the database. */
function worker(ledger: InteractionLedger, name: string, resolver: IdentityResolver = createIdentityMerger({ defaultRegion: 'TR' })) {
  const merger = resolver;
  const base = testContext(ledger);
  const context = { ...base, generateId: () => `${name}_${base.generateId()}` };
  return (identity: ChannelIdentity) => merger.resolve(identity, context);
}

describe.each(backends)('two workers on %s', (_name, create) => {
  it.each([
    ['the merger', undefined],
    ['channelIdentityResolver()', channelIdentityResolver],
  ] as Array<[string, (() => IdentityResolver) | undefined]>)('with %s give an identity they both see for the first time one customer, with no orphan', async (_resolver, make) => {
    const ledger = create();
    const [first, second] = [worker(ledger, 'w1', make?.()), worker(ledger, 'w2', make?.())];
    const identities: ChannelIdentity[] = Array.from({ length: 10 }, (_, index) => ({ channel: 'instagram', nativeId: `ig-${index}`, handle: `user.${index}.k` }));
    const results = await Promise.all(identities.flatMap((identity) => [first(identity), second(identity)]));
    for (let index = 0; index < identities.length; index++) {
      const record = await ledger.getIdentity(`instagram:ig-${index}`);
      expect(results[index * 2]!.customerId).toBe(record!.customerId);
      expect(results[index * 2 + 1]!.customerId).toBe(record!.customerId);
      expect(results[index * 2]!.created !== results[index * 2 + 1]!.created).toBe(true);
    }
    const customers = (await ledger.listCustomers({ includeMerged: true, limit: 1000 })).items;
    expect(customers).toHaveLength(identities.length);
    for (const customer of customers) expect(customer.identityKeys).toHaveLength(1);
  });

  it('give two accounts of one person (one verified email) one customer', async () => {
    const ledger = create();
    const [first, second] = [worker(ledger, 'w1'), worker(ledger, 'w2')];
    const pairs = Array.from({ length: 6 }, (_, index) => {
      const email = `person${index}@example.com`;
      return [
        { channel: 'email', nativeId: email, email },
        { channel: 'facebook', nativeId: `fb-${index}`, email },
      ] as ChannelIdentity[];
    });
    await Promise.all(pairs.flatMap(([a, b]) => [first(a!), second(b!)]));
    for (const [a, b] of pairs) {
      const owners = await Promise.all([a!, b!].map(async (identity) => (await ledger.getIdentity(`${identity.channel}:${identity.nativeId}`))!.customerId));
      expect(owners[0]).toBe(owners[1]);
    }
    const live = (await ledger.listCustomers({ limit: 1000 })).items;
    expect(live).toHaveLength(pairs.length);
  });
});
