/**
 * Facebook Messenger: direct conversations with a Page, through Meta webhooks and the Send API.
 *
 * @module social-crm/adapters/messenger
 */
export { messengerAdapter, type MessengerAccountsOptions, type MessengerAdapterOptions } from './messenger-adapter.js';
export type { AccountNotice, MetaAccountCredentials, MetaAccountsOptions } from '../_shared/meta/accounts-types.js';
