import { parseWithSchema } from '../../_options.js';
import * as z from 'zod';
import { InvalidOptionsError } from '../../errors.js';
import type { Interaction } from '../../interaction.js';
import type {
  AppendResult,
  BatchStore,
  DeadLetter,
  EraseResult,
  IdentityRecord,
  InteractionLedger,
  InteractionQuery,
  LockingStore,
  OutboxStore,
  Page,
  PollCursor,
  ReceivedInteraction,
  ReceivedResult,
  ReceiveStore,
  ReviewStore,
  SendStore,
} from '../../ledger.js';
import { emptyErase, eraseResultOf, erasedCustomer, erasedInteraction, erasedMerge, erasureSubjectOf, interactionsToErase, likePatterns, subjectMatcher, subjectOrderingKeys } from '../../erasure.js';
import { comparePositions, decodeCursor, encodeCursor, pageSize, randomId } from '../../_utils.js';
import {
  checkSendRecord,
  checkSendState,
  claimQueryOf,
  decodeSequenceCursor,
  encodeSequenceCursor,
  erasedSend,
  storedOutboxRecord,
  timestampOf,
} from '../../_ledger-rules.js';
import { openDriver, preloadPeer, quoteLiteral, type DriverSource, type PGliteDatabase, type PostgresPool, type RetryPolicy, type SqlDriver, type SqlExecutor, type SqlRow } from './driver.js';
import { applyMigrations, quoteIdentifier, type MigrationResult } from './migrations.js';
import {
  CONSENT_SELECT,
  CUSTOMER_SELECT,
  DEAD_LETTER_SELECT,
  IDENTITY_SELECT,
  INTERACTION_COLUMNS,
  INTERACTION_SELECT,
  MERGE_SELECT,
  OUTBOX_SELECT,
  SEND_SELECT,
  customerParams,
  interactionParams,
  INTERACTION_PLACEHOLDERS,
  castOf,
  interactionPlaceholders,
  json,
  rowToConsent,
  rowToCustomer,
  rowToDeadLetter,
  rowToIdentity,
  rowToInteraction,
  rowToMerge,
  rowToOutbox,
  rowToSend,
  rowToSuggestion,
  sendParams,
  SUGGESTION_SELECT,
} from './rows.js';

/**
 * Options of {@link postgresLedger} and {@link migratePostgresLedger}. Give exactly one of
 * `connectionString`, `pool` or `pglite`.
 */
export interface PostgresLedgerOptions {
  /** A PostgreSQL URL, e.g. `postgres://crm@db:5432/crm`. The ledger opens (and closes) its own `pg` Pool. */
  connectionString?: string;
  /**
   * Your own `pg` Pool (or anything with the same `query`/`connect`). The ledger never ends it.
   * Attach a `pool.on('error', ...)` listener yourself: idle connections error when the server restarts.
   */
  pool?: PostgresPool;
  /**
   * PGlite (Postgres in WebAssembly, in process): a data directory (`./data/crm`), `memory://`
   * for a throw-away database, or your own `PGlite` instance (which the ledger never closes).
   */
  pglite?: string | PGliteDatabase;
  /** PostgreSQL schema that holds the tables; created when missing. Lower-case letters, digits, `_`. @default 'social_crm' */
  schema?: string;
  /** Apply pending migrations on first use. Turn off when your own tooling runs {@link migratePostgresLedger}. @default true */
  migrate?: boolean;
  /** Pool size when the ledger opens its own `pg` Pool. @default 10 (pg's default) */
  maxConnections?: number;
  /** Retries of transient failures: dropped connections, server restarts, serialisation conflicts. */
  retry?: { attempts?: number; baseDelayMs?: number };
  /**
   * The tenant this ledger reads and writes: every row it stores carries it and every query filters
   * on it. `forTenant(tenant)` gives another tenant's ledger over the same pool and tables. 1 to 128
   * characters, no whitespace or control characters. @default 'default' (rows stored before tenants existed)
   */
  tenant?: string;
}

/**
 * An {@link InteractionLedger} on PostgreSQL with every optional group of the port (review queue,
 * locks, outbox, sends, batch methods, the pipeline's append), and a few extras for hosts that
 * scale out.
 */
export interface PostgresLedger extends Operations {
  /** The PostgreSQL schema the tables live in. */
  readonly schema: string;
  /** Apply pending migrations now instead of on first use. */
  migrate(): Promise<MigrationResult>;
  /**
   * Run `task` in one transaction that holds a lock per customer id (`pg_advisory_xact_lock`),
   * so that workers in other processes touching the same customers wait for it. `task` gets a
   * ledger bound to that transaction: use it for every read and write inside, and everything
   * commits or rolls back together. Locks are taken in sorted order, so two tasks that lock
   * overlapping sets cannot deadlock. On a transient failure the whole task runs again.
   * Never call the outer ledger from inside `task`: on PGlite, which has one connection, that
   * call would wait for the transaction that waits for it.
   *
   * @example
   * await ledger.withCustomerLock([survivorId, absorbedId], async (locked) => {
   *   const survivor = await locked.getCustomer(survivorId);
   *   ...
   *   await locked.saveMerge(record);
   * });
   */
  withCustomerLock<T>(customerIds: string | string[], task: (ledger: InteractionLedger) => Promise<T>): Promise<T>;
  /**
   * Append many interactions with one multi-row `INSERT … ON CONFLICT DO NOTHING` per 500 rows,
   * for imports and backfills. Idempotent per id like `appendInteraction`, also for repeats
   * within the batch (the first one is stored). Results come in input order.
   */
  appendInteractions(interactions: Interaction[]): Promise<AppendResult[]>;
  /** The tenant whose rows this ledger reads and writes. */
  readonly tenant: string;
  /**
   * The ledger of another tenant over the same pool (or PGlite), schema and migrations: its own
   * interactions, customers, identities, merges, outbox and dead letters, never this one's. The
   * same object for the same tenant. Its `close()` does nothing: close the ledger you created.
   * @throws InvalidOptionsError for a tenant id that is empty, over 128 characters, or holds whitespace.
   */
  forTenant(tenant: string): PostgresLedger;
  /** Close the pool or PGlite the ledger opened itself. */
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** The tenant of a ledger made without `tenant`: rows that were stored before tenants existed. */
const DEFAULT_TENANT = 'default';
const TENANT_ID = /^[^\s\p{Cc}]{1,128}$/u;
const TENANT_RULE = 'A tenant id is 1 to 128 characters without whitespace or control characters.';

const optionsSchema = z
  .object({
    connectionString: z.string().min(1).optional(),
    pool: z
      .custom<PostgresPool>(
        (value) => typeof value === 'object' && value !== null && typeof (value as PostgresPool).query === 'function' && typeof (value as PostgresPool).connect === 'function',
        'Pass a `pg` Pool (an object with `query` and `connect`).',
      )
      .optional(),
    pglite: z
      .union([
        z.string().min(1),
        z.custom<PGliteDatabase>(
          (value) => typeof value === 'object' && value !== null && typeof (value as PGliteDatabase).query === 'function' && typeof (value as PGliteDatabase).transaction === 'function',
          'Pass a PGlite instance or a data directory.',
        ),
      ])
      .optional(),
    schema: z.string().regex(SCHEMA_NAME, 'Use lower-case letters, digits and `_`, starting with a letter or `_` (at most 63 characters).').default('social_crm'),
    migrate: z.boolean().default(true),
    maxConnections: z.number().int().positive().optional(),
    retry: z
      .object({ attempts: z.number().int().min(1).max(20).optional(), baseDelayMs: z.number().min(0).max(60_000).optional() })
      .strict()
      .optional(),
    tenant: z.string().regex(TENANT_ID, TENANT_RULE).default(DEFAULT_TENANT),
  })
  .strict()
  .superRefine((value, context) => {
    const given = [value.connectionString, value.pool, value.pglite].filter((source) => source !== undefined).length;
    if (given !== 1) {
      context.addIssue({ code: 'custom', path: [], message: `Give exactly one of \`connectionString\`, \`pool\` or \`pglite\` (got ${given}).` });
    }
  });

type ParsedOptions = z.output<typeof optionsSchema>;

function parseOptions(options: PostgresLedgerOptions, caller: string): ParsedOptions {
  return parseWithSchema(optionsSchema, options, `${caller}() options are invalid:`);
}

function sourceOf(options: ParsedOptions): DriverSource {
  if (options.connectionString !== undefined) {
    return { type: 'connection-string', connectionString: options.connectionString, ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}) };
  }
  if (options.pool !== undefined) return { type: 'pool', pool: options.pool };
  if (typeof options.pglite === 'string') return { type: 'pglite-directory', dataDirectory: options.pglite };
  return { type: 'pglite', database: options.pglite! };
}

