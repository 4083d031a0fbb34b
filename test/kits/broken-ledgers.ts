/**
 * Host ledgers with one deliberate mistake each, the kind a host makes mapping the port onto its
 * own tables. Each wraps the required methods of a memory ledger (as a host ledger has no optional
 * groups) and breaks one rule; `caughtBy` is the rule the ledger kit must name when it fails.
 */
import { memoryLedger, type Customer, type Interaction, type InteractionLedger, type InteractionQuery, type Page } from 'social-crm';
import type { LedgerUnderTest } from 'social-crm/testing';

type Required = Omit<InteractionLedger, 'saveSuggestion' | 'listSuggestions' | 'removeSuggestion' | 'withLocks' | 'transaction' | 'appendOutbox' | 'claimOutbox' | 'settleOutbox' | 'listOutbox' | 'createSend' | 'getSend' | 'updateSend' | 'listSends' | 'getInteractions' | 'appendInteractions' | 'getIdentities' | 'getCustomers' | 'saveCustomers' | 'saveIdentities'>;

const REQUIRED_METHODS = [
  'appendInteraction', 'updateInteraction', 'getInteraction', 'queryInteractions', 'assignInteractions',
  'getCustomer', 'saveCustomer', 'listCustomers', 'getIdentity', 'saveIdentity', 'listIdentities', 'findIdentitiesByBlockingKeys', 'saveMerge', 'getMerge', 'listMerges',
  'getCursor', 'setCursor', 'addDeadLetter', 'listDeadLetters', 'updateDeadLetter', 'removeDeadLetter', 'getConsent', 'setConsent',
  'exportCustomer', 'eraseCustomer',
] as const satisfies ReadonlyArray<keyof Required>;

/**
 * A host ledger over a memory ledger (its "tables"): the 25 required methods, `broken` replacing
 * some of them. The oracle reads the tables directly, as a host's oracle reads its SQL rows.
 */
export function hostLedger(broken: (tables: InteractionLedger) => Partial<Required> = () => ({})): LedgerUnderTest {
  const tables = memoryLedger();
  const ledger = Object.fromEntries(REQUIRED_METHODS.map((name) => [name, (tables[name] as (...args: unknown[]) => unknown).bind(tables)])) as unknown as InteractionLedger;
  Object.assign(ledger, broken(tables));
  return {
    ledger,
    oracle: {
      readInteraction: async (id) => {
        const row = await tables.getInteraction(id);
        return row && { text: row.text, state: row.state, customerId: row.customerId ?? null };
      },
    },
  };
}

const withoutMergedInto = ({ mergedInto: _dropped, ...customer }: Customer): Customer => customer;

