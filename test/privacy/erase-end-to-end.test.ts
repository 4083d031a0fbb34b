import { createHmac } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, identityKey, memoryLedger, type Classifier, type InteractionLedger, type SocialCrmEvents } from 'social-crm';
import { createIdentityMerger } from 'social-crm/identity';
import { createInsights } from 'social-crm/insights';
import { createChannelTestServer } from 'social-crm/testing';
import { whatsappAdapter } from 'social-crm/adapters/whatsapp';
import { postgresLedger, type PostgresLedger } from '../../src/ledgers/postgres/index.js';
import { findTerms, readEverything } from '../../src/testing/_erase-scenario.js';
import { sharedPglite } from '../helpers/pglite.js';

const SERVER_URL = process.env.SOCIAL_CRM_TEST_POSTGRES_URL;
if (!SERVER_URL) console.info('[erase end to end] SOCIAL_CRM_TEST_POSTGRES_URL is not set: the PostgreSQL server run is skipped; memory and PGlite run the same scenario.');

// Payloads follow Meta's WhatsApp Cloud API webhook and send references (field names verbatim, values invented).
const APP_SECRET = 'erase-e2e-app-secret';
const PHONE_NUMBER_ID = '106540352242922';
const GRAPH_MESSAGES = `https://graph.facebook.com/v23.0/${PHONE_NUMBER_ID}/messages`;
const PERSON = {
  name: 'Zeynep Kılıçarslan',
  waId: '905321234567',
  phone: '+905321234567',
  xUserId: '1790000000000000001',
  handle: 'zeynep_k_2026',
  email: 'zeynep.kilicarslan@example.test',
  complaint: 'Siparişim ZK-77 hâlâ gelmedi, rezalet',
  mention: '@acme siparişim ZK-77 iki haftadır yolda, berbat hizmet',
  lost: 'Kargo firması adresimi Bornova Manavkuyu olarak yanlış yazmış',
  reply: 'Merhaba Zeynep Hanım, siparişiniz yarın kapınızda',
};
const TERMS = ['Zeynep', 'Kılıçarslan', PERSON.waId, PERSON.phone, PERSON.xUserId, PERSON.handle, PERSON.email, PERSON.complaint, 'iki haftadır yolda', 'Bornova Manavkuyu', PERSON.reply];

/** A host classifier: negative complaints, so that every insight primitive has something to keep. */
const classifier: Classifier = {
  id: 'test/erase@1',
  classify: ({ text }) => {
    const negative = /rezalet|berbat|gelmedi/i.test(text);
    return {
      language: 'tr', languageConfidence: 0.9, languageSupported: true,
      sentiment: negative ? { label: 'negative', score: -0.8, confidence: 0.9 } : { label: 'neutral', score: 0, confidence: 0.6 },
      intents: negative ? [{ intent: 'complaint', confidence: 0.9 }] : [],
      department: { department: 'customer_service', reason: 'complaint' },
      urgency: negative ? 0.7 : 0.1,
      explanation: negative ? [{ label: 'complaint', cues: ['gelmedi', 'ZK-77'] }] : [],
      model: 'test/erase@1',
    };
  },
};

function whatsappDelivery(messages: unknown[]): Request {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID }, contacts: [{ profile: { name: PERSON.name }, wa_id: PERSON.waId }], messages } }] }],
  });
  const signature = `sha256=${createHmac('sha256', APP_SECRET).update(body, 'utf8').digest('hex')}`;
  return new Request('https://crm.example.test/webhooks/whatsapp', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
}

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterAll(() => server.close());
const database = sharedPglite();

/**
 * The person writes on WhatsApp and mentions the brand on X; an agent merges the two; the brand
 * answers; a malformed delivery about them is dead-lettered; they opt out; the insights watch it
 * all; a durable handler has not run yet, so the outbox still holds their events. Then the host
 * erases them, and everything readable is scanned.
 */
