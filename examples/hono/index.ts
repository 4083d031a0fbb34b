/**
 * Mounting social-crm in Hono (Node, Bun, Deno, Cloudflare Workers): Hono already hands out a
 * Web-standard Request, so the glue is one line.
 */
import { Hono } from 'hono';
import type { SocialCrm } from 'social-crm';

export function createHonoApp(crm: SocialCrm): Hono {
  const app = new Hono();
  app.all('/webhooks/:adapter', (context) => crm.handleWebhook(context.req.raw, { adapterId: context.req.param('adapter') }));
  return app;
}
