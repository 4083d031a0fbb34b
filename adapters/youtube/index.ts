/**
 * YouTube: comments on the channel's videos, polled within the Data API quota, and replies.
 *
 * @module social-crm/adapters/youtube
 */
export { youtubeAdapter, type YouTubeAccessToken, type YouTubeAdapterOptions } from './youtube-adapter.js';
export { QUOTA_COST as YOUTUBE_QUOTA_COST } from './youtube-quota.js';
