/**
 * The company's CRM as it stood before the SDK (`companySchema`), and the migration that wires the
 * SDK onto it (`socialWiring`): a few columns on the CRM's own tables, two side tables and two
 * views. Both take the schema to create them in (`public` in production; tests use one per run).
 */

/** A schema name quoted for SQL (letters, digits and `_` only). */
export function schemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Schema name \`${schema}\` must be lower-case letters, digits and _.`);
  return `"${schema}"`;
}

/** The CRM that exists first: contacts with uuid keys, their activities and tickets. */
export function companySchema(schema = 'public'): string {
  const s = schemaName(schema);
  return `
create schema if not exists ${s};
create table ${s}.contacts (
  id uuid primary key default gen_random_uuid(),
  full_name text not null default '',
  email text,
  phone text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create table ${s}.activities (
  id uuid primary key default gen_random_uuid(),
  contact_id uuid not null references ${s}.contacts (id),
  kind text not null check (kind in ('call', 'email', 'meeting', 'note', 'social')),
  subject text not null default '',
  body text not null default '',
  occurred_at timestamptz not null
);
create index on ${s}.activities (contact_id, occurred_at);
create table ${s}.tickets (
  id uuid primary key default gen_random_uuid(),
  contact_id uuid not null references ${s}.contacts (id),
  activity_id uuid references ${s}.activities (id) on delete set null,
  subject text not null,
  status text not null default 'open' check (status in ('open', 'pending', 'closed')),
  created_at timestamptz not null default now()
);`;
}

/**
 * The SDK wired onto the CRM.
 * - contacts: `social_customer_id` holds an SDK customer id that is not a uuid (none in production,
 *   where the crm's `generateId` makes customer ids uuids; the conformance kit uses `c1` ...);
 *   `customer_key` is the customer id either way; `merged_into` is the CRM-visible merge link;
 *   `social` keeps the SDK's fields of the customer (identity keys, attributes, `mergedInto` ...).
 * - activities: `social_id` is the interaction id; `social` the interaction as the SDK stores it.
 * - social_posts: interactions without a contact (the brand's own posts), which the NOT NULL
 *   `activities.contact_id` cannot hold.
 * - social_records: everything else the SDK keeps (identities, merge history, cursors, dead
 *   letters, consent, review suggestions, sends), one row per record.
 */
export function socialWiring(schema = 'public'): string {
  const s = schemaName(schema);
  const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  return `
alter table ${s}.contacts
  add column social_customer_id text collate "C" unique,
  add column customer_key text collate "C" generated always as (coalesce(social_customer_id, id::text)) stored unique,
  add column merged_into uuid references ${s}.contacts (id),
  add column social jsonb;
alter table ${s}.activities
  add column social_id text collate "C" unique,
  add column social jsonb;
create table ${s}.social_posts (
  id text collate "C" primary key,
  created_at text collate "C" not null,
  body jsonb not null
);
create table ${s}.social_records (
  kind text not null,
  id text collate "C" not null,
  sort_key text collate "C" not null,
  refs text[] not null default '{}',
  body jsonb not null,
  primary key (kind, id)
);
create index on ${s}.social_records using gin (refs);
create index on ${s}.social_records (kind, sort_key, id);

-- What the CRM's screens list: contacts not merged into another one.
create view ${s}.active_contacts as select * from ${s}.contacts where merged_into is null;

-- Customers as the SDK reads them: every contact is one (the CRM's name wins over the SDK's copy).
create view ${s}.social_customers as
select customer_key as id,
       (coalesce(social ->> 'createdAt', ${iso('created_at')})) collate "C" as created_at,
       (social ->> 'mergedInto') collate "C" as merged_into,
       coalesce(social, '{}'::jsonb) - 'displayName'
         || jsonb_build_object('id', customer_key, 'createdAt', coalesce(social ->> 'createdAt', ${iso('created_at')}),
                               'updatedAt', coalesce(social ->> 'updatedAt', ${iso('updated_at')}),
                               'identityKeys', coalesce(social -> 'identityKeys', '[]'::jsonb), 'attributes', coalesce(social -> 'attributes', '{}'::jsonb))
         || case when full_name = '' then '{}'::jsonb else jsonb_build_object('displayName', full_name) end as body
from ${s}.contacts;

-- Interactions as the SDK reads them: the contacts' activities and the brand's posts.
create view ${s}.social_interactions as
select social_id as id, (social ->> 'createdAt') collate "C" as created_at, social as body from ${s}.activities where social_id is not null
union all
select id, created_at, body from ${s}.social_posts;`;
}
