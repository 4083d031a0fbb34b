/**
 * The identity-resolution port. The pipeline asks an {@link IdentityResolver} which customer
 * each interaction's author belongs to. The default merger lives in `social-crm/identity`;
 * {@link channelIdentityResolver} is the minimal one (one customer per channel identity).
 *
 * @module
 */
import type { ChannelIdentity, Customer } from './interaction.js';
import { identityKey } from './interaction.js';
import type { BatchStore, InteractionLedger, IdentityRecord, LockingStore, MergeRecord } from './ledger.js';
import { IDENTITY_SEEN_RESOLUTION_MS, hasBatchStore, hasLocking } from './ledger.js';

/** What the resolver may use. */
export interface IdentityResolverContext {
  ledger: InteractionLedger;
  now(): Date;
  generateId(): string;
}

/** Result of resolving one identity. */
export interface ResolveResult {
  customerId: string;
  /** True when a new customer was created for this identity. */
  created: boolean;
  /** Merges performed as a consequence (auto-merge band). */
  merges: MergeRecord[];
  /** Candidate customers worth an agent's review (suggest band), with their score. */
  suggestions: Array<{ customerId: string; score: number; evidence: unknown }>;
  /**
   * The customer `customerId` names, as the resolution stored it, when the resolver has it at hand
   * (the pipeline then announces a created customer without reading it back).
   */
  customer?: Customer;
}

/** A change a resolver made outside `resolve()`: an agent's or the host's command. */
export type IdentityCommandChange =
  | { type: 'customer-merged'; merge: MergeRecord }
  | { type: 'customer-unmerged'; merge: MergeRecord }
  | { type: 'customer-created'; customer: Customer };

/** Attributes channel identities to customers. */
export interface IdentityResolver {
  readonly id: string;
  resolve(identity: ChannelIdentity, context: IdentityResolverContext): Promise<ResolveResult>;
  /**
   * Optional batch form for a webhook delivery, a poll page or a queue batch: one result per
   * identity, in input order (repeats of one identity key get the same customer). It must decide
   * exactly as `resolve` called once per identity in order would, with fewer round trips (one
   * lookup per key kind, new authors created together). The pipeline falls back to `resolve`.
   */
  resolveMany?(identities: ChannelIdentity[], context: IdentityResolverContext): Promise<ResolveResult[]>;
  /**
   * Optional: announce changes made by commands (manual merges, unmerges, splits, CRM links). The
   * crm subscribes and re-emits them as its `customer-merged`, `customer-unmerged` and
   * `customer-created` events; merges made inside `resolve()` are reported by its result instead.
   * Returns the unsubscribe function.
   */
  subscribe?(listener: (change: IdentityCommandChange) => void): () => void;
  /**
   * Optional: drop whatever the resolver keeps in process about customers and identities the ledger
   * has just erased (caches of normalised names, a review queue held in memory). Called by
   * `crm.eraseCustomer()` after the erase committed.
   */
  forget?(subject: { customerIds: string[]; identityKeys: string[] }): void | Promise<void>;
  /**
   * Optional: called once by `createSocialCrm()` with the crm's ledger (wrapped), clock and id
   * generator, so that commands the host calls without a context (`merger.merge(...)`) run on the
   * crm's storage. What the resolver was given at creation stays.
   */
  bind?(context: IdentityResolverContext): void;
}

/**
 * The minimal resolver: a known channel identity keeps its customer, an unknown one gets a
 * new customer. It never links identities across networks. With a ledger that has cross-process
 * locks ({@link LockingStore}), a new identity is registered under a lock on it, so that two
 * processes meeting it at once create one customer. `resolveMany` reads a batch's identities in
 * one lookup and registers its new ones under one lock call.
 */
export function channelIdentityResolver(): IdentityResolver {
  return {
    id: 'channel-identity',
    async resolve(identity, context) {
      const key = identityKey(identity);
      const now = context.now().toISOString();
      const existing = await context.ledger.getIdentity(key);
      if (existing) {
        await refreshKnownIdentity(existing, [identity], context, now);
        return { customerId: existing.customerId, created: false, merges: [], suggestions: [] };
      }
      const register = async (scoped: IdentityResolverContext): Promise<ResolveResult> => {
        // Another process may have registered it while this one waited for the lock.
        const found = scoped === context ? null : await scoped.ledger.getIdentity(key);
        if (found) return { customerId: found.customerId, created: false, merges: [], suggestions: [] };
        const record = await registerIdentity(identity, scoped, { blockingKeys: [] });
        return { customerId: record.customerId, created: true, merges: [], suggestions: [] };
      };
      const { ledger } = context;
      // With cross-process locks, two workers meeting a new author at once create one customer.
      return hasLocking(ledger) ? ledger.withLocks([channelIdentityLock(key)], (locked) => register({ ...context, ledger: locked })) : register(context);
    },

    async resolveMany(identities, context) {
      const keys = identities.map((identity) => identityKey(identity));
      // Each identity key's deliveries, in input order.
      const deliveries = new Map<string, ChannelIdentity[]>();
      for (const [index, key] of keys.entries()) deliveries.set(key, [...(deliveries.get(key) ?? []), identities[index] as ChannelIdentity]);
      const now = context.now().toISOString();
      const stored = await readIdentities(context.ledger, deliveries.keys());
      const outcomes = new Map<string, { customerId: string; created: boolean }>();
      await Promise.all(
        [...stored.values()].map(async (record) => {
          outcomes.set(record.key, { customerId: record.customerId, created: false });
          await refreshKnownIdentity(record, deliveries.get(record.key) ?? [], context, now);
        }),
      );
      const unknown = [...deliveries.keys()].filter((key) => !stored.has(key));
      const register = async (scoped: IdentityResolverContext): Promise<Map<string, { customerId: string; created: boolean }>> => {
        // Another process may have registered some while this one waited for the locks.
        const found = scoped === context ? new Map<string, IdentityRecord>() : await readIdentities(scoped.ledger, unknown, 1);
        const registered = new Map<string, { customerId: string; created: boolean }>();
        for (const key of unknown) {
          const [first, ...repeats] = deliveries.get(key) as [ChannelIdentity, ...ChannelIdentity[]];
          const existing = found.get(key);
          const record = existing ?? (await registerIdentity(first, scoped, { blockingKeys: [] }));
          registered.set(key, { customerId: record.customerId, created: !existing });
          await refreshKnownIdentity(record, existing ? [first, ...repeats] : repeats, scoped, now);
        }
        return registered;
      };
      if (unknown.length > 0) {
        const { ledger } = context;
        // One lock call for every new author of the batch, on the keys `resolve` locks one by one.
        const registered = hasLocking(ledger) ? await ledger.withLocks(unknown.map(channelIdentityLock), (locked) => register({ ...context, ledger: locked })) : await register(context);
        for (const [key, outcome] of registered) outcomes.set(key, outcome);
      }
      const answered = new Set<string>();
      return keys.map((key) => {
        const outcome = outcomes.get(key) as { customerId: string; created: boolean };
        // Repeats of an identity get its customer; only the first says it was created.
        const created = outcome.created && !answered.has(key);
        answered.add(key);
        return { customerId: outcome.customerId, created, merges: [], suggestions: [] };
      });
    },
  };
}

