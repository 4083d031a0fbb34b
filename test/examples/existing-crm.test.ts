import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { describeLedger } from 'social-crm/testing';
import { existingCrmLedger, type SqlDatabase } from '../../examples/existing-crm/crm-ledger.js';
import { pgliteDatabase, poolDatabase } from '../../examples/existing-crm/database.js';
import { companySchema, socialWiring } from '../../examples/existing-crm/schema.js';
import { sharedPglite } from '../helpers/pglite.js';

const SERVER_URL = process.env.SOCIAL_CRM_TEST_POSTGRES_URL;
const prefix = `host_existing_crm_${process.pid}_${Date.now().toString(36)}`;
let schemas = 0;

/** A fresh company database (the CRM's tables, then the SDK wiring) in a schema of its own. */
async function freshCrm(database: SqlDatabase): Promise<string> {
  const schema = `${prefix}_${++schemas}`;
  await database.execute(companySchema(schema));
  await database.execute(socialWiring(schema));
  return schema;
}

/** Reads the CRM's own columns: what the company's screens show of an interaction. */
async function readActivity(database: SqlDatabase, schema: string, id: string) {
  const { rows } = await database.query(
    `select a.body as text, a.social ->> 'state' as state, c.customer_key as "customerId" from "${schema}".activities a join "${schema}".contacts c on c.id = a.contact_id where a.social_id = $1
     union all select body ->> 'text', body ->> 'state', body ->> 'customerId' from "${schema}".social_posts where id = $1`,
    [id],
  );
  return (rows[0] as { text: string; state: string; customerId: string | null } | undefined) ?? null;
}

function conformance(name: string, database: () => SqlDatabase) {
  let schema = '';
  describeLedger(name, {
    create: async () => {
      schema = await freshCrm(database());
      return existingCrmLedger(database(), { schema });
    },
    oracle: { readInteraction: (id) => readActivity(database(), schema, id) },
  });
}

describe('examples/existing-crm on PGlite', () => {
  const pglite = sharedPglite();
  conformance('existing CRM tables (PGlite)', () => pgliteDatabase(pglite()));
});

describe.skipIf(!SERVER_URL)('examples/existing-crm on the PostgreSQL server', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: SERVER_URL, max: 4 });
  });
  afterAll(async () => {
    for (let index = 1; index <= schemas; index++) await pool.query(`drop schema if exists "${prefix}_${index}" cascade`);
    await pool.end();
  });
  conformance('existing CRM tables (PostgreSQL server)', () => poolDatabase(pool));
});
