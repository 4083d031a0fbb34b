/**
 * A host ledger over plain tables (Maps of rows keyed like SQL primary keys, each row serialised
 * to JSON as a column would hold it, so no object is ever shared with the caller). The host writes
 * the seven record mappings of `LedgerParts` and a side table; `composeLedger()` derives the rest
 * of the port and keeps its rules (patches, cursors, merge bookkeeping, export and erase).
 */
import { composeLedger, interactionMatches, type Customer, type Interaction, type InteractionLedger, type LedgerParts, type RowPosition, type SideRecord, type SideTable } from 'social-crm';

/** A table: primary key → row serialised as JSON. */
export type Table = Map<string, string>;

/** Rows after `after` in `(key, id)` order (reversed for `desc`), at most `limit`. */
function keyset<Row>(rows: Row[], position: (row: Row) => [string, string], order: 'asc' | 'desc', after: [string, string] | undefined, limit: number): Row[] {
  const compare = (a: [string, string], b: [string, string]) => (a[0] === b[0] ? (a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1);
  const direction = order === 'asc' ? 1 : -1;
  return rows
    .filter((row) => after === undefined || direction * compare(position(row), after) > 0)
    .sort((a, b) => direction * compare(position(a), position(b)))
    .slice(0, limit);
}
const at = (position: RowPosition | undefined): [string, string] | undefined => (position ? [position.createdAt, position.id] : undefined);

export type Tables = { interactions: Table; customers: Table; side: Table };

export function tableLedger(): InteractionLedger & { tables: Tables } {
  const tables: Tables = { interactions: new Map(), customers: new Map(), side: new Map() };
  return Object.assign(composeLedger(tableParts(tables)), { tables });
}

/** The parts over the tables: what the host writes. */
export function tableParts(tables: Tables): LedgerParts {
  const read = <Row>(table: Table, id: string): Row | null => (table.has(id) ? (JSON.parse(table.get(id)!) as Row) : null);
  const all = <Row>(table: Table): Row[] => [...table.values()].map((row) => JSON.parse(row) as Row);
  const write = (table: Table, id: string, row: unknown) => table.set(id, JSON.stringify(row));
  const sideKey = (kind: string, id: string) => JSON.stringify([kind, id]);

  const side: SideTable = {
    get: async (kind, id) => read<SideRecord>(tables.side, sideKey(kind, id))?.body ?? null,
    async insert(kind, record) {
      if (tables.side.has(sideKey(kind, record.id))) return false;
      write(tables.side, sideKey(kind, record.id), { kind, ...record });
      return true;
    },
    put: async (kind, record) => void write(tables.side, sideKey(kind, record.id), { kind, ...record }),
    delete: async (kind, id) => tables.side.delete(sideKey(kind, id)),
    async list(kind, scan) {
      const rows = all<SideRecord & { kind: string }>(tables.side).filter((row) => row.kind === kind && (!scan.refs || row.refs.some((ref) => scan.refs!.includes(ref))));
      return keyset(rows, (row) => [row.sortKey, row.id], scan.order, scan.after && [scan.after.sortKey, scan.after.id], scan.limit);
    },
  };

  return {
    async appendInteraction(interaction) {
      const existing = read<Interaction>(tables.interactions, interaction.id);
      if (existing) return { inserted: false, interaction: existing };
      write(tables.interactions, interaction.id, interaction);
      return { inserted: true, interaction: read<Interaction>(tables.interactions, interaction.id)! };
    },
    getInteraction: async (id) => read<Interaction>(tables.interactions, id),
    putInteraction: async (interaction) => void write(tables.interactions, interaction.id, interaction),
    async scanInteractions(scan) {
      const rows = all<Interaction>(tables.interactions).filter((row) => interactionMatches(row, scan));
      return keyset(rows, (row) => [row.createdAt, row.id], scan.order, at(scan.after), scan.limit);
    },
    getCustomer: async (id) => read<Customer>(tables.customers, id),
    saveCustomer: async (customer) => void write(tables.customers, customer.id, customer),
    async scanCustomers(scan) {
      const rows = all<Customer>(tables.customers).filter((row) => (scan.mergedInto !== undefined ? row.mergedInto === scan.mergedInto : scan.includeMerged || !row.mergedInto));
      return keyset(rows, (row) => [row.createdAt, row.id], 'asc', at(scan.after), scan.limit);
    },
    side,
  };
}
