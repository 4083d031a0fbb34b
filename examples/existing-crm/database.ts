/** The two databases the example runs on, behind the ledger's small `SqlDatabase` interface. */
import type { PGlite } from '@electric-sql/pglite';
import type { Pool } from 'pg';
import type { SqlDatabase } from './crm-ledger.js';

/** An embedded PGlite: one connection, transactions through `PGlite.transaction`. */
export function pgliteDatabase(database: PGlite): SqlDatabase {
  return {
    query: (text, params) => database.query(text, params),
    execute: async (script) => void (await database.exec(script)),
    transaction: (task) => database.transaction((transaction) => task({ query: (text, params) => transaction.query(text, params) })),
  };
}

/** A `pg` Pool: each transaction checks out one client for BEGIN ... COMMIT. */
export function poolDatabase(pool: Pool): SqlDatabase {
  return {
    query: (text, params) => pool.query(text, params),
    execute: async (script) => void (await pool.query(script)),
    async transaction(task) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await task({ query: (text, params) => client.query(text, params) });
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}
