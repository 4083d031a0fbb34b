/**
 * The merge itself, shared by every kind of decision: the record with its snapshot is written
 * first (an intent log that `unmerge` restores from), then identities, customers and interactions
 * move to the survivor.
 *
 * @internal
 * @module
 */
import type { Customer } from '../interaction.js';
import type { InteractionLedger, MergeDecision, MergeRecord } from '../ledger.js';
import type { IdentityResolverContext } from '../identity-resolver.js';
import { IdentityConflictError } from '../errors.js';
import type { MergeEvidence } from './compare-pair.js';
import { loadCustomer } from './load-customer.js';

/** Customer attribute listing the identity keys an agent split away from the customer. */
export const SEPARATED_ATTRIBUTE = 'identitySeparatedFrom';

/** Folds `absorbedIds` into `survivorId`, snapshot first so that it can be undone. */
export async function performMerge(
  context: IdentityResolverContext,
  survivorId: string,
  absorbedIds: string[],
  decidedBy: MergeDecision,
  evidence: MergeEvidence,
  score?: number,
): Promise<MergeRecord> {
  const { ledger } = context;
  if (absorbedIds.length === 0 || absorbedIds.includes(survivorId) || new Set(absorbedIds).size !== absorbedIds.length) {
    throw new IdentityConflictError('A merge needs a survivor and at least one other, distinct customer.');
  }
  const survivor = await loadCustomer(ledger, survivorId);
  const absorbed = await Promise.all(absorbedIds.map((id) => loadCustomer(ledger, id)));
  for (const customer of [survivor, ...absorbed]) {
    if (customer.mergedInto) {
      throw new IdentityConflictError(`Customer \`${customer.id}\` is already merged into \`${customer.mergedInto}\`; merge that customer instead.`);
    }
  }
  const survivorIdentities = await ledger.listIdentities(survivor.id);
  const absorbedIdentities = (await Promise.all(absorbed.map((customer) => ledger.listIdentities(customer.id)))).flat();
  const now = context.now().toISOString();
  const record: MergeRecord = {
    id: context.generateId(),
    survivorId: survivor.id,
    absorbedIds: absorbed.map((customer) => customer.id),
    decidedBy,
    ...(score !== undefined ? { score } : {}),
    evidence,
    snapshot: {
      customers: [structuredClone(survivor), ...absorbed.map((customer) => structuredClone(customer))],
      identities: [...survivorIdentities, ...absorbedIdentities].map((identity) => ({ key: identity.key, customerId: identity.customerId })),
    },
    createdAt: now,
  };
  await ledger.saveMerge(record);
  const movedKeys: string[] = [];
  for (const identity of absorbedIdentities) {
    await ledger.saveIdentity({ ...identity, customerId: survivor.id });
    movedKeys.push(identity.key);
  }
  const keys = [...survivor.identityKeys];
  for (const customer of absorbed) for (const key of customer.identityKeys) if (!keys.includes(key)) keys.push(key);
  for (const key of movedKeys) if (!keys.includes(key)) keys.push(key);
  const crmContactId = survivor.crmContactId ?? absorbed.find((customer) => customer.crmContactId)?.crmContactId;
  await ledger.saveCustomer({
    ...survivor,
    displayName: survivor.displayName ?? absorbed.find((customer) => customer.displayName)?.displayName,
    identityKeys: keys,
    ...(crmContactId ? { crmContactId } : {}),
    updatedAt: now,
  });
  for (const customer of absorbed) {
    await ledger.saveCustomer({ ...customer, identityKeys: [], mergedInto: survivor.id, updatedAt: now });
  }
  if (movedKeys.length > 0) await ledger.assignInteractions(movedKeys, survivor.id);
  return record;
}

/** Oldest first. Stable: on equal creation times the order given wins (callers put the established customer first). */
export function oldestFirst(customers: Customer[]): Customer[] {
  return [...customers].sort((a, b) => (a.createdAt === b.createdAt ? 0 : a.createdAt < b.createdAt ? -1 : 1));
}

/** True when an agent split these customers apart or a merge of them was undone. */
export async function separated(ledger: InteractionLedger, first: Customer, second: Customer): Promise<boolean> {
  const marks = (customer: Customer) => (Array.isArray(customer.attributes[SEPARATED_ATTRIBUTE]) ? (customer.attributes[SEPARATED_ATTRIBUTE] as string[]) : []);
  if (marks(first).some((key) => second.identityKeys.includes(key)) || marks(second).some((key) => first.identityKeys.includes(key))) return true;
  const history = await ledger.listMerges(first.id);
  return history.some((merge) => {
    if (!merge.undoneAt) return false;
    const involved = [merge.survivorId, ...merge.absorbedIds];
    const keys = new Set(merge.snapshot.identities.map((identity) => identity.key));
    return involved.includes(second.id) || second.identityKeys.some((key) => keys.has(key) && !first.identityKeys.includes(key));
  });
}
