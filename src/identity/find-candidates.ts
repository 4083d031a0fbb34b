/**
 * Candidate search: the blocking keys an identity is stored with, and the stored identities that
 * share one of them — asked of the ledger per identity, or for a whole batch at once.
 *
 * @internal
 * @module
 */
import type { ChannelIdentity } from '../interaction.js';
import type { IdentityRecord, InteractionLedger, MergeRecord } from '../ledger.js';
import type { MergerContext } from './merger-context.js';

/** Where an identity's candidates come from: its blocking keys in, the identities sharing one out. */
export type CandidateSource = (blockingKeys: string[]) => Promise<IdentityRecord[]>;

/** The blocking keys to store an identity with: its own, plus the `crm:` keys `link` gave it. */
export function blockingKeysOf(merger: MergerContext, identity: ChannelIdentity, previous?: IdentityRecord): string[] {
  const kept = (previous?.blockingKeys ?? []).filter((key) => key.startsWith('crm:'));
  return [...new Set([...merger.keysOf(identity), ...kept])];
}

/**
 * Candidates for an identity, at most `maxCandidates` per kind of key. Keys that name one
 * account (email, phone, handle) are asked apart from name keys, so a common name (thousands of
 * "Mehmet Yılmaz") can never crowd the one identity with the same verified email out of the
 * ledger's capped answer, whatever order the ledger returns rows in.
 */
export function ledgerCandidates(merger: MergerContext, ledger: InteractionLedger): CandidateSource {
  return (blockingKeys) => candidatesByKind(blockingKeys, (keys) => ledger.findIdentitiesByBlockingKeys(keys, merger.maxCandidates));
}

/** Candidates of a batch, with the batch's own writes applied as they happen. */
export interface CandidateIndex {
  readonly source: CandidateSource;
  /** A record the batch registered or refreshed. */
  put(record: IdentityRecord): void;
  /** A merge the batch made: the absorbed customers' identities now belong to the survivor. */
  applyMerge(merge: MergeRecord): void;
}

/**
 * Looks up the candidates of a batch of identities in one call over the union of their blocking
 * keys. An identity's lookup of one kind of key is answered from it when that is what the ledger
 * would have answered alone: the batch answer was complete (shorter than its limit) and the
 * identity's keys of that kind match at most `maxCandidates` identities. Otherwise that kind is
 * asked of the ledger, as {@link ledgerCandidates} does.
 */
export async function prefetchCandidates(merger: MergerContext, ledger: InteractionLedger, blockingKeys: Iterable<string>, identities: number): Promise<CandidateIndex> {
  const covered = new Set([...blockingKeys].filter((key) => !key.startsWith('crm:')));
  const limit = merger.maxCandidates * Math.max(1, identities);
  const found = covered.size > 0 ? await ledger.findIdentitiesByBlockingKeys([...covered], limit) : [];
  const complete = found.length < limit;
  const records = new Map<string, IdentityRecord>();
  const byBlockingKey = new Map<string, Set<string>>();
  const put = (record: IdentityRecord) => {
    const previous = records.get(record.key);
    for (const key of previous?.blockingKeys ?? []) byBlockingKey.get(key)?.delete(record.key);
    records.set(record.key, record);
    for (const key of record.blockingKeys) {
      if (!covered.has(key)) continue;
      let keys = byBlockingKey.get(key);
      if (!keys) byBlockingKey.set(key, (keys = new Set()));
      keys.add(record.key);
    }
  };
  for (const record of found) put(record);
  const lookup = (keys: string[]): Promise<IdentityRecord[]> => {
    if (complete && keys.every((key) => covered.has(key))) {
      const matches = new Set(keys.flatMap((key) => [...(byBlockingKey.get(key) ?? [])]));
      if (matches.size <= merger.maxCandidates) return Promise.resolve([...matches].map((key) => records.get(key) as IdentityRecord));
    }
    return ledger.findIdentitiesByBlockingKeys(keys, merger.maxCandidates);
  };
  return {
    source: (keys) => candidatesByKind(keys, lookup),
    put,
    applyMerge(merge) {
      const absorbed = new Set(merge.absorbedIds);
      for (const record of records.values()) if (absorbed.has(record.customerId)) records.set(record.key, { ...record, customerId: merge.survivorId });
    },
  };
}

/** Whether a blocking key is a name key, looked up apart from the keys that name one account. */
const isNameKey = (key: string): boolean => key.startsWith('name:') || key.startsWith('name-sound:');

async function candidatesByKind(blockingKeys: string[], lookup: (keys: string[]) => Promise<IdentityRecord[]>): Promise<IdentityRecord[]> {
  const keys = blockingKeys.filter((key) => !key.startsWith('crm:'));
  const names = keys.filter(isNameKey);
  const exact = keys.filter((key) => !isNameKey(key));
  const [first, second] = await Promise.all([exact, names].map((group) => (group.length > 0 ? lookup(group) : Promise.resolve([]))));
  const byKey = new Map<string, IdentityRecord>();
  for (const candidate of [...(first ?? []), ...(second ?? [])]) if (!byKey.has(candidate.key)) byKey.set(candidate.key, candidate);
  return [...byKey.values()];
}