async function scenario(ledger: InteractionLedger, scanStorage?: () => Promise<Record<string, unknown>>) {
  server.route('post', GRAPH_MESSAGES, () => ({ messaging_product: 'whatsapp', contacts: [{ input: PERSON.waId, wa_id: PERSON.waId }], messages: [{ id: 'wamid.ERASE_E2E_OUT_1' }] }));
  const merger = createIdentityMerger({ ledger });
  const crm = createSocialCrm({ ledger, classifier, identity: merger, adapters: [whatsappAdapter({ appSecret: APP_SECRET, verifyToken: 'verify', accessToken: 'EAAJ-token', phoneNumberId: PHONE_NUMBER_ID })], outbox: { dispatch: 'manual' } });
  crm.subscribe({ id: 'host-tables', events: ['interaction-received', 'customer-merged', 'reply-sent', 'dead-lettered', 'consent-changed', 'customer-erased'], handle: async () => {} });
  const insights = createInsights(crm, {
    virality: { track: 'all' },
    routing: { rules: [{ name: 'complaints', when: { intents: ['complaint'] }, assign: { queue: 'care' } }] },
    segments: { definitions: [{ id: 'unhappy', when: { sentiment: { of: 'average', max: -0.3 } } }] },
  });
  const erasedEvents: Array<SocialCrmEvents['customer-erased']> = [];
  crm.on('customer-erased', (event) => erasedEvents.push(event));
  try {
    const now = Math.floor(Date.now() / 1000);
    expect((await crm.handleWebhook(whatsappDelivery([{ from: PERSON.waId, id: 'wamid.ERASE_E2E_IN_1', timestamp: String(now - 120), type: 'text', text: { body: PERSON.complaint } }]))).status).toBe(200);
    await crm.ingest({ channel: 'x', nativeId: '1890000000000000042', kind: 'mention', author: { channel: 'x', nativeId: PERSON.xUserId, handle: PERSON.handle, displayName: 'Zeynep K.', email: PERSON.email }, text: PERSON.mention, createdAt: new Date((now - 60) * 1000) });
    const inbound = (await ledger.getInteraction('whatsapp:wamid.ERASE_E2E_IN_1'))!;
    const mention = (await ledger.getInteraction('x:1890000000000000042'))!;
    expect(inbound.customerId, 'two handles start as two customers').not.toBe(mention.customerId);
    const merge = await merger.merge([inbound.customerId!, mention.customerId!], { agent: 'agent-7', survivorId: inbound.customerId!, reason: `Same person: ${PERSON.name}` });
    const outbound = await crm.reply(inbound.id, PERSON.reply);
    // A message without a type cannot be read: the adapter rejects it and the pipeline keeps it for replay.
    await crm.handleWebhook(whatsappDelivery([{ from: PERSON.waId, id: 'wamid.ERASE_E2E_BAD', timestamp: String(now - 30), text: { body: PERSON.lost } }]));
    await crm.setConsent({ channel: 'whatsapp', nativeId: PERSON.waId }, 'opted-out', 'whatsapp:STOP');
    await insights.advance();

    const customerId = inbound.customerId!;
    const identities = await ledger.listIdentities(customerId);
    const deadLetters = (await ledger.listDeadLetters()).items;
    expect(deadLetters, 'the malformed delivery was dead-lettered').toHaveLength(1);
    const sends = (await ledger.listSends?.({ state: 'sent' }))?.items ?? [];
    const planted = {
      interactionIds: [inbound.id, mention.id, outbound.id],
      identityKeys: identities.map((record) => record.key),
      deadLetterId: deadLetters[0]!.id,
      mergeId: merge.id,
      sendKey: sends[0]?.key ?? null,
      blockingKeys: identities.flatMap((record) => record.blockingKeys),
    };
    expect(planted.identityKeys.sort()).toEqual([`whatsapp:${PERSON.waId}`, `x:${PERSON.xUserId}`].sort());
    const customers = [customerId, mention.customerId!];
    const readAll = async () => ({ ...(await readEverything(ledger, planted, customers, [])), 'insights.toJSON': insights.toJSON(), ...(scanStorage ? await scanStorage() : {}) });

    const before = findTerms(await readAll(), TERMS);
    for (const place of ['getInteraction', 'listDeadLetters', 'getConsent', 'getMerge', 'insights.toJSON', ...(ledger.listOutbox ? ['listOutbox', 'getSend'] : [])]) {
      expect(before.some((found) => found.startsWith(`${place}:`)), `the scan sees the person in ${place} before the erase (else it proves nothing)`).toBe(true);
    }

    const result = await crm.eraseCustomer(customerId);
    expect(result, 'the erase reaches every kind of record').toMatchObject({ interactionsErased: 3, identitiesErased: 2, mergesErased: 1, consentsErased: 1, deadLettersErased: 1 });

    expect(findTerms(await readAll(), TERMS), 'after crm.eraseCustomer nothing readable names the person: no ledger read method, no insight, no stored column').toEqual([]);
    expect(erasedEvents.map((event) => event.customerId), 'in-process listeners hear of the erase').toEqual([customerId]);
    if (ledger.listOutbox) {
      const announced = (await ledger.listOutbox()).items.filter((record) => record.name === 'customer-erased');
      expect(announced.map((record) => record.payload), 'durable handlers get the erase, by customer id and counts only').toEqual([{ customerId, result }]);
    }
    // The conversation id was derived from the phone number; after the erase nothing derived from it remains.
    const thread = (await ledger.getInteraction(inbound.id))!.conversationId;
    expect((await ledger.getInteraction(outbound.id))!.conversationId, "the erased private thread still holds the brand's answer").toBe(thread);
    // A new message from the same number starts afresh: a new customer, not linked to the erased one.
    await crm.handleWebhook(whatsappDelivery([{ from: PERSON.waId, id: 'wamid.ERASE_E2E_IN_2', timestamp: String(now), type: 'text', text: { body: 'Merhaba' } }]));
    const again = (await ledger.getInteraction('whatsapp:wamid.ERASE_E2E_IN_2'))!;
    expect(again.customerId, 'a returning person is a new customer').not.toBe(customerId);
    expect(again.conversationId, 'and a new thread').not.toBe(thread);
    expect(identityKey(again.author)).toBe(`whatsapp:${PERSON.waId}`);
  } finally {
    insights.close();
    await crm.close();
  }
}

