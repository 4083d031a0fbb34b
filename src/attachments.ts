/**
 * Downloading inbound attachments: the size guard, the checksum and the plain-URL fetch the
 * core falls back to when an adapter has no `doFetchAttachment`.
 *
 * @module
 */
import type { AdapterContext, AttachmentContent, FetchAttachmentRequest } from './adapter.js';
import { ChannelApiError } from './errors.js';
import type { Attachment } from './interaction.js';
import { toChannelApiError } from './http.js';
import { decodeBase64 } from './_base64.js';
import { readStreamWithin, toHex } from './webhook.js';

/** The largest attachment `fetchAttachment` downloads unless told otherwise (WhatsApp's document limit). */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;

/** Attachment types that are files; a location, contact or link has nothing to download. */
const FILE_TYPES: ReadonlySet<Attachment['type']> = new Set(['image', 'video', 'audio', 'file', 'sticker', 'other']);

/** Whether an attachment is a file (not a location, contact or link). */
export function isFileAttachment(attachment: Attachment): boolean {
  return FILE_TYPES.has(attachment.type);
}

/** Lower-case hex SHA-256 of some bytes. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource)));
}

function tooLarge(adapterId: string, url: string, size: number | undefined, maxBytes: number): ChannelApiError {
  return new ChannelApiError(`The attachment is ${size === undefined ? 'over' : `${size} bytes,`} above the ${maxBytes}-byte limit; pass a larger \`maxBytes\` to download it.`, {
    adapterId,
    method: 'GET',
    url,
    isRetryable: false,
  });
}

/**
 * Refuses a download whose announced size (from the network's metadata) is over `maxBytes`,
 * before any byte is fetched.
 * @throws ChannelApiError (not retryable)
 */
export function assertAttachmentSize(size: number | undefined, options: { adapterId: string; url: string; maxBytes: number }): void {
  if (size !== undefined && Number.isFinite(size) && size > options.maxBytes) throw tooLarge(options.adapterId, options.url, size, options.maxBytes);
}

/**
 * Reads a download's body without holding more than `maxBytes`: refuses at once when
 * `Content-Length` is larger, and stops reading when the body grows past the limit.
 * @throws ChannelApiError (not retryable) when the body is too large.
 */
export async function readAttachmentBody(response: Response, options: { adapterId: string; url: string; maxBytes: number }): Promise<Uint8Array> {
  const { adapterId, url, maxBytes } = options;
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  try {
    assertAttachmentSize(declared, options);
  } catch (error) {
    // Not awaited: some fetch implementations never settle cancel() on mocked bodies.
    void response.body?.cancel().catch(() => undefined);
    throw error;
  }
  return readStreamWithin(response.body, maxBytes, () => tooLarge(adapterId, url, undefined, maxBytes));
}

/** A base64 digest as hex; text that is not base64 stays as it is (and so differs from any digest). */
function base64AsHex(text: string): string {
  try {
    return toHex(decodeBase64(text));
  } catch {
    return text;
  }
}

/**
 * Checks a download against the digest the network announced (hex or base64 SHA-256).
 * @throws ChannelApiError (retryable: the next download may be whole) when they differ.
 */
export async function checkAttachmentDigest(body: Uint8Array, expected: string | undefined, options: { adapterId: string; url: string }): Promise<string> {
  const actual = await sha256Hex(body);
  if (expected === undefined || expected === '') return actual;
  const expectedHex = /^[0-9a-f]{64}$/i.test(expected) ? expected.toLowerCase() : base64AsHex(expected);
  if (expectedHex !== actual) {
    throw new ChannelApiError(`The downloaded attachment's SHA-256 (${actual}) differs from the one the network announced (${expectedHex}); the download was cut short or changed.`, {
      adapterId: options.adapterId,
      method: 'GET',
      url: options.url,
      isRetryable: true,
    });
  }
  return actual;
}

/**
 * The core's download of an attachment with a plain `https` URL (Messenger and Instagram CDN
 * links, X media): one GET through the adapter's HTTP client, size-guarded.
 */
export async function fetchAttachmentUrl(adapterId: string, request: FetchAttachmentRequest, context: AdapterContext): Promise<AttachmentContent> {
  const url = request.attachment.url ?? '';
  let response: Response;
  try {
    response = await context.http.get(url, context.signal ? { signal: context.signal } : {});
  } catch (error) {
    throw await toChannelApiError(adapterId, error);
  }
  const body = await readAttachmentBody(response, { adapterId, url, maxBytes: request.maxBytes });
  const mimeType = request.attachment.mimeType ?? response.headers.get('content-type')?.split(';')[0]?.trim();
  return {
    body,
    size: body.byteLength,
    sha256: await sha256Hex(body),
    ...(mimeType ? { mimeType } : {}),
    ...(request.attachment.name ? { name: request.attachment.name } : {}),
  };
}
