import { describe, expect, it } from 'vitest';
import { createSocialCrm, memoryLedger } from 'social-crm';
import { canonicalRequest } from '../helpers/canonical.js';
import { postTo, tenantRoutedCanonical } from '../helpers/tenants.js';
import { createWebhookIntake, createWorker, memoryQueue } from '../../src/queue/index.js';
import { quiet } from './support.js';

const ACCOUNTS = { 'page-acme': 'acme', 'page-globex': 'globex' };
const AYSE = { nativeId: 'ayse-1', handle: 'ayse', displayName: 'Ayşe Yılmaz' };

describe('scale-out with tenants', () => {
  it('carries the tenant from the intake to the workers: each tenant’s events are stored, keyed and dead-lettered in its own ledger', async () => {
    const storage = memoryLedger();
    const crm = createSocialCrm({ ledger: storage, tenants: { ledger: (tenant) => storage.forTenant(tenant) }, adapters: [tenantRoutedCanonical(ACCOUNTS)], classifier: false, logger: quiet });
    const queue = memoryQueue({ retryDelayMs: 1 });
    const enqueued: string[] = [];
    const recording = { ...queue, enqueue: (messages: Parameters<typeof queue.enqueue>[0]) => (enqueued.push(...messages.map((message) => message.key)), queue.enqueue(messages)) };
    const intake = createWebhookIntake(crm, recording, { logger: quiet });
    const response = await intake.handle(
      await canonicalRequest([
        postTo('page-acme', 'm-1', 'acme queued', AYSE),
        postTo('page-globex', 'm-1', 'globex queued', AYSE),
        { ...postTo('page-globex', 'm-2', 'no date', AYSE), createdAt: 'yesterday' },
      ]),
    );
    expect(response.status).toBe(200);
    const keys = [...enqueued].sort();
    expect(keys, 'the same conversation id in two tenants gets two ordering keys').toEqual([
      'tenant:acme/canonical:page-acme:ayse-1',
      'tenant:globex/canonical:page-globex:ayse-1',
      'tenant:globex/rejected:canonical',
    ]);
    const worker = createWorker(crm, queue, { logger: quiet });
    await worker.start();
    await queue.idle();
    await worker.stop();
    const texts = async (tenant: string) => (await storage.forTenant(tenant).queryInteractions({ limit: 10 })).items.map((row) => row.text);
    expect(await texts('acme')).toEqual(['acme queued']);
    expect(await texts('globex')).toEqual(['globex queued']);
    expect((await storage.queryInteractions({ limit: 10 })).items).toEqual([]);
    expect((await storage.forTenant('globex').listDeadLetters()).items.map((entry) => entry.stage)).toEqual(['validate']);
    expect((await storage.listDeadLetters()).items).toEqual([]);
    expect((await storage.forTenant('acme').listDeadLetters()).items).toEqual([]);
  });
});
