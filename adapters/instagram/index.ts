export { instagramAdapter, type InstagramAccountCredentials, type InstagramAccountsOptions, type InstagramAdapterOptions } from './instagram-adapter.js';
export type { AccountNotice } from '../_shared/meta/accounts-types.js';
