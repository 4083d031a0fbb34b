/**
 * The PostgreSQL ledger: a durable `InteractionLedger` on a PostgreSQL server (through
 * `pg`) or on PGlite, Postgres compiled to WebAssembly that runs in process with a data
 * directory. Both libraries are optional peer dependencies, loaded on first use.
 *
 * Tables, indexes and migrations are described in docs/ledgers/postgres.md.
 *
 * @example
 * import { postgresLedger } from 'social-crm/ledgers/postgres';
 * const ledger = postgresLedger({ connectionString: process.env.DATABASE_URL, schema: 'social_crm' });
 * const embedded = postgresLedger({ pglite: './data/crm' });
 *
 * @module social-crm/ledgers/postgres
 */
export { migratePostgresLedger, postgresLedger } from './postgres-ledger.js';
export type { PostgresLedger, PostgresLedgerOptions } from './postgres-ledger.js';
export type { MigrationResult } from './migrations.js';
export type { PGliteDatabase, PostgresPool, PostgresPoolClient } from './driver.js';
