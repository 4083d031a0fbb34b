import * as z from 'zod';
import { ChannelApiError, UnsupportedCapabilityError } from 'social-crm';
import {
  assertAttachmentSize,
  checkAttachmentDigest,
  fetchAttachmentUrl,
  readAttachmentBody,
  type AdapterContext,
  type AttachmentContent,
  type FetchAttachmentRequest,
} from 'social-crm/adapter-kit';
import { createGraphApi, describeIssues, toMetaSendError } from '../_shared/meta/index.js';

/** `GET /{media-id}`: a download URL valid for about five minutes, with the file's type, size and SHA-256 (hex). */
const mediaUrlSchema = z.looseObject({
  url: z.string().url(),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  file_size: z.coerce.number().int().nonnegative().optional(),
  id: z.string().optional(),
});

/** What {@link fetchWhatsappMedia} needs from the adapter's settings. */
export interface FetchMediaSettings {
  adapterId: string;
  phoneNumberId: string;
  accessToken: string;
  graphVersion: string;
  graphBaseUrl: string;
}

/**
 * Downloads an inbound WhatsApp media item: `GET /{media-id}?phone_number_id=…` for a fresh
 * download URL, then `GET` that URL with the same bearer token. The size Graph announces is
 * checked against `maxBytes` before downloading, and the bytes against the announced SHA-256.
 * Attachments without a media id (a link the brand sent) are fetched by URL.
 */
export async function fetchWhatsappMedia(request: FetchAttachmentRequest, context: AdapterContext, settings: FetchMediaSettings): Promise<AttachmentContent> {
  const { attachment } = request;
  const mediaId = typeof attachment.data?.mediaId === 'string' ? attachment.data.mediaId : undefined;
  if (!mediaId) {
    if (attachment.url?.startsWith('https://')) return fetchAttachmentUrl(settings.adapterId, request, context);
    throw new UnsupportedCapabilityError(settings.adapterId, 'fetchAttachment', `This ${attachment.type} attachment has neither a WhatsApp media id nor an https URL; there is nothing to download.`);
  }
  const graph = createGraphApi(context, settings);
  const answer = mediaUrlSchema.safeParse(await graph.get(encodeURIComponent(mediaId), { phone_number_id: settings.phoneNumberId }));
  if (!answer.success) {
    throw new ChannelApiError(`Graph answered the media look-up for ${mediaId} without a readable download URL: ${describeIssues(answer.error)}.`, {
      adapterId: settings.adapterId,
      method: 'GET',
      url: graph.url(mediaId),
      isRetryable: false,
    });
  }
  const media = answer.data;
  const target = { adapterId: settings.adapterId, url: media.url };
  assertAttachmentSize(media.file_size, { ...target, maxBytes: request.maxBytes });
  let response: Response;
  try {
    response = await context.http.get(media.url, { headers: { authorization: `Bearer ${settings.accessToken}` }, ...(context.signal ? { signal: context.signal } : {}) });
  } catch (error) {
    throw await toMetaSendError(error, settings.adapterId, () => context.now().getTime());
  }
  const body = await readAttachmentBody(response, { ...target, maxBytes: request.maxBytes });
  const announced = media.sha256 ?? (typeof attachment.data?.sha256 === 'string' ? attachment.data.sha256 : undefined);
  const sha256 = await checkAttachmentDigest(body, announced, target);
  const mimeType = media.mime_type ?? attachment.mimeType;
  return {
    body,
    size: body.byteLength,
    sha256,
    ...(mimeType ? { mimeType } : {}),
    ...(attachment.name ? { name: attachment.name } : {}),
  };
}
