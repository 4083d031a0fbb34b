/**
 * New authors registered together: within one locked scope, the customers and identity records a
 * batch registers are held back and written with one `saveCustomers` and one `saveIdentities`
 * call (two statements on PostgreSQL instead of two per author). Reads of the held records are
 * answered from the buffer; any other ledger call writes the buffer first, so that the ledger
 * it reaches holds everything registered before it (a merge reads and writes many records).
 *
 * @internal
 * @module
 */
import { clone } from '../_utils.js';
import type { Customer } from '../interaction.js';
import { hasBatchStore, type BatchStore, type IdentityRecord, type InteractionLedger } from '../ledger.js';

/** A ledger whose registrations wait for {@link BufferedLedger.flush}. */
export interface BufferedLedger {
  ledger: InteractionLedger;
  /** Writes what is held. Call it before the locked scope ends. */
  flush(): Promise<void>;
  /** Every customer saved through the buffer, as last saved (held or written). */
  readonly saved: ReadonlyMap<string, Customer>;
}

/** Buffers `saveCustomer` and `saveIdentity` when the ledger has batch writes; otherwise the ledger as it is. */
export function bufferRegistrations(inner: InteractionLedger): BufferedLedger {
  if (!hasBatchStore(inner)) return { ledger: inner, flush: async () => {}, saved: new Map() };
  const customers = new Map<string, Customer>();
  const saved = new Map<string, Customer>();
  const identities = new Map<string, IdentityRecord>();
  const flush = async () => {
    await drain(customers, (rows) => inner.saveCustomers(rows));
    await drain(identities, (rows) => inner.saveIdentities(rows));
  };
  const held: Partial<InteractionLedger & BatchStore> = {
    async saveCustomer(customer) {
      customers.set(customer.id, clone(customer));
      saved.set(customer.id, clone(customer));
    },
    async saveIdentity(record) {
      identities.set(record.key, clone(record));
    },
    async getCustomer(id) {
      const found = customers.get(id);
      return found ? clone(found) : inner.getCustomer(id);
    },
    async getIdentity(key) {
      const found = identities.get(key);
      return found ? clone(found) : inner.getIdentity(key);
    },
    getCustomers: (ids) => readThrough(customers, ids, (rest) => inner.getCustomers(rest), (customer) => customer.id),
    getIdentities: (keys) => readThrough(identities, keys, (rest) => inner.getIdentities(rest), (record) => record.key),
  };
  const ledger = new Proxy(inner, {
    get(target, property, receiver) {
      if (typeof property === 'string' && property in held) return held[property as keyof typeof held];
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'close') return value;
      return async (...parameters: unknown[]) => {
        await flush();
        return (value as (...args: unknown[]) => unknown).apply(target, parameters);
      };
    },
  });
  return { ledger, flush, saved };
}

/** Writes the held rows; each leaves the buffer once written (reads meanwhile still find it). */
async function drain<Row>(rows: Map<string, Row>, write: (rows: Row[]) => Promise<void>): Promise<void> {
  if (rows.size === 0) return;
  const written = [...rows];
  await write(written.map(([, row]) => row));
  for (const [key, row] of written) if (rows.get(key) === row) rows.delete(key);
}

async function readThrough<Row>(rows: Map<string, Row>, keys: string[], read: (keys: string[]) => Promise<Row[]>, keyOf: (row: Row) => string): Promise<Row[]> {
  const wanted = [...new Set(keys)];
  const rest = wanted.filter((key) => !rows.has(key));
  const found = rest.length > 0 ? await read(rest) : [];
  return [...wanted.flatMap((key) => (rows.has(key) ? [clone(rows.get(key) as Row)] : [])), ...found.filter((row) => !rows.has(keyOf(row)))];
}
