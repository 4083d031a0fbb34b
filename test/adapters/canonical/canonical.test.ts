import { expect, it } from 'vitest';
import { createSocialCrm, memoryLedger } from 'social-crm';
import { canonicalFixtures, canonicalWebhookRequest, describeChannelAdapter } from 'social-crm/testing';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { CANONICAL_SECRET, signCanonical } from '../../helpers/canonical.js';

describeChannelAdapter('canonical webhook', {
  factory: canonicalWebhookAdapter,
  options: { secret: CANONICAL_SECRET },
  invalidOptions: [{}, { secret: 'short' }, { secret: CANONICAL_SECRET, id: 'Not Kebab' }],
  webhook: {
    sign: (body) => signCanonical(body),
    stale: (body) => signCanonical(body, CANONICAL_SECRET, Math.floor(Date.now() / 1000) - 3600),
    fixtures: [canonicalFixtures.thread, canonicalFixtures.directMessage],
    unknownEvent: canonicalFixtures.unknownEvent,
    malformedStatus: 400,
    edit: canonicalFixtures.edit,
    deletion: canonicalFixtures.deletion,
  },
});

it('takes the delivery its documentation shows (docs/adapters/canonical.md), signed by the published helper', async () => {
  const ledger = memoryLedger();
  const crm = createSocialCrm({ ledger, adapters: [canonicalWebhookAdapter({ secret: CANONICAL_SECRET })], classifier: false });
  const response = await crm.handleWebhook(await canonicalWebhookRequest(canonicalFixtures.thread.body, { secret: CANONICAL_SECRET }));
  expect(response.status).toBe(200);
  const rows = (await ledger.queryInteractions({ channel: 'canonical' })).items;
  expect(rows.map((row) => [row.id, row.author.nativeId, row.createdAt])).toEqual([
    ['canonical:c2', 'tom-2211', '2026-11-20T07:05:00.000Z'],
    ['canonical:c1', 'ayse-1907', '2026-11-20T10:00:00.000Z'],
  ]);
  const stale = await canonicalWebhookRequest(canonicalFixtures.thread.body, { secret: CANONICAL_SECRET, at: Math.floor(Date.now() / 1000) - 3600 });
  expect((await crm.handleWebhook(stale)).status).toBe(401);
  await crm.close();
});