/** Every text, text[] and jsonb column of every table in the schema, as text. */
async function scanSchema(query: (sql: string, params?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>, schema: string): Promise<Record<string, unknown>> {
  const { rows: columns } = await query(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND (data_type IN ('text', 'character varying', 'json', 'jsonb') OR udt_name IN ('_text', '_varchar')) ORDER BY table_name, column_name`,
    [schema],
  );
  expect(columns.length, 'the schema scan sees the ledger tables').toBeGreaterThan(40);
  const found: Record<string, unknown> = {};
  for (const { table_name: table, column_name: column } of columns) {
    const { rows } = await query(`SELECT "${String(column)}"::text AS value FROM "${schema}"."${String(table)}"`);
    found[`table ${String(table)}.${String(column)}`] = rows.map((row) => row.value);
  }
  return found;
}

describe('erase end to end through createSocialCrm', () => {
  it('memoryLedger(): nothing readable names the person afterwards', async () => {
    await scenario(memoryLedger());
  });

  it('PostgreSQL on PGlite: nothing in any read method or any column of the schema', async () => {
    const schema = `erase_e2e_${Date.now().toString(36)}`;
    const ledger = postgresLedger({ pglite: database(), schema });
    await scenario(ledger, () => scanSchema((sql, params) => database().query(sql, params), schema));
    await database().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  describe.skipIf(!SERVER_URL)('on the PostgreSQL server', () => {
    const pool = SERVER_URL ? new pg.Pool({ connectionString: SERVER_URL, max: 2 }) : undefined;
    const schema = `erase_e2e_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
    afterAll(async () => {
      await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool?.end();
    });
    it('nothing in any read method or any column of the schema', async () => {
      const ledger: PostgresLedger = postgresLedger({ connectionString: SERVER_URL!, schema });
      await scenario(ledger, () => scanSchema((sql, params) => pool!.query(sql, params), schema));
    });
  });
});
