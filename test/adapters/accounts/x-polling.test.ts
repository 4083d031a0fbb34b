import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, memoryLedger } from 'social-crm';
import { createChannelTestServer } from 'social-crm/testing';
import { xAdapter } from 'social-crm/adapters/x';

// GET /2/users/:id/mentions as X documents it (values invented): each listed account is read with
// its own token, lands in its tenant, and resumes from its own since_id.
const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

const accountsTable: Record<string, { token: string; tenant: string }> = {
  '3000000001': { token: 'x-read-acme', tenant: 'acme' },
  '3000000002': { token: 'x-read-globex', tenant: 'globex' },
};

function mention(userId: string, id: string) {
  return {
    data: [{ id, text: `@brand${userId} Siparişim nerede?`, edit_history_tweet_ids: [id], author_id: '1456789012345678901', conversation_id: id, created_at: '2026-11-30T10:00:00.000Z', lang: 'tr' }],
    includes: { users: [{ id: '1456789012345678901', name: 'Ayşe Yılmaz', username: 'ayseyilmaz' }] },
    meta: { newest_id: id, oldest_id: id, result_count: 1 },
  };
}

describe('x polling with accounts.list', () => {
  it('reads every listed account with its own token, into its tenant, each from its own position', async () => {
    const storage = memoryLedger();
    const crm = createSocialCrm({
      ledger: storage,
      tenants: { ledger: (tenant) => storage.forTenant(tenant) },
      adapters: [
        xAdapter({
          consumerSecret: 'x-consumer-secret-poll',
          accounts: {
            resolve: (userId) => (accountsTable[userId] ? { credentials: { accessToken: accountsTable[userId]!.token }, tenant: accountsTable[userId]!.tenant } : null),
            list: () => Object.keys(accountsTable),
          },
        }),
      ],
    });
    server.route('get', 'https://api.x.com/2/users/:userId/mentions', ({ call }) => {
      const userId = String(call.params.userId);
      expect(call.headers.authorization).toBe(`Bearer ${accountsTable[userId]!.token}`);
      const since = new URL(call.url).searchParams.get('since_id');
      if (since) return HttpResponse.json({ meta: { result_count: 0 } });
      return mention(userId, userId === '3000000001' ? '1891300000000000201' : '1891300000000000202');
    });
    await crm.poll();
    expect(await (await crm.tenant('acme')).ledger.getInteraction('x:1891300000000000201')).toBeTruthy();
    expect(await (await crm.tenant('globex')).ledger.getInteraction('x:1891300000000000202')).toBeTruthy();
    expect(await (await crm.tenant('acme')).ledger.getInteraction('x:1891300000000000202')).toBeNull();

    const before = server.calls.length;
    await crm.poll();
    const sinceIds = server.calls.slice(before).map((call) => [String(call.params.userId), new URL(call.url).searchParams.get('since_id')]);
    expect(sinceIds.sort()).toEqual([
      ['3000000001', '1891300000000000201'],
      ['3000000002', '1891300000000000202'],
    ]);
  });
});
