import { describe, expect, it } from 'vitest';
import { createSocialCrm, memoryLedger, type Alert, type Classifier, type InteractionInput } from 'social-crm';
import type { ChannelEvent } from 'social-crm/adapter-kit';
import { createInsights, type Insights } from 'social-crm/insights';
import { T0, at, labels } from './_streams.js';

const keywordClassifier: Classifier = {
  id: 'test/keywords@1',
  classify: ({ text }) => labels(/rezalet|terrible|broke/i.test(text) ? 'negative' : /thanks|harika/i.test(text) ? 'positive' : 'neutral'),
};

/** The same people (handles) write to both brands. */
const mention = (nativeId: string, hours: number, text: string, author = `u-${nativeId}`): InteractionInput => ({
  channel: 'x',
  nativeId,
  kind: 'mention',
  author: { channel: 'x', nativeId: author, handle: author, displayName: author === 'can' ? 'Can Demir' : author },
  text,
  createdAt: at(hours),
});
const quietDay = (tag: string, hours: number) => Array.from({ length: hours * 2 }, (_, index) => mention(`${tag}-q${index}`, index / 2, index % 4 ? 'Nice flight, thanks' : 'Seat was a bit terrible'));
const storm = (tag: string, from: number) => Array.from({ length: 10 }, (_, index) => mention(`${tag}-s${index}`, from + index / 12, `Terrible, they broke his guitar ${index}`));

function setup() {
  let clock = new Date(T0);
  const storage = memoryLedger();
  const insights = new Map<string, Insights>();
  const alerts: Record<string, Alert[]> = {};
  const crm = createSocialCrm({
    ledger: storage,
    tenants: {
      ledger: (tenant) => storage.forTenant(tenant),
      open: (tenant) => {
        const own = createInsights(tenant, { now: () => clock, crisis: { warmUpBuckets: 12 } });
        own.on('alert-raised', ({ alert }) => (alerts[tenant.tenant] ??= []).push(alert));
        insights.set(tenant.tenant, own);
      },
    },
    classifier: keywordClassifier,
    now: () => clock,
  });
  /** Feeds the rows in time order, each through the crm's routing with its tenant named. */
  const feed = async (rows: Array<{ tenant: string; row: InteractionInput }>) => {
    for (const { tenant, row } of [...rows].sort((left, right) => String(left.row.createdAt).localeCompare(String(right.row.createdAt)))) {
      clock = new Date(row.createdAt as string);
      const event: ChannelEvent = { type: 'interaction', interaction: row, tenant };
      await crm.processEvents([event], { source: 'webhook' });
    }
  };
  return { crm, insights, alerts, feed };
}

describe('insights per tenant', () => {
  it('keeps crisis baselines, advocates and SLA clocks per tenant: one brand’s storm never raises another’s alert', async () => {
    const { insights, alerts, feed } = setup();
    await feed([
      ...quietDay('a', 24).map((row) => ({ tenant: 'acme', row })),
      ...quietDay('g', 24).map((row) => ({ tenant: 'globex', row })),
      ...storm('a', 24).map((row) => ({ tenant: 'acme', row })),
      ...['Harika ekip, thanks', 'Great crew, thanks', 'Thanks again, harika'].map((text, index) => ({ tenant: 'acme', row: mention(`praise-${index}`, 25 + index, text, 'can') })),
      { tenant: 'globex', row: { ...mention('dm-1', 26, 'Where is my refund?', 'can'), kind: 'direct_message', visibility: 'private' } },
    ]);
    expect(alerts.acme?.filter((alert) => alert.kind === 'crisis')).toHaveLength(1);
    expect(alerts.globex ?? [], "Acme's storm is not Globex's crisis").toEqual([]);
    const acme = insights.get('acme')!;
    const globex = insights.get('globex')!;
    // The same handle is an advocate of Acme only, and waits for an answer from Globex only.
    expect(acme.advocates!.ranking().map((entry) => entry.name)).toContain('Can Demir');
    expect(globex.advocates!.ranking().map((entry) => entry.name)).not.toContain('Can Demir');
    expect(globex.sla!.clock('x:dm-1')).not.toBeNull();
    expect(acme.sla!.clock('x:dm-1'), "Globex's waiting customer is on no Acme clock").toBeNull();
    expect(acme.sla!.queue().some((item) => item.conversationId.startsWith('x:g-')), 'no Globex conversation waits in the Acme queue').toBe(false);
    expect(globex.sla!.queue().some((item) => item.conversationId.startsWith('x:a-')), 'no Acme conversation waits in the Globex queue').toBe(false);
    // Snapshots are per tenant too: nothing of one brand in the other's.
    expect(JSON.stringify(globex.toJSON())).not.toContain('broke his guitar');
  });
});
