import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasLocking, hasReviewStore, type InteractionLedger, type MergeRecord, type MergeSuggestionRecord } from 'social-crm';
import { makeCustomer, makeIdentityRecord, makeInteraction } from './fixtures.js';

/** Named groups of the ledger suite; skip any with `skip`. */
export type LedgerSuiteGroup = 'interactions' | 'pagination' | 'concurrency' | 'customers' | 'merges' | 'operations' | 'privacy' | 'review' | 'locking';

/** Options of {@link describeLedger}. */
export interface DescribeLedgerOptions {
  /** Make a fresh, empty ledger for each test. */
  create: () => InteractionLedger | Promise<InteractionLedger>;
  /** Tear it down after each test (drop tables, close pools). Defaults to `ledger.close?.()`. */
  destroy?: (ledger: InteractionLedger) => void | Promise<void>;
  /**
   * Independent reads of your raw storage, so writes are checked without trusting the ledger's
   * own reads. Return `null` when the row is absent.
   */
  oracle?: {
    readInteraction?(id: string): Promise<{ text: string; state: string; customerId?: string | null } | null>;
  };
  /** Groups to skip, with a reason in your test file. */
  skip?: LedgerSuiteGroup[];
}

/**
 * The storage-port conformance suite. Run it with vitest against your implementation:
 *
 * @example
 * import { describeLedger } from 'social-crm/testing';
 * describeLedger('my CRM ledger', { create: () => myLedger(testDatabase()) });
 */
