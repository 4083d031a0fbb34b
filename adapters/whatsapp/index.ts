export { whatsappAdapter, type WhatsappAccountsOptions, type WhatsappAdapterOptions } from './whatsapp-adapter.js';
export type { AccountNotice, MetaAccountCredentials, MetaAccountsOptions } from '../_shared/meta/accounts-types.js';
export type { WhatsappReplyOptions } from './send-reply.js';
export type { WhatsappMessageOptions } from './send-message.js';
