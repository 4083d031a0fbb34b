/**
 * Instagram professional accounts: comments, mentions and direct messages, through Meta webhooks and the Graph API.
 *
 * @module social-crm/adapters/instagram
 */
export { instagramAdapter, type InstagramAccountCredentials, type InstagramAccountsOptions, type InstagramAdapterOptions } from './instagram-adapter.js';
export type { AccountNotice } from '../_shared/meta/accounts-types.js';
