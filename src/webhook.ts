import { encodeBase64 } from './_base64.js';
import { InvalidPayloadError, isSocialCrmError, PayloadTooLargeError, UnsupportedMediaTypeError, WebhookVerificationError } from './errors.js';

/** @default 1 MiB */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/**
 * Reads a request body as bytes without trusting `Content-Length`, stopping as soon as the
 * limit is passed. Signatures must be checked over these exact bytes, never over re-serialised JSON.
 * @throws PayloadTooLargeError past `maxBytes`.
 */
export async function readRawBody(request: Request, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw new PayloadTooLargeError(maxBytes);
  const forwarded = forwardedBodies.get(request);
  if (forwarded) {
    if (forwarded.byteLength > maxBytes) throw new PayloadTooLargeError(maxBytes);
    // A copy, as a read of the stream would give: the front door keeps its bytes for dead letters.
    return forwarded.slice();
  }
  return readStreamWithin(request.body, maxBytes, () => new PayloadTooLargeError(maxBytes));
}

/** Requests the front door built around bytes it already read, with those bytes. */
const forwardedBodies = new WeakMap<Request, Uint8Array>();

/**
 * The request an adapter receives once the front door has read the body: the same URL, method,
 * headers and bytes. {@link readRawBody} answers it from the bytes without a second pass through
 * the stream; reading the stream (`request.text()` ...) still works. @internal
 */
export function forwardedRequest(request: Request, body: Uint8Array): Request {
  const bodyless = request.method === 'GET' || request.method === 'HEAD';
  const forwarded = new Request(request.url, { method: request.method, headers: request.headers, ...(bodyless ? {} : { body: body as BodyInit }) });
  if (!bodyless) forwardedBodies.set(forwarded, body);
  return forwarded;
}

/**
 * Reads a body stream into one array, stopping (and cancelling the stream) as soon as it grows
 * past `maxBytes`; then throws what `tooLarge` returns. @internal
 */
export async function readStreamWithin(stream: ReadableStream<Uint8Array> | null, maxBytes: number, tooLarge: () => Error): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Not awaited: some fetch implementations never settle cancel() on mocked bodies.
      void reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Without `stream`, each `decode` call starts afresh: one decoder serves every call. */
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 bytes strictly. @throws InvalidPayloadError for invalid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes);
  } catch (error) {
    throw new InvalidPayloadError('The body is not valid UTF-8.', { cause: error });
  }
}

/**
 * Deepest nesting of arrays and objects a webhook body may have. Real deliveries stay under 12
 * levels (Meta, X, WhatsApp); recursive code (JSON.parse's callers, zod, cloning ledgers) overflows
 * the stack somewhere past a few thousand.
 */
export const MAX_JSON_DEPTH = 64;

/** What {@link inspectJson} found at the top of a JSON text. */
export type JsonTopLevel = 'object' | 'array' | 'string' | 'number' | 'literal' | 'empty';

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * Looks at a JSON text without parsing it: what its top-level value is, and whether its arrays and
 * objects nest deeper than `maxDepth`. A single pass with a counter and no recursion, so it is safe
 * on any input; it does not check the rest of the grammar (the parser does that next).
 * @throws InvalidPayloadError (HTTP 400) past `maxDepth`.
 */
export function inspectJson(text: string | Uint8Array, maxDepth = MAX_JSON_DEPTH): JsonTopLevel {
  return typeof text === 'string' ? inspectText(text, maxDepth) : inspectBytes(text, maxDepth);
}

function topLevelOf(first: number): JsonTopLevel {
  return first === OPEN_OBJECT ? 'object' : first === OPEN_ARRAY ? 'array' : first === QUOTE ? 'string' : first === 0x2d || (first >= 0x30 && first <= 0x39) ? 'number' : 'literal';
}

function tooDeep(maxDepth: number): InvalidPayloadError {
  return new InvalidPayloadError(`The body nests arrays and objects more than ${maxDepth} levels deep; no webhook does.`);
}

function inspectBytes(bytes: Uint8Array, maxDepth: number): JsonTopLevel {
  const length = bytes.length;
  // A UTF-8 byte order mark before the value.
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (start < length && isJsonWhitespace(bytes[start]!)) start++;
  if (start >= length) return 'empty';
  const top = topLevelOf(bytes[start]!);
  if (top !== 'object' && top !== 'array') return top;
  let depth = 0;
  for (let index = start; index < length; index++) {
    const code = bytes[index]!;
    if (code === QUOTE) {
      // Strings hold most of a payload's bytes: jump to the closing quote (one preceded by an even
      // number of backslashes) with the native indexOf.
      for (;;) {
        const close = bytes.indexOf(QUOTE, index + 1);
        if (close < 0) return top;
        let backslashes = 0;
        while (bytes[close - 1 - backslashes] === BACKSLASH) backslashes++;
        index = close;
        if (backslashes % 2 === 0) break;
      }
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      if (++depth > maxDepth) throw tooDeep(maxDepth);
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) depth--;
  }
  return top;
}

