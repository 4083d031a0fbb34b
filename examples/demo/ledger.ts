/**
 * Where the demo stores what it replays: `memoryLedger()` by default, or, with `--db <folder>`,
 * the PostgreSQL ledger embedded through PGlite in that folder, so a second run finds the first
 * run's interactions, stores the redelivered webhooks once, sends no agent answer twice (their
 * idempotency keys are stable) and prints the same report (see replay.ts).
 */
import { parseArgs } from 'node:util';
import { memoryLedger, type InteractionLedger } from 'social-crm';

export interface DemoLedger {
  ledger: InteractionLedger;
  /** One line for the report: what holds the data. */
  description: string;
}

/** `--db <folder>`: keep the data in an embedded PostgreSQL (PGlite) in that folder. */
export function demoDatabaseArgument(argv: readonly string[]): string | undefined {
  const { values } = parseArgs({ args: [...argv], options: { db: { type: 'string' } }, strict: false, allowPositionals: true });
  const folder = values.db;
  if (folder === true || folder === '') throw new Error('`--db` needs a folder, e.g. `npm run demo -- --db ./demo-data`.');
  return typeof folder === 'string' ? folder : undefined;
}

export async function openDemoLedger(database: string | undefined): Promise<DemoLedger> {
  if (!database) return { ledger: memoryLedger(), description: 'memoryLedger() (in memory; pass --db <folder> to keep the data)' };
  // Loaded only when asked for, so the default demo does not start PGlite.
  const { postgresLedger } = await import('social-crm/ledgers/postgres');
  const ledger = postgresLedger({ pglite: database });
  return { ledger, description: `postgresLedger on PGlite in ${database}` };
}
