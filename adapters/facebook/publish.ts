import * as z from 'zod';
import { ChannelApiError, InvalidOptionsError, parseChannelOptions, type AdapterContext, type OutboundPost, type PublishResult } from 'social-crm/adapter-kit';
import type { AccountDirectory } from '../_shared/accounts/index.js';
import { graphOptionsFor, type MetaAccountCredentials } from '../_shared/meta/accounts.js';
import { createGraphApi, type GraphApiOptions } from '../_shared/meta/meta-graph.js';

/** Per-call options under `channelOptions.<adapter id>` of `crm.publish()`. */
const publishOptionsSchema = z.object({
  /** Publish now (`true`) or keep the post unpublished on the Page, e.g. for ads. @default true */
  published: z.boolean().optional(),
});

/** `POST /{page-id}/feed` answers `{ id }`; `POST /{page-id}/photos` answers `{ id, post_id }`. */
const feedAnswerSchema = z.object({ id: z.string().min(1) });
const photoAnswerSchema = z.object({ id: z.string().min(1), post_id: z.string().min(1) });

function readAnswer<Schema extends z.ZodType>(schema: Schema, body: unknown, adapterId: string, url: string): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ChannelApiError(`Graph accepted the post but its answer could not be read; check the Page before publishing again.`, {
    adapterId,
    method: 'POST',
    url,
    isRetryable: false,
    responseBody: JSON.stringify(body)?.slice(0, 4000),
  });
}

/**
 * Publishes on the Page: `POST /{page-id}/feed` with `message` and `link`, or, with one image,
 * `POST /{page-id}/photos` with its `url` and the text (and link) as `caption`. The post keeps the
 * `{page-id}_{post-id}` id that the `feed` webhook names its comments by. Needs a Page token with
 * `pages_manage_posts`.
 */
export async function publishFacebookPost(post: OutboundPost, context: AdapterContext, settings: { adapterId: string; pageId: string; graph: GraphApiOptions }): Promise<PublishResult> {
  const { adapterId, pageId } = settings;
  const options = parseChannelOptions(adapterId, publishOptionsSchema, post.channelOptions);
  if (post.media.length > 1 || post.media.some((item) => item.type !== 'image')) {
    throw new InvalidOptionsError(`[${adapterId}] The adapter publishes text, a link and at most one image per Page post.`);
  }
  const graph = createGraphApi(context, settings.graph);
  const published = options.published === undefined ? {} : { published: options.published };
  const image = post.media[0];
  if (image) {
    const path = `${pageId}/photos`;
    const caption = [post.text.trim(), post.link].filter(Boolean).join('\n\n');
    const answer = readAnswer(photoAnswerSchema, await graph.post(path, { url: image.url, ...(caption ? { caption } : {}), ...published }), adapterId, graph.url(path));
    return { nativeId: answer.post_id, createdAt: context.now().toISOString(), account: pageId, url: `https://www.facebook.com/${answer.post_id}`, channelMetadata: { account: pageId, photoId: answer.id } };
  }
  const path = `${pageId}/feed`;
  const answer = readAnswer(feedAnswerSchema, await graph.post(path, { ...(post.text.trim() ? { message: post.text } : {}), ...(post.link ? { link: post.link } : {}), ...published }), adapterId, graph.url(path));
  return { nativeId: answer.id, createdAt: context.now().toISOString(), account: pageId, url: `https://www.facebook.com/${answer.id}`, channelMetadata: { account: pageId } };
}

/**
 * Publishes as the Page the post names (`account`), through the adapter's accounts: the one Page of
 * a single-Page adapter, or any Page the host's resolver knows.
 */
export function publishOnPage(
  post: OutboundPost,
  context: AdapterContext,
  settings: { adapterId: string; pageId?: string; accounts: AccountDirectory<MetaAccountCredentials>; graphBase: Omit<GraphApiOptions, 'accessToken'> },
): Promise<PublishResult> {
  const { adapterId } = settings;
  if (settings.pageId && post.account && post.account !== settings.pageId) {
    throw new InvalidOptionsError(`[${adapterId}] The adapter posts on Page ${settings.pageId} with that Page's token, not on \`${post.account}\`; configure \`accounts\` to post on several Pages.`);
  }
  const pageId = settings.pageId ?? post.account;
  if (!pageId) throw new InvalidOptionsError(`[${adapterId}] Name the Page to post on as \`account\` (its numeric id).`);
  return settings.accounts.call(pageId, context, (account) => publishFacebookPost(post, context, { adapterId, pageId: account.accountId, graph: graphOptionsFor(settings.graphBase, account.credentials) }));
}
