import { describe, expect, it } from 'vitest';
import { composeLedger, InvalidOptionsError, type LedgerParts } from 'social-crm';
import { makeCustomer, makeInteraction } from 'social-crm/testing';
import { tableParts, type Tables } from '../../examples/custom-ledger/sqlite-like-ledger.js';

const tables = (): Tables => ({ interactions: new Map(), customers: new Map(), side: new Map() });

describe('composeLedger()', () => {
  it('names every missing part', () => {
    const { scanCustomers: _scan, side: _side, ...rest } = tableParts(tables());
    expect(() => composeLedger(rest as LedgerParts)).toThrow(InvalidOptionsError);
    expect(() => composeLedger(rest as LedgerParts)).toThrow(/`scanCustomers`, `side`/);
  });

  it("uses a host's own method instead of the derived one", async () => {
    const calls: string[][] = [];
    const ledger = composeLedger({ ...tableParts(tables()), assignInteractions: async (keys) => (calls.push(keys), 7) });
    expect(await ledger.assignInteractions(['test:a'], 'c1')).toBe(7);
    expect(calls).toEqual([['test:a']]);
  });

  it('refuses a cursor it did not issue with a typed error', async () => {
    const ledger = composeLedger(tableParts(tables()));
    await expect(ledger.queryInteractions({ cursor: 'not-a-cursor' })).rejects.toThrow(InvalidOptionsError);
  });

  it('erases inside the host transaction, with the parts it binds', async () => {
    const store = tables();
    const parts = tableParts(store);
    const scopes: string[] = [];
    const ledger = composeLedger({ ...parts, atomic: (task) => (scopes.push('open'), task({ ...parts, putInteraction: async (row) => (scopes.push(`put ${row.id}`), parts.putInteraction(row)) })) });
    await ledger.saveCustomer(makeCustomer({ id: 'c1' }));
    const interaction = makeInteraction({ customerId: 'c1', text: 'Kargom nerede?' });
    await ledger.appendInteraction(interaction);
    await ledger.eraseCustomer('c1');
    expect(scopes).toEqual(['open', `put ${interaction.id}`]);
    expect((await ledger.getInteraction(interaction.id))?.text).toBe('');
  });
});
