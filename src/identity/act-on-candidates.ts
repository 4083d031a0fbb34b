/**
 * Acting on a resolution's ranked candidates: merge, or suggest for review when the band, a
 * conflict, an earlier separation or a second probabilistic match says so. Runs alone.
 *
 * @internal
 * @module
 */
import type { Customer } from '../interaction.js';
import { hasLocking, type IdentityRecord, type MergeDecision, type MergeRecord } from '../ledger.js';
import type { IdentityResolverContext, ResolveResult } from '../identity-resolver.js';
import { conflictsBetween, type MergeEvidence } from './compare-pair.js';
import { customerLocks, holdLocks, inProcess } from './coordination.js';
import { currentCustomer, loadCustomer } from './load-customer.js';
import type { MergerContext } from './merger-context.js';
import { oldestFirst, performMerge, separated } from './perform-merge.js';
import type { RankedCandidate } from './rank-candidates.js';
import { enqueueSuggestion, type MergeSuggestion } from './review-queue.js';

/**
 * Locks the customers involved as they stand now (with cross-process locks; those that move
 * meanwhile are left alone), then merges with or suggests the ranked candidates, alone: inside
 * `exclusive`, by default this process's gate when the ledger has no cross-process locks.
 */
export async function lockAndAct(
  merger: MergerContext,
  record: IdentityRecord,
  ranked: RankedCandidate[],
  context: IdentityResolverContext,
  exclusive: <T>(task: () => Promise<T>) => Promise<T> = (task) => inProcess(merger, context, 'exclusive', task),
): Promise<Omit<ResolveResult, 'created'>> {
  let locked: Set<string> | null = null;
  if (hasLocking(context.ledger)) {
    locked = new Set<string>();
    for (const id of [record.customerId, ...ranked.map((entry) => entry.customerId)]) locked.add((await currentCustomer(context.ledger, id))?.id ?? id);
    await holdLocks(context, customerLocks(locked));
  }
  return exclusive(() => actOnCandidates(merger, record, ranked, context, locked));
}

/**
 * Merges with (or suggests) the ranked candidates. Customers are read again here, and a customer
 * merged since the ranking stands for the customer it now lives in. With cross-process locks,
 * `locked` holds the customers locked for this step: a candidate that has since moved to another
 * customer is left for a later resolution.
 */
async function actOnCandidates(
  merger: MergerContext,
  record: IdentityRecord,
  ranked: RankedCandidate[],
  context: IdentityResolverContext,
  locked: ReadonlySet<string> | null,
): Promise<Omit<ResolveResult, 'created'>> {
  const { ledger } = context;
  const merges: MergeRecord[] = [];
  const suggestions: ResolveResult['suggestions'] = [];
  let currentCustomerId = (await currentCustomer(ledger, record.customerId))?.id ?? record.customerId;
  let probabilisticMerged = false;
  const seen = new Set<string>();
  for (const { customerId: rankedCustomerId, candidate, pair, band } of ranked) {
    const candidateCustomerId = (await currentCustomer(ledger, rankedCustomerId))?.id;
    if (!candidateCustomerId || candidateCustomerId === currentCustomerId || seen.has(candidateCustomerId)) continue;
    // Merged into a customer outside the locked set since: the next resolution that meets it decides.
    if (locked && (!locked.has(candidateCustomerId) || !locked.has(currentCustomerId))) continue;
    seen.add(candidateCustomerId);
    const deterministic = pair.deterministic !== null;
    const evidence: MergeEvidence = {
      kind: pair.deterministic ?? 'probabilistic',
      identities: [record.key, candidate.key],
      reasons: pair.reasons,
      comparisons: pair.comparisons,
      weight: pair.weight,
      probability: pair.probability,
    };
    const suggest = async (reason: MergeSuggestion['reason']) => {
      await enqueueSuggestion(merger, ledger, {
        id: context.generateId(),
        customerId: currentCustomerId,
        candidateCustomerId,
        score: pair.probability,
        reason,
        evidence,
        createdAt: context.now().toISOString(),
      });
      suggestions.push({ customerId: candidateCustomerId, score: pair.probability, evidence: { ...evidence, reason } });
    };
    if (band === 'review') {
      await suggest('review-band');
      continue;
    }
    if (!deterministic && probabilisticMerged) {
      await suggest('ambiguous');
      continue;
    }
    const current = await loadCustomer(ledger, currentCustomerId);
    const other = await ledger.getCustomer(candidateCustomerId);
    if (!other || other.mergedInto) continue;
    const currentIdentities = (await ledger.listIdentities(current.id)).map((identity) => identity.identity);
    const otherIdentities = (await ledger.listIdentities(other.id)).map((identity) => identity.identity);
    const conflicts = conflictsBetween(merger, currentIdentities, otherIdentities);
    if (conflicts.length > 0) {
      evidence.reasons = [...conflicts.map((conflict) => `conflict: ${conflict}`), ...evidence.reasons];
      await suggest('conflict');
      continue;
    }
    if (await separated(ledger, current, other)) {
      await suggest('previously-separated');
      continue;
    }
    const [survivor, absorbed] = oldestFirst([other, current]) as [Customer, Customer];
    const decidedBy: MergeDecision = deterministic ? { type: 'rule', name: pair.deterministic as string } : { type: 'model', name: merger.modelName };
    const merge = await performMerge(context, survivor.id, [absorbed.id], decidedBy, evidence, deterministic ? undefined : pair.probability);
    merges.push(merge);
    currentCustomerId = survivor.id;
    if (!deterministic) probabilisticMerged = true;
  }
  return { customerId: currentCustomerId, merges, suggestions };
}
