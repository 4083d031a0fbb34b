export {
  canonicalWebhookAdapter,
  CANONICAL_SIGNATURE_HEADER,
  CANONICAL_TIMESTAMP_HEADER,
  type CanonicalWebhookAdapterOptions,
} from './canonical-adapter.js';