/** {@link inspectBytes} over the characters of a decoded text (the structural characters are ASCII either way). */
function inspectText(text: string, maxDepth: number): JsonTopLevel {
  const length = text.length;
  // A byte order mark decoded into the text.
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (start < length && isJsonWhitespace(text.charCodeAt(start))) start++;
  if (start >= length) return 'empty';
  const top = topLevelOf(text.charCodeAt(start));
  if (top !== 'object' && top !== 'array') return top;
  let depth = 0;
  for (let index = start; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      for (;;) {
        const close = text.indexOf('"', index + 1);
        if (close < 0) return top;
        let backslashes = 0;
        while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
        index = close;
        if (backslashes % 2 === 0) break;
      }
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      if (++depth > maxDepth) throw tooDeep(maxDepth);
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) depth--;
  }
  return top;
}

/**
 * Parses JSON text, after checking its nesting with {@link inspectJson} so that no caller
 * recurses into a hostile body.
 * @throws InvalidPayloadError (HTTP 400) for malformed JSON or nesting past `maxDepth`.
 */
export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  inspectJson(text, maxDepth);
  return parseInspected(text);
}

function parseInspected(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidPayloadError(`The body is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Decodes and parses a webhook body that must be one JSON object, as every network's
 * notification is. A number, string, `true` or `null` is refused: such bodies are what a signing
 * oracle (a handshake that signs a caller's token with the webhook secret) could forge.
 * @throws InvalidPayloadError (HTTP 400) for invalid UTF-8, malformed JSON, nesting past
 * `maxDepth`, or a top-level value that is not an object.
 */
export function parseJsonObject(body: string | Uint8Array, maxDepth = MAX_JSON_DEPTH): Record<string, unknown> {
  const text = typeof body === 'string' ? body : decodeUtf8(body);
  const top = inspectJson(text, maxDepth);
  if (top !== 'object') throw new InvalidPayloadError(`The body must be a JSON object, not ${top === 'empty' ? 'empty' : `a JSON ${top}`}.`);
  return parseInspected(text) as Record<string, unknown>;
}

/**
 * Checks the request's media type against the accepted ones (parameters like `charset` ignored).
 * @throws UnsupportedMediaTypeError (HTTP 415).
 */
export function assertContentType(request: Request, accepted: string[]): void {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!accepted.includes(type)) {
    throw new UnsupportedMediaTypeError(
      `Expected content type ${accepted.map((value) => `\`${value}\``).join(' or ')}, got \`${type || 'none'}\`.`,
    );
  }
}

export type HmacAlgorithm = 'SHA-256' | 'SHA-1' | 'SHA-512';

/**
 * Which implementation computes and compares signatures: `node:crypto` (synchronous, several times
 * faster) where the runtime has it, WebCrypto everywhere else. Tests pass `'web-crypto'` to check
 * the fallback on Node. @internal
 */
export type CryptoImplementation = 'node-crypto' | 'web-crypto';

/** The part of `node:crypto` the signature helpers use. */
interface NodeCrypto {
  createHmac(algorithm: string, key: string | Uint8Array): { update(data: string | Uint8Array): { digest(): Uint8Array; digest(encoding: 'hex' | 'base64'): string } };
  timingSafeEqual(left: Uint8Array, right: Uint8Array): boolean;
}

let nodeCryptoModule: NodeCrypto | null | undefined;

/**
 * `node:crypto` when the runtime offers it through `process.getBuiltinModule` (Node ≥ 20.16), found
 * at run time: a static import would break bundles for edge runtimes.
 */
function nodeCrypto(): NodeCrypto | undefined {
  if (nodeCryptoModule === undefined) {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const module = runtime?.getBuiltinModule?.('node:crypto') as Partial<NodeCrypto> | undefined;
    nodeCryptoModule = typeof module?.createHmac === 'function' && typeof module.timingSafeEqual === 'function' ? (module as NodeCrypto) : null;
  }
  return nodeCryptoModule ?? undefined;
}

