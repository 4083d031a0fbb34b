/**
 * social-crm: bring social networks into the CRM you already run.
 *
 * The root entry holds the pipeline (`createSocialCrm`), the canonical model, the storage port
 * with its in-memory reference, the errors and their guards. Adapters live under
 * `social-crm/adapters/<network>`, the classifier under `social-crm/classifier`, the identity
 * merger under `social-crm/identity`, and the conformance kits under `social-crm/testing`.
 *
 * @module social-crm
 */
export { createSocialCrm, DEFAULT_TENANT, VERSION } from './crm.js';
export type {
  AfterReceiveHook,
  BeforeSendHook,
  DeadLetterPayload,
  IngestResult,
  AbortOptions,
  FetchAttachmentOptions,
  PollOptions,
  PollSummary,
  ProgressOptions,
  RetryDeadLettersOptions,
  DispatchResult,
  DurableEvent,
  DurableEventName,
  DurableEventPayloads,
  DurableSubscription,
  ReplyContent,
  MessageRequest,
  RetryResult,
  SocialCrm,
  SocialCrmOptions,
  TenantCrm,
  TenantsOptions,
  WebhookVerification,
} from './crm.js';
export type { Alert, InteractionSource, SocialCrmEventListener, SocialCrmEventName, SocialCrmEvents } from './events.js';
export {
  attachmentSchema,
  channelIdentitySchema,
  classificationSchema,
  customerSchema,
  engagementSchema,
  identityKey,
  interactionId,
  interactionSchema,
  outboundReplySchema,
  parseInteraction,
  validateInteraction,
  DELIVERY_STATUSES,
  DEPARTMENTS,
  INTENT_LABELS,
  INTERACTION_DIRECTIONS,
  INTERACTION_KINDS,
  INTERACTION_STATES,
  SENTIMENT_LABELS,
} from './interaction.js';
export type {
  Attachment,
  ChannelIdentity,
  ChannelIdentityInput,
  Classification,
  Customer,
  DeliveryStatus,
  Department,
  Engagement,
  IntentLabel,
  Interaction,
  InteractionDirection,
  InteractionInput,
  InteractionKind,
  InteractionState,
  JSONObject,
  JSONValue,
  OutboundReply,
  SentimentLabel,
} from './interaction.js';
export type {
  AppendResult,
  BatchStore,
  ConsentPurpose,
  ConsentRecord,
  CustomerExport,
  CustomerStore,
  DeadLetter,
  DeadLetterStage,
  EraseResult,
  PollCursor,
  IdentityRecord,
  InteractionLedger,
  InteractionPatch,
  InteractionQuery,
  InteractionStore,
  LockingStore,
  MergeDecision,
  MergeRecord,
  MergeSuggestionRecord,
  OperationsStore,
  OutboxRecord,
  OutboxSettlement,
  OutboxStore,
  Page,
  PrivacyStore,
  ReceivedInteraction,
  ReceivedResult,
  ReceiveStore,
  ReviewStore,
  SendRecord,
  SendStore,
  TenantLedgers,
} from './ledger.js';
export { IDENTITY_SEEN_RESOLUTION_MS, hasBatchStore, hasLocking, hasOutbox, hasReceiveStore, hasReviewStore, hasSendStore } from './ledger.js';
export { memoryLedger } from './memory-ledger.js';
export { applyInteractionPatch, composeLedger, interactionMatches } from './compose-ledger.js';
export type { CustomerScan, InteractionScan, LedgerParts, RowPosition, SideRecord, SideRecordKind, SideRecordScan, SideTable } from './compose-ledger.js';
export { migrateConversationId, privateConversationKey, PRIVATE_CONVERSATION_PREFIX } from './conversation-key.js';
export {
  erasedCustomer,
  erasedInteraction,
  erasedMerge,
  erasedSend,
  eraseResultOf,
  erasureSubjectOf,
  erasureSubjectOfExport,
  interactionsToErase,
  relatedCustomerIds,
  subjectMatcher,
  subjectOrderingKeys,
} from './erasure.js';
export type { ErasedRecords, ErasureSubject, PersonRecords } from './erasure.js';
export type { Classifier, ClassifierInput } from './classifier-port.js';
export { channelIdentityResolver } from './identity-resolver.js';
export type { IdentityCommandChange, IdentityResolver, IdentityResolverContext, ResolveResult } from './identity-resolver.js';
export type { AttachmentContent, ChannelAdapter, ChannelCapabilities, Logger } from './adapter.js';
export type { OutboundMessage } from './outreach.js';
export { campaignIdOf } from './campaign-id.js';
export type { OutboundPost, PostMedia, PublishRequest } from './publication.js';
export { toLogger } from './logger.js';
export type { LogMethod, LoggerLike, ToLoggerOptions } from './logger.js';
export {
  ERROR_CODES,
  AbortedError,
  ChannelApiError,
  ClassifierError,
  IdentityConflictError,
  InvalidInteractionError,
  InvalidOptionsError,
  InvalidPayloadError,
  LedgerError,
  MissingDependencyError,
  MissingLedgerMethodsError,
  NotFoundError,
  PayloadTooLargeError,
  QueueError,
  TenantUnavailableError,
  RateLimitError,
  ReplyInDoubtError,
  ReplyNotAllowedError,
  SocialCrmError,
  UnknownAccountError,
  UnknownAdapterError,
  UnsupportedAdapterVersionError,
  UnsupportedCapabilityError,
  UnsupportedMediaTypeError,
  WebhookVerificationError,
  isAbortedError,
  isChannelApiError,
  isRateLimitError,
  isReplyInDoubtError,
  isReplyNotAllowedError,
  isSocialCrmError,
  isUnknownAccountError,
  isWebhookVerificationError,
} from './errors.js';
export type { ChannelApiErrorOptions, ErrorCode, Progress, ValidationIssue } from './errors.js';
