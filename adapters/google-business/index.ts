/**
 * Google Business Profile: reviews and their replies, with Pub/Sub push notifications verified by their signed token.
 *
 * @module social-crm/adapters/google-business
 */
export { googleBusinessAdapter, type GoogleBusinessAdapterOptions } from './google-business-adapter.js';
