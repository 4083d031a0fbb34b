/**
 * Mounting social-crm in Hono (Node, Bun, Deno, Cloudflare Workers): Hono already hands out a
 * Web-standard Request, so the glue is one line.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createSocialCrm, memoryLedger, type SocialCrm } from 'social-crm';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';

export function createHonoApp(crm: SocialCrm): Hono {
  const app = new Hono();
  app.all('/webhooks/:adapter', (context) => crm.handleWebhook(context.req.raw, { adapterId: context.req.param('adapter') }));
  return app;
}

// `npm run example:hono`: the app on PORT (3000) with the canonical webhook adapter, until Ctrl-C.
if (import.meta.url === `file://${process.argv[1]}`) {
  const crm = createSocialCrm({ ledger: memoryLedger(), adapters: [canonicalWebhookAdapter({ secret: process.env.WEBHOOK_SECRET ?? 'replace-me-with-a-long-random-secret' })] });
  const server = serve({ fetch: createHonoApp(crm).fetch, port: Number(process.env.PORT ?? 3000) }, ({ port }) => console.log(`Hono listening on http://localhost:${port}/webhooks/canonical`));
  const stop = () => server.close(() => void crm.close());
  process.once('SIGINT', stop).once('SIGTERM', stop);
}
