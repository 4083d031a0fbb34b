/**
 * The ledger kit against host ledgers with one seeded mistake each (test/kits/broken-ledgers.ts):
 * each mistake must fail the kit with a message that names the broken rule, and the same host
 * ledger without a mistake must pass every check.
 */
import { describe, expect, it } from 'vitest';
import type { InteractionLedger } from 'social-crm';
import { checkLedger, type ConformanceResult } from 'social-crm/testing';
import { SEEDED_LEDGER_MISTAKES, hostLedger } from './broken-ledgers.js';

const failures = (results: ConformanceResult[]) => results.filter((result) => result.status === 'failed');

describe('the ledger kit catches what hosts get wrong', () => {
  it('passes the host ledger without a mistake (so every failure below is the mistake)', async () => {
    const results = await checkLedger({ create: () => hostLedger() });
    expect(failures(results).map((result) => result.message)).toEqual([]);
    expect(results.filter((result) => result.status === 'passed').length).toBeGreaterThan(20);
  });

  it.each(SEEDED_LEDGER_MISTAKES.map((mistake) => [mistake.name, mistake] as const))('catches a ledger that %s', async (_name, mistake) => {
    const failed = failures(await checkLedger({ create: mistake.make }));
    expect(failed.length, 'the kit let the mistake through').toBeGreaterThan(0);
    for (const failure of failed) expect(failure.message).toMatch(/^Ledger contract rule broken \(.+ › .+\):\n/);
    expect(failed.map((failure) => failure.message).join('\n\n')).toContain(mistake.caughtBy);
  });

  it('gives the oracle the ledger that create made for the check', async () => {
    const seen: Array<[unknown, unknown]> = [];
    let current: InteractionLedger;
    const results = await checkLedger({
      create: () => (current = hostLedger().ledger),
      oracle: {
        readInteraction: async (id, given) => {
          seen.push([given, current]);
          const row = await current.getInteraction(id);
          return row && { text: row.text, state: row.state };
        },
      },
      skip: ['pagination', 'concurrency', 'customers', 'merges', 'operations', 'review', 'locking', 'outbox', 'sends', 'batch'],
    });
    expect(failures(results).map((result) => result.message)).toEqual([]);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every(([given, created]) => given === created), 'the oracle gets the ledger create made for the check').toBe(true);
  });
});
