import * as z from 'zod';

/*
 * Minimal schemas for the payloads X sends: only the fields the adapter reads. Unknown fields
 * are dropped by zod, so new fields on X's side never break parsing. Field names are X's wire
 * names (data dictionary and `latest-openapi.json`), not the renamed SDK model.
 */

const numeric = z.union([z.string(), z.number()]);

// ---------------------------------------------------------------------------------------------
// API v2 (polling, X Activity API webhooks, POST responses)
// ---------------------------------------------------------------------------------------------

/** A v2 User as expanded in `includes.users`. */
export const xUserSchema = z.object({
  id: z.string(),
  username: z.string().optional(),
  name: z.string().optional(),
  verified: z.boolean().optional(),
  profile_image_url: z.string().optional(),
  location: z.string().optional(),
  public_metrics: z.object({ followers_count: z.number().optional() }).optional(),
});
export type XUser = z.output<typeof xUserSchema>;

/** A v2 Post (Tweet). */
export const xTweetSchema = z.object({
  id: z.string(),
  text: z.string().default(''),
  author_id: z.string().optional(),
  conversation_id: z.string().optional(),
  created_at: z.string().optional(),
  in_reply_to_user_id: z.string().optional(),
  lang: z.string().optional(),
  edit_history_tweet_ids: z.array(z.string()).optional(),
  referenced_tweets: z.array(z.object({ type: z.string(), id: z.string() })).optional(),
  public_metrics: z
    .object({
      retweet_count: z.number().optional(),
      reply_count: z.number().optional(),
      like_count: z.number().optional(),
      quote_count: z.number().optional(),
      impression_count: z.number().optional(),
    })
    .optional(),
  entities: z
    .object({
      hashtags: z.array(z.object({ tag: z.string() })).optional(),
      mentions: z.array(z.object({ username: z.string(), id: z.string().optional() })).optional(),
      urls: z.array(z.object({ expanded_url: z.string().optional(), url: z.string().optional() })).optional(),
    })
    .optional(),
});
export type XTweet = z.output<typeof xTweetSchema>;

/** `GET /2/users/:id/mentions` and `GET /2/tweets/search/recent`. Items are checked one by one. */
export const xTimelineResponseSchema = z.object({
  data: z.array(z.unknown()).optional(),
  includes: z.object({ users: z.array(z.unknown()).optional() }).optional(),
  meta: z
    .object({
      newest_id: z.string().optional(),
      oldest_id: z.string().optional(),
      result_count: z.number().optional(),
      next_token: z.string().optional(),
    })
    .optional(),
  errors: z.array(z.object({ title: z.string().optional(), detail: z.string().optional(), message: z.string().optional() })).optional(),
});

/** `POST /2/tweets` → `{ data: { id, text, edit_history_tweet_ids } }`. */
export const xCreateTweetResponseSchema = z.object({
  data: z.object({ id: z.string(), text: z.string().optional(), edit_history_tweet_ids: z.array(z.string()).optional() }),
});

/** `POST /2/dm_conversations/with/:participant_id/messages` → `{ data: { dm_conversation_id, dm_event_id } }`. */
export const xCreateDmResponseSchema = z.object({
  data: z.object({ dm_conversation_id: z.string(), dm_event_id: z.string() }),
});

/** X's error bodies: problem+json (`title`, `detail`, `type`) and the legacy `errors[]`. */
export const xErrorBodySchema = z.object({
  title: z.string().optional(),
  detail: z.string().optional(),
  type: z.string().optional(),
  errors: z
    .array(
      z.object({
        code: numeric.optional(),
        message: z.string().optional(),
        title: z.string().optional(),
        detail: z.string().optional(),
        type: z.string().optional(),
      }),
    )
    .optional(),
});

/** X Activity API envelope: `{ data: { event_uuid, event_type, filter, payload, includes } }`. */
export const xActivityEnvelopeSchema = z.object({
  data: z.object({
    event_uuid: z.string().optional(),
    event_type: z.string(),
    filter: z.object({ user_id: z.string().optional() }).optional(),
    payload: z.unknown(),
    includes: z.object({ users: z.array(z.unknown()).optional() }).optional(),
  }),
});

