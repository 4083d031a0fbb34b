/**
 * One error hierarchy for the whole SDK. Every error carries a stable `code` (see
 * {@link ERROR_CODES}, documented in docs/guide/errors.md), a prefixed, actionable
 * message and, where something underneath failed, the original `cause`.
 *
 * Use the `is*` guards rather than `instanceof`: they also work when a host has loaded
 * both the ESM and the CJS copy of the package.
 *
 * @module
 */

/** Every error code the SDK raises, with a one-line meaning. */
export const ERROR_CODES = {
  INVALID_OPTIONS: 'Options passed to a factory or method are invalid.',
  INVALID_INTERACTION: 'An interaction does not match the canonical schema.',
  INVALID_PAYLOAD: 'A webhook or API payload could not be parsed.',
  PAYLOAD_TOO_LARGE: 'A webhook body exceeds the configured size limit.',
  UNSUPPORTED_MEDIA_TYPE: 'A webhook body has a content type the adapter does not accept.',
  WEBHOOK_VERIFICATION_FAILED: 'A webhook signature or verification token is missing or wrong.',
  UNKNOWN_ADAPTER: 'No registered adapter has the requested id.',
  UNSUPPORTED_ADAPTER_VERSION: 'An adapter implements a specification version this SDK does not know.',
  UNSUPPORTED_CAPABILITY: 'The adapter cannot do what was asked.',
  CHANNEL_API_ERROR: "A network's API answered with an error or could not be reached.",
  RATE_LIMITED: "A network's rate limit is exhausted; retry after the reset.",
  REPLY_NOT_ALLOWED: 'A platform rule or the customer forbids this reply (messaging window, opt-out).',
  REPLY_IN_DOUBT: 'A reply with this idempotency key is being sent, or may already have reached the network; it is not sent again.',
  LEDGER_ERROR: 'The storage port failed.',
  MISSING_LEDGER_METHODS: 'The storage port lacks methods a feature needs.',
  MISSING_DEPENDENCY: 'An optional peer dependency the chosen feature needs (pg, PGlite, NATS) is not installed.',
  NOT_FOUND: 'The requested record does not exist.',
  IDENTITY_CONFLICT: 'An identity command conflicts with the current state (already merged, not merged, strong identifiers differ).',
  CLASSIFIER_ERROR: 'The classifier failed.',
  QUEUE_ERROR: 'The work queue failed.',
  TENANT_UNAVAILABLE: "A tenant's ledger could not be opened, or the tenant id is not valid.",
  ABORTED: "The caller's `signal` aborted the call; what was stored before stays stored.",
  UNKNOWN_ACCOUNT: "An adapter's account resolver does not know the account a delivery or a conversation names.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

const MARKER = Symbol.for('social-crm.error');

export interface SocialCrmErrorOptions {
  cause?: unknown;
}

/** Base class of every error the SDK throws. */
export class SocialCrmError extends Error {
  readonly [MARKER] = true;
  override name = 'SocialCrmError';
  /** Stable code; see docs/guide/errors.md#<code in lower-kebab-case>. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options: SocialCrmErrorOptions = {}) {
    super(message.startsWith('[social-crm]') ? message : `[social-crm] ${message}`, { cause: options.cause });
    this.code = code;
  }
}

/** One problem found while validating input. */
export interface ValidationIssue {
  /** Dotted path to the offending field, e.g. `author.nativeId`; empty for the whole value. */
  path: string;
  message: string;
}

/** A factory or method got options that are missing or malformed. */
export class InvalidOptionsError extends SocialCrmError {
  override name = 'InvalidOptionsError';
  readonly issues: ValidationIssue[];
  constructor(message: string, issues: ValidationIssue[] = [], options?: SocialCrmErrorOptions) {
    super('INVALID_OPTIONS', message, options);
    this.issues = issues;
  }
}

/** An interaction does not match the canonical schema; `issues` lists each path. */
export class InvalidInteractionError extends SocialCrmError {
  override name = 'InvalidInteractionError';
  readonly issues: ValidationIssue[];
  constructor(message: string, issues: ValidationIssue[] = [], options?: SocialCrmErrorOptions) {
    super('INVALID_INTERACTION', message, options);
    this.issues = issues;
  }
}

/** A webhook or API payload could not be parsed. `status` is the HTTP status to answer with. */
export class InvalidPayloadError extends SocialCrmError {
  override name = 'InvalidPayloadError';
  readonly status: number;
  readonly issues: ValidationIssue[];
  constructor(message: string, options: SocialCrmErrorOptions & { status?: number; issues?: ValidationIssue[] } = {}) {
    super('INVALID_PAYLOAD', message, options);
    this.status = options.status ?? 400;
    this.issues = options.issues ?? [];
  }
}

/** The body exceeds the size limit (HTTP 413). */
export class PayloadTooLargeError extends SocialCrmError {
  override name = 'PayloadTooLargeError';
  readonly limitBytes: number;
  constructor(limitBytes: number, options?: SocialCrmErrorOptions) {
    super('PAYLOAD_TOO_LARGE', `Request body exceeds ${limitBytes} bytes. Raise \`maxBodyBytes\` if the network really sends larger payloads.`, options);
    this.limitBytes = limitBytes;
  }
}

/** The body has a content type the adapter does not accept (HTTP 415). */
export class UnsupportedMediaTypeError extends SocialCrmError {
  override name = 'UnsupportedMediaTypeError';
  constructor(message: string, options?: SocialCrmErrorOptions) {
    super('UNSUPPORTED_MEDIA_TYPE', message, options);
  }
}

/** A signature or verify token is missing, wrong or replayed (HTTP 401/403). */
export class WebhookVerificationError extends SocialCrmError {
  override name = 'WebhookVerificationError';
  readonly reason: 'missing-signature' | 'invalid-signature' | 'replayed' | 'stale' | 'invalid-token';
  constructor(reason: WebhookVerificationError['reason'], message: string, options?: SocialCrmErrorOptions) {
    super('WEBHOOK_VERIFICATION_FAILED', message, options);
    this.reason = reason;
  }
}

/** No adapter is registered under the requested id (HTTP 404). */
export class UnknownAdapterError extends SocialCrmError {
  override name = 'UnknownAdapterError';
  readonly adapterId: string;
  constructor(adapterId: string, known: string[]) {
    super(
      'UNKNOWN_ADAPTER',
      `No adapter is registered with id \`${adapterId}\`. Registered: ${known.length ? known.map((id) => `\`${id}\``).join(', ') : 'none'}.`,
    );
    this.adapterId = adapterId;
  }
}

/** The adapter's `specificationVersion` is not one this SDK implements. */
export class UnsupportedAdapterVersionError extends SocialCrmError {
  override name = 'UnsupportedAdapterVersionError';
  readonly version: unknown;
  constructor(adapterId: string, version: unknown) {
    super(
      'UNSUPPORTED_ADAPTER_VERSION',
      `[${adapterId}] implements adapter specification ${JSON.stringify(version)}, but this version of social-crm supports only "v1". Upgrade social-crm or use an adapter built for v1.`,
    );
    this.version = version;
  }
}

/** The adapter cannot do what was asked and it cannot be dropped. */
export class UnsupportedCapabilityError extends SocialCrmError {
  override name = 'UnsupportedCapabilityError';
  readonly capability: string;
  constructor(adapterId: string, capability: string, detail = '') {
    super('UNSUPPORTED_CAPABILITY', `[${adapterId}] does not support \`${capability}\`.${detail ? ` ${detail}` : ''}`);
    this.capability = capability;
  }
}

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

