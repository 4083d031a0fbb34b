/**
 * WhatsApp Business (Cloud API): messages, statuses and replies within the messaging window or with templates.
 *
 * @module social-crm/adapters/whatsapp
 */
export { whatsappAdapter, type WhatsappAccountsOptions, type WhatsappAdapterOptions } from './whatsapp-adapter.js';
export type { AccountNotice, MetaAccountCredentials, MetaAccountsOptions } from '../_shared/meta/accounts-types.js';
export type { WhatsappReplyOptions } from './send-reply.js';
export type { WhatsappMessageOptions } from './send-message.js';
