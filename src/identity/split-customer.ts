/**
 * The `split` command: an agent moves identities of a customer to a new customer, and the two
 * are never merged automatically again.
 *
 * @internal
 * @module
 */
import type { Customer } from '../interaction.js';
import type { IdentityRecord } from '../ledger.js';
import { IdentityConflictError, InvalidOptionsError } from '../errors.js';
import { customerLocks, runCommand } from './coordination.js';
import type { IdentityCommandContext } from './identity-merger.js';
import { loadCustomer } from './load-customer.js';
import type { MergerContext } from './merger-context.js';
import { SEPARATED_ATTRIBUTE } from './perform-merge.js';

/** The `split` command: returns the new customer. */
export async function splitCustomer(merger: MergerContext, customerId: string, identityKeys: string[], splitOptions: { agent: string }, context?: IdentityCommandContext): Promise<Customer> {
  const created = await runCommand(merger, context, [], () => customerLocks([customerId]), async (resolved) => {
    const { ledger } = resolved;
    if (!splitOptions?.agent) throw new InvalidOptionsError('[identity] `agent` is required for a split.', [{ path: 'agent', message: 'required' }]);
    const customer = await loadCustomer(ledger, customerId);
    if (customer.mergedInto) throw new IdentityConflictError(`Customer \`${customerId}\` is merged into \`${customer.mergedInto}\`; split that customer instead.`);
    const owned = await ledger.listIdentities(customerId);
    const moving = owned.filter((record) => identityKeys.includes(record.key));
    const unknown = identityKeys.filter((key) => !owned.some((record) => record.key === key));
    if (unknown.length > 0) throw new IdentityConflictError(`Identities ${unknown.map((key) => `\`${key}\``).join(', ')} do not belong to customer \`${customerId}\`.`);
    if (moving.length === 0 || moving.length === owned.length) {
      throw new IdentityConflictError('A split must move at least one identity and leave at least one.');
    }
    const now = resolved.now().toISOString();
    const movingKeys = moving.map((record) => record.key);
    const remainingKeys = owned.filter((record) => !movingKeys.includes(record.key)).map((record) => record.key);
    const first = (moving[0] as IdentityRecord).identity;
    const separatedCustomer: Customer = {
      id: resolved.generateId(),
      displayName: first.displayName ?? first.handle,
      identityKeys: movingKeys,
      attributes: { [SEPARATED_ATTRIBUTE]: remainingKeys, splitBy: splitOptions.agent },
      createdAt: now,
      updatedAt: now,
    };
    await ledger.saveCustomer(separatedCustomer);
    const previousMarks = Array.isArray(customer.attributes[SEPARATED_ATTRIBUTE]) ? (customer.attributes[SEPARATED_ATTRIBUTE] as string[]) : [];
    await ledger.saveCustomer({
      ...customer,
      identityKeys: customer.identityKeys.filter((key) => !movingKeys.includes(key)),
      attributes: { ...customer.attributes, [SEPARATED_ATTRIBUTE]: [...new Set([...previousMarks, ...movingKeys])] },
      updatedAt: now,
    });
    for (const record of moving) await ledger.saveIdentity({ ...record, customerId: separatedCustomer.id });
    await ledger.assignInteractions(movingKeys, separatedCustomer.id);
    return separatedCustomer;
  });
  merger.announce({ type: 'customer-created', customer: created });
  return created;
}