/** Names whose values are credentials wherever they appear: query strings, JSON, form bodies, headers. */
const SECRET_NAMES =
  '(?:access_token|refresh_token|id_token|token|api_key|apikey|app_secret|appsecret_proof|client_secret|consumer_secret|secret|password|passwd|verify_token|hub\\.verify_token|signature|oauth_token|oauth_token_secret|oauth_signature|private_key|authorization|x-api-key)';
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  // `access_token=…` in a URL or form body (also `hub.verify_token=…`).
  [new RegExp(`([?&;\\s"'(]|^)(${SECRET_NAMES})=([^&\\s"'<>;,)]+)`, 'gi'), `$1$2=${REDACTED}`],
  // `"access_token": "…"` in JSON, with or without escaped quotes.
  [new RegExp(`(\\\\?"${SECRET_NAMES}\\\\?"\\s*:\\s*\\\\?")((?:[^"\\\\]|\\\\[^"])*)`, 'gi'), `$1${REDACTED}`],
  // `Authorization: Bearer …`, `Bearer …`, `Basic …`, `OAuth …` values.
  // (A value with a digit: "OAuth access token" in an error text is prose, not a credential.)
  [/\b(Bearer|Basic|OAuth)\s+(?=[^\s]*\d)[A-Za-z0-9._~+/=%,"-]{6,}/gi, `$1 ${REDACTED}`],
  // Signature header values: `sha256=<hex or base64>`, `sha1=…`.
  [/\b(sha(?:1|256|512)=)[A-Za-z0-9+/=_-]{16,}/gi, `$1${REDACTED}`],
  // Meta access tokens (`EAA…`) and X app bearer tokens (`AAAAAAAAAAAAAAAAAAAAA…`), wherever they stand.
  [/\bEAA[A-Za-z0-9]{12,}/g, REDACTED],
  [/\bA{20,}[A-Za-z0-9%._-]{10,}/g, REDACTED],
];

/**
 * Removes credentials from text that may leave the process (error messages, response bodies,
 * URLs, log lines): values of token-, secret- and signature-named parameters in query strings,
 * form and JSON bodies; `Bearer`/`Basic` values; signature digests; Meta and X token shapes; and
 * each of `known` (the exact credentials a call used) wherever it appears.
 */
export function redactSecrets(text: string, known: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const value of known) {
    if (value && value.length >= 6) {
      out = out.split(value).join(REDACTED);
      const encoded = encodeURIComponent(value);
      if (encoded !== value) out = out.split(encoded).join(REDACTED);
    }
  }
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

export interface ChannelApiErrorOptions extends SocialCrmErrorOptions {
  adapterId: string;
  method?: string;
  url?: string;
  status?: number;
  /** Whether sending the same request again later may succeed. */
  isRetryable: boolean;
  /** The network's own error code, e.g. Graph `code` 368 or WhatsApp 131047. */
  platformCode?: string | number;
  responseBody?: string;
  /** Milliseconds to wait before retrying, when the network says. */
  retryAfterMs?: number;
}

/** A network's API answered with an error, or could not be reached. */
export class ChannelApiError extends SocialCrmError {
  override name = 'ChannelApiError';
  readonly adapterId: string;
  readonly method?: string;
  readonly url?: string;
  readonly status?: number;
  readonly isRetryable: boolean;
  readonly platformCode?: string | number;
  readonly responseBody?: string;
  readonly retryAfterMs?: number;
  /** Message, URL and response body pass through {@link redactSecrets}: the error may be logged, stored and announced. */
  constructor(message: string, options: ChannelApiErrorOptions, code: ErrorCode = 'CHANNEL_API_ERROR') {
    const url = options.url === undefined ? undefined : redactSecrets(options.url);
    const where = options.method && url ? ` (${options.method.toUpperCase()} ${url}${options.status ? ` → ${options.status}` : ''})` : '';
    super(code, redactSecrets(`[${options.adapterId}] ${message}${where}`), options);
    this.adapterId = options.adapterId;
    this.method = options.method;
    this.url = url;
    this.status = options.status;
    this.isRetryable = options.isRetryable;
    this.platformCode = options.platformCode;
    this.responseBody = options.responseBody === undefined ? undefined : redactSecrets(options.responseBody);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The network's rate limit is exhausted. Always retryable; `retryAfterMs` says when. */
export class RateLimitError extends ChannelApiError {
  override name = 'RateLimitError';
  constructor(message: string, options: Omit<ChannelApiErrorOptions, 'isRetryable'>) {
    super(message, { ...options, isRetryable: true }, 'RATE_LIMITED');
  }
}

/** A platform rule or the customer forbids the reply. Not retryable as it stands. */
export class ReplyNotAllowedError extends SocialCrmError {
  override name = 'ReplyNotAllowedError';
  readonly reason: 'messaging-window-closed' | 'opted-out' | 'not-replyable' | 'deleted';
  constructor(reason: ReplyNotAllowedError['reason'], message: string, options?: SocialCrmErrorOptions) {
    super('REPLY_NOT_ALLOWED', message, options);
    this.reason = reason;
  }
}

/**
 * A reply with the same idempotency key was already asked for and it is not known to have failed:
 * it is being sent right now (`state: 'pending'`), or its call may have reached the network
 * (`state: 'unknown'`: a timeout, a reset, a 5xx). Sending again could post twice, so the SDK
 * does not. Check the thread, then settle it with `crm.settleReply()`.
 */
export class ReplyInDoubtError extends SocialCrmError {
  override name = 'ReplyInDoubtError';
  readonly idempotencyKey: string;
  readonly state: 'pending' | 'unknown';
  constructor(idempotencyKey: string, state: 'pending' | 'unknown', message: string, options?: SocialCrmErrorOptions) {
    super('REPLY_IN_DOUBT', message, options);
    this.idempotencyKey = idempotencyKey;
    this.state = state;
  }
}

/** A storage-port method failed. `method` names it; `cause` is what the host threw. */
export class LedgerError extends SocialCrmError {
  override name = 'LedgerError';
  readonly method: string;
  constructor(method: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('LEDGER_ERROR', `Ledger method \`${method}\` failed: ${detail}`, { cause });
    this.method = method;
  }
}

/** The ledger lacks methods a configured feature needs. */
export class MissingLedgerMethodsError extends SocialCrmError {
  override name = 'MissingLedgerMethodsError';
  readonly missing: string[];
  constructor(missing: string[]) {
    super('MISSING_LEDGER_METHODS', `The ledger is missing required methods: ${missing.map((name) => `\`${name}\``).join(', ')}. Implement them (see docs/authoring/custom-ledger.md) and check with describeLedger() from social-crm/testing.`);
    this.missing = missing;
  }
}

/**
 * An optional peer dependency is not installed: `dependencies` names the packages, `feature` what
 * needs them. Loading starts when the feature is created, and every call of it fails with this
 * error (never wrapped as a `LedgerError`) until the package is installed.
 */
export class MissingDependencyError extends SocialCrmError {
  override name = 'MissingDependencyError';
  readonly dependencies: string[];
  readonly feature: string;
  constructor(feature: string, dependencies: string[], cause: unknown) {
    const names = dependencies.map((name) => `\`${name}\``).join(' and ');
    super('MISSING_DEPENDENCY', `${feature} needs the optional peer dependency ${names}, which could not be loaded: ${(cause as Error)?.message ?? String(cause)}. Install it: npm install ${dependencies.join(' ')}`, { cause });
    this.dependencies = dependencies;
    this.feature = feature;
  }
}

/** The record does not exist (for commands; lookups return `null` instead). */
export class NotFoundError extends SocialCrmError {
  override name = 'NotFoundError';
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} \`${id}\` does not exist.`);
  }
}

