import { identityKey } from './interaction.js';
import type { Customer, Interaction } from './interaction.js';
import type {
  ConsentRecord,
  CustomerExport,
  DeadLetter,
  EraseResult,
  IdentityRecord,
  InteractionLedger,
  InteractionQuery,
  MergeRecord,
  MergeSuggestionRecord,
  Page,
  ReviewStore,
} from './ledger.js';
import { clone, comparePositions, decodeCursor, encodeCursor, pageSize, randomId } from './_utils.js';
import { InvalidOptionsError } from './errors.js';

/**
 * The reference {@link InteractionLedger}: everything in process memory, nothing durable.
 * Use it for tests, demos and as the model for your own implementation. Every record is
 * copied on the way in and out, so callers can never mutate stored state by accident.
 *
 * @example
 * const crm = createSocialCrm({ ledger: memoryLedger(), adapters: [...] })
 */
export function memoryLedger(): InteractionLedger {
  const interactions = new Map<string, Interaction>();
  const customers = new Map<string, Customer>();
  const identities = new Map<string, IdentityRecord>();
  const identitiesByBlockingKey = new Map<string, Set<string>>();
  const merges = new Map<string, MergeRecord>();
  const cursors = new Map<string, string>();
  const deadLetters = new Map<string, DeadLetter>();
  const consents = new Map<string, ConsentRecord>();
  const { eraseCustomers: eraseSuggestions, ...review } = memoryReviewStore();

  const position = (interaction: Interaction) => ({ at: interaction.createdAt, id: interaction.id });

  function matches(interaction: Interaction, query: InteractionQuery): boolean {
    if (!query.includeDeleted && interaction.state === 'deleted') return false;
    if (query.customerId !== undefined && interaction.customerId !== query.customerId) return false;
    if (query.conversationId !== undefined && interaction.conversationId !== query.conversationId) return false;
    if (query.channel !== undefined && interaction.channel !== query.channel) return false;
    if (query.direction !== undefined && interaction.direction !== query.direction) return false;
    if (query.authorKey !== undefined && identityKey(interaction.author) !== query.authorKey) return false;
    if (query.since !== undefined && interaction.createdAt < query.since) return false;
    if (query.until !== undefined && interaction.createdAt >= query.until) return false;
    return true;
  }

  function indexIdentity(record: IdentityRecord, previous: IdentityRecord | undefined) {
    for (const key of previous?.blockingKeys ?? []) identitiesByBlockingKey.get(key)?.delete(record.key);
    for (const key of record.blockingKeys) {
      let set = identitiesByBlockingKey.get(key);
      if (!set) identitiesByBlockingKey.set(key, (set = new Set()));
      set.add(record.key);
    }
  }

  return {
    ...review,
    async appendInteraction(interaction) {
      const existing = interactions.get(interaction.id);
      if (existing) return { inserted: false, interaction: clone(existing) };
      interactions.set(interaction.id, clone(interaction));
      return { inserted: true, interaction: clone(interaction) };
    },
    async updateInteraction(id, patch) {
      const existing = interactions.get(id);
      if (!existing) return null;
      const updated = { ...existing, ...clone(patch) } as Interaction;
      for (const [field, value] of Object.entries(patch)) {
        if (value === undefined) delete (updated as Record<string, unknown>)[field];
      }
      interactions.set(id, updated);
      return clone(updated);
    },
    async getInteraction(id) {
      const found = interactions.get(id);
      return found ? clone(found) : null;
    },
    async queryInteractions(query) {
      const rows = [...interactions.values()].filter((interaction) => matches(interaction, query));
      return paginate(rows, position, query.limit, query.cursor, query.order);
    },
    async assignInteractions(authorKeys, customerId) {
      const keys = new Set(authorKeys);
      let count = 0;
      for (const interaction of interactions.values()) {
        if (keys.has(identityKey(interaction.author))) {
          interaction.customerId = customerId;
          count++;
        }
      }
      return count;
    },

    async getCustomer(id) {
      const found = customers.get(id);
      return found ? clone(found) : null;
    },
    async saveCustomer(customer) {
      customers.set(customer.id, clone(customer));
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
      identities.set(record.key, clone(record));
    },
    async listIdentities(customerId) {
      return [...identities.values()].filter((record) => record.customerId === customerId).map(clone);
    },
    async findIdentitiesByBlockingKeys(keys, limit = 1000) {
      const found = new Set<string>();
      for (const key of keys) {
        for (const identity of identitiesByBlockingKey.get(key) ?? []) {
          found.add(identity);
          if (found.size >= limit) break;
        }
      }
      return [...found].flatMap((key) => {
        const record = identities.get(key);
        return record ? [clone(record)] : [];
      });
    },
    async saveMerge(record) {
      merges.set(record.id, clone(record));
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
      cursors.set(`${adapterId}\u0000${stream}`, cursor);
    },
    async addDeadLetter(entry) {
      const stored: DeadLetter = { ...clone(entry), id: entry.id ?? randomId('dl') };
      deadLetters.set(stored.id, stored);
      return clone(stored);
    },
    async listDeadLetters(query = {}) {
      return paginate([...deadLetters.values()], (entry) => ({ at: entry.createdAt, id: entry.id }), query.limit, query.cursor);
    },
    async updateDeadLetter(entry) {
      if (deadLetters.has(entry.id)) deadLetters.set(entry.id, clone(entry));
    },
    async removeDeadLetter(id) {
      return deadLetters.delete(id);
    },
    async getConsent(key) {
      const found = consents.get(key);
      return found ? clone(found) : null;
    },
    async setConsent(record) {
      consents.set(record.identityKey, clone(record));
    },

    async exportCustomer(customerId) {
      const customer = customers.get(customerId);
      if (!customer) return null;
      const owned = [...identities.values()].filter((record) => record.customerId === customerId);
      const keys = new Set(owned.map((record) => record.key));
      const result: CustomerExport = {
        customer: clone(customer),
        identities: owned.map(clone),
        interactions: [...interactions.values()]
          .filter((interaction) => interaction.customerId === customerId)
          .sort((a, b) => comparePositions(position(a), position(b)))
          .map(clone),
        merges: [...merges.values()]
          .filter((merge) => merge.survivorId === customerId || merge.absorbedIds.includes(customerId))
          .map(clone),
        consents: [...consents.values()].filter((consent) => keys.has(consent.identityKey)).map(clone),
        suggestions: (await review.listSuggestions({ customerId, limit: 1000 })).items,
      };
      return result;
    },
    async eraseCustomer(customerId) {
      const result: EraseResult = { customerId, interactionsErased: 0, identitiesErased: 0, mergesErased: 0 };
      const related = new Set([customerId]);
      for (const customer of customers.values()) if (customer.mergedInto === customerId) related.add(customer.id);
      for (const interaction of interactions.values()) {
        if (interaction.customerId && related.has(interaction.customerId)) {
          interactions.set(interaction.id, eraseInteraction(interaction));
          result.interactionsErased++;
        }
      }
      for (const [key, record] of identities) {
        if (related.has(record.customerId)) {
          indexIdentity({ ...record, blockingKeys: [] }, record);
          identities.delete(key);
          consents.delete(key);
          result.identitiesErased++;
        }
      }
      for (const [id, merge] of merges) {
        if (related.has(merge.survivorId) || merge.absorbedIds.some((absorbed) => related.has(absorbed))) {
          merges.set(id, { ...merge, evidence: null, snapshot: { customers: [], identities: [] } });
          result.mergesErased++;
        }
      }
      for (const id of related) {
        const customer = customers.get(id);
        if (customer) customers.set(id, erasedCustomer(customer));
      }
      eraseSuggestions(related);
      return result;
    },
  };
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
 * The review queue in process memory: part of {@link memoryLedger}, and the identity merger's
 * queue when a host's ledger keeps none. `eraseCustomers` drops every suggestion naming one of
 * the customers. @internal
 */
export function memoryReviewStore(): ReviewStore & { eraseCustomers(customerIds: ReadonlySet<string>): void } {
  const suggestions = new Map<string, MergeSuggestionRecord>();
  return {
    async saveSuggestion(suggestion) {
      suggestions.set(suggestion.id, clone(suggestion));
    },
    async listSuggestions(query = {}) {
      const { customerId } = query;
      const rows = [...suggestions.values()].filter((row) => customerId === undefined || row.customerId === customerId || row.candidateCustomerId === customerId);
      return paginate(rows, (row) => ({ at: row.createdAt, id: row.id }), query.limit, query.cursor, 'desc');
    },
    async removeSuggestion(id) {
      return suggestions.delete(id);
    },
    eraseCustomers(customerIds) {
      for (const [id, row] of suggestions) if (customerIds.has(row.customerId) || customerIds.has(row.candidateCustomerId)) suggestions.delete(id);
    },
  };
}

/**
 * Strip personal data from an interaction while keeping the row (and thus aggregate counts).
 * Shared by every ledger the SDK ships, so erasure means the same thing everywhere.
 * @internal
 */
export function eraseInteraction(interaction: Interaction): Interaction {
  const { raw: _raw, url: _url, mentions: _mentions, ...rest } = interaction;
  return {
    ...rest,
    text: '',
    attachments: [],
    channelMetadata: {},
    author: { channel: interaction.author.channel, nativeId: `erased:${interaction.customerId ?? 'unknown'}` },
  };
}

/** @internal */
export function erasedCustomer(customer: Customer): Customer {
  return {
    id: customer.id,
    identityKeys: [],
    attributes: { erased: true },
    createdAt: customer.createdAt,
    updatedAt: customer.updatedAt,
    ...(customer.mergedInto ? { mergedInto: customer.mergedInto } : {}),
  };
}
