import { identityKey } from './interaction.js';
import type { Customer, Interaction } from './interaction.js';
import type {
  AppendResult,
  ConsentRecord,
  CustomerExport,
  DeadLetter,
  IdentityRecord,
  InteractionLedger,
  InteractionQuery,
  MergeRecord,
  MergeSuggestionRecord,
  OutboxRecord,
  OutboxStore,
  Page,
  PollCursor,
  ReviewStore,
  SendRecord,
  TenantLedgers,
} from './ledger.js';
import { clone, comparePositions, decodeCursor, encodeCursor, pageSize, randomId } from './_utils.js';
import { createKeyedLock, type KeyedLock } from './_locks.js';
import {
  checkSendRecord,
  checkSendState,
  claimQueryOf,
  decodeSequenceCursor,
  encodeSequenceCursor,
  erasedSend,
  storedOutboxRecord,
  timestampOf,
  type StoredOutboxRecord,
} from './_ledger-rules.js';
import { InvalidOptionsError } from './errors.js';
import { applyInteractionPatch, interactionMatches } from './compose-ledger.js';
import {
  emptyErase,
  eraseResultOf,
  erasedCustomer,
  erasedInteraction,
  erasedMerge,
  erasureSubjectOf,
  interactionsToErase,
  relatedCustomerIds,
  subjectMatcher,
  subjectOrderingKeys,
} from './erasure.js';

/**
 * The reference {@link InteractionLedger}: everything in process memory, nothing durable.
 * Use it for tests, demos and as the model for your own implementation. Every record is
 * copied on the way in and out, so callers can never mutate stored state by accident.
 *
 * It implements every optional group. `transaction(task)` gives `task` a ledger whose writes are
 * undone when the task throws; transactions run one at a time (calls outside one still proceed),
 * and `claimOutbox` waits for an open transaction, so it never sees records that may be rolled back.
 *
 * `forTenant(tenant)` returns the ledger of another tenant in the same process memory: its own
 * interactions, customers, identities, merges, cursors, dead letters, outbox and sends, never
 * another tenant's (the same ledger for the same tenant; this one is the `default` tenant's).
 *
 * @example
 * const crm = createSocialCrm({ ledger: memoryLedger(), adapters: [...] })
 * @example
 * const ledger = memoryLedger();
 * const crm = createSocialCrm({ ledger, tenants: { ledger: (tenant) => ledger.forTenant(tenant) } });
 */
export function memoryLedger(): InteractionLedger & TenantLedgers {
  const tenants = new Map<string, InteractionLedger & TenantLedgers>();
  const forTenant = (tenant: string): InteractionLedger & TenantLedgers => {
    if (typeof tenant !== 'string' || tenant.length === 0) throw new InvalidOptionsError('[memoryLedger] `forTenant` needs a tenant id (a non-empty string).');
    let ledger = tenants.get(tenant);
    if (!ledger) tenants.set(tenant, (ledger = Object.assign(memoryView(emptyState(), DIRECT_WRITES), { forTenant })));
    return ledger;
  };
  const main = Object.assign(memoryView(emptyState(), DIRECT_WRITES), { forTenant });
  tenants.set('default', main);
  return main;
}

function emptyState(): MemoryState {
  return {
    interactions: new Map(),
    customers: new Map(),
    identities: new Map(),
    identitiesByBlockingKey: new Map(),
    merges: new Map(),
    cursors: new Map(),
    deadLetters: new Map(),
    consents: new Map(),
    suggestions: new Map(),
    outbox: new Map(),
    sends: new Map(),
    sequence: { last: 0 },
    exclusive: createKeyedLock(),
  };
}

/** An outbox record and its place in append order, with its lease. */
interface OutboxEntry {
  record: StoredOutboxRecord;
  sequence: number;
  availableAt: number;
  leaseOwner?: string;
  leasedUntil?: number;
}

