import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isSocialCrmError } from 'social-crm';
import { createChannelTestServer } from 'social-crm/testing';
import { checkPermissions, exchangeForLongLivedToken, inspectToken, listPages, listWhatsappNumbers, subscribePage, subscribeWhatsappBusinessAccount } from 'social-crm/adapters/meta';

// Shapes from the Graph API reference: page/subscribed_apps, whatsapp-business-account/subscribed_apps,
// user/permissions, debug_token, user/accounts, whatsapp-business-account/phone_numbers and the
// long-lived token exchange (values invented).
const GRAPH = 'https://graph.facebook.com/v23.0';
const server = createChannelTestServer();
beforeAll(() => server.listen());
afterEach(() => server.reset());
afterAll(() => server.close());

describe('Meta connect helpers', () => {
  it('subscribes the app to a Page with the Page token and the fields asked for', async () => {
    server.route('post', `${GRAPH}/104711112223334/subscribed_apps`, () => ({ success: true }));
    expect(await subscribePage({ pageId: '104711112223334', pageAccessToken: 'EAAPageTokenAcme01', fields: ['messages', 'feed'] })).toBe(true);
    const [call] = server.calls;
    expect(call!.headers.authorization).toBe('Bearer EAAPageTokenAcme01');
    expect(new URLSearchParams(call!.bodyText).get('subscribed_fields')).toBe('messages,feed');
  });

  it('subscribes the app to a WhatsApp Business Account', async () => {
    server.route('post', `${GRAPH}/102290129340398/subscribed_apps`, () => ({ success: true }));
    expect(await subscribeWhatsappBusinessAccount({ businessAccountId: '102290129340398', accessToken: 'EAASystemUser01' })).toBe(true);
    expect(server.calls[0]!.headers.authorization).toBe('Bearer EAASystemUser01');
  });

  it('reports granted, declined and missing permissions', async () => {
    server.route('get', `${GRAPH}/me/permissions`, () => ({
      data: [
        { permission: 'pages_show_list', status: 'granted' },
        { permission: 'pages_messaging', status: 'declined' },
        { permission: 'pages_manage_metadata', status: 'granted' },
      ],
    }));
    const permissions = await checkPermissions({ userAccessToken: 'EAAUserToken01', required: ['pages_messaging', 'pages_manage_metadata'] });
    expect(permissions).toEqual({ granted: ['pages_show_list', 'pages_manage_metadata'], declined: ['pages_messaging'], expired: [], missing: ['pages_messaging'] });
  });

  it('inspects a token with the app token and returns its expiry and granular scopes', async () => {
    server.route('get', `${GRAPH}/debug_token`, ({ call }) => {
      expect(new URL(call.url).searchParams.get('input_token')).toBe('EAAUserToken01');
      expect(call.headers.authorization).toBe('Bearer 1234567890|app-secret-x');
      return { data: { app_id: '1234567890', type: 'USER', is_valid: true, expires_at: 1785000000, scopes: ['pages_messaging'], granular_scopes: [{ scope: 'pages_messaging', target_ids: ['104711112223334'] }], user_id: '10158' } };
    });
    const inspection = await inspectToken({ inputToken: 'EAAUserToken01', appId: '1234567890', appSecret: 'app-secret-x' });
    expect(inspection).toMatchObject({ isValid: true, type: 'USER', expiresAt: new Date(1785000000 * 1000).toISOString(), granularScopes: [{ scope: 'pages_messaging', targetIds: ['104711112223334'] }] });
  });

  it('lists the Pages of a user across result pages, and the numbers of a WABA', async () => {
    server.route('get', `${GRAPH}/me/accounts`, ({ call }) =>
      new URL(call.url).searchParams.get('after')
        ? { data: [{ id: '222', name: 'Globex', access_token: 'EAAPage222', tasks: ['MESSAGING'] }], paging: { cursors: { before: 'b', after: 'c2' } } }
        : { data: [{ id: '111', name: 'Acme', access_token: 'EAAPage111', tasks: ['MODERATE'], instagram_business_account: { id: '17841400000000001' } }], paging: { cursors: { after: 'c1' }, next: `${GRAPH}/me/accounts?access_token=EAAUser&after=c1` } },
    );
    const pages = await listPages({ userAccessToken: 'EAAUser' });
    expect(pages.map((page) => page.id)).toEqual(['111', '222']);
    expect(pages[0]).toMatchObject({ accessToken: 'EAAPage111', instagramAccountId: '17841400000000001' });

    server.route('get', `${GRAPH}/102290129340398/phone_numbers`, () => ({ data: [{ id: '106540352242922', display_phone_number: '+1 555-078-3881', verified_name: 'Acme', quality_rating: 'GREEN' }] }));
    expect(await listWhatsappNumbers({ businessAccountId: '102290129340398', accessToken: 'EAASys' })).toEqual([{ id: '106540352242922', displayPhoneNumber: '+1 555-078-3881', verifiedName: 'Acme', qualityRating: 'GREEN' }]);
  });

  it('exchanges a short-lived token for a long-lived one, and keeps the secrets out of its errors', async () => {
    server.route('get', `${GRAPH}/oauth/access_token`, ({ call }) => {
      const query = new URL(call.url).searchParams;
      expect(Object.fromEntries(query)).toEqual({ grant_type: 'fb_exchange_token', client_id: '1234567890', client_secret: 'app-secret-x', fb_exchange_token: 'short-lived-user-token' });
      return { access_token: 'EAALongLived01', token_type: 'bearer', expires_in: 5183944 };
    });
    const now = () => new Date('2026-12-01T00:00:00Z');
    expect(await exchangeForLongLivedToken({ appId: '1234567890', appSecret: 'app-secret-x', shortLivedToken: 'short-lived-user-token', now })).toEqual({
      accessToken: 'EAALongLived01',
      expiresAt: new Date(now().getTime() + 5183944 * 1000).toISOString(),
    });

    server.reset();
    server.route('get', `${GRAPH}/oauth/access_token`, () => HttpResponse.json({ error: { message: 'Error validating access token: Session has expired', type: 'OAuthException', code: 190 } }, { status: 400 }));
    const error = await exchangeForLongLivedToken({ appId: '1234567890', appSecret: 'app-secret-x', shortLivedToken: 'short-lived-user-token' }).catch((caught: unknown) => caught);
    expect(isSocialCrmError(error, 'CHANNEL_API_ERROR')).toBe(true);
    const told = JSON.stringify({ message: (error as Error).message, ...(error as object) });
    expect(told).toContain('Session has expired');
    expect(told).not.toContain('app-secret-x');
    expect(told).not.toContain('short-lived-user-token');
  });
});
