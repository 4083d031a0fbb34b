/**
 * The review queue: pairs of customers waiting for an agent's decision, one open suggestion per
 * pair, always read with today's customer ids. In the ledger when it keeps one
 * ({@link ReviewStore}), else in the merger's memory.
 *
 * @module
 */
import type { InteractionLedger, MergeSuggestionRecord, Page, ReviewStore } from '../ledger.js';
import type { MergeEvidence } from './compare-pair.js';
import { commandContext } from './coordination.js';
import type { IdentityCommandContext, IdentityMerger } from './identity-merger.js';
import { currentCustomer, mergedGroup } from './load-customer.js';
import type { MergerContext } from './merger-context.js';

/** A pair of customers waiting for an agent's decision (one per pair; see {@link IdentityMerger.suggestions}). */
export interface MergeSuggestion extends MergeSuggestionRecord {
  /** Why it was not merged automatically: the score band, a conflict, or an earlier unmerge or split. */
  reason: 'review-band' | 'conflict' | 'previously-separated' | 'ambiguous';
  evidence: MergeEvidence;
}

/** Query of {@link IdentityMerger.suggestions}. */
export interface SuggestionQuery {
  /** Only suggestions naming this customer, or a customer merged into it (then all on one page). */
  customerId?: string;
  /** Page size, 1–1000. @default 100 */
  limit?: number;
  cursor?: string;
}

/**
 * Puts a suggestion in the review queue, replacing the open one for the same two customers
 * (keeping its id and date), so repeated evidence never piles up duplicates. @internal
 */
export async function enqueueSuggestion(merger: MergerContext, ledger: InteractionLedger, suggestion: MergeSuggestion): Promise<void> {
  const store = merger.reviewStoreOf(ledger);
  const pair = new Set([suggestion.customerId, suggestion.candidateCustomerId]);
  const open = (await listAll(store, suggestion.customerId)).find((row) => pair.has(row.customerId) && pair.has(row.candidateCustomerId));
  await store.saveSuggestion(open ? { ...suggestion, id: open.id, createdAt: open.createdAt } : suggestion);
}

/** The `suggestions` command: a page of the queue, or every suggestion naming one customer. @internal */
export async function listSuggestions(merger: MergerContext, query: SuggestionQuery = {}, context?: IdentityCommandContext): Promise<Page<MergeSuggestion>> {
  const { ledger } = commandContext(merger, context);
  const store = merger.reviewStoreOf(ledger);
  if (query.customerId === undefined) {
    const page = await store.listSuggestions({ ...(query.limit !== undefined ? { limit: query.limit } : {}), ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) });
    return { items: await currentSuggestions(ledger, store, page.items), nextCursor: page.nextCursor };
  }
  return { items: await suggestionsOf(merger, ledger, query.customerId), nextCursor: null };
}

/** The `dismissSuggestion` command. @internal */
export async function dismissSuggestion(merger: MergerContext, id: string, context?: IdentityCommandContext): Promise<boolean> {
  const { ledger } = commandContext(merger, context);
  return merger.reviewStoreOf(ledger).removeSuggestion(id);
}

/** Open suggestions naming the customer or a customer merged into it, current, newest first. @internal */
export async function suggestionsOf(merger: MergerContext, ledger: InteractionLedger, customerId: string): Promise<MergeSuggestion[]> {
  const store = merger.reviewStoreOf(ledger);
  const rows = new Map<string, MergeSuggestionRecord>();
  for (const id of await mergedGroup(ledger, customerId)) for (const row of await listAll(store, id)) rows.set(row.id, row);
  const newestFirst = [...rows.values()].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
  return currentSuggestions(ledger, store, newestFirst);
}

/** Every stored suggestion naming the customer. */
async function listAll(store: ReviewStore, customerId: string): Promise<MergeSuggestionRecord[]> {
  const rows: MergeSuggestionRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listSuggestions({ customerId, limit: 1000, ...(cursor ? { cursor } : {}) });
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

/**
 * Suggestions as they stand now: customer ids moved to the customers they were merged into;
 * rows whose customers became one, were erased or are gone, and older rows of a pair already
 * listed, are removed from the store.
 */
async function currentSuggestions(ledger: InteractionLedger, store: ReviewStore, rows: MergeSuggestionRecord[]): Promise<MergeSuggestion[]> {
  const items: MergeSuggestion[] = [];
  const pairs = new Set<string>();
  for (const row of rows) {
    const [customer, candidate] = await Promise.all([currentCustomer(ledger, row.customerId), currentCustomer(ledger, row.candidateCustomerId)]);
    const pair = customer && candidate ? [customer.id, candidate.id].sort().join('\u0000') : '';
    if (!customer || !candidate || customer.id === candidate.id || customer.attributes.erased === true || candidate.attributes.erased === true || pairs.has(pair)) {
      await store.removeSuggestion(row.id);
      continue;
    }
    pairs.add(pair);
    items.push({ ...(row as MergeSuggestion), customerId: customer.id, candidateCustomerId: candidate.id });
  }
  return items;
}
