import * as z from 'zod';
import { ChannelApiError, InvalidOptionsError, parseChannelOptions, type AdapterContext, type OutboundPost, type PublishResult } from 'social-crm/adapter-kit';
import type { AccountDirectory } from '../_shared/accounts/index.js';
import { graphOptionsFor, type MetaAccountCredentials } from '../_shared/meta/accounts.js';
import { createGraphApi, type GraphApi, type GraphApiOptions } from '../_shared/meta/meta-graph.js';

/** Per-call options under `channelOptions.<adapter id>` of `crm.publish()`. */
const publishOptionsSchema = z.object({
  /** How often the container's `status_code` is read while Instagram processes the media. @default 2000 */
  pollIntervalMs: z.number().int().min(1).max(60_000).default(2_000),
  /** How long to wait for the container before giving up (the container expires after 24 hours). @default 120000 */
  maxWaitMs: z.number().int().min(1).max(3_600_000).default(120_000),
});

const idSchema = z.object({ id: z.string().min(1) });
const containerStatusSchema = z.object({ status_code: z.enum(['EXPIRED', 'ERROR', 'FINISHED', 'IN_PROGRESS', 'PUBLISHED']), status: z.string().optional() });

/** Instagram keeps at most 2,200 characters of caption. */
const CAPTION_LIMIT = 2_200;

function readAnswer<Schema extends z.ZodType>(schema: Schema, body: unknown, adapterId: string, url: string, method: 'GET' | 'POST'): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ChannelApiError(`Graph answered ${url} with an unexpected body; check the account before publishing again.`, { adapterId, method, url, isRetryable: false, responseBody: JSON.stringify(body)?.slice(0, 4000) });
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/** Reads the container until Instagram has processed its media. */
async function awaitContainer(graph: GraphApi, containerId: string, adapterId: string, context: AdapterContext, options: { pollIntervalMs: number; maxWaitMs: number }): Promise<void> {
  const started = Date.now();
  for (;;) {
    const status = readAnswer(containerStatusSchema, await graph.get(containerId, { fields: 'status_code,status' }), adapterId, graph.url(containerId), 'GET');
    if (status.status_code === 'FINISHED') return;
    if (status.status_code !== 'IN_PROGRESS') {
      throw new ChannelApiError(`Instagram could not prepare the media (container ${containerId} is ${status.status_code}${status.status ? `: ${status.status}` : ''}).`, {
        adapterId,
        method: 'GET',
        url: graph.url(containerId),
        // The read answered 200 and nothing was published: not a send in doubt.
        status: 200,
        isRetryable: false,
        platformCode: status.status_code,
      });
    }
    if (Date.now() - started + options.pollIntervalMs > options.maxWaitMs) {
      throw new ChannelApiError(`Instagram was still processing the media of container ${containerId} after ${options.maxWaitMs} ms; nothing was published.`, { adapterId, method: 'GET', url: graph.url(containerId), status: 200, isRetryable: true });
    }
    await delay(options.pollIntervalMs, context.signal);
  }
}

/**
 * Publishes one image or video on the account: `POST /{ig-user-id}/media` makes a container
 * (`image_url`, or `video_url` with `media_type: REELS`, and the caption), its `status_code` is
 * read until `FINISHED`, then `POST /{ig-user-id}/media_publish` with `creation_id` publishes it.
 * The media id it answers is the id comment webhooks name the post by. The link goes in the
 * caption (Instagram does not make it clickable). Needs `instagram_content_publish`.
 */
export async function publishInstagramMedia(post: OutboundPost, context: AdapterContext, settings: { adapterId: string; accountId: string; graph: GraphApiOptions }): Promise<PublishResult> {
  const { adapterId, accountId } = settings;
  const options = parseChannelOptions(adapterId, publishOptionsSchema, post.channelOptions);
  if (post.media.length !== 1) throw new InvalidOptionsError(`[${adapterId}] An Instagram post needs exactly one image or video in \`media\`; got ${post.media.length}.`);
  const media = post.media[0]!;
  const caption = [post.text.trim(), post.link].filter(Boolean).join('\n\n');
  if (caption.length > CAPTION_LIMIT) throw new InvalidOptionsError(`[${adapterId}] Instagram keeps at most ${CAPTION_LIMIT} characters of caption; the post has ${caption.length}.`);
  const graph = createGraphApi(context, settings.graph);
  const mediaPath = `${accountId}/media`;
  const container = readAnswer(
    idSchema,
    await graph.post(mediaPath, { ...(media.type === 'video' ? { media_type: 'REELS', video_url: media.url } : { image_url: media.url }), ...(caption ? { caption } : {}), ...(media.altText && media.type === 'image' ? { alt_text: media.altText } : {}) }),
    adapterId,
    graph.url(mediaPath),
    'POST',
  );
  await awaitContainer(graph, container.id, adapterId, context, options);
  const publishPath = `${accountId}/media_publish`;
  const published = readAnswer(idSchema, await graph.post(publishPath, { creation_id: container.id }), adapterId, graph.url(publishPath), 'POST');
  return { nativeId: published.id, createdAt: context.now().toISOString(), account: accountId, channelMetadata: { account: accountId, containerId: container.id } };
}

/** Publishes as the account the post names: the adapter's one account, or any the host's resolver knows. */
export function publishOnInstagramAccount(
  post: OutboundPost,
  context: AdapterContext,
  settings: { adapterId: string; accountId?: string; accounts: AccountDirectory<MetaAccountCredentials>; graphBase: Omit<GraphApiOptions, 'accessToken'> },
): Promise<PublishResult> {
  const { adapterId } = settings;
  if (settings.accountId && post.account && post.account !== settings.accountId) {
    throw new InvalidOptionsError(`[${adapterId}] The adapter posts as Instagram account ${settings.accountId}, not \`${post.account}\`; configure \`accounts\` to post as several accounts.`);
  }
  const accountId = settings.accountId ?? post.account;
  if (!accountId) throw new InvalidOptionsError(`[${adapterId}] Name the Instagram account to post as with \`account\` (its numeric id).`);
  return settings.accounts.call(accountId, context, (account) => publishInstagramMedia(post, context, { adapterId, accountId: account.accountId, graph: graphOptionsFor(settings.graphBase, account.credentials) }));
}