/** The implementation this runtime uses by default. @internal */
export function defaultCryptoImplementation(): CryptoImplementation {
  return nodeCrypto() ? 'node-crypto' : 'web-crypto';
}

function requireNodeCrypto(): NodeCrypto {
  const module = nodeCrypto();
  if (!module) throw new Error('node:crypto is not available in this runtime; use the web-crypto implementation.');
  return module;
}

const NODE_ALGORITHMS: Record<HmacAlgorithm, string> = { 'SHA-256': 'sha256', 'SHA-1': 'sha1', 'SHA-512': 'sha512' };

const encoder = new TextEncoder();

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value;
}

/**
 * HMAC of `payload` with `secret`, as raw bytes: `node:crypto` where the runtime has it, else Web
 * Crypto (Deno, Bun, workers, browsers).
 * @param implementation @internal Pins the implementation; tests use it to check the fallback.
 */
export async function hmac(
  algorithm: HmacAlgorithm,
  secret: string | Uint8Array,
  payload: string | Uint8Array,
  implementation: CryptoImplementation = defaultCryptoImplementation(),
): Promise<Uint8Array> {
  if (implementation === 'node-crypto') {
    const digest = requireNodeCrypto().createHmac(NODE_ALGORITHMS[algorithm], secret).update(payload).digest();
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
  }
  const key = await crypto.subtle.importKey('raw', toBytes(secret) as BufferSource, { name: 'HMAC', hash: algorithm }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, toBytes(payload) as BufferSource));
}

/** Hex encoding, lower case. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Base64 encoding. */
export function toBase64(bytes: Uint8Array): string {
  return encodeBase64(bytes);
}

/** Compares two strings in time that depends only on their length. */
export function timingSafeEqual(a: string, b: string): boolean {
  return bytesEqual(encoder.encode(a), encoder.encode(b), defaultCryptoImplementation());
}

function bytesEqual(left: Uint8Array, right: Uint8Array, implementation: CryptoImplementation): boolean {
  // node:crypto refuses inputs of different lengths; their lengths are no secret.
  if (implementation === 'node-crypto') return left.length === right.length && requireNodeCrypto().timingSafeEqual(left, right);
  let difference = left.length ^ right.length;
  for (let index = 0; index < left.length; index++) difference |= left[index]! ^ (right[index % Math.max(1, right.length)] ?? 0);
  return difference === 0;
}

/** Options of `verifyHmacSignature()`. */
export interface VerifyHmacOptions {
  algorithm: HmacAlgorithm;
  secret: string | Uint8Array;
  /** The exact bytes that were signed (the raw body, or timestamp + body ...). */
  payload: string | Uint8Array;
  /** The signature header's value; `null`/`undefined` when the header was absent. */
  signature: string | null | undefined;
  /** @default 'hex' */
  encoding?: 'hex' | 'base64';
  /** Prefix the network puts before the digest, e.g. `sha256=`. Stripped before comparing. */
  prefix?: string;
  /** Used in messages, e.g. `X-Hub-Signature-256`. */
  headerName?: string;
}

/**
 * Verifies an HMAC signature in constant time, with `node:crypto` where the runtime has it and
 * Web Crypto elsewhere (the verdict is the same).
 * @param implementation @internal Pins the implementation; tests use it to check the fallback.
 * @throws WebhookVerificationError `missing-signature` or `invalid-signature`.
 */
export async function verifyHmacSignature(options: VerifyHmacOptions, implementation: CryptoImplementation = defaultCryptoImplementation()): Promise<void> {
  const header = options.headerName ?? 'signature header';
  if (!options.signature) {
    throw new WebhookVerificationError('missing-signature', `The ${header} is missing; the request was not stored.`);
  }
  let given = options.signature.trim();
  if (options.prefix) {
    if (!given.toLowerCase().startsWith(options.prefix.toLowerCase())) {
      throw new WebhookVerificationError('invalid-signature', `The ${header} does not start with \`${options.prefix}\`.`);
    }
    given = given.slice(options.prefix.length);
  }
  const encoding = options.encoding ?? 'hex';
  const expected =
    implementation === 'node-crypto'
      ? requireNodeCrypto().createHmac(NODE_ALGORITHMS[options.algorithm], options.secret).update(options.payload).digest(encoding)
      : (encoding === 'hex' ? toHex : toBase64)(await hmac(options.algorithm, options.secret, options.payload, implementation));
  const comparable = encoding === 'hex' ? given.toLowerCase() : given;
  if (!bytesEqual(encoder.encode(comparable), encoder.encode(expected), implementation)) {
    throw new WebhookVerificationError('invalid-signature', `The ${header} does not match the body; check the app secret.`);
  }
}