/** An identity command conflicts with the current state. State is left unchanged. */
export class IdentityConflictError extends SocialCrmError {
  override name = 'IdentityConflictError';
  constructor(message: string, options?: SocialCrmErrorOptions) {
    super('IDENTITY_CONFLICT', message, options);
  }
}

/** The classifier failed (a host's remote model, usually). */
export class ClassifierError extends SocialCrmError {
  override name = 'ClassifierError';
  constructor(message: string, options?: SocialCrmErrorOptions) {
    super('CLASSIFIER_ERROR', message, options);
  }
}

/** The work queue failed. */
export class QueueError extends SocialCrmError {
  override name = 'QueueError';
  constructor(message: string, options?: SocialCrmErrorOptions) {
    super('QUEUE_ERROR', message, options);
  }
}

/**
 * An event, a delivery or `crm.tenant(id)` named a tenant whose ledger the crm cannot open: the id
 * is not valid, the crm was created without `tenants`, or the host's `tenants.ledger` failed
 * (its error is the `cause`).
 */
export class TenantUnavailableError extends SocialCrmError {
  override name = 'TenantUnavailableError';
  readonly tenant: string;
  constructor(tenant: string, reason: string, options?: SocialCrmErrorOptions) {
    super('TENANT_UNAVAILABLE', `Tenant ${JSON.stringify(tenant).slice(0, 140)} is not available: ${reason}`, options);
    this.tenant = tenant;
  }
}

