import { describe, expect, it } from 'vitest';
import {
  createSocialCrm,
  DEFAULT_TENANT,
  isSocialCrmError,
  memoryLedger,
  type DurableEvent,
  type InteractionLedger,
  type SocialCrmOptions,
  type TenantCrm,
} from 'social-crm';
import { canonicalRequest } from '../helpers/canonical.js';
import { postTo, tenantRoutedCanonical } from '../helpers/tenants.js';

const ACCOUNTS = { 'page-acme': 'acme', 'wa-acme': 'acme', 'page-globex': 'globex' };
/** The same person's handle and name, writing to two brands that are customers of the same CRM vendor. */
const AYSE = { nativeId: 'ayse-1', handle: 'ayse', displayName: 'Ayşe Yılmaz' };

function setup(overrides: Partial<SocialCrmOptions> = {}) {
  const storage = memoryLedger();
  const opened: TenantCrm[] = [];
  const crm = createSocialCrm({
    ledger: storage,
    tenants: {
      ledger: (tenant) => storage.forTenant(tenant),
      open: (view) => {
        opened.push(view);
      },
    },
    adapters: [tenantRoutedCanonical(ACCOUNTS)],
    classifier: false,
    outbox: { dispatch: 'manual' },
    ...overrides,
  });
  return { crm, storage, opened };
}

async function everything(ledger: InteractionLedger) {
  return {
    interactions: (await ledger.queryInteractions({ limit: 100, includeDeleted: true })).items,
    customers: (await ledger.listCustomers({ limit: 100, includeMerged: true })).items,
    deadLetters: (await ledger.listDeadLetters({ limit: 100 })).items,
  };
}

