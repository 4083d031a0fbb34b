import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSocialCrmError, type InteractionLedger } from 'social-crm';
import { sharedPglite } from '../helpers/pglite.js';
import { describeLedger, makeCustomer, makeIdentityRecord, makeInteraction } from 'social-crm/testing';
import { migratePostgresLedger, postgresLedger, type PostgresLedger } from '../../src/ledgers/postgres/index.js';
import { MIGRATIONS } from '../../src/ledgers/postgres/migrations.js';

const SERVER_URL = process.env.SOCIAL_CRM_TEST_POSTGRES_URL;
if (!SERVER_URL) {
  console.info('[postgres ledger] SOCIAL_CRM_TEST_POSTGRES_URL is not set: the PostgreSQL server tests are skipped; PGlite tests still run.');
}

const RUN = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
let schemaCounter = 0;
const nextSchema = () => `scrm_${RUN}_${++schemaCounter}`;

/** One PGlite for the whole file (startup takes seconds); each test gets its own schema. */
const database = sharedPglite();

/** Reads the interactions table of the schema of the ledger under test (the kit passes it). */
function oracleFor(query: (sql: string, params: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>) {
  return {
    async readInteraction(id: string, ledger: InteractionLedger) {
      const { rows } = await query(`SELECT text, state, customer_id FROM "${(ledger as PostgresLedger).schema}".interactions WHERE id = $1`, [id]);
      const row = rows[0];
      return row ? { text: String(row.text), state: String(row.state), customerId: (row.customer_id as string | null) ?? null } : null;
    },
  };
}

describe('postgresLedger options', () => {
  it('rejects missing, doubled and malformed options with InvalidOptionsError', () => {
    for (const options of [{}, { connectionString: 'postgres://x', pglite: 'memory://' }, { pglite: 'memory://', schema: 'Bad-Name' }, { pglite: 'memory://', extra: 1 }]) {
      let caught: unknown;
      try {
        postgresLedger(options as never);
      } catch (error) {
        caught = error;
      }
      expect(isSocialCrmError(caught, 'INVALID_OPTIONS')).toBe(true);
    }
  });

  it('does no I/O at construction', async () => {
    const ledger = postgresLedger({ connectionString: 'postgres://nobody@127.0.0.1:1/none', retry: { attempts: 1 } });
    await ledger.close();
  });
});

describe('PGlite', () => {
  describeLedger('postgres (PGlite)', {
    create: () => postgresLedger({ pglite: database(), schema: nextSchema() }),
    destroy: async (ledger) => {
      await ledger.close?.();
      await database().query(`DROP SCHEMA IF EXISTS "${(ledger as PostgresLedger).schema}" CASCADE`);
    },
    oracle: oracleFor((sql, params) => database().query(sql, params)),
  });

  it('keeps data in a data directory across restarts', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const directory = await mkdtemp(join(tmpdir(), 'social-crm-pglite-'));
    try {
      const interaction = makeInteraction({ text: 'durable' });
      const first = postgresLedger({ pglite: directory });
      await first.appendInteraction(interaction);
      await first.close();
      const second = postgresLedger({ pglite: directory });
      expect(await second.getInteraction(interaction.id)).toEqual(interaction);
      expect((await second.migrate()).applied).toEqual([]);
      await second.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }, 120_000); // two cold starts of an embedded database on disk: slow on a loaded machine

  it('two pools claiming the outbox concurrently never get the same record', (context) => {
    context.skip('PGlite has one connection, so two pools cannot race; the server tests run this check');
  });

  reliabilityTests('PGlite', () => postgresLedger({ pglite: database(), schema: nextSchema() }), async (ledger) => {
    await ledger.close();
    await database().query(`DROP SCHEMA IF EXISTS "${ledger.schema}" CASCADE`);
  });
});

describe.skipIf(!SERVER_URL)('PostgreSQL server', () => {
  let pool: pg.Pool;
  const created: string[] = [];
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: SERVER_URL, max: 10 });
    pool.on('error', () => undefined);
  });
  afterAll(async () => {
    for (const schema of created) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });
  const schema = () => {
    const name = nextSchema();
    created.push(name);
    return name;
  };

  describeLedger('postgres (server)', {
    create: () => postgresLedger({ pool, schema: schema() }),
    destroy: async (ledger) => {
      await ledger.close?.();
      await pool.query(`DROP SCHEMA IF EXISTS "${(ledger as PostgresLedger).schema}" CASCADE`);
    },
    oracle: oracleFor((sql, params) => pool.query(sql, params)),
  });

  it('migrates once when many processes start together', async () => {
    const name = schema();
    const results = await Promise.all(Array.from({ length: 5 }, () => migratePostgresLedger({ connectionString: SERVER_URL!, schema: name })));
    expect(results.filter((result) => result.applied.length > 0)).toHaveLength(1);
    const { rows } = await pool.query(`SELECT version FROM "${name}".migrations`);
    expect(rows.map((row) => row.version), 'every version applied once').toEqual(MIGRATIONS.map((migration) => migration.version));
  });

  it('reconnects after the server drops every connection and loses nothing', async () => {
    const applicationName = `social_crm_${RUN}`;
    const url = new URL(SERVER_URL!);
    url.searchParams.set('application_name', applicationName);
    const ledger = postgresLedger({ connectionString: url.toString(), schema: schema(), maxConnections: 4, retry: { attempts: 8, baseDelayMs: 20 } });
    const rows = Array.from({ length: 400 }, (_, index) => makeInteraction({ channel: 'restart', nativeId: `r${index}` }));
    let terminated = 0;
    let next = 0;
    const results: Array<Awaited<ReturnType<PostgresLedger['appendInteraction']>>> = [];
    // Eight writers in flight; after 150 and 300 rows the server kills every ledger connection.
    const writer = async () => {
      while (next < rows.length) {
        const row = rows[next++]!;
        results.push(await ledger.appendInteraction(row));
        if (results.length === 150 || results.length === 300) {
          const { rows: killed } = await pool.query(
            `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`,
            [applicationName],
          );
          terminated += killed.length;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, writer));
    expect(terminated).toBeGreaterThan(0);
    expect(results.every((result) => result.interaction.channel === 'restart')).toBe(true);
    const { rows: count } = await pool.query(`SELECT count(*)::int AS count FROM "${ledger.schema}".interactions`);
    expect(count[0].count).toBe(400);
    // and the ledger still works on fresh connections
    expect(await ledger.getInteraction(rows[399]!.id)).toEqual(rows[399]);
    await ledger.close();
  });

  it('two pools claiming the outbox concurrently never get the same record, and deliver each key in order', async () => {
    const name = schema();
    const pools = [new pg.Pool({ connectionString: SERVER_URL, max: 4 }), new pg.Pool({ connectionString: SERVER_URL, max: 4 })];
    for (const each of pools) each.on('error', () => undefined);
    const ledgers = pools.map((each) => postgresLedger({ pool: each, schema: name }));
    try {
      const keys = Array.from({ length: 40 }, (_, index) => `customer-${index}`);
      const records = Array.from({ length: 400 }, (_, index) => ({
        id: `evt_${String(index).padStart(4, '0')}`,
        name: 'interaction-received',
        payload: { index },
        orderingKey: keys[index % keys.length]!,
        createdAt: '2026-03-01T00:00:00.000Z',
      }));
      await ledgers[0]!.appendOutbox!(records);
      const claimedInOrder: string[] = [];
      const claimedBy = new Map<string, string>();
      let duplicates = 0;
      // Four workers per pool claim a few records, note them, and settle them as delivered.
      const worker = async (ledger: PostgresLedger, owner: string) => {
        for (;;) {
          const claimed = await ledger.claimOutbox!({ owner, limit: 7, leaseMs: 60_000, now: new Date().toISOString() });
          for (const record of claimed) {
            if (claimedBy.has(record.id)) duplicates++;
            claimedBy.set(record.id, owner);
            claimedInOrder.push(record.id);
          }
          for (const record of claimed) expect(await ledger.settleOutbox!(record.id, owner, { type: 'delivered' })).toBe(true);
          if (claimed.length === 0 && (await ledger.listOutbox!({ limit: 1 })).items.length === 0) return;
        }
      };
      await Promise.all(ledgers.flatMap((ledger, pool) => Array.from({ length: 4 }, (_, index) => worker(ledger, `pool-${pool}-worker-${index}`))));
      expect(duplicates, 'no record is claimed twice').toBe(0);
      expect(claimedBy.size).toBe(400);
      expect(new Set(claimedBy.values()).size, 'both pools took part').toBeGreaterThan(1);
      for (const key of keys) {
        const appended = records.filter((record) => record.orderingKey === key).map((record) => record.id);
        expect(claimedInOrder.filter((id) => appended.includes(id)), `records of ${key} are claimed in append order`).toEqual(appended);
      }
    } finally {
      for (const ledger of ledgers) await ledger.close();
      for (const each of pools) await each.end();
    }
  });

  reliabilityTests('server', () => postgresLedger({ connectionString: SERVER_URL!, schema: schema(), maxConnections: 8 }), async (ledger) => {
    await ledger.close();
  });
});

