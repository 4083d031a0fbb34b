/**
 * A host ledger implemented over plain tables (Maps of rows keyed like SQL primary keys), the
 * way a CRM would map the port onto its own storage. Rows are serialised to JSON strings, as a
 * SQL column would hold them, so no object is ever shared with the caller.
 */
import {
  erasedCustomer,
  erasedInteraction,
  erasedMerge,
  eraseResultOf,
  erasureSubjectOf,
  identityKey,
  interactionsToErase,
  relatedCustomerIds,
  subjectMatcher,
  type Customer,
  type Interaction,
} from 'social-crm';
import type { ConsentRecord, DeadLetter, IdentityRecord, InteractionLedger, MergeRecord, Page } from 'social-crm';

/** A table: primary key → row serialised as JSON. */
export type Table = Map<string, string>;

function page<Row>(rows: Row[], key: (row: Row) => string, limit = 100, cursor?: string, order: 'asc' | 'desc' = 'asc'): Page<Row> {
  const sorted = rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  if (order === 'desc') sorted.reverse();
  const after = cursor ? Buffer.from(cursor, 'base64url').toString('utf8') : undefined;
  const start = after === undefined ? sorted : sorted.filter((row) => (order === 'asc' ? key(row) > after : key(row) < after));
  const size = Math.max(1, Math.min(1000, limit));
  const items = start.slice(0, size);
  return { items, nextCursor: start.length > size ? Buffer.from(key(items.at(-1)!), 'utf8').toString('base64url') : null };
}

const TABLES = ['interactions', 'customers', 'identities', 'merges', 'cursors', 'deadLetters', 'consents'] as const;

