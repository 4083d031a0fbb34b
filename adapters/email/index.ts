/**
 * Email through Mailgun routes: inbound messages (quoted text stripped), replies in the same thread, and marketing e-mail with List-Unsubscribe.
 *
 * @module social-crm/adapters/email
 */
export { emailAdapter, type EmailAdapterOptions } from './email-adapter.js';
export type { ListUnsubscribeOptions, UnsubscribeRecipient } from './send-message.js';
export { stripQuotedText, type StrippedBody } from './strip-quotes.js';