function retryOf(options: ParsedOptions): RetryPolicy {
  return { attempts: options.retry?.attempts ?? 6, baseDelayMs: options.retry?.baseDelayMs ?? 50 };
}

/**
 * Applies the ledger's migrations and returns. For hosts whose own migration tooling runs
 * before the application starts (then pass `migrate: false` to {@link postgresLedger}).
 *
 * @example
 * await migratePostgresLedger({ connectionString: process.env.DATABASE_URL, schema: 'social_crm' });
 */
export async function migratePostgresLedger(options: PostgresLedgerOptions): Promise<MigrationResult> {
  const parsed = parseOptions(options, 'migratePostgresLedger');
  const driver = await openDriver(sourceOf(parsed), retryOf(parsed));
  try {
    return await applyMigrations(driver, parsed.schema);
  } finally {
    await driver.close();
  }
}

/**
 * The storage port on PostgreSQL: a server through `pg`, or PGlite in process (a data
 * directory, `memory://`, or your instance). Nothing connects here; the driver is imported
 * and opened, and migrations applied, on the first call.
 *
 * Appends are idempotent under concurrency (`INSERT ... ON CONFLICT DO NOTHING`), pages use
 * keyset pagination over `(created_at, id)`, and transient failures are retried.
 *
 * @example
 * import { postgresLedger } from 'social-crm/ledgers/postgres';
 * const crm = createSocialCrm({ ledger: postgresLedger({ connectionString: process.env.DATABASE_URL }) });
 * // or, embedded: postgresLedger({ pglite: './data/crm' })
 */
export function postgresLedger(options: PostgresLedgerOptions): PostgresLedger {
  const parsed = parseOptions(options, 'postgresLedger');
  const schema = parsed.schema;
  const retry = retryOf(parsed);
  preloadPeer(sourceOf(parsed));
  let driverPromise: Promise<SqlDriver> | undefined;
  let readyPromise: Promise<SqlDriver> | undefined;
  let closed = false;

  function driver(): Promise<SqlDriver> {
    driverPromise ??= openDriver(sourceOf(parsed), retry).catch((error: unknown) => {
      driverPromise = undefined;
      throw error;
    });
    return driverPromise;
  }

  function ready(): Promise<SqlDriver> {
    if (closed) return Promise.reject(new Error('[social-crm] This PostgreSQL ledger was closed.'));
    readyPromise ??= driver()
      .then(async (opened) => {
        if (parsed.migrate) await applyMigrations(opened, schema);
        return opened;
      })
      .catch((error: unknown) => {
        readyPromise = undefined;
        throw error;
      });
    return readyPromise;
  }

  const executor: SqlExecutor = {
    async query(sql, params) {
      return (await ready()).query(sql, params);
    },
  };
  const transaction = async <T>(task: (executor: SqlExecutor) => Promise<T>): Promise<T> => (await ready()).transaction(task);

  const tenants = new Map<string, PostgresLedger>();

  /** The ledger of `tenant` over this pool; `owner` is the one whose `close()` closes the pool. */
  function bind(tenant: string, owner: boolean): PostgresLedger {
    const ledger = createOperations(quoteIdentifier(schema), tenant, executor, transaction);
    const bound: PostgresLedger = {
      ...ledger,
      schema,
      tenant,
      async migrate() {
        return applyMigrations(await driver(), schema);
      },
      async withCustomerLock(customerIds, task) {
        return ledger.withLocks((Array.isArray(customerIds) ? customerIds : [customerIds]).map((id) => `customer:${id}`), task);
      },
      forTenant(other) {
        if (typeof other !== 'string' || !TENANT_ID.test(other)) {
          throw new InvalidOptionsError(`[postgresLedger] forTenant(${JSON.stringify(other)?.slice(0, 140)}): ${TENANT_RULE}`, [{ path: 'tenant', message: TENANT_RULE }]);
        }
        let found = tenants.get(other);
        if (!found) tenants.set(other, (found = bind(other, false)));
        return found;
      },
      async close() {
        if (!owner) return;
        closed = true;
        const opened = driverPromise;
        driverPromise = undefined;
        readyPromise = undefined;
        if (opened) await (await opened.catch(() => undefined))?.close();
      },
    };
    return bound;
  }

  const main = bind(parsed.tenant, true);
  tenants.set(parsed.tenant, main);
  return main;
}

/**
 * Every statement of a tenant's ledger names its tenant as `{tenant}`: this executor binds it as one
 * more parameter, so that no statement can run without it and the caller's numbering stays as it is.
 */
function tenantBound(executor: SqlExecutor, tenant: string): SqlExecutor {
  return {
    query(sql, params = []) {
      if (!sql.includes('{tenant}')) return executor.query(sql, params);
      return executor.query(sql.replaceAll('{tenant}', `$${params.length + 1}::text`), [...params, tenant]);
    },
  };
}

/** The port with every optional group this ledger implements. */
type Operations = InteractionLedger & ReviewStore & LockingStore & OutboxStore & SendStore & BatchStore & ReceiveStore;

/**
 * Every ledger method, over one executor. `transaction` runs a block atomically; inside
 * `withLocks` or the port's `transaction` it reuses the open transaction, so the ledger a task
 * receives has every method (nested `withLocks` and `transaction` included) and they all join it.
 */
