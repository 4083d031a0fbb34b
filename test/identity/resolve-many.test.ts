import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  channelIdentityResolver,
  identityKey,
  memoryLedger,
  type ChannelIdentity,
  type IdentityRecord,
  type IdentityResolver,
  type InteractionLedger,
  type ResolveResult,
} from 'social-crm';
import { createIdentityMerger, type IdentityMerger } from 'social-crm/identity';
import { postgresLedger } from 'social-crm/ledgers/postgres';
import { sharedPglite } from '../helpers/pglite.js';
import { testContext } from './_fixtures.js';

/*
 * resolveMany decides as resolve called once per identity in input order would, with one lookup
 * of identity records per batch; the batch's new authors are registered under one lock call.
 */
const SERVER_URL = process.env.SOCIAL_CRM_TEST_POSTGRES_URL;
const RUN = `rm${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
let schemas = 0;
const database = sharedPglite();
let pool: pg.Pool | undefined;
const createdSchemas: string[] = [];
beforeAll(() => {
  if (!SERVER_URL) return;
  pool = new pg.Pool({ connectionString: SERVER_URL, max: 8 });
  pool.on('error', () => undefined);
});
afterAll(async () => {
  for (const schema of createdSchemas) await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool?.end();
});

const pgliteLedger = () => postgresLedger({ pglite: database(), schema: `${RUN}_${++schemas}` });
const backends: Array<[string, () => InteractionLedger]> = [
  ['memory', () => memoryLedger()],
  ['PGlite', pgliteLedger],
];
if (SERVER_URL) {
  backends.push([
    'a PostgreSQL server',
    () => {
      const schema = `${RUN}_${++schemas}`;
      createdSchemas.push(schema);
      return postgresLedger({ pool: pool!, schema });
    },
  ]);
}

/** Deterministic pseudo-random numbers in [0, 1). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const FIRST = ['Ayşe', 'Mehmet', 'Zeynep', 'Emre', 'Elif', 'Can', 'Deniz', 'Selin'];
const LAST = ['Yılmaz', 'Kaya', 'Demir', 'Şahin', 'Çelik', 'Öztürk'];

/**
 * Accounts of `people` persons: an email account and a Facebook account with the same (verified)
 * address, an Instagram and an X account with the person's name and handle, a WhatsApp number.
 * Names repeat across persons (only 48 combinations), so unrelated people share name keys.
 */
function accounts(people: number, seed: number): ChannelIdentity[][] {
  const next = random(seed);
  return Array.from({ length: people }, (_, person) => {
    const first = FIRST[Math.floor(next() * FIRST.length)] as string;
    const last = LAST[Math.floor(next() * LAST.length)] as string;
    const name = `${first} ${last}`;
    const handle = `${first}.${last}${person}`.toLowerCase();
    const email = `p${person}.${seed}@example.com`;
    const phone = `+90532${String(1_000_000 + person * 7919 + seed).slice(-7)}`;
    return [
      { channel: 'email', nativeId: email, email, displayName: name },
      { channel: 'facebook', nativeId: `fb-${person}`, email, displayName: name },
      { channel: 'instagram', nativeId: `ig-${person}`, handle, displayName: name },
      { channel: 'x', nativeId: `x-${person}`, handle: handle.replace('.', '_'), displayName: name },
      { channel: 'whatsapp', nativeId: phone.slice(1), phone, displayName: name },
    ];
  });
}

/**
 * A setup (identities resolved before the batch) and a batch: known authors unchanged and with a
 * changed profile, new authors, and repeats, shuffled.
 */
function scenario(seed: number, size: number): { setup: ChannelIdentity[]; batch: ChannelIdentity[] } {
  const next = random(seed + 1);
  const people = accounts(size, seed);
  const setup: ChannelIdentity[] = [];
  const batch: ChannelIdentity[] = [];
  for (const list of people) {
    for (const identity of list) {
      const roll = next();
      if (roll < 0.3) setup.push(identity);
      if (roll < 0.15) batch.push(identity);
      // A known author whose profile now shows more: a decorated name, the person's email.
      else if (roll < 0.2) batch.push({ ...identity, displayName: `${identity.displayName} ✨`, email: (list[0] as ChannelIdentity).email });
      else if (roll >= 0.3) batch.push(identity);
      if (next() < 0.2) batch.push(identity);
    }
  }
  for (let index = batch.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1));
    [batch[index], batch[other]] = [batch[other] as ChannelIdentity, batch[index] as ChannelIdentity];
  }
  return { setup, batch };
}

/** Everything about the outcome that does not depend on generated ids and clock readings. */
async function outcome(ledger: InteractionLedger, merger: IdentityMerger, identities: ChannelIdentity[], results: ResolveResult[]) {
  const keysOfCustomer = new Map<string, string[]>();
  for (const key of new Set(identities.map((identity) => identityKey(identity)))) {
    const record = (await ledger.getIdentity(key)) as IdentityRecord;
    keysOfCustomer.set(record.customerId, [...(keysOfCustomer.get(record.customerId) ?? []), key].sort());
  }
  const live = async (customerId: string): Promise<string> => {
    let customer = await ledger.getCustomer(customerId);
    while (customer?.mergedInto) customer = await ledger.getCustomer(customer.mergedInto);
    return (keysOfCustomer.get(customer!.id) ?? []).join(',');
  };
  const partition = [...keysOfCustomer.values()].map((keys) => keys.join(',')).sort();
  const perIdentity = await Promise.all(
    results.map(async (result) => ({ customer: await live(result.customerId), created: result.created, merges: result.merges.length, suggestions: result.suggestions.length })),
  );
  const merges = (
    await Promise.all(
      [...keysOfCustomer.keys()].map(async (customerId) =>
        (await ledger.listMerges(customerId)).map((merge) => {
          const sides = new Map<string, string[]>();
          for (const entry of merge.snapshot.identities) sides.set(entry.customerId, [...(sides.get(entry.customerId) ?? []), entry.key].sort());
          return `${merge.decidedBy.type}:${merge.decidedBy.name} ${[...sides.values()].map((keys) => keys.join(',')).sort().join(' + ')}`;
        }),
      ),
    )
  )
    .flat()
    .sort();
  const suggestions = await Promise.all(
    (await merger.suggestions({ limit: 1000 }, { ledger })).items.map(async (suggestion) => `${suggestion.reason} ${[await live(suggestion.customerId), await live(suggestion.candidateCustomerId)].sort().join(' ~ ')}`),
  );
  return { partition, perIdentity, merges: [...new Set(merges)], suggestions: suggestions.sort() };
}

describe.each(backends)('resolveMany on %s', (name, create) => {
  // Fewer people on the databases: the sequential run is the slow part.
  const size = name === 'memory' ? 24 : 10;
  it.each(name === 'memory' ? [1, 2, 3, 4] : [2])('decides as resolve one identity after another (scenario %i)', async (seed) => {
    const { setup, batch } = scenario(seed, size);
    const options = { defaultRegion: 'TR', verifiedPhoneChannels: ['whatsapp'] };
    const one = { ledger: create(), merger: createIdentityMerger(options) };
    const many = { ledger: create(), merger: createIdentityMerger(options) };
    const contexts = [testContext(one.ledger), testContext(many.ledger)] as const;
    for (const identity of setup) {
      await one.merger.resolve(identity, contexts[0]);
      await many.merger.resolve(identity, contexts[1]);
    }
    const sequential: ResolveResult[] = [];
    for (const identity of batch) sequential.push(await one.merger.resolve(identity, contexts[0]));
    const batched = await many.merger.resolveMany(batch, contexts[1]);
    expect(batched).toHaveLength(batch.length);

    const all = [...setup, ...batch];
    const expected = await outcome(one.ledger, one.merger, all, sequential);
    const actual = await outcome(many.ledger, many.merger, all, batched);
    // The scenario exercises merges, suggestions, repeats and known authors.
    expect(expected.merges.length).toBeGreaterThan(size / 2);
    expect(expected.suggestions.length).toBeGreaterThan(0);
    expect(expected.perIdentity.filter((entry) => entry.created).length).toBeGreaterThan(size);
    expect(actual.partition).toEqual(expected.partition);
    expect(actual.merges).toEqual(expected.merges);
    expect(actual.suggestions).toEqual(expected.suggestions);
    // Each result names the customer its identity belongs to once the batch is resolved.
    expect(actual.perIdentity.map(({ created, merges, suggestions }) => ({ created, merges, suggestions }))).toEqual(
      expected.perIdentity.map(({ created, merges, suggestions }) => ({ created, merges, suggestions })),
    );
    for (const [index, identity] of batch.entries()) {
      const record = await many.ledger.getIdentity(identityKey(identity));
      expect(batched[index]!.customerId).toBe(record!.customerId);
    }
  });
});

const BATCH_METHODS = ['getIdentities', 'getInteractions', 'appendInteractions', 'getCustomers', 'saveCustomers', 'saveIdentities'];
const COUNTED = ['getIdentity', 'getIdentities', 'findIdentitiesByBlockingKeys', 'saveIdentity', 'saveCustomer', 'saveIdentities', 'saveCustomers'];

/**
 * A real ledger seen through a proxy that counts the calls it receives. With `batch`, it has the
 * batch methods (over the single ones); without, it has none.
 */
function counted(inner: InteractionLedger, options: { batch: boolean }) {
  const calls = new Map<string, number>();
  let inFlight = 0;
  const reads = { most: 0 };
  const batchMethods: Partial<InteractionLedger> = {
    async getIdentities(keys) {
      const found = await Promise.all(keys.map((key) => inner.getIdentity(key)));
      return found.filter((record): record is IdentityRecord => record !== null);
    },
    async getInteractions(ids) {
      const found = await Promise.all(ids.map((id) => inner.getInteraction(id)));
      return found.filter((interaction) => interaction !== null);
    },
    async appendInteractions(interactions) {
      const results = [];
      for (const interaction of interactions) results.push(await inner.appendInteraction(interaction));
      return results;
    },
  };
  const ledger = new Proxy(inner, {
    get(target, property, receiver) {
      if (typeof property === 'string' && BATCH_METHODS.includes(property) && !options.batch) return undefined;
      const value = options.batch && property in batchMethods ? batchMethods[property as keyof typeof batchMethods] : Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || !COUNTED.includes(property)) return value;
      return async (...parameters: unknown[]) => {
        calls.set(property, (calls.get(property) ?? 0) + 1);
        const call = () => (value as (...args: unknown[]) => unknown).apply(target, parameters);
        if (property !== 'getIdentity') return call();
        inFlight++;
        reads.most = Math.max(reads.most, inFlight);
        // Let the other reads of a batch start before this one answers.
        await new Promise((resolve) => setImmediate(resolve));
        try {
          return await call();
        } finally {
          inFlight--;
        }
      };
    },
  }) as InteractionLedger;
  return { ledger, count: (method: string) => calls.get(method) ?? 0, reads };
}

/** A made-up email address per number, unlike the others (no two look alike to the model). */
function addressOf(index: number): string {
  const next = random(index + 7);
  const letters = Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(next() * 26))).join('');
  return `${letters}@mail.test`;
}

/** 20 known authors (one repeated), 20 new ones (one repeated): 42 events. */
async function knownAndNew(resolver: IdentityResolver, ledger: InteractionLedger) {
  const author = (index: number): ChannelIdentity => ({ channel: 'instagram', nativeId: `ig-${index}`, email: addressOf(index) });
  const setupContext = testContext(ledger);
  for (let index = 0; index < 20; index++) await resolver.resolve(author(index), setupContext);
  return [...Array.from({ length: 40 }, (_, index) => author(index)), author(3), author(33)];
}

describe('resolveMany round trips', () => {
  it.each([
    ['the merger', () => createIdentityMerger()],
    ['channelIdentityResolver()', () => channelIdentityResolver()],
  ] as Array<[string, () => IdentityResolver]>)('%s reads identity records once per batch with BatchStore, once per identity without', async (_name, make) => {
    for (const batch of [true, false]) {
      const { ledger, count, reads } = counted(memoryLedger(), { batch });
      const resolver = make();
      const events = await knownAndNew(resolver, ledger);
      const writes = () => ({ customers: count('saveCustomer'), identities: count('saveIdentity'), batches: count('saveCustomers') + count('saveIdentities') });
      const before = { single: count('getIdentity'), batch: count('getIdentities'), candidates: count('findIdentitiesByBlockingKeys'), writes: writes() };
      const results = await resolver.resolveMany!(events, testContext(ledger));
      const singleReads = count('getIdentity') - before.single;
      if (batch) {
        expect(count('getIdentities') - before.batch).toBe(1);
        expect(singleReads).toBe(0);
        // The merger registers the 20 new authors with one write per kind, none one at a time.
        if (resolver.id === 'identity-merger') expect(writes()).toEqual({ ...before.writes, batches: before.writes.batches + 2 });
      } else {
        // One read per distinct identity (40), a few at a time, not one per event (42).
        expect(singleReads).toBe(40);
        expect(reads.most).toBeGreaterThan(1);
        expect(reads.most).toBeLessThanOrEqual(8);
      }
      // The merger looks the new authors' candidates up in one call.
      if (resolver.id === 'identity-merger') expect(count('findIdentitiesByBlockingKeys') - before.candidates).toBe(1);
      // Known authors keep their customer; new ones get one, created once; repeats agree.
      expect(results.filter((result) => result.created)).toHaveLength(20);
      expect(results[40]!.customerId).toBe(results[3]!.customerId);
      expect(results[41]!.customerId).toBe(results[33]!.customerId);
      expect(results[41]!.created).toBe(false);
      expect(results[33]!.created).toBe(true);
      for (const [index, identity] of events.entries()) expect(results[index]!.customerId).toBe((await ledger.getIdentity(identityKey(identity)))!.customerId);
    }
  });

  it('writes nothing for known authors whose profile did not change, until lastSeenAt is due', async () => {
    const { ledger, count } = counted(memoryLedger(), { batch: true });
    const merger = createIdentityMerger();
    const authors: ChannelIdentity[] = Array.from({ length: 5 }, (_, index) => ({ channel: 'x', nativeId: `x-${index}`, email: addressOf(index) }));
    let now = Date.UTC(2026, 10, 22, 12);
    const context = { ledger, now: () => new Date(now), generateId: (() => { let id = 0; return () => `c${++id}`; })() };
    for (const author of authors) await merger.resolve(author, context);
    const writes = () => count('saveIdentity') + count('saveCustomer');
    const before = writes();
    now += 59_000;
    await merger.resolveMany([...authors, ...authors], context);
    expect(writes()).toBe(before);
    now += 1_000;
    await merger.resolveMany([...authors, ...authors], context);
    // Due after a minute: one write per author, however often it appears.
    expect(writes()).toBe(before + authors.length);
  });
});

describe.each(backends.filter(([name]) => name !== 'memory'))('two workers calling resolveMany on %s', (_name, create) => {
  /** A "process": its own resolver and id sequence over the shared database. */
  function worker(ledger: InteractionLedger, name: string, resolver: IdentityResolver) {
    const base = testContext(ledger);
    const context = { ...base, generateId: () => `${name}_${base.generateId()}` };
    return (identities: ChannelIdentity[]) => resolver.resolveMany!(identities, context);
  }

  it('create one customer per person for overlapping new authors (the merger)', async () => {
    const ledger = create();
    const first = worker(ledger, 'w1', createIdentityMerger({ defaultRegion: 'TR' }));
    const second = worker(ledger, 'w2', createIdentityMerger({ defaultRegion: 'TR' }));
    const people = Array.from({ length: 8 }, (_, person) => {
      const email = `person${person}@example.com`;
      return [
        { channel: 'email', nativeId: email, email },
        { channel: 'facebook', nativeId: `fb-${person}`, email },
        { channel: 'instagram', nativeId: `ig-${person}`, handle: `someone.${person}.k` },
      ] as ChannelIdentity[];
    });
    // Both batches hold every person's Instagram account; the email and Facebook accounts are split.
    const [one, two] = await Promise.all([first(people.flatMap(([email, , instagram]) => [email!, instagram!])), second(people.flatMap(([, facebook, instagram]) => [facebook!, instagram!]))]);
    expect(one.filter((result) => result.created).length + two.filter((result) => result.created).length).toBe(people.length * 3);
    for (const accounts of people) {
      const owners = await Promise.all(accounts.map(async (identity) => (await ledger.getIdentity(identityKey(identity)))!.customerId));
      expect(new Set(owners.slice(0, 2)).size).toBe(1);
    }
    const instagramOwners = await Promise.all(people.map(async ([, , instagram]) => (await ledger.getIdentity(identityKey(instagram!)))!.customerId));
    expect(new Set(instagramOwners).size).toBe(people.length);
    // Every customer row is either live with identities, or merged away: no orphan.
    const customers = (await ledger.listCustomers({ includeMerged: true, limit: 1000 })).items;
    for (const customer of customers) expect(customer.mergedInto !== undefined || customer.identityKeys.length > 0).toBe(true);
    const live = customers.filter((customer) => !customer.mergedInto);
    expect(live).toHaveLength(people.length * 2);
  });

  it('create one customer per identity for overlapping new authors (channelIdentityResolver)', async () => {
    const ledger = create();
    const first = worker(ledger, 'w1', channelIdentityResolver());
    const second = worker(ledger, 'w2', channelIdentityResolver());
    const identities: ChannelIdentity[] = Array.from({ length: 12 }, (_, index) => ({ channel: 'instagram', nativeId: `ig-${index}`, handle: `user.${index}.k` }));
    const [one, two] = await Promise.all([first(identities.slice(0, 8)), second(identities.slice(4))]);
    for (const [index, identity] of identities.entries()) {
      const owner = (await ledger.getIdentity(identityKey(identity)))!.customerId;
      const answers = [index < 8 ? one[index] : undefined, index >= 4 ? two[index - 4] : undefined].filter((result) => result !== undefined);
      for (const answer of answers) expect(answer.customerId).toBe(owner);
      expect(answers.filter((answer) => answer.created)).toHaveLength(1);
    }
    expect((await ledger.listCustomers({ includeMerged: true, limit: 1000 })).items).toHaveLength(identities.length);
  });
});

describe.each(backends)('resolveMany beside other resolutions of the same merger on %s', (_backend, create) => {
  it('ends with one customer per person however batches and single resolutions interleave', async () => {
    const people = Array.from({ length: 6 }, (_, person) => {
      const email = `person${person}@example.com`;
      const phone = `+90532${String(2_000_000 + person * 7919).slice(-7)}`;
      return [
        { channel: 'email', nativeId: email, email },
        { channel: 'whatsapp', nativeId: phone.slice(1), phone },
        { channel: 'telegram', nativeId: `tg-${person}`, phone },
        { channel: 'facebook', nativeId: `fb-${person}`, email, phone },
      ] as ChannelIdentity[];
    });
    const identities = people.flat();
    const ledger = create();
    const context = testContext(ledger);
    const merger = createIdentityMerger({ verifiedPhoneChannels: ['whatsapp', 'telegram', 'facebook'], defaultRegion: 'TR' });
    // Three overlapping batches and every identity alone, all at once.
    await Promise.all([
      merger.resolveMany(identities.filter((_, index) => index % 3 === 0), context),
      merger.resolveMany(identities.filter((_, index) => index % 2 === 0), context),
      merger.resolveMany([...identities].reverse(), context),
      ...identities.map((identity) => merger.resolve(identity, context)),
    ]);
    for (const accounts of people) {
      const owners = await Promise.all(accounts.map(async (identity) => (await ledger.getIdentity(identityKey(identity)))!.customerId));
      expect(new Set(owners).size).toBe(1);
    }
    expect((await ledger.listCustomers({ limit: 1000 })).items).toHaveLength(people.length);
  });

  it('gives an identity that a batch and a single resolution meet at once one customer', async () => {
    const ledger = create();
    const context = testContext(ledger);
    const merger = createIdentityMerger();
    const identities: ChannelIdentity[] = Array.from({ length: 4 }, (_, index) => ({ channel: 'email', nativeId: `same${index}@example.com`, email: `same${index}@example.com` }));
    const [batch, ...singles] = await Promise.all([merger.resolveMany(identities, context), ...identities.map((identity) => merger.resolve(identity, context))]);
    for (const [index, single] of singles.entries()) {
      expect(batch![index]!.customerId).toBe(single.customerId);
      expect([batch![index]!.created, single.created].filter(Boolean)).toHaveLength(1);
    }
    expect((await ledger.listCustomers({ includeMerged: true, limit: 1000 })).items).toHaveLength(identities.length);
  });
});
