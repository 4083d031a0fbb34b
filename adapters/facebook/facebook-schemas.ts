import * as z from 'zod';

/*
 * Minimal schemas for what the Page `feed` webhook field and the Graph answers carry: only the
 * fields the adapter reads. Field names are Meta's wire names.
 */

const numeric = z.union([z.number(), z.string()]);

/** The `value` of a `changes[]` item with `field: "feed"`. */
export const feedValueSchema = z.looseObject({
  /** `status`, `photo`, `video`, `share`, `post`, `comment`, `reaction`, `like` ... */
  item: z.string().min(1),
  /** `add`, `edited`, `remove`, `hide` ... */
  verb: z.string().min(1),
  from: z.object({ id: z.string().min(1), name: z.string().optional() }).optional(),
  /** Older payloads name the author with `sender_id`/`sender_name` instead of `from`. */
  sender_id: numeric.optional(),
  sender_name: z.string().optional(),
  post_id: z.string().optional(),
  comment_id: z.string().optional(),
  parent_id: z.string().optional(),
  photo_id: z.string().optional(),
  video_id: z.string().optional(),
  /** Epoch seconds. */
  created_time: numeric.optional(),
  edited_time: numeric.optional(),
  message: z.string().optional(),
  /** The photo or video file of a photo/video post, or the shared URL of a share. */
  link: z.string().optional(),
  /** A photo or video attached to a comment. */
  photo: z.string().optional(),
  video: z.string().optional(),
  /** Every photo of a multi-photo post. */
  photos: z.array(z.string()).optional(),
  /** `like`, `love`, `care`, `haha`, `wow`, `sad`, `angry` (reactions). */
  reaction_type: z.string().optional(),
  published: z.union([z.number(), z.boolean()]).optional(),
  post: z.object({ permalink_url: z.string().optional(), status_type: z.string().optional() }).optional(),
});
export type FeedValue = z.output<typeof feedValueSchema>;
