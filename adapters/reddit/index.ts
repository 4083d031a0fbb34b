export { redditAdapter, type RedditAdapterOptions } from './reddit-adapter.js';
