import { expect } from 'vitest';
import {
  hasBatchStore,
  hasLocking,
  hasOutbox,
  hasReceiveStore,
  hasReviewStore,
  hasSendStore,
  type Interaction,
  type InteractionLedger,
  type MergeRecord,
  type MergeSuggestionRecord,
  type OutboxRecord,
  type OutboxStore,
  type SendRecord,
} from 'social-crm';
import { makeCustomer, makeIdentityRecord, makeInteraction } from './fixtures.js';
import { defineChecks, describeChecks, runChecks, type ConformanceResult, type KitCheck, type KitContext, type KitHooks } from './_kit.js';
import { ERASED_PERSON, erasedPersonTerms, findTerms, plantPerson, readEverything } from './_erase-scenario.js';
import { describeIsolation, type CreateTenantLedger } from './_isolation-group.js';

/**
 * Named groups of the ledger suite; skip any with `skip`. The tests of an optional group
 * (`review`, `locking`, `outbox`, `sends`, `batch`, `receive`) report themselves skipped for a ledger that
 * does not implement it.
 */
export type LedgerSuiteGroup =
  | 'interactions'
  | 'pagination'
  | 'concurrency'
  | 'customers'
  | 'merges'
  | 'operations'
  | 'privacy'
  | 'review'
  | 'locking'
  | 'outbox'
  | 'sends'
  | 'batch'
  | 'receive'
  | 'isolation';

/** What the oracle reads of a stored interaction, straight from your storage. */
export interface OracleInteraction {
  text: string;
  state: string;
  customerId?: string | null;
}

/**
 * Independent reads of your raw storage, so writes are checked without trusting the ledger's own
 * reads. Each method gets the ledger under test as its last argument (the one `create` made for the
 * current check), so a per-test schema or database needs no module-level state.
 */
export interface LedgerOracle {
  /** The stored interaction, or `null` when its row is absent. */
  readInteraction?(id: string, ledger: InteractionLedger): Promise<OracleInteraction | null>;
}

/** Options of {@link describeLedger} and {@link checkLedger}. */
export interface DescribeLedgerOptions {
  /**
   * Make a fresh, empty ledger for each test. May return `{ ledger, oracle }` to give the oracle that
   * reads this ledger's storage (it then replaces `options.oracle` for that test).
   */
  create: () => InteractionLedger | LedgerUnderTest | Promise<InteractionLedger | LedgerUnderTest>;
  /** Tear it down after each test (drop tables, close pools). Defaults to `ledger.close?.()`. */
  destroy?: (ledger: InteractionLedger) => void | Promise<void>;
  /** Independent reads of your raw storage; see {@link LedgerOracle}. */
  oracle?: LedgerOracle;
  /** Groups to skip, with a reason in your test file. */
  skip?: LedgerSuiteGroup[];
  /**
   * The `isolation` group: the ledger of another tenant over the same storage as `ledger` (the one
   * `create` made). Defaults to `ledger.forTenant(tenant)` when the ledger has it; the group is
   * skipped when neither exists.
   */
  createTenant?: CreateTenantLedger;
}

/** What `create` may return: the ledger and the oracle over its storage. */
export interface LedgerUnderTest {
  ledger: InteractionLedger;
  oracle?: LedgerOracle;
}

const LEDGER_RULE_BROKEN = 'Ledger contract rule broken';

/**
 * The storage-port conformance suite. Run it with vitest against your implementation. Each test is
 * named after the contract rule it checks, and a failure starts with
 * `Ledger contract rule broken (<group> › <rule>)`.
 *
 * @example
 * import { describeLedger } from 'social-crm/testing';
 * describeLedger('my CRM ledger', { create: () => myLedger(testDatabase()) });
 */
export function describeLedger(name: string, options: DescribeLedgerOptions): void {
  const suite = ledgerChecks(options);
  describeChecks(`ledger conformance: ${name}`, LEDGER_RULE_BROKEN, suite.checks, suite.hooks);
}

/**
 * The same checks as {@link describeLedger}, run at once instead of registered as tests: every
 * outcome comes back, failures with the message a test run would show. Call it inside a test (it
 * asserts with vitest's `expect`), e.g. to prove that your own seeded mistakes are caught.
 *
 * @example
 * const failures = (await checkLedger({ create: () => myLedger() })).filter((result) => result.status === 'failed');
 */
export async function checkLedger(options: DescribeLedgerOptions): Promise<ConformanceResult[]> {
  const suite = ledgerChecks(options);
  return runChecks(LEDGER_RULE_BROKEN, suite.checks, suite.hooks);
}

function isLedgerUnderTest(value: InteractionLedger | LedgerUnderTest): value is LedgerUnderTest {
  return typeof (value as Partial<InteractionLedger>).appendInteraction !== 'function' && typeof (value as Partial<LedgerUnderTest>).ledger === 'object';
}