describe('tenants: one crm, one webhook URL, many tenants', () => {
  it('processes one delivery carrying events of two tenants in each tenant: identical handles and names never merge', async () => {
    const { crm, opened } = setup();
    const received: Record<string, string[]> = { root: [] };
    crm.on('interaction-received', ({ interaction }) => received.root!.push(interaction.text));
    const response = await crm.handleWebhook(
      await canonicalRequest([
        postTo('page-acme', 'm-1', 'Acme: siparişim nerede?', AYSE),
        postTo('page-globex', 'm-1', 'Globex: faturam yanlış', AYSE),
        postTo('wa-acme', 'm-2', 'Acme: teşekkürler', AYSE),
        postTo('page-unknown', 'm-3', 'default tenant message', { nativeId: 'bob', handle: 'bob', displayName: 'Bob' }),
      ]),
    );
    expect(response.status).toBe(200);
    expect(opened.map((view) => view.tenant).sort()).toEqual(['acme', 'globex']);

    const acme = await crm.tenant('acme');
    const globex = await crm.tenant('globex');
    const inAcme = await everything(acme.ledger);
    const inGlobex = await everything(globex.ledger);
    const inDefault = await everything(crm.ledger);
    expect(inAcme.interactions.map((row) => row.text).sort()).toEqual(['Acme: siparişim nerede?', 'Acme: teşekkürler']);
    expect(inGlobex.interactions.map((row) => row.text)).toEqual(['Globex: faturam yanlış']);
    expect(inDefault.interactions.map((row) => row.text)).toEqual(['default tenant message']);
    expect(received.root, 'the crm’s own listeners hear the default tenant only').toEqual(['default tenant message']);

    // The same person in two tenants is two customers, each known only to its tenant.
    expect(inAcme.customers).toHaveLength(1);
    expect(inGlobex.customers).toHaveLength(1);
    const [acmeCustomer] = inAcme.customers;
    const [globexCustomer] = inGlobex.customers;
    expect(acmeCustomer!.id).not.toBe(globexCustomer!.id);
    expect(inAcme.interactions.every((row) => row.customerId === acmeCustomer!.id)).toBe(true);
    expect(await globex.ledger.getCustomer(acmeCustomer!.id)).toBeNull();
    expect(await acme.ledger.listMerges(acmeCustomer!.id)).toEqual([]);
    expect((await globex.ledger.findIdentitiesByBlockingKeys(['name:ayse yilmaz', 'handle:ayse'])).every((row) => row.customerId === globexCustomer!.id)).toBe(true);

    // Export and erase stay in their tenant.
    const exported = await acme.ledger.exportCustomer(acmeCustomer!.id);
    expect(exported?.interactions.map((row) => row.text).sort()).toEqual(['Acme: siparişim nerede?', 'Acme: teşekkürler']);
    expect(await globex.ledger.exportCustomer(acmeCustomer!.id)).toBeNull();
    expect(await globex.eraseCustomer(acmeCustomer!.id)).toMatchObject({ interactionsErased: 0, identitiesErased: 0 });
    const erased = await globex.eraseCustomer(globexCustomer!.id);
    expect(erased.interactionsErased).toBe(1);
    expect((await everything(acme.ledger)).interactions.map((row) => row.text).sort(), "erasing Globex's Ayşe leaves Acme's").toEqual(['Acme: siparişim nerede?', 'Acme: teşekkürler']);
    expect((await acme.ledger.getCustomer(acmeCustomer!.id))?.displayName).toBe('Ayşe Yılmaz');
    await crm.close();
  });

  it('hands durable handlers subscribed on the crm every tenant’s changes, named with their tenant', async () => {
    const { crm } = setup();
    const delivered: Array<Pick<DurableEvent, 'tenant' | 'name'> & { text: string }> = [];
    crm.subscribe({
      id: 'ticketing',
      events: ['interaction-received'],
      handle: (event) => {
        delivered.push({ tenant: event.tenant, name: event.name, text: event.payload.interaction.text });
      },
    });
    await crm.handleWebhook(await canonicalRequest([postTo('page-acme', 'm-1', 'for acme', AYSE), postTo('page-globex', 'm-1', 'for globex', AYSE), postTo('page-x', 'm-9', 'for default', AYSE)]));
    const result = await crm.dispatch();
    expect(result.delivered).toBe(3);
    expect(delivered.sort((left, right) => left.tenant.localeCompare(right.tenant))).toEqual([
      { tenant: 'acme', name: 'interaction-received', text: 'for acme' },
      { tenant: DEFAULT_TENANT, name: 'interaction-received', text: 'for default' },
      { tenant: 'globex', name: 'interaction-received', text: 'for globex' },
    ]);
    // A handler on one tenant's view hears that tenant only.
    const globex = await crm.tenant('globex');
    const globexOnly: string[] = [];
    globex.subscribe({ id: 'globex-audit', events: ['interaction-received'], handle: (event) => void globexOnly.push(event.payload.interaction.text) });
    await crm.handleWebhook(await canonicalRequest([postTo('page-acme', 'm-2', 'acme again', AYSE), postTo('page-globex', 'm-2', 'globex again', AYSE)]));
    await crm.dispatch();
    expect(globexOnly).toEqual(['globex again']);
    await crm.close();
  });

  it('answers 500 when one tenant cannot be opened, stores the others, and stores the rest on redelivery', async () => {
    const storage = memoryLedger();
    let refuse = true;
    const errors: unknown[] = [];
    const crm = createSocialCrm({
      ledger: storage,
      tenants: {
        ledger: (tenant) => {
          if (tenant === 'globex' && refuse) throw new Error('tenant database is migrating');
          return storage.forTenant(tenant);
        },
      },
      adapters: [tenantRoutedCanonical(ACCOUNTS)],
      classifier: false,
      logger: { debug() {}, info() {}, warn() {}, error: (_message, details) => void errors.push(details) },
    });
    const delivery = [postTo('page-acme', 'm-1', 'for acme', AYSE), postTo('page-globex', 'm-1', 'for globex', AYSE)];
    const first = await crm.handleWebhook(await canonicalRequest(delivery));
    expect(first.status).toBe(500);
    expect(JSON.stringify(await first.json())).not.toContain('globex');
    expect(errors).toEqual([expect.objectContaining({ tenant: 'globex' })]);
    expect((await everything(storage.forTenant('acme'))).interactions).toHaveLength(1);
    expect((await everything(storage.forTenant('globex'))).interactions).toHaveLength(0);
    expect((await everything(storage)).deadLetters, "nothing of Globex's is kept in another tenant").toEqual([]);
    await expect(crm.tenant('globex')).rejects.toMatchObject({ code: 'TENANT_UNAVAILABLE', tenant: 'globex' });

    refuse = false;
    const again = await crm.handleWebhook(await canonicalRequest(delivery));
    expect(again.status).toBe(200);
    expect((await everything(storage.forTenant('acme'))).interactions).toHaveLength(1);
    expect((await everything(storage.forTenant('globex'))).interactions.map((row) => row.text)).toEqual(['for globex']);
    await crm.close();
  });

  it("dead-letters a failing tenant's part of a mixed delivery in that tenant's ledger, as replayable events", async () => {
    const storage = memoryLedger();
    let broken = true;
    // The pipeline's own dead letter fails too (the crash path): the crm keeps the part itself.
    let deadLetterCalls = 0;
    const flaky = (ledger: InteractionLedger): InteractionLedger => {
      const failing = <T extends (...args: never[]) => unknown>(method: T) =>
        ((...args: Parameters<T>) => (broken ? Promise.reject(new Error('disk full')) : method(...args))) as T;
      const full = ledger as InteractionLedger & { appendInteractions: (...args: never[]) => unknown; transaction: <T>(task: (scoped: InteractionLedger) => Promise<T>) => Promise<T> };
      const addDeadLetter: InteractionLedger['addDeadLetter'] = (entry) => (++deadLetterCalls === 1 ? Promise.reject(new Error('disk full')) : ledger.addDeadLetter(entry));
      return {
        ...ledger,
        addDeadLetter,
        appendInteraction: failing(ledger.appendInteraction),
        appendInteractions: failing(full.appendInteractions),
        transaction: <T,>(task: (scoped: InteractionLedger) => Promise<T>) => full.transaction((scoped) => task(flaky(scoped))),
      } as InteractionLedger;
    };
    const crm = createSocialCrm({
      ledger: storage,
      tenants: { ledger: (tenant) => (tenant === 'globex' ? flaky(storage.forTenant(tenant)) : storage.forTenant(tenant)) },
      adapters: [tenantRoutedCanonical(ACCOUNTS)],
      classifier: false,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const response = await crm.handleWebhook(await canonicalRequest([postTo('page-acme', 'm-1', 'for acme', AYSE), postTo('page-globex', 'm-1', 'for globex', AYSE)]));
    expect(response.status).toBe(500);
    const globex = await crm.tenant('globex');
    const letters = (await globex.ledger.listDeadLetters()).items;
    expect(letters.map((entry) => entry.payload)).toEqual([expect.objectContaining({ type: 'event', event: expect.objectContaining({ tenant: 'globex' }) })]);
    expect(JSON.stringify(letters)).not.toContain('for acme');
    expect((await storage.forTenant('acme').listDeadLetters()).items).toEqual([]);
    expect((await storage.listDeadLetters()).items).toEqual([]);

    broken = false;
    expect(await globex.retryDeadLetters()).toMatchObject({ retried: 1, succeeded: 1 });
    expect((await globex.ledger.queryInteractions({ limit: 10 })).items.map((row) => row.text)).toEqual(['for globex']);
    await crm.close();
  });

  it('routes processEvents (queue workers) by tenant, and a tenant view keeps untagged events', async () => {
    const { crm } = setup();
    const acme = await crm.tenant('acme');
    const interaction = (nativeId: string, text: string) => ({ channel: 'canonical', nativeId, kind: 'comment' as const, author: { channel: 'canonical', nativeId: 'ayse-1', handle: 'ayse' }, text, createdAt: '2026-11-20T10:00:00Z' });
    const result = await crm.processEvents([
      { type: 'interaction', interaction: interaction('q-1', 'queued for globex'), tenant: 'globex' },
      { type: 'interaction', interaction: interaction('q-2', 'queued for default') },
    ]);
    expect(result.stored).toBe(2);
    await acme.processEvents([{ type: 'interaction', interaction: interaction('q-3', 'untagged through acme') }]);
    await acme.ingest(interaction('q-4', 'ingested into acme'));
    expect((await acme.ledger.queryInteractions({ limit: 10 })).items.map((row) => row.text).sort()).toEqual(['ingested into acme', 'untagged through acme']);
    expect((await (await crm.tenant('globex')).ledger.queryInteractions({ limit: 10 })).items.map((row) => row.text)).toEqual(['queued for globex']);
    expect((await crm.ledger.queryInteractions({ limit: 10 })).items.map((row) => row.text)).toEqual(['queued for default']);
    await crm.close();
  });

  it('refuses what it cannot serve with typed errors', async () => {
    const single = createSocialCrm({ ledger: memoryLedger(), classifier: false });
    expect(await single.tenant(DEFAULT_TENANT)).toMatchObject({ tenant: DEFAULT_TENANT, ledger: single.ledger });
    const refused = await single.tenant('acme').catch((error: unknown) => error);
    expect(isSocialCrmError(refused, 'TENANT_UNAVAILABLE')).toBe(true);
    expect(String((refused as Error).message)).toMatch(/tenants: \{ ledger/);
    const { crm } = setup();
    for (const bad of ['', ' acme', 'a b', 'x'.repeat(129), 'tab\tbed']) {
      await expect(crm.tenant(bad)).rejects.toMatchObject({ code: 'TENANT_UNAVAILABLE' });
    }
    expect(() =>
      createSocialCrm({ ledger: memoryLedger(), identity: { resolve: async () => ({ customerId: 'c', created: false }) } as never, tenants: { ledger: () => memoryLedger() } }),
    ).toThrow(/tenants\.identity/);
    await expect(crm.tenant('acme')).resolves.toBe(await crm.tenant('acme'));
  });
});
