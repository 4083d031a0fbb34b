import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createSocialCrm } from 'social-crm';
import { makeInteraction } from 'social-crm/testing';
import { postgresLedger, type PostgresLedger } from '../../src/ledgers/postgres/index.js';
import { MIGRATIONS, quoteIdentifier } from '../../src/ledgers/postgres/migrations.js';
import { INTERACTION_COLUMNS, INTERACTION_PLACEHOLDERS, interactionParams } from '../../src/ledgers/postgres/rows.js';
import { sharedPglite } from '../helpers/pglite.js';
import { canonicalRequest } from '../helpers/canonical.js';
import { postTo, tenantRoutedCanonical } from '../helpers/tenants.js';

const SERVER_URL = process.env.SOCIAL_CRM_TEST_POSTGRES_URL;
const RUN = `tn${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const database = sharedPglite();
type Query = (sql: string, params?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;

/** Builds `schema` as a ledger at version 6 left it, with one stored interaction and one consent. */
async function schemaAtVersion6(query: Query, schema: string) {
  const quoted = quoteIdentifier(schema);
  await query(`CREATE SCHEMA ${quoted}`);
  await query(`CREATE TABLE ${quoted}.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  // As the ledger applies them: in one transaction (migration 5 uses a table dropped on commit).
  await query('BEGIN');
  for (const migration of MIGRATIONS.filter((entry) => entry.version <= 6)) {
    for (const statement of migration.statements) await query(statement.replaceAll('{schema}', quoted));
    await query(`INSERT INTO ${quoted}.migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
  }
  await query('COMMIT');
  const stored = makeInteraction({ channel: 'x', nativeId: 'before-tenants', text: 'stored before tenants existed' });
  await query(`INSERT INTO ${quoted}.interactions (${INTERACTION_COLUMNS.join(', ')}) VALUES (${INTERACTION_PLACEHOLDERS})`, interactionParams(stored));
  await query(`INSERT INTO ${quoted}.consents (identity_key, status, source, updated_at) VALUES ('x:42', 'opted-out', 'x:dm', now())`);
  await query(
    `INSERT INTO ${quoted}.identities (key, customer_id, identity, blocking_keys, first_seen_at, last_seen_at) VALUES ('x:42', 'cus_42', $1::jsonb, $2::text[], now(), now())`,
    [JSON.stringify({ channel: 'x', nativeId: '42', handle: 'ayse' }), ['handle:ayse', 'name:ayse yilmaz']],
  );
  return stored;
}

async function checkUpgrade(query: Query, options: { pglite?: ReturnType<typeof database>; connectionString?: string }, schema: string) {
  const stored = await schemaAtVersion6(query, schema);
  const ledger = postgresLedger({ ...options, schema } as never);
  try {
    expect((await ledger.migrate()).applied).toEqual(MIGRATIONS.filter((entry) => entry.version > 6).map((entry) => entry.version));
    expect((await ledger.getInteraction(stored.id))?.text, 'rows stored before are the default tenant’s').toBe('stored before tenants existed');
    expect((await ledger.getConsent('x:42'))?.status).toBe('opted-out');
    expect((await ledger.findIdentitiesByBlockingKeys(['name:ayse yilmaz'])).map((row) => row.key), 'identities stored before are found by their blocking keys').toEqual(['x:42']);
    const acme = ledger.forTenant('acme');
    expect(await acme.getInteraction(stored.id)).toBeNull();
    expect(await acme.getConsent('x:42')).toBeNull();
    const { rows: defaults } = await query(
      `SELECT table_name, column_default, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND column_name = 'tenant' ORDER BY table_name`,
      [schema],
    );
    expect(defaults.map((row) => row.table_name)).toEqual(['consents', 'customers', 'dead_letters', 'identities', 'identity_blocking_keys', 'interactions', 'merge_suggestions', 'merges', 'outbox', 'poll_cursors', 'sends']);
    expect(defaults.every((row) => row.column_default === null && row.is_nullable === 'NO'), 'no default: a statement that forgets the tenant fails').toBe(true);
    // Every primary key, unique key and b-tree index leads with the tenant.
    const { rows: indexes } = await query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename <> 'migrations' ORDER BY indexname`, [schema]);
    const without = indexes.filter((row) => !/USING (gin)/.test(String(row.indexdef)) && !/\(tenant,/.test(String(row.indexdef)) && row.indexname !== 'outbox_pkey');
    expect(without.map((row) => row.indexname)).toEqual([]);
    await expect(query(`INSERT INTO ${quoteIdentifier(schema)}.consents (identity_key, status, source, updated_at) VALUES ('x:43', 'opted-in', 'x', now())`)).rejects.toThrow(/tenant/);
  } finally {
    await ledger.close();
  }
}

