/**
 * A ledger built from the few parts only a host can write: its own interaction and customer
 * tables, mapped record by record, and one side table for what the SDK keeps for itself. The
 * library derives every other method of {@link InteractionLedger} and keeps the rules: patches,
 * re-attribution, cursors, merge bookkeeping, the side records' shapes, export and erase.
 *
 * @module
 */
import { identityKey, type Customer, type Interaction, type InteractionDirection } from './interaction.js';
import type {
  AppendResult,
  ConsentRecord,
  CustomerExport,
  DeadLetter,
  EraseResult,
  IdentityRecord,
  InteractionLedger,
  InteractionPatch,
  InteractionQuery,
  MergeRecord,
  MergeSuggestionRecord,
  Page,
  PollCursor,
  SendRecord,
} from './ledger.js';
import { InvalidOptionsError } from './errors.js';
import { checkSendRecord, checkSendState, erasedSend } from './_ledger-rules.js';
import { clone, decodeCursor, encodeCursor, pageSize, randomId } from './_utils.js';
import {
  emptyErase,
  eraseResultOf,
  erasedCustomer,
  erasedInteraction,
  erasedMerge,
  erasureSubjectOf,
  interactionsToErase,
  subjectMatcher,
} from './erasure.js';

/** A place in `(createdAt, id)` order. */
export interface RowPosition {
  createdAt: string;
  id: string;
}

/**
 * What {@link LedgerParts.scanInteractions} is asked: the filters of {@link InteractionQuery}
 * (all given ones must match), already checked, and a keyset position instead of a cursor.
 */
export interface InteractionScan {
  customerId?: string;
  conversationId?: string;
  channel?: string;
  /** Identity key of the author (`<channel>:<nativeId>`). */
  authorKey?: string;
  direction?: InteractionDirection;
  /** Inclusive lower bound on `createdAt`. */
  since?: string;
  /** Exclusive upper bound on `createdAt`. */
  until?: string;
  /** Include rows with `state: 'deleted'`. */
  includeDeleted: boolean;
  order: 'asc' | 'desc';
  /** Return only rows strictly after this position in `order`. */
  after?: RowPosition;
  /** Return at most this many rows. */
  limit: number;
}

/** What {@link LedgerParts.scanCustomers} is asked. */
export interface CustomerScan {
  /** Include customers with a `mergedInto`. */
  includeMerged: boolean;
  /** Only customers merged into this one (merged ones included whatever `includeMerged` says). */
  mergedInto?: string;
  /** Return only customers strictly after this `(createdAt, id)` position. */
  after?: RowPosition;
  limit: number;
}

/** The kinds of record the SDK keeps in the side table. */
export type SideRecordKind = 'identity' | 'merge' | 'cursor' | 'dead-letter' | 'consent' | 'suggestion' | 'send';

/**
 * One row of the side table: primary key `(kind, id)`, a JSON `body`, a `sortKey` that lists are
 * ordered by (then `id`), and `refs`, the values the row is found by (customer ids, blocking keys).
 */
export interface SideRecord {
  id: string;
  body: unknown;
  sortKey: string;
  refs: string[];
}

/** What {@link SideTable.list} is asked. */
export interface SideRecordScan {
  /** Only rows having at least one of these refs (each row once). */
  refs?: string[];
  order: 'asc' | 'desc';
  /** Return only rows strictly after this `(sortKey, id)` position in `order`. */
  after?: { sortKey: string; id: string };
  limit: number;
}

/**
 * One table for everything the SDK keeps that a CRM has no table for: identities, merge history,
 * poll cursors, dead letters, consent, review suggestions and sends. In SQL:
 * `(kind text, id text, sort_key text, refs text[], body jsonb, primary key (kind, id))`.
 */