export function describeLedger(name: string, options: DescribeLedgerOptions): void {
  const skip = new Set(options.skip ?? []);
  describe(`ledger conformance: ${name}`, () => {
    let ledger: InteractionLedger;
    beforeEach(async () => {
      ledger = await options.create();
    });
    afterEach(async () => {
      if (options.destroy) await options.destroy(ledger);
      else await ledger.close?.();
    });

    describe.skipIf(skip.has('interactions'))('interactions', () => {
      it('appends once and reports the duplicate', async () => {
        const interaction = makeInteraction({ text: 'Kargom nerede? 📦' });
        const first = await ledger.appendInteraction(interaction);
        const second = await ledger.appendInteraction({ ...interaction, text: 'changed' });
        expect(first.inserted).toBe(true);
        expect(second.inserted).toBe(false);
        expect(second.interaction.text).toBe('Kargom nerede? 📦');
        expect(await ledger.getInteraction(interaction.id)).toEqual(interaction);
        if (options.oracle?.readInteraction) {
          expect(await options.oracle.readInteraction(interaction.id)).toMatchObject({ text: 'Kargom nerede? 📦', state: 'active' });
        }
      });

      it('returns null for unknown ids', async () => {
        expect(await ledger.getInteraction('test:missing')).toBeNull();
        expect(await ledger.updateInteraction('test:missing', { text: 'x' })).toBeNull();
      });

      it('keeps every field of the canonical model', async () => {
        const interaction = makeInteraction({
          kind: 'direct_message',
          visibility: 'private',
          direction: 'peer',
          parentId: 'p1',
          url: 'https://example.test/p/1',
          language: 'tr',
          metrics: { likes: 3, replies: 1 },
          attachments: [{ type: 'image', url: 'https://example.test/a.png', mimeType: 'image/png' }],
          author: { channel: 'test', nativeId: 'u-full', handle: 'ayşe', displayName: 'Ayşe Yılmaz', followerCount: 1200, verified: true, locale: 'tr-TR', phone: '+905551112233' },
          hashtags: ['kargo'],
          mentions: ['brand'],
          deliveryStatus: 'sent',
          channelMetadata: { test: { thread: { depth: 2 } } },
          raw: { nested: { ok: true, list: [1, 'two'] } },
          classification: {
            language: 'tr', languageConfidence: 0.9, languageSupported: true,
            sentiment: { label: 'negative', score: -0.6, confidence: 0.8 },
            intents: [{ intent: 'complaint', confidence: 0.9 }],
            department: { department: 'customer_service', reason: 'complaint' },
            urgency: 0.7, explanation: [{ label: 'complaint', cues: ['nerede'] }], model: 'test',
          },
        });
        await ledger.appendInteraction(interaction);
        expect(await ledger.getInteraction(interaction.id)).toEqual(interaction);
      });

      it('applies patches, including edits and tombstones', async () => {
        const interaction = makeInteraction();
        await ledger.appendInteraction(interaction);
        const edited = await ledger.updateInteraction(interaction.id, { text: 'edited', state: 'edited', editedAt: '2026-01-02T00:00:00.000Z' });
        expect(edited).toMatchObject({ text: 'edited', state: 'edited', editedAt: '2026-01-02T00:00:00.000Z' });
        const deleted = await ledger.updateInteraction(interaction.id, { text: '', state: 'deleted', deletedAt: '2026-01-03T00:00:00.000Z', raw: undefined });
        expect(deleted?.state).toBe('deleted');
        expect(deleted?.raw).toBeUndefined();
        if (options.oracle?.readInteraction) {
          expect(await options.oracle.readInteraction(interaction.id)).toMatchObject({ text: '', state: 'deleted' });
        }
      });

      it('filters queries by customer, conversation, channel, author, direction and time', async () => {
        const rows = [
          makeInteraction({ channel: 'a', customerId: 'c1', conversationId: 'a:t1', createdAt: '2026-01-01T10:00:00.000Z' }),
          makeInteraction({ channel: 'a', customerId: 'c1', conversationId: 'a:t1', createdAt: '2026-01-01T11:00:00.000Z', direction: 'outbound' }),
          makeInteraction({ channel: 'b', customerId: 'c2', conversationId: 'b:t2', createdAt: '2026-01-01T12:00:00.000Z', author: { channel: 'b', nativeId: 'bob' } }),
          makeInteraction({ channel: 'b', customerId: 'c2', conversationId: 'b:t2', createdAt: '2026-01-01T13:00:00.000Z', state: 'deleted', text: '' }),
        ];
        for (const row of rows) await ledger.appendInteraction(row);
        const ids = async (query: Parameters<InteractionLedger['queryInteractions']>[0]) => (await ledger.queryInteractions(query)).items.map((item) => item.id);
        expect(await ids({ customerId: 'c1' })).toEqual([rows[0]!.id, rows[1]!.id]);
        expect(await ids({ conversationId: 'b:t2' })).toEqual([rows[2]!.id]);
        expect(await ids({ conversationId: 'b:t2', includeDeleted: true })).toEqual([rows[2]!.id, rows[3]!.id]);
        expect(await ids({ channel: 'a', direction: 'outbound' })).toEqual([rows[1]!.id]);
        expect(await ids({ authorKey: 'b:bob' })).toEqual([rows[2]!.id]);
        expect(await ids({ since: '2026-01-01T11:00:00.000Z', until: '2026-01-01T13:00:00.000Z' })).toEqual([rows[1]!.id, rows[2]!.id]);
        expect(await ids({ channel: 'a', order: 'desc' })).toEqual([rows[1]!.id, rows[0]!.id]);
      });

      it('assigns interactions to a customer by author', async () => {
        const mine = makeInteraction({ author: { channel: 'test', nativeId: 'me' }, customerId: 'old' });
        const other = makeInteraction({ author: { channel: 'test', nativeId: 'you' }, customerId: 'other' });
        await ledger.appendInteraction(mine);
        await ledger.appendInteraction(other);
        expect(await ledger.assignInteractions(['test:me'], 'new')).toBe(1);
        expect((await ledger.getInteraction(mine.id))?.customerId).toBe('new');
        expect((await ledger.getInteraction(other.id))?.customerId).toBe('other');
      });
    });

    describe.skipIf(skip.has('pagination'))('pagination', () => {
      it('walks every row exactly once, in (createdAt, id) order, in both directions', async () => {
        const rows = Array.from({ length: 57 }, (_, index) =>
          makeInteraction({ channel: 'page', nativeId: `p${String(index).padStart(3, '0')}`, createdAt: new Date(Date.UTC(2026, 0, 1, 0, Math.floor(index / 3))).toISOString() }),
        );
        for (const row of [...rows].reverse()) await ledger.appendInteraction(row);
        for (const order of ['asc', 'desc'] as const) {
          const seen: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await ledger.queryInteractions({ channel: 'page', limit: 10, order, ...(cursor ? { cursor } : {}) });
            expect(page.items.length).toBeLessThanOrEqual(10);
            seen.push(...page.items.map((item) => item.id));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          const expected = rows.map((row) => row.id);
          expect(seen).toEqual(order === 'asc' ? expected : [...expected].reverse());
        }
      });

      it('pages customers and dead letters', async () => {
        for (let index = 0; index < 12; index++) await ledger.saveCustomer(makeCustomer({ id: `cus_p${index}` }));
        const first = await ledger.listCustomers({ limit: 5 });
        expect(first.items).toHaveLength(5);
        const rest: string[] = [];
        let cursor = first.nextCursor;
        while (cursor) {
          const page = await ledger.listCustomers({ limit: 5, cursor });
          rest.push(...page.items.map((customer) => customer.id));
          cursor = page.nextCursor;
        }
        expect(new Set([...first.items.map((customer) => customer.id), ...rest]).size).toBe(12);
      });
    });

    describe.skipIf(skip.has('concurrency'))('concurrency', () => {
      it('stores one row when the same interaction is appended concurrently', async () => {
        const interaction = makeInteraction();
        const results = await Promise.all(Array.from({ length: 25 }, () => ledger.appendInteraction(interaction)));
        expect(results.filter((result) => result.inserted)).toHaveLength(1);
        const page = await ledger.queryInteractions({ channel: interaction.channel, includeDeleted: true });
        expect(page.items.filter((item) => item.id === interaction.id)).toHaveLength(1);
      });
    });

    describe.skipIf(skip.has('customers'))('customers and identities', () => {
      it('saves, replaces and reads customers', async () => {
        const customer = makeCustomer({ displayName: 'Ayşe', attributes: { tier: 'gold' } });
        expect(await ledger.getCustomer(customer.id)).toBeNull();
        await ledger.saveCustomer(customer);
        expect(await ledger.getCustomer(customer.id)).toEqual(customer);
        await ledger.saveCustomer({ ...customer, displayName: 'Ayşe Y.' });
        expect((await ledger.getCustomer(customer.id))?.displayName).toBe('Ayşe Y.');
      });

      it('lists customers without merged ones unless asked', async () => {
        await ledger.saveCustomer(makeCustomer({ id: 'cus_alive' }));
        await ledger.saveCustomer(makeCustomer({ id: 'cus_gone', mergedInto: 'cus_alive' }));
        expect((await ledger.listCustomers()).items.map((customer) => customer.id)).toEqual(['cus_alive']);
        expect((await ledger.listCustomers({ includeMerged: true })).items).toHaveLength(2);
      });

      it('keeps identities per customer and finds them by blocking key', async () => {
        const first = makeIdentityRecord({ customerId: 'c1', blockingKeys: ['email:ayse@example.com', 'name:ayse'] });
        const second = makeIdentityRecord({ customerId: 'c1', blockingKeys: ['phone:+905551112233'] });
        const third = makeIdentityRecord({ customerId: 'c2', blockingKeys: ['name:ayse'] });
        for (const record of [first, second, third]) await ledger.saveIdentity(record);
        expect(await ledger.getIdentity(first.key)).toEqual(first);
        expect(await ledger.getIdentity('test:nobody')).toBeNull();
        expect((await ledger.listIdentities('c1')).map((record) => record.key).sort()).toEqual([first.key, second.key].sort());
        const byName = await ledger.findIdentitiesByBlockingKeys(['name:ayse']);
        expect(byName.map((record) => record.key).sort()).toEqual([first.key, third.key].sort());
        await ledger.saveIdentity({ ...first, blockingKeys: ['email:ayse@example.com'] });
        expect((await ledger.findIdentitiesByBlockingKeys(['name:ayse'])).map((record) => record.key)).toEqual([third.key]);
        expect(await ledger.findIdentitiesByBlockingKeys(['none'])).toEqual([]);
      });
    });

    describe.skipIf(skip.has('merges'))('merge history', () => {
      it('saves merges and lists them for both sides, newest first', async () => {
        const base: MergeRecord = {
          id: 'm1',
          survivorId: 'c1',
          absorbedIds: ['c2'],
          decidedBy: { type: 'rule', name: 'verified-email' },
          evidence: { matched: ['email'] },
          snapshot: { customers: [makeCustomer({ id: 'c2' })], identities: [{ key: 'test:x', customerId: 'c2' }] },
          createdAt: '2026-01-01T00:00:00.000Z',
        };
        await ledger.saveMerge(base);
        await ledger.saveMerge({ ...base, id: 'm2', absorbedIds: ['c3'], createdAt: '2026-01-02T00:00:00.000Z', score: 0.97 });
        expect(await ledger.getMerge('m1')).toEqual(base);
        expect(await ledger.getMerge('nope')).toBeNull();
        expect((await ledger.listMerges('c1')).map((merge) => merge.id)).toEqual(['m2', 'm1']);
        expect((await ledger.listMerges('c2')).map((merge) => merge.id)).toEqual(['m1']);
        await ledger.saveMerge({ ...base, undoneAt: '2026-01-05T00:00:00.000Z' });
        expect((await ledger.getMerge('m1'))?.undoneAt).toBe('2026-01-05T00:00:00.000Z');
      });
    });

    describe.skipIf(skip.has('review'))('review queue (optional ReviewStore)', () => {
      const suggestion = (id: string, customerId: string, candidateCustomerId: string, createdAt: string): MergeSuggestionRecord => ({
        id,
        customerId,
        candidateCustomerId,
        score: 0.93,
        reason: 'review-band',
        evidence: { kind: 'probabilistic', reasons: ['name: equal (Ayşe Yılmaz / AYSE YILMAZ), +7.6 bits'] },
        createdAt,
      });

      it('keeps suggestions newest first, finds them by either customer, pages and removes them', async (context) => {
        if (!hasReviewStore(ledger)) return context.skip('this ledger keeps no review queue (the merger then keeps it in memory)');
        const first = suggestion('s1', 'c1', 'c2', '2026-01-01T00:00:00.000Z');
        await ledger.saveSuggestion(first);
        await ledger.saveSuggestion(suggestion('s2', 'c3', 'c1', '2026-01-02T00:00:00.000Z'));
        await ledger.saveSuggestion(suggestion('s3', 'c4', 'c5', '2026-01-02T00:00:00.000Z'));
        expect((await ledger.listSuggestions()).items.map((row) => row.id)).toEqual(['s3', 's2', 's1']);
        expect((await ledger.listSuggestions()).items.at(-1)).toEqual(first);
        expect((await ledger.listSuggestions({ customerId: 'c1' })).items.map((row) => row.id)).toEqual(['s2', 's1']);
        expect((await ledger.listSuggestions({ customerId: 'nobody' })).items).toEqual([]);
        await ledger.saveSuggestion({ ...first, score: 0.95, reason: 'conflict' });
        expect((await ledger.listSuggestions({ customerId: 'c2' })).items).toEqual([{ ...first, score: 0.95, reason: 'conflict' }]);
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await ledger.listSuggestions({ limit: 1, ...(cursor ? { cursor } : {}) });
          seen.push(...page.items.map((row) => row.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(seen).toEqual(['s3', 's2', 's1']);
        expect(await ledger.removeSuggestion('s2')).toBe(true);
        expect(await ledger.removeSuggestion('s2')).toBe(false);
        expect((await ledger.listSuggestions()).items.map((row) => row.id)).toEqual(['s3', 's1']);
      });

      it('exports, then erases, the suggestions that name a customer', async (context) => {
        if (!hasReviewStore(ledger)) return context.skip('this ledger keeps no review queue (the merger then keeps it in memory)');
        await ledger.saveCustomer(makeCustomer({ id: 'c1', displayName: 'Ayşe Yılmaz' }));
        await ledger.saveCustomer(makeCustomer({ id: 'c2', mergedInto: 'c1' }));
        await ledger.saveSuggestion(suggestion('s1', 'c3', 'c1', '2026-01-01T00:00:00.000Z'));
        await ledger.saveSuggestion(suggestion('s2', 'c2', 'c4', '2026-01-02T00:00:00.000Z'));
        await ledger.saveSuggestion(suggestion('s3', 'c4', 'c5', '2026-01-03T00:00:00.000Z'));
        expect((await ledger.exportCustomer('c1'))?.suggestions?.map((row) => row.id)).toEqual(['s1']);
        await ledger.eraseCustomer('c1');
        expect((await ledger.listSuggestions()).items.map((row) => row.id)).toEqual(['s3']);
      });
    });

    describe.skipIf(skip.has('locking'))('cross-process locks (optional LockingStore)', () => {
      const noLocking = 'this ledger offers no cross-process locks (the merger then coordinates one process only)';

      it('runs tasks that share a key one after the other, and gives each a working ledger', async (context) => {
        if (!hasLocking(ledger)) return context.skip(noLocking);
        const events: string[] = [];
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let entered!: () => void;
        const inside = new Promise<void>((resolve) => (entered = resolve));
        const first = ledger.withLocks(['customer:c1', 'email:ayse@example.com'], async (locked) => {
          events.push('first in');
          await locked.saveCustomer(makeCustomer({ id: 'c1', displayName: 'Ayşe' }));
          entered();
          await held;
          events.push('first out');
        });
        try {
          await inside;
          const second = ledger.withLocks(['email:ayse@example.com'], async (locked) => {
            events.push('second in');
            return (await locked.getCustomer('c1'))?.displayName;
          });
          // Give the second task every chance to start early; it must not.
          await new Promise((resolve) => setTimeout(resolve, 50));
          expect(events).toEqual(['first in']);
          release();
          await first;
          expect(await second).toBe('Ayşe');
          expect(events).toEqual(['first in', 'first out', 'second in']);
        } finally {
          release();
          await first.catch(() => undefined);
        }
      });

      it('adds keys to the scope from inside a task, also keys it already holds', async (context) => {
        if (!hasLocking(ledger)) return context.skip(noLocking);
        const result = await ledger.withLocks(['identity:test:a'], async (locked) => {
          await locked.saveCustomer(makeCustomer({ id: 'c2' }));
          return locked.withLocks!(['customer:c2', 'identity:test:a'], async (inner) => (await inner.getCustomer('c2'))?.id);
        });
        expect(result).toBe('c2');
        expect((await ledger.getCustomer('c2'))?.id).toBe('c2');
        // Everything was released: the same keys can be taken again.
        await expect(ledger.withLocks(['customer:c2', 'identity:test:a'], async () => 'again')).resolves.toBe('again');
      });
    });

    describe.skipIf(skip.has('operations'))('cursors, dead letters and consent', () => {
      it('keeps one cursor per adapter and stream', async () => {
        expect(await ledger.getCursor('x', 'mentions')).toBeNull();
        await ledger.setCursor('x', 'mentions', 'c1');
        await ledger.setCursor('x', 'search', 's1');
        await ledger.setCursor('x', 'mentions', 'c2');
        expect(await ledger.getCursor('x', 'mentions')).toBe('c2');
        expect(await ledger.getCursor('x', 'search')).toBe('s1');
        expect(await ledger.getCursor('y', 'mentions')).toBeNull();
      });

      it('adds, lists, updates and removes dead letters', async () => {
        const at = '2026-01-01T00:00:00.000Z';
        const stored = await ledger.addDeadLetter({ stage: 'validate', adapterId: 'x', payload: { body: '{"broken":' }, error: { name: 'InvalidPayloadError', code: 'INVALID_PAYLOAD', message: 'bad' }, attempts: 1, createdAt: at, lastAttemptAt: at });
        expect(stored.id).toBeTruthy();
        expect((await ledger.listDeadLetters()).items).toEqual([stored]);
        await ledger.updateDeadLetter({ ...stored, attempts: 2 });
        expect((await ledger.listDeadLetters()).items[0]?.attempts).toBe(2);
        expect(await ledger.removeDeadLetter(stored.id)).toBe(true);
        expect(await ledger.removeDeadLetter(stored.id)).toBe(false);
        expect((await ledger.listDeadLetters()).items).toEqual([]);
      });

      it('records consent per identity', async () => {
        expect(await ledger.getConsent('whatsapp:905551112233')).toBeNull();
        await ledger.setConsent({ identityKey: 'whatsapp:905551112233', status: 'opted-out', source: 'whatsapp:STOP', updatedAt: '2026-01-01T00:00:00.000Z' });
        expect((await ledger.getConsent('whatsapp:905551112233'))?.status).toBe('opted-out');
        await ledger.setConsent({ identityKey: 'whatsapp:905551112233', status: 'opted-out', purpose: 'marketing', source: 'whatsapp:marketing', updatedAt: '2026-01-02T00:00:00.000Z' });
        expect(await ledger.getConsent('whatsapp:905551112233')).toMatchObject({ status: 'opted-out', purpose: 'marketing', source: 'whatsapp:marketing' });
      });
    });

    describe.skipIf(skip.has('privacy'))('export and erase (GDPR)', () => {
      it('exports everything about one customer and nothing else', async () => {
        await ledger.saveCustomer(makeCustomer({ id: 'c1' }));
        await ledger.saveCustomer(makeCustomer({ id: 'c2' }));
        const identity = makeIdentityRecord({ customerId: 'c1', identity: { channel: 'test', nativeId: 'ayse' } });
        await ledger.saveIdentity(identity);
        await ledger.setConsent({ identityKey: identity.key, status: 'opted-in', source: 'crm', updatedAt: '2026-01-01T00:00:00.000Z' });
        await ledger.appendInteraction(makeInteraction({ customerId: 'c1', author: identity.identity }));
        await ledger.appendInteraction(makeInteraction({ customerId: 'c2' }));
        expect(await ledger.exportCustomer('nobody')).toBeNull();
        const exported = await ledger.exportCustomer('c1');
        expect(exported?.customer.id).toBe('c1');
        expect(exported?.identities.map((record) => record.key)).toEqual([identity.key]);
        expect(exported?.interactions).toHaveLength(1);
        expect(exported?.consents).toHaveLength(1);
      });

      it('erases personal data but keeps the rows for counts', async () => {
        await ledger.saveCustomer(makeCustomer({ id: 'c1', displayName: 'Ayşe Yılmaz' }));
        const identity = makeIdentityRecord({ customerId: 'c1', identity: { channel: 'test', nativeId: 'ayse', displayName: 'Ayşe Yılmaz' }, blockingKeys: ['name:ayse'] });
        await ledger.saveIdentity(identity);
        const interaction = makeInteraction({ customerId: 'c1', author: identity.identity, text: 'Siparişim 123 gelmedi', raw: { text: 'Siparişim 123 gelmedi' } });
        await ledger.appendInteraction(interaction);
        const result = await ledger.eraseCustomer('c1');
        expect(result).toMatchObject({ customerId: 'c1', interactionsErased: 1, identitiesErased: 1 });
        const after = await ledger.getInteraction(interaction.id);
        expect(after?.text).toBe('');
        expect(after?.raw).toBeUndefined();
        expect(JSON.stringify(after)).not.toContain('Ayşe');
        expect(await ledger.getIdentity(identity.key)).toBeNull();
        expect(await ledger.findIdentitiesByBlockingKeys(['name:ayse'])).toEqual([]);
        expect(JSON.stringify(await ledger.getCustomer('c1'))).not.toContain('Ayşe');
        expect((await ledger.queryInteractions({ customerId: 'c1' })).items).toHaveLength(1);
        if (options.oracle?.readInteraction) {
          expect((await options.oracle.readInteraction(interaction.id))?.text).toBe('');
        }
        expect(await ledger.eraseCustomer('nobody')).toMatchObject({ interactionsErased: 0, identitiesErased: 0 });
      });
    });
  });
}
