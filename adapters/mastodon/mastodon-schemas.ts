import * as z from 'zod';

/*
 * Minimal schemas for the Mastodon REST entities the adapter reads (Notification, Status, Account,
 * MediaAttachment, as documented at docs.joinmastodon.org/entities). Unknown fields are dropped,
 * so newer servers never break parsing; fields older servers lack are optional.
 */

const nullableString = z.string().nullish().transform((value) => value ?? undefined);

/** An Account. `acct` is `user` on the same server and `user@domain` elsewhere. */
export const mastodonAccountSchema = z.object({
  id: z.string().min(1),
  username: z.string(),
  acct: z.string(),
  display_name: nullableString,
  url: nullableString,
  avatar: nullableString,
  bot: z.boolean().nullish(),
  followers_count: z.number().int().nonnegative().nullish(),
});
export type MastodonAccount = z.output<typeof mastodonAccountSchema>;

/** A MediaAttachment. */
export const mastodonMediaSchema = z.object({
  id: z.string(),
  type: z.string(),
  url: nullableString,
  remote_url: nullableString,
  preview_url: nullableString,
  description: nullableString,
});

/** A Status (a post). `content` is HTML. */
export const mastodonStatusSchema = z.object({
  id: z.string().min(1),
  uri: z.string(),
  url: nullableString,
  created_at: z.string(),
  edited_at: nullableString,
  in_reply_to_id: nullableString,
  in_reply_to_account_id: nullableString,
  visibility: z.enum(['public', 'unlisted', 'private', 'direct']).catch('public'),
  sensitive: z.boolean().nullish(),
  spoiler_text: nullableString,
  language: nullableString,
  content: z.string().default(''),
  account: mastodonAccountSchema,
  mentions: z.array(z.object({ id: z.string(), username: z.string(), acct: z.string(), url: nullableString })).default([]),
  media_attachments: z.array(mastodonMediaSchema).default([]),
  tags: z.array(z.object({ name: z.string() })).default([]),
  reblogs_count: z.number().int().nonnegative().nullish(),
  favourites_count: z.number().int().nonnegative().nullish(),
  replies_count: z.number().int().nonnegative().nullish(),
  /** Mastodon 4.5+: the post this one quotes. */
  quote: z.object({ state: z.string().optional(), quoted_status: z.object({ id: z.string() }).nullish() }).nullish(),
});
export type MastodonStatus = z.output<typeof mastodonStatusSchema>;

/** A Notification. `status` is present for mention, quote, favourite, reblog, poll, update … */
export const mastodonNotificationSchema = z.object({
  id: z.string().min(1),
  type: z.string(),
  created_at: z.string(),
  group_key: nullableString,
  account: mastodonAccountSchema,
  status: mastodonStatusSchema.nullish(),
});
export type MastodonNotification = z.output<typeof mastodonNotificationSchema>;

/** Mastodon's error body: `{ "error": "…", "error_description": "…" }`. */
export const mastodonErrorBodySchema = z.object({ error: z.string(), error_description: z.string().optional() });