export interface SideTable {
  /** The row's body, or `null`. */
  get(kind: SideRecordKind, id: string): Promise<unknown | null>;
  /** Insert unless `(kind, id)` exists, atomically; says whether it inserted. */
  insert(kind: SideRecordKind, record: SideRecord): Promise<boolean>;
  /** Insert or replace by `(kind, id)`. */
  put(kind: SideRecordKind, record: SideRecord): Promise<void>;
  /** Delete; says whether the row existed. */
  delete(kind: SideRecordKind, id: string): Promise<boolean>;
  /** Rows of one kind ordered by `(sortKey, id)` (reversed for `desc`). */
  list(kind: SideRecordKind, scan: SideRecordScan): Promise<SideRecord[]>;
}

/**
 * What a host writes to get a whole {@link InteractionLedger} from {@link composeLedger}: seven
 * methods over its own tables plus a {@link SideTable}. Any method of the ledger given here as
 * well replaces the derived one (a single SQL `UPDATE` for `assignInteractions`, say).
 */
export interface LedgerParts
  extends Partial<Omit<InteractionLedger, 'appendInteraction' | 'getInteraction' | 'getCustomer' | 'saveCustomer' | 'transaction'>> {
  /** Store unless a row with `interaction.id` exists, atomically; return that row and whether it was inserted. */
  appendInteraction(interaction: Interaction): Promise<AppendResult>;
  /** The stored interaction, or `null`; tombstones too. */
  getInteraction(id: string): Promise<Interaction | null>;
  /** Replace a stored interaction with this one (same `id`): patches, re-attribution and erasure all write through it. */
  putInteraction(interaction: Interaction): Promise<void>;
  /** Rows matching `scan`, ordered by `(createdAt, id)` in `scan.order`, at most `scan.limit`. */
  scanInteractions(scan: InteractionScan): Promise<Interaction[]>;
  /** The customer, or `null`; merged-away customers too. */
  getCustomer(id: string): Promise<Customer | null>;
  /** Insert or replace by `id`; keep `mergedInto` (the CRM's screens hide such rows). */
  saveCustomer(customer: Customer): Promise<void>;
  /** Customers matching `scan`, ordered by `(createdAt, id)`, at most `scan.limit`. */
  scanCustomers(scan: CustomerScan): Promise<Customer[]>;
  /** The side table (see {@link SideTable}). */
  side: SideTable;
  /**
   * Optional: runs `task` in one storage transaction, with parts bound to it. Erase and the
   * read-modify-write methods run inside it; without it they are not atomic.
   */
  atomic?<T>(task: (parts: LedgerParts) => Promise<T>): Promise<T>;
}

/** The methods {@link LedgerParts} requires, for documentation and checks. @internal */
export const REQUIRED_LEDGER_PARTS = ['appendInteraction', 'getInteraction', 'putInteraction', 'scanInteractions', 'getCustomer', 'saveCustomer', 'scanCustomers', 'side'] as const;

/** An interaction with a patch applied: a field given as `undefined` is removed. */
export function applyInteractionPatch(interaction: Interaction, patch: InteractionPatch): Interaction {
  const updated: Record<string, unknown> = { ...interaction, ...clone(patch) };
  for (const [field, value] of Object.entries(patch)) if (value === undefined) delete updated[field];
  return updated as Interaction;
}

/** Whether an interaction matches every filter of a query (for hosts that filter in memory). */
export function interactionMatches(interaction: Interaction, query: Omit<InteractionQuery, 'limit' | 'cursor' | 'order'>): boolean {
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

/** The position a cursor names; a typed error for a cursor no ledger issued. */
function positionOf(cursor: string | undefined): { at: string; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const position = decodeCursor(cursor);
  if (!position) throw new InvalidOptionsError(`Cursor \`${cursor}\` is not a cursor this ledger issued.`);
  return position;
}

/**
 * One page from a keyset read: `fetch(size + 1)` tells whether there is a next page; the cursor
 * names the page's last row.
 */
async function keysetPage<Row>(limit: number | undefined, fetch: (take: number) => Promise<Row[]>, position: (row: Row) => { at: string; id: string }): Promise<Page<Row>> {
  const size = pageSize(limit);
  const rows = await fetch(size + 1);
  const items = rows.slice(0, size);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > size && last ? encodeCursor(position(last)) : null };
}

