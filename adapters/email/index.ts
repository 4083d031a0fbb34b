export { emailAdapter, type EmailAdapterOptions } from './email-adapter.js';
export { stripQuotedText, type StrippedBody } from './strip-quotes.js';