/** How far a long call got, as its `onProgress` callback reports it. */
export interface Progress {
  /** Units finished (pages, dead letters, customers, pairs: the call's docs say which). */
  done: number;
  /** Units in all, when known in advance. */
  total?: number;
}

/**
 * The caller's `AbortSignal` aborted the call. The call stopped at the next step boundary, or
 * mid-request when it was waiting on the network; every step finished before it stays stored.
 * `operation` names the call (`crm.poll`, `merger.rematch` ...); `progress` says how far it got,
 * where the call counts; `cause` is the signal's `reason`.
 */
export class AbortedError extends SocialCrmError {
  override name = 'AbortedError';
  readonly operation: string;
  readonly progress?: Progress;
  constructor(operation: string, options: SocialCrmErrorOptions & { progress?: Progress } = {}) {
    const reason = options.cause instanceof Error && options.cause.name !== 'AbortError' ? ` (${options.cause.message})` : '';
    super('ABORTED', `${operation} was aborted by its signal${reason}. What it stored before stays stored; call it again to go on.`, options);
    this.operation = operation;
    if (options.progress) this.progress = options.progress;
  }
}

const UNKNOWN_ACCOUNT_MARKER = Symbol.for('social-crm.error.UnknownAccountError');

/**
 * A delivery, a reply or a poll named an account (a Page, a WhatsApp number, an X account, a
 * Telegram bot) that the adapter's account resolver (`accounts.resolve`) does not know.
 * Names the adapter and the account; never carries credentials.
 */
