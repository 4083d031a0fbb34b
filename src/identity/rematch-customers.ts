/**
 * The `rematch` command: matches the identities already in the ledger again, a page of customers
 * per call, after the model, bands, evidence level or blocking keys changed.
 *
 * @module
 */
import type { ChannelIdentity } from '../interaction.js';
import type { MergeRecord } from '../ledger.js';
import type { IdentityResolverContext, ResolveResult } from '../identity-resolver.js';
import { lockAndAct } from './act-on-candidates.js';
import { commandContext, coordinated, identityLocks, inProcess } from './coordination.js';
import { blockingKeysOf, ledgerCandidates } from './find-candidates.js';
import type { IdentityCommandContext } from './identity-merger.js';
import type { MergerContext } from './merger-context.js';
import { findAndRankCandidates } from './rank-candidates.js';
import { resolutionKeys } from './resolve-identity.js';
import { throwIfAborted, type ProgressOptions } from '../_abort.js';
import { checkOptionKeys } from '../_options.js';

/** Query of {@link IdentityMerger.rematch}; `onProgress` counts the page's customers matched again. */
export interface RematchQuery extends ProgressOptions {
  /** Customers per call. @default 100 */
  limit?: number;
  /** The `nextCursor` of the previous call. */
  cursor?: string;
}

const OPERATION = 'merger.rematch()';

/** Result of {@link IdentityMerger.rematch}. */
export interface RematchResult {
  customersScanned: number;
  identitiesScanned: number;
  merges: MergeRecord[];
  /** Suggestions put in (or refreshed in) the review queue. */
  suggestions: number;
  /** Pass it to the next call; `null` when every customer was scanned. */
  nextCursor: string | null;
}

/** The `rematch` command. @internal */
export async function rematchCustomers(merger: MergerContext, query: RematchQuery = {}, context?: IdentityCommandContext): Promise<RematchResult> {
  checkOptionKeys(OPERATION, query, ['limit', 'cursor', 'signal', 'onProgress']);
  const { signal } = query;
  throwIfAborted(signal, OPERATION);
  const resolved = commandContext(merger, context);
  const page = await resolved.ledger.listCustomers({ limit: query.limit ?? 100, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) });
  const merges: MergeRecord[] = [];
  let suggestions = 0;
  let identitiesScanned = 0;
  let customersScanned = 0;
  const progress = () => ({ done: customersScanned, total: page.items.length });
  try {
    for (const customer of page.items) {
      throwIfAborted(signal, OPERATION, progress());
      for (const record of await resolved.ledger.listIdentities(customer.id)) {
        identitiesScanned++;
        if (record.identity.isBrand) continue;
        const result = await rematchIdentity(merger, record.key, record.identity, resolved);
        if (!result) continue;
        merges.push(...result.merges);
        suggestions += result.suggestions.length;
      }
      customersScanned++;
      query.onProgress?.(progress());
    }
  } finally {
    // Merges made before an abort (or a failure) are stored: they are announced all the same.
    for (const merge of merges) merger.announce({ type: 'customer-merged', merge });
  }
  return { customersScanned: page.items.length, identitiesScanned, merges, suggestions, nextCursor: page.nextCursor };
}

/**
 * Matches one stored identity again: its blocking keys are brought up to date (the host may have
 * changed `blockingKeys`), then it is ranked and acted on like a resolution.
 */
function rematchIdentity(merger: MergerContext, key: string, identity: ChannelIdentity, context: IdentityResolverContext): Promise<Omit<ResolveResult, 'created'> | null> {
  const keys = resolutionKeys(merger, identity);
  return merger.keyLocks.withLocks(keys, () =>
    coordinated(context, identityLocks(keys), async (scoped) => {
      let record = await scoped.ledger.getIdentity(key);
      if (!record) return null;
      const blockingKeys = blockingKeysOf(merger, record.identity, record);
      if (blockingKeys.length !== record.blockingKeys.length || blockingKeys.some((blockingKey) => !record!.blockingKeys.includes(blockingKey))) {
        record = { ...record, blockingKeys };
        await scoped.ledger.saveIdentity(record);
      }
      const current = record;
      const ranked = await inProcess(merger, scoped, 'shared', () => findAndRankCandidates(merger, current, ledgerCandidates(merger, scoped.ledger)));
      return ranked.length === 0 ? null : lockAndAct(merger, current, ranked, scoped);
    }),
  );
}