/**
 * Rejects timestamps outside `toleranceSeconds` of now (replay protection for networks that
 * sign a timestamp).
 * @throws WebhookVerificationError `stale`.
 */
export function assertFreshTimestamp(timestamp: number | string | Date, now: Date, toleranceSeconds = 300): void {
  const at = timestamp instanceof Date ? timestamp.getTime() : typeof timestamp === 'number' ? (timestamp < 1e12 ? timestamp * 1000 : timestamp) : Date.parse(timestamp);
  if (!Number.isFinite(at) || Math.abs(now.getTime() - at) > toleranceSeconds * 1000) {
    throw new WebhookVerificationError('stale', `The signed timestamp is more than ${toleranceSeconds} s away from now; the request may be a replay.`);
  }
}

/**
 * Remembers recently seen signatures or delivery ids and rejects a second use within `ttlMs`.
 * Memory is bounded by `maxEntries` (oldest dropped first).
 */
export function createReplayGuard(options: { ttlMs?: number; maxEntries?: number } = {}) {
  const ttl = options.ttlMs ?? 10 * 60_000;
  const max = options.maxEntries ?? 100_000;
  const seen = new Map<string, number>();
  return {
    /** @throws WebhookVerificationError `replayed` when `id` was seen within the window. */
    check(id: string, now: Date): void {
      const at = now.getTime();
      const previous = seen.get(id);
      if (previous !== undefined && at - previous < ttl) {
        throw new WebhookVerificationError('replayed', 'This signed delivery was already received; the replay was not stored.');
      }
      seen.delete(id);
      seen.set(id, at);
      if (seen.size > max) seen.delete(seen.keys().next().value as string);
    },
  };
}

/**
 * The HTTP status a webhook endpoint answers for an error raised while routing, reading or
 * verifying a delivery: 404 unknown adapter (or one without webhooks), 413, 415, 400 malformed,
 * 403 wrong handshake token, 401 bad signature, 500 for anything else. @internal
 */
export function webhookErrorStatus(error: unknown): number {
  if (!isSocialCrmError(error)) return 500;
  switch (error.code) {
    case 'UNKNOWN_ADAPTER':
    case 'UNSUPPORTED_CAPABILITY':
    case 'UNKNOWN_ACCOUNT':
      return 404;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'INVALID_PAYLOAD':
      return (error as InvalidPayloadError).status ?? 400;
    case 'WEBHOOK_VERIFICATION_FAILED':
      return (error as WebhookVerificationError).reason === 'invalid-token' ? 403 : 401;
    default:
      return 500;
  }
}

/** Options of `verifySharedSecret()`. */
export interface VerifySharedSecretOptions {
  /** The secret the brand configured with the network. */
  secret: string | Uint8Array;
  /** The header's value as received; `null`/`undefined` when the header was absent. */
  given: string | null | undefined;
  /** Used in messages, e.g. `X-Telegram-Bot-Api-Secret-Token`. */
  headerName?: string;
}

/** A fixed key: the HMACs below only make both sides the same length before comparing. */
const SHARED_SECRET_DIGEST_KEY = 'social-crm shared-secret comparison';

/**
 * Verifies a shared secret the network echoes in a header on every delivery (the `shared-secret`
 * webhook authentication). Both values are digested before the constant-time comparison, so
 * neither the secret's length nor a matching prefix shows in the timing. The secret does not
 * cover the body: use it only where the network offers nothing stronger.
 * @param implementation @internal Pins the implementation; tests use it to check the fallback.
 * @throws WebhookVerificationError `missing-signature` (no header) or `invalid-signature` (a different secret).
 */
export async function verifySharedSecret(options: VerifySharedSecretOptions, implementation: CryptoImplementation = defaultCryptoImplementation()): Promise<void> {
  const header = options.headerName ?? 'secret header';
  if (!options.given) {
    throw new WebhookVerificationError('missing-signature', `The ${header} is missing; the request was not stored.`);
  }
  const [given, expected] = await Promise.all([
    hmac('SHA-256', SHARED_SECRET_DIGEST_KEY, options.given, implementation),
    hmac('SHA-256', SHARED_SECRET_DIGEST_KEY, options.secret, implementation),
  ]);
  if (!bytesEqual(given, expected, implementation)) {
    throw new WebhookVerificationError('invalid-signature', `The ${header} does not match the configured secret; the request was not stored.`);
  }
}
