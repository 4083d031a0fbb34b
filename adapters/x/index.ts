/**
 * X (Twitter): mentions, replies and direct messages through the Account Activity webhook, and keyword search by polling.
 *
 * @module social-crm/adapters/x
 */
export { xAdapter, X_SIGNATURE_HEADER, type XAccountCredentials, type XAccountsOptions, type XAccountsResolver, type XAdapterOptions } from './x-adapter.js';
export { refreshXToken, type RefreshXTokenOptions, type XOAuthClient, type XTokens } from './x-tokens.js';
export type { AccountNotice } from '../_shared/accounts/index.js';
