/**
 * Reddit: inbox mentions, comment replies and messages, and keyword search in chosen subreddits, polled with OAuth; replies as the brand.
 *
 * @module social-crm/adapters/reddit
 */
export { redditAdapter, type RedditAdapterOptions } from './reddit-adapter.js';