function createOperations(
  schema: string,
  tenant: string,
  connection: SqlExecutor,
  openTransaction: <T>(task: (executor: SqlExecutor) => Promise<T>) => Promise<T>,
): Operations {
  const executor = tenantBound(connection, tenant);
  const transaction = <T>(task: (executor: SqlExecutor) => Promise<T>): Promise<T> => openTransaction((run) => task(tenantBound(run, tenant)));
  // Advisory lock names: the default tenant keeps the names it had before tenants existed.
  const lockScope = tenant === DEFAULT_TENANT ? schema : `${schema}:${tenant}`;
  const table = (name: string) => `${schema}.${name}`;
  const one = async <Row>(rows: Promise<SqlRow[]>, map: (row: SqlRow) => Row): Promise<Row | null> => {
    const [row] = await rows;
    return row ? map(row) : null;
  };

  /** Keyset page over `(created_at, id)`; `where` and `params` hold the filters. */
  async function page<Row>(
    select: string,
    from: string,
    where: string[],
    params: unknown[],
    map: (row: SqlRow) => Row,
    positionOf: (row: Row) => { at: string; id: string },
    query: { limit?: number; cursor?: string; order?: 'asc' | 'desc' },
    idColumn = 'id',
  ): Promise<Page<Row>> {
    const order = query.order === 'desc' ? 'DESC' : 'ASC';
    const conditions = ['tenant = {tenant}', ...where];
    const values = [...params];
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      if (!after) throw new InvalidOptionsError(`Cursor \`${query.cursor}\` is not a cursor this ledger issued.`);
      values.push(after.at, after.id);
      conditions.push(`(created_at, ${idColumn}) ${order === 'ASC' ? '>' : '<'} ($${values.length - 1}::timestamptz, $${values.length})`);
    }
    const size = pageSize(query.limit);
    values.push(size + 1);
    const rows = await executor.query(
      `SELECT ${select} FROM ${from} WHERE ${conditions.join(' AND ')} ORDER BY created_at ${order}, ${idColumn} ${order} LIMIT $${values.length}`,
      values,
    );
    const items = rows.slice(0, size).map(map);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > size && last ? encodeCursor(positionOf(last)) : null };
  }

  function validTimestamp(value: string, name: string): string {
    timestampOf(value, name);
    return value;
  }

  /** The ledger a task gets inside a transaction: every method, joining the transaction `run` belongs to. */
  const boundTo = (run: SqlExecutor): Operations => createOperations(schema, tenant, run, (inner) => inner(run));

  /**
   * Transaction-scoped advisory locks on `names`, taken in one statement in sorted order. The names
   * are written into the statement, so that it has no parameters: opening a transaction, the
   * driver sends BEGIN with it.
   */
  async function lockAll(run: SqlExecutor, names: string[]): Promise<void> {
    if (names.length === 0) return;
    const sorted = [...new Set(names)].sort().map(quoteLiteral);
    await run.query(`SELECT pg_advisory_xact_lock(hashtextextended(name, 0)) FROM unnest(ARRAY[${sorted.join(', ')}]::text[]) WITH ORDINALITY AS lock(name, position) ORDER BY position`);
  }

  async function writeInteraction(run: SqlExecutor, interaction: Interaction): Promise<void> {
    const assignments = INTERACTION_COLUMNS.slice(1).map((column, index) => `${column} = $${index + 2}${castOf(column)}`);
    await run.query(`UPDATE ${table('interactions')} SET ${assignments.join(', ')} WHERE tenant = {tenant} AND id = $1`, interactionParams(interaction));
  }

  /**
   * Everything stored about the customer (and the customers merged into it), read inside `run`'s
   * transaction (`forUpdate` locks the rows an erase rewrites): what export returns and erase removes.
   * Free-form tables are narrowed in SQL with `ILIKE` on the subject's identifiers, then decided by
   * the same matcher every ledger uses.
   */
  async function footprint(run: SqlExecutor, customerId: string, forUpdate = false) {
    const lock = forUpdate ? ' FOR UPDATE' : '';
    const [customerRow] = await run.query(`SELECT ${CUSTOMER_SELECT} FROM ${table('customers')} WHERE tenant = {tenant} AND id = $1${lock}`, [customerId]);
    if (!customerRow) return null;
    const customers = (
      await run.query(
        `WITH RECURSIVE tree(id) AS (SELECT $1::text COLLATE "C" UNION SELECT child.id FROM ${table('customers')} AS child JOIN tree ON child.merged_into = tree.id WHERE child.tenant = {tenant})
         SELECT ${CUSTOMER_SELECT} FROM ${table('customers')} WHERE tenant = {tenant} AND id IN (SELECT id FROM tree) ORDER BY created_at, id${lock}`,
        [customerId],
      )
    ).map(rowToCustomer);
    const related = customers.map((customer) => customer.id);
    const identities = (await run.query(`SELECT ${IDENTITY_SELECT} FROM ${table('identities')} WHERE tenant = {tenant} AND customer_id = ANY($1::text[]) ORDER BY key${lock}`, [related])).map(rowToIdentity);
    const keys = [...new Set([...identities.map((record) => record.key), ...customers.flatMap((customer) => customer.identityKeys)])];
    const merges = (
      await run.query(`SELECT ${MERGE_SELECT} FROM ${table('merges')} WHERE tenant = {tenant} AND (survivor_id = ANY($1::text[]) OR absorbed_ids && $1::text[]) ORDER BY created_at, id${lock}`, [related])
    ).map(rowToMerge);
    const ownRows = (
      await run.query(`SELECT ${INTERACTION_SELECT} FROM ${table('interactions')} WHERE tenant = {tenant} AND (customer_id = ANY($1::text[]) OR author_key = ANY($2::text[]))${lock}`, [related, keys])
    ).map(rowToInteraction);
    const privateConversations = [...new Set(ownRows.filter((row) => row.visibility === 'private').map((row) => row.conversationId))];
    const otherRows = (
      await run.query(
        `SELECT ${INTERACTION_SELECT} FROM ${table('interactions')}
         WHERE tenant = {tenant} AND NOT (customer_id IS NOT NULL AND customer_id = ANY($1::text[])) AND NOT (author_key = ANY($2::text[]))
           AND (conversation_id = ANY($3::text[]) OR (direction = 'outbound' AND channel || ':' || (details->>'recipientId') = ANY($2::text[])))${lock}`,
        [related, keys, privateConversations],
      )
    ).map(rowToInteraction);
    const erased = interactionsToErase([...ownRows, ...otherRows], new Set(related), new Set(keys));
    const subject = erasureSubjectOf({ customers, identities, interactions: erased.rows, merges }, erased.owned);
    const mentions = subjectMatcher(subject);
    const patterns = likePatterns(subject);
    const interactionIds = subject.interactionIds;
    const consents = (
      await run.query(`SELECT ${CONSENT_SELECT} FROM ${table('consents')} WHERE tenant = {tenant} AND identity_key = ANY($1::text[]) ORDER BY identity_key${lock}`, [subject.identityKeys])
    ).map(rowToConsent);
    const suggestions = (
      await run.query(
        `SELECT ${SUGGESTION_SELECT} FROM ${table('merge_suggestions')} WHERE tenant = {tenant} AND (customer_id = ANY($1::text[]) OR candidate_customer_id = ANY($1::text[])) ORDER BY created_at DESC, id DESC${lock}`,
        [related],
      )
    ).map(rowToSuggestion);
    const deadLetters = (
      await run.query(`SELECT ${DEAD_LETTER_SELECT} FROM ${table('dead_letters')} WHERE tenant = {tenant} AND (payload::text ILIKE ANY($1::text[]) OR error::text ILIKE ANY($1::text[])) ORDER BY created_at, id${lock}`, [
        patterns,
      ])
    )
      .map(rowToDeadLetter)
      .filter((entry) => mentions(entry.payload) || mentions(entry.error));
    const orderingKeys = new Set(subjectOrderingKeys(subject));
    const outbox = (
      await run.query(
        `SELECT ${OUTBOX_SELECT} FROM ${table('outbox')} WHERE tenant = {tenant} AND (ordering_key = ANY($1::text[]) OR payload::text ILIKE ANY($2::text[]) OR last_error::text ILIKE ANY($2::text[])) ORDER BY sequence${lock}`,
        [[...orderingKeys], patterns],
      )
    )
      .map(rowToOutbox)
      .filter((record) => orderingKeys.has(record.orderingKey) || mentions(record.payload) || mentions(record.lastError));
    const sends = (
      await run.query(`SELECT ${SEND_SELECT} FROM ${table('sends')} WHERE tenant = {tenant} AND (in_reply_to = ANY($1::text[]) OR interaction_id = ANY($1::text[])) ORDER BY created_at, key${lock}`, [interactionIds])
    ).map(rowToSend);
    const cursors = (
      await run.query<{ adapter_id: string; stream: string; cursor: string }>(
        `SELECT adapter_id, stream, cursor FROM ${table('poll_cursors')} WHERE tenant = {tenant} AND (stream ILIKE ANY($1::text[]) OR cursor ILIKE ANY($1::text[])) ORDER BY adapter_id, stream${lock}`,
        [patterns],
      )
    )
      .map((row): PollCursor => ({ adapterId: String(row.adapter_id), stream: String(row.stream), cursor: String(row.cursor) }))
      .filter((cursor) => mentions(cursor.stream) || mentions(cursor.cursor));
    return {
      customer: rowToCustomer(customerRow),
      customers,
      identities,
      interactions: erased.rows,
      renamed: erased.renamed,
      merges,
      consents,
      suggestions,
      deadLetters,
      outbox,
      sends,
      cursors,
    };
  }

  const operations: Operations = {
    async appendInteraction(interaction) {
      const inserted = await executor.query(
        `INSERT INTO ${table('interactions')} (tenant, ${INTERACTION_COLUMNS.join(', ')}) VALUES ({tenant}, ${INTERACTION_PLACEHOLDERS}) ON CONFLICT (tenant, id) DO NOTHING RETURNING ${INTERACTION_SELECT}`,
        interactionParams(interaction),
      );
      if (inserted[0]) return { inserted: true, interaction: rowToInteraction(inserted[0]) };
      // ON CONFLICT waited for the winner to commit, so its row is visible to this new statement.
      const existing = await operations.getInteraction(interaction.id);
      if (!existing) throw new Error(`[social-crm] Interaction \`${interaction.id}\` conflicted on insert but cannot be read back.`);
      return { inserted: false, interaction: existing };
    },

    async updateInteraction(id, patch) {
      return transaction(async (run) => {
        const [row] = await run.query(`SELECT ${INTERACTION_SELECT} FROM ${table('interactions')} WHERE tenant = {tenant} AND id = $1 FOR UPDATE`, [id]);
        if (!row) return null;
        const updated = { ...rowToInteraction(row), ...structuredClone(patch) } as Interaction;
        for (const [field, value] of Object.entries(patch)) {
          if (value === undefined) delete (updated as Record<string, unknown>)[field];
        }
        await writeInteraction(run, updated);
        return updated;
      });
    },

    async getInteraction(id) {
      return one(executor.query(`SELECT ${INTERACTION_SELECT} FROM ${table('interactions')} WHERE tenant = {tenant} AND id = $1`, [id]), rowToInteraction);
    },

    async queryInteractions(query: InteractionQuery) {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (condition: (placeholder: string) => string, value: unknown) => {
        params.push(value);
        where.push(condition(`$${params.length}`));
      };
      if (!query.includeDeleted) where.push(`state <> 'deleted'`);
      if (query.customerId !== undefined) add((p) => `customer_id = ${p}`, query.customerId);
      if (query.conversationId !== undefined) add((p) => `conversation_id = ${p}`, query.conversationId);
      if (query.channel !== undefined) add((p) => `channel = ${p}`, query.channel);
      if (query.authorKey !== undefined) add((p) => `author_key = ${p}`, query.authorKey);
      if (query.direction !== undefined) add((p) => `direction = ${p}`, query.direction);
      if (query.since !== undefined) add((p) => `created_at >= ${p}::timestamptz`, validTimestamp(query.since, 'since'));
      if (query.until !== undefined) add((p) => `created_at < ${p}::timestamptz`, validTimestamp(query.until, 'until'));
      return page(INTERACTION_SELECT, table('interactions'), where, params, rowToInteraction, (row) => ({ at: row.createdAt, id: row.id }), query);
    },

    async assignInteractions(authorKeys, customerId) {
      if (authorKeys.length === 0) return 0;
      const [row] = await executor.query<{ count: number }>(
        `WITH changed AS (UPDATE ${table('interactions')} SET customer_id = $1 WHERE tenant = {tenant} AND author_key = ANY($2::text[]) RETURNING 1) SELECT count(*)::int AS count FROM changed`,
        [customerId, authorKeys],
      );
      return Number(row?.count ?? 0);
    },

    async getCustomer(id) {
      return one(executor.query(`SELECT ${CUSTOMER_SELECT} FROM ${table('customers')} WHERE tenant = {tenant} AND id = $1`, [id]), rowToCustomer);
    },

    async saveCustomer(customer) {
      await upsertMany(executor, schema, 'customers', CUSTOMER_UPSERT, [customerParams(customer)]);
    },

    async listCustomers(query = {}) {
      return page(
        CUSTOMER_SELECT,
        table('customers'),
        query.includeMerged ? [] : ['merged_into IS NULL'],
        [],
        rowToCustomer,
        (customer) => ({ at: customer.createdAt, id: customer.id }),
        query,
      );
    },

    async getIdentity(key) {
      return one(executor.query(`SELECT ${IDENTITY_SELECT} FROM ${table('identities')} WHERE tenant = {tenant} AND key = $1`, [key]), rowToIdentity);
    },

    async saveIdentity(record) {
      await upsertMany(executor, schema, 'identities', IDENTITY_UPSERT, [identityParams(record)]);
    },

    async listIdentities(customerId) {
      return (await executor.query(`SELECT ${IDENTITY_SELECT} FROM ${table('identities')} WHERE tenant = {tenant} AND customer_id = $1 ORDER BY key`, [customerId])).map(rowToIdentity);
    },

    async findIdentitiesByBlockingKeys(keys, limit = 1000) {
      if (keys.length === 0) return [];
      const rows = await executor.query(
        // Per key: its first `limit` identities in key order, by index (their union holds the first
        // `limit` of the answer), each fetched by its primary key and kept only if it still has that
        // key. The nested form keeps the plan on the indexes even before the tables have statistics.
        `SELECT ${IDENTITY_SELECT} FROM (
           SELECT DISTINCT ON (found.key) found.* FROM unnest($1::text[]) AS wanted(blocking_key)
           CROSS JOIN LATERAL (
             SELECT owner.* FROM ${table('identity_blocking_keys')} AS side
             JOIN ${table('identities')} AS owner ON owner.tenant = side.tenant AND owner.key = side.identity_key
             WHERE side.tenant = {tenant} AND side.key = wanted.blocking_key AND side.key = ANY(owner.blocking_keys)
             ORDER BY side.identity_key LIMIT $2
           ) AS found
           ORDER BY found.key LIMIT $2
         ) AS matched ORDER BY key`,
        [[...new Set(keys)], Math.max(1, Math.floor(limit))],
      );
      return rows.map(rowToIdentity);
    },

    async saveMerge(record) {
      await executor.query(
        `INSERT INTO ${table('merges')} (tenant, id, survivor_id, absorbed_ids, decided_by, score, evidence, snapshot, created_at, undone_at)
         VALUES ({tenant}, $1, $2, $3::text[], $4::jsonb, $5, $6::jsonb, $7::jsonb, $8::timestamptz, $9::timestamptz)
         ON CONFLICT (tenant, id) DO UPDATE SET survivor_id = EXCLUDED.survivor_id, absorbed_ids = EXCLUDED.absorbed_ids, decided_by = EXCLUDED.decided_by,
           score = EXCLUDED.score, evidence = EXCLUDED.evidence, snapshot = EXCLUDED.snapshot, created_at = EXCLUDED.created_at, undone_at = EXCLUDED.undone_at`,
        [
          record.id,
          record.survivorId,
          record.absorbedIds,
          json(record.decidedBy),
          record.score ?? null,
          json(record.evidence),
          json(record.snapshot),
          record.createdAt,
          record.undoneAt ?? null,
        ],
      );
    },

    async getMerge(id) {
      return one(executor.query(`SELECT ${MERGE_SELECT} FROM ${table('merges')} WHERE tenant = {tenant} AND id = $1`, [id]), rowToMerge);
    },

    async listMerges(customerId) {
      const rows = await executor.query(
        `SELECT ${MERGE_SELECT} FROM ${table('merges')} WHERE tenant = {tenant} AND (survivor_id = $1 OR absorbed_ids @> ARRAY[$1]::text[]) ORDER BY created_at DESC, id DESC`,
        [customerId],
      );
      return rows.map(rowToMerge);
    },

    async saveSuggestion(suggestion) {
      await executor.query(
        `INSERT INTO ${table('merge_suggestions')} (tenant, id, customer_id, candidate_customer_id, score, reason, evidence, created_at)
         VALUES ({tenant}, $1, $2, $3, $4, $5, $6::jsonb, $7::timestamptz)
         ON CONFLICT (tenant, id) DO UPDATE SET customer_id = EXCLUDED.customer_id, candidate_customer_id = EXCLUDED.candidate_customer_id, score = EXCLUDED.score,
           reason = EXCLUDED.reason, evidence = EXCLUDED.evidence, created_at = EXCLUDED.created_at`,
        [
          suggestion.id,
          suggestion.customerId,
          suggestion.candidateCustomerId,
          suggestion.score,
          suggestion.reason,
          json(suggestion.evidence),
          validTimestamp(suggestion.createdAt, 'createdAt'),
        ],
      );
    },

    async listSuggestions(query = {}) {
      const where = query.customerId === undefined ? [] : ['(customer_id = $1 OR candidate_customer_id = $1)'];
      const params = query.customerId === undefined ? [] : [query.customerId];
      return page(SUGGESTION_SELECT, table('merge_suggestions'), where, params, rowToSuggestion, (row) => ({ at: row.createdAt, id: row.id }), { ...query, order: 'desc' });
    },

    async withLocks(keys, task) {
      // Inside a locked task `transaction` reuses the open one, so nested calls add to the same scope.
      return transaction(async (locked) => {
        await lockAll(locked, keys.map((key) => `social-crm:${lockScope}:${key}`));
        return task(boundTo(locked));
      });
    },

    async transaction(task) {
      return transaction(async (run) => task(boundTo(run)));
    },

    async appendOutbox(records) {
      const unique = new Map<string, ReturnType<typeof storedOutboxRecord>>();
      for (const record of records.map(storedOutboxRecord)) if (!unique.has(record.id)) unique.set(record.id, record);
      if (unique.size === 0) return;
      const rows = [...unique.values()];
      await transaction(async (run) => {
        // Held until commit: records of one key appended by concurrent transactions get their
        // sequence in commit order, so a claim can never see a newer record of a key before an older one.
        await lockAll(run, rows.map((record) => `social-crm-outbox:${lockScope}:${record.orderingKey}`));
        await run.query(
          `INSERT INTO ${table('outbox')} (tenant, id, name, payload, ordering_key, created_at, available_at, attempts, completed_handlers, last_error)
           SELECT {tenant}, record->>'id', record->>'name', record->'payload', record->>'orderingKey', (record->>'createdAt')::timestamptz,
             (record->>'availableAt')::timestamptz, (record->>'attempts')::integer,
             ARRAY(SELECT jsonb_array_elements_text(record->'completedHandlers')), record->'lastError'
           FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS input(record, position)
           ORDER BY position
           ON CONFLICT (tenant, id) DO NOTHING`,
          [json(rows)],
        );
      });
    },

    async claimOutbox(query) {
      const { owner, limit, leaseMs, now } = claimQueryOf(query);
      return transaction(async (run) => {
        // One claim at a time; the statement below starts after the lock, so it sees every earlier claim.
        await run.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`social-crm-outbox-claim:${lockScope}`]);
        // A record is deliverable when no record of its key up to it (itself included) is leased or
        // not yet available. Walking the append order with an index probe per record stays cheap
        // however many keys are blocked, and a long blocked key never hides the records behind it.
        const rows = await run.query(
          `WITH chosen AS (
             SELECT candidate.sequence FROM ${table('outbox')} AS candidate
             WHERE candidate.tenant = {tenant} AND NOT EXISTS (
               SELECT 1 FROM ${table('outbox')} AS older
               WHERE older.tenant = candidate.tenant AND older.ordering_key = candidate.ordering_key AND older.sequence <= candidate.sequence
                 AND (older.available_at > $1::timestamptz OR older.leased_until > $1::timestamptz)
             )
             ORDER BY candidate.sequence
             LIMIT $2
           )
           UPDATE ${table('outbox')} SET lease_owner = $3, leased_until = $1::timestamptz + $4 * interval '1 millisecond'
           WHERE sequence IN (SELECT sequence FROM chosen)
           RETURNING ${OUTBOX_SELECT}`,
          [new Date(now).toISOString(), limit, owner, leaseMs],
        );
        return rows.sort((a, b) => Number(a.sequence) - Number(b.sequence)).map(rowToOutbox);
      });
    },

    async settleOutbox(id, owner, settlement) {
      const where = `WHERE tenant = {tenant} AND id = $1 AND lease_owner = $2 RETURNING id`;
      if (settlement.type === 'delivered') return (await executor.query(`DELETE FROM ${table('outbox')} ${where}`, [id, owner])).length > 0;
      if (settlement.type === 'release') {
        return (await executor.query(`UPDATE ${table('outbox')} SET lease_owner = NULL, leased_until = NULL ${where}`, [id, owner])).length > 0;
      }
      const changed = await executor.query(
        `UPDATE ${table('outbox')} SET lease_owner = NULL, leased_until = NULL, available_at = $3::timestamptz, attempts = $4,
           completed_handlers = $5::text[], last_error = $6::jsonb ${where}`,
        [id, owner, validTimestamp(settlement.availableAt, 'availableAt'), settlement.attempts, settlement.completedHandlers, json(settlement.lastError)],
      );
      return changed.length > 0;
    },

    async listOutbox(query = {}) {
      const after = query.cursor === undefined ? 0 : decodeSequenceCursor(query.cursor);
      const size = pageSize(query.limit);
      const rows = await executor.query(`SELECT ${OUTBOX_SELECT} FROM ${table('outbox')} WHERE tenant = {tenant} AND sequence > $1 ORDER BY sequence LIMIT $2`, [after, size + 1]);
      const last = rows[size - 1];
      return { items: rows.slice(0, size).map(rowToOutbox), nextCursor: rows.length > size && last ? encodeSequenceCursor(Number(last.sequence), String(last.id)) : null };
    },

    async createSend(record) {
      checkSendRecord(record);
      const [inserted] = await executor.query(
        `INSERT INTO ${table('sends')} (tenant, key, channel, in_reply_to, state, reply, attempts, interaction_id, error, created_at, updated_at, details)
         VALUES ({tenant}, $1, $2, $3, $4, $5::jsonb, $6, $7, $8::jsonb, $9::timestamptz, $10::timestamptz, $11::jsonb)
         ON CONFLICT (tenant, key) DO NOTHING RETURNING ${SEND_SELECT}`,
        sendParams(record),
      );
      if (inserted) return { created: true, record: rowToSend(inserted) };
      // As for interactions: ON CONFLICT waited for the winner to commit, so its row is visible now.
      const existing = await operations.getSend(record.key);
      if (!existing) throw new Error(`[social-crm] Send \`${record.key}\` conflicted on insert but cannot be read back.`);
      return { created: false, record: existing };
    },

    async updateSend(record) {
      checkSendRecord(record);
      return (await executor.query(`${updateSendStatement(table('sends'))} RETURNING key`, sendParams(record))).length > 0;
    },

    async getSend(key) {
      return one(executor.query(`SELECT ${SEND_SELECT} FROM ${table('sends')} WHERE tenant = {tenant} AND key = $1`, [key]), rowToSend);
    },

    async listSends(query) {
      checkSendState(query.state);
      return page(SEND_SELECT, table('sends'), ['state = $1'], [query.state], rowToSend, (record) => ({ at: record.createdAt, id: record.key }), query, 'key');
    },

    async getInteractions(ids) {
      if (ids.length === 0) return [];
      return (await executor.query(`SELECT ${INTERACTION_SELECT} FROM ${table('interactions')} WHERE tenant = {tenant} AND id = ANY($1::text[])`, [[...new Set(ids)]])).map(rowToInteraction);
    },

    async appendInteractions(interactions) {
      return appendMany(schema, executor, operations, interactions);
    },

    async appendReceived(items) {
      return appendReceived(schema, executor, items);
    },

    async getCustomers(ids) {
      if (ids.length === 0) return [];
      return (await executor.query(`SELECT ${CUSTOMER_SELECT} FROM ${table('customers')} WHERE tenant = {tenant} AND id = ANY($1::text[])`, [[...new Set(ids)]])).map(rowToCustomer);
    },

    async saveCustomers(customers) {
      await upsertMany(executor, schema, 'customers', CUSTOMER_UPSERT, lastOfEach(customers, (customer) => customer.id).map(customerParams));
    },

    async saveIdentities(records) {
      await upsertMany(executor, schema, 'identities', IDENTITY_UPSERT, lastOfEach(records, (record) => record.key).map(identityParams));
    },

    async getIdentities(keys) {
      if (keys.length === 0) return [];
      return (await executor.query(`SELECT ${IDENTITY_SELECT} FROM ${table('identities')} WHERE tenant = {tenant} AND key = ANY($1::text[])`, [[...new Set(keys)]])).map(rowToIdentity);
    },

    async removeSuggestion(id) {
      return (await executor.query(`DELETE FROM ${table('merge_suggestions')} WHERE tenant = {tenant} AND id = $1 RETURNING id`, [id])).length > 0;
    },

    async getCursor(adapterId, stream) {
      const [row] = await executor.query<{ cursor: string }>(`SELECT cursor FROM ${table('poll_cursors')} WHERE tenant = {tenant} AND adapter_id = $1 AND stream = $2`, [adapterId, stream]);
      return row ? String(row.cursor) : null;
    },

    async setCursor(adapterId, stream, cursor) {
      await executor.query(
        `INSERT INTO ${table('poll_cursors')} (tenant, adapter_id, stream, cursor) VALUES ({tenant}, $1, $2, $3)
         ON CONFLICT (tenant, adapter_id, stream) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()`,
        [adapterId, stream, cursor],
      );
    },

    async addDeadLetter(entry) {
      const stored: DeadLetter = { ...structuredClone(entry), id: entry.id ?? randomId('dl') };
      const [row] = await executor.query(
        `INSERT INTO ${table('dead_letters')} (tenant, id, stage, adapter_id, payload, error, attempts, created_at, last_attempt_at)
         VALUES ({tenant}, $1, $2, $3, $4::jsonb, $5::jsonb, $6, $7::timestamptz, $8::timestamptz)
         ON CONFLICT (tenant, id) DO UPDATE SET stage = EXCLUDED.stage, adapter_id = EXCLUDED.adapter_id, payload = EXCLUDED.payload, error = EXCLUDED.error,
           attempts = EXCLUDED.attempts, created_at = EXCLUDED.created_at, last_attempt_at = EXCLUDED.last_attempt_at
         RETURNING ${DEAD_LETTER_SELECT}`,
        deadLetterParams(stored),
      );
      return row ? rowToDeadLetter(row) : stored;
    },

    async listDeadLetters(query = {}) {
      return page(DEAD_LETTER_SELECT, table('dead_letters'), [], [], rowToDeadLetter, (entry) => ({ at: entry.createdAt, id: entry.id }), query);
    },

    async updateDeadLetter(entry) {
      await executor.query(
        `UPDATE ${table('dead_letters')} SET stage = $2, adapter_id = $3, payload = $4::jsonb, error = $5::jsonb, attempts = $6,
           created_at = $7::timestamptz, last_attempt_at = $8::timestamptz WHERE tenant = {tenant} AND id = $1`,
        deadLetterParams(entry),
      );
    },

    async removeDeadLetter(id) {
      return (await executor.query(`DELETE FROM ${table('dead_letters')} WHERE tenant = {tenant} AND id = $1 RETURNING id`, [id])).length > 0;
    },

    async getConsent(identityKey) {
      return one(executor.query(`SELECT ${CONSENT_SELECT} FROM ${table('consents')} WHERE tenant = {tenant} AND identity_key = $1`, [identityKey]), rowToConsent);
    },

    async setConsent(record) {
      await executor.query(
        `INSERT INTO ${table('consents')} (tenant, identity_key, status, purpose, source, updated_at, channel_metadata) VALUES ({tenant}, $1, $2, $3, $4, $5::timestamptz, $6::jsonb)
         ON CONFLICT (tenant, identity_key) DO UPDATE SET status = EXCLUDED.status, purpose = EXCLUDED.purpose, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at, channel_metadata = EXCLUDED.channel_metadata`,
        [record.identityKey, record.status, record.purpose ?? 'all', record.source, record.updatedAt, record.channelMetadata ? json(record.channelMetadata) : null],
      );
    },

    async exportCustomer(customerId) {
      return transaction(async (run) => {
        const found = await footprint(run, customerId);
        if (!found) return null;
        return {
          customer: found.customer,
          mergedCustomers: found.customers.filter((customer) => customer.id !== customerId),
          identities: found.identities,
          interactions: found.interactions.sort((a, b) => comparePositions({ at: a.createdAt, id: a.id }, { at: b.createdAt, id: b.id })),
          merges: found.merges,
          consents: found.consents,
          suggestions: found.suggestions,
          deadLetters: found.deadLetters,
          outbox: found.outbox,
          sends: found.sends,
          cursors: found.cursors,
        };
      });
    },

    async eraseCustomer(customerId) {
      return transaction(async (run): Promise<EraseResult> => {
        const found = await footprint(run, customerId, true);
        if (!found) return emptyErase(customerId);
        for (const interaction of found.interactions) await writeInteraction(run, erasedInteraction(interaction, found.renamed.get(interaction.conversationId)));
        const ids = <Row extends object>(rows: Row[], field: keyof Row) => rows.map((row) => String(row[field]));
        await run.query(`DELETE FROM ${table('identities')} WHERE tenant = {tenant} AND key = ANY($1::text[])`, [ids(found.identities, 'key')]);
        await run.query(`DELETE FROM ${table('identity_blocking_keys')} WHERE tenant = {tenant} AND identity_key = ANY($1::text[])`, [ids(found.identities, 'key')]);
        await run.query(`DELETE FROM ${table('consents')} WHERE tenant = {tenant} AND identity_key = ANY($1::text[])`, [ids(found.consents, 'identityKey')]);
        for (const merge of found.merges.map(erasedMerge)) {
          await run.query(`UPDATE ${table('merges')} SET evidence = $2::jsonb, snapshot = $3::jsonb WHERE tenant = {tenant} AND id = $1`, [merge.id, json(merge.evidence), json(merge.snapshot)]);
        }
        await run.query(`DELETE FROM ${table('merge_suggestions')} WHERE tenant = {tenant} AND id = ANY($1::text[])`, [ids(found.suggestions, 'id')]);
        for (const record of found.sends) await run.query(updateSendStatement(table('sends')), sendParams(erasedSend(record)));
        await run.query(`DELETE FROM ${table('dead_letters')} WHERE tenant = {tenant} AND id = ANY($1::text[])`, [ids(found.deadLetters, 'id')]);
        await run.query(`DELETE FROM ${table('outbox')} WHERE tenant = {tenant} AND id = ANY($1::text[])`, [ids(found.outbox, 'id')]);
        await run.query(`DELETE FROM ${table('poll_cursors')} WHERE tenant = {tenant} AND (adapter_id, stream) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, [
          ids(found.cursors, 'adapterId'),
          ids(found.cursors, 'stream'),
        ]);
        for (const customer of found.customers) {
          await run.query(
            `UPDATE ${table('customers')} SET display_name = $2, crm_contact_id = $3, identity_keys = $4::text[], attributes = $5::jsonb, merged_into = $6,
               created_at = $7::timestamptz, updated_at = $8::timestamptz, details = $9::jsonb WHERE tenant = {tenant} AND id = $1`,
            customerParams(erasedCustomer(customer)),
          );
        }
        return eraseResultOf(customerId, found);
      });
    },
  };
  return operations;
}

/** Rows per multi-row INSERT: 500 x 17 parameters stays far below PostgreSQL's 65,535. */
const APPEND_CHUNK = 500;

/** The columns of an upsert, with their casts, and the key a conflict is detected on. */
interface Upsert {
  columns: ReadonlyArray<readonly [name: string, cast: string]>;
  key: string;
  /** Makes the statement around the upsert, to keep a side table up to date in the same statement. */
  around?: (upsert: string, schema: string) => string;
}

const CUSTOMER_UPSERT: Upsert = {
  columns: [
    ['id', ''],
    ['display_name', ''],
    ['crm_contact_id', ''],
    ['identity_keys', '::text[]'],
    ['attributes', '::jsonb'],
    ['merged_into', ''],
    ['created_at', '::timestamptz'],
    ['updated_at', '::timestamptz'],
    ['details', '::jsonb'],
  ],
  key: 'id',
};

const IDENTITY_UPSERT: Upsert = {
  columns: [
    ['key', ''],
    ['customer_id', ''],
    ['identity', '::jsonb'],
    ['blocking_keys', '::text[]'],
    ['attested', ''],
    ['first_seen_at', '::timestamptz'],
    ['last_seen_at', '::timestamptz'],
  ],
  key: 'key',
  // identity_blocking_keys holds one row per (blocking key, identity), in the same statement: the
  // keys a record no longer has go, its current ones are there afterwards. The candidate search
  // also checks the array, so a row left by two writers racing on one identity finds nothing wrong.
  around: (upsert, schema) => `WITH saved AS (${upsert} RETURNING key, blocking_keys),
    stale AS (DELETE FROM ${schema}.identity_blocking_keys AS row USING saved
      WHERE row.tenant = {tenant} AND row.identity_key = saved.key AND NOT (row.key = ANY(saved.blocking_keys)))
    INSERT INTO ${schema}.identity_blocking_keys (tenant, key, identity_key)
    SELECT {tenant}, blocking.key, saved.key FROM saved, unnest(saved.blocking_keys) AS blocking(key)
    ON CONFLICT (tenant, key, identity_key) DO NOTHING`,
};

function identityParams(record: IdentityRecord): unknown[] {
  return [record.key, record.customerId, json(record.identity), [...new Set(record.blockingKeys)], record.attested, record.firstSeenAt, record.lastSeenAt];
}

/** The last item of each key, in the order of their first appearance (one statement may not update a row twice). */
function lastOfEach<T>(items: T[], keyOf: (item: T) => string): T[] {
  const last = new Map<string, T>();
  for (const item of items) last.set(keyOf(item), item);
  return [...last.values()];
}

/** Inserts or replaces rows (parameters in the upsert's column order), {@link APPEND_CHUNK} per statement. */
async function upsertMany(executor: SqlExecutor, schema: string, table: string, upsert: Upsert, rows: unknown[][]): Promise<void> {
  const names = upsert.columns.map(([name]) => name);
  const updates = names.filter((name) => name !== upsert.key).map((name) => `${name} = EXCLUDED.${name}`);
  for (let start = 0; start < rows.length; start += APPEND_CHUNK) {
    const chunk = rows.slice(start, start + APPEND_CHUNK);
    const values = chunk.map((_, row) => `({tenant}, ${upsert.columns.map(([, cast], column) => `$${row * names.length + column + 1}${cast}`).join(', ')})`);
    const statement = `INSERT INTO ${schema}.${table} (tenant, ${names.join(', ')}) VALUES ${values.join(', ')} ON CONFLICT (tenant, ${upsert.key}) DO UPDATE SET ${updates.join(', ')}`;
    await executor.query(upsert.around ? upsert.around(statement, schema) : statement, chunk.flat());
  }
}

async function appendMany(schema: string, executor: SqlExecutor, ledger: InteractionLedger, interactions: Interaction[]): Promise<AppendResult[]> {
  if (interactions.length === 0) return [];
  const stored = new Map<string, Interaction>();
  const firsts = new Map<string, Interaction>();
  for (const interaction of interactions) if (!firsts.has(interaction.id)) firsts.set(interaction.id, interaction);
  const unique = [...firsts.values()];
  for (let start = 0; start < unique.length; start += APPEND_CHUNK) {
    const chunk = unique.slice(start, start + APPEND_CHUNK);
    const rows = await executor.query(
      `INSERT INTO ${schema}.interactions (tenant, ${INTERACTION_COLUMNS.join(', ')}) VALUES ${chunk.map((_, index) => `({tenant}, ${interactionPlaceholders(index * INTERACTION_COLUMNS.length)})`).join(', ')}
       ON CONFLICT (tenant, id) DO NOTHING RETURNING ${INTERACTION_SELECT}`,
      chunk.flatMap(interactionParams),
    );
    for (const row of rows) stored.set(String(row.id), rowToInteraction(row));
  }
  const inserted = new Set(stored.keys());
  const missing = unique.filter((interaction) => !inserted.has(interaction.id)).map((interaction) => interaction.id);
  if (missing.length) {
    const rows = await executor.query(`SELECT ${INTERACTION_SELECT} FROM ${schema}.interactions WHERE tenant = {tenant} AND id = ANY($1::text[])`, [missing]);
    for (const row of rows) stored.set(String(row.id), rowToInteraction(row));
  }
  const reported = new Set<string>();
  return Promise.all(
    interactions.map(async (interaction) => {
      const first = inserted.has(interaction.id) && !reported.has(interaction.id);
      reported.add(interaction.id);
      const interactionStored = stored.get(interaction.id) ?? (await ledger.getInteraction(interaction.id));
      if (!interactionStored) throw new Error(`[social-crm] Interaction \`${interaction.id}\` conflicted on insert but cannot be read back.`);
      return { inserted: first, interaction: interactionStored };
    }),
  );
}

