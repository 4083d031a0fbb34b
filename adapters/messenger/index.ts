export { messengerAdapter, type MessengerAccountsOptions, type MessengerAdapterOptions } from './messenger-adapter.js';
export type { AccountNotice, MetaAccountCredentials, MetaAccountsOptions } from '../_shared/meta/accounts-types.js';
