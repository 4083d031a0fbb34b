/**
 * Connecting a customer's Meta assets to your app, as functions for your onboarding flow (no UI):
 * subscribe the app to a Page or a WhatsApp Business Account, check the permissions granted, inspect
 * a token, list the Pages and numbers connected, and trade a short-lived token for a long-lived one.
 *
 * @example
 * import { exchangeForLongLivedToken, listPages, subscribePage } from 'social-crm/adapters/meta';
 * const { accessToken } = await exchangeForLongLivedToken({ appId, appSecret, shortLivedToken });
 * for (const page of await listPages({ userAccessToken: accessToken })) {
 *   await accounts.save({ id: page.id, tenant, accessToken: page.accessToken }); // before deliveries can arrive
 *   await subscribePage({ pageId: page.id, pageAccessToken: page.accessToken! });
 * }
 *
 * @module social-crm/adapters/meta
 */
export {
  DEFAULT_PAGE_FIELDS,
  checkPermissions,
  exchangeForLongLivedToken,
  inspectToken,
  listPages,
  listWhatsappNumbers,
  subscribePage,
  subscribeWhatsappBusinessAccount,
} from './connect.js';
export type { ConnectedPage, ConnectedPhoneNumber, ExchangedToken, GrantedPermissions, MetaConnectOptions, TokenInspection } from './connect.js';
export type { MetaAccountCredentials, MetaAccountsOptions } from '../_shared/meta/accounts.js';
export type { AccountNotice, AccountResolution, AccountsOptions, ResolveRequest } from '../_shared/accounts/index.js';
