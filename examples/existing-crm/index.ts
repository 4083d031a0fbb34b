/**
 * The SDK wired onto a company's existing CRM (schema.ts): WhatsApp messages become activities of
 * the right contact, new people become lead contacts, a new conversation opens a ticket, merges and
 * erasure reach the CRM's own tables. `npm run example:existing-crm` runs it on an in-memory PGlite.
 */
import { createHmac } from 'node:crypto';
import { createSocialCrm, type Classifier, type SocialCrm } from 'social-crm';
import { createIdentityMerger, type IdentityMerger } from 'social-crm/identity';
import { whatsappAdapter } from 'social-crm/adapters/whatsapp';
import { existingCrmLedger, type SqlDatabase } from './crm-ledger.js';
import { schemaName } from './schema.js';

export const WHATSAPP = { appSecret: 'existing-crm-app-secret', verifyToken: 'existing-crm-verify', accessToken: 'EAAJ-existing-crm', phoneNumberId: '106540352242922' };

export interface ExistingCrmOptions {
  schema?: string;
  /** The classifier (`false` for none). @default the SDK's */
  classifier?: Classifier | false;
  /** Outbound HTTP (a proxy, or a stand-in for the WhatsApp API). @default global fetch */
  fetch?: typeof fetch;
}

/** The crm over the company's tables, with the handlers that keep the CRM's own tables in step. */
export function wireExistingCrm(database: SqlDatabase, options: ExistingCrmOptions = {}): { crm: SocialCrm; identity: IdentityMerger; settled: () => Promise<void> } {
  const s = schemaName(options.schema ?? 'public');
  const identity = createIdentityMerger({ evidence: 'deterministic', defaultRegion: 'TR' });
  const crm = createSocialCrm({
    ledger: existingCrmLedger(database, { schema: options.schema ?? 'public' }),
    identity,
    adapters: [whatsappAdapter(WHATSAPP)],
    // Customers are contacts, whose keys are uuids.
    generateId: (prefix) => (prefix === 'cus' ? crypto.randomUUID() : `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`),
    ...(options.classifier !== undefined ? { classifier: options.classifier } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const contactIds = `select id from ${s}.contacts where customer_key = any($1::text[])`;
  const pending = new Set<Promise<unknown>>();
  const handle = (work: () => Promise<unknown>) => {
    const running = work().catch((error: unknown) => console.error('[existing-crm] handler failed', error));
    pending.add(running);
    void running.finally(() => pending.delete(running));
  };
  // A person's first inbound message without an open ticket opens one.
  crm.on('interaction-received', ({ interaction }) => {
    if (interaction.direction !== 'inbound' || !interaction.customerId) return;
    handle(() =>
      database.query(
        `insert into ${s}.tickets (contact_id, activity_id, subject)
         select a.contact_id, a.id, left(a.body, 80) from ${s}.activities a
         where a.social_id = $1 and not exists (select 1 from ${s}.tickets t where t.contact_id = a.contact_id and t.status <> 'closed')`,
        [interaction.id],
      ),
    );
  });
  // The absorbed contact's tickets follow its activities to the surviving contact.
  crm.on('customer-merged', ({ merge }) => {
    handle(() => database.query(`update ${s}.tickets set contact_id = (${contactIds.replace('any($1::text[])', '$1')}) where contact_id in (${contactIds.replace('$1', '$2')})`, [merge.survivorId, merge.absorbedIds]));
  });
  // The SDK erased what it keeps; the CRM's own notes and tickets about the person go too.
  crm.on('customer-erased', ({ result, subject }) => {
    handle(async () => {
      await database.query(`update ${s}.tickets set subject = '' where contact_id in (${contactIds})`, [subject.customerIds]);
      await database.query(`update ${s}.activities set subject = '', body = '' where social_id is null and contact_id in (${contactIds})`, [subject.customerIds]);
      return result;
    });
  });
  return { crm, identity, settled: async () => void (await Promise.all(pending)) };
}

/** A WhatsApp Cloud API delivery of one text message, signed as Meta signs it. */
export function whatsappMessage(from: { waId: string; name: string }, message: { id: string; text: string; at: Date }): Request {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: WHATSAPP.phoneNumberId },
              contacts: [{ profile: { name: from.name }, wa_id: from.waId }],
              messages: [{ from: from.waId, id: message.id, timestamp: String(Math.floor(message.at.getTime() / 1000)), type: 'text', text: { body: message.text } }],
            },
          },
        ],
      },
    ],
  });
  const signature = `sha256=${createHmac('sha256', WHATSAPP.appSecret).update(body, 'utf8').digest('hex')}`;
  return new Request('https://crm.example.test/webhooks/whatsapp', { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
}

async function main(): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pgliteDatabase } = await import('./database.js');
  const { companySchema, socialWiring } = await import('./schema.js');
  const database = pgliteDatabase(new PGlite());
  await database.execute(companySchema());
  const [ayse] = (await database.query(`insert into contacts (full_name, phone) values ('Ayşe Yılmaz', '+905551112233') returning id`)).rows as Array<{ id: string }>;
  await database.execute(socialWiring());
  // A stand-in for the WhatsApp API, so the example runs offline.
  const fakeWhatsApp: typeof fetch = async () => Response.json({ messaging_product: 'whatsapp', messages: [{ id: `wamid.${crypto.randomUUID()}` }] });
  const { crm, identity, settled } = wireExistingCrm(database, { fetch: fakeWhatsApp });
  const show = async (title: string, sql: string) => console.log(`\n${title}`, (await database.query(sql)).rows);

  await identity.link({ channel: 'whatsapp', nativeId: '905551112233', phone: '+905551112233', displayName: 'Ayşe Yılmaz' }, ayse!.id);
  await crm.handleWebhook(whatsappMessage({ waId: '905551112233', name: 'Ayşe' }, { id: 'wamid.IN1', text: 'Siparişim hâlâ gelmedi', at: new Date() }));
  await crm.handleWebhook(whatsappMessage({ waId: '905559998877', name: 'Ayşe Y.' }, { id: 'wamid.IN2', text: 'Bu benim yeni numaram', at: new Date() }));
  await crm.reply('whatsapp:wamid.IN1', 'Merhaba Ayşe Hanım, kargonuz yarın elinizde');
  await settled();
  await show('Contacts after two messages (a lead was created for the new number):', 'select id, full_name, phone, merged_into from contacts order by created_at');
  const lead = (await database.query(`select customer_key from contacts where id <> $1`, [ayse!.id])).rows[0] as { customer_key: string };
  await identity.merge([ayse!.id, lead.customer_key], { agent: 'agent-7', survivorId: ayse!.id, reason: 'same person, new number', force: true });
  await settled();
  await show('Activities and tickets after the agent merged the lead into Ayşe:', `select a.contact_id, a.subject, a.body from activities a order by occurred_at`);
  await show('', 'select contact_id, subject, status from tickets');
  await show('Active contacts (what the CRM lists):', 'select id, full_name from active_contacts');
  await crm.eraseCustomer(ayse!.id);
  await settled();
  await show('After erasing Ayşe:', 'select id, full_name, phone, merged_into from contacts');
  await show('', 'select contact_id, subject, body from activities');
  await crm.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
