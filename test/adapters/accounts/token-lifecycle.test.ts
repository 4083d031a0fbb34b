import { createHmac } from 'node:crypto';
import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCrm, memoryLedger } from 'social-crm';
import { createChannelTestServer } from 'social-crm/testing';
import { xAdapter, type AccountNotice, type XTokens } from 'social-crm/adapters/x';

// X OAuth 2.0 token endpoint (POST /2/oauth2/token, grant_type=refresh_token, rotating refresh
// tokens) and Account Activity deliveries, as X documents them (values invented).
const CONSUMER_SECRET = 'x-consumer-secret-lifecycle';
const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

const delivery = (forUserId: string, eventId: string) => {
  const body = JSON.stringify({
    for_user_id: forUserId,
    direct_message_events: [{ type: 'message_create', id: eventId, created_timestamp: String(Date.now() - 1000), message_create: { target: { recipient_id: forUserId }, sender_id: '1456789012345678901', message_data: { text: 'Merhaba' } } }],
  });
  return new Request('https://crm.example.test/webhooks/x', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': `sha256=${createHmac('sha256', CONSUMER_SECRET).update(body).digest('base64')}` },
    body,
  });
};

function setup(expiresAt?: string) {
  const notices: AccountNotice[] = [];
  const stored: Array<[string, XTokens]> = [];
  const logged: unknown[] = [];
  const log = (...line: unknown[]) => void logged.push(line);
  const crm = createSocialCrm({
    ledger: memoryLedger(),
    logger: { debug: log, info: log, warn: log, error: log },
    adapters: [
      xAdapter({
        consumerSecret: CONSUMER_SECRET,
        oauthClient: { clientId: 'client-id-acme', clientSecret: 'client-secret-acme' },
        accounts: {
          resolve: () => ({ credentials: { accessToken: 'access-old-1', refreshToken: 'refresh-old-1' }, ...(expiresAt ? { expiresAt } : {}) }),
          onTokens: (accountId, tokens) => void stored.push([accountId, tokens]),
          onNotice: (notice) => void notices.push(notice),
        },
      }),
    ],
  });
  return { crm, notices, stored, logged };
}

describe('token lifecycle', () => {
  it('renews a refused X token with the refresh token, hands the rotated tokens to the host and retries', async () => {
    const { crm, notices, stored, logged } = setup();
    await crm.handleWebhook(delivery('3000000001', '1891300000000000101'));
    server.route('post', 'https://api.x.com/2/oauth2/token', ({ call }) => {
      expect(call.headers.authorization).toBe(`Basic ${Buffer.from('client-id-acme:client-secret-acme').toString('base64')}`);
      expect(Object.fromEntries(new URLSearchParams(call.bodyText))).toEqual({ grant_type: 'refresh_token', refresh_token: 'refresh-old-1' });
      return { token_type: 'bearer', expires_in: 7200, access_token: 'access-new-2', scope: 'dm.read dm.write offline.access', refresh_token: 'refresh-new-2' };
    });
    server.route('post', 'https://api.x.com/2/dm_conversations/with/:participant/messages', ({ call }) =>
      call.headers.authorization === 'Bearer access-new-2'
        ? { data: { dm_conversation_id: '3000000001-1456789012345678901', dm_event_id: '1891400000000000199' } }
        : HttpResponse.json({ title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' }, { status: 401 }),
    );
    await crm.reply('x:1891300000000000101', 'Yardımcı olalım');
    expect(server.calls.map((call) => call.url.replace('https://api.x.com', ''))).toEqual(['/2/dm_conversations/with/1456789012345678901/messages', '/2/oauth2/token', '/2/dm_conversations/with/1456789012345678901/messages']);
    expect(stored).toEqual([['3000000001', expect.objectContaining({ accessToken: 'access-new-2', refreshToken: 'refresh-new-2' })]]);
    expect(notices).toEqual([expect.objectContaining({ type: 'token-refreshed', adapterId: 'x', accountId: '3000000001' })]);

    // Cached: the next reply uses the renewed token straight away.
    await crm.reply('x:1891300000000000101', 'Kargo yola çıktı');
    expect(server.calls.at(-1)!.headers.authorization).toBe('Bearer access-new-2');
    const told = JSON.stringify([notices, logged]);
    for (const secret of ['access-old-1', 'refresh-old-1', 'access-new-2', 'refresh-new-2', 'client-secret-acme', CONSUMER_SECRET]) expect(told).not.toContain(secret);
  });

  it('announces token-revoked when X refuses the refresh token', async () => {
    const { crm, notices } = setup();
    await crm.handleWebhook(delivery('3000000001', '1891300000000000102'));
    server.route('post', 'https://api.x.com/2/oauth2/token', () => HttpResponse.json({ error: 'invalid_request', error_description: 'Value passed for the token was invalid.' }, { status: 400 }));
    server.route('post', 'https://api.x.com/2/dm_conversations/with/:participant/messages', () => HttpResponse.json({ title: 'Unauthorized', status: 401, detail: 'Unauthorized' }, { status: 401 }));
    await expect(crm.reply('x:1891300000000000102', 'Merhaba')).rejects.toThrow();
    expect(notices).toEqual([expect.objectContaining({ type: 'token-revoked', accountId: '3000000001' })]);
    expect(JSON.stringify(notices)).not.toContain('refresh-old-1');
  });

  it('announces token-expiring once when the resolver names an expiry within the window', async () => {
    const soon = new Date(Date.now() + 2 * 24 * 3_600_000).toISOString();
    const { crm, notices } = setup(soon);
    await crm.handleWebhook(delivery('3000000001', '1891300000000000103'));
    await crm.handleWebhook(delivery('3000000001', '1891300000000000104'));
    expect(notices).toEqual([{ type: 'token-expiring', adapterId: 'x', accountId: '3000000001', expiresAt: soon }]);
  });
});
