import * as z from 'zod';

/*
 * Minimal schemas for the YouTube Data API v3 resources the adapter reads (field names as in the
 * API reference and its discovery document). Unknown fields are dropped, so new fields on
 * YouTube's side never break parsing.
 */

/** `comment.snippet`. */
export const youtubeCommentSnippetSchema = z.object({
  channelId: z.string().optional(),
  videoId: z.string().optional(),
  textDisplay: z.string().optional(),
  textOriginal: z.string().optional(),
  parentId: z.string().optional(),
  authorDisplayName: z.string().optional(),
  authorProfileImageUrl: z.string().optional(),
  authorChannelUrl: z.string().optional(),
  authorChannelId: z.object({ value: z.string() }).optional(),
  likeCount: z.number().int().nonnegative().optional(),
  moderationStatus: z.string().optional(),
  publishedAt: z.string(),
  updatedAt: z.string().optional(),
});

/** A `youtube#comment` resource. */
export const youtubeCommentSchema = z.object({
  kind: z.string().optional(),
  id: z.string().min(1),
  snippet: youtubeCommentSnippetSchema,
});
export type YouTubeComment = z.output<typeof youtubeCommentSchema>;

/** A `youtube#commentThread` resource (`part=snippet,replies`). */
export const youtubeCommentThreadSchema = z.object({
  kind: z.string().optional(),
  id: z.string().min(1),
  snippet: z.object({
    channelId: z.string().optional(),
    videoId: z.string().optional(),
    topLevelComment: youtubeCommentSchema,
    canReply: z.boolean().optional(),
    totalReplyCount: z.number().int().nonnegative().optional(),
    isPublic: z.boolean().optional(),
  }),
  /** A subset of the replies (YouTube returns at most a few); `comments.list` has them all. */
  replies: z.object({ comments: z.array(z.unknown()).default([]) }).optional(),
});
export type YouTubeCommentThread = z.output<typeof youtubeCommentThreadSchema>;

/** `commentThreads.list` and `comments.list` responses; items are checked one by one. */
export const youtubeListResponseSchema = z.object({
  kind: z.string().optional(),
  nextPageToken: z.string().optional(),
  pageInfo: z.object({ totalResults: z.number().optional(), resultsPerPage: z.number().optional() }).optional(),
  items: z.array(z.unknown()).default([]),
});

/** Google's error envelope: `{ error: { code, message, errors: [{ message, domain, reason }], status } }`. */
export const youtubeErrorBodySchema = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    errors: z.array(z.object({ message: z.string().optional(), domain: z.string().optional(), reason: z.string().optional() })).optional(),
  }),
});
