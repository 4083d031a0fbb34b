/**
 * Reading customers as they stand: by id (or fail), through the merges that absorbed them, and
 * with the customers merged into them.
 *
 * @internal
 * @module
 */
import type { Customer } from '../interaction.js';
import type { InteractionLedger } from '../ledger.js';
import { NotFoundError } from '../errors.js';

/** The customer. @throws NotFoundError */
export async function loadCustomer(ledger: InteractionLedger, id: string): Promise<Customer> {
  const customer = await ledger.getCustomer(id);
  if (!customer) throw new NotFoundError('Customer', id);
  return customer;
}

/** The customer a merged-away customer now lives in (following `mergedInto`), or `null`. */
export async function currentCustomer(ledger: InteractionLedger, id: string): Promise<Customer | null> {
  let customer = await ledger.getCustomer(id);
  for (let hops = 0; customer?.mergedInto && hops < 32; hops++) customer = await ledger.getCustomer(customer.mergedInto);
  return customer;
}

/** The customer and every customer merged into it, along chains of merges that were not undone. */
export async function mergedGroup(ledger: InteractionLedger, customerId: string): Promise<string[]> {
  const group = [customerId];
  for (let index = 0; index < group.length && group.length < 1000; index++) {
    for (const merge of await ledger.listMerges(group[index] as string)) {
      if (merge.undoneAt || merge.survivorId !== group[index]) continue;
      for (const absorbed of merge.absorbedIds) if (!group.includes(absorbed)) group.push(absorbed);
    }
  }
  return group;
}
