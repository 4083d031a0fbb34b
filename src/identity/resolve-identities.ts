/**
 * Resolving a batch of identities (a webhook delivery, a poll page, a queue batch) with the
 * decisions `resolve` makes one identity at a time, in fewer round trips:
 *
 * 1. One lookup of the batch's identity records. Identities known with an unchanged profile in
 *    every delivery are answered from it, without a cross-process lock (their record is written
 *    only when `lastSeenAt` is due, as `resolve` does).
 * 2. The rest are split into groups that share no key (identity key, email, phone, handle or name
 *    key): identities of different groups cannot be each other's candidates, so groups go side by
 *    side, and within a group identities are resolved one after another in input order.
 * 3. Under one cross-process lock call on the keys `resolve` would lock, the records of the new
 *    identities are read again and the candidates of all of them looked up together; then each
 *    is registered (or refreshed), ranked and acted on as `resolve` does. Merges run one at a time.
 *
 * @internal
 * @module
 */
import type { ChannelIdentity } from '../interaction.js';
import { identityKey } from '../interaction.js';
import { hasLocking, type IdentityRecord, type MergeRecord } from '../ledger.js';
import type { IdentityResolverContext, ResolveResult } from '../identity-resolver.js';
import { readIdentities, refreshIdentity } from '../identity-resolver.js';
import { createGate } from '../_locks.js';
import { lockAndAct } from './act-on-candidates.js';
import { coordinated, identityLocks, inProcess } from './coordination.js';
import { prefetchCandidates } from './find-candidates.js';
import type { MergerContext } from './merger-context.js';
import { isMatchable } from './rank-candidates.js';
import { prepareResolution, resolutionKeys, touchUnchanged } from './resolve-identity.js';
import { UnionFind } from './union-find.js';

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
export function resolveIdentities(merger: MergerContext, identities: ChannelIdentity[], context: IdentityResolverContext): Promise<ResolveResult[]> {
  if (identities.length === 0) return Promise.resolve([]);
  const deliveries: Delivery[] = identities.map((identity, index) => ({ index, identity, key: identityKey(identity) }));
  const byKey = new Map<string, Delivery[]>();
  for (const delivery of deliveries) byKey.set(delivery.key, [...(byKey.get(delivery.key) ?? []), delivery]);
  // The keys every resolution of the batch would hold in this process, held for the whole batch.
  return merger.keyLocks.withLocks(
    deliveries.flatMap((delivery) => resolutionKeys(merger, delivery.identity)),
    async () => {
      const results: ResolveResult[] = new Array(deliveries.length);
      const stored = await inProcess(merger, context, 'shared', () => answerKnown(byKey, context, results));
      const merges: MergeRecord[] = [];
      for (const groups of lockCalls(groupsSharingKeys(merger, [...byKey.values()], stored))) {
        const locks = identityLocks(new Set(groups.flatMap((group) => [...group.keys])));
        // The ledger may run the task again after a transient failure: it starts from scratch.
        const outcome = await coordinated(context, locks, (scoped) => resolveGroups(merger, groups, stored, scoped));
        for (const [index, result] of outcome.results) results[index] = result;
        merges.push(...outcome.merges);
      }
      return withCustomersAfter(merges, results);
    },
  );
}

/**
 * Reads the batch's records in one lookup and answers the identities whose profile did not change
 * in any of their deliveries (removed from `byKey`). Returns the records read.
 */
async function answerKnown(byKey: Map<string, Delivery[]>, context: IdentityResolverContext, results: ResolveResult[]): Promise<Map<string, IdentityRecord>> {
  const stored = await readIdentities(context.ledger, byKey.keys());
  const writes: Array<Promise<void>> = [];
  for (const [key, list] of byKey) {
    const record = stored.get(key);
    if (!record || list.some((delivery) => refreshIdentity(record, delivery.identity, record.lastSeenAt).changed)) continue;
    byKey.delete(key);
    writes.push(
      touchUnchanged(record, (list[0] as Delivery).identity, context).then(() => {
        for (const delivery of list) results[delivery.index] = { customerId: record.customerId, created: false, merges: [], suggestions: [] };
      }),
    );
  }
  await Promise.all(writes);
  return stored;
}

/**
 * Deliveries that share a key, directly or through others, in one group, in input order. An
 * identity's keys are those of each delivery and of its profile as the deliveries leave it.
 */
function groupsSharingKeys(merger: MergerContext, pending: Delivery[][], stored: Map<string, IdentityRecord>): Group[] {
  const keysOf = pending.map((list) => {
    const keys = new Set([`identity:${(list[0] as Delivery).key}`]);
    let profile = stored.get((list[0] as Delivery).key)?.identity;
    for (const delivery of list) {
      profile = withProfile(profile, delivery.identity);
      for (const key of [...merger.keysOf(delivery.identity), ...merger.keysOf(profile)]) keys.add(key);
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
 * each group in order, groups side by side. Changed known identities are read at their turn, as
 * `resolve` reads them.
 */
async function resolveGroups(
  merger: MergerContext,
  groups: Group[],
  stored: Map<string, IdentityRecord>,
  context: IdentityResolverContext,
): Promise<{ results: Array<[number, ResolveResult]>; merges: MergeRecord[] }> {
  // Without cross-process locks this process's gate keeps resolutions apart; with them the
  // groups of this call share one locked scope, and a gate of their own keeps their merges apart.
  const gate = hasLocking(context.ledger) ? createGate() : merger.gate;
  const deliveries = groups.flatMap((group) => group.deliveries);
  // The batch's view of its identities' records: `null` for none; a key not here is read at its turn.
  const records = new Map<string, IdentityRecord | null>();
  const index = await gate.shared(async () => {
    const unknown = [...new Set(deliveries.map((delivery) => delivery.key))].filter((key) => !stored.has(key));
    const found = hasLocking(context.ledger) ? await readIdentities(context.ledger, unknown) : new Map<string, IdentityRecord>();
    for (const key of unknown) records.set(key, found.get(key) ?? null);
    const matched = deliveries.filter((delivery) => isMatchable(merger, delivery.identity));
    const lookupKeys = groups.flatMap((group) => [...group.keys].filter((key) => !key.startsWith('identity:')));
    return prefetchCandidates(merger, context.ledger, matched.length > 0 ? lookupKeys : [], matched.length);
  });
  const results: Array<[number, ResolveResult]> = [];
  const merges: MergeRecord[] = [];
  const resolveInTurn = async (delivery: Delivery): Promise<ResolveResult> => {
    const prepared = await gate.shared(async () => {
      const known = records.get(delivery.key);
      const existing = known !== undefined ? known : await context.ledger.getIdentity(delivery.key);
      const outcome = await prepareResolution(merger, delivery.identity, existing, context, index.source);
      records.set(delivery.key, outcome.stored);
      if (outcome.stored !== existing) index.put(outcome.stored);
      return outcome;
    });
    if (!prepared.record || prepared.ranked.length === 0) return { customerId: prepared.customerId, created: prepared.created, merges: [], suggestions: [] };
    const acted = await lockAndAct(merger, prepared.record, prepared.ranked, context, (task) => gate.exclusive(task));
    for (const merge of acted.merges) {
      merges.push(merge);
      index.applyMerge(merge);
      for (const [key, record] of records) if (record && merge.absorbedIds.includes(record.customerId)) records.set(key, { ...record, customerId: merge.survivorId });
    }
    return { ...acted, created: prepared.created };
  };
  await Promise.all(
    groups.map(async (group) => {
      for (const delivery of group.deliveries) results.push([delivery.index, await resolveInTurn(delivery)]);
    }),
  );
  return { results, merges };
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
