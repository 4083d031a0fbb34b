/**
 * The `isolation` group of the ledger suite: two tenants' ledgers over the same storage hold records
 * with the same ids, keys, handles and names, and neither ever reads, claims, merges, exports or
 * erases the other's.
 *
 * @internal
 * @module
 */
import { expect } from 'vitest';
import { hasBatchStore, hasOutbox, hasReviewStore, hasSendStore, type InteractionLedger, type OutboxRecord, type SendRecord } from 'social-crm';
import { makeCustomer, makeIdentityRecord, makeInteraction } from './fixtures.js';
import type { KitContext, KitGroup } from './_kit.js';
import { ERASED_PERSON, erasedPersonTerms, findTerms, plantPerson, readEverything } from './_erase-scenario.js';

/** How the group gets tenant B's ledger over the storage of the ledger a test was given (tenant A's). */
export type CreateTenantLedger = (ledger: InteractionLedger, tenant: string) => InteractionLedger | Promise<InteractionLedger>;

const TENANT_B = 'tenant-b';
const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 9, minute)).toISOString();

/**
 * Registers the group. `current` returns the test's ledger (tenant A); `createTenant` (or the
 * ledger's own `forTenant`) opens tenant B over the same storage. Skipped when there is neither.
 */
export function describeIsolation(current: () => InteractionLedger, createTenant: CreateTenantLedger | undefined, skipped: boolean, group: KitGroup): void {
  group('tenant isolation', skipped, (rule) => {
    async function tenants(context: KitContext): Promise<{ a: InteractionLedger; b: InteractionLedger }> {
      const a = current();
      const open = createTenant ?? ((ledger: InteractionLedger, tenant: string) => (ledger as Partial<{ forTenant(tenant: string): InteractionLedger }>).forTenant?.(tenant));
      const b = await open(a, TENANT_B);
      if (!b) context.skip('no `createTenant` option and no `forTenant` method: the ledger serves one tenant');
      return { a, b: b! };
    }

    rule('stores the same interaction id in two tenants, each reading only its own', async (context) => {
      const { a, b } = await tenants(context);
      const inA = makeInteraction({ channel: 'x', nativeId: 'same-1', text: 'Tenant A: kargom nerede?', customerId: 'cus_same' });
      const inB = { ...inA, text: 'Tenant B: siparişim gelmedi' };
      expect((await a.appendInteraction(inA)).inserted, 'rule: an id tenant B also uses is new to tenant A').toBe(true);
      expect((await b.appendInteraction(inB)).inserted, 'rule: an id tenant A already stored is new to tenant B').toBe(true);
      expect((await a.getInteraction(inA.id))?.text).toBe(inA.text);
      expect((await b.getInteraction(inA.id))?.text).toBe(inB.text);
      const onlyA = makeInteraction({ channel: 'x', nativeId: 'only-a', text: 'only in A' });
      await a.appendInteraction(onlyA);
      expect(await b.getInteraction(onlyA.id), "rule: a tenant never reads another tenant's interaction").toBeNull();
      expect(await b.updateInteraction(onlyA.id, { text: 'overwritten by B' }), "rule: a tenant never updates another tenant's interaction").toBeNull();
      expect((await a.getInteraction(onlyA.id))?.text).toBe('only in A');
      expect((await b.queryInteractions({ limit: 50, includeDeleted: true })).items.map((row) => row.text)).toEqual([inB.text]);
      expect((await b.queryInteractions({ customerId: 'cus_same', limit: 50 })).items.map((row) => row.text)).toEqual([inB.text]);
      if (hasBatchStore(b)) {
        expect((await b.getInteractions([inA.id, onlyA.id])).map((row) => row.text), 'rule: batch reads stay in the tenant').toEqual([inB.text]);
        const appended = await b.appendInteractions([onlyA]);
        expect(appended[0]?.inserted, 'rule: a batch append of an id another tenant holds inserts it anew').toBe(true);
      }
    });

    rule('keeps customers, identities and blocking keys apart: the same handle and name in two tenants are two people', async (context) => {
      const { a, b } = await tenants(context);
      const identity = { channel: 'instagram', nativeId: '17841400000000001', handle: 'ayse.yilmaz', displayName: 'Ayşe Yılmaz' };
      await a.saveCustomer(makeCustomer({ id: 'cus_ayse', displayName: 'Ayşe Yılmaz (A)', identityKeys: ['instagram:17841400000000001'] }));
      await b.saveCustomer(makeCustomer({ id: 'cus_ayse', displayName: 'Ayşe Yılmaz (B)', identityKeys: ['instagram:17841400000000001'] }));
      await a.saveIdentity(makeIdentityRecord({ customerId: 'cus_ayse', identity, blockingKeys: ['name:ayse yilmaz', 'handle:ayse.yilmaz'] }));
      await a.saveIdentity(makeIdentityRecord({ customerId: 'cus_other_a', identity: { channel: 'x', nativeId: '42', handle: 'ayseyilmaz', displayName: 'Ayşe Yılmaz' }, blockingKeys: ['name:ayse yilmaz'] }));
      await b.saveIdentity(makeIdentityRecord({ customerId: 'cus_ayse', identity, blockingKeys: ['name:ayse yilmaz'] }));
      expect((await a.getCustomer('cus_ayse'))?.displayName).toBe('Ayşe Yılmaz (A)');
      expect((await b.getCustomer('cus_ayse'))?.displayName).toBe('Ayşe Yılmaz (B)');
      expect((await b.listCustomers({ limit: 50, includeMerged: true })).items.map((row) => row.displayName)).toEqual(['Ayşe Yılmaz (B)']);
      expect(await b.getIdentity('x:42'), "rule: a tenant never reads another tenant's identity").toBeNull();
      const candidates = await b.findIdentitiesByBlockingKeys(['name:ayse yilmaz', 'handle:ayse.yilmaz']);
      expect(candidates.map((row) => row.key), "rule: blocking finds no candidate in another tenant (the merger never links across tenants)").toEqual(['instagram:17841400000000001']);
      expect(candidates[0]?.blockingKeys).toEqual(['name:ayse yilmaz']);
      expect((await b.listIdentities('cus_other_a')).length).toBe(0);
      expect((await a.findIdentitiesByBlockingKeys(['handle:ayse.yilmaz'])).map((row) => row.customerId)).toEqual(['cus_ayse']);
      if (hasBatchStore(b)) {
        expect((await b.getIdentities(['x:42', 'instagram:17841400000000001'])).map((row) => row.key)).toEqual(['instagram:17841400000000001']);
        expect((await b.getCustomers(['cus_ayse'])).map((row) => row.displayName)).toEqual(['Ayşe Yılmaz (B)']);
      }
    });

    rule("assigns, merges and records consent in one tenant only", async (context) => {
      const { a, b } = await tenants(context);
      const author = { channel: 'x', nativeId: '777', handle: 'mehmet' };
      const inA = makeInteraction({ channel: 'x', nativeId: 'm-1', author });
      await a.appendInteraction(inA);
      await b.appendInteraction({ ...inA, text: 'B copy' });
      expect(await b.assignInteractions(['x:777'], 'cus_b'), 'rule: assigning counts only the tenant’s own rows').toBe(1);
      expect((await a.getInteraction(inA.id))?.customerId, "rule: assigning in one tenant leaves another tenant's rows").toBe(inA.customerId);
      const merge = { id: 'merge_same', survivorId: 'cus_1', absorbedIds: ['cus_2'], decidedBy: { type: 'rule' as const, name: 'same-email' }, evidence: { tenant: 'A' }, snapshot: { customers: [], identities: [] }, createdAt: at(1) };
      await a.saveMerge(merge);
      expect(await b.getMerge('merge_same'), "rule: a tenant never reads another tenant's merge").toBeNull();
      expect(await b.listMerges('cus_1')).toEqual([]);
      await b.saveMerge({ ...merge, evidence: { tenant: 'B' } });
      expect((await a.getMerge('merge_same'))?.evidence).toEqual({ tenant: 'A' });
      await a.setConsent({ identityKey: 'x:777', status: 'opted-out', source: 'x:dm', updatedAt: at(2) });
      expect(await b.getConsent('x:777'), "rule: an opt-out in one tenant is not another tenant's").toBeNull();
      await a.setCursor('x', 'mentions', 'cursor-a');
      expect(await b.getCursor('x', 'mentions')).toBeNull();
      await b.setCursor('x', 'mentions', 'cursor-b');
      expect(await a.getCursor('x', 'mentions')).toBe('cursor-a');
    });

    rule('keeps dead letters apart: a tenant neither lists, updates nor removes another’s', async (context) => {
      const { a, b } = await tenants(context);
      const entry = await a.addDeadLetter({ stage: 'webhook', adapterId: 'x', payload: { type: 'rejected', item: { text: 'A only' } }, error: { name: 'Error', message: 'boom' }, attempts: 1, createdAt: at(3), lastAttemptAt: at(3) });
      expect((await b.listDeadLetters()).items).toEqual([]);
      expect(await b.removeDeadLetter(entry.id), "rule: removing another tenant's dead letter removes nothing").toBe(false);
      await b.updateDeadLetter({ ...entry, attempts: 9 });
      expect((await a.listDeadLetters()).items.map((row) => row.attempts), "rule: updating another tenant's dead letter changes nothing").toEqual([1]);
      expect((await b.listDeadLetters()).items, 'rule: and creates nothing in the updating tenant').toEqual([]);
    });

    rule('keeps outboxes apart: claims, settlements and listings see the tenant’s own records', async (context) => {
      const { a, b } = await tenants(context);
      if (!hasOutbox(a) || !hasOutbox(b)) return context.skip('no outbox');
      const record = (id: string, text: string): OutboxRecord => ({ id, name: 'interaction-received', payload: { text }, orderingKey: 'customer:cus_same', createdAt: at(0) });
      await a.appendOutbox([record('evt_same', 'A'), record('evt_only_a', 'A2')]);
      await b.appendOutbox([record('evt_same', 'B')]);
      const claimed = await b.claimOutbox({ owner: 'dispatcher-b', limit: 10, leaseMs: 60_000, now: at(5) });
      expect(claimed.map((row) => [row.id, row.payload]), "rule: a tenant's dispatcher claims only its own records").toEqual([['evt_same', { text: 'B' }]]);
      expect(await b.settleOutbox('evt_same', 'dispatcher-b', { type: 'delivered' })).toBe(true);
      expect(await b.settleOutbox('evt_only_a', 'dispatcher-b', { type: 'delivered' }), "rule: settling another tenant's record settles nothing").toBe(false);
      expect((await a.listOutbox()).items.map((row) => row.id).sort(), "rule: settling in one tenant leaves the same id in another").toEqual(['evt_only_a', 'evt_same']);
      const claimedA = await a.claimOutbox({ owner: 'dispatcher-a', limit: 10, leaseMs: 60_000, now: at(5) });
      expect(claimedA.map((row) => row.id).sort(), "rule: one tenant's lease never holds another tenant's records").toEqual(['evt_only_a', 'evt_same']);
    });

    rule('keeps sends and review suggestions apart', async (context) => {
      const { a, b } = await tenants(context);
      if (hasSendStore(a) && hasSendStore(b)) {
        const send = (text: string): SendRecord => ({ key: 'reply-same-key', channel: 'x', inReplyTo: 'x:m-1', state: 'pending', reply: { text }, attempts: 0, createdAt: at(0), updatedAt: at(0) });
        expect((await a.createSend(send('A answer'))).created).toBe(true);
        expect((await b.createSend(send('B answer'))).created, "rule: an idempotency key of another tenant's send does not stop this tenant's").toBe(true);
        expect((await a.getSend('reply-same-key'))?.reply).toEqual({ text: 'A answer' });
        expect(await b.updateSend({ ...send('B answer'), state: 'sent', interactionId: 'x:n-b' })).toBe(true);
        expect((await a.getSend('reply-same-key'))?.state).toBe('pending');
        expect((await b.listSends({ state: 'pending' })).items).toEqual([]);
      }
      if (hasReviewStore(a) && hasReviewStore(b)) {
        await a.saveSuggestion({ id: 'sugg_same', customerId: 'cus_1', candidateCustomerId: 'cus_2', score: 0.9, reason: 'review-band', evidence: { tenant: 'A' }, createdAt: at(0) });
        expect((await b.listSuggestions()).items).toEqual([]);
        expect(await b.removeSuggestion('sugg_same')).toBe(false);
        expect((await a.listSuggestions()).items.map((row) => row.id)).toEqual(['sugg_same']);
      }
    });

    rule('exports and erases inside the tenant: erasing the same customer id in tenant B leaves every record of tenant A', async (context) => {
      const { a, b } = await tenants(context);
      const planted = await plantPerson(a);
      const customerIds = [ERASED_PERSON.customerId, ERASED_PERSON.absorbedId, 'cus_erase_bystander'];
      const cursors = [{ adapterId: 'x', stream: `dm:${ERASED_PERSON.xUserId}` }, planted.bystander.cursor];
      const beforeA = findTerms(await readEverything(a, planted, customerIds, cursors), erasedPersonTerms());
      expect(beforeA.length, 'rule: the scan finds the planted person in tenant A (else it proves nothing)').toBeGreaterThan(10);

      expect(findTerms(await readEverything(b, planted, customerIds, cursors), erasedPersonTerms()), "rule: no read method of tenant B returns tenant A's person").toEqual([]);
      expect(await b.exportCustomer(ERASED_PERSON.customerId), "rule: exporting a customer id only another tenant holds finds nothing").toBeNull();

      // Tenant B has its own customer under the same id, with a namesake.
      await b.saveCustomer(makeCustomer({ id: ERASED_PERSON.customerId, displayName: 'Deniz Kaya' }));
      await b.appendInteraction(makeInteraction({ channel: 'x', nativeId: 'b-own', customerId: ERASED_PERSON.customerId, text: 'Tenant B’s own message' }));
      const exported = await b.exportCustomer(ERASED_PERSON.customerId);
      expect(findTerms({ exportCustomer: exported }, erasedPersonTerms()), "rule: an export holds only the exporting tenant's data").toEqual([]);
      expect(exported?.interactions.map((row) => row.text)).toEqual(['Tenant B’s own message']);

      const erased = await b.eraseCustomer(ERASED_PERSON.customerId);
      expect(erased, "rule: the erase counts only tenant B's records").toMatchObject({ interactionsErased: 1, identitiesErased: 0, mergesErased: 0 });
      const afterA = findTerms(await readEverything(a, planted, customerIds, cursors), erasedPersonTerms());
      expect(afterA, "rule: erasing in tenant B leaves every record of tenant A as it was").toEqual(beforeA);
      expect((await a.getCustomer(ERASED_PERSON.customerId))?.displayName).toBe(ERASED_PERSON.name);
    });
  });
}