/** Every row a paged read returns, page after page. */
async function everyRow<Row>(read: (cursor: string | undefined) => Promise<Page<Row>>): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return rows;
}

type SideListQuery = Omit<SideRecordScan, 'after' | 'limit'> & { limit?: number; cursor?: string };

/** One page of side records, with the library's cursors. */
async function sidePage<T>(side: SideTable, kind: SideRecordKind, scan: SideListQuery): Promise<Page<T>> {
  const after = positionOf(scan.cursor);
  const page = await keysetPage(
    scan.limit,
    (take) => side.list(kind, { order: scan.order, ...(scan.refs ? { refs: scan.refs } : {}), ...(after ? { after: { sortKey: after.at, id: after.id } } : {}), limit: take }),
    (row) => ({ at: row.sortKey, id: row.id }),
  );
  return { items: page.items.map((row) => clone(row.body) as T), nextCursor: page.nextCursor };
}

function everySideRow<T>(side: SideTable, kind: SideRecordKind, scan: Omit<SideListQuery, 'limit' | 'cursor'>): Promise<T[]> {
  return everyRow((cursor) => sidePage<T>(side, kind, { ...scan, limit: 1000, ...(cursor ? { cursor } : {}) }));
}

const customerRef = (id: string) => `customer:${id}`;
const cursorId = (adapterId: string, stream: string) => JSON.stringify([adapterId, stream]);

/**
 * Builds a whole {@link InteractionLedger} from {@link LedgerParts}. Derived: `updateInteraction`,
 * `queryInteractions`, `assignInteractions`, `listCustomers`, the identities, merges, cursors,
 * dead letters, consent, the review queue and sends (in the side table), `exportCustomer` and
 * `eraseCustomer`. The optional outbox, locks and batch groups are not derived; pass `withLocks`
 * in the parts to offer locks.
 *
 * @example
 * const ledger = composeLedger({ appendInteraction, getInteraction, putInteraction, scanInteractions, getCustomer, saveCustomer, scanCustomers, side });
 * @see docs/authoring/custom-ledger.md
 */
