export { facebookAdapter, type FacebookAdapterOptions } from './facebook-adapter.js';
