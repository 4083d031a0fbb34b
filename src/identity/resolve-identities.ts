/**
 * Resolving a batch of identities (a webhook delivery, a poll page, a queue batch) with the
 * decisions `resolve` makes one identity at a time, in fewer round trips:
 *
 * 1. One lookup of the batch's identity records. Identities known with an unchanged profile in
 *    every delivery are answered from it without any lock; their record is written (under this
 *    process's key locks, not the ledger's) only when `lastSeenAt` is due, as `resolve` does.
 * 2. The rest are split into groups that share no key (identity key, email, phone, handle or name
 *    key): identities of different groups cannot be each other's candidates, so groups are
 *    independent (side by side in this process's gate, in turn within one locked scope), and
 *    within a group identities are resolved one after another in input order.
 * 3. Under one cross-process lock call on the keys `resolve` would lock, the records of the new
 *    identities are read again and the candidates of all of them looked up together; then each
 *    is registered (or refreshed), ranked and acted on as `resolve` does. Merges run one at a time.
 *    Registrations are written together (one `saveCustomers`, one `saveIdentities`) before the
 *    locks are released, or earlier when a merge needs the ledger to hold them.
 *
 * @internal
 * @module
 */
import type { ChannelIdentity, Customer } from '../interaction.js';
import { identityKey } from '../interaction.js';
import { hasLocking, type IdentityRecord, type MergeRecord } from '../ledger.js';
import type { IdentityResolverContext, ResolveResult } from '../identity-resolver.js';
import { readIdentities, refreshIdentity } from '../identity-resolver.js';
import { lockAndAct } from './act-on-candidates.js';
import { coordinated, identityLocks, inProcess } from './coordination.js';
import { prefetchCandidates } from './find-candidates.js';
import type { MergerContext } from './merger-context.js';
import { isMatchable } from './rank-candidates.js';
import { prepareResolution, touchUnchanged } from './resolve-identity.js';
import { UnionFind } from './union-find.js';
import { bufferRegistrations } from './write-buffer.js';

/** One identity of the batch, at its position. */
interface Delivery {
  index: number;
  identity: ChannelIdentity;
  key: string;
}

/** A set of deliveries resolved one after another, with the keys it locks and looks candidates up by. */
interface Group {
  deliveries: Delivery[];
  /** `identity:<key>` and blocking keys, as `resolve` holds them. */
  keys: Set<string>;
}

/**
 * Most keys of one cross-process lock call (each is a lock the database keeps until the
 * transaction ends); a batch needing more is resolved in several calls, whole groups each.
 */
const MAX_LOCK_KEYS = 1000;

/** Resolves a batch. One result per identity, in input order (see the module comment). */
export async function resolveIdentities(merger: MergerContext, identities: ChannelIdentity[], context: IdentityResolverContext): Promise<ResolveResult[]> {
  const results: ResolveResult[] = new Array(identities.length);
  const byKey = new Map<string, Delivery[]>();
  for (const [index, identity] of identities.entries()) {
    const key = identityKey(identity);
    byKey.set(key, [...(byKey.get(key) ?? []), { index, identity, key }]);
  }
  // Known authors with the same profile whose record is not due a write: answered from one read,
  // with no lock at all (nothing is written, so there is nothing to keep apart).
  const generation = merger.keyLockGeneration();
  const read = await readIdentities(context.ledger, byKey.keys());
  const now = context.now().toISOString();
  for (const [key, deliveries] of byKey) {
    const record = read.get(key);
    if (!record || !unchangedIn(record, deliveries) || refreshIdentity(record, (deliveries[0] as Delivery).identity, now).stale) continue;
    answer(deliveries, record.customerId, results);
    byKey.delete(key);
  }
  if (byKey.size === 0) return results;
  const rest = [...byKey.values()];
  const ownKeys = new Map(rest.map((deliveries) => [deliveries, deliveries.map((delivery) => merger.keysOf(delivery.identity))]));
  const held = rest.flatMap((deliveries) => [`identity:${(deliveries[0] as Delivery).key}`, ...(ownKeys.get(deliveries) as string[][]).flat()]);
  // The keys every other resolution of the batch would hold in this process, held to the end.
  return merger.keyLocks.withLocks(held, async () => {
    const stored = await inProcess(merger, context, 'shared', async () => {
      // Read again only when a resolution or command of this process may have written meanwhile.
      const current = merger.keyLockGeneration() === generation ? read : await readIdentities(context.ledger, byKey.keys());
      await Promise.all(
        [...byKey].map(async ([key, deliveries]) => {
          const record = current.get(key);
          if (!record || !unchangedIn(record, deliveries)) return;
          byKey.delete(key);
          // Written when `lastSeenAt` is due, as `resolve` does, without a cross-process lock.
          await touchUnchanged(record, (deliveries[0] as Delivery).identity, context);
          answer(deliveries, record.customerId, results);
        }),
      );
      return current;
    });
    const merges: MergeRecord[] = [];
    const saved = new Map<string, Customer>();
    const pending = [...byKey.values()];
    for (const groups of lockCalls(groupsSharingKeys(merger, pending, pending.map((deliveries) => ownKeys.get(deliveries) as string[][]), stored))) {
      const locks = identityLocks(new Set(groups.flatMap((group) => [...group.keys])));
      // The ledger may run the task again after a transient failure: it starts from scratch.
      const outcome = await coordinated(context, locks, (scoped) => resolveGroups(merger, groups, stored, scoped));
      for (const [index, result] of outcome.results) results[index] = result;
      merges.push(...outcome.merges);
      for (const [id, customer] of outcome.saved) saved.set(id, customer);
    }
    // Without merges, a created customer is as its registration saved it (a merge writes customers past the buffer).
    if (merges.length > 0) return withCustomersAfter(merges, results);
    return results.map((result) => (result.created && saved.has(result.customerId) ? { ...result, customer: saved.get(result.customerId) as Customer } : result));
  });
}

