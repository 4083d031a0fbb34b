/**
 * Facebook Pages: posts, comments and reactions on the Page, through Meta webhooks and the Graph API.
 *
 * @module social-crm/adapters/facebook
 */
export { facebookAdapter, type FacebookAccountsOptions, type FacebookAdapterOptions } from './facebook-adapter.js';
export type { AccountNotice, MetaAccountCredentials, MetaAccountsOptions } from '../_shared/meta/accounts-types.js';
