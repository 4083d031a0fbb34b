export { facebookAdapter, type FacebookAccountsOptions, type FacebookAdapterOptions } from './facebook-adapter.js';
export type { AccountNotice, MetaAccountCredentials, MetaAccountsOptions } from '../_shared/meta/accounts-types.js';
