export { xAdapter, X_SIGNATURE_HEADER, type XAdapterOptions } from './x-adapter.js';