/** `unnest` of one array per interaction column, with the casts of {@link castOf}. */
const RECEIVED_COLUMNS = INTERACTION_COLUMNS.map((column, index) => `$${index + 1}::${castOf(column).slice(2) || 'text'}[]`).join(', ');

/**
 * The pipeline's append: one statement whatever the batch size (one array parameter per column,
 * so the statement text never changes), each new row taking its author's customer from the
 * identity record where asked, answering only the ids it inserted and their customers.
 */
async function appendReceived(schema: string, executor: SqlExecutor, items: ReceivedInteraction[]): Promise<ReceivedResult[]> {
  if (items.length === 0) return [];
  const firsts = new Map<string, ReceivedInteraction>();
  for (const item of items) if (!firsts.has(item.interaction.id)) firsts.set(item.interaction.id, item);
  const unique = [...firsts.values()];
  const columns = INTERACTION_COLUMNS.map(() => [] as unknown[]);
  for (const item of unique) interactionParams(item.interaction).forEach((value, index) => columns[index]!.push(value));
  const selected = INTERACTION_COLUMNS.map((column) =>
    column === 'customer_id'
      ? `COALESCE(CASE WHEN received.follow THEN (SELECT owner.customer_id FROM ${schema}.identities AS owner WHERE owner.tenant = {tenant} AND owner.key = received.author_key) END, received.customer_id)`
      : `received.${column}`,
  );
  const rows = await executor.query<{ id: string; customer_id: string | null }>(
    `INSERT INTO ${schema}.interactions (tenant, ${INTERACTION_COLUMNS.join(', ')})
     SELECT {tenant}, ${selected.join(', ')}
     FROM unnest(${RECEIVED_COLUMNS}, $${INTERACTION_COLUMNS.length + 1}::boolean[]) AS received(${INTERACTION_COLUMNS.join(', ')}, follow)
     ON CONFLICT (tenant, id) DO NOTHING
     RETURNING id, customer_id`,
    [...columns, unique.map((item) => item.followAuthor === true)],
  );
  const stored = new Map(rows.map((row) => [String(row.id), row.customer_id]));
  return items.map((item) => {
    const id = item.interaction.id;
    if (!stored.has(id)) return { inserted: false };
    const customerId = stored.get(id);
    stored.delete(id); // a repeat later in the batch was not inserted
    return customerId === null || customerId === undefined ? { inserted: true } : { inserted: true, customerId };
  });
}

/** Replaces a send by key, with {@link sendParams} as parameters. */
function updateSendStatement(sends: string): string {
  return `UPDATE ${sends} SET channel = $2, in_reply_to = $3, state = $4, reply = $5::jsonb, attempts = $6, interaction_id = $7, error = $8::jsonb,
    created_at = $9::timestamptz, updated_at = $10::timestamptz, details = $11::jsonb WHERE tenant = {tenant} AND key = $1`;
}

function deadLetterParams(entry: DeadLetter): unknown[] {
  return [entry.id, entry.stage, entry.adapterId ?? null, json(entry.payload), json(entry.error), entry.attempts, entry.createdAt, entry.lastAttemptAt];
}
