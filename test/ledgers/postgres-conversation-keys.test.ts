import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateConversationId, privateConversationKey } from 'social-crm';
import { makeInteraction } from 'social-crm/testing';
import { postgresLedger } from '../../src/ledgers/postgres/index.js';
import { sharedPglite } from '../helpers/pglite.js';

const SERVER_URL = process.env.SOCIAL_CRM_TEST_POSTGRES_URL;
if (!SERVER_URL) console.info('[conversation keys] SOCIAL_CRM_TEST_POSTGRES_URL is not set: the PostgreSQL server run is skipped; PGlite runs the same migration.');

const RUN = `ck${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const database = sharedPglite();
const PHONE = '905551112233';
const BUSINESS = '106540352242922';

type Query = (sql: string, params?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;

/**
 * Stores rows under the readable keys adapters used before, as a ledger at schema version 4 did,
 * then runs migration 5 again and reads what it made of them.
 */
async function migrateLegacyRows(query: Query, ledgerOptions: { pglite?: ReturnType<typeof database>; connectionString?: string }, schema: string) {
  const ledger = postgresLedger({ ...ledgerOptions, schema } as never);
  try {
    const legacy = `whatsapp:${BUSINESS}:${PHONE}`;
    const rows = [
      makeInteraction({ channel: 'whatsapp', nativeId: 'wamid.in1', kind: 'direct_message', visibility: 'private', conversationId: legacy, author: { channel: 'whatsapp', nativeId: PHONE } }),
      makeInteraction({ channel: 'whatsapp', nativeId: 'wamid.out1', kind: 'direct_message', visibility: 'private', direction: 'outbound', conversationId: legacy, author: { channel: 'whatsapp', nativeId: BUSINESS, isBrand: true } }),
      makeInteraction({ channel: 'messenger', nativeId: 'm_1', kind: 'direct_message', visibility: 'private', conversationId: 'messenger:111-222' }),
      // A public thread root and a host's own id of the same shape in a public conversation stay.
      makeInteraction({ channel: 'x', nativeId: '1891300000000000003', conversationId: 'x:1891300000000000003' }),
      makeInteraction({ channel: 'shop', nativeId: 'o1', conversationId: 'shop:123-456' }),
    ];
    for (const row of rows) await ledger.appendInteraction(row);
    await ledger.appendOutbox([{ id: 'evt_1', name: 'interaction-received', payload: { interaction: { conversationId: legacy } }, orderingKey: `conversation:${legacy}`, createdAt: rows[0]!.createdAt }]);
    await query(`DELETE FROM "${schema}".migrations WHERE version = 5`);
    expect((await ledger.migrate()).applied, 'migration 5 runs again').toEqual([5]);
    const read = async (id: string) => (await ledger.getInteraction(id))?.conversationId;
    return { ledger, rows, read, outbox: (await ledger.listOutbox()).items };
  } catch (error) {
    await ledger.close();
    throw error;
  }
}

async function checkMigration(query: Query, options: { pglite?: ReturnType<typeof database>; connectionString?: string }, schema: string) {
  const { ledger, rows, read, outbox } = await migrateLegacyRows(query, options, schema);
  try {
    const expected = `whatsapp:${privateConversationKey(BUSINESS, PHONE)}`;
    expect(await read(rows[0]!.id), 'a stored WhatsApp thread gets the key new messages get').toBe(expected);
    expect(await read(rows[1]!.id), "the brand's reply stays in the same thread").toBe(expected);
    expect(expected).toBe(migrateConversationId('whatsapp', `whatsapp:${BUSINESS}:${PHONE}`));
    expect(await read(rows[2]!.id)).toBe(`messenger:${privateConversationKey('111-222')}`);
    expect(await read(rows[3]!.id), 'public thread roots are not touched').toBe('x:1891300000000000003');
    expect(await read(rows[4]!.id), 'a conversation with public messages is not touched').toBe('shop:123-456');
    expect(outbox[0]?.orderingKey, 'undelivered events keep their order under the new key').toBe(`conversation:${expected}`);
    expect(JSON.stringify(outbox[0]?.payload)).not.toContain(PHONE);
    const { rows: left } = await query(`SELECT count(*)::int AS n FROM "${schema}".interactions WHERE conversation_id LIKE $1`, [`%${PHONE}%`]);
    expect(left[0]?.n, 'no conversation id holds the phone number').toBe(0);
  } finally {
    await ledger.close();
  }
}

describe('migration 5: private conversation keys', () => {
  it('re-keys stored direct-message threads on PGlite', async () => {
    const schema = `${RUN}_lite`;
    await checkMigration((sql, params) => database().query(sql, params), { pglite: database() }, schema);
  });

  describe.skipIf(!SERVER_URL)('on the PostgreSQL server', () => {
    const pool = SERVER_URL ? new pg.Pool({ connectionString: SERVER_URL, max: 2 }) : undefined;
    const schema = `${RUN}_server`;
    afterAll(async () => {
      await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool?.end();
    });
    it('re-keys stored direct-message threads', async () => {
      await checkMigration((sql, params) => pool!.query(sql, params), { connectionString: SERVER_URL! }, schema);
    });
  });
});
