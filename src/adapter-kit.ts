/**
 * Everything a plugin author needs to write a channel adapter: the v1 contract types and
 * helpers for webhooks (raw body, signatures, shared secrets, replay windows, JSON), HTTP errors and
 * option validation, and the canonical types and error classes an adapter produces and throws. An
 * adapter needs no other entry of `social-crm`; built-in adapters are written the same way.
 *
 * @see docs/authoring/custom-adapter.md
 * @module social-crm/adapter-kit
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
  HttpClient,
  HttpRequestOptions,
  HttpResponsePromise,
  Logger,
  PlatformErrorInfo,
  PollRequest,
  PollResult,
  PublishResult,
  RateLimitState,
  RejectedItem,
  TenantTagged,
  SendResult,
  WebhookAuthentication,
  WebhookDescription,
  WebhookResult,
} from './adapter.js';
export { capabilityMismatches, webhookAuthentication } from './adapter.js';
export type { OutboundMessage } from './outreach.js';
export type { OutboundPost, PostMedia } from './publication.js';
export { REDACTED, redactSecrets } from './errors.js';
export type {
  Attachment,
  ChannelIdentity,
  ChannelIdentityInput,
  DeliveryStatus,
  Interaction,
  InteractionDirection,
  InteractionInput,
  InteractionKind,
  JSONObject,
  JSONValue,
  OutboundReply,
} from './interaction.js';
export { identityKey, interactionId, interactionSchema, parseInteraction, validateInteraction } from './interaction.js';
export {
  ChannelApiError,
  InvalidOptionsError,
  InvalidPayloadError,
  PayloadTooLargeError,
  RateLimitError,
  ReplyNotAllowedError,
  SocialCrmError,
  UnknownAccountError,
  UnsupportedCapabilityError,
  UnsupportedMediaTypeError,
  WebhookVerificationError,
  isChannelApiError,
  isRateLimitError,
  isReplyNotAllowedError,
  isSocialCrmError,
  isUnknownAccountError,
  isWebhookVerificationError,
} from './errors.js';
export type { ChannelApiErrorOptions, ErrorCode } from './errors.js';
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
  verifySharedSecret,
} from './webhook.js';
export type { HmacAlgorithm, JsonTopLevel, VerifyHmacOptions, VerifySharedSecretOptions } from './webhook.js';
export { EARLIEST_PLAUSIBLE_TIME, FUTURE_TOLERANCE_MS, networkTimeOr, readNetworkTime } from './timestamps.js';
export type { NetworkTime } from './timestamps.js';
export { backoffDelay, retryAfterMs, toChannelApiError } from './http.js';
export { parseAdapterOptions, parseChannelOptions } from './adapter-options.js';
