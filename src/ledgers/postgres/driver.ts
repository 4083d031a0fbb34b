/**
 * The tiny SQL driver the PostgreSQL ledger runs on: `query(sql, params)` and
 * `transaction(fn)`, implemented twice, over a `pg` Pool and over PGlite. Both libraries are
 * optional peer dependencies, imported on first use only.
 *
 * @internal
 */
import { optionalPeer } from '../../_peers.js';

/** A row as both drivers return it: column name to parsed value. */
export type SqlRow = Record<string, unknown>;

/** Runs one statement. Inside a transaction every statement uses the same connection. */
export interface SqlExecutor {
  query<Row extends SqlRow = SqlRow>(sql: string, params?: unknown[]): Promise<Row[]>;
}

/** A connection source: statements, transactions, and the end of it all. */
export interface SqlDriver extends SqlExecutor {
  readonly kind: 'pg' | 'pglite';
  /** Runs `fn` in one transaction (BEGIN ... COMMIT, ROLLBACK on a throw). */
  transaction<T>(fn: (executor: SqlExecutor) => Promise<T>): Promise<T>;
  /** Releases what the driver opened itself; a caller's pool or PGlite stays open. */
  close(): Promise<void>;
}

/**
 * The part of a `pg` Pool the ledger uses. Structural, so that the published types do not
 * depend on `@types/pg`.
 */
export interface PostgresPool {
  query(sql: string, params?: unknown[]): Promise<{ rows: SqlRow[] }>;
  connect(): Promise<PostgresPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** A client checked out of a {@link PostgresPool}. */
export interface PostgresPoolClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: SqlRow[] }>;
  /** Passing an error destroys the connection instead of returning it to the pool. */
  release(error?: Error | boolean): void;
}

/** The part of a PGlite instance the ledger uses. */
export interface PGliteDatabase {
  query(sql: string, params?: unknown[]): Promise<{ rows: SqlRow[] }>;
  transaction<T>(fn: (transaction: { query(sql: string, params?: unknown[]): Promise<{ rows: SqlRow[] }> }) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  readonly waitReady?: Promise<void>;
}

/** How transient failures (dropped connections, restarts, serialisation conflicts) are retried. */
export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  /** First back-off; doubles on each try, with jitter. */
  baseDelayMs: number;
}

/** SQLSTATE classes and codes that mean "try again on a fresh connection". */
const TRANSIENT_CODES = new Set(['57P01', '57P02', '57P03', '40001', '40P01', '53300', '55P03']);
const TRANSIENT_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTCONN', 'EHOSTUNREACH']);
const TRANSIENT_MESSAGES = [/connection terminated/i, /terminating connection/i, /not queryable/i, /connection .*(closed|ended)/i, /timeout exceeded when trying to connect/i];

/** True when repeating the statement on a new connection may succeed. */
export function isTransientError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || code.startsWith('08') || TRANSIENT_NODE_CODES.has(code))) return true;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * Runs `task` until it succeeds, fails with a non-transient error, or the tries run out.
 * Safe because every statement the ledger issues is idempotent or runs in a transaction that
 * is retried as a whole.
 */
export async function withRetry<T>(policy: RetryPolicy, task: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= policy.attempts || !isTransientError(error)) throw error;
      const delay = policy.baseDelayMs * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * delay));
    }
  }
}

/** PostgreSQL text cannot hold NUL; it is stored as U+FFFD instead of failing the write. */
function clean(params: unknown[]): unknown[] {
  return params.map((value) =>
    typeof value === 'string' ? value.replaceAll('\u0000', '\ufffd') : Array.isArray(value) ? clean(value) : value,
  );
}

/**
 * The rows of the last statement: a string of several statements (sent without parameters)
 * answers one result per statement.
 */
function rowsOf(result: { rows: SqlRow[] } | Array<{ rows: SqlRow[] }>): SqlRow[] {
  return (Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows);
}

/**
 * A SQL string literal, right under either setting of `standard_conforming_strings`. Text with a
 * backslash or `{` is written as an escape string (`E'…'`) with `{` as `\x7b`, so that no
 * placeholder the ledger binds (`{tenant}`) can appear in the statement. NUL, which text cannot
 * hold, becomes U+FFFD as in parameters.
 */