async function everyRow(tables: InteractionLedger, query: InteractionQuery): Promise<Interaction[]> {
  const rows: Interaction[] = [];
  let cursor: string | undefined;
  do {
    const page = await tables.queryInteractions({ ...query, limit: 1000, ...(cursor ? { cursor } : {}) });
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

const byId = (left: { id: string }, right: { id: string }) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0);

export interface SeededLedgerMistake {
  name: string;
  make: () => LedgerUnderTest;
  /** Text the failure must contain: the rule the kit names. */
  caughtBy: string;
}

export const SEEDED_LEDGER_MISTAKES: SeededLedgerMistake[] = [
  {
    name: 'drops mergedInto when mapping a customer row (the list filter still works in SQL)',
    make: () =>
      hostLedger((tables) => ({
        getCustomer: async (id) => {
          const customer = await tables.getCustomer(id);
          return customer && withoutMergedInto(customer);
        },
        listCustomers: async (query) => {
          const page = await tables.listCustomers(query);
          return { ...page, items: page.items.map(withoutMergedInto) };
        },
      })),
    caughtBy: 'rule: getCustomer returns every field saved, mergedInto included',
  },
  {
    name: 'drops crmContactId (no column for it)',
    make: () => hostLedger((tables) => ({ saveCustomer: async ({ crmContactId: _dropped, ...customer }) => tables.saveCustomer(customer) })),
    caughtBy: 'rule: getCustomer returns every field saved',
  },
  {
    name: 'lists customers by id instead of (createdAt, id)',
    make: () =>
      hostLedger((tables) => ({
        listCustomers: async (query = {}) => {
          const all = (await tables.listCustomers({ ...query, limit: 1000, cursor: undefined })).items.sort(byId);
          const start = query.cursor ? all.findIndex((customer) => customer.id === query.cursor) + 1 : 0;
          const size = query.limit ?? 100;
          const items = all.slice(start, start + size);
          return { items, nextCursor: start + size < all.length ? items.at(-1)!.id : null };
        },
      })),
    caughtBy: 'rule: listCustomers is ordered by (createdAt, id)',
  },
  {
    name: 'lists dead letters newest first',
    make: () =>
      hostLedger((tables) => ({
        listDeadLetters: async (query = {}) => {
          const page = await tables.listDeadLetters({ limit: 1000 });
          return { items: page.items.reverse().slice(0, query.limit ?? 100), nextCursor: null };
        },
      })),
    caughtBy: 'rule: listDeadLetters is ordered oldest first',
  },
  {
    name: 'ignores the limit of listDeadLetters',
    make: () => hostLedger((tables) => ({ listDeadLetters: async () => tables.listDeadLetters({ limit: 1000 }) })),
    caughtBy: 'rule: listDeadLetters returns at most `limit` entries',
  },
  {
    name: 'ignores `until`',
    make: () => hostLedger((tables) => ({ queryInteractions: async ({ until: _ignored, ...query }) => tables.queryInteractions(query) })),
    caughtBy: 'rule: `until` is an exclusive upper bound on createdAt',
  },
  {
    name: 'treats `until` as inclusive',
    make: () =>
      hostLedger((tables) => ({
        queryInteractions: async ({ until, ...query }) =>
          tables.queryInteractions({ ...query, ...(until ? { until: new Date(Date.parse(until) + 1).toISOString() } : {}) }),
      })),
    caughtBy: 'rule: `until` is an exclusive upper bound on createdAt',
  },
  {
    name: 'drops the filters on every page after the first (the cursor only keeps the position)',
    make: () =>
      hostLedger((tables) => ({
        queryInteractions: async (query) =>
          query.cursor ? tables.queryInteractions({ cursor: query.cursor, ...(query.limit ? { limit: query.limit } : {}), ...(query.order ? { order: query.order } : {}), ...(query.includeDeleted ? { includeDeleted: true } : {}) }) : tables.queryInteractions(query),
      })),
    caughtBy: 'rule: every page keeps the filters of the query',
  },
  {
    name: 'ignores the limit of queryInteractions (returns everything on one page)',
    make: () => hostLedger((tables) => ({ queryInteractions: async (query): Promise<Page<Interaction>> => ({ items: await everyRow(tables, query), nextCursor: null }) })),
    caughtBy: 'rule: a page holds at most `limit` rows',
  },
  {
    name: 'stores an edit without its editedAt (versions cannot be told apart)',
    make: () =>
      hostLedger((tables) => ({
        updateInteraction: async (id, { editedAt: _dropped, ...patch }) => {
          const updated = await tables.updateInteraction(id, patch);
          return updated && { ...updated, ...(_dropped ? { editedAt: _dropped } : {}) };
        },
      })),
    caughtBy: 'rule: updateInteraction stores every patched field',
  },
  {
    name: 'erase blanks the text only on the way out (the row keeps it)',
    make: () => {
      const erased = new Set<string>();
      return hostLedger((tables) => ({
        eraseCustomer: async (customerId) => {
          const before = await everyRow(tables, { customerId, includeDeleted: true });
          const texts = new Map(before.map((row) => [row.id, row.text]));
          const result = await tables.eraseCustomer(customerId);
          for (const [id, text] of texts) {
            erased.add(id);
            await tables.updateInteraction(id, { text });
          }
          return result;
        },
        getInteraction: async (id) => {
          const row = await tables.getInteraction(id);
          return row && (erased.has(id) ? { ...row, text: '' } : row);
        },
        queryInteractions: async (query) => {
          const page = await tables.queryInteractions(query);
          return { ...page, items: page.items.map((row) => (erased.has(row.id) ? { ...row, text: '' } : row)) };
        },
      }));
    },
    caughtBy: 'rule: eraseCustomer blanks the text in storage',
  },
  {
    name: "erase keeps the classifier's explanation cues (words quoted from the message)",
    make: () =>
      hostLedger((tables) => ({
        eraseCustomer: async (customerId) => {
          const before = await everyRow(tables, { includeDeleted: true });
          const result = await tables.eraseCustomer(customerId);
          for (const row of before) {
            const after = await tables.getInteraction(row.id);
            if (row.classification && after?.classification) await tables.updateInteraction(row.id, { classification: { ...after.classification, explanation: row.classification.explanation } });
          }
          return result;
        },
      })),
    caughtBy: 'rule: after eraseCustomer no read method returns',
  },
  {
    name: 'overwrites the stored row when an interaction is appended again (a redelivered webhook)',
    make: () =>
      hostLedger((tables) => ({
        appendInteraction: async (interaction) => {
          const result = await tables.appendInteraction(interaction);
          if (result.inserted) return result;
          await tables.updateInteraction(interaction.id, { text: interaction.text });
          return { inserted: true, interaction };
        },
      })),
    caughtBy: 'appends once and reports the duplicate',
  },
  {
    name: 'hides tombstones from getInteraction',
    make: () =>
      hostLedger((tables) => ({
        getInteraction: async (id) => {
          const row = await tables.getInteraction(id);
          return row?.state === 'deleted' ? null : row;
        },
      })),
    caughtBy: 'rule: getInteraction returns tombstones',
  },
  {
    name: 'resumes a cursor after its createdAt only, skipping the rows that share it',
    make: () =>
      hostLedger((tables) => ({
        queryInteractions: async (query) => {
          if (!query.cursor) return tables.queryInteractions(query);
          const [at] = query.cursor.split('|');
          const rows = (await everyRow(tables, { ...query, cursor: undefined })).filter((row) => (query.order === 'desc' ? row.createdAt < at! : row.createdAt > at!));
          const size = query.limit ?? 100;
          const items = (query.order === 'desc' ? rows.reverse() : rows).slice(0, size);
          return { items, nextCursor: rows.length > size ? `${items.at(-1)!.createdAt}|${items.at(-1)!.id}` : null };
        },
      })),
    caughtBy: 'walks every row exactly once, in (createdAt, id) order',
  },
  {
    name: 'lists merged-away customers by default',
    make: () => hostLedger((tables) => ({ listCustomers: async (query = {}) => tables.listCustomers({ ...query, includeMerged: true }) })),
    caughtBy: 'rule: listCustomers leaves merged-away customers out by default',
  },
];