/** Concurrency guarantees that go beyond the conformance suite. */
function reliabilityTests(name: string, create: () => PostgresLedger, destroy: (ledger: PostgresLedger) => Promise<void>) {
  describe(`reliability (${name})`, () => {
    it('stores one row when the same interaction is appended 1,000 times concurrently', async () => {
      const ledger = create();
      try {
        const interaction = makeInteraction({ text: 'redelivered' });
        const results = await Promise.all(Array.from({ length: 1000 }, () => ledger.appendInteraction(interaction)));
        expect(results.filter((result) => result.inserted)).toHaveLength(1);
        expect(results.every((result) => result.interaction.text === 'redelivered')).toBe(true);
        const page = await ledger.queryInteractions({ channel: interaction.channel, includeDeleted: true, limit: 1000 });
        expect(page.items.filter((item) => item.id === interaction.id)).toHaveLength(1);
      } finally {
        await destroy(ledger);
      }
    });

    it('appends a batch idempotently, repeats within the batch included, in input order', async () => {
      const ledger = create();
      try {
        const rows = Array.from({ length: 1200 }, (_, index) => makeInteraction({ channel: 'batch', nativeId: `b${index}` }));
        await ledger.appendInteraction(rows[5]!);
        const results = await ledger.appendInteractions([...rows, rows[7]!, { ...rows[9]!, text: 'second copy' }]);
        expect(results).toHaveLength(1202);
        expect(results.filter((result) => result.inserted)).toHaveLength(1199);
        expect(results[5]!.inserted).toBe(false);
        expect(results.slice(1200).map((result) => [result.inserted, result.interaction.id])).toEqual([[false, rows[7]!.id], [false, rows[9]!.id]]);
        expect(results[9]!.interaction).toEqual(rows[9]);
        expect(results[1201]!.interaction.text).toBe(rows[9]!.text);
        const page = await ledger.queryInteractions({ channel: 'batch', limit: 1000 });
        expect(page.items).toHaveLength(1000);
        expect(page.nextCursor).not.toBeNull();
      } finally {
        await destroy(ledger);
      }
    });

    it('refuses malformed outbox and send input with InvalidOptionsError and stores nothing of it', async () => {
      const ledger = create();
      try {
        const valid = { id: 'evt_ok', name: 'interaction-received', payload: {}, orderingKey: 'c1', createdAt: '2026-03-01T00:00:00.000Z' };
        await expectInvalidOptions(ledger.appendOutbox([valid, { ...valid, id: 'evt_bad', createdAt: 'yesterday' }]));
        expect((await ledger.listOutbox()).items).toEqual([]);
        await expectInvalidOptions(ledger.claimOutbox({ owner: 'worker', limit: 0, leaseMs: 1000, now: valid.createdAt }));
        await expectInvalidOptions(ledger.claimOutbox({ owner: 'worker', limit: 10, leaseMs: 1000, now: 'soon' }));
        const send = { key: 'reply-1', channel: 'test', inReplyTo: 'test:n1', state: 'queued', reply: {}, attempts: 0, createdAt: valid.createdAt, updatedAt: valid.createdAt };
        await expectInvalidOptions(ledger.createSend(send as never));
        expect(await ledger.getSend('reply-1')).toBeNull();
        await expectInvalidOptions(ledger.listSends({ state: 'queued' as never }));
      } finally {
        await destroy(ledger);
      }
    });

    it("locks keys holding quotes, backslashes, braces and NUL: one task at a time per key (lock names are written into the statement)", async () => {
      const ledger = create();
      try {
        const key = "identity-key:name:o'brien \\' {tenant} $1 \u0000 şule";
        // Read-modify-write under the lock: any two tasks inside at once would lose an increment.
        await Promise.all(
          Array.from({ length: 20 }, () =>
            ledger.withLocks([key, `${key}:other`], async (locked) => {
              const count = Number((await locked.getCursor('lock-test', 'count')) ?? '0');
              await locked.setCursor('lock-test', 'count', String(count + 1));
            }),
          ),
        );
        expect(await ledger.getCursor('lock-test', 'count')).toBe('20');
      } finally {
        await destroy(ledger);
      }
    });

    it('stores NUL characters as U+FFFD instead of failing', async () => {
      const ledger = create();
      try {
        const interaction = makeInteraction({ text: 'a\u0000b', raw: { body: 'x\u0000y', path: 'C:\\u0000' } });
        await ledger.appendInteraction(interaction);
        const stored = await ledger.getInteraction(interaction.id);
        expect(stored?.text).toBe('a\ufffdb');
        expect(stored?.raw).toEqual({ body: 'x\ufffdy', path: 'C:\\u0000' });
      } finally {
        await destroy(ledger);
      }
    });

    it('keeps the identity graph whole when concurrent merges touch one customer', async () => {
      const ledger = create();
      try {
        const survivor = makeCustomer({ id: 'cus_survivor' });
        await ledger.saveCustomer(survivor);
        const absorbed = Array.from({ length: 12 }, (_, index) => makeCustomer({ id: `cus_absorbed_${index}`, identityKeys: [`test:a${index}`] }));
        for (const customer of absorbed) {
          await ledger.saveCustomer(customer);
          await ledger.saveIdentity(makeIdentityRecord({ customerId: customer.id, identity: { channel: 'test', nativeId: `a${customer.id.split('_').at(-1)}` } }));
        }
        await Promise.all(absorbed.map((customer, index) => mergeInto(ledger, survivor.id, customer.id, `merge_${index}`)));
        const merged = await ledger.getCustomer(survivor.id);
        expect([...(merged?.identityKeys ?? [])].sort()).toEqual(absorbed.map((customer) => customer.identityKeys[0]).sort());
        expect((await ledger.listIdentities(survivor.id)).length).toBe(12);
        for (const customer of absorbed) expect((await ledger.getCustomer(customer.id))?.mergedInto).toBe(survivor.id);
        expect(await ledger.listMerges(survivor.id)).toHaveLength(12);
      } finally {
        await destroy(ledger);
      }
    });
  });
}

