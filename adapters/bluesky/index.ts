/**
 * Bluesky: mentions, replies and quotes of the brand account, polled with an app-password session that refreshes itself.
 *
 * @module social-crm/adapters/bluesky
 */
export { blueskyAdapter, BLUESKY_REASONS, type BlueskyAdapterOptions, type BlueskyReason } from './bluesky-adapter.js';
export type { BlueskySession } from './bluesky-schemas.js';
