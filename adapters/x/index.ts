export { xAdapter, X_SIGNATURE_HEADER, type XAccountCredentials, type XAccountsOptions, type XAccountsResolver, type XAdapterOptions } from './x-adapter.js';
export { refreshXToken, type RefreshXTokenOptions, type XOAuthClient, type XTokens } from './x-tokens.js';
export type { AccountNotice } from '../_shared/accounts/index.js';