export function tableLedger(): InteractionLedger & { tables: Record<(typeof TABLES)[number], Table> } {
  const tables = Object.fromEntries(TABLES.map((name) => [name, new Map<string, string>()])) as Record<(typeof TABLES)[number], Table>;
  const read = <Row>(table: Map<string, string>, id: string): Row | null => {
    const row = table.get(id);
    return row === undefined ? null : (JSON.parse(row) as Row);
  };
  const all = <Row>(table: Map<string, string>): Row[] => [...table.values()].map((row) => JSON.parse(row) as Row);
  const write = (table: Map<string, string>, id: string, row: unknown) => table.set(id, JSON.stringify(row));
  const orderKey = (row: { createdAt: string; id: string }) => `${row.createdAt}\u0000${row.id}`;
  let sequence = 0;

  const ledger: InteractionLedger & { tables: typeof tables } = {
    tables,
    async appendInteraction(interaction) {
      const existing = read<Interaction>(tables.interactions, interaction.id);
      if (existing) return { inserted: false, interaction: existing };
      write(tables.interactions, interaction.id, interaction);
      return { inserted: true, interaction: read<Interaction>(tables.interactions, interaction.id)! };
    },
    async updateInteraction(id, patch) {
      const existing = read<Interaction>(tables.interactions, id);
      if (!existing) return null;
      const updated: Record<string, unknown> = { ...existing, ...patch };
      for (const [field, value] of Object.entries(patch)) if (value === undefined) delete updated[field];
      write(tables.interactions, id, updated);
      return read<Interaction>(tables.interactions, id);
    },
    async getInteraction(id) {
      return read<Interaction>(tables.interactions, id);
    },
    async queryInteractions(query) {
      const rows = all<Interaction>(tables.interactions).filter(
        (row) =>
          (query.includeDeleted || row.state !== 'deleted') &&
          (query.customerId === undefined || row.customerId === query.customerId) &&
          (query.conversationId === undefined || row.conversationId === query.conversationId) &&
          (query.channel === undefined || row.channel === query.channel) &&
          (query.direction === undefined || row.direction === query.direction) &&
          (query.authorKey === undefined || identityKey(row.author) === query.authorKey) &&
          (query.since === undefined || row.createdAt >= query.since) &&
          (query.until === undefined || row.createdAt < query.until),
      );
      return page(rows, orderKey, query.limit, query.cursor, query.order);
    },
    async assignInteractions(authorKeys, customerId) {
      let changed = 0;
      for (const row of all<Interaction>(tables.interactions)) {
        if (authorKeys.includes(identityKey(row.author))) {
          write(tables.interactions, row.id, { ...row, customerId });
          changed++;
        }
      }
      return changed;
    },
    async getCustomer(id) {
      return read<Customer>(tables.customers, id);
    },
    async saveCustomer(customer) {
      write(tables.customers, customer.id, customer);
    },
    async listCustomers(query = {}) {
      return page(all<Customer>(tables.customers).filter((row) => query.includeMerged || !row.mergedInto), orderKey, query.limit, query.cursor);
    },
    async getIdentity(key) {
      return read<IdentityRecord>(tables.identities, key);
    },
    async saveIdentity(record) {
      write(tables.identities, record.key, record);
    },
    async listIdentities(customerId) {
      return all<IdentityRecord>(tables.identities).filter((row) => row.customerId === customerId);
    },
    async findIdentitiesByBlockingKeys(keys, limit = 1000) {
      return all<IdentityRecord>(tables.identities).filter((row) => row.blockingKeys.some((key) => keys.includes(key))).slice(0, limit);
    },
    async saveMerge(record) {
      write(tables.merges, record.id, record);
    },
    async getMerge(id) {
      return read<MergeRecord>(tables.merges, id);
    },
    async listMerges(customerId) {
      return all<MergeRecord>(tables.merges)
        .filter((row) => row.survivorId === customerId || row.absorbedIds.includes(customerId))
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    },
    async getCursor(adapterId, stream) {
      return tables.cursors.get(`${adapterId}/${stream}`) ?? null;
    },
    async setCursor(adapterId, stream, cursor) {
      tables.cursors.set(`${adapterId}/${stream}`, cursor);
    },
    async addDeadLetter(entry) {
      const row: DeadLetter = { ...entry, id: entry.id ?? `dl-${String(++sequence).padStart(8, '0')}` };
      write(tables.deadLetters, row.id, row);
      return read<DeadLetter>(tables.deadLetters, row.id)!;
    },
    async listDeadLetters(query = {}) {
      return page(all<DeadLetter>(tables.deadLetters), orderKey, query.limit, query.cursor);
    },
    async updateDeadLetter(entry) {
      if (tables.deadLetters.has(entry.id)) write(tables.deadLetters, entry.id, entry);
    },
    async removeDeadLetter(id) {
      return tables.deadLetters.delete(id);
    },
    async getConsent(key) {
      return read<ConsentRecord>(tables.consents, key);
    },
    async setConsent(record) {
      write(tables.consents, record.identityKey, record);
    },
    async exportCustomer(customerId) {
      const found = footprint(customerId);
      if (!found) return null;
      const { customer, customers, identities, interactions, merges, consents, deadLetters, cursors } = found;
      const mergedCustomers = customers.filter((row) => row.id !== customerId);
      return { customer, mergedCustomers, identities, interactions, merges, consents, deadLetters, cursors: cursors.map((entry) => entry.cursor) };
    },
    async eraseCustomer(customerId) {
      const found = footprint(customerId);
      if (!found) return eraseResultOf(customerId, { interactions: [], identities: [], merges: [], consents: [], suggestions: [], deadLetters: [], outbox: [], sends: [], cursors: [], renamed: new Map() });
      for (const row of found.interactions) write(tables.interactions, row.id, erasedInteraction(row, found.renamed.get(row.conversationId)));
      for (const row of found.identities) tables.identities.delete(row.key);
      for (const row of found.consents) tables.consents.delete(row.identityKey);
      for (const row of found.merges) write(tables.merges, row.id, erasedMerge(row));
      for (const row of found.customers) write(tables.customers, row.id, erasedCustomer(row));
      for (const row of found.deadLetters) tables.deadLetters.delete(row.id);
      for (const row of found.cursors) tables.cursors.delete(row.key);
      return eraseResultOf(customerId, { ...found, suggestions: [], outbox: [], sends: [] });
    },
  };

  /**
   * Everything the tables hold about the customer and the customers merged into it, by the SDK's
   * erasure rules: what export returns and erase removes. A SQL store would run the same selections
   * as queries (see the PostgreSQL ledger).
   */
  function footprint(customerId: string) {
    const customer = read<Customer>(tables.customers, customerId);
    if (!customer) return null;
    const related = relatedCustomerIds(customerId, all<Customer>(tables.customers));
    const customers = all<Customer>(tables.customers).filter((row) => related.has(row.id));
    const identities = all<IdentityRecord>(tables.identities).filter((row) => related.has(row.customerId));
    const keys = new Set([...identities.map((row) => row.key), ...customers.flatMap((row) => row.identityKeys)]);
    const merges = all<MergeRecord>(tables.merges).filter((row) => related.has(row.survivorId) || row.absorbedIds.some((id) => related.has(id)));
    const { rows, owned, renamed } = interactionsToErase(all<Interaction>(tables.interactions), related, keys);
    const subject = erasureSubjectOf({ customers, identities, interactions: rows, merges }, owned);
    const mentions = subjectMatcher(subject);
    const identityKeys = new Set(subject.identityKeys);
    return {
      customer,
      customers,
      identities,
      interactions: rows.sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : 1)),
      renamed,
      merges,
      consents: all<ConsentRecord>(tables.consents).filter((row) => identityKeys.has(row.identityKey)),
      deadLetters: all<DeadLetter>(tables.deadLetters).filter((row) => mentions(row.payload) || mentions(row.error)),
      cursors: [...tables.cursors].flatMap(([key, cursor]) => {
        const [adapterId = '', stream = ''] = key.split('/');
        return mentions(stream) || mentions(cursor) ? [{ key, cursor: { adapterId, stream, cursor } }] : [];
      }),
    };
  }
  return ledger;
}