export class UnknownAccountError extends SocialCrmError {
  readonly [UNKNOWN_ACCOUNT_MARKER] = true;
  override name = 'UnknownAccountError';
  readonly adapterId: string;
  /** The account id the delivery or conversation named. */
  readonly accountId: string;
  constructor(adapterId: string, accountId: string, detail = '', options?: SocialCrmErrorOptions) {
    super(
      'UNKNOWN_ACCOUNT',
      `[${adapterId}] Account ${JSON.stringify(String(accountId)).slice(0, 140)} is not known to the account resolver.${detail ? ` ${detail}` : ''}`,
      options,
    );
    this.adapterId = adapterId;
    this.accountId = accountId;
  }
}

/** True for {@link UnknownAccountError} (any copy of the package). */
export function isUnknownAccountError(error: unknown): error is UnknownAccountError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[UNKNOWN_ACCOUNT_MARKER] === true;
}

/**
 * True for any error thrown by social-crm (any copy of it), optionally of one code.
 * @example if (isSocialCrmError(error, 'RATE_LIMITED')) scheduleRetry(error.retryAfterMs)
 */
export function isSocialCrmError(error: unknown, code?: ErrorCode): error is SocialCrmError {
  const marked =
    typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  return marked && (code === undefined || (error as SocialCrmError).code === code);
}

/** True for {@link ChannelApiError} and {@link RateLimitError}. */
export function isChannelApiError(error: unknown): error is ChannelApiError {
  return isSocialCrmError(error, 'CHANNEL_API_ERROR') || isSocialCrmError(error, 'RATE_LIMITED');
}

/** True for {@link RateLimitError}. */
export function isRateLimitError(error: unknown): error is RateLimitError {
  return isSocialCrmError(error, 'RATE_LIMITED');
}

/** True for {@link WebhookVerificationError}. */
export function isWebhookVerificationError(error: unknown): error is WebhookVerificationError {
  return isSocialCrmError(error, 'WEBHOOK_VERIFICATION_FAILED');
}

/** True for {@link ReplyInDoubtError}. */
export function isReplyInDoubtError(error: unknown): error is ReplyInDoubtError {
  return isSocialCrmError(error, 'REPLY_IN_DOUBT') && (error as { name?: unknown }).name === 'ReplyInDoubtError';
}

/** True for {@link AbortedError}. */
export function isAbortedError(error: unknown): error is AbortedError {
  return isSocialCrmError(error, 'ABORTED') && (error as { name?: unknown }).name === 'AbortedError';
}

/** True for {@link ReplyNotAllowedError}. */
export function isReplyNotAllowedError(error: unknown): error is ReplyNotAllowedError {
  return isSocialCrmError(error, 'REPLY_NOT_ALLOWED');
}

/** @internal Turns zod issues into our flat issue list. */
export function toValidationIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): ValidationIssue[] {
  return issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/** @internal One line per issue, for messages. */
export function formatIssues(issues: ValidationIssue[]): string {
  return issues.map((issue) => `- ${issue.path || '(root)'}: ${issue.message}`).join('\n');
}
