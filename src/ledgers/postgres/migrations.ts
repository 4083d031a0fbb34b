/**
 * Versioned schema migrations of the PostgreSQL ledger. Each version is a list of single
 * statements, applied in one transaction under an advisory lock, so that N workers starting
 * together migrate once. Never edit a released version: add the next one.
 *
 * @internal
 */
import type { SqlDriver } from './driver.js';

/** One schema version. `{schema}` in a statement is replaced by the quoted schema name. */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial',
    statements: [
      `CREATE TABLE {schema}.interactions (
        id text COLLATE "C" PRIMARY KEY,
        channel text NOT NULL,
        native_id text NOT NULL,
        kind text NOT NULL,
        direction text NOT NULL,
        visibility text NOT NULL,
        state text NOT NULL,
        author_key text COLLATE "C" NOT NULL,
        conversation_id text COLLATE "C" NOT NULL,
        parent_id text,
        customer_id text COLLATE "C",
        text text NOT NULL,
        created_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        edited_at timestamptz,
        deleted_at timestamptz,
        details jsonb NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX interactions_position_idx ON {schema}.interactions (created_at, id)`,
      `CREATE INDEX interactions_customer_idx ON {schema}.interactions (customer_id, created_at, id)`,
      `CREATE INDEX interactions_conversation_idx ON {schema}.interactions (conversation_id, created_at, id)`,
      `CREATE INDEX interactions_channel_idx ON {schema}.interactions (channel, created_at, id)`,
      `CREATE INDEX interactions_author_idx ON {schema}.interactions (author_key, created_at, id)`,
      `CREATE TABLE {schema}.customers (
        id text COLLATE "C" PRIMARY KEY,
        display_name text,
        crm_contact_id text,
        identity_keys text[] NOT NULL DEFAULT '{}',
        attributes jsonb NOT NULL DEFAULT '{}',
        merged_into text COLLATE "C",
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'
      )`,
      `CREATE INDEX customers_position_idx ON {schema}.customers (created_at, id)`,
      `CREATE INDEX customers_merged_into_idx ON {schema}.customers (merged_into) WHERE merged_into IS NOT NULL`,
      `CREATE TABLE {schema}.identities (
        key text COLLATE "C" PRIMARY KEY,
        customer_id text COLLATE "C" NOT NULL,
        identity jsonb NOT NULL,
        blocking_keys text[] NOT NULL DEFAULT '{}',
        attested boolean NOT NULL DEFAULT false,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL
      )`,
      `CREATE INDEX identities_customer_idx ON {schema}.identities (customer_id)`,
      `CREATE INDEX identities_blocking_keys_idx ON {schema}.identities USING gin (blocking_keys)`,
      `CREATE TABLE {schema}.merges (
        id text COLLATE "C" PRIMARY KEY,
        survivor_id text COLLATE "C" NOT NULL,
        absorbed_ids text[] NOT NULL,
        decided_by jsonb NOT NULL,
        score double precision,
        evidence jsonb,
        snapshot jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        undone_at timestamptz
      )`,
      `CREATE INDEX merges_survivor_idx ON {schema}.merges (survivor_id)`,
      `CREATE INDEX merges_absorbed_idx ON {schema}.merges USING gin (absorbed_ids)`,
      `CREATE TABLE {schema}.poll_cursors (
        adapter_id text NOT NULL,
        stream text NOT NULL,
        cursor text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (adapter_id, stream)
      )`,
      `CREATE TABLE {schema}.dead_letters (
        id text COLLATE "C" PRIMARY KEY,
        stage text NOT NULL,
        adapter_id text,
        payload jsonb,
        error jsonb NOT NULL,
        attempts integer NOT NULL,
        created_at timestamptz NOT NULL,
        last_attempt_at timestamptz NOT NULL
      )`,
      `CREATE INDEX dead_letters_position_idx ON {schema}.dead_letters (created_at, id)`,
      `CREATE TABLE {schema}.consents (
        identity_key text COLLATE "C" PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('opted-in', 'opted-out')),
        source text NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: 'consent purpose',
    statements: [`ALTER TABLE {schema}.consents ADD COLUMN purpose text NOT NULL DEFAULT 'all' CHECK (purpose IN ('all', 'marketing'))`],
  },
  {
    version: 3,
    name: 'merge suggestions',
    statements: [
      `CREATE TABLE {schema}.merge_suggestions (
        id text COLLATE "C" PRIMARY KEY,
        customer_id text COLLATE "C" NOT NULL,
        candidate_customer_id text COLLATE "C" NOT NULL,
        score double precision NOT NULL,
        reason text NOT NULL,
        evidence jsonb,
        created_at timestamptz NOT NULL
      )`,
      `CREATE INDEX merge_suggestions_position_idx ON {schema}.merge_suggestions (created_at, id)`,
      `CREATE INDEX merge_suggestions_customer_idx ON {schema}.merge_suggestions (customer_id)`,
      `CREATE INDEX merge_suggestions_candidate_idx ON {schema}.merge_suggestions (candidate_customer_id)`,
    ],
  },
  {
    version: 4,
    name: 'outbox and sends',
    statements: [
      // `sequence` is the append order: claims walk it, probing (ordering_key, sequence) for an older blocked record.
      `CREATE TABLE {schema}.outbox (
        sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text COLLATE "C" NOT NULL UNIQUE,
        name text NOT NULL,
        payload jsonb,
        ordering_key text COLLATE "C" NOT NULL,
        created_at timestamptz NOT NULL,
        available_at timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        completed_handlers text[] NOT NULL DEFAULT '{}',
        last_error jsonb,
        lease_owner text,
        leased_until timestamptz
      )`,
      `CREATE INDEX outbox_ordering_key_idx ON {schema}.outbox (ordering_key, sequence)`,
      `CREATE TABLE {schema}.sends (
        key text COLLATE "C" PRIMARY KEY,
        channel text NOT NULL,
        in_reply_to text COLLATE "C" NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'sent', 'unknown', 'failed')),
        reply jsonb,
        attempts integer NOT NULL,
        interaction_id text COLLATE "C",
        error jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'
      )`,
      `CREATE INDEX sends_state_idx ON {schema}.sends (state, created_at, key)`,
      `CREATE INDEX sends_in_reply_to_idx ON {schema}.sends (in_reply_to)`,
      `CREATE INDEX sends_interaction_idx ON {schema}.sends (interaction_id) WHERE interaction_id IS NOT NULL`,
    ],
  },
  {
    version: 5,
    name: 'private conversation keys and recipients',
    // Direct-message threads were keyed by their parties in clear (`whatsapp:<phone-number-id>:<phone>`,
    // `messenger:<page>-<psid>`, `x:<user>-<user>`); they become `<channel>:pc-<sha-256>` as
    // `privateConversationKey` derives them, so stored and new messages of a customer share one thread.
    // Only conversations made of private messages qualify, so a host's own ids of that shape are left alone.
    statements: [
      `CREATE TEMPORARY TABLE social_crm_conversation_keys ON COMMIT DROP AS
       SELECT old_id, channel || ':pc-' || left(encode(sha256(convert_to('social-crm/conversation' || chr(31) || root, 'UTF8')), 'hex'), 32) AS new_id
       FROM (
         SELECT conversation_id AS old_id, min(channel) AS channel, substr(conversation_id, length(min(channel)) + 2) AS root
         FROM {schema}.interactions
         WHERE left(conversation_id, length(channel) + 1) = channel || ':' AND substr(conversation_id, length(channel) + 2) ~ '^[0-9]+[:-][0-9]+$'
         GROUP BY conversation_id
         HAVING bool_and(visibility = 'private') AND count(DISTINCT channel) = 1
       ) AS legacy`,
      `UPDATE {schema}.interactions AS row SET conversation_id = keys.new_id FROM social_crm_conversation_keys AS keys WHERE row.conversation_id = keys.old_id`,
      `UPDATE {schema}.outbox AS row SET ordering_key = 'conversation:' || keys.new_id FROM social_crm_conversation_keys AS keys WHERE row.ordering_key = 'conversation:' || keys.old_id`,
      `UPDATE {schema}.outbox AS row SET payload = replace(row.payload::text, '"' || keys.old_id || '"', '"' || keys.new_id || '"')::jsonb
       FROM social_crm_conversation_keys AS keys WHERE strpos(row.payload::text, '"' || keys.old_id || '"') > 0`,
      // The brand's messages to one identity, which an erase looks up by recipient.
      `CREATE INDEX IF NOT EXISTS interactions_recipient_idx ON {schema}.interactions ((channel || ':' || (details->>'recipientId'))) WHERE direction = 'outbound'`,
    ],
  },
  {
    version: 6,
    name: 'consent channel metadata',
    statements: [`ALTER TABLE {schema}.consents ADD COLUMN channel_metadata jsonb`],
  },
  {
    version: 8,
    name: 'tenants',
    // Every row gets its tenant, and every key and index leads with it. Rows stored before are the
    // default tenant's. The column has no default afterwards: a statement that forgets the tenant fails.
    // The GIN indexes (identities.blocking_keys, merges.absorbed_ids) cannot lead with a text column
    // without the btree_gin extension; their queries filter on the tenant after the index.
    statements: [
      ...tenantColumn('interactions', 'id'),
      `DROP INDEX {schema}.interactions_position_idx`,
      `CREATE INDEX interactions_position_idx ON {schema}.interactions (tenant, created_at, id)`,
      `DROP INDEX {schema}.interactions_customer_idx`,
      `CREATE INDEX interactions_customer_idx ON {schema}.interactions (tenant, customer_id, created_at, id)`,
      `DROP INDEX {schema}.interactions_conversation_idx`,
      `CREATE INDEX interactions_conversation_idx ON {schema}.interactions (tenant, conversation_id, created_at, id)`,
      `DROP INDEX {schema}.interactions_channel_idx`,
      `CREATE INDEX interactions_channel_idx ON {schema}.interactions (tenant, channel, created_at, id)`,
      `DROP INDEX {schema}.interactions_author_idx`,
      `CREATE INDEX interactions_author_idx ON {schema}.interactions (tenant, author_key, created_at, id)`,
      `DROP INDEX {schema}.interactions_recipient_idx`,
      `CREATE INDEX interactions_recipient_idx ON {schema}.interactions (tenant, (channel || ':' || (details->>'recipientId'))) WHERE direction = 'outbound'`,
      ...tenantColumn('customers', 'id'),
      `DROP INDEX {schema}.customers_position_idx`,
      `CREATE INDEX customers_position_idx ON {schema}.customers (tenant, created_at, id)`,
      `DROP INDEX {schema}.customers_merged_into_idx`,
      `CREATE INDEX customers_merged_into_idx ON {schema}.customers (tenant, merged_into) WHERE merged_into IS NOT NULL`,
      ...tenantColumn('identities', 'key'),
      `DROP INDEX {schema}.identities_customer_idx`,
      `CREATE INDEX identities_customer_idx ON {schema}.identities (tenant, customer_id)`,
      ...tenantColumn('merges', 'id'),
      `DROP INDEX {schema}.merges_survivor_idx`,
      `CREATE INDEX merges_survivor_idx ON {schema}.merges (tenant, survivor_id)`,
      ...tenantColumn('poll_cursors', 'adapter_id, stream'),
      ...tenantColumn('dead_letters', 'id'),
      `DROP INDEX {schema}.dead_letters_position_idx`,
      `CREATE INDEX dead_letters_position_idx ON {schema}.dead_letters (tenant, created_at, id)`,
      ...tenantColumn('consents', 'identity_key'),
      ...tenantColumn('merge_suggestions', 'id'),
      `DROP INDEX {schema}.merge_suggestions_position_idx`,
      `CREATE INDEX merge_suggestions_position_idx ON {schema}.merge_suggestions (tenant, created_at, id)`,
      `DROP INDEX {schema}.merge_suggestions_customer_idx`,
      `CREATE INDEX merge_suggestions_customer_idx ON {schema}.merge_suggestions (tenant, customer_id)`,
      `DROP INDEX {schema}.merge_suggestions_candidate_idx`,
      `CREATE INDEX merge_suggestions_candidate_idx ON {schema}.merge_suggestions (tenant, candidate_customer_id)`,
      ...tenantColumn('sends', 'key'),
      `DROP INDEX {schema}.sends_state_idx`,
      `CREATE INDEX sends_state_idx ON {schema}.sends (tenant, state, created_at, key)`,
      `DROP INDEX {schema}.sends_in_reply_to_idx`,
      `CREATE INDEX sends_in_reply_to_idx ON {schema}.sends (tenant, in_reply_to)`,
      `DROP INDEX {schema}.sends_interaction_idx`,
      `CREATE INDEX sends_interaction_idx ON {schema}.sends (tenant, interaction_id) WHERE interaction_id IS NOT NULL`,
      ...tenantColumn('outbox'),
      `ALTER TABLE {schema}.outbox DROP CONSTRAINT outbox_id_key, ADD CONSTRAINT outbox_tenant_id_key UNIQUE (tenant, id)`,
      `DROP INDEX {schema}.outbox_ordering_key_idx`,
      `CREATE INDEX outbox_ordering_key_idx ON {schema}.outbox (tenant, ordering_key, sequence)`,
      `CREATE INDEX outbox_tenant_sequence_idx ON {schema}.outbox (tenant, sequence)`,
    ],
  },
  {
    version: 9,
    name: 'identity blocking keys',
    // The candidate search probes one B-tree row per blocking key instead of the GIN index on
    // identities.blocking_keys, which has to collect and sort every match before its LIMIT and
    // costs most of a new author's write. The array column stays the record's own copy.
    statements: [
      `CREATE TABLE {schema}.identity_blocking_keys (
        tenant text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        identity_key text COLLATE "C" NOT NULL,
        PRIMARY KEY (tenant, key, identity_key)
      )`,
      `CREATE INDEX identity_blocking_keys_identity_idx ON {schema}.identity_blocking_keys (tenant, identity_key)`,
      `INSERT INTO {schema}.identity_blocking_keys (tenant, key, identity_key)
       SELECT DISTINCT identity.tenant, blocking.key, identity.key FROM {schema}.identities AS identity, unnest(identity.blocking_keys) AS blocking(key)`,
      `DROP INDEX {schema}.identities_blocking_keys_idx`,
    ],
  },
];

/** Adds the tenant column to `table` (existing rows: the default tenant) and, given its key, puts the tenant first in its primary key. */
function tenantColumn(table: string, primaryKey?: string): string[] {
  return [
    `ALTER TABLE {schema}.${table} ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default'`,
    `ALTER TABLE {schema}.${table} ALTER COLUMN tenant DROP DEFAULT`,
    ...(primaryKey ? [`ALTER TABLE {schema}.${table} DROP CONSTRAINT ${table}_pkey, ADD PRIMARY KEY (tenant, ${primaryKey})`] : []),
  ];
}