/** Everything one memory ledger stores, shared by the ledger and the views its transactions get. */
interface MemoryState {
  interactions: Map<string, Interaction>;
  customers: Map<string, Customer>;
  identities: Map<string, IdentityRecord>;
  identitiesByBlockingKey: Map<string, Set<string>>;
  merges: Map<string, MergeRecord>;
  cursors: Map<string, string>;
  deadLetters: Map<string, DeadLetter>;
  consents: Map<string, ConsentRecord>;
  suggestions: Map<string, MergeSuggestionRecord>;
  outbox: Map<string, OutboxEntry>;
  sends: Map<string, SendRecord>;
  sequence: { last: number };
  /** Held by the open transaction (and by claims made outside one). */
  exclusive: KeyedLock;
}

/**
 * Every change to stored state goes through one of these. Outside a transaction they write
 * directly; a transaction's writes also record how to undo each change.
 */
interface Writes {
  set<K, V>(map: Map<K, V>, key: K, value: V): void;
  delete<K, V>(map: Map<K, V>, key: K): boolean;
  add<V>(set: Set<V>, value: V): void;
  remove<V>(set: Set<V>, value: V): void;
  /** The open transaction these writes belong to, if any. */
  readonly transaction?: { open: boolean };
}

const DIRECT_WRITES: Writes = {
  set: (map, key, value) => void map.set(key, value),
  delete: (map, key) => map.delete(key),
  add: (set, value) => void set.add(value),
  remove: (set, value) => void set.delete(value),
};

/** Writes that keep an undo step per change; `rollback` undoes them newest first. */
function journalledWrites(): Writes & { transaction: { open: boolean }; rollback(): void } {
  // Each step is four slots (no closure per write): what to undo, where, which key, what was there.
  const undo: unknown[] = [];
  const transaction = { open: true };
  const record = (step: UndoStep, target: Map<unknown, unknown> | Set<unknown>, key: unknown, previous: unknown) => {
    if (transaction.open) undo.push(step, target, key, previous);
  };
  return {
    transaction,
    set(map, key, value) {
      const had = map.has(key);
      record(had ? 'restore' : 'remove', map as Map<unknown, unknown>, key, had ? map.get(key) : undefined);
      map.set(key, value);
    },
    delete(map, key) {
      if (!map.has(key)) return false;
      record('restore', map as Map<unknown, unknown>, key, map.get(key));
      return map.delete(key);
    },
    add(set, value) {
      if (set.has(value)) return;
      record('unadd', set as Set<unknown>, value, undefined);
      set.add(value);
    },
    remove(set, value) {
      if (!set.has(value)) return;
      record('readd', set as Set<unknown>, value, undefined);
      set.delete(value);
    },
    rollback() {
      transaction.open = false;
      for (let index = undo.length - 4; index >= 0; index -= 4) {
        const target = undo[index + 1] as Map<unknown, unknown> & Set<unknown>;
        const key = undo[index + 2];
        switch (undo[index] as UndoStep) {
          case 'restore':
            (target as Map<unknown, unknown>).set(key, undo[index + 3]);
            break;
          case 'remove':
            (target as Map<unknown, unknown>).delete(key);
            break;
          case 'unadd':
            (target as Set<unknown>).delete(key);
            break;
          case 'readd':
            (target as Set<unknown>).add(key);
        }
      }
      undo.length = 0;
    },
  };
}

/** How to undo one journalled write: put the previous value back, remove the key it added, take the added member out, put the removed member back. */
type UndoStep = 'restore' | 'remove' | 'unadd' | 'readd';