function ledgerChecks(options: DescribeLedgerOptions): { checks: KitCheck[]; hooks: KitHooks } {
  const skip = new Set(options.skip ?? []);
  let ledger: InteractionLedger;
  let oracle: LedgerOracle | undefined;
  /** The oracle's read of an interaction, or `undefined` when there is no oracle. */
  const readRaw = async (id: string): Promise<OracleInteraction | null | undefined> => (oracle?.readInteraction ? oracle.readInteraction(id, ledger) : undefined);
  const hooks: KitHooks = {
    async beforeEach() {
      const created = await options.create();
      if (isLedgerUnderTest(created)) {
        ledger = created.ledger;
        oracle = created.oracle ?? options.oracle;
      } else {
        ledger = created;
        oracle = options.oracle;
      }
    },
    async afterEach() {
      if (options.destroy) await options.destroy(ledger);
      else await ledger.close?.();
    },
  };
  const checks = defineChecks((group) => {
    group('interactions', skip.has('interactions'), (it) => {
      it('appends once and reports the duplicate', async () => {
        const interaction = makeInteraction({ text: 'Kargom nerede? 📦' });
        const first = await ledger.appendInteraction(interaction);
        const second = await ledger.appendInteraction({ ...interaction, text: 'changed' });
        expect(first.inserted).toBe(true);
        expect(second.inserted).toBe(false);
        expect(second.interaction.text).toBe('Kargom nerede? 📦');
        expect(await ledger.getInteraction(interaction.id)).toEqual(interaction);
        const raw = await readRaw(interaction.id);
        if (raw !== undefined) expect(raw, 'rule: the stored row holds what was appended (read by the oracle)').toMatchObject({ text: 'Kargom nerede? 📦', state: 'active' });
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
        expect(
          await ledger.getInteraction(interaction.id),
          'rule: updateInteraction stores every patched field, editedAt included (the pipeline compares it to refuse an older version that arrives late)',
        ).toEqual({ ...interaction, text: 'edited', state: 'edited', editedAt: '2026-01-02T00:00:00.000Z' });
        const deleted = await ledger.updateInteraction(interaction.id, { text: '', state: 'deleted', deletedAt: '2026-01-03T00:00:00.000Z', raw: undefined });
        expect(deleted?.state).toBe('deleted');
        expect(deleted?.raw).toBeUndefined();
        const raw = await readRaw(interaction.id);
        if (raw !== undefined) expect(raw, 'rule: a tombstone is stored with empty text (read by the oracle)').toMatchObject({ text: '', state: 'deleted' });
      });

      it('stores every field a patch names, and removes the ones it sets to undefined', async () => {
        const interaction = makeInteraction({ raw: { body: 'Kargom nerede?' }, metrics: { likes: 1 }, channelMetadata: { test: { thread: 1 } } });
        await ledger.appendInteraction(interaction);
        const patch = {
          deliveryStatus: 'read' as const,
          customerId: 'cus_patched',
          metrics: { likes: 4, replies: 2 },
          attachments: [{ type: 'image' as const, url: 'https://example.test/b.png' }],
          channelMetadata: { test: { thread: 2, pinned: true } },
          direction: 'peer' as const,
          reaction: '🔥',
          classification: {
            language: 'tr', languageConfidence: 0.8, languageSupported: true,
            sentiment: { label: 'neutral' as const, score: 0, confidence: 0.5 }, intents: [], department: { department: 'customer_service' as const, reason: 'question' }, urgency: 0.1, explanation: [], model: 'test',
          },
          raw: undefined,
        };
        await ledger.updateInteraction(interaction.id, patch);
        const { raw: _removed, ...rest } = interaction;
        const { raw: _unset, ...applied } = patch;
        expect(await ledger.getInteraction(interaction.id), 'rule: updateInteraction stores every patched field (replacing it whole) and removes a field patched to undefined; other fields stay').toEqual({ ...rest, ...applied });
      });

      it('bounds queries by time: since is inclusive, until exclusive', async () => {
        const rows = ['09:00', '10:00', '10:30', '11:00'].map((time) => makeInteraction({ channel: 'bounds', createdAt: `2026-01-01T${time}:00.000Z` }));
        for (const row of rows) await ledger.appendInteraction(row);
        const ids = async (query: Parameters<InteractionLedger['queryInteractions']>[0]) => (await ledger.queryInteractions({ channel: 'bounds', ...query })).items.map((item) => item.id);
        expect(await ids({ until: '2026-01-01T10:30:00.000Z' }), 'rule: `until` is an exclusive upper bound on createdAt (a row at exactly `until` is left out)').toEqual([rows[0]!.id, rows[1]!.id]);
        expect(await ids({ since: '2026-01-01T10:30:00.000Z' }), 'rule: `since` is an inclusive lower bound on createdAt (a row at exactly `since` is returned)').toEqual([rows[2]!.id, rows[3]!.id]);
        expect(await ids({ since: '2026-01-01T10:00:00.000Z', until: '2026-01-01T11:00:00.000Z', order: 'desc' }), 'rule: `since` and `until` together bound both ends, in either order').toEqual([rows[2]!.id, rows[1]!.id]);
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
        expect(await ledger.assignInteractions(['test:me'], 'new'), 'rule: assignInteractions returns how many interactions it assigned').toBe(1);
        expect((await ledger.getInteraction(mine.id))?.customerId, "rule: assignInteractions sets customerId on the author's interactions").toBe('new');
        expect((await ledger.getInteraction(other.id))?.customerId, 'rule: assignInteractions leaves other authors alone').toBe('other');
      });

      it('counts each assigned interaction once: several rows per author, repeated and unknown keys, tombstones included', async () => {
        const rows = [
          makeInteraction({ author: { channel: 'test', nativeId: 'me' }, customerId: 'old' }),
          makeInteraction({ author: { channel: 'test', nativeId: 'me' } }),
          makeInteraction({ author: { channel: 'test', nativeId: 'me' }, state: 'deleted', text: '' }),
          makeInteraction({ author: { channel: 'test', nativeId: 'also-me' }, customerId: 'old' }),
          makeInteraction({ author: { channel: 'test', nativeId: 'you' }, customerId: 'other' }),
        ];
        for (const row of rows) await ledger.appendInteraction(row);
        expect(await ledger.assignInteractions(['test:me', 'test:also-me', 'test:me', 'test:nobody'], 'new'), 'rule: assignInteractions returns the number of interactions whose author is one of the keys, each counted once').toBe(4);
        expect(await ledger.assignInteractions([], 'new'), 'rule: assignInteractions with no keys assigns nothing and returns 0').toBe(0);
        const assigned = (await ledger.queryInteractions({ customerId: 'new', includeDeleted: true })).items.map((row) => row.id).sort();
        expect(assigned, 'rule: assignInteractions assigns every interaction of the authors, tombstones too').toEqual(rows.slice(0, 4).map((row) => row.id).sort());
      });

      it('returns tombstones from getInteraction, and from queries only with includeDeleted', async () => {
        const interaction = makeInteraction({ text: 'silinecek' });
        await ledger.appendInteraction(interaction);
        await ledger.updateInteraction(interaction.id, { text: '', state: 'deleted', deletedAt: '2026-01-03T00:00:00.000Z' });
        expect(await ledger.getInteraction(interaction.id), 'rule: getInteraction returns tombstones (state deleted), never null for a deleted row').toMatchObject({ id: interaction.id, state: 'deleted', text: '', deletedAt: '2026-01-03T00:00:00.000Z' });
        expect((await ledger.queryInteractions({ channel: interaction.channel })).items.map((row) => row.id), 'rule: queries leave tombstones out by default').not.toContain(interaction.id);
        expect((await ledger.queryInteractions({ channel: interaction.channel, includeDeleted: true })).items.map((row) => row.id), 'rule: queries return tombstones with includeDeleted').toContain(interaction.id);
      });
    });

    group('pagination', skip.has('pagination'), (it) => {
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
            expect(page.items.length, 'rule: a page holds at most `limit` rows').toBeLessThanOrEqual(10);
            seen.push(...page.items.map((item) => item.id));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          const expected = rows.map((row) => row.id);
          expect(seen).toEqual(order === 'asc' ? expected : [...expected].reverse());
        }
      });

      it('keeps the filters of the query on every page', async () => {
        const rows = Array.from({ length: 24 }, (_, index) =>
          makeInteraction({
            channel: index % 2 ? 'kept' : 'other',
            nativeId: `f${String(index).padStart(3, '0')}`,
            customerId: index % 4 === 1 ? 'cus_kept' : 'cus_other',
            direction: index % 8 === 5 ? 'outbound' : 'inbound',
            createdAt: new Date(Date.UTC(2026, 0, 1, 0, Math.floor(index / 4))).toISOString(),
          }),
        );
        for (const row of rows) await ledger.appendInteraction(row);
        for (const query of [{ channel: 'kept' }, { customerId: 'cus_kept' }, { channel: 'kept', direction: 'inbound' as const }, { channel: 'kept', order: 'desc' as const }]) {
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let pages = 0; pages < 50; pages++) {
            const page = await ledger.queryInteractions({ ...query, limit: 2, ...(cursor ? { cursor } : {}) });
            seen.push(...page.items.map((item) => item.id));
            cursor = page.nextCursor ?? undefined;
            if (!cursor) break;
          }
          const expected = rows
            .filter((row) => (!query.channel || row.channel === query.channel) && (!('customerId' in query) || row.customerId === query.customerId) && (!('direction' in query) || row.direction === query.direction))
            .map((row) => row.id);
          expect(seen, `rule: every page keeps the filters of the query, not only the first (${JSON.stringify(query)}, pages of 2)`).toEqual(query.order === 'desc' ? [...expected].reverse() : expected);
        }
      });

      it('sets nextCursor to null on the last page, also when the last page is exactly full', async () => {
        const rows = Array.from({ length: 10 }, (_, index) => makeInteraction({ channel: 'last', nativeId: `l${index}` }));
        for (const row of rows) await ledger.appendInteraction(row);
        expect((await ledger.queryInteractions({ channel: 'last', limit: 10 })).nextCursor, 'rule: nextCursor is null when the page holds the last row, even if the page is full').toBeNull();
        expect((await ledger.queryInteractions({ channel: 'last', limit: 11 })).nextCursor, 'rule: nextCursor is null when fewer rows than the limit remain').toBeNull();
        const first = await ledger.queryInteractions({ channel: 'last', limit: 5 });
        expect(first.nextCursor, 'rule: nextCursor is set while rows remain').not.toBeNull();
        const second = await ledger.queryInteractions({ channel: 'last', limit: 5, cursor: first.nextCursor! });
        expect(second.items, 'rule: the page after a cursor holds the next rows').toHaveLength(5);
        expect(second.nextCursor, 'rule: nextCursor is null on the last page, also when it is exactly full').toBeNull();
        expect((await ledger.queryInteractions({ channel: 'nothing-here' })), 'rule: an empty result is one page with nextCursor null').toEqual({ items: [], nextCursor: null });
        for (let index = 0; index < 4; index++) await ledger.saveCustomer(makeCustomer({ id: `cus_last${index}` }));
        const customers = await ledger.listCustomers({ limit: 2 });
        expect((await ledger.listCustomers({ limit: 2, cursor: customers.nextCursor! })).nextCursor, 'rule: listCustomers sets nextCursor to null on its last page').toBeNull();
      });

      it('pages 100 rows by default, as documented', async () => {
        const rows = Array.from({ length: 101 }, (_, index) => makeInteraction({ channel: 'default', nativeId: `d${String(index).padStart(3, '0')}` }));
        if (hasBatchStore(ledger)) await ledger.appendInteractions(rows);
        else for (const row of rows) await ledger.appendInteraction(row);
        const first = await ledger.queryInteractions({ channel: 'default' });
        expect(first.items, 'rule: queryInteractions returns 100 rows when no limit is given').toHaveLength(100);
        expect(first.nextCursor, 'rule: a default-size page that is not the last has a nextCursor').not.toBeNull();
        const rest = await ledger.queryInteractions({ channel: 'default', cursor: first.nextCursor! });
        expect(rest.items, 'rule: the page after a default-size page holds the remaining row').toHaveLength(1);
        expect(rest.nextCursor, 'rule: nextCursor is null on the last page').toBeNull();
        expect(new Set([...first.items, ...rest.items].map((row) => row.id)), 'rule: the two pages hold every row once').toEqual(new Set(rows.map((row) => row.id)));
        for (let index = 0; index < 101; index++) await ledger.saveCustomer(makeCustomer({ id: `cus_default${String(index).padStart(3, '0')}` }));
        expect((await ledger.listCustomers()).items, 'rule: listCustomers returns 100 customers when no limit is given').toHaveLength(100);
      });

      it('pages customers and dead letters', async () => {
        // Ids in the opposite order of creation: a list ordered by id alone comes out reversed.
        const created = Array.from({ length: 6 }, (_, index) => makeCustomer({ id: `cus_order${9 - index}`, createdAt: new Date(Date.UTC(2026, 1, 1, index)).toISOString() }));
        for (const customer of [...created].reverse()) await ledger.saveCustomer(customer);
        const walked: string[] = [];
        let position: string | undefined;
        do {
          const page = await ledger.listCustomers({ limit: 4, ...(position ? { cursor: position } : {}) });
          walked.push(...page.items.map((customer) => customer.id));
          position = page.nextCursor ?? undefined;
        } while (position);
        expect(walked, 'rule: listCustomers is ordered by (createdAt, id), across pages').toEqual(created.map((customer) => customer.id));
        const letters = [];
        for (let index = 0; index < 5; index++) {
          const at = new Date(Date.UTC(2026, 1, 1, 5 - index)).toISOString();
          letters.push(await ledger.addDeadLetter({ stage: 'validate', adapterId: 'x', payload: { index }, error: { name: 'InvalidPayloadError', message: 'bad' }, attempts: 1, createdAt: at, lastAttemptAt: at }));
        }
        const oldestFirst = [...letters].reverse().map((entry) => entry.id);
        const firstLetters = await ledger.listDeadLetters({ limit: 2 });
        expect(firstLetters.items, 'rule: listDeadLetters returns at most `limit` entries').toHaveLength(2);
        const restLetters = await ledger.listDeadLetters({ limit: 2, cursor: firstLetters.nextCursor ?? undefined });
        const lastLetters = await ledger.listDeadLetters({ limit: 2, cursor: restLetters.nextCursor ?? undefined });
        expect([...firstLetters.items, ...restLetters.items, ...lastLetters.items].map((entry) => entry.id), 'rule: listDeadLetters is ordered oldest first (by createdAt), across pages').toEqual(oldestFirst);
        expect(lastLetters.nextCursor, 'rule: listDeadLetters sets nextCursor to null on its last page').toBeNull();
        for (const customer of created) await ledger.saveCustomer({ ...customer, mergedInto: 'cus_p0' });
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

    group('concurrency', skip.has('concurrency'), (it) => {
      it('stores one row when the same interaction is appended concurrently', async () => {
        const interaction = makeInteraction();
        const results = await Promise.all(Array.from({ length: 25 }, () => ledger.appendInteraction(interaction)));
        expect(results.filter((result) => result.inserted)).toHaveLength(1);
        const page = await ledger.queryInteractions({ channel: interaction.channel, includeDeleted: true });
        expect(page.items.filter((item) => item.id === interaction.id)).toHaveLength(1);
      });
    });

    group('customers and identities', skip.has('customers'), (it) => {
      it('saves, replaces and reads customers', async () => {
        const customer = makeCustomer({ displayName: 'Ayşe', attributes: { tier: 'gold', segments: ['vip'] }, identityKeys: ['test:ayse'], crmContactId: 'crm-ayse-1' });
        expect(await ledger.getCustomer(customer.id)).toBeNull();
        await ledger.saveCustomer(customer);
        expect(await ledger.getCustomer(customer.id), 'rule: getCustomer returns every field saved (displayName, identityKeys, crmContactId, attributes, dates)').toEqual(customer);
        await ledger.saveCustomer({ ...customer, displayName: 'Ayşe Y.' });
        expect((await ledger.getCustomer(customer.id))?.displayName).toBe('Ayşe Y.');
      });

      it('lists customers without merged ones unless asked', async () => {
        await ledger.saveCustomer(makeCustomer({ id: 'cus_alive' }));
        await ledger.saveCustomer(makeCustomer({ id: 'cus_gone', mergedInto: 'cus_alive' }));
        expect((await ledger.getCustomer('cus_gone'))?.mergedInto, 'rule: getCustomer returns every field saved, mergedInto included (the crm follows it to the survivor)').toBe('cus_alive');
        expect((await ledger.listCustomers()).items.map((customer) => customer.id), 'rule: listCustomers leaves merged-away customers out by default').toEqual(['cus_alive']);
        const all = (await ledger.listCustomers({ includeMerged: true })).items;
        expect(all.map((customer) => [customer.id, customer.mergedInto]), 'rule: listCustomers with includeMerged returns merged-away customers too, with their mergedInto').toEqual([['cus_alive', undefined], ['cus_gone', 'cus_alive']]);
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

      it('finds each identity once by blocking keys and honours the limit', async () => {
        const records = Array.from({ length: 5 }, () => makeIdentityRecord({ customerId: 'c1', blockingKeys: ['name:mehmet', 'city:izmir'] }));
        for (const record of records) await ledger.saveIdentity(record);
        const all = await ledger.findIdentitiesByBlockingKeys(['name:mehmet', 'city:izmir']);
        expect(all.map((record) => record.key).sort(), 'rule: findIdentitiesByBlockingKeys returns each identity once, even when several of its keys match').toEqual(records.map((record) => record.key).sort());
        const limited = await ledger.findIdentitiesByBlockingKeys(['name:mehmet', 'city:izmir'], 2);
        expect(limited, 'rule: findIdentitiesByBlockingKeys returns at most `limit` identities').toHaveLength(2);
        expect(new Set(limited.map((record) => record.key)).size, 'rule: findIdentitiesByBlockingKeys returns distinct identities within the limit').toBe(2);
        expect(await ledger.findIdentitiesByBlockingKeys([], 10), 'rule: no keys find nothing').toEqual([]);
      });
    });

    group('merge history', skip.has('merges'), (it) => {
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

    group('review queue (optional ReviewStore)', skip.has('review'), (it) => {
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
        expect((await ledger.exportCustomer('c1'))?.suggestions?.map((row) => row.id), 'export returns the suggestions naming the customer or one merged into it, newest first').toEqual(['s2', 's1']);
        await ledger.eraseCustomer('c1');
        expect((await ledger.listSuggestions()).items.map((row) => row.id)).toEqual(['s3']);
      });
    });

    group('cross-process locks (optional LockingStore)', skip.has('locking'), (it) => {
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

    group('transactional outbox (optional OutboxStore)', skip.has('outbox'), (it) => {
      const outboxOf = (context: KitContext) => (hasOutbox(ledger) ? ledger : context.skip('this ledger keeps no outbox (events are then emitted in process only)'));
      const claim = (outbox: OutboxStore, owner: string, limit: number, now: string, leaseMs = 60_000) => outbox.claimOutbox({ owner, limit, leaseMs, now });
      const listed = async (outbox: OutboxStore) => (await outbox.listOutbox({ limit: 1000 })).items;

      it('keeps append order (not id or createdAt order), ignores a repeated id, and pages', async (context) => {
        const outbox = outboxOf(context);
        const first = outboxEvent('k1', { id: 'evt_c', createdAt: at(-10) });
        const second = outboxEvent('k2', { id: 'evt_a', createdAt: at(-30) });
        const third = outboxEvent('k1', { id: 'evt_b', createdAt: at(-20) });
        await outbox.appendOutbox([first, second]);
        await outbox.appendOutbox([third, { ...first, payload: 'changed' }, { ...third, name: 'changed' }]);
        const records = await listed(outbox);
        expect(idsOf(records), 'listOutbox returns records in append order, each id once').toEqual(['evt_c', 'evt_a', 'evt_b']);
        expect(records.map(withOutboxDefaults), 'an appended id that is already present is ignored: the first record stays as it was').toEqual([first, second, third].map(withOutboxDefaults));
        const firstPage = await outbox.listOutbox({ limit: 2 });
        expect(idsOf(firstPage.items)).toEqual(['evt_c', 'evt_a']);
        expect(firstPage.nextCursor, 'a page that is not the last has a nextCursor').not.toBeNull();
        const lastPage = await outbox.listOutbox({ limit: 2, cursor: firstPage.nextCursor! });
        expect(idsOf(lastPage.items), 'the next page resumes after the cursor').toEqual(['evt_b']);
        expect(lastPage.nextCursor).toBeNull();
      });

      it('claims the oldest deliverable records first and leaves those whose availableAt has not come', async (context) => {
        const outbox = outboxOf(context);
        const [early, later, next] = [outboxEvent('k1'), outboxEvent('k2', { availableAt: at(30) }), outboxEvent('k3')];
        await outbox.appendOutbox([early, later, next]);
        const claimed = await claim(outbox, 'worker-1', 10, at(0));
        expect(idsOf(claimed), 'a claim returns deliverable records oldest first and skips one whose availableAt is still ahead').toEqual([early.id, next.id]);
        expect(withOutboxDefaults(claimed[0]!), 'a claimed record comes back whole').toEqual(withOutboxDefaults(early));
        expect(idsOf(await claim(outbox, 'worker-1', 10, at(31))), 'a record is claimable once its availableAt has passed').toEqual([later.id]);
      });

      it('leases: a second claim before the lease expires gets none of the leased records; after expiry they are offered again', async (context) => {
        const outbox = outboxOf(context);
        const records = [outboxEvent('k1'), outboxEvent('k2')];
        await outbox.appendOutbox(records);
        expect(idsOf(await claim(outbox, 'worker-1', 10, at(0), 30_000))).toEqual(idsOf(records));
        expect(await claim(outbox, 'worker-2', 10, at(29)), 'a record under a live lease is not claimed by another owner').toEqual([]);
        expect(await claim(outbox, 'worker-1', 10, at(29)), 'a record under a live lease is not claimed again by its owner either').toEqual([]);
        expect(idsOf(await claim(outbox, 'worker-2', 10, at(31))), 'a record whose lease expired is offered again').toEqual(idsOf(records));
      });

      it('per key: a record is never claimed while an older record of its key is leased or not yet available', async (context) => {
        const outbox = outboxOf(context);
        const [k1, m1, k2, n1, n2] = [outboxEvent('K'), outboxEvent('M'), outboxEvent('K'), outboxEvent('N', { availableAt: at(30) }), outboxEvent('N')];
        await outbox.appendOutbox([k1, m1, k2, n1, n2]);
        expect(idsOf(await claim(outbox, 'worker-1', 1, at(0)))).toEqual([k1.id]);
        expect(
          idsOf(await claim(outbox, 'worker-2', 10, at(0))),
          'record 2 of a key is not claimed while record 1 of that key is leased, nor while record 1 is not yet available',
        ).toEqual([m1.id]);
        expect(await outbox.settleOutbox(k1.id, 'worker-1', { type: 'delivered' })).toBe(true);
        expect(idsOf(await claim(outbox, 'worker-2', 10, at(1))), 'once the older record is gone, the next record of its key is offered').toEqual([k2.id]);
        expect(idsOf(await claim(outbox, 'worker-2', 10, at(31))), 'records of a key come in append order once the first is available').toEqual([n1.id, n2.id]);
      });

      it('a claim limit that cuts a key leaves a prefix of it leased and the rest waiting', async (context) => {
        const outbox = outboxOf(context);
        const [k1, k2, m1, k3] = [outboxEvent('K'), outboxEvent('K'), outboxEvent('M'), outboxEvent('K')];
        await outbox.appendOutbox([k1, k2, m1, k3]);
        expect(idsOf(await claim(outbox, 'worker-1', 2, at(0))), 'a claim limit takes the oldest records').toEqual([k1.id, k2.id]);
        expect(idsOf(await claim(outbox, 'worker-2', 10, at(0))), 'the rest of a cut key waits while its older records are leased').toEqual([m1.id]);
        for (const record of [k1, k2]) expect(await outbox.settleOutbox(record.id, 'worker-1', { type: 'delivered' })).toBe(true);
        expect(idsOf(await claim(outbox, 'worker-2', 10, at(1)))).toEqual([k3.id]);
      });

      it('a long backlog behind a blocked key does not hold back other keys', async (context) => {
        const outbox = outboxOf(context);
        const backlog = Array.from({ length: 1500 }, () => outboxEvent('busy-customer'));
        const other = outboxEvent('quiet-customer');
        await outbox.appendOutbox([...backlog, other]);
        expect(idsOf(await claim(outbox, 'worker-1', 1, at(0)))).toEqual([backlog[0]!.id]);
        expect(
          idsOf(await claim(outbox, 'worker-2', 10, at(0))),
          'a deliverable record is claimed even when 1,499 older records of a blocked key come before it',
        ).toEqual([other.id]);
      });

      it('concurrent claims never return the same record and keep each key in order', async (context) => {
        const outbox = outboxOf(context);
        const keys = Array.from({ length: 10 }, (_, index) => `customer-${index}`);
        const records = [0, 1, 2].flatMap(() => keys.map((key) => outboxEvent(key)));
        await outbox.appendOutbox(records);
        const claims = await Promise.all(Array.from({ length: 8 }, (_, index) => claim(outbox, `worker-${index}`, 5, at(0))));
        const claimed = claims.flatMap(idsOf);
        expect(new Set(claimed).size, 'two concurrent claims never return the same record').toBe(claimed.length);
        expect(claimed.length).toBeGreaterThan(0);
        for (const key of keys) {
          const ofKey = idsOf(records.filter((record) => record.orderingKey === key));
          const taken = new Set(claimed.filter((id) => ofKey.includes(id)));
          expect(ofKey.filter((id) => taken.has(id)), `the records claimed of key ${key} are its oldest ones`).toEqual(ofKey.slice(0, taken.size));
        }
      });

      it('settles: delivered removes the record, retry keeps it with the new state, release frees it unchanged', async (context) => {
        const outbox = outboxOf(context);
        const [delivered, retried, released] = [outboxEvent('k1'), outboxEvent('k2'), outboxEvent('k3')];
        await outbox.appendOutbox([delivered, retried, released]);
        expect(await claim(outbox, 'worker-1', 10, at(0))).toHaveLength(3);
        expect(await outbox.settleOutbox(delivered.id, 'worker-1', { type: 'delivered' })).toBe(true);
        expect(idsOf(await listed(outbox)), 'a delivered record is removed from the outbox').toEqual([retried.id, released.id]);
        const lastError = { handler: 'crm-sync', name: 'ChannelApiError', code: 'CHANNEL_API_ERROR', message: 'HTTP 503' };
        const retry = { type: 'retry' as const, availableAt: at(120), attempts: 1, completedHandlers: ['search-index'], lastError };
        expect(await outbox.settleOutbox(retried.id, 'worker-1', retry)).toBe(true);
        expect(await outbox.settleOutbox(released.id, 'worker-1', { type: 'release' })).toBe(true);
        const [afterRetry, afterRelease] = await listed(outbox);
        expect(withOutboxDefaults(afterRetry!), 'a retried record keeps its attempts, completedHandlers, lastError and availableAt').toEqual(
          withOutboxDefaults({ ...retried, availableAt: at(120), attempts: 1, completedHandlers: ['search-index'], lastError }),
        );
        expect(withOutboxDefaults(afterRelease!), 'a released record is otherwise unchanged').toEqual(withOutboxDefaults(released));
        expect(await outbox.settleOutbox(released.id, 'worker-1', { type: 'delivered' }), 'after a release the former owner holds no lease').toBe(false);
        expect(idsOf(await claim(outbox, 'worker-2', 10, at(1))), 'a released record is offered again at once; a retried one waits for its availableAt').toEqual([released.id]);
        expect(await outbox.settleOutbox(released.id, 'worker-2', { type: 'delivered' })).toBe(true);
        const again = await claim(outbox, 'worker-2', 10, at(121));
        expect(idsOf(again), 'a retried record is offered again once its availableAt has passed').toEqual([retried.id]);
        expect(again[0]).toMatchObject({ attempts: 1, completedHandlers: ['search-index'], lastError });
      });

      it('refuses to settle for another owner, after the lease was lost, or when the record is gone', async (context) => {
        const outbox = outboxOf(context);
        const record = outboxEvent('k1');
        await outbox.appendOutbox([record]);
        expect(idsOf(await claim(outbox, 'worker-1', 10, at(0), 30_000))).toEqual([record.id]);
        expect(await outbox.settleOutbox(record.id, 'worker-2', { type: 'delivered' }), 'only the owner of a lease can settle the record').toBe(false);
        expect(idsOf(await listed(outbox)), 'a refused settle changes nothing').toEqual([record.id]);
        expect(idsOf(await claim(outbox, 'worker-2', 10, at(31)))).toEqual([record.id]);
        expect(
          await outbox.settleOutbox(record.id, 'worker-1', { type: 'delivered' }),
          'once the lease expired and another owner claimed the record, the first owner cannot settle it',
        ).toBe(false);
        expect(idsOf(await listed(outbox))).toEqual([record.id]);
        expect(await outbox.settleOutbox(record.id, 'worker-2', { type: 'delivered' })).toBe(true);
        expect(await outbox.settleOutbox(record.id, 'worker-2', { type: 'delivered' }), 'a record that is gone cannot be settled').toBe(false);
        expect(await outbox.settleOutbox('evt_unknown', 'worker-2', { type: 'release' })).toBe(false);
      });

      it('a transaction commits its writes together; a task that throws rolls back the interaction and the outbox record it wrote', async (context) => {
        const outbox = outboxOf(context);
        const kept = makeInteraction();
        const lost = makeInteraction();
        const keptEvent = outboxEvent('c1', { payload: { interactionId: kept.id } });
        const result = await outbox.transaction(async (scoped) => {
          expect(hasOutbox(scoped), 'the ledger a transaction gives its task has the outbox methods too').toBe(true);
          if (hasBatchStore(ledger)) expect(hasBatchStore(scoped), 'the ledger a transaction gives its task has the batch methods too').toBe(true);
          if (hasSendStore(ledger)) expect(hasSendStore(scoped), 'the ledger a transaction gives its task has the send methods too').toBe(true);
          await scoped.appendInteraction(kept);
          await scoped.appendOutbox!([keptEvent]);
          return 'committed';
        });
        expect(result, 'transaction returns what the task returns').toBe('committed');
        expect(await ledger.getInteraction(kept.id)).toEqual(kept);
        const failure = new Error('task failed after writing');
        await expect(
          outbox.transaction(async (scoped) => {
            await scoped.appendInteraction(lost);
            await scoped.appendOutbox!([outboxEvent('c1', { payload: { interactionId: lost.id } })]);
            throw failure;
          }),
          'transaction rethrows the error of the task',
        ).rejects.toBe(failure);
        expect(await ledger.getInteraction(lost.id), 'a task that throws leaves no interaction behind').toBeNull();
        expect(idsOf(await listed(outbox)), 'a task that throws leaves no outbox record behind').toEqual([keptEvent.id]);
      });

      it('a nested transaction, or withLocks, on the task ledger joins the open transaction', async (context) => {
        const outbox = outboxOf(context);
        const first = makeInteraction();
        const second = makeInteraction();
        await expect(
          outbox.transaction(async (outer) => {
            await outer.appendInteraction(first);
            const seen = await outer.transaction!(async (inner) => {
              await inner.appendOutbox!([outboxEvent('c1')]);
              return (await inner.getInteraction(first.id))?.id;
            });
            expect(seen, 'a nested transaction sees the writes of the open one').toBe(first.id);
            if (hasLocking(outer)) {
              await outer.withLocks(['customer:c1'], async (locked) => {
                expect(hasOutbox(locked), 'the ledger of a locked task has the outbox methods too').toBe(true);
                await locked.appendInteraction(second);
              });
            }
            throw new Error('outer task failed');
          }),
        ).rejects.toThrow('outer task failed');
        expect(await ledger.getInteraction(first.id)).toBeNull();
        expect(await listed(outbox), 'writes of a nested transaction roll back with the outer one').toEqual([]);
        expect(await ledger.getInteraction(second.id), 'writes of a withLocks inside a transaction roll back with it').toBeNull();
        await outbox.transaction(async (outer) => outer.transaction!(async (inner) => inner.appendInteraction(first)));
        expect(await ledger.getInteraction(first.id), 'writes of a nested transaction commit with the outer one').toEqual(first);
      });
    });

    group('sends by idempotency key (optional SendStore)', skip.has('sends'), (it) => {
      const sendsOf = (context: KitContext) => (hasSendStore(ledger) ? ledger : context.skip('this ledger records no sends (replies are then not idempotent across processes)'));

      it('creates a send once: of 20 concurrent calls with one key, exactly one reports created', async (context) => {
        const sends = sendsOf(context);
        const results = await Promise.all(Array.from({ length: 20 }, (_, index) => sends.createSend(sendRecord('reply-1', { attempts: index }))));
        const created = results.filter((result) => result.created);
        expect(created, 'exactly one of concurrent createSend calls with one key gets created: true').toHaveLength(1);
        const stored = created[0]!.record;
        for (const result of results) expect(result.record, 'every caller gets the stored record').toEqual(stored);
        expect(await sends.getSend('reply-1')).toEqual(stored);
      });

      it('updates, reads and lists sends by state, oldest first', async (context) => {
        const sends = sendsOf(context);
        expect(await sends.getSend('missing')).toBeNull();
        expect(await sends.updateSend(sendRecord('missing')), 'updateSend reports false for an unknown key').toBe(false);
        const [older, middle, newer] = [sendRecord('key-b', { createdAt: at(0) }), sendRecord('key-a', { createdAt: at(1) }), sendRecord('key-c', { createdAt: at(2) })];
        for (const record of [older, middle, newer]) expect((await sends.createSend(record)).created).toBe(true);
        const unknown: SendRecord = { ...middle, state: 'unknown', attempts: 1, updatedAt: at(5), error: { name: 'TimeoutError', message: 'no answer in 10 s' } };
        expect(await sends.updateSend(unknown)).toBe(true);
        expect(await sends.getSend(middle.key), 'updateSend replaces the record').toEqual(unknown);
        const sent: SendRecord = { ...newer, state: 'sent', attempts: 1, interactionId: 'test:out-1', updatedAt: at(6) };
        expect(await sends.updateSend(sent)).toBe(true);
        expect((await sends.listSends({ state: 'pending' })).items, 'listSends returns the records in one state').toEqual([older]);
        expect((await sends.listSends({ state: 'unknown' })).items).toEqual([unknown]);
        expect((await sends.listSends({ state: 'sent' })).items).toEqual([sent]);
        await sends.updateSend({ ...sent, state: 'pending' });
        const firstPage = await sends.listSends({ state: 'pending', limit: 1 });
        expect(firstPage.items.map((record) => record.key), 'listSends is ordered by createdAt, not by key').toEqual(['key-b']);
        const lastPage = await sends.listSends({ state: 'pending', limit: 1, cursor: firstPage.nextCursor! });
        expect(lastPage.items.map((record) => record.key)).toEqual(['key-c']);
        expect(lastPage.nextCursor).toBeNull();
      });
    });

    group('batch reads and writes (optional BatchStore)', skip.has('batch'), (it) => {
      const batchOf = (context: KitContext) => (hasBatchStore(ledger) ? ledger : context.skip('this ledger has no batch methods (the core then calls the single ones)'));
      const byId = <Row extends { id: string }>(rows: Row[]) => [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

      it('getInteractions equals getInteraction per id: repeats, unknown ids and tombstones included', async (context) => {
        const batch = batchOf(context);
        const active = makeInteraction();
        const deleted = makeInteraction({ state: 'deleted', text: '', deletedAt: at(0) });
        for (const interaction of [active, deleted]) await ledger.appendInteraction(interaction);
        const ids = [active.id, 'test:missing', deleted.id, active.id];
        const singles = (await Promise.all(ids.map((id) => ledger.getInteraction(id)))).filter((row): row is Interaction => row !== null);
        expect(byId(await batch.getInteractions(ids)), 'getInteractions returns each existing interaction once, tombstones too').toEqual(byId([...new Map(singles.map((row) => [row.id, row])).values()]));
        expect(await batch.getInteractions([])).toEqual([]);
      });

      it('appendInteractions equals appendInteraction per item, in input order, repeats within the batch included', async (context) => {
        const batch = batchOf(context);
        const existing = makeInteraction({ text: 'stored first' });
        await ledger.appendInteraction(existing);
        const [fresh, other] = [makeInteraction(), makeInteraction()];
        const results = await batch.appendInteractions([fresh, { ...existing, text: 'changed' }, other, { ...fresh, text: 'second copy' }]);
        expect(
          results.map((result) => [result.inserted, result.interaction.id]),
          'results come in input order; an id already stored, or repeated in the batch, reports inserted: false',
        ).toEqual([
          [true, fresh.id],
          [false, existing.id],
          [true, other.id],
          [false, fresh.id],
        ]);
        expect(results[1]!.interaction, 'a duplicate reports the stored row').toEqual(existing);
        expect(results[3]!.interaction, 'the first of a repeated id is the one stored').toEqual(fresh);
        expect(await ledger.getInteraction(fresh.id)).toEqual(fresh);
        expect(await batch.appendInteractions([])).toEqual([]);
      });

      it('getIdentities equals getIdentity per key: repeats and unknown keys included', async (context) => {
        const batch = batchOf(context);
        const records = [makeIdentityRecord({ customerId: 'c1' }), makeIdentityRecord({ customerId: 'c2' })];
        for (const record of records) await ledger.saveIdentity(record);
        const found = await batch.getIdentities([records[1]!.key, 'test:nobody', records[0]!.key, records[1]!.key]);
        expect([...found].sort((a, b) => (a.key < b.key ? -1 : 1)), 'getIdentities returns each existing record once').toEqual([...records].sort((a, b) => (a.key < b.key ? -1 : 1)));
        expect(await batch.getIdentities([])).toEqual([]);
      });

      it('getCustomers equals getCustomer per id: repeats, merged-away and unknown ids included', async (context) => {
        const batch = batchOf(context);
        const customers = [makeCustomer(), makeCustomer({ mergedInto: 'cus_survivor' })];
        for (const customer of customers) await ledger.saveCustomer(customer);
        const found = await batch.getCustomers([customers[1]!.id, 'cus_nobody', customers[0]!.id, customers[1]!.id]);
        expect([...found].sort((a, b) => (a.id < b.id ? -1 : 1)), 'getCustomers returns each existing customer once, merged-away ones too').toEqual([...customers].sort((a, b) => (a.id < b.id ? -1 : 1)));
        expect(await batch.getCustomers([])).toEqual([]);
      });

      it('saveCustomers equals saveCustomer per item: new and existing ids, the last repeat wins', async (context) => {
        const batch = batchOf(context);
        const existing = makeCustomer({ displayName: 'Before' });
        await ledger.saveCustomer(existing);
        const [fresh, other] = [makeCustomer({ displayName: 'Ayşe Yılmaz' }), makeCustomer({ attributes: { tier: 'gold' } })];
        const changed = { ...existing, displayName: 'After', mergedInto: 'cus_survivor', updatedAt: at(5) };
        await batch.saveCustomers([fresh, changed, other, { ...fresh, displayName: 'Ayşe Y.' }]);
        expect(await ledger.getCustomer(existing.id), 'saveCustomers replaces a stored customer whole').toEqual(changed);
        expect(await ledger.getCustomer(fresh.id), 'of one id saved twice in a batch, the later one is kept').toEqual({ ...fresh, displayName: 'Ayşe Y.' });
        expect(await ledger.getCustomer(other.id)).toEqual(other);
        await batch.saveCustomers([]);
      });

      it('saveIdentities equals saveIdentity per item: new and existing keys, the last repeat wins, blocking keys indexed', async (context) => {
        const batch = batchOf(context);
        const existing = makeIdentityRecord({ customerId: 'c1', blockingKeys: ['email:old@mail.test'] });
        await ledger.saveIdentity(existing);
        const fresh = makeIdentityRecord({ customerId: 'c2', blockingKeys: ['phone:905551112233'] });
        const moved = { ...existing, customerId: 'c3', blockingKeys: ['email:new@mail.test'] };
        await batch.saveIdentities([moved, fresh, { ...fresh, attested: true }]);
        expect(await ledger.getIdentity(existing.key), 'saveIdentities replaces a stored record whole').toEqual(moved);
        expect(await ledger.getIdentity(fresh.key), 'of one key saved twice in a batch, the later one is kept').toEqual({ ...fresh, attested: true });
        expect((await ledger.findIdentitiesByBlockingKeys(['email:old@mail.test'])).map((record) => record.key), 'a replaced record leaves its old blocking keys').toEqual([]);
        expect((await ledger.findIdentitiesByBlockingKeys(['email:new@mail.test', 'phone:905551112233'])).map((record) => record.key).sort()).toEqual([existing.key, fresh.key].sort());
        await batch.saveIdentities([]);
      });
    });

    group("the pipeline's append (optional ReceiveStore)", skip.has('receive'), (it) => {
      const receiveOf = (context: KitContext) =>
        hasReceiveStore(ledger) ? ledger : context.skip('this ledger has no appendReceived (the core then appends, reads the identity records and moves what must follow)');

      it('appendReceived equals appendInteraction per item, in input order, repeats within the batch included', async (context) => {
        const receive = receiveOf(context);
        const existing = makeInteraction({ text: 'stored first' });
        await ledger.appendInteraction(existing);
        const [fresh, other] = [makeInteraction({ customerId: 'cus_given' }), makeInteraction()];
        const results = await receive.appendReceived([{ interaction: fresh }, { interaction: { ...existing, text: 'changed' } }, { interaction: other }, { interaction: { ...fresh, text: 'second copy' } }]);
        expect(results, 'results come in input order; an id already stored, or repeated in the batch, reports inserted: false').toEqual([
          { inserted: true, customerId: 'cus_given' },
          { inserted: false },
          { inserted: true },
          { inserted: false },
        ]);
        expect(await ledger.getInteraction(existing.id), 'a duplicate leaves the stored row as it was').toEqual(existing);
        expect(await ledger.getInteraction(fresh.id), 'the first of a repeated id is the one stored, as given').toEqual(fresh);
        expect(await ledger.getInteraction(other.id)).toEqual(other);
        expect(await receive.appendReceived([])).toEqual([]);
      });

      it("followAuthor stores the customer of the author's identity record, when there is one", async (context) => {
        const receive = receiveOf(context);
        const moved = makeInteraction({ customerId: 'cus_resolved', author: { channel: 'test', nativeId: 'merged-away' } });
        const unknown = makeInteraction({ customerId: 'cus_resolved', author: { channel: 'test', nativeId: 'never-registered' } });
        const notAsked = makeInteraction({ customerId: 'cus_parent', author: { channel: 'test', nativeId: 'merged-away' } });
        await ledger.saveIdentity(makeIdentityRecord({ identity: { channel: 'test', nativeId: 'merged-away' }, customerId: 'cus_survivor' }));
        const results = await receive.appendReceived([
          { interaction: moved, followAuthor: true },
          { interaction: unknown, followAuthor: true },
          { interaction: notAsked },
        ]);
        expect(results, 'each inserted row reports the customer it was stored with').toEqual([
          { inserted: true, customerId: 'cus_survivor' },
          { inserted: true, customerId: 'cus_resolved' },
          { inserted: true, customerId: 'cus_parent' },
        ]);
        expect(await ledger.getInteraction(moved.id), "rule: followAuthor takes the identity record's customer").toEqual({ ...moved, customerId: 'cus_survivor' });
        expect(await ledger.getInteraction(unknown.id), 'rule: without a record the given customer stays').toEqual(unknown);
        expect(await ledger.getInteraction(notAsked.id), 'rule: without followAuthor the given customer stays').toEqual(notAsked);
      });
    });

    group('cursors, dead letters and consent', skip.has('operations'), (it) => {
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
        const token = { messenger: { notificationMessagesToken: 'token-123', topic: 'Kampanyalar', expiresAt: '2027-01-01T00:00:00.000Z' } };
        await ledger.setConsent({ identityKey: 'messenger:psid-9', status: 'opted-in', purpose: 'marketing', source: 'messenger:notification_messages', updatedAt: '2026-01-03T00:00:00.000Z', channelMetadata: token });
        expect((await ledger.getConsent('messenger:psid-9'))?.channelMetadata).toEqual(token);
      });
    });

    group('export and erase (GDPR)', skip.has('privacy'), (it) => {
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
        const raw = await readRaw(interaction.id);
        if (raw !== undefined) expect(raw?.text, 'rule: eraseCustomer blanks the text in storage, not only in what the ledger reads back (read by the oracle)').toBe('');
        expect(await ledger.eraseCustomer('nobody')).toMatchObject({ interactionsErased: 0, identitiesErased: 0 });
      });

      it('erases the replies sent to the customer (optional SendStore)', async (context) => {
        if (!hasSendStore(ledger)) return context.skip('this ledger records no sends');
        await ledger.saveCustomer(makeCustomer({ id: 'c1', displayName: 'Ayşe Yılmaz' }));
        const inbound = makeInteraction({ customerId: 'c1', text: 'Kargom nerede?' });
        const outbound = makeInteraction({ customerId: 'c1', direction: 'outbound', text: 'Merhaba Ayşe, kargonuz yolda' });
        const unrelated = makeInteraction({ customerId: 'c2' });
        for (const interaction of [inbound, outbound, unrelated]) await ledger.appendInteraction(interaction);
        await ledger.createSend(sendRecord('reply-ayse', { inReplyTo: inbound.id, state: 'sent', interactionId: outbound.id, reply: { text: 'Merhaba Ayşe, kargonuz yolda' } }));
        await ledger.createSend(sendRecord('reply-other', { inReplyTo: unrelated.id, reply: { text: 'Hello Bob' } }));
        await ledger.eraseCustomer('c1');
        const after = await ledger.getSend('reply-ayse');
        expect(after === null || !JSON.stringify(after).includes('Ayşe'), "after eraseCustomer the customer's sends are gone or hold no reply text").toBe(true);
        expect((await ledger.getSend('reply-other'))?.reply, "other customers' sends stay").toEqual({ text: 'Hello Bob' });
      });

      it('erases the person from every record that can hold them: no read method names them afterwards, and their neighbours stay', async () => {
        const planted = await plantPerson(ledger);
        const person = ERASED_PERSON;
        const customerIds = [person.customerId, person.absorbedId];
        const cursors = [{ adapterId: 'x', stream: `dm:${person.xUserId}` }];
        const before = findTerms(await readEverything(ledger, planted, customerIds, cursors), erasedPersonTerms());
        expect(before.length, 'rule: the scan finds the planted person before the erase (else it proves nothing)').toBeGreaterThan(10);

        const exported = await ledger.exportCustomer(person.customerId);
        const idsOf = (rows: Array<{ id: string }> | undefined) => (rows ?? []).map((row) => row.id);
        expect(idsOf(exported?.interactions).sort(), "rule: export returns the person's interactions (by customer or identity) and the brand's messages in their private conversations").toEqual([...planted.interactionIds].sort());
        expect(exported?.identities.map((record) => record.key).sort(), 'rule: export returns the identities of the customer and of customers merged into it').toEqual([...planted.identityKeys].sort());
        expect(exported?.consents.map((consent) => consent.identityKey), "rule: export returns the consents of the person's identities").toEqual([`whatsapp:${person.waId}`]);
        expect(idsOf(exported?.merges), 'rule: export returns the merges the customer took part in').toEqual([planted.mergeId]);
        expect(idsOf(exported?.deadLetters), 'rule: export returns the dead letters whose payload names the person').toEqual([planted.deadLetterId]);
        expect(exported?.cursors, 'rule: export returns the poll cursors whose stream or position names the person').toEqual([{ adapterId: 'x', stream: `dm:${person.xUserId}`, cursor: '1890000000000000042' }]);
        if (hasOutbox(ledger)) expect(idsOf(exported?.outbox).sort(), 'rule: export returns the undelivered outbox records about the person').toEqual(['evt_erase_1', 'evt_erase_2', 'evt_erase_3']);
        if (hasSendStore(ledger)) expect((exported?.sends ?? []).map((send) => send.key), 'rule: export returns the sends that answered the person').toEqual([planted.sendKey]);
        if (hasReviewStore(ledger)) expect(idsOf(exported?.suggestions), 'rule: export returns the review suggestions naming the person').toEqual(['sugg_erase_1']);

        const result = await ledger.eraseCustomer(person.customerId);
        expect(result, 'rule: eraseCustomer reports what it erased').toMatchObject({ customerId: person.customerId, interactionsErased: 4, identitiesErased: 2, mergesErased: 1 });

        const leaks = findTerms(await readEverything(ledger, planted, customerIds, cursors), erasedPersonTerms());
        expect(leaks, 'rule: after eraseCustomer no read method returns the name, handles, email, phone number or message texts of the person, nor words the classifier quoted from them').toEqual([]);

        const kept = (await ledger.queryInteractions({ customerId: person.customerId, includeDeleted: true })).items;
        expect(kept.map((row) => row.id).sort(), 'rule: erased interactions keep their rows (and customer), so counts stay').toEqual(planted.interactionIds.filter((id) => id !== planted.interactionIds[2]).sort());
        const thread = await Promise.all(planted.interactionIds.slice(0, 3).map(async (id) => (await ledger.getInteraction(id))?.conversationId));
        expect(new Set(thread).size, "rule: an erased private conversation's rows still share one conversation id").toBe(1);
        expect(thread[0], 'rule: an erased private conversation gets a new id, so no key derived from the phone number remains').not.toBe(planted.privateConversationId);
        expect((await ledger.getCustomer(person.customerId))?.attributes, 'rule: an erased customer keeps its id, with attributes { erased: true }').toEqual({ erased: true });
        expect(await ledger.getIdentity(planted.identityKeys[0]!), 'rule: erased identities are deleted').toBeNull();
        expect(await ledger.getConsent(`whatsapp:${person.waId}`), 'rule: the consents of erased identities are deleted').toBeNull();

        const { bystander } = planted;
        expect(await ledger.getInteraction(bystander.interaction.id), "rule: erase leaves other people's interactions untouched").toEqual(bystander.interaction);
        expect((await ledger.listDeadLetters()).items.map((entry) => entry.id), "rule: erase leaves other people's dead letters").toEqual([bystander.deadLetterId]);
        expect(await ledger.getCursor(bystander.cursor.adapterId, bystander.cursor.stream), 'rule: erase leaves the cursors that name no one').toBe(bystander.cursor.cursor);
        if (hasOutbox(ledger)) expect(idsOf((await ledger.listOutbox()).items), "rule: erase leaves other people's outbox records").toEqual([bystander.outboxId]);
        if (hasSendStore(ledger) && bystander.sendKey) expect((await ledger.getSend(bystander.sendKey))?.reply, "rule: erase leaves other people's sends").toEqual({ text: 'Rica ederiz Mehmet Bey' });
        if (planted.sendKey && hasSendStore(ledger)) expect((await ledger.getSend(planted.sendKey))?.state, "rule: an erased send keeps its row and state, so its key still prevents a second post").toBe('sent');
        expect(await ledger.exportCustomer(person.customerId), 'rule: an erased customer still exports (its blank rows), never throws').not.toBeNull();
      });
    });

    describeIsolation(() => ledger, options.createTenant, skip.has('isolation'), group);
  });
  return { checks, hooks };
}

/** The suite's clock: claims pass `now` explicitly, so lease and backoff checks need no waiting. */
const CLOCK = Date.parse('2026-03-01T00:00:00.000Z');

/** The suite's clock plus `seconds`, as ISO-8601. */
function at(seconds: number): string {
  return new Date(CLOCK + seconds * 1000).toISOString();
}

let outboxCounter = 0;

function outboxEvent(orderingKey: string, overrides: Partial<OutboxRecord> = {}): OutboxRecord {
  outboxCounter++;
  return { id: `evt_${String(outboxCounter).padStart(6, '0')}`, name: 'interaction-received', payload: { sequence: outboxCounter, text: 'Kargom nerede?' }, orderingKey, createdAt: at(-60), ...overrides };
}

/** A record with the documented defaults filled in, so ledgers that store them and ledgers that omit them compare equal. */
function withOutboxDefaults(record: OutboxRecord): OutboxRecord {
  return { ...record, availableAt: record.availableAt ?? record.createdAt, attempts: record.attempts ?? 0, completedHandlers: record.completedHandlers ?? [] };
}

function idsOf(records: OutboxRecord[]): string[] {
  return records.map((record) => record.id);
}

function sendRecord(key: string, overrides: Partial<SendRecord> = {}): SendRecord {
  return { key, channel: 'test', inReplyTo: 'test:n1', state: 'pending', reply: { text: 'Kargonuz yolda 🚚' }, attempts: 0, createdAt: at(0), updatedAt: at(0), ...overrides };
}
