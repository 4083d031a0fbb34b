/**
 * Email through Mailgun routes: inbound messages (quoted text stripped) and replies in the same thread.
 *
 * @module social-crm/adapters/email
 */
export { emailAdapter, type EmailAdapterOptions } from './email-adapter.js';
export { stripQuotedText, type StrippedBody } from './strip-quotes.js';