/** X Activity API `post.delete` payload. */
export const xActivityDeleteSchema = z.object({ id: z.string(), author_id: z.string().optional() });

// ---------------------------------------------------------------------------------------------
// Account Activity API (v1.1 objects inside the AAA envelope)
// ---------------------------------------------------------------------------------------------

/** A v1.1 User (inside Tweets) or an entry of the `users` map of DM deliveries. */
export const aaaUserSchema = z.object({
  id_str: z.string().optional(),
  id: numeric.optional(),
  screen_name: z.string().optional(),
  name: z.string().optional(),
  verified: z.boolean().optional(),
  followers_count: z.number().optional(),
  profile_image_url_https: z.string().optional(),
  location: z.string().nullable().optional(),
});
export type AaaUser = z.output<typeof aaaUserSchema>;

const aaaEntitiesSchema = z.object({
  hashtags: z.array(z.object({ text: z.string() })).optional(),
  user_mentions: z.array(z.object({ screen_name: z.string(), id_str: z.string().optional() })).optional(),
  urls: z.array(z.object({ expanded_url: z.string().nullable().optional() })).optional(),
});

/** A v1.1 Tweet, as in `tweet_create_events[]` and `favorite_events[].favorited_status`. */
export const aaaTweetSchema = z.object({
  id_str: z.string(),
  text: z.string().optional(),
  full_text: z.string().optional(),
  truncated: z.boolean().optional(),
  extended_tweet: z.object({ full_text: z.string(), entities: aaaEntitiesSchema.optional() }).optional(),
  created_at: z.string().optional(),
  timestamp_ms: numeric.optional(),
  lang: z.string().nullable().optional(),
  user: aaaUserSchema,
  in_reply_to_status_id_str: z.string().nullable().optional(),
  in_reply_to_user_id_str: z.string().nullable().optional(),
  is_quote_status: z.boolean().optional(),
  quoted_status_id_str: z.string().nullable().optional(),
  retweeted_status: z.object({ id_str: z.string() }).nullable().optional(),
  entities: aaaEntitiesSchema.optional(),
  edit_history: z.object({ initial_tweet_id: z.string().optional(), edit_tweet_ids: z.array(z.string()).optional() }).optional(),
  favorite_count: z.number().nullable().optional(),
  retweet_count: z.number().optional(),
  reply_count: z.number().optional(),
  quote_count: z.number().optional(),
});
export type AaaTweet = z.output<typeof aaaTweetSchema>;

/** `favorite_events[]`. */
export const aaaFavoriteEventSchema = z.object({
  id: z.string(),
  created_at: z.string().optional(),
  timestamp_ms: numeric.optional(),
  favorited_status: aaaTweetSchema,
  user: aaaUserSchema,
});
export type AaaFavoriteEvent = z.output<typeof aaaFavoriteEventSchema>;

/** `direct_message_events[]` (only `message_create` carries a message). */
export const aaaDirectMessageEventSchema = z.object({
  type: z.string(),
  id: z.string(),
  created_timestamp: numeric,
  message_create: z
    .object({
      target: z.object({ recipient_id: z.string() }),
      sender_id: z.string(),
      message_data: z.object({
        text: z.string().default(''),
        entities: aaaEntitiesSchema.optional(),
        attachment: z.object({ type: z.string(), media: z.object({ media_url_https: z.string().optional(), type: z.string().optional() }).optional() }).optional(),
      }),
    })
    .optional(),
});
export type AaaDirectMessageEvent = z.output<typeof aaaDirectMessageEventSchema>;

/** `tweet_delete_events[]`. */
export const aaaTweetDeleteEventSchema = z.object({
  status: z.object({ id: z.string(), user_id: z.string().optional() }),
  timestamp_ms: numeric,
});

/** `direct_message_mark_read_events[]`. */
export const aaaMarkReadEventSchema = z.object({
  created_timestamp: numeric,
  sender_id: z.string(),
  target: z.object({ recipient_id: z.string() }),
  last_read_event_id: z.string(),
});

/** The Account Activity envelope: `for_user_id` plus one or more `*_events` arrays. */
export const aaaEnvelopeSchema = z.object({
  for_user_id: z.string().optional(),
  users: z.record(z.string(), z.unknown()).optional(),
});
