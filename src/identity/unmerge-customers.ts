/**
 * The `unmerge` command: undoes a merge exactly, from the snapshot its record holds.
 *
 * @module
 */
import type { Customer } from '../interaction.js';
import type { MergeRecord } from '../ledger.js';
import type { IdentityResolverContext } from '../identity-resolver.js';
import { IdentityConflictError, NotFoundError } from '../errors.js';
import { customerLocks, runCommand } from './coordination.js';
import type { IdentityCommandContext } from './identity-merger.js';
import { loadCustomer } from './load-customer.js';
import type { MergerContext } from './merger-context.js';

/** Result of {@link IdentityMerger.unmerge}. */
export interface UnmergeResult {
  merge: MergeRecord;
  /** The customers as restored. */
  customers: Customer[];
  /** Identities that had left the survivor since the merge and were therefore left where they are. */
  skippedIdentities: string[];
}

/** The `unmerge` command. @internal */
export async function unmergeCustomers(merger: MergerContext, mergeId: string, context?: IdentityCommandContext): Promise<UnmergeResult> {
  const customersOf = async (resolved: IdentityResolverContext) => {
    const merge = await resolved.ledger.getMerge(mergeId);
    return merge ? customerLocks([merge.survivorId, ...merge.absorbedIds]) : [];
  };
  const result = await runCommand(merger, context, [], customersOf, async (resolved) => {
    const { ledger } = resolved;
    const merge = await ledger.getMerge(mergeId);
    if (!merge) throw new NotFoundError('Merge', mergeId);
    if (merge.undoneAt) throw new IdentityConflictError(`Merge \`${mergeId}\` was already undone at ${merge.undoneAt}.`);
    const survivor = await loadCustomer(ledger, merge.survivorId);
    if (survivor.mergedInto) {
      throw new IdentityConflictError(`Customer \`${survivor.id}\` was merged into \`${survivor.mergedInto}\` after merge \`${mergeId}\`; undo that merge first.`);
    }
    for (const id of merge.absorbedIds) {
      const absorbed = await loadCustomer(ledger, id);
      if (absorbed.mergedInto !== merge.survivorId) {
        throw new IdentityConflictError(`Customer \`${id}\` is no longer merged into \`${merge.survivorId}\`; merge \`${mergeId}\` cannot be undone.`);
      }
    }
    const snapshotKeys = new Set(merge.snapshot.identities.map((identity) => identity.key));
    const skippedIdentities: string[] = [];
    const keysByCustomer = new Map<string, string[]>();
    for (const entry of merge.snapshot.identities) {
      const record = await ledger.getIdentity(entry.key);
      if (!record || record.customerId !== merge.survivorId) {
        skippedIdentities.push(entry.key);
        continue;
      }
      if (entry.customerId !== record.customerId) await ledger.saveIdentity({ ...record, customerId: entry.customerId });
      const list = keysByCustomer.get(entry.customerId) ?? [];
      list.push(entry.key);
      keysByCustomer.set(entry.customerId, list);
    }
    const restored: Customer[] = [];
    for (const snapshot of merge.snapshot.customers) {
      let customer = structuredClone(snapshot);
      if (customer.id === merge.survivorId) {
        // Identities that joined the survivor after this merge stay with it.
        const later = survivor.identityKeys.filter((key) => !snapshotKeys.has(key));
        if (later.length > 0) customer = { ...customer, identityKeys: [...customer.identityKeys, ...later], updatedAt: resolved.now().toISOString() };
      }
      await ledger.saveCustomer(customer);
      restored.push(customer);
    }
    for (const [customerId, keys] of keysByCustomer) {
      if (customerId !== merge.survivorId) await ledger.assignInteractions(keys, customerId);
    }
    const undone: MergeRecord = { ...merge, undoneAt: resolved.now().toISOString() };
    await ledger.saveMerge(undone);
    return { merge: undone, customers: restored, skippedIdentities };
  });
  merger.announce({ type: 'customer-unmerged', merge: result.merge });
  return result;
}
