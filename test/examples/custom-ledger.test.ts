import { describeLedger } from 'social-crm/testing';
import { tableLedger } from '../../examples/custom-ledger/sqlite-like-ledger.js';

let ledger: ReturnType<typeof tableLedger>;
describeLedger('examples/custom-ledger tableLedger()', {
  create: () => (ledger = tableLedger()),
  oracle: {
    readInteraction: async (id) => {
      const row = ledger.tables.interactions.get(id);
      return row === undefined ? null : (JSON.parse(row) as { text: string; state: string });
    },
  },
});
