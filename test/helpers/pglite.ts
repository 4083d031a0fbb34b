import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll } from 'vitest';

/**
 * One embedded PostgreSQL for the whole test file (startup takes seconds), opened before the
 * tests and closed after them. Call at the top level of the file; the getter is valid in tests.
 */
export function sharedPglite(): () => PGlite {
  let pglite: PGlite | undefined;
  beforeAll(async () => {
    pglite = new PGlite();
    await pglite.waitReady;
  });
  afterAll(async () => {
    await pglite?.close();
  });
  return () => {
    if (!pglite) throw new Error('sharedPglite(): the database is opened in beforeAll; use it inside tests.');
    return pglite;
  };
}
