/**
 * Everything a plugin author needs to write a channel adapter: the v1 contract types and
 * helpers for webhooks (raw body, signatures, replay windows, JSON), HTTP errors and option
 * validation. Built-in adapters import only from here and from `social-crm`, exactly as
 * third-party adapters do.
 *
 * @see docs/authoring/custom-adapter.md
 * @module
 */
export type {
  AdapterContext,
  AdapterWarning,
  AttachmentContent,
  ChannelAdapter,
  ChannelAdapterFactory,
  ChannelCapabilities,
  ChannelEvent,
  FetchAttachmentRequest,
  Logger,
  PollRequest,
  PollResult,
  RateLimitState,
  RejectedItem,
  SendResult,
  WebhookResult,
} from './adapter.js';
export { capabilityMismatches } from './adapter.js';
export { REDACTED, redactSecrets } from './errors.js';
export { DEFAULT_MAX_ATTACHMENT_BYTES, assertAttachmentSize, checkAttachmentDigest, fetchAttachmentUrl, readAttachmentBody, sha256Hex } from './attachments.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  assertContentType,
  assertFreshTimestamp,
  createReplayGuard,
  decodeUtf8,
  hmac,
  inspectJson,
  MAX_JSON_DEPTH,
  parseJson,
  parseJsonObject,
  readRawBody,
  timingSafeEqual,
  toBase64,
  toHex,
  verifyHmacSignature,
} from './webhook.js';
export type { HmacAlgorithm, JsonTopLevel, VerifyHmacOptions } from './webhook.js';
export { EARLIEST_PLAUSIBLE_TIME, FUTURE_TOLERANCE_MS, networkTimeOr, readNetworkTime } from './timestamps.js';
export type { NetworkTime } from './timestamps.js';
export { backoffDelay, retryAfterMs, toChannelApiError } from './http.js';
export type { PlatformErrorInfo } from './http.js';
export { parseAdapterOptions, parseChannelOptions } from './adapter-options.js';
