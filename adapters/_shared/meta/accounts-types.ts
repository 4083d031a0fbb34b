/** Public types of the account resolver, re-exported by each Meta adapter entry. */
export type { AccountNotice, AccountResolution, ResolveRequest } from '../accounts/index.js';
export type { MetaAccountCredentials, MetaAccountsOptions } from './accounts.js';
