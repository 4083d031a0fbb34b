import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelTestServer, describeLedger } from 'social-crm/testing';
import { existingCrmLedger, type SqlDatabase } from '../../examples/existing-crm/crm-ledger.js';
import { pgliteDatabase, poolDatabase } from '../../examples/existing-crm/database.js';
import { companySchema, socialWiring } from '../../examples/existing-crm/schema.js';
import { WHATSAPP, whatsappMessage, wireExistingCrm } from '../../examples/existing-crm/index.js';
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

const graph = createChannelTestServer();
beforeAll(() => graph.listen());
afterAll(() => graph.close());

const AYSE = { name: 'Ayşe Yılmaz', waId: '905551112233', phone: '+905551112233', newWaId: '905559998877' };
const TEXTS = { complaint: 'Siparişim ZK-77 hâlâ gelmedi', newNumber: 'Bu benim yeni numaram, eskisini kullanmıyorum', reply: 'Merhaba Ayşe Hanım, kargonuz yarın elinizde', note: 'Telefonda iade istedi' };

/**
 * A company CRM with two contacts (one of them Ayşe, with an earlier call note), wired to the SDK:
 * webhook in, activity on the right contact, reply, merge, brand post, erase.
 */
async function realisticFlow(database: SqlDatabase) {
  const schema = `${prefix}_${++schemas}`;
  const s = `"${schema}"`;
  await database.execute(companySchema(schema));
  const insert = async (sql: string, params: unknown[]) => (await database.query(sql, params)).rows[0] as { id: string };
  const ayse = await insert(`insert into ${s}.contacts (full_name, email, phone) values ($1, 'ayse@example.test', $2) returning id`, [AYSE.name, AYSE.phone]);
  const other = await insert(`insert into ${s}.contacts (full_name, phone) values ('Mehmet Demir', '+905320000001') returning id`, []);
  await database.query(`insert into ${s}.activities (contact_id, kind, subject, body, occurred_at) values ($1, 'call', 'İade', $2, now())`, [ayse.id, TEXTS.note]);
  await database.execute(socialWiring(schema));
  graph.route('post', `https://graph.facebook.com/:version/${WHATSAPP.phoneNumberId}/messages`, () => ({ messaging_product: 'whatsapp', contacts: [{ input: AYSE.waId, wa_id: AYSE.waId }], messages: [{ id: 'wamid.EXISTING_CRM_OUT_1' }] }));
  const { crm, identity, settled } = wireExistingCrm(database, { schema, classifier: false });
  const rows = async (sql: string, params: unknown[] = []) => (await database.query(sql, params)).rows;

  // Pre-seed: the contact's WhatsApp number is Ayşe's channel identity.
  expect(await identity.link({ channel: 'whatsapp', nativeId: AYSE.waId, phone: AYSE.phone, displayName: AYSE.name }, ayse.id)).toEqual({ customerId: ayse.id, merges: [] });

  // Webhook in: an activity on Ayşe's contact, no new contact, a ticket.
  expect((await crm.handleWebhook(whatsappMessage({ waId: AYSE.waId, name: 'Ayşe' }, { id: 'wamid.IN1', text: TEXTS.complaint, at: new Date(Date.now() - 20 * 60_000) }))).status).toBe(200);
  await settled();
  expect(await rows(`select contact_id, kind, body from ${s}.activities where social_id is not null`)).toEqual([{ contact_id: ayse.id, kind: 'social', body: TEXTS.complaint }]);
  expect(await rows(`select count(*)::int as count from ${s}.contacts`)).toEqual([{ count: 2 }]);
  expect(await rows(`select contact_id, subject from ${s}.tickets`)).toEqual([{ contact_id: ayse.id, subject: TEXTS.complaint }]);

  // Reply: stored as an outbound activity of the same contact.
  const callsBefore = graph.calls.length;
  const reply = await crm.reply('whatsapp:wamid.IN1', TEXTS.reply);
  expect(graph.calls.length - callsBefore).toBe(1);
  expect(await rows(`select contact_id, body from ${s}.activities where social_id = $1`, [reply.id])).toEqual([{ contact_id: ayse.id, body: TEXTS.reply }]);

  // A new number: a lead contact; the agent merges it into Ayşe.
  await crm.handleWebhook(whatsappMessage({ waId: AYSE.newWaId, name: 'Ayşe Y.' }, { id: 'wamid.IN2', text: TEXTS.newNumber, at: new Date(Date.now() - 10 * 60_000) }));
  await settled();
  const [lead] = (await rows(`select id, customer_key from ${s}.contacts where id not in ($1, $2)`, [ayse.id, other.id])) as Array<{ id: string; customer_key: string }>;
  expect(lead).toBeDefined();
  const merge = await identity.merge([ayse.id, lead!.customer_key], { agent: 'agent-7', survivorId: ayse.id, reason: 'same person, new number', force: true });
  await settled();
  expect(merge.survivorId).toBe(ayse.id);
  expect(await rows(`select merged_into from ${s}.contacts where id = $1`, [lead!.id])).toEqual([{ merged_into: ayse.id }]);
  expect((await rows(`select id from ${s}.active_contacts order by full_name`)).map((row) => row.id)).toEqual([ayse.id, other.id]);
  expect(await rows(`select distinct contact_id from ${s}.activities where social_id is not null`)).toEqual([{ contact_id: ayse.id }]);
  expect(await rows(`select distinct contact_id from ${s}.tickets`)).toEqual([{ contact_id: ayse.id }]);

  // A brand post has no contact: it lands in social_posts, never in activities.
  await crm.ingest({ channel: 'whatsapp', nativeId: 'status-1', kind: 'post', author: { channel: 'whatsapp', nativeId: WHATSAPP.phoneNumberId, isBrand: true }, text: 'Bayram boyunca açığız', createdAt: '2026-03-02T11:00:00Z' });
  expect(await rows(`select id from ${s}.social_posts`)).toEqual([{ id: 'whatsapp:status-1' }]);

  // Erase: nothing in any table names Ayşe afterwards; Mehmet and the brand post stay.
  await crm.eraseCustomer(ayse.id);
  await settled();
  const tables = ['contacts', 'activities', 'tickets', 'social_posts', 'social_records'];
  const dump = (await Promise.all(tables.map((table) => rows(`select row_to_json(t)::text as row from ${s}.${table} t`)))).flat().map((row) => row.row as string).join('\n');
  for (const term of ['Ayşe', 'Yılmaz', AYSE.waId, AYSE.newWaId, 'ayse@example.test', ...Object.values(TEXTS)]) expect(dump, term).not.toContain(term);
  expect(dump).toContain('Mehmet Demir');
  expect(dump).toContain('Bayram boyunca açığız');
  expect(await rows(`select count(*)::int as count from ${s}.activities where contact_id = $1`, [ayse.id])).toEqual([{ count: 4 }]);
  await crm.close();
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
  it('webhook in, activity on the right contact, reply, merge, brand post, erase', () => realisticFlow(pgliteDatabase(pglite())));
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
  it('webhook in, activity on the right contact, reply, merge, brand post, erase', () => realisticFlow(poolDatabase(pool)));
});