/** The cross-process lock a new identity is registered under (the merger takes the same). */
const channelIdentityLock = (key: string): string => `identity-key:identity:${key}`;

/** Applies the profiles of an identity's deliveries to its record, in order; one write when any changed or `lastSeenAt` was due. */
async function refreshKnownIdentity(stored: IdentityRecord, identities: ChannelIdentity[], context: IdentityResolverContext, now: string): Promise<void> {
  let record = stored;
  let due = false;
  for (const identity of identities) {
    const refreshed = refreshIdentity(record, identity, now);
    record = refreshed.record;
    due ||= refreshed.changed || refreshed.stale;
  }
  if (due) await context.ledger.saveIdentity(record);
}

/** Most single-identity reads in flight at once when the ledger has no batch read. */
const IDENTITY_READ_CONCURRENCY = 8;

/**
 * @internal The stored records among `keys`, by key: one `getIdentities` call when the ledger has
 * batch reads ({@link BatchStore}), else `getIdentity` per key, `concurrency` at a time (pass 1
 * for a ledger bound to a locked scope: its one connection answers one query at a time anyway).
 */
export async function readIdentities(ledger: InteractionLedger, keys: Iterable<string>, concurrency = IDENTITY_READ_CONCURRENCY): Promise<Map<string, IdentityRecord>> {
  const wanted = [...new Set(keys)];
  const found = new Map<string, IdentityRecord>();
  if (wanted.length === 0) return found;
  if (hasBatchStore(ledger)) {
    const requested = new Set(wanted);
    for (const record of await ledger.getIdentities(wanted)) if (requested.has(record.key)) found.set(record.key, record);
    return found;
  }
  let next = 0;
  const reader = async () => {
    while (next < wanted.length) {
      const key = wanted[next++] as string;
      const record = await ledger.getIdentity(key);
      if (record) found.set(key, record);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, wanted.length) }, reader));
  return found;
}

/**
 * @internal Stores a new customer holding only `identity`, and the identity's record pointing at it.
 */
export async function registerIdentity(
  identity: ChannelIdentity,
  context: IdentityResolverContext,
  options: { blockingKeys: string[]; attested?: boolean },
): Promise<IdentityRecord> {
  const now = context.now().toISOString();
  const key = identityKey(identity);
  const customer: Customer = {
    id: context.generateId(),
    displayName: identity.displayName ?? identity.handle,
    identityKeys: [key],
    attributes: {},
    createdAt: now,
    updatedAt: now,
  };
  await context.ledger.saveCustomer(customer);
  const record: IdentityRecord = {
    key,
    identity,
    customerId: customer.id,
    blockingKeys: options.blockingKeys,
    attested: options.attested ?? false,
    firstSeenAt: now,
    lastSeenAt: now,
  };
  await context.ledger.saveIdentity(record);
  return record;
}

/**
 * @internal Keep the newest profile fields the network gave, without losing older ones.
 * `changed` says whether any profile field differs from the stored record; `stale` whether the
 * record is due a write anyway so that `lastSeenAt` stays within {@link IDENTITY_SEEN_RESOLUTION_MS}.
 * `lastSeenAt` never moves backwards (deliveries arrive out of order).
 */
export function refreshIdentity(
  stored: IdentityRecord,
  identity: ChannelIdentity,
  now: string,
): { record: IdentityRecord; changed: boolean; stale: boolean } {
  const merged: ChannelIdentity = { ...stored.identity };
  let changed = false;
  for (const [field, value] of Object.entries(identity) as Array<[keyof ChannelIdentity, unknown]>) {
    if (value === undefined) continue;
    const before = (merged as Record<string, unknown>)[field];
    if (before !== value && (typeof value !== 'object' || JSON.stringify(before) !== JSON.stringify(value))) changed = true;
    (merged as Record<string, unknown>)[field] = value;
  }
  const elapsed = Date.parse(now) - Date.parse(stored.lastSeenAt);
  const lastSeenAt = elapsed > 0 ? now : stored.lastSeenAt;
  return { record: { ...stored, identity: merged, lastSeenAt }, changed, stale: elapsed >= IDENTITY_SEEN_RESOLUTION_MS };
}
