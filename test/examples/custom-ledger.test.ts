import { describeLedger } from 'social-crm/testing';
import { tableLedger } from '../../examples/custom-ledger/sqlite-like-ledger.js';

describeLedger('examples/custom-ledger tableLedger()', {
  // The oracle reads the raw rows of the very ledger create made: no module-level state.
  create: () => {
    const ledger = tableLedger();
    return {
      ledger,
      oracle: {
        readInteraction: async (id: string) => {
          const row = ledger.tables.interactions.get(id);
          return row === undefined ? null : (JSON.parse(row) as { text: string; state: string });
        },
      },
    };
  },
});
