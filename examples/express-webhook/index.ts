/**
 * Mounting social-crm in an Express app. Express speaks Node's req/res, the SDK speaks the Web
 * standard Request/Response, so the glue turns one into the other, keeping the raw body bytes
 * (signatures are computed over them).
 */
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { createSocialCrm, memoryLedger, type SocialCrm } from 'social-crm';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';

export function createExpressApp(crm: SocialCrm): Express {
  const app = express();
  // Raw bytes, not parsed JSON: re-serialised JSON would break every signature check.
  app.all('/webhooks/:adapter', express.raw({ type: () => true, limit: '2mb' }), async (request, response) => {
    const url = new URL(request.originalUrl, `${request.protocol}://${request.get('host')}`);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) headers.set(name, value.join(', '));
    }
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && Buffer.isBuffer(request.body);
    const answer = await crm.handleWebhook(new Request(url, { method: request.method, headers, ...(hasBody ? { body: new Uint8Array(request.body as Buffer) } : {}) }));
    response.status(answer.status);
    answer.headers.forEach((value, name) => response.setHeader(name, value));
    response.send(Buffer.from(await answer.arrayBuffer()));
  });
  return app;
}

// `npm run example:express`: the app on PORT (3000) with the canonical webhook adapter, until Ctrl-C.
if (import.meta.url === `file://${process.argv[1]}`) {
  const crm = createSocialCrm({ ledger: memoryLedger(), adapters: [canonicalWebhookAdapter({ secret: process.env.WEBHOOK_SECRET ?? 'replace-me-with-a-long-random-secret' })] });
  const server = createExpressApp(crm).listen(Number(process.env.PORT ?? 3000), () => console.log(`Express listening on http://localhost:${(server.address() as AddressInfo).port}/webhooks/canonical`));
  const stop = () => server.close(() => void crm.close());
  process.once('SIGINT', stop).once('SIGTERM', stop);
}
