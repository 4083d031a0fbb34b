import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, memoryLedger } from 'social-crm';
import { createChannelTestServer } from 'social-crm/testing';
import { facebookAdapter } from 'social-crm/adapters/facebook';
import { instagramAdapter } from 'social-crm/adapters/instagram';

// Page feed comments and Instagram comments of two tenants' accounts through one adapter each,
// answered in public with each account's own token. Shapes from Meta's Page `feed` and Instagram
// `comments` webhook references and the comments / replies edges (values invented).
const APP_SECRET = 'meta-app-secret-feeds';
const GRAPH = 'https://graph.facebook.com/v23.0';
const tokens: Record<string, { token: string; tenant: string; username?: string }> = {
  '100000000000011': { token: 'EAAPAGE-feed-acme', tenant: 'acme' },
  '100000000000022': { token: 'EAAPAGE-feed-globex', tenant: 'globex' },
  '17841400000000011': { token: 'EAAIG-acme', tenant: 'acme', username: 'acme_store' },
  '17841400000000022': { token: 'EAAIG-globex', tenant: 'globex', username: 'globex_shop' },
};
const accounts = {
  resolve: (id: string) => {
    const row = tokens[id];
    return row ? { credentials: { accessToken: row.token, ...(row.username ? { username: row.username } : {}) }, tenant: row.tenant } : null;
  },
};

const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

const post = (path: string, payload: unknown) => {
  const body = JSON.stringify(payload);
  return new Request(`https://crm.example.test/webhooks/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}` },
    body,
  });
};

describe('facebook and instagram with accounts', () => {
  it('stores each account in its tenant and answers with its token', async () => {
    const storage = memoryLedger();
    const crm = createSocialCrm({
      ledger: storage,
      tenants: { ledger: (tenant) => storage.forTenant(tenant) },
      adapters: [facebookAdapter({ appSecret: APP_SECRET, verifyToken: 'v', accounts }), instagramAdapter({ appSecret: APP_SECRET, verifyToken: 'v', accounts })],
    });
    const now = Math.floor(Date.now() / 1000);
    const pages = ['100000000000011', '100000000000022'];
    await crm.handleWebhook(
      post('facebook', {
        object: 'page',
        entry: pages.map((pageId, index) => ({
          id: pageId,
          time: now,
          changes: [{ field: 'feed', value: { from: { id: `73000000000000${index}`, name: 'Dana Ruiz' }, item: 'comment', verb: 'add', post_id: `${pageId}_55500${index}`, comment_id: `55500${index}_66600${index}`, parent_id: `${pageId}_55500${index}`, created_time: now - 5, message: 'Portekiz’e kargo var mı?' } }],
        })),
      }),
    );
    const igAccounts = ['17841400000000011', '17841400000000022'];
    await crm.handleWebhook(
      post('instagram', {
        object: 'instagram',
        entry: igAccounts.map((accountId, index) => ({
          id: accountId,
          time: now,
          changes: [{ field: 'comments', value: { from: { id: `12345678901234${index}`, username: 'ayse.yilmaz' }, media: { id: `1799999999999999${index}`, media_product_type: 'FEED' }, id: `1801234567890123${index}`, text: 'Stokta var mı?' } }],
        })),
      }),
    );
    server.route('post', `${GRAPH}/:objectId/comments`, ({ call }) => ({ id: `reply-${call.params.objectId}` }));
    server.route('post', `${GRAPH}/:commentId/replies`, ({ call }) => ({ id: `reply-${call.params.commentId}` }));

    const cases = [
      { tenant: 'acme', id: 'facebook:555000_666000', token: 'EAAPAGE-feed-acme' },
      { tenant: 'globex', id: 'facebook:555001_666001', token: 'EAAPAGE-feed-globex' },
      { tenant: 'acme', id: 'instagram:18012345678901230', token: 'EAAIG-acme' },
      { tenant: 'globex', id: 'instagram:18012345678901231', token: 'EAAIG-globex' },
    ];
    for (const item of cases) {
      const view = await crm.tenant(item.tenant);
      const before = server.calls.length;
      await view.reply(item.id, 'Evet, gönderiyoruz.');
      expect(server.calls.slice(before).map((call) => call.headers.authorization)).toEqual([`Bearer ${item.token}`]);
    }
  });
});