/** The ledger over `state`, writing through `writes`. */
function memoryView(state: MemoryState, writes: Writes): InteractionLedger {
  const { interactions, customers, identities, identitiesByBlockingKey, merges, cursors, deadLetters, consents, outbox, sends } = state;
  const review = memoryReviewStore(state.suggestions, writes);
  const inTransaction = () => writes.transaction?.open === true;
  const exclusively = <T>(task: () => Promise<T>): Promise<T> => state.exclusive.withLock('transaction', task);

  const position = (interaction: Interaction) => ({ at: interaction.createdAt, id: interaction.id });

  function indexIdentity(record: IdentityRecord, previous: IdentityRecord | undefined) {
    for (const key of previous?.blockingKeys ?? []) {
      const set = identitiesByBlockingKey.get(key);
      if (set) writes.remove(set, record.key);
    }
    for (const key of record.blockingKeys) {
      let set = identitiesByBlockingKey.get(key);
      if (!set) writes.set(identitiesByBlockingKey, key, (set = new Set()));
      writes.add(set, record.key);
    }
  }

  function appendOne(interaction: Interaction): AppendResult {
    const existing = interactions.get(interaction.id);
    if (existing) return { inserted: false, interaction: clone(existing) };
    writes.set(interactions, interaction.id, clone(interaction));
    // The caller's own object is the stored row (the copy is what the ledger keeps): one copy, not two.
    return { inserted: true, interaction };
  }

  /** Records oldest first; a key's records stop at its first one that is leased or not yet available. */
  function claim(query: Parameters<OutboxStore['claimOutbox']>[0]): OutboxRecord[] {
    const { owner, limit, leaseMs, now } = claimQueryOf(query);
    const blocked = new Set<string>();
    const claimed: OutboxRecord[] = [];
    for (const entry of [...outbox.values()].sort((a, b) => a.sequence - b.sequence)) {
      if (claimed.length >= limit) break;
      const key = entry.record.orderingKey;
      if (blocked.has(key)) continue;
      if (entry.availableAt > now || (entry.leasedUntil !== undefined && entry.leasedUntil > now)) {
        blocked.add(key);
        continue;
      }
      writes.set(outbox, entry.record.id, { ...entry, leaseOwner: owner, leasedUntil: now + leaseMs });
      claimed.push(clone(entry.record));
    }
    return claimed;
  }

  const view: InteractionLedger = {
    saveSuggestion: review.saveSuggestion,
    listSuggestions: review.listSuggestions,
    removeSuggestion: review.removeSuggestion,
    async appendInteraction(interaction) {
      return appendOne(interaction);
    },
    async updateInteraction(id, patch) {
      const existing = interactions.get(id);
      if (!existing) return null;
      const updated = applyInteractionPatch(existing, patch);
      writes.set(interactions, id, updated);
      return clone(updated);
    },
    async getInteraction(id) {
      const found = interactions.get(id);
      return found ? clone(found) : null;
    },
    async queryInteractions(query) {
      const rows = [...interactions.values()].filter((interaction) => interactionMatches(interaction, query));
      return paginate(rows, position, query.limit, query.cursor, query.order);
    },
    async assignInteractions(authorKeys, customerId) {
      const keys = new Set(authorKeys);
      let count = 0;
      for (const interaction of [...interactions.values()]) {
        if (keys.has(identityKey(interaction.author))) {
          writes.set(interactions, interaction.id, { ...interaction, customerId });
          count++;
        }
      }
      return count;
    },

    async getInteractions(ids) {
      return copiesOf(interactions, ids);
    },
    async appendInteractions(batch) {
      return batch.map(appendOne);
    },
    async getIdentities(keys) {
      return copiesOf(identities, keys);
    },

    async getCustomers(ids) {
      return copiesOf(customers, ids);
    },
    async getCustomer(id) {
      const found = customers.get(id);
      return found ? clone(found) : null;
    },
    async saveCustomer(customer) {
      writes.set(customers, customer.id, clone(customer));
    },
    async listCustomers(query = {}) {
      const rows = [...customers.values()].filter((customer) => query.includeMerged || !customer.mergedInto);
      return paginate(rows, (customer) => ({ at: customer.createdAt, id: customer.id }), query.limit, query.cursor);
    },
    async getIdentity(key) {
      const found = identities.get(key);
      return found ? clone(found) : null;
    },
    async saveIdentity(record) {
      indexIdentity(record, identities.get(record.key));
      writes.set(identities, record.key, clone(record));
    },
    async saveCustomers(batch) {
      for (const customer of batch) await view.saveCustomer(customer);
    },
    async saveIdentities(batch) {
      for (const record of batch) await view.saveIdentity(record);
    },
    async listIdentities(customerId) {
      return [...identities.values()].filter((record) => record.customerId === customerId).map(clone);
    },
    async findIdentitiesByBlockingKeys(keys, limit = 1000) {
      const size = Math.max(1, Math.floor(limit));
      const found = new Set<string>();
      search: for (const key of keys) {
        for (const identity of identitiesByBlockingKey.get(key) ?? []) {
          found.add(identity);
          if (found.size >= size) break search;
        }
      }
      return [...found].flatMap((key) => {
        const record = identities.get(key);
        return record ? [clone(record)] : [];
      });
    },
    async saveMerge(record) {
      writes.set(merges, record.id, clone(record));
    },
    async getMerge(id) {
      const found = merges.get(id);
      return found ? clone(found) : null;
    },
    async listMerges(customerId) {
      return [...merges.values()]
        .filter((merge) => merge.survivorId === customerId || merge.absorbedIds.includes(customerId))
        .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1))
        .map(clone);
    },

    async getCursor(adapterId, stream) {
      return cursors.get(`${adapterId}\u0000${stream}`) ?? null;
    },
    async setCursor(adapterId, stream, cursor) {
      writes.set(cursors, `${adapterId}\u0000${stream}`, cursor);
    },
    async addDeadLetter(entry) {
      const stored: DeadLetter = { ...clone(entry), id: entry.id ?? randomId('dl') };
      writes.set(deadLetters, stored.id, stored);
      return clone(stored);
    },
    async listDeadLetters(query = {}) {
      return paginate([...deadLetters.values()], (entry) => ({ at: entry.createdAt, id: entry.id }), query.limit, query.cursor);
    },
    async updateDeadLetter(entry) {
      if (deadLetters.has(entry.id)) writes.set(deadLetters, entry.id, clone(entry));
    },
    async removeDeadLetter(id) {
      return writes.delete(deadLetters, id);
    },
    async getConsent(key) {
      const found = consents.get(key);
      return found ? clone(found) : null;
    },
    async setConsent(record) {
      writes.set(consents, record.identityKey, clone(record));
    },

    async transaction(task) {
      // A nested call on a transaction's ledger joins it.
      if (inTransaction()) return task(view);
      return exclusively(async () => {
        const journal = journalledWrites();
        try {
          return await task(memoryView(state, journal));
        } catch (error) {
          journal.rollback();
          throw error;
        } finally {
          journal.transaction.open = false;
        }
      });
    },
    async appendOutbox(records) {
      const stored = records.map(storedOutboxRecord);
      for (const record of stored) {
        if (outbox.has(record.id)) continue;
        writes.set(outbox, record.id, { record: clone(record), sequence: ++state.sequence.last, availableAt: Date.parse(record.availableAt) });
      }
    },
    async claimOutbox(query) {
      return inTransaction() ? claim(query) : exclusively(async () => claim(query));
    },
    async settleOutbox(id, owner, settlement) {
      const entry = outbox.get(id);
      if (!entry || entry.leaseOwner === undefined || entry.leaseOwner !== owner) return false;
      const released: OutboxEntry = { record: entry.record, sequence: entry.sequence, availableAt: entry.availableAt };
      if (settlement.type === 'delivered') writes.delete(outbox, id);
      else if (settlement.type === 'release') writes.set(outbox, id, released);
      else {
        const { availableAt, attempts, completedHandlers, lastError } = settlement;
        const record = { ...entry.record, availableAt, attempts, completedHandlers: [...completedHandlers], lastError: clone(lastError) };
        writes.set(outbox, id, { ...released, record, availableAt: timestampOf(availableAt, 'availableAt') });
      }
      return true;
    },
    async listOutbox(query = {}) {
      const after = query.cursor === undefined ? 0 : decodeSequenceCursor(query.cursor);
      const rows = [...outbox.values()].filter((entry) => entry.sequence > after).sort((a, b) => a.sequence - b.sequence);
      const size = pageSize(query.limit);
      const items = rows.slice(0, size);
      const last = items.at(-1);
      return { items: items.map((entry) => clone(entry.record)), nextCursor: rows.length > size && last ? encodeSequenceCursor(last.sequence, last.record.id) : null };
    },

    async createSend(record) {
      checkSendRecord(record);
      const existing = sends.get(record.key);
      if (existing) return { created: false, record: clone(existing) };
      writes.set(sends, record.key, clone(record));
      return { created: true, record: clone(record) };
    },
    async updateSend(record) {
      checkSendRecord(record);
      if (!sends.has(record.key)) return false;
      writes.set(sends, record.key, clone(record));
      return true;
    },
    async getSend(key) {
      const found = sends.get(key);
      return found ? clone(found) : null;
    },
    async listSends(query) {
      checkSendState(query.state);
      const rows = [...sends.values()].filter((record) => record.state === query.state);
      return paginate(rows, (record) => ({ at: record.createdAt, id: record.key }), query.limit, query.cursor);
    },

    async exportCustomer(customerId) {
      const found = footprint(customerId);
      if (!found) return null;
      const result: CustomerExport = {
        customer: clone(found.customer),
        mergedCustomers: found.customers.filter((customer) => customer.id !== customerId).map(clone),
        identities: found.identities.map(clone),
        interactions: found.interactions.sort((a, b) => comparePositions(position(a), position(b))).map(clone),
        merges: found.merges.map(clone),
        consents: found.consents.map(clone),
        suggestions: found.suggestions.map(clone),
        deadLetters: found.deadLetters.map(clone),
        outbox: found.outbox.map((entry) => clone(entry.record)),
        sends: found.sends.map(clone),
        cursors: found.cursors.map(([, cursor]) => cursor),
      };
      return result;
    },
    async eraseCustomer(customerId) {
      const found = footprint(customerId);
      if (!found) return emptyErase(customerId);
      for (const interaction of found.interactions) {
        writes.set(interactions, interaction.id, erasedInteraction(interaction, found.renamed.get(interaction.conversationId)));
      }
      for (const record of found.identities) {
        indexIdentity({ ...record, blockingKeys: [] }, record);
        writes.delete(identities, record.key);
      }
      for (const consent of found.consents) writes.delete(consents, consent.identityKey);
      for (const merge of found.merges) writes.set(merges, merge.id, erasedMerge(merge));
      for (const customer of found.customers) writes.set(customers, customer.id, erasedCustomer(customer));
      for (const record of found.sends) writes.set(sends, record.key, erasedSend(record));
      for (const suggestion of found.suggestions) writes.delete(state.suggestions, suggestion.id);
      for (const entry of found.deadLetters) writes.delete(deadLetters, entry.id);
      for (const entry of found.outbox) writes.delete(outbox, entry.record.id);
      for (const [key] of found.cursors) writes.delete(cursors, key);
      return eraseResultOf(customerId, found);
    },
  };

  /** Everything stored about the customer (and the customers merged into it): what export returns and erase removes. */
  function footprint(customerId: string) {
    const customer = customers.get(customerId);
    if (!customer) return null;
    const related = relatedCustomerIds(customerId, customers.values());
    const relatedCustomers = [...related].flatMap((id) => customers.get(id) ?? []);
    const owned = [...identities.values()].filter((record) => related.has(record.customerId));
    const keys = new Set([...owned.map((record) => record.key), ...relatedCustomers.flatMap((entry) => entry.identityKeys)]);
    const mergeRows = [...merges.values()].filter((merge) => related.has(merge.survivorId) || merge.absorbedIds.some((absorbed) => related.has(absorbed)));
    const erased = interactionsToErase([...interactions.values()], related, keys);
    const subject = erasureSubjectOf({ customers: relatedCustomers, identities: owned, interactions: erased.rows, merges: mergeRows }, erased.owned);
    const mentions = subjectMatcher(subject);
    const identityKeys = new Set(subject.identityKeys);
    const interactionIds = new Set(subject.interactionIds);
    const orderingKeys = new Set(subjectOrderingKeys(subject));
    return {
      customer,
      customers: relatedCustomers,
      identities: owned,
      interactions: erased.rows,
      renamed: erased.renamed,
      merges: mergeRows,
      consents: [...consents.values()].filter((consent) => identityKeys.has(consent.identityKey)),
      suggestions: [...state.suggestions.values()]
        .filter((row) => related.has(row.customerId) || related.has(row.candidateCustomerId))
        .sort((a, b) => comparePositions({ at: b.createdAt, id: b.id }, { at: a.createdAt, id: a.id })),
      deadLetters: [...deadLetters.values()].filter((entry) => mentions(entry.payload) || mentions(entry.error)),
      outbox: [...outbox.values()]
        .filter((entry) => orderingKeys.has(entry.record.orderingKey) || mentions(entry.record.payload) || mentions(entry.record.lastError))
        .sort((a, b) => a.sequence - b.sequence),
      sends: [...sends.values()].filter(
        (record) => interactionIds.has(record.inReplyTo) || (record.interactionId !== undefined && interactionIds.has(record.interactionId)),
      ),
      cursors: [...cursors].flatMap(([key, cursor]): Array<[string, PollCursor]> => {
        const [adapterId = '', stream = ''] = key.split('\u0000');
        return mentions(stream) || mentions(cursor) ? [[key, { adapterId, stream, cursor }]] : [];
      }),
    };
  }
  return view;
}