/** Whether no delivery changes the record's profile. */
function unchangedIn(record: IdentityRecord, deliveries: Delivery[]): boolean {
  return deliveries.every((delivery) => !refreshIdentity(record, delivery.identity, record.lastSeenAt).changed);
}

function answer(deliveries: Delivery[], customerId: string, results: ResolveResult[]): void {
  for (const delivery of deliveries) results[delivery.index] = { customerId, created: false, merges: [], suggestions: [] };
}

/**
 * Deliveries that share a key, directly or through others, in one group, in input order. An
 * identity's keys are those of each delivery (`ownKeys`) and of its profile as the deliveries
 * leave it.
 */
function groupsSharingKeys(merger: MergerContext, pending: Delivery[][], ownKeys: string[][][], stored: Map<string, IdentityRecord>): Group[] {
  const keysOf = pending.map((deliveries, position) => {
    const first = deliveries[0] as Delivery;
    const keys = new Set([`identity:${first.key}`, ...(ownKeys[position] as string[][]).flat()]);
    const record = stored.get(first.key);
    // A new identity delivered once is stored with its own keys; otherwise the profile adds up.
    if (record || deliveries.length > 1) {
      let profile = record?.identity;
      for (const delivery of deliveries) profile = withProfile(profile, delivery.identity);
      for (const key of merger.keysOf(profile as ChannelIdentity)) keys.add(key);
    }
    return keys;
  });
  const sets = new UnionFind(pending.length);
  const firstWith = new Map<string, number>();
  keysOf.forEach((keys, position) => {
    for (const key of keys) {
      const first = firstWith.get(key);
      if (first === undefined) firstWith.set(key, position);
      else sets.union(first, position);
    }
  });
  const groups = new Map<number, Group>();
  keysOf.forEach((keys, position) => {
    const root = sets.find(position);
    const group = groups.get(root) ?? { deliveries: [], keys: new Set<string>() };
    group.deliveries.push(...(pending[position] as Delivery[]));
    for (const key of keys) group.keys.add(key);
    groups.set(root, group);
  });
  for (const group of groups.values()) group.deliveries.sort((a, b) => a.index - b.index);
  return [...groups.values()];
}

/** The profile a record holds after a delivery: the delivery's fields over the earlier ones. */
function withProfile(profile: ChannelIdentity | undefined, identity: ChannelIdentity): ChannelIdentity {
  const merged: Record<string, unknown> = { ...profile };
  for (const [field, value] of Object.entries(identity)) if (value !== undefined) merged[field] = value;
  return merged as unknown as ChannelIdentity;
}

