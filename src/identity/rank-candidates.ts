/**
 * Ranking: which candidate customers of an identity are worth acting on, best first.
 *
 * @internal
 * @module
 */
import type { ChannelIdentity } from '../interaction.js';
import type { IdentityRecord } from '../ledger.js';
import type { CandidateSource } from './find-candidates.js';
import { comparePair, preparedOf, worthExplaining, type PairExplanation } from './compare-pair.js';
import type { MergerContext } from './merger-context.js';

/** A candidate customer worth acting on, with its best pair. */
export interface RankedCandidate {
  customerId: string;
  candidate: IdentityRecord;
  pair: PairExplanation;
  band: 'auto-merge' | 'review';
}

/** Whether an identity is matched against others at all (brands and `attested-only` never are). */
export function isMatchable(merger: MergerContext, identity: ChannelIdentity): boolean {
  return merger.evidenceLevel !== 'attested-only' && !identity.isBrand;
}

/** Looks up the identity's candidates and ranks them. Reads only: runs beside other resolutions. */
export async function findAndRankCandidates(merger: MergerContext, record: IdentityRecord, candidates: CandidateSource): Promise<RankedCandidate[]> {
  if (!isMatchable(merger, record.identity)) return [];
  return rankCandidates(merger, record, await candidates(record.blockingKeys));
}

/**
 * The candidate customers worth acting on for one identity (a deterministic link, or a score in
 * the review or auto-merge band), best first, from the identities its blocking keys found.
 */
function rankCandidates(merger: MergerContext, record: IdentityRecord, found: IdentityRecord[]): RankedCandidate[] {
  const candidates = found.filter((candidate) => candidate.key !== record.key && candidate.customerId !== record.customerId && !candidate.identity.isBrand);
  // Best evidence per candidate customer. Most candidates are in the no-match band: a cheap
  // weight with an early stop rules them out before any explanation is built.
  const byCustomer = new Map<string, { candidate: IdentityRecord; pair: PairExplanation }>();
  const self = preparedOf(merger, record.identity);
  const rank = (entry: PairExplanation) => (entry.deterministic ? 1e6 : 0) + entry.weight;
  for (const candidate of candidates) {
    if (!worthExplaining(merger, self, preparedOf(merger, candidate.identity))) continue;
    const pair = comparePair(merger, record.identity, candidate.identity);
    const current = byCustomer.get(candidate.customerId);
    if (!current || rank(pair) > rank(current.pair)) byCustomer.set(candidate.customerId, { candidate, pair });
  }
  const band = (pair: PairExplanation) => (pair.deterministic !== null ? 'auto-merge' : merger.evidenceLevel === 'probabilistic' ? pair.band : 'no-match');
  return [...byCustomer.entries()]
    .filter(([, { pair }]) => band(pair) !== 'no-match')
    .sort((first, second) => rank(second[1].pair) - rank(first[1].pair))
    .map(([customerId, { candidate, pair }]) => ({ customerId, candidate, pair, band: band(pair) as RankedCandidate['band'] }));
}