/** Copies of the rows stored under `keys`, each once, in the order of the keys' first mention. */
function copiesOf<Row>(rows: ReadonlyMap<string, Row>, keys: readonly string[]): Row[] {
  const found: Row[] = [];
  const seen = keys.length > 1 ? new Set<string>() : undefined;
  for (const key of keys) {
    if (seen) {
      if (seen.has(key)) continue;
      seen.add(key);
    }
    const row = rows.get(key);
    if (row !== undefined) found.push(clone(row));
  }
  return found;
}

/** Sorts `rows` by position and returns one page of copies. */
function paginate<T>(rows: T[], positionOf: (row: T) => { at: string; id: string }, limit: number | undefined, cursor: string | undefined, order: 'asc' | 'desc' = 'asc'): Page<T> {
  const direction = order === 'asc' ? 1 : -1;
  const sorted = rows.sort((a, b) => direction * comparePositions(positionOf(a), positionOf(b)));
  const after = decodeCursor(cursor);
  if (cursor !== undefined && after === null) {
    throw new InvalidOptionsError(`Cursor \`${cursor}\` is not a cursor this ledger issued.`);
  }
  const start = after ? sorted.filter((row) => direction * comparePositions(positionOf(row), after) > 0) : sorted;
  const size = pageSize(limit);
  const items = start.slice(0, size);
  const last = items.at(-1);
  return { items: items.map(clone), nextCursor: start.length > size && last ? encodeCursor(positionOf(last)) : null };
}

/**
 * The review queue in process memory: part of {@link memoryLedger} (over its map and writes), and
 * the identity merger's queue when a host's ledger keeps none. `eraseCustomers` drops every
 * suggestion naming one of the customers. @internal
 */
export function memoryReviewStore(
  suggestions = new Map<string, MergeSuggestionRecord>(),
  writes: Writes = DIRECT_WRITES,
): ReviewStore & { eraseCustomers(customerIds: ReadonlySet<string>): void } {
  return {
    async saveSuggestion(suggestion) {
      writes.set(suggestions, suggestion.id, clone(suggestion));
    },
    async listSuggestions(query = {}) {
      const { customerId } = query;
      const rows = [...suggestions.values()].filter((row) => customerId === undefined || row.customerId === customerId || row.candidateCustomerId === customerId);
      return paginate(rows, (row) => ({ at: row.createdAt, id: row.id }), query.limit, query.cursor, 'desc');
    },
    async removeSuggestion(id) {
      return writes.delete(suggestions, id);
    },
    eraseCustomers(customerIds) {
      for (const [id, row] of [...suggestions]) if (customerIds.has(row.customerId) || customerIds.has(row.candidateCustomerId)) writes.delete(suggestions, id);
    },
  };
}