/** Whole groups per cross-process lock call, at most {@link MAX_LOCK_KEYS} keys each (a larger group alone). */
function lockCalls(groups: Group[]): Group[][] {
  const calls: Group[][] = [];
  let current: Group[] = [];
  let size = 0;
  for (const group of groups) {
    if (current.length > 0 && size + group.keys.size > MAX_LOCK_KEYS) {
      calls.push(current);
      current = [];
      size = 0;
    }
    current.push(group);
    size += group.keys.size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

/**
 * Resolves the groups of one lock call: the new identities' records read again (another process
 * may have registered one before the locks were granted), every candidate looked up at once, then
 * each group in order. Changed known identities are read at their turn, as `resolve` reads them.
 */
async function resolveGroups(
  merger: MergerContext,
  groups: Group[],
  stored: Map<string, IdentityRecord>,
  lockedContext: IdentityResolverContext,
): Promise<{ results: Array<[number, ResolveResult]>; merges: MergeRecord[]; saved: ReadonlyMap<string, Customer> }> {
  // New authors are registered with one batch write per kind, before the locks are released.
  const buffer = bufferRegistrations(lockedContext.ledger);
  const context = { ...lockedContext, ledger: buffer.ledger };
  // With cross-process locks the ledger is bound to one locked scope (one connection): groups go
  // one after another. Without, this process's gate lets groups register and rank side by side
  // while merges run alone, as it does for `resolve`.
  const locked = hasLocking(context.ledger);
  const shared = <T>(task: () => Promise<T>): Promise<T> => (locked ? task() : merger.gate.shared(task));
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => (locked ? task() : merger.gate.exclusive(task));
  const deliveries = groups.flatMap((group) => group.deliveries);
  // The batch's view of its identities' records: `null` for none; a key not here is read at its turn.
  const records = new Map<string, IdentityRecord | null>();
  const index = await shared(async () => {
    const unknown = [...new Set(deliveries.map((delivery) => delivery.key))].filter((key) => !stored.has(key));
    const found = locked ? await readIdentities(context.ledger, unknown, 1) : new Map<string, IdentityRecord>();
    for (const key of unknown) records.set(key, found.get(key) ?? null);
    const matched = deliveries.filter((delivery) => isMatchable(merger, delivery.identity));
    const lookupKeys = groups.flatMap((group) => [...group.keys].filter((key) => !key.startsWith('identity:')));
    return prefetchCandidates(merger, context.ledger, matched.length > 0 ? lookupKeys : [], matched.length);
  });
  const results: Array<[number, ResolveResult]> = [];
  const merges: MergeRecord[] = [];
  const resolveInTurn = async (delivery: Delivery): Promise<ResolveResult> => {
    const prepared = await shared(async () => {
      const known = records.get(delivery.key);
      const existing = known !== undefined ? known : await context.ledger.getIdentity(delivery.key);
      const outcome = await prepareResolution(merger, delivery.identity, existing, context, index.source);
      records.set(delivery.key, outcome.stored);
      if (outcome.stored !== existing) index.put(outcome.stored);
      return outcome;
    });
    if (!prepared.record || prepared.ranked.length === 0) return { customerId: prepared.customerId, created: prepared.created, merges: [], suggestions: [] };
    const acted = await lockAndAct(merger, prepared.record, prepared.ranked, context, exclusive);
    for (const merge of acted.merges) {
      merges.push(merge);
      index.applyMerge(merge);
      for (const [key, record] of records) if (record && merge.absorbedIds.includes(record.customerId)) records.set(key, { ...record, customerId: merge.survivorId });
    }
    return { ...acted, created: prepared.created };
  };
  const resolveGroup = async (group: Group) => {
    for (const delivery of group.deliveries) results.push([delivery.index, await resolveInTurn(delivery)]);
  };
  if (locked) for (const group of groups) await resolveGroup(group);
  else await Promise.all(groups.map(resolveGroup));
  await shared(buffer.flush);
  return { results, merges, saved: buffer.saved };
}

/**
 * The results with each customer as it stands after the batch: a customer that a later identity
 * of the batch merged away is replaced by the one it lives in, so that every delivery of one
 * identity names the same customer and the interactions stored after the batch land on it.
 */
function withCustomersAfter(merges: MergeRecord[], results: ResolveResult[]): ResolveResult[] {
  if (merges.length === 0) return results;
  const survivorOf = new Map<string, string>();
  for (const merge of merges) for (const absorbed of merge.absorbedIds) survivorOf.set(absorbed, merge.survivorId);
  const current = (customerId: string): string => {
    let id = customerId;
    for (let hops = 0; survivorOf.has(id) && hops <= merges.length; hops++) id = survivorOf.get(id) as string;
    return id;
  };
  return results.map((result) => ({ ...result, customerId: current(result.customerId) }));
}
