/**
 * A CRM vendor serving many brands (tenants) from one process and one webhook URL per network.
 *
 * - `storage.forTenant(tenant)` gives each tenant its own ledger over shared storage (the same pool
 *   and tables with PostgreSQL): one merger, one outbox, one set of dead letters per tenant.
 * - The account a delivery names (a Page, a phone number id, a form) decides the tenant. The
 *   network adapters do it with their account resolver (`accounts`); for an adapter without one,
 *   `routeByAccount` tags each event with the tenant of the brand account it was sent to.
 * - `tenants.open` runs once per tenant: here it starts that tenant's insights, so crisis baselines,
 *   advocates, SLA clocks and segments are per brand.
 */
import { createHmac } from 'node:crypto';
import { createSocialCrm, memoryLedger, type ChannelAdapter, type InteractionLedger, type SocialCrm, type TenantLedgers } from 'social-crm';
import type { ChannelEvent } from 'social-crm/adapter-kit';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { createInsights, type Alert, type Insights } from 'social-crm/insights';

/**
 * Wraps an adapter so that each event names the tenant of the brand account it reached: the
 * interaction's `recipientId` (a rejected item's `recipientId`), looked up with `tenantOf` (your
 * accounts table). Events that name no account, or an account `tenantOf` does not know, stay
 * untagged: the default tenant.
 */
export function routeByAccount(adapter: ChannelAdapter, tenantOf: (accountId: string) => string | undefined): ChannelAdapter {
  if (!adapter.doHandleWebhook) return adapter;
  const handle = adapter.doHandleWebhook.bind(adapter);
  const lookup = (account: unknown) => (typeof account === 'string' ? tenantOf(account) : undefined);
  return {
    ...adapter,
    async doHandleWebhook(request, context) {
      const result = await handle(request, context);
      const events = result.events.map((event): ChannelEvent => {
        const tenant = event.tenant ?? (event.type === 'interaction' ? lookup(event.interaction.recipientId) : undefined);
        return tenant ? { ...event, tenant } : event;
      });
      const rejected = (result.rejected ?? []).map((item) => {
        const tenant = item.tenant ?? lookup((item.payload as { recipientId?: unknown } | null)?.recipientId);
        return tenant ? { ...item, tenant } : item;
      });
      return { ...result, events, rejected };
    },
  };
}

export interface MultiTenantOptions {
  /** Storage for every tenant; the default tenant's ledger is `storage` itself. */
  storage: InteractionLedger & TenantLedgers;
  /** Your adapters (wrap those without an account resolver in `routeByAccount`). */
  adapters: ChannelAdapter[];
  /** Which tenants you serve (your customers table); any other tenant is refused. */
  serves(tenant: string): boolean;
  /** Where each tenant's alerts go. */
  onAlert(tenant: string, alert: Alert): void;
}

/** The crm, and each opened tenant's insights. */
export function createMultiTenantCrm(options: MultiTenantOptions): { crm: SocialCrm; insights: ReadonlyMap<string, Insights> } {
  const insights = new Map<string, Insights>();
  const crm = createSocialCrm({
    ledger: options.storage,
    adapters: options.adapters,
    tenants: {
      ledger(tenant) {
        if (!options.serves(tenant)) throw new Error(`No customer ${tenant}`);
        return options.storage.forTenant(tenant);
      },
      open(tenant) {
        const own = createInsights(tenant);
        own.on('alert-raised', ({ alert }) => options.onAlert(tenant.tenant, alert));
        insights.set(tenant.tenant, own);
      },
    },
  });
  return { crm, insights };
}

// `npm run example:multi-tenant`: one delivery to one URL carries a message for each of two brands; each brand sees only its own.
if (import.meta.url === `file://${process.argv[1]}`) {
  const secret = process.env.WEBHOOK_SECRET ?? 'replace-me-with-a-long-random-secret';
  const accounts: Record<string, string> = { 'page-acme': 'acme', 'page-globex': 'globex' }; // your accounts table
  const { crm } = createMultiTenantCrm({
    storage: memoryLedger(),
    adapters: [routeByAccount(canonicalWebhookAdapter({ secret }), (account) => accounts[account])],
    serves: (tenant) => Object.values(accounts).includes(tenant),
    onAlert: (tenant, alert) => console.log(`[${tenant}] ${alert.title}`),
  });
  const message = (account: string, text: string) => ({ nativeId: `${account}-m1`, kind: 'direct_message', visibility: 'private', recipientId: account, author: { channel: 'canonical', nativeId: 'ayse-1', displayName: 'Ayşe Yılmaz' }, text, createdAt: new Date().toISOString() });
  const body = JSON.stringify({ events: [message('page-acme', 'Kargom nerede?'), message('page-globex', 'Faturam yanlış geldi.')] });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  const response = await crm.handleWebhook(new Request('https://crm.example.com/webhooks/canonical', { method: 'POST', headers: { 'content-type': 'application/json', 'x-social-crm-timestamp': timestamp, 'x-social-crm-signature': signature }, body }));
  console.log(`one delivery for two brands: HTTP ${response.status}`);
  for (const tenant of Object.values(accounts)) {
    const rows = (await (await crm.tenant(tenant)).ledger.queryInteractions({ limit: 10 })).items;
    console.log(`${tenant} sees ${rows.length}: ${rows.map((row) => row.text).join(' | ')}`);
  }
  await crm.close();
}
