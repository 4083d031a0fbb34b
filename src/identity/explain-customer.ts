/**
 * The `explain` command: why a customer is made of the identities it has — every merge with who
 * decided and why, and the suggestions still waiting for review — as data and as text.
 *
 * @module
 */
import type { MergeDecision } from '../ledger.js';
import type { MergeEvidence } from './compare-pair.js';
import { commandContext } from './coordination.js';
import type { IdentityCommandContext } from './identity-merger.js';
import { loadCustomer } from './load-customer.js';
import type { MergerContext } from './merger-context.js';
import { suggestionsOf, type MergeSuggestion } from './review-queue.js';

/** Result of {@link IdentityMerger.explain}. */
export interface CustomerExplanation {
  customerId: string;
  /** The customer's identity keys with their channel, in order. */
  identities: Array<{ key: string; channel: string; attested: boolean }>;
  merges: Array<{
    mergeId: string;
    createdAt: string;
    survivorId: string;
    absorbedIds: string[];
    decidedBy: MergeDecision;
    score?: number;
    undone: boolean;
    summary: string;
    reasons: string[];
  }>;
  /** Open review-queue suggestions that name the customer (or a customer merged into it), newest first. */
  suggestions: MergeSuggestion[];
  /** The whole explanation as text, one line per fact. */
  text: string;
}

/** The `explain` command. @throws NotFoundError @internal */
export async function explainCustomer(merger: MergerContext, customerId: string, context?: IdentityCommandContext): Promise<CustomerExplanation> {
  const { ledger } = commandContext(merger, context);
  const customer = await loadCustomer(ledger, customerId);
  const identities = await ledger.listIdentities(customerId);
  const history = await ledger.listMerges(customerId);
  const merges = history.map((merge) => {
    const evidence = (merge.evidence ?? {}) as Partial<MergeEvidence>;
    const who = `${merge.decidedBy.type} ${merge.decidedBy.name}`;
    const score = merge.score !== undefined ? ` (match probability ${merge.score.toFixed(4)})` : '';
    const summary = `${merge.createdAt}: ${merge.absorbedIds.join(', ')} merged into ${merge.survivorId} by ${who}${score}${merge.undoneAt ? `; undone at ${merge.undoneAt}` : ''}`;
    return {
      mergeId: merge.id,
      createdAt: merge.createdAt,
      survivorId: merge.survivorId,
      absorbedIds: merge.absorbedIds,
      decidedBy: merge.decidedBy,
      ...(merge.score !== undefined ? { score: merge.score } : {}),
      undone: merge.undoneAt !== undefined,
      summary,
      reasons: Array.isArray(evidence.reasons) ? evidence.reasons : [],
    };
  });
  const lines = [
    `Customer ${customer.id}${customer.mergedInto ? ` (merged into ${customer.mergedInto})` : ''}: ${identities.length} identit${identities.length === 1 ? 'y' : 'ies'}`,
    ...identities.map((record) => `  ${record.key}${record.attested ? ' (attested)' : ''}`),
    ...merges.flatMap((merge) => [merge.summary, ...merge.reasons.map((reason) => `  - ${reason}`)]),
  ];
  const pending = await suggestionsOf(merger, ledger, customer.mergedInto ?? customerId);
  for (const suggestion of pending) {
    const other = suggestion.customerId === (customer.mergedInto ?? customerId) ? suggestion.candidateCustomerId : suggestion.customerId;
    lines.push(`Waiting for review: may be the same person as ${other} (match probability ${suggestion.score.toFixed(4)}, ${suggestion.reason})`);
    lines.push(...suggestion.evidence.reasons.map((reason) => `  - ${reason}`));
  }
  return {
    customerId,
    identities: identities.map((record) => ({ key: record.key, channel: record.identity.channel, attested: record.attested })),
    merges,
    suggestions: pending,
    text: lines.join('\n'),
  };
}
