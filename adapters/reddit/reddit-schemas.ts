import * as z from 'zod';

/** A comment (`t1`), post (`t3`) or private message (`t4`) as listings return it; only the fields read. */
export const redditThingDataSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().regex(/^t[1-6]_[0-9a-z]+$/i, 'expected a fullname such as t1_abc'),
  author: z.string().nullish(),
  author_fullname: z.string().nullish(),
  body: z.string().nullish(),
  title: z.string().nullish(),
  selftext: z.string().nullish(),
  created_utc: z.number(),
  edited: z.union([z.boolean(), z.number()]).nullish(),
  parent_id: z.string().nullish(),
  link_id: z.string().nullish(),
  first_message_name: z.string().nullish(),
  subreddit: z.string().nullish(),
  subject: z.string().nullish(),
  dest: z.string().nullish(),
  context: z.string().nullish(),
  permalink: z.string().nullish(),
  url: z.string().nullish(),
  was_comment: z.boolean().nullish(),
  type: z.string().nullish(),
  score: z.number().nullish(),
  num_comments: z.number().nullish(),
  link_title: z.string().nullish(),
  distinguished: z.string().nullish(),
});
export type RedditThingData = z.output<typeof redditThingDataSchema>;

export const redditThingSchema = z.looseObject({ kind: z.string(), data: z.unknown() });

/** `{ kind: "Listing", data: { after, before, children } }`. */
export const redditListingSchema = z.looseObject({
  kind: z.literal('Listing'),
  data: z.looseObject({
    after: z.string().nullish(),
    before: z.string().nullish(),
    children: z.array(redditThingSchema),
  }),
});
export type RedditListing = z.output<typeof redditListingSchema>;

/** `POST /api/v1/access_token`. */
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
});

/** `api_type=json` answers: `{ json: { errors: [[NAME, message, field]], data: { things: [...] } } }`. */
export const jsonApiResponseSchema = z.looseObject({
  json: z.looseObject({
    errors: z.array(z.array(z.unknown())).default([]),
    data: z.looseObject({ things: z.array(redditThingSchema).optional() }).optional(),
  }),
});
