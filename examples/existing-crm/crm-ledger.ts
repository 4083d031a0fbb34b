/**
 * The SDK's ledger over the company's own tables (see schema.ts). The host maps records:
 * interactions ↔ activities (or `social_posts` when there is no contact), customers ↔ contacts,
 * and the SDK's other records ↔ one side table. `composeLedger()` derives the rest of the port
 * and keeps its rules.
 */
import { composeLedger, type AppendResult, type Customer, type Interaction, type InteractionLedger, type LedgerParts, type SideTable } from 'social-crm';
import { schemaName } from './schema.js';

/** One connection (or transaction): pg's Pool, a pg client and PGlite all fit. */
export interface SqlExecutor {
  query(text: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/** A database: statements, scripts (migrations), and transactions whose statements share one connection. */
export interface SqlDatabase extends SqlExecutor {
  execute(script: string): Promise<void>;
  transaction<T>(task: (transaction: SqlExecutor) => Promise<T>): Promise<T>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function existingCrmLedger(database: SqlDatabase, options: { schema?: string } = {}): InteractionLedger {
  const s = schemaName(options.schema ?? 'public');

  function partsOver(sql: SqlExecutor, inTransaction: boolean): LedgerParts {
    const rows = async (text: string, params: unknown[]) => (await sql.query(text, params)).rows;
    const contactOf = async (customerId: string | undefined) =>
      customerId === undefined ? undefined : ((await rows(`select id from ${s}.contacts where customer_key = $1`, [customerId]))[0]?.id as string | undefined);
    const getInteraction = async (id: string) => ((await rows(`select body from ${s}.social_interactions where id = $1`, [id]))[0]?.body as Interaction | undefined) ?? null;

    /** Writes the interaction where it belongs: an activity of its contact, else a brand post. */
    async function place(interaction: Interaction, onConflict: 'nothing' | 'update'): Promise<boolean> {
      const contactId = await contactOf(interaction.customerId);
      const document = JSON.stringify(interaction);
      if (onConflict === 'update') await sql.query(contactId ? `delete from ${s}.social_posts where id = $1` : `delete from ${s}.activities where social_id = $1`, [interaction.id]);
      if (!contactId) {
        const update = 'update set created_at = excluded.created_at, body = excluded.body';
        return (await rows(`insert into ${s}.social_posts (id, created_at, body) values ($1, $2, $3::jsonb) on conflict (id) do ${onConflict === 'update' ? update : 'nothing'} returning id`, [interaction.id, interaction.createdAt, document])).length > 0;
      }
      const update = 'update set contact_id = excluded.contact_id, subject = excluded.subject, body = excluded.body, occurred_at = excluded.occurred_at, social = excluded.social';
      const subject = `${interaction.channel} ${interaction.kind} (${interaction.direction})`;
      return (
        await rows(
          `insert into ${s}.activities (contact_id, kind, subject, body, occurred_at, social_id, social) values ($1, 'social', $2, $3, $4, $5, $6::jsonb)
           on conflict (social_id) do ${onConflict === 'update' ? update : 'nothing'} returning id`,
          [contactId, subject, interaction.text, interaction.createdAt, interaction.id, document],
        )
      ).length > 0;
    }

    const side: SideTable = {
      get: async (kind, id) => (await rows(`select body from ${s}.social_records where kind = $1 and id = $2`, [kind, id]))[0]?.body ?? null,
      insert: async (kind, record) =>
        (await rows(`insert into ${s}.social_records (kind, id, sort_key, refs, body) values ($1, $2, $3, $4, $5::jsonb) on conflict do nothing returning id`, [kind, record.id, record.sortKey, record.refs, JSON.stringify(record.body)])).length > 0,
      async put(kind, record) {
        await sql.query(
          `insert into ${s}.social_records (kind, id, sort_key, refs, body) values ($1, $2, $3, $4, $5::jsonb)
           on conflict (kind, id) do update set sort_key = excluded.sort_key, refs = excluded.refs, body = excluded.body`,
          [kind, record.id, record.sortKey, record.refs, JSON.stringify(record.body)],
        );
      },
      delete: async (kind, id) => (await rows(`delete from ${s}.social_records where kind = $1 and id = $2 returning id`, [kind, id])).length > 0,
      async list(kind, scan) {
        const [after, direction] = scan.order === 'asc' ? ['>', 'asc'] : ['<', 'desc'];
        const found = await rows(
          `select id, sort_key, refs, body from ${s}.social_records where kind = $1 and ($2::text[] is null or refs && $2)
           and ($3::text is null or (sort_key, id) ${after} ($3, $4)) order by sort_key ${direction}, id ${direction} limit $5`,
          [kind, scan.refs ?? null, scan.after?.sortKey ?? null, scan.after?.id ?? null, scan.limit],
        );
        return found.map((row) => ({ id: row.id as string, sortKey: row.sort_key as string, refs: row.refs as string[], body: row.body }));
      },
    };

    return {
      async appendInteraction(interaction): Promise<AppendResult> {
        const existing = await getInteraction(interaction.id);
        if (!existing && (await place(interaction, 'nothing'))) return { inserted: true, interaction: (await getInteraction(interaction.id))! };
        return { inserted: false, interaction: existing ?? (await getInteraction(interaction.id))! };
      },
      getInteraction,
      putInteraction: async (interaction) => void (await place(interaction, 'update')),
      async scanInteractions(scan) {
        const [after, direction] = scan.order === 'asc' ? ['>', 'asc'] : ['<', 'desc'];
        const found = await rows(
          `select body from ${s}.social_interactions
           where ($1::text is null or body ->> 'customerId' = $1) and ($2::text is null or body ->> 'conversationId' = $2)
             and ($3::text is null or body ->> 'channel' = $3) and ($4::text is null or (body -> 'author' ->> 'channel') || ':' || (body -> 'author' ->> 'nativeId') = $4)
             and ($5::text is null or body ->> 'direction' = $5) and ($6::text is null or created_at >= $6) and ($7::text is null or created_at < $7)
             and ($8 or body ->> 'state' <> 'deleted') and ($9::text is null or (created_at, id) ${after} ($9, $10))
           order by created_at ${direction}, id ${direction} limit $11`,
          [scan.customerId, scan.conversationId, scan.channel, scan.authorKey, scan.direction, scan.since, scan.until, scan.includeDeleted, scan.after?.createdAt, scan.after?.id, scan.limit].map((value) => value ?? null),
        );
        return found.map((row) => row.body as Interaction);
      },

      getCustomer: async (id) => ((await rows(`select body from ${s}.social_customers where id = $1`, [id]))[0]?.body as Customer | undefined) ?? null,
      async saveCustomer(customer) {
        // An erased customer blanks the CRM's own personal columns too.
        const erased = customer.attributes.erased === true;
        await sql.query(
          `insert into ${s}.contacts (id, social_customer_id, full_name, merged_into, social, created_at, updated_at)
           values (coalesce($1::uuid, gen_random_uuid()), $2, $3, (select id from ${s}.contacts where customer_key = $4), $5::jsonb, $6, $7)
           on conflict (customer_key) do update set full_name = excluded.full_name, merged_into = excluded.merged_into, social = excluded.social, updated_at = excluded.updated_at,
             email = case when $8 then null else ${s}.contacts.email end, phone = case when $8 then null else ${s}.contacts.phone end`,
          [UUID.test(customer.id) ? customer.id : null, UUID.test(customer.id) ? null : customer.id, customer.displayName ?? '', customer.mergedInto ?? null, JSON.stringify(customer), customer.createdAt, customer.updatedAt, erased],
        );
      },
      async scanCustomers(scan) {
        const found = await rows(
          `select body from ${s}.social_customers
           where (case when $1::text is null then ($2 or merged_into is null) else merged_into = $1 end) and ($3::text is null or (created_at, id) > ($3, $4))
           order by created_at, id limit $5`,
          [scan.mergedInto ?? null, scan.includeMerged, scan.after?.createdAt ?? null, scan.after?.id ?? null, scan.limit],
        );
        return found.map((row) => row.body as Customer);
      },
      side,
      // Statements of one task share a transaction; a nested call joins it.
      atomic: (task) => (inTransaction ? task(partsOver(sql, true)) : database.transaction((transaction) => task(partsOver(transaction, true)))),
    };
  }

  return composeLedger(partsOver(database, false));
}
