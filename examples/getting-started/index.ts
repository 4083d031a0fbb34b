// app.ts: the whole program of this page, in order. Run it with `npx tsx app.ts`.
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createSocialCrm, memoryLedger } from 'social-crm';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';

// A secret of at least 16 characters, shared with the web form that posts to the CRM.
const FORMS_SECRET = process.env.FORMS_SECRET ?? 'replace-me-with-a-long-random-secret';

const crm = createSocialCrm({
  ledger: memoryLedger(), // swap for your storage (docs/authoring/custom-ledger.md)
  adapters: [canonicalWebhookAdapter({ secret: FORMS_SECRET, id: 'web-form' })],
});
import { serve } from '@hono/node-server';

const server = serve({ fetch: (request) => crm.handleWebhook(request), port: Number(process.env.PORT ?? 3000) });
await once(server, 'listening');
const { port } = server.address() as AddressInfo;
console.log(`Webhooks: http://localhost:${port}/webhooks/<adapter id>`);
// Work that must happen: a durable handler, delivered at least once from the ledger's outbox.
crm.subscribe({
  id: 'triage',
  events: ['interaction-classified'],
  async handle({ payload: { interaction, classification } }) {
    console.log(`[triage] ${interaction.channel}: ${classification.sentiment.label}, ${classification.department.department}: ${interaction.text}`);
    if (interaction.channel === 'whatsapp' && classification.sentiment.label === 'negative') {
      // The key makes a repeated delivery reuse the first reply instead of posting twice.
      await crm.reply(interaction.id, { text: 'Çok üzgünüz, hemen ilgileniyoruz.', idempotencyKey: `sorry:${interaction.id}` });
    }
  },
});
// Dashboards and logs: in-process listeners, fire-and-forget.
crm.on('reply-failed', ({ error }) => console.error(`[reply-failed] ${error.code}: ${error.message}`));
const body = JSON.stringify({
  events: [
    {
      nativeId: 'form-1001',
      kind: 'direct_message',
      visibility: 'private',
      author: { channel: 'web-form', nativeId: 'visitor-42', displayName: 'Ayşe Yılmaz', email: 'ayse@example.com' },
      text: 'Siparişim iki gün erken geldi, çok teşekkürler!',
      createdAt: new Date().toISOString(),
    },
  ],
});
const timestamp = String(Math.floor(Date.now() / 1000));
const signature = createHmac('sha256', FORMS_SECRET).update(`${timestamp}.${body}`).digest('hex');
const response = await fetch(`http://localhost:${port}/webhooks/web-form`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-social-crm-timestamp': timestamp, 'x-social-crm-signature': signature },
  body,
});
console.log(`web form delivery: HTTP ${response.status}`);
await crm.dispatch(); // durable handlers run right after each write; this waits for them
const summaries = await crm.poll(); // cursors are persisted in the ledger after each stored page
console.log(`polled ${summaries.length} adapters`);
await crm.ingest([{ channel: 'store-reviews', nativeId: 'r-991', kind: 'review', author: { channel: 'store-reviews', nativeId: 'u-7' }, text: 'Harika ürün', createdAt: new Date() }]);
await crm.dispatch();
import { whatsappAdapter } from 'social-crm/adapters/whatsapp';
import { instagramAdapter } from 'social-crm/adapters/instagram';

if (process.env.META_APP_SECRET && process.env.META_VERIFY_TOKEN && process.env.META_TOKEN) {
  const meta = { appSecret: process.env.META_APP_SECRET, verifyToken: process.env.META_VERIFY_TOKEN, accessToken: process.env.META_TOKEN };
  crm.register(whatsappAdapter({ ...meta, phoneNumberId: '106540352242922' }));
  crm.register(instagramAdapter({ ...meta, accountId: '17841400000000001' }));
  // Meta calls https://your-host/webhooks/whatsapp and /webhooks/instagram: GET for the handshake, POST signed deliveries.
}
import { createInsights } from 'social-crm/insights';

const insights = createInsights(crm, { crisis: { keys: { topics: { baggage: ['bagaj', 'baggage'] } } } });
insights.on('alert-raised', ({ alert }) => console.log(`[alert] ${alert.title}`));
insights.on('sla-breached', ({ clock, overdueMs }) => console.log(`[sla] ${clock.conversationId} overdue by ${overdueMs} ms`));
setInterval(() => insights.advance(), 60_000).unref();
const stored = await crm.ledger.queryInteractions({ limit: 10 });
for (const item of stored.items) console.log(`stored ${item.id}: ${item.kind}, ${item.classification?.language}, ${item.classification?.sentiment.label}`);

// Stop cleanly on Ctrl-C or your platform's SIGTERM: stop the timers, the server, then the crm.
const stop = async () => {
  insights.close();
  server.close();
  await crm.close();
};
process.once('SIGINT', stop).once('SIGTERM', stop);
console.log('Ready. Ctrl-C stops.');
