import * as z from 'zod';
import { InvalidPayloadError, type Attachment, type InteractionInput } from 'social-crm';
import type { AdapterWarning, ChannelEvent, PollRequest, PollResult, RejectedItem } from 'social-crm/adapter-kit';
import { compactJson, metaTime } from '../_shared/meta/messaging-events.js';
import type { GraphApi } from '../_shared/meta/meta-graph.js';
import { describeIssues } from '../_shared/meta/meta-webhook.js';
import { feedIdentity } from './normalize.js';

/*
 * Backfill of the Page feed: `GET /{page-id}/feed` newest first, with each post's comments
 * (all levels, `filter(stream)`) embedded. A run pages back with `paging.cursors.after`; when its
 * last page is stored, the newest `created_time` of its first page becomes the next run's `since`.
 */

const person = z.object({ id: z.string().min(1), name: z.string().optional() });
const graphAttachmentSchema = z.object({
  type: z.string().optional(),
  media_type: z.string().optional(),
  url: z.string().optional(),
  media: z.object({ image: z.object({ src: z.string() }).optional(), source: z.string().optional() }).optional(),
});

const graphCommentSchema = z.object({
  id: z.string().min(1),
  message: z.string().optional(),
  created_time: z.string().optional(),
  from: person.optional(),
  parent: z.object({ id: z.string() }).optional(),
  permalink_url: z.string().optional(),
  attachment: graphAttachmentSchema.optional(),
});

const pagingSchema = z.object({
  cursors: z.object({ before: z.string().optional(), after: z.string().optional() }).optional(),
  next: z.string().optional(),
});

const graphPostSchema = z.object({
  id: z.string().min(1),
  message: z.string().optional(),
  created_time: z.string().optional(),
  from: person.optional(),
  permalink_url: z.string().optional(),
  status_type: z.string().optional(),
  attachments: z.object({ data: z.array(graphAttachmentSchema) }).optional(),
  comments: z.object({ data: z.array(z.unknown()), paging: pagingSchema.optional() }).optional(),
});
type GraphPost = z.output<typeof graphPostSchema>;

const feedPageSchema = z.object({ data: z.array(z.unknown()), paging: pagingSchema.optional() });

/** The fields asked of `/{page-id}/feed`. */
export const FEED_FIELDS = [
  'id',
  'message',
  'created_time',
  'from{id,name}',
  'permalink_url',
  'status_type',
  'attachments{type,media_type,url,media}',
  'comments.filter(stream).limit(100){id,message,created_time,from{id,name},parent{id},permalink_url,attachment}',
].join(',');

const cursorSchema = z.object({
  v: z.literal(1),
  /** Epoch seconds: posts created since then are fetched by the next run. */
  since: z.number().optional(),
  /** `paging.cursors.after` of the run in progress. */
  after: z.string().optional(),
  /** Newest `created_time` of the run in progress (epoch seconds). */
  runNewest: z.number().optional(),
});
type FeedCursor = z.output<typeof cursorSchema>;

/** What the feed poll needs from the adapter. */
export interface FeedPollSettings {
  channel: string;
  pageId: string;
  /** Posts per page. */
  pageSize: number;
}

function toAttachment(attachment: z.output<typeof graphAttachmentSchema>): Attachment | undefined {
  const kind = (attachment.media_type ?? attachment.type ?? '').toLowerCase();
  const image = attachment.media?.image?.src;
  if (kind.includes('video')) return { type: 'video', ...(attachment.media?.source ?? attachment.url ? { url: (attachment.media?.source ?? attachment.url)! } : {}) };
  if (kind.includes('photo') || kind.includes('album') || kind === 'sticker') return image ?? attachment.url ? { type: 'image', url: (image ?? attachment.url)! } : undefined;
  return attachment.url ? { type: 'link', url: attachment.url } : undefined;
}

function postInteraction(post: GraphPost, settings: FeedPollSettings, now: Date): InteractionInput {
  return {
    channel: settings.channel,
    nativeId: post.id,
    kind: 'post',
    visibility: 'public',
    author: feedIdentity(settings.channel, settings.pageId, post.from, post.id),
    conversationId: post.id,
    recipientId: settings.pageId,
    text: post.message ?? '',
    createdAt: metaTime(post.created_time, now),
    ...(post.permalink_url ? { url: post.permalink_url } : {}),
    attachments: (post.attachments?.data ?? []).flatMap((attachment) => toAttachment(attachment) ?? []),
    channelMetadata: { [settings.channel]: compactJson({ source: 'poll', postId: post.id, statusType: post.status_type }) },
    raw: post,
  };
}

