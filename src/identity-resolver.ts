/**
 * The identity-resolution port. The pipeline asks an {@link IdentityResolver} which customer
 * each interaction's author belongs to. The default merger lives in `social-crm/identity`;
 * {@link channelIdentityResolver} is the minimal one (one customer per channel identity).
 *
 * @module
 */
import type { ChannelIdentity, Customer } from './interaction.js';
import { identityKey } from './interaction.js';
import type { InteractionLedger, IdentityRecord, LockingStore, MergeRecord } from './ledger.js';
import { IDENTITY_SEEN_RESOLUTION_MS, hasLocking } from './ledger.js';

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
}

/**
 * The minimal resolver: a known channel identity keeps its customer, an unknown one gets a
 * new customer. It never links identities across networks. With a ledger that has cross-process
 * locks ({@link LockingStore}), a new identity is registered under a lock on it, so that two
 * processes meeting it at once create one customer.
 */
export function channelIdentityResolver(): IdentityResolver {
  return {
    id: 'channel-identity',
    async resolve(identity, context) {
      const key = identityKey(identity);
      const now = context.now().toISOString();
      const existing = await context.ledger.getIdentity(key);
      if (existing) {
        const { record, changed, stale } = refreshIdentity(existing, identity, now);
        if (changed || stale) await context.ledger.saveIdentity(record);
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
      return hasLocking(ledger) ? ledger.withLocks([`identity-key:identity:${key}`], (locked) => register({ ...context, ledger: locked })) : register(context);
    },
  };
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
