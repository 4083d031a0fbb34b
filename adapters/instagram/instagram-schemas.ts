import * as z from 'zod';

/*
 * Minimal schemas for the Instagram webhook fields and Graph answers the adapter reads. Field
 * names are Meta's wire names; unknown fields are dropped.
 */

/** The `value` of a `comments` (or `live_comments`) change. */
export const commentValueSchema = z.looseObject({
  /** The comment id (Instagram Login examples); Facebook Login examples name it `comment_id`. */
  id: z.string().min(1).optional(),
  comment_id: z.string().min(1).optional(),
  text: z.string().optional(),
  /** Present when the comment answers another comment. */
  parent_id: z.string().optional(),
  from: z.object({ id: z.string().min(1), username: z.string().optional() }).optional(),
  media: z
    .object({
      id: z.string().min(1),
      media_product_type: z.string().optional(),
      ad_id: z.string().optional(),
      ad_title: z.string().optional(),
      original_media_id: z.string().optional(),
    })
    .optional(),
});
export type CommentValue = z.output<typeof commentValueSchema>;

/** The `value` of a `mentions` change: ids only; the content is fetched. */
export const mentionValueSchema = z.object({
  media_id: z.string().min(1),
  comment_id: z.string().min(1).optional(),
});
export type MentionValue = z.output<typeof mentionValueSchema>;

/** `GET /{ig-user-id}?fields=mentioned_comment.comment_id(…){…}` or `mentioned_media.media_id(…){…}`. */
export const mentionLookupSchema = z.object({
  mentioned_comment: z
    .object({
      id: z.string(),
      text: z.string().optional(),
      timestamp: z.string().optional(),
      username: z.string().optional(),
      from: z.object({ id: z.string(), username: z.string().optional() }).optional(),
      media: z.object({ id: z.string(), permalink: z.string().optional() }).optional(),
    })
    .optional(),
  mentioned_media: z
    .object({
      id: z.string(),
      caption: z.string().optional(),
      timestamp: z.string().optional(),
      username: z.string().optional(),
      permalink: z.string().optional(),
      media_type: z.string().optional(),
      media_url: z.string().optional(),
    })
    .optional(),
});
export type MentionLookup = z.output<typeof mentionLookupSchema>;
