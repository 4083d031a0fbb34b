/**
 * Resolving one identity: a known identity with an unchanged profile keeps its customer; a new
 * one is registered, a changed one refreshed, and either is then matched against its candidates.
 *
 * @internal
 * @module
 */
import type { ChannelIdentity } from '../interaction.js';
import { identityKey } from '../interaction.js';
import { hasLocking, type IdentityRecord } from '../ledger.js';
import type { IdentityResolverContext, ResolveResult } from '../identity-resolver.js';
import { refreshIdentity, registerIdentity } from '../identity-resolver.js';
import { lockAndAct } from './act-on-candidates.js';
import { coordinated, identityLocks, inProcess } from './coordination.js';
import { blockingKeysOf, ledgerCandidates, type CandidateSource } from './find-candidates.js';
import type { MergerContext } from './merger-context.js';
import { findAndRankCandidates, type RankedCandidate } from './rank-candidates.js';

/**
 * Resolves one identity. Resolutions that share no key (the identity's own, its email, phone,
 * handle or name keys) cannot be each other's candidates, so they register and rank side by
 * side; merging and suggesting run one at a time, as do the agent commands. With a ledger that
 * has cross-process locks, the same keys are locked there too, so that workers in other
 * processes wait: a known identity with an unchanged profile is answered before, without locks.
 */
export function resolveIdentity(merger: MergerContext, identity: ChannelIdentity, context: IdentityResolverContext): Promise<ResolveResult> {
  const keys = resolutionKeys(merger, identity);
  return merger.keyLocks.withLocks(keys, async () => {
    if (hasLocking(context.ledger)) {
      const existing = await context.ledger.getIdentity(identityKey(identity));
      const known = existing ? await touchUnchanged(existing, identity, context) : null;
      if (known) return { customerId: known.customerId, created: false, merges: [], suggestions: [] };
    }
    return coordinated(context, identityLocks(keys), async (scoped) => {
      const prepared = await inProcess(merger, scoped, 'shared', async () =>
        prepareResolution(merger, identity, await scoped.ledger.getIdentity(identityKey(identity)), scoped, ledgerCandidates(merger, scoped.ledger)),
      );
      if (!prepared.record || prepared.ranked.length === 0) return { customerId: prepared.customerId, created: prepared.created, merges: [], suggestions: [] };
      return { ...(await lockAndAct(merger, prepared.record, prepared.ranked, scoped)), created: prepared.created };
    });
  });
}

/** The keys a resolution holds (in process, and prefixed across processes): its identity key and blocking keys. */
export function resolutionKeys(merger: MergerContext, identity: ChannelIdentity): string[] {
  return [`identity:${identityKey(identity)}`, ...merger.keysOf(identity)];
}

/** A registered or refreshed identity and what it should be matched with. */
export interface PreparedResolution {
  /** The record to match, or `null` when there is nothing to match. */
  record: IdentityRecord | null;
  /** The identity's record as now stored. */
  stored: IdentityRecord;
  created: boolean;
  customerId: string;
  ranked: RankedCandidate[];
}

/**
 * Registers or refreshes the identity and ranks its candidates (reads and its own records only).
 * `existing` is the identity's record as the ledger holds it, `null` when it has none.
 * `ranked` is empty when there is nothing to merge or suggest.
 */
export async function prepareResolution(
  merger: MergerContext,
  identity: ChannelIdentity,
  existing: IdentityRecord | null,
  context: IdentityResolverContext,
  candidates: CandidateSource,
): Promise<PreparedResolution> {
  if (!existing) {
    const record = await registerNew(merger, identity, context);
    return { record, stored: record, created: true, customerId: record.customerId, ranked: await findAndRankCandidates(merger, record, candidates) };
  }
  const known = await touchUnchanged(existing, identity, context);
  if (known) return { record: null, stored: known, created: false, customerId: existing.customerId, ranked: [] };
  const { record: refreshed } = refreshIdentity(existing, identity, context.now().toISOString());
  refreshed.blockingKeys = blockingKeysOf(merger, refreshed.identity, existing);
  await context.ledger.saveIdentity(refreshed);
  const gained = refreshed.blockingKeys.some((blockingKey) => !existing.blockingKeys.includes(blockingKey));
  if (!gained) return { record: null, stored: refreshed, created: false, customerId: existing.customerId, ranked: [] };
  return { record: refreshed, stored: refreshed, created: false, customerId: refreshed.customerId, ranked: await findAndRankCandidates(merger, refreshed, candidates) };
}

/**
 * The record of a known identity whose profile did not change, rewritten when `lastSeenAt` is
 * due; `null` when the profile changed and the identity must be matched again.
 */
export async function touchUnchanged(existing: IdentityRecord, identity: ChannelIdentity, context: IdentityResolverContext): Promise<IdentityRecord | null> {
  const { record, changed, stale } = refreshIdentity(existing, identity, context.now().toISOString());
  // Same profile: same blocking keys, nothing new to match on.
  if (changed) return null;
  if (!stale) return existing;
  await context.ledger.saveIdentity(record);
  return record;
}

/** Creates the customer and identity record for an identity the ledger has not seen. */
export function registerNew(merger: MergerContext, identity: ChannelIdentity, context: IdentityResolverContext, attested = false): Promise<IdentityRecord> {
  return registerIdentity(identity, context, { blockingKeys: blockingKeysOf(merger, identity), attested });
}

/** The record of an identity, registered first when the ledger does not know it. */
export async function ensureIdentity(merger: MergerContext, identity: ChannelIdentity, context: IdentityResolverContext, attested: boolean): Promise<IdentityRecord> {
  const existing = await context.ledger.getIdentity(identityKey(identity));
  if (existing) {
    if (attested && !existing.attested) {
      const updated = { ...existing, attested: true };
      await context.ledger.saveIdentity(updated);
      return updated;
    }
    return existing;
  }
  return registerNew(merger, identity, context, attested);
}