export function composeLedger(parts: LedgerParts): InteractionLedger {
  const missing = REQUIRED_LEDGER_PARTS.filter((name) => (name === 'side' ? typeof parts.side !== 'object' || parts.side === null : typeof parts[name] !== 'function'));
  if (missing.length) throw new InvalidOptionsError(`composeLedger() needs ${missing.map((name) => `\`${name}\``).join(', ')}.`);
  const { side } = parts;
  const atomic = <T>(task: (scoped: InteractionLedger) => Promise<T>): Promise<T> => (parts.atomic ? parts.atomic((scoped) => task(composeLedger(scoped))) : task(ledger));
  const sideList = <T>(kind: SideRecordKind, scan: SideListQuery) => sidePage<T>(side, kind, scan);
  const everySide = <T>(kind: SideRecordKind, scan: Omit<SideListQuery, 'limit' | 'cursor'>) => everySideRow<T>(side, kind, scan);
  const getSide = async <T>(kind: SideRecordKind, id: string) => ((await side.get(kind, id)) as T | null) ?? null;

  const derived: InteractionLedger = {
    appendInteraction: (interaction) => parts.appendInteraction(interaction),
    getInteraction: (id) => parts.getInteraction(id),
    async updateInteraction(id, patch) {
      return atomic(async (scoped) => {
        const stored = await scoped.getInteraction(id);
        if (!stored) return null;
        const updated = applyInteractionPatch(stored, patch);
        await partsOf(scoped).putInteraction(updated);
        return updated;
      });
    },
    async queryInteractions(query) {
      const after = positionOf(query.cursor);
      const { limit: _limit, cursor: _cursor, ...filters } = query;
      return keysetPage(
        query.limit,
        (take) =>
          parts.scanInteractions({
            ...filters,
            includeDeleted: query.includeDeleted ?? false,
            order: query.order ?? 'asc',
            ...(after ? { after: { createdAt: after.at, id: after.id } } : {}),
            limit: take,
          }),
        (row) => ({ at: row.createdAt, id: row.id }),
      );
    },
    async assignInteractions(authorKeys, customerId) {
      return atomic(async (scoped) => {
        let count = 0;
        for (const authorKey of new Set(authorKeys)) {
          const rows = await everyRow((cursor) => scoped.queryInteractions({ authorKey, includeDeleted: true, limit: 1000, ...(cursor ? { cursor } : {}) }));
          for (const row of rows) {
            await partsOf(scoped).putInteraction({ ...row, customerId });
            count++;
          }
        }
        return count;
      });
    },

    getCustomer: (id) => parts.getCustomer(id),
    saveCustomer: (customer) => parts.saveCustomer(customer),
    async listCustomers(query = {}) {
      const after = positionOf(query.cursor);
      return keysetPage(
        query.limit,
        (take) => parts.scanCustomers({ includeMerged: query.includeMerged ?? false, ...(after ? { after: { createdAt: after.at, id: after.id } } : {}), limit: take }),
        (row) => ({ at: row.createdAt, id: row.id }),
      );
    },
    getIdentity: (key) => getSide<IdentityRecord>('identity', key),
    async saveIdentity(record) {
      await side.put('identity', { id: record.key, body: clone(record), sortKey: record.firstSeenAt, refs: [customerRef(record.customerId), ...record.blockingKeys.map((key) => `key:${key}`)] });
    },
    listIdentities: (customerId) => everySide<IdentityRecord>('identity', { refs: [customerRef(customerId)], order: 'asc' }),
    async findIdentitiesByBlockingKeys(keys, limit = 1000) {
      if (keys.length === 0) return [];
      const rows = await side.list('identity', { refs: keys.map((key) => `key:${key}`), order: 'asc', limit: Math.max(1, Math.floor(limit)) });
      return rows.map((row) => clone(row.body) as IdentityRecord);
    },
    async saveMerge(record) {
      await side.put('merge', { id: record.id, body: clone(record), sortKey: record.createdAt, refs: [record.survivorId, ...record.absorbedIds].map(customerRef) });
    },
    getMerge: (id) => getSide<MergeRecord>('merge', id),
    listMerges: (customerId) => everySide<MergeRecord>('merge', { refs: [customerRef(customerId)], order: 'desc' }),

    async getCursor(adapterId, stream) {
      return (await getSide<PollCursor>('cursor', cursorId(adapterId, stream)))?.cursor ?? null;
    },
    async setCursor(adapterId, stream, cursor) {
      await side.put('cursor', { id: cursorId(adapterId, stream), body: { adapterId, stream, cursor }, sortKey: '', refs: [] });
    },
    async addDeadLetter(entry) {
      const stored: DeadLetter = { ...clone(entry), id: entry.id ?? randomId('dl') };
      await side.put('dead-letter', { id: stored.id, body: stored, sortKey: stored.createdAt, refs: [] });
      return clone(stored);
    },
    listDeadLetters: (query = {}) => sideList<DeadLetter>('dead-letter', { order: 'asc', ...query }),
    async updateDeadLetter(entry) {
      if (await side.get('dead-letter', entry.id)) await side.put('dead-letter', { id: entry.id, body: clone(entry), sortKey: entry.createdAt, refs: [] });
    },
    removeDeadLetter: (id) => side.delete('dead-letter', id),
    getConsent: (key) => getSide<ConsentRecord>('consent', key),
    async setConsent(record) {
      await side.put('consent', { id: record.identityKey, body: clone(record), sortKey: record.updatedAt, refs: [] });
    },

    async saveSuggestion(suggestion) {
      await side.put('suggestion', { id: suggestion.id, body: clone(suggestion), sortKey: suggestion.createdAt, refs: [suggestion.customerId, suggestion.candidateCustomerId].map(customerRef) });
    },
    listSuggestions: (query = {}) =>
      sideList<MergeSuggestionRecord>('suggestion', { order: 'desc', ...(query.customerId !== undefined ? { refs: [customerRef(query.customerId)] } : {}), ...pick(query) }),
    removeSuggestion: (id) => side.delete('suggestion', id),

    async createSend(record) {
      checkSendRecord(record);
      if (await side.insert('send', sendRow(record))) return { created: true, record: clone(record) };
      return { created: false, record: (await getSide<SendRecord>('send', record.key))! };
    },
    async updateSend(record) {
      checkSendRecord(record);
      return atomic(async (scoped) => {
        const scopedSide = partsOf(scoped).side;
        if (!(await scopedSide.get('send', record.key))) return false;
        await scopedSide.put('send', sendRow(record));
        return true;
      });
    },
    getSend: (key) => getSide<SendRecord>('send', key),
    listSends(query) {
      checkSendState(query.state);
      return sideList<SendRecord>('send', { order: 'asc', refs: [`state:${query.state}`], ...pick(query) });
    },

    async exportCustomer(customerId) {
      const found = await footprintOf(ledger, customerId);
      if (!found) return null;
      const result: CustomerExport = {
        customer: found.customer,
        mergedCustomers: found.customers.filter((customer) => customer.id !== customerId),
        identities: found.identities,
        interactions: found.interactions,
        merges: found.merges,
        consents: found.consents,
        suggestions: found.suggestions,
        deadLetters: found.deadLetters,
        sends: found.sends,
        cursors: found.cursors,
      };
      return result;
    },
    async eraseCustomer(customerId) {
      return atomic(async (scoped) => {
        const found = await footprintOf(scoped, customerId);
        if (!found) return emptyErase(customerId);
        const scopedParts = partsOf(scoped);
        for (const row of found.interactions) await scopedParts.putInteraction(erasedInteraction(row, found.renamed.get(row.conversationId)));
        for (const row of found.identities) await scopedParts.side.delete('identity', row.key);
        for (const row of found.consents) await scopedParts.side.delete('consent', row.identityKey);
        for (const row of found.merges) await scoped.saveMerge(erasedMerge(row));
        for (const row of found.customers) await scoped.saveCustomer(erasedCustomer(row));
        for (const row of found.suggestions) await scoped.removeSuggestion!(row.id);
        for (const row of found.deadLetters) await scoped.removeDeadLetter(row.id);
        for (const row of found.sends) await scoped.updateSend!(erasedSend(row));
        for (const row of found.cursors) await scopedParts.side.delete('cursor', cursorId(row.adapterId, row.stream));
        const result: EraseResult = eraseResultOf(customerId, { ...found, outbox: [] });
        return result;
      });
    },
  };

  // The host's own methods replace the derived ones.
  const overrides = Object.fromEntries(
    Object.entries(parts).filter(([name, value]) => typeof value === 'function' && name in derived && !['appendInteraction', 'getInteraction', 'getCustomer', 'saveCustomer'].includes(name)),
  );
  const ledger: InteractionLedger = { ...derived, ...overrides, ...(parts.withLocks ? { withLocks: parts.withLocks } : {}), ...(parts.close ? { close: parts.close } : {}) };
  PARTS.set(ledger, parts);
  return ledger;
}

/** The parts each composed ledger was built from (the scoped ledgers of `atomic` included). */
const PARTS = new WeakMap<InteractionLedger, LedgerParts>();
function partsOf(ledger: InteractionLedger): LedgerParts {
  return PARTS.get(ledger)!;
}

function pick(query: { limit?: number; cursor?: string }): { limit?: number; cursor?: string } {
  return { ...(query.limit !== undefined ? { limit: query.limit } : {}), ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) };
}

function sendRow(record: SendRecord): SideRecord {
  return { id: record.key, body: clone(record), sortKey: record.createdAt, refs: [`state:${record.state}`] };
}

/**
 * Everything stored about the customer and the customers merged into it, read through the
 * ledger's own methods by the SDK's erasure rules: what export returns and erase removes.
 * Interactions are found by customer, by author identity, and by conversation (the rest of a
 * private conversation, and the brand's messages addressed to the person in threads they wrote in).
 */
async function footprintOf(ledger: InteractionLedger, customerId: string) {
  const customer = await ledger.getCustomer(customerId);
  if (!customer) return null;
  const parts = partsOf(ledger);
  const customers: Customer[] = [customer];
  for (let index = 0; index < customers.length; index++) {
    const merged = await everyRow(async (cursor) => {
      const after = positionOf(cursor);
      return keysetPage(1000, (take) => parts.scanCustomers({ includeMerged: true, mergedInto: customers[index]!.id, ...(after ? { after: { createdAt: after.at, id: after.id } } : {}), limit: take }), (row) => ({ at: row.createdAt, id: row.id }));
    });
    for (const row of merged) if (!customers.some((known) => known.id === row.id)) customers.push(row);
  }
  const related = new Set(customers.map((row) => row.id));
  const identities = (await Promise.all(customers.map((row) => ledger.listIdentities(row.id)))).flat();
  const keys = new Set([...identities.map((row) => row.key), ...customers.flatMap((row) => row.identityKeys)]);
  const all = (query: InteractionQuery) => everyRow((cursor) => ledger.queryInteractions({ ...query, includeDeleted: true, limit: 1000, ...(cursor ? { cursor } : {}) }));
  const candidates = new Map<string, Interaction>();
  const add = (rows: Interaction[]) => rows.forEach((row) => candidates.set(row.id, row));
  for (const id of related) add(await all({ customerId: id }));
  for (const key of keys) add(await all({ authorKey: key }));
  for (const conversationId of new Set([...candidates.values()].map((row) => row.conversationId))) add(await all({ conversationId }));
  const { rows, owned, renamed } = interactionsToErase([...candidates.values()], related, keys);
  const merges = new Map<string, MergeRecord>();
  for (const id of related) for (const merge of await ledger.listMerges(id)) merges.set(merge.id, merge);
  const subject = erasureSubjectOf({ customers, identities, interactions: rows, merges: [...merges.values()] }, owned);
  const mentions = subjectMatcher(subject);
  const consents = (await Promise.all(subject.identityKeys.map((key) => ledger.getConsent(key)))).filter((row): row is ConsentRecord => row !== null);
  const suggestions = new Map<string, MergeSuggestionRecord>();
  if (ledger.listSuggestions) for (const id of related) for (const row of await everyRow((cursor) => ledger.listSuggestions!({ customerId: id, limit: 1000, ...(cursor ? { cursor } : {}) }))) suggestions.set(row.id, row);
  const interactionIds = new Set(subject.interactionIds);
  const sends = ledger.listSends
    ? (await Promise.all((['pending', 'sent', 'unknown', 'failed'] as const).map((state) => everyRow((cursor) => ledger.listSends!({ state, limit: 1000, ...(cursor ? { cursor } : {}) })))))
        .flat()
        .filter((row) => interactionIds.has(row.inReplyTo) || (row.interactionId !== undefined && interactionIds.has(row.interactionId)))
    : [];
  const deadLetters = (await everyRow((cursor) => ledger.listDeadLetters({ limit: 1000, ...(cursor ? { cursor } : {}) }))).filter((row) => mentions(row.payload) || mentions(row.error));
  const cursors = (await everySideRow<PollCursor>(parts.side, 'cursor', { order: 'asc' })).filter((row) => mentions(row.stream) || mentions(row.cursor));
  return {
    customer,
    customers,
    identities,
    interactions: rows.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1)),
    renamed,
    merges: [...merges.values()],
    consents,
    suggestions: [...suggestions.values()].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1)),
    deadLetters,
    sends,
    cursors,
  };
}
