import { describe, expect, it } from 'vitest';
import { memoryLedger, type Alert } from 'social-crm';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { createMultiTenantCrm, routeByAccount } from '../../examples/multi-tenant/index.js';
import { CANONICAL_SECRET, canonicalRequest } from '../helpers/canonical.js';
import { postTo } from '../helpers/tenants.js';

const ACCOUNTS: Record<string, string> = { 'page-acme': 'acme', 'page-globex': 'globex', 'page-initech': 'initech' };
const AYSE = { nativeId: 'ayse-1', handle: 'ayse', displayName: 'Ayşe Yılmaz' };

describe('examples/multi-tenant', () => {
  it('serves two brands from one webhook URL, each with its own ledger and insights, and refuses a tenant it does not serve', async () => {
    const storage = memoryLedger();
    const alerts: Array<[string, Alert]> = [];
    const { crm, insights } = createMultiTenantCrm({
      storage,
      adapters: [routeByAccount(canonicalWebhookAdapter({ secret: CANONICAL_SECRET }), (account) => ACCOUNTS[account])],
      serves: (tenant) => tenant === 'acme' || tenant === 'globex',
      onAlert: (tenant, alert) => alerts.push([tenant, alert]),
    });
    const ok = await crm.handleWebhook(await canonicalRequest([postTo('page-acme', 'm-1', 'Kargom nerede?', AYSE), postTo('page-globex', 'm-1', 'Faturam yanlış', AYSE)]));
    expect(ok.status).toBe(200);
    expect([...insights.keys()].sort()).toEqual(['acme', 'globex']);
    const acme = await crm.tenant('acme');
    expect((await acme.ledger.queryInteractions({ limit: 10 })).items.map((row) => row.text)).toEqual(['Kargom nerede?']);
    expect((await storage.forTenant('globex').queryInteractions({ limit: 10 })).items.map((row) => row.text)).toEqual(['Faturam yanlış']);
    expect(insights.get('globex')!.sla!.clock('canonical:page-globex:ayse-1'), "Globex's insights wait for Globex's answer").not.toBeNull();
    expect(insights.get('acme')!.sla!.clock('canonical:page-globex:ayse-1'), "and Acme's know nothing of it").toBeNull();

    const refused = await crm.handleWebhook(await canonicalRequest([postTo('page-initech', 'm-9', 'not a customer yet', AYSE)]));
    expect(refused.status, 'a tenant the host does not serve is not stored anywhere; the network delivers again').toBe(500);
    expect((await storage.forTenant('initech').queryInteractions({ limit: 10 })).items).toEqual([]);
    expect((await storage.queryInteractions({ limit: 10 })).items).toEqual([]);
    expect(alerts).toEqual([]);
    await crm.close();
  });
});
