import {
  assertAttachmentSize,
  ChannelApiError,
  checkAttachmentDigest,
  readAttachmentBody,
  sha256Hex,
  toChannelApiError,
  UnsupportedCapabilityError,
  type AdapterContext,
  type AttachmentContent,
  type FetchAttachmentRequest,
} from 'social-crm/adapter-kit';
import { readMailgunError } from './send-reply.js';

/** What {@link fetchEmailAttachment} needs from the adapter's settings. */
export interface FetchSettings {
  adapterId: string;
  /** Needed for files of stored messages (Mailgun storage URLs take the API key). */
  apiKey?: string;
}

/** Mailgun keeps stored messages and their files on `storage-<region>.api.mailgun.net` hosts. */
function isMailgunStorage(url: URL): boolean {
  return url.protocol === 'https:' && /(^|\.)api\.(eu\.)?mailgun\.net$/.test(url.hostname);
}

/**
 * The bytes of an e-mail attachment: decoded from the copy kept at ingestion (checked against its
 * SHA-256), or downloaded from Mailgun's storage with the API key for a stored message's file
 * (Mailgun keeps those for 3 days).
 */
export async function fetchEmailAttachment(request: FetchAttachmentRequest, context: AdapterContext, settings: FetchSettings): Promise<AttachmentContent> {
  const { attachment, maxBytes } = request;
  const { adapterId } = settings;
  const data = attachment.data ?? {};
  const announcedSize = typeof data.size === 'number' ? data.size : undefined;
  const where = { adapterId, url: attachment.url ?? `${request.interaction.id}#${attachment.name ?? 'attachment'}`, maxBytes };
  assertAttachmentSize(announcedSize, where);
  if (typeof data.base64 === 'string') {
    const body = Uint8Array.from(atob(data.base64), (char) => char.charCodeAt(0));
    assertAttachmentSize(body.byteLength, where);
    const sha256 = await checkAttachmentDigest(body, typeof data.sha256 === 'string' ? data.sha256 : undefined, where);
    return { body, size: body.byteLength, sha256, ...(attachment.mimeType ? { mimeType: attachment.mimeType } : {}), ...(attachment.name ? { name: attachment.name } : {}) };
  }
  const url = attachment.url ? new URL(attachment.url) : undefined;
  if (!url || !isMailgunStorage(url)) {
    throw new UnsupportedCapabilityError(
      adapterId,
      'fetchAttachment',
      'The bytes of this attachment were not kept: it was larger than `maxInlineAttachmentBytes` when it arrived. Route mail with `store(notify=…)` to keep large files at Mailgun for 3 days.',
    );
  }
  if (!settings.apiKey) {
    throw new ChannelApiError('Downloading a file Mailgun stored needs the adapter option `apiKey`.', { adapterId, method: 'GET', url: url.href, isRetryable: false });
  }
  let response: Response;
  try {
    response = await context.http.get(url.href, {
      headers: { authorization: `Basic ${btoa(`api:${settings.apiKey}`)}` },
      ...(context.signal ? { signal: context.signal } : {}),
    });
  } catch (error) {
    throw await toChannelApiError(adapterId, error, readMailgunError);
  }
  const body = await readAttachmentBody(response, { ...where, url: url.href });
  const mimeType = attachment.mimeType ?? response.headers.get('content-type')?.split(';')[0]?.trim();
  return { body, size: body.byteLength, sha256: await sha256Hex(body), ...(mimeType ? { mimeType } : {}), ...(attachment.name ? { name: attachment.name } : {}) };
}