/** The newest schema version this build of the ledger needs. */
export const LATEST_VERSION = MIGRATIONS.at(-1)!.version;

/** Double-quotes a validated schema name. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Result of `applyMigrations()`. */
export interface MigrationResult {
  /** Versions applied by this call, oldest first. */
  applied: number[];
  /** The schema version now in place. */
  version: number;
}

/**
 * Brings `schema` to {@link LATEST_VERSION}. Takes a transaction-scoped advisory lock on the
 * schema name first, so concurrent callers wait and then find nothing left to do.
 */
export async function applyMigrations(driver: SqlDriver, schema: string): Promise<MigrationResult> {
  const quoted = quoteIdentifier(schema);
  return driver.transaction(async (executor) => {
    await executor.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`social-crm:migrate:${schema}`]);
    await executor.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await executor.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const rows = await executor.query<{ version: number }>(`SELECT version FROM ${quoted}.migrations`);
    const done = new Set(rows.map((row) => Number(row.version)));
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.statements) await executor.query(statement.replaceAll('{schema}', quoted));
      await executor.query(`INSERT INTO ${quoted}.migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      applied.push(migration.version);
    }
    const version = Math.max(0, ...done, ...applied);
    if (version > LATEST_VERSION) {
      throw new Error(
        `[social-crm] Schema ${quoted} is at version ${version}, newer than this build of social-crm knows (${LATEST_VERSION}). Upgrade social-crm.`,
      );
    }
    return { applied, version };
  });
}
