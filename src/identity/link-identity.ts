/**
 * The `link` and `attest` commands: the host CRM or the platform says which identities are one
 * person, and the merger merges them (decisions `crm` and `platform-attested`).
 *
 * @internal
 * @module
 */
import type { ChannelIdentity, Customer } from '../interaction.js';
import { identityKey } from '../interaction.js';
import type { IdentityRecord, MergeRecord } from '../ledger.js';
import type { IdentityResolverContext } from '../identity-resolver.js';
import { IdentityConflictError, InvalidOptionsError } from '../errors.js';
import type { MergeEvidence } from './compare-pair.js';
import { customerLocks, holdLocks, identityLocks, runCommand } from './coordination.js';
import type { IdentityCommandContext } from './identity-merger.js';
import { currentCustomer, loadCustomer } from './load-customer.js';
import type { MergerContext } from './merger-context.js';
import { oldestFirst, performMerge } from './perform-merge.js';
import { ensureIdentity } from './resolve-identity.js';
import { blockingKeysOf } from './find-candidates.js';

/** The `link` command: attests the identity and merges every customer linked to the same CRM contact. */
export async function linkIdentity(
  merger: MergerContext,
  identity: ChannelIdentity,
  crmContactId: string,
  context?: IdentityCommandContext,
): Promise<{ customerId: string; merges: MergeRecord[] }> {
  const keys = [`identity:${identityKey(identity)}`];
  const result = await runCommand(merger, context, keys, () => [...identityLocks(keys), `crm:${crmContactId}`], async (resolved) => {
    const { ledger } = resolved;
    if (!crmContactId) throw new InvalidOptionsError('[identity] `crmContactId` must not be empty.', [{ path: 'crmContactId', message: 'required' }]);
    // A ledger that stores customers under the CRM's contact ids (customers are contacts) already
    // holds the contact as a customer: the identity joins it rather than getting one of its own.
    const contact = await currentCustomer(ledger, crmContactId);
    const known = await ledger.getIdentity(identityKey(identity));
    const record = !known && contact ? await joinCustomer(merger, identity, contact, resolved) : await ensureIdentity(merger, identity, resolved, true);
    const customer = await loadCustomer(ledger, record.customerId);
    if (customer.crmContactId && customer.crmContactId !== crmContactId) {
      throw new IdentityConflictError(`Customer \`${customer.id}\` is already linked to CRM contact \`${customer.crmContactId}\`; split the identity first to link it to \`${crmContactId}\`.`);
    }
    const crmKey = `crm:${crmContactId}`;
    const others = (await ledger.findIdentitiesByBlockingKeys([crmKey], merger.maxCandidates)).filter((other) => other.customerId !== customer.id);
    const linked = new Set([...(contact && contact.id !== customer.id ? [contact.id] : []), ...others.map((other) => other.customerId)]);
    await holdLocks(resolved, customerLocks([customer.id, ...linked]));
    await ledger.saveIdentity({ ...record, attested: true, blockingKeys: [...new Set([...record.blockingKeys, crmKey])] });
    await ledger.saveCustomer({ ...customer, crmContactId, updatedAt: resolved.now().toISOString() });
    const merges: MergeRecord[] = [];
    let customerId = customer.id;
    for (const otherCustomerId of linked) {
      const current = await loadCustomer(ledger, customerId);
      const other = await ledger.getCustomer(otherCustomerId);
      if (!other || other.mergedInto || other.id === current.id) continue;
      const [survivor, absorbed] = oldestFirst([other, current]) as [Customer, Customer];
      const evidence: MergeEvidence = {
        kind: 'crm-link',
        identities: [record.key, ...others.filter((entry) => entry.customerId === other.id).map((entry) => entry.key)],
        reasons: [`the host CRM links these identities to contact ${crmContactId}`],
      };
      const merge = await performMerge(resolved, survivor.id, [absorbed.id], { type: 'crm', name: 'crm-link' }, evidence);
      merges.push(merge);
      customerId = survivor.id;
    }
    return { customerId, merges };
  });
  announceMerges(merger, result.merges);
  return result;
}

/** Registers a new identity on an existing customer (the CRM contact it is linked to). */
async function joinCustomer(merger: MergerContext, identity: ChannelIdentity, customer: Customer, context: IdentityResolverContext): Promise<IdentityRecord> {
  const now = context.now().toISOString();
  const key = identityKey(identity);
  await context.ledger.saveCustomer({ ...customer, identityKeys: [...new Set([...customer.identityKeys, key])], updatedAt: now });
  const record: IdentityRecord = { key, identity, customerId: customer.id, blockingKeys: blockingKeysOf(merger, identity), attested: true, firstSeenAt: now, lastSeenAt: now };
  await context.ledger.saveIdentity(record);
  return record;
}

/** The `attest` command: the platform says `a` and `b` are one person; both are attested and merged. */
export async function attestIdentities(
  merger: MergerContext,
  a: ChannelIdentity,
  b: ChannelIdentity,
  attestation: { source: string },
  context?: IdentityCommandContext,
): Promise<{ customerId: string; merges: MergeRecord[] }> {
  const keys = [a, b].map((identity) => `identity:${identityKey(identity)}`);
  const result = await runCommand(merger, context, keys, () => identityLocks(keys), async (resolved) => {
    const first = await ensureIdentity(merger, a, resolved, true);
    const second = await ensureIdentity(merger, b, resolved, true);
    if (first.customerId === second.customerId) return { customerId: first.customerId, merges: [] };
    await holdLocks(resolved, customerLocks([first.customerId, second.customerId]));
    const customers = oldestFirst([await loadCustomer(resolved.ledger, first.customerId), await loadCustomer(resolved.ledger, second.customerId)]);
    const evidence: MergeEvidence = {
      kind: 'platform-attested',
      identities: [first.key, second.key],
      reasons: [`${attestation.source} attests that ${first.key} and ${second.key} are the same person`],
    };
    const merge = await performMerge(resolved, (customers[0] as Customer).id, [(customers[1] as Customer).id], { type: 'rule', name: `platform-attested:${attestation.source}` }, evidence);
    return { customerId: merge.survivorId, merges: [merge] };
  });
  announceMerges(merger, result.merges);
  return result;
}

/** Tells the merger's listeners about merges a command made. */
function announceMerges(merger: MergerContext, merges: MergeRecord[]): void {
  for (const merge of merges) merger.announce({ type: 'customer-merged', merge });
}
