export { googleBusinessAdapter, type GoogleBusinessAdapterOptions } from './google-business-adapter.js';