export function quoteLiteral(value: string): string {
  const text = value.replaceAll('\u0000', '\ufffd').replaceAll("'", "''");
  if (!/[\\{]/.test(text)) return `'${text}'`;
  return `E'${text.replaceAll('\\', '\\\\').replaceAll('{', '\\x7b')}'`;
}

/** A driver over a `pg` Pool: statements go to any pooled connection, transactions pin one. */
export function poolDriver(pool: PostgresPool, owned: boolean, retry: RetryPolicy): SqlDriver {
  return {
    kind: 'pg',
    async query<Row extends SqlRow>(sql: string, params: unknown[] = []) {
      return withRetry(retry, async () => (await pool.query(sql, clean(params))).rows as Row[]);
    },
    async transaction<T>(fn: (executor: SqlExecutor) => Promise<T>) {
      return withRetry(retry, async () => {
        const client = await pool.connect();
        let failure: unknown;
        let begun = false;
        try {
          const result = await fn({
            query: async <Row extends SqlRow>(sql: string, params: unknown[] = []) => {
              if (begun) return (await client.query(sql, clean(params))).rows as Row[];
              begun = true;
              // BEGIN travels with a first statement that has no parameters: one round trip for both.
              if (params.length === 0) return rowsOf(await client.query(`BEGIN; ${sql}`)) as Row[];
              await client.query('BEGIN');
              return (await client.query(sql, clean(params))).rows as Row[];
            },
          });
          if (begun) await client.query('COMMIT');
          return result;
        } catch (error) {
          failure = error;
          if (begun && !isTransientError(error)) await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          // A connection that failed underneath is destroyed, never handed to the next caller.
          client.release(failure !== undefined && isTransientError(failure) ? (failure as Error) : undefined);
        }
      });
    },
    async close() {
      if (owned) await pool.end();
    },
  };
}

/** A driver over PGlite. PGlite has one connection and queues statements behind transactions. */
export function pgliteDriver(database: PGliteDatabase, owned: boolean): SqlDriver {
  return {
    kind: 'pglite',
    async query<Row extends SqlRow>(sql: string, params: unknown[] = []) {
      return (await database.query(sql, clean(params))).rows as Row[];
    },
    async transaction<T>(fn: (executor: SqlExecutor) => Promise<T>) {
      return database.transaction((transaction) =>
        fn({ query: async <Row extends SqlRow>(sql: string, params: unknown[] = []) => (await transaction.query(sql, clean(params))).rows as Row[] }),
      );
    },
    async close() {
      if (owned) await database.close();
    },
  };
}

/** What the ledger was given, after validation. */
export type DriverSource =
  | { type: 'connection-string'; connectionString: string; maxConnections?: number }
  | { type: 'pool'; pool: PostgresPool }
  | { type: 'pglite-directory'; dataDirectory: string }
  | { type: 'pglite'; database: PGliteDatabase };

type PoolConstructor = new (config: { connectionString: string; max?: number }) => PostgresPool;
type PGliteConstructor = new (dataDirectory?: string) => PGliteDatabase;

/** `pg`, by a literal specifier (bundlers and file tracers see it), loaded once. */
const loadPg = optionalPeer('The PostgreSQL ledger (`connectionString`)', ['pg'], async () => {
  const module = (await import('pg')) as unknown as { Pool?: PoolConstructor; default?: { Pool?: PoolConstructor } };
  const Pool = module.Pool ?? module.default?.Pool;
  if (!Pool) throw new Error('[social-crm] The `pg` module has no `Pool` export; install pg 8 or newer.');
  return Pool;
});

/** `@electric-sql/pglite`, by a literal specifier, loaded once. */
const loadPglite = optionalPeer('The PostgreSQL ledger on PGlite (`pglite: directory`)', ['@electric-sql/pglite'], async () => {
  const module = (await import('@electric-sql/pglite')) as unknown as { PGlite?: PGliteConstructor };
  if (!module.PGlite) throw new Error('[social-crm] The `@electric-sql/pglite` module has no `PGlite` export.');
  return module.PGlite;
});

/**
 * Starts importing the peer `source` needs, if any: called when the ledger is created, so that a
 * missing package is known (as a `MissingDependencyError`) before the first call needs it.
 */
export function preloadPeer(source: DriverSource): void {
  if (source.type === 'connection-string') void loadPg();
  else if (source.type === 'pglite-directory') void loadPglite();
}

/** Opens the driver; `pg` or `@electric-sql/pglite` are imported on first use only. */
export async function openDriver(source: DriverSource, retry: RetryPolicy): Promise<SqlDriver> {
  switch (source.type) {
    case 'pool':
      return poolDriver(source.pool, false, retry);
    case 'pglite':
      if (source.database.waitReady) await source.database.waitReady;
      return pgliteDriver(source.database, false);
    case 'connection-string': {
      const Pool = await loadPg();
      const pool = new Pool({ connectionString: source.connectionString, ...(source.maxConnections ? { max: source.maxConnections } : {}) });
      // Idle connections die when the server restarts; without a listener that would crash the host.
      pool.on('error', () => undefined);
      return poolDriver(pool, true, retry);
    }
    case 'pglite-directory': {
      const PGlite = await loadPglite();
      const database = new PGlite(source.dataDirectory === 'memory://' ? undefined : source.dataDirectory);
      if (database.waitReady) await database.waitReady;
      return pgliteDriver(database, true);
    }
  }
}
