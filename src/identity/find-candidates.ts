/**
 * Candidate search: the blocking keys an identity is stored with, and the stored identities that
 * share one of them.
 *
 * @internal
 * @module
 */
import type { ChannelIdentity } from '../interaction.js';
import type { IdentityRecord, InteractionLedger } from '../ledger.js';
import type { MergerContext } from './merger-context.js';

/** The blocking keys to store an identity with: its own, plus the `crm:` keys `link` gave it. */
export function blockingKeysOf(merger: MergerContext, identity: ChannelIdentity, previous?: IdentityRecord): string[] {
  const kept = (previous?.blockingKeys ?? []).filter((key) => key.startsWith('crm:'));
  return [...new Set([...merger.keysOf(identity), ...kept])];
}

/** Whether a blocking key is a name key, looked up apart from the keys that name one account. */
export const isNameKey = (key: string): boolean => key.startsWith('name:') || key.startsWith('name-sound:');

/**
 * Candidates for an identity, at most `maxCandidates` per kind of key. Keys that name one
 * account (email, phone, handle) are asked apart from name keys, so a common name (thousands of
 * "Mehmet Yılmaz") can never crowd the one identity with the same verified email out of the
 * ledger's capped answer, whatever order the ledger returns rows in.
 */
export async function findCandidates(merger: MergerContext, ledger: InteractionLedger, blockingKeys: string[]): Promise<IdentityRecord[]> {
  const keys = blockingKeys.filter((key) => !key.startsWith('crm:'));
  const names = keys.filter(isNameKey);
  const exact = keys.filter((key) => !names.includes(key));
  const [first, second] = await Promise.all(
    [exact, names].map((group) => (group.length > 0 ? ledger.findIdentitiesByBlockingKeys(group, merger.maxCandidates) : Promise.resolve([]))),
  );
  const byKey = new Map<string, IdentityRecord>();
  for (const candidate of [...(first ?? []), ...(second ?? [])]) if (!byKey.has(candidate.key)) byKey.set(candidate.key, candidate);
  return [...byKey.values()];
}
