/**
 * Attachment downloads: through the adapter when the network keeps files behind an id or an
 * authenticated URL, else one GET of a plain https URL.
 *
 * @internal
 * @module
 */
import type { AttachmentContent } from '../adapter.js';
import { DEFAULT_MAX_ATTACHMENT_BYTES, fetchAttachmentUrl, isFileAttachment } from '../attachments.js';
import { InvalidOptionsError, NotFoundError, UnsupportedCapabilityError } from '../errors.js';
import type { PipelineContext } from './context.js';
import { abortedOr, throwIfAborted, withSignal, type AbortOptions } from '../_abort.js';
import { checkOptionKeys } from '../_options.js';

/** Options of {@link SocialCrm.fetchAttachment}. */
export interface FetchAttachmentOptions extends AbortOptions {
  /** Largest download accepted. @default 100 MB */
  maxBytes?: number;
}

const OPERATION = 'crm.fetchAttachment()';

export async function fetchAttachment(context: PipelineContext, id: string, index: number, options: FetchAttachmentOptions): Promise<AttachmentContent> {
  checkOptionKeys(OPERATION, options, ['maxBytes', 'signal']);
  const { signal } = options;
  throwIfAborted(signal, OPERATION);
  try {
    return await download(context, id, index, options.maxBytes, signal);
  } catch (error) {
    throw abortedOr(error, signal, OPERATION);
  }
}

async function download(context: PipelineContext, id: string, index: number, maxBytesOption: number | undefined, signal: AbortSignal | undefined): Promise<AttachmentContent> {
  const target = await context.ledger.getInteraction(id);
  if (!target) throw new NotFoundError('Interaction', id);
  const attachment = target.attachments[index];
  if (!attachment) throw new NotFoundError('Attachment', `${id}#${index}`);
  const { adapter, context: shared } = context.adapter(target.channel);
  const adapterContext = withSignal(shared, signal);
  const maxBytes = maxBytesOption ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw new InvalidOptionsError('fetchAttachment() `maxBytes` must be a positive whole number of bytes.', [{ path: 'maxBytes', message: 'must be a positive integer' }]);
  }
  const request = { interaction: target, attachment, maxBytes };
  if (!isFileAttachment(attachment)) {
    throw new UnsupportedCapabilityError(adapter.id, 'fetchAttachment', `Attachment ${index} of \`${id}\` is a ${attachment.type}, not a file; its details are in \`data\`.`);
  }
  if (adapter.doFetchAttachment) return adapter.doFetchAttachment(request, adapterContext);
  if (attachment.url?.startsWith('https://')) return fetchAttachmentUrl(adapter.id, request, adapterContext);
  throw new UnsupportedCapabilityError(adapter.id, 'fetchAttachment', `Attachment ${index} of \`${id}\` (${attachment.type}) has no https URL and the adapter cannot download it.`);
}
