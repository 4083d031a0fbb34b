import { describe, expect, it } from 'vitest';
import { isSocialCrmError, memoryLedger, type InteractionLedger, type OutboxStore, type ReviewStore, type SendStore } from 'social-crm';
import { describeLedger, makeCustomer, makeIdentityRecord, makeInteraction } from 'social-crm/testing';

describeLedger('memoryLedger()', { create: () => memoryLedger() });

type FullLedger = InteractionLedger & OutboxStore & SendStore & ReviewStore;

const at = '2026-03-01T00:00:00.000Z';

/** Every kind of stored state, read back, for comparing before and after. */
async function snapshot(ledger: FullLedger, ids: { interaction: string; identity: string; customer: string }) {
  return {
    interaction: await ledger.getInteraction(ids.interaction),
    customers: (await ledger.listCustomers({ includeMerged: true })).items,
    identity: await ledger.getIdentity(ids.identity),
    byBlockingKey: (await ledger.findIdentitiesByBlockingKeys(['name:ayse', 'name:ayşe'])).map((record) => record.key).sort(),
    merges: await ledger.listMerges(ids.customer),
    cursor: await ledger.getCursor('x', 'mentions'),
    deadLetters: (await ledger.listDeadLetters()).items,
    consent: await ledger.getConsent(ids.identity),
    suggestions: (await ledger.listSuggestions()).items,
    outbox: (await ledger.listOutbox()).items,
    sends: await ledger.getSend('reply-1'),
  };
}

describe('memoryLedger() transactions', () => {
  it('a task that throws rolls back every kind of write it made', async () => {
    const ledger = memoryLedger() as FullLedger;
    const customer = makeCustomer({ id: 'c1', displayName: 'Ayşe' });
    const identity = makeIdentityRecord({ customerId: 'c1', blockingKeys: ['name:ayse'] });
    const interaction = makeInteraction({ customerId: 'c1', author: identity.identity, text: 'before' });
    await ledger.saveCustomer(customer);
    await ledger.saveIdentity(identity);
    await ledger.appendInteraction(interaction);
    await ledger.setCursor('x', 'mentions', 'cursor-1');
    await ledger.setConsent({ identityKey: identity.key, status: 'opted-in', source: 'crm', updatedAt: at });
    await ledger.saveSuggestion({ id: 's1', customerId: 'c1', candidateCustomerId: 'c9', score: 0.9, reason: 'review-band', evidence: {}, createdAt: at });
    const ids = { interaction: interaction.id, identity: identity.key, customer: 'c1' };
    const before = await snapshot(ledger, ids);

    await expect(
      ledger.transaction(async (scoped) => {
        await scoped.updateInteraction(interaction.id, { text: 'changed' });
        await scoped.appendInteraction(makeInteraction({ nativeId: 'new-in-transaction' }));
        await scoped.assignInteractions([`${identity.identity.channel}:${identity.identity.nativeId}`], 'c2');
        await scoped.saveCustomer({ ...customer, displayName: 'changed' });
        await scoped.saveCustomer(makeCustomer({ id: 'c2' }));
        await scoped.saveIdentity({ ...identity, blockingKeys: ['name:ayşe'] });
        await scoped.saveMerge({ id: 'm1', survivorId: 'c1', absorbedIds: ['c2'], decidedBy: { type: 'rule', name: 'test' }, evidence: {}, snapshot: { customers: [], identities: [] }, createdAt: at });
        await scoped.setCursor('x', 'mentions', 'cursor-2');
        await scoped.addDeadLetter({ stage: 'validate', payload: {}, error: { name: 'Error', message: 'x' }, attempts: 1, createdAt: at, lastAttemptAt: at });
        await scoped.setConsent({ identityKey: identity.key, status: 'opted-out', source: 'crm', updatedAt: at });
        await scoped.removeSuggestion!('s1');
        await scoped.appendOutbox!([{ id: 'evt_1', name: 'interaction-received', payload: {}, orderingKey: 'c1', createdAt: at }]);
        await scoped.createSend!({ key: 'reply-1', channel: 'test', inReplyTo: interaction.id, state: 'pending', reply: { text: 'hi' }, attempts: 0, createdAt: at, updatedAt: at });
        await scoped.eraseCustomer('c1');
        throw new Error('task failed');
      }),
    ).rejects.toThrow('task failed');

    expect(await snapshot(ledger, ids)).toEqual(before);
    expect((await ledger.queryInteractions({})).items.map((row) => row.id)).toEqual([interaction.id]);
  });

  it('runs transactions one at a time, while plain calls outside proceed', async () => {
    const ledger = memoryLedger() as FullLedger;
    const events: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = ledger.transaction(async () => {
      events.push('first in');
      entered();
      await held;
      events.push('first out');
    });
    await inside;
    const second = ledger.transaction(async () => void events.push('second in'));
    // A plain call and a claim: the first proceeds, the claim waits for the open transaction.
    await ledger.saveCustomer(makeCustomer({ id: 'outside' }));
    const claim = ledger.claimOutbox({ owner: 'worker', limit: 10, leaseMs: 1000, now: at }).then(() => void events.push('claim'));
    expect(await ledger.getCustomer('outside')).not.toBeNull();
    expect(events).toEqual(['first in']);
    release();
    await Promise.all([first, second, claim]);
    expect(events).toEqual(['first in', 'first out', 'second in', 'claim']);
  });

  it('a claim never sees an outbox record of a transaction that then rolls back', async () => {
    const ledger = memoryLedger() as FullLedger;
    let appended!: () => void;
    const written = new Promise<void>((resolve) => (appended = resolve));
    const failing = ledger.transaction(async (scoped) => {
      await scoped.appendOutbox!([{ id: 'evt_rolled_back', name: 'interaction-received', payload: {}, orderingKey: 'c1', createdAt: at }]);
      appended();
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('task failed');
    });
    await written;
    const claimed = await ledger.claimOutbox({ owner: 'worker', limit: 10, leaseMs: 1000, now: at });
    await expect(failing).rejects.toThrow('task failed');
    expect(claimed).toEqual([]);
  });
});

describe('memoryLedger() input checks', () => {
  it('refuses malformed outbox and send input with InvalidOptionsError and stores nothing of it', async () => {
    const ledger = memoryLedger() as FullLedger;
    const invalid = async (promise: Promise<unknown>) => {
      const caught = await promise.then(() => undefined, (error: unknown) => error);
      expect(isSocialCrmError(caught, 'INVALID_OPTIONS'), `expected InvalidOptionsError, got ${String(caught)}`).toBe(true);
    };
    const valid = { id: 'evt_ok', name: 'interaction-received', payload: {}, orderingKey: 'c1', createdAt: at };
    await invalid(ledger.appendOutbox([valid, { ...valid, id: 'evt_bad', createdAt: 'yesterday' }]));
    expect((await ledger.listOutbox()).items).toEqual([]);
    await invalid(ledger.claimOutbox({ owner: 'worker', limit: 0, leaseMs: 1000, now: at }));
    await invalid(ledger.claimOutbox({ owner: 'worker', limit: 10, leaseMs: 1000, now: 'soon' }));
    await invalid(ledger.listOutbox({ cursor: 'not-a-cursor' }));
    await invalid(ledger.createSend({ key: 'reply-1', channel: 'test', inReplyTo: 'test:n1', state: 'queued' as never, reply: {}, attempts: 0, createdAt: at, updatedAt: at }));
    expect(await ledger.getSend('reply-1')).toBeNull();
  });
});
