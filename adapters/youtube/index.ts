export { youtubeAdapter, type YouTubeAccessToken, type YouTubeAdapterOptions } from './youtube-adapter.js';
export { QUOTA_COST as YOUTUBE_QUOTA_COST } from './youtube-quota.js';
