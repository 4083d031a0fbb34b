import { describe, expect, it } from 'vitest';
import { memoryLedger, type Customer } from 'social-crm';
import { createIdentityMerger } from 'social-crm/identity';

const contact: Customer = { id: '3f0c2a4e-0d7b-4c55-9d52-6a1f0e2b9c11', displayName: 'Ayşe Yılmaz', identityKeys: [], attributes: {}, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' };
const whatsapp = { channel: 'whatsapp', nativeId: '905551112233', displayName: 'Ayşe' };
const instagram = { channel: 'instagram', nativeId: '17841400000000001', handle: 'ayse.y' };

describe('link() onto a customer stored under the CRM contact id', () => {
  it('attaches new identities to that customer instead of creating customers to merge', async () => {
    const ledger = memoryLedger();
    await ledger.saveCustomer(contact);
    const merger = createIdentityMerger({ ledger, now: () => new Date('2026-02-01T00:00:00.000Z') });
    expect(await merger.link(whatsapp, contact.id)).toEqual({ customerId: contact.id, merges: [] });
    expect(await merger.link(instagram, contact.id)).toEqual({ customerId: contact.id, merges: [] });
    expect((await ledger.getIdentity('instagram:17841400000000001'))?.customerId).toBe(contact.id);
    const stored = await ledger.getCustomer(contact.id);
    expect(stored).toMatchObject({ crmContactId: contact.id, identityKeys: ['whatsapp:905551112233', 'instagram:17841400000000001'] });
    expect((await ledger.listCustomers({ includeMerged: true })).items.map((customer) => customer.id)).toEqual([contact.id]);
  });

  it('merges a customer the identity already had into the contact', async () => {
    const ledger = memoryLedger();
    await ledger.saveCustomer(contact);
    const context = { ledger, now: () => new Date('2026-02-01T00:00:00.000Z'), generateId: () => 'cus_new' };
    const merger = createIdentityMerger({ ledger });
    await merger.resolve(whatsapp, context);
    const linked = await merger.link(whatsapp, contact.id, context);
    expect(linked.customerId).toBe(contact.id);
    expect(linked.merges).toHaveLength(1);
    expect((await ledger.getCustomer('cus_new'))?.mergedInto).toBe(contact.id);
  });
});
