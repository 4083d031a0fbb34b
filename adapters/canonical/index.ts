/**
 * A signed webhook for your own sources (web forms, chat widgets, other systems) that already speak the canonical interaction shape.
 *
 * @module social-crm/adapters/canonical
 */
export {
  canonicalWebhookAdapter,
  CANONICAL_SIGNATURE_HEADER,
  CANONICAL_TIMESTAMP_HEADER,
  type CanonicalWebhookAdapterOptions,
} from './canonical-adapter.js';
