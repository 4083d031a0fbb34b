export { instagramAdapter, type InstagramAdapterOptions } from './instagram-adapter.js';