async function expectInvalidOptions(promise: Promise<unknown>): Promise<void> {
  const caught = await promise.then(() => undefined, (error: unknown) => error);
  expect(isSocialCrmError(caught, 'INVALID_OPTIONS'), `expected InvalidOptionsError, got ${String(caught)}`).toBe(true);
}

/** A merge as an identity merger does it: read both, move identities, record history, atomically. */
async function mergeInto(ledger: PostgresLedger, survivorId: string, absorbedId: string, mergeId: string): Promise<void> {
  await ledger.withCustomerLock([absorbedId, survivorId], async (locked: InteractionLedger) => {
    const survivor = (await locked.getCustomer(survivorId))!;
    const absorbed = (await locked.getCustomer(absorbedId))!;
    // Yield so that, without the lock, other merges would interleave here and lose updates.
    await new Promise((resolve) => setTimeout(resolve, 2));
    for (const identity of await locked.listIdentities(absorbedId)) await locked.saveIdentity({ ...identity, customerId: survivorId });
    await locked.saveCustomer({ ...survivor, identityKeys: [...survivor.identityKeys, ...absorbed.identityKeys] });
    await locked.saveCustomer({ ...absorbed, mergedInto: survivorId });
    await locked.saveMerge({
      id: mergeId,
      survivorId,
      absorbedIds: [absorbedId],
      decidedBy: { type: 'rule', name: 'test' },
      evidence: {},
      snapshot: { customers: [absorbed], identities: [] },
      createdAt: new Date().toISOString(),
    });
  });
}
