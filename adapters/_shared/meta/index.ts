/**
 * Code the Meta adapters (Facebook, Messenger, Instagram, WhatsApp) share: options, the webhook
 * handshake and signature, the notification envelope, Graph calls, usage headers and error codes.
 * Not a package entry: each adapter bundles what it uses. Imports only public entries.
 */
export { DEFAULT_GRAPH_BASE_URL, DEFAULT_GRAPH_VERSION, metaAppOptionsSchema } from './meta-options.js';
export type { MetaAppOptions, MetaAppSettings } from './meta-options.js';
export {
  META_SIGNATURE_HEADER,
  answerVerificationHandshake,
  describeIssues,
  metaChangeSchema,
  metaEntrySchema,
  metaEnvelopeSchema,
  readMetaNotification,
  verifyMetaSignature,
} from './meta-webhook.js';
export type { MetaChange, MetaEntry, MetaEnvelope, MetaNotification, MetaNotificationOptions, MetaWebhookObject } from './meta-webhook.js';
export { createGraphApi, graphErrorBodySchema, metaRateLimitFromResponse, readGraphError, toMetaSendError } from './meta-graph.js';
export type { GraphApi, GraphApiOptions, GraphErrorBody, MetaErrorDetails, MetaRateLimitOptions, MetaSendError } from './meta-graph.js';
export { assertMessagingWindow } from './messaging-window.js';
