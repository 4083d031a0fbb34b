export { blueskyAdapter, BLUESKY_REASONS, type BlueskyAdapterOptions, type BlueskyReason } from './bluesky-adapter.js';
export type { BlueskySession } from './bluesky-schemas.js';