function commentInteraction(comment: z.output<typeof graphCommentSchema>, post: GraphPost, settings: FeedPollSettings, now: Date): InteractionInput {
  const parentId = comment.parent?.id ?? post.id;
  const attachment = comment.attachment ? toAttachment(comment.attachment) : undefined;
  return {
    channel: settings.channel,
    nativeId: comment.id,
    kind: comment.parent ? 'reply' : 'comment',
    visibility: 'public',
    author: feedIdentity(settings.channel, settings.pageId, comment.from, comment.id),
    conversationId: post.id,
    parentId,
    recipientId: settings.pageId,
    text: comment.message ?? '',
    createdAt: metaTime(comment.created_time, now),
    ...(comment.permalink_url ? { url: comment.permalink_url } : {}),
    attachments: attachment ? [attachment] : [],
    channelMetadata: { [settings.channel]: compactJson({ source: 'poll', postId: post.id, commentId: comment.id, parentId: comment.parent?.id }) },
    raw: comment,
  };
}

function readCursor(cursor: string | undefined, warnings: AdapterWarning[]): FeedCursor {
  if (!cursor) return { v: 1 };
  try {
    return cursorSchema.parse(JSON.parse(cursor));
  } catch {
    warnings.push({ type: 'malformed', message: 'The saved feed cursor could not be read; the backfill starts over (stored items are skipped as duplicates).', details: { cursor } });
    return { v: 1 };
  }
}

function epochSeconds(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const at = Date.parse(metaTime(value, new Date(0)));
  return at > 0 ? Math.floor(at / 1000) : undefined;
}

/**
 * One page of the feed backfill. Posts come newest first; each post is followed by its comments
 * (oldest first, so a reply finds its parent). Posts with more comments than one embedded page
 * are reported with a warning: their later comments arrive by webhook.
 */
export async function pollFeedPage(graph: GraphApi, settings: FeedPollSettings, request: PollRequest, now: Date): Promise<PollResult> {
  const warnings: AdapterWarning[] = [];
  const rejected: RejectedItem[] = [];
  const state = readCursor(request.cursor, warnings);
  const searchParams: Record<string, string | number> = { fields: FEED_FIELDS, limit: Math.max(1, Math.min(request.limit ?? settings.pageSize, settings.pageSize)) };
  // Every page of a run keeps the run's `since`, as Graph's own `paging.next` does.
  if (state.since !== undefined) searchParams.since = state.since;
  if (state.after) searchParams.after = state.after;
  const body = await graph.get(`${settings.pageId}/feed`, searchParams);
  const page = feedPageSchema.safeParse(body);
  if (!page.success) {
    throw new InvalidPayloadError(`[${settings.channel}] GET ${graph.url(`${settings.pageId}/feed`)} answered a body that is not a feed page: ${describeIssues(page.error)}`);
  }
  const events: ChannelEvent[] = [];
  let newest = state.after ? state.runNewest : undefined;
  for (const candidate of page.data.data) {
    const post = graphPostSchema.safeParse(candidate);
    if (!post.success) {
      rejected.push({ payload: candidate, error: new Error(`[${settings.channel}] A feed post could not be read: ${describeIssues(post.error)}`) });
      continue;
    }
    const created = epochSeconds(post.data.created_time);
    if (created !== undefined && (newest === undefined || created > newest)) newest = created;
    events.push({ type: 'interaction', interaction: postInteraction(post.data, settings, now) });
    const comments = post.data.comments?.data ?? [];
    const readable = comments.flatMap((item) => {
      const comment = graphCommentSchema.safeParse(item);
      if (comment.success) return [comment.data];
      rejected.push({ payload: item, error: new Error(`[${settings.channel}] A comment of ${post.data.id} could not be read: ${describeIssues(comment.error)}`) });
      return [];
    });
    readable.sort((first, second) => (first.created_time ?? '').localeCompare(second.created_time ?? ''));
    for (const comment of readable) events.push({ type: 'interaction', interaction: commentInteraction(comment, post.data, settings, now) });
    if (post.data.comments?.paging?.next) {
      warnings.push({ type: 'other', message: `Post ${post.data.id} has more than ${comments.length} comments; the backfill stored the first ${comments.length}, later ones arrive by webhook.`, details: { postId: post.data.id } });
    }
  }
  const after = page.data.paging?.next ? page.data.paging.cursors?.after : undefined;
  const next: FeedCursor = after
    ? { v: 1, ...(state.since !== undefined ? { since: state.since } : {}), after, ...(newest !== undefined ? { runNewest: newest } : {}) }
    : { v: 1, ...((newest ?? state.since) !== undefined ? { since: (newest ?? state.since)! } : {}) };
  return {
    events,
    cursor: JSON.stringify(next),
    hasMore: after !== undefined,
    ...(rejected.length ? { rejected } : {}),
    ...(warnings.length ? { warnings } : {}),
  };
}
