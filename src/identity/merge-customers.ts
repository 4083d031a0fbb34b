/**
 * The `merge` command: an agent merges customers, across a conflict only when forced.
 *
 * @module
 */
import type { ChannelIdentity, Customer } from '../interaction.js';
import { identityKey } from '../interaction.js';
import type { MergeRecord } from '../ledger.js';
import { IdentityConflictError, InvalidOptionsError } from '../errors.js';
import { conflictsBetween, type MergeEvidence } from './compare-pair.js';
import { customerLocks, runCommand } from './coordination.js';
import type { IdentityCommandContext } from './identity-merger.js';
import { loadCustomer } from './load-customer.js';
import type { MergerContext } from './merger-context.js';
import { oldestFirst, performMerge } from './perform-merge.js';

/** Options of {@link IdentityMerger.merge}. */
export interface ManualMergeOptions {
  /** Who decides (agent id). */
  agent: string;
  /** The customer that remains. @default the oldest */
  survivorId?: string;
  /** Free text kept with the evidence. */
  reason?: string;
  /** Merge even when verified emails or phones differ. @default false */
  force?: boolean;
}

/** The `merge` command. @internal */
export async function mergeCustomers(merger: MergerContext, customerIds: string[], mergeOptions: ManualMergeOptions, context?: IdentityCommandContext): Promise<MergeRecord> {
  const merge = await runCommand(merger, context, [], () => customerLocks(customerIds), async (resolved) => {
    const { ledger } = resolved;
    if (!mergeOptions?.agent) throw new InvalidOptionsError('[identity] `agent` is required for a manual merge.', [{ path: 'agent', message: 'required' }]);
    if (new Set(customerIds).size < 2 || new Set(customerIds).size !== customerIds.length) {
      throw new IdentityConflictError('A merge needs at least two distinct customers.');
    }
    const customers = await Promise.all(customerIds.map((id) => loadCustomer(ledger, id)));
    const merged = customers.find((customer) => customer.mergedInto);
    if (merged) throw new IdentityConflictError(`Customer \`${merged.id}\` is already merged into \`${merged.mergedInto}\`.`);
    const survivorId = mergeOptions.survivorId ?? (oldestFirst(customers)[0] as Customer).id;
    if (!customerIds.includes(survivorId)) throw new InvalidOptionsError('[identity] `survivorId` must be one of the merged customers.', [{ path: 'survivorId', message: 'not among customerIds' }]);
    const identities = await Promise.all(customerIds.map(async (id) => (await ledger.listIdentities(id)).map((record) => record.identity)));
    const conflicts: string[] = [];
    for (let i = 0; i < identities.length; i++) {
      for (let j = i + 1; j < identities.length; j++) conflicts.push(...conflictsBetween(merger, identities[i] as ChannelIdentity[], identities[j] as ChannelIdentity[]));
    }
    if (conflicts.length > 0 && !mergeOptions.force) {
      throw new IdentityConflictError(`These customers have conflicting strong identifiers (${conflicts.join('; ')}). Pass \`force: true\` to merge anyway.`);
    }
    const evidence: MergeEvidence = {
      kind: 'agent',
      identities: identities.flat().map((identity) => identityKey(identity)),
      reasons: [`agent ${mergeOptions.agent} merged these customers${mergeOptions.reason ? `: ${mergeOptions.reason}` : ''}`, ...conflicts.map((conflict) => `overridden conflict: ${conflict}`)],
    };
    return performMerge(resolved, survivorId, customerIds.filter((id) => id !== survivorId), { type: 'agent', name: mergeOptions.agent }, evidence);
  });
  merger.announce({ type: 'customer-merged', merge });
  return merge;
}
