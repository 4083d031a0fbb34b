import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSocialCrm, memoryLedger } from 'social-crm';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { serve } from '@hono/node-server';
import { createExpressApp } from '../../examples/express-webhook/index.js';
import { createHonoApp } from '../../examples/hono/index.js';
import { CANONICAL_SECRET, canonicalRequest, post } from '../helpers/canonical.js';

function makeCrm() {
  const ledger = memoryLedger();
  const crm = createSocialCrm({ ledger, adapters: [canonicalWebhookAdapter({ secret: CANONICAL_SECRET })], classifier: false, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  return { crm, ledger };
}

/** Sends a request built for the crm to a real local HTTP server, over the loopback. */
async function sendTo(base: string, request: Request) {
  const url = new URL(new URL(request.url).pathname, base);
  return fetch(url, { method: request.method, headers: request.headers, body: await request.arrayBuffer() });
}

const closers: Array<() => void> = [];
afterEach(() => {
  while (closers.length) closers.pop()!();
});

describe.each([
  [
    'express',
    async (crm: ReturnType<typeof makeCrm>['crm']) => {
      const server = createExpressApp(crm).listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      closers.push(() => server.close());
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
  ],
  [
    'hono',
    async (crm: ReturnType<typeof makeCrm>['crm']) => {
      const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
        const started = serve({ fetch: createHonoApp(crm).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
      });
      closers.push(() => server.close());
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
  ],
])('%s example over real HTTP', (_name, start) => {
  it('stores a signed delivery and rejects a forged one', async () => {
    const { crm, ledger } = makeCrm();
    const base = await start(crm);
    const accepted = await sendTo(base, await canonicalRequest([post('h1', 'Bagajım kayıp, yardım edin')]));
    expect(accepted.status).toBe(200);
    const forged = await sendTo(base, await canonicalRequest([post('h2', 'forged')], { secret: 'wrong-secret-0123456789abcdef' }));
    expect(forged.status).toBe(401);
    const unknown = await sendTo(base, await canonicalRequest([post('h3', 'x')], { path: '/webhooks/nope' }));
    expect(unknown.status).toBe(404);
    expect((await ledger.queryInteractions({})).items.map((row) => row.text)).toEqual(['Bagajım kayıp, yardım edin']);
  });
});