/** One crm over the PostgreSQL ledger: one delivery with the same person writing to two brands. */
async function checkCrm(storage: PostgresLedger) {
  const crm = createSocialCrm({
    ledger: storage,
    tenants: { ledger: (tenant) => storage.forTenant(tenant) },
    adapters: [tenantRoutedCanonical({ 'page-acme': 'acme', 'page-globex': 'globex' })],
    classifier: false,
  });
  try {
    const ayse = { nativeId: 'ayse-1', handle: 'ayse', displayName: 'Ayşe Yılmaz' };
    const response = await crm.handleWebhook(await canonicalRequest([postTo('page-acme', 'm-1', 'Acme: kargom nerede?', ayse), postTo('page-globex', 'm-1', 'Globex: faturam yanlış', ayse)]));
    expect(response.status).toBe(200);
    const acme = await crm.tenant('acme');
    const globex = await crm.tenant('globex');
    const [acmeCustomer] = (await acme.ledger.listCustomers()).items;
    const [globexCustomer] = (await globex.ledger.listCustomers()).items;
    expect(acmeCustomer && globexCustomer && acmeCustomer.id !== globexCustomer.id, 'the same handle and name are two customers in two tenants').toBe(true);
    expect(await acme.ledger.listMerges(acmeCustomer!.id)).toEqual([]);
    expect(await globex.ledger.exportCustomer(acmeCustomer!.id)).toBeNull();
    expect((await globex.eraseCustomer(globexCustomer!.id)).interactionsErased).toBe(1);
    expect((await acme.ledger.queryInteractions({ limit: 10 })).items.map((row) => row.text)).toEqual(['Acme: kargom nerede?']);
    expect((await crm.ledger.queryInteractions({ limit: 10 })).items).toEqual([]);
  } finally {
    await crm.close();
  }
}

describe('PostgreSQL ledger with tenants', () => {
  it('upgrades a version-6 schema on PGlite: existing rows are the default tenant’s, every key leads with the tenant', async () => {
    await checkUpgrade((sql, params) => database().query(sql, params), { pglite: database() }, `${RUN}_up_lite`);
  });

  it('serves two tenants from one delivery on PGlite', async () => {
    await checkCrm(postgresLedger({ pglite: database(), schema: `${RUN}_crm_lite` }));
  });

  describe.skipIf(!SERVER_URL)('on the PostgreSQL server', () => {
    const pool = SERVER_URL ? new pg.Pool({ connectionString: SERVER_URL, max: 2 }) : undefined;
    const schemas = [`${RUN}_up_server`, `${RUN}_crm_server`];
    afterAll(async () => {
      for (const schema of schemas) await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool?.end();
    });
    it('upgrades a version-6 schema', async () => {
      const client = await pool!.connect();
      try {
        await checkUpgrade((sql, params) => client.query(sql, params), { connectionString: SERVER_URL! }, schemas[0]!);
      } finally {
        client.release();
      }
    });
    it('serves two tenants from one delivery', async () => {
      await checkCrm(postgresLedger({ connectionString: SERVER_URL!, schema: schemas[1]! }));
    });
  });
});
