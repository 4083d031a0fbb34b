import * as z from 'zod';

/*
 * Minimal schemas for the AT Protocol / Bluesky lexicons the adapter reads:
 * com.atproto.server.createSession / refreshSession, app.bsky.notification.listNotifications,
 * app.bsky.feed.post, app.bsky.richtext.facet, app.bsky.embed.*, com.atproto.repo.createRecord.
 * Unknown fields are dropped, so lexicon additions never break parsing.
 */

/** `createSession` and `refreshSession` output. */
export const blueskySessionSchema = z.object({
  accessJwt: z.string().min(1),
  refreshJwt: z.string().min(1),
  did: z.string().startsWith('did:'),
  handle: z.string(),
});
export type BlueskySession = z.output<typeof blueskySessionSchema>;

/** `com.atproto.repo.strongRef`: a record's AT-URI and the CID of its content. */
export const strongRefSchema = z.object({ uri: z.string().startsWith('at://'), cid: z.string().min(1) });
export type StrongRef = z.output<typeof strongRefSchema>;

/** `app.bsky.actor.defs#profileView`. */
export const profileViewSchema = z.object({
  did: z.string().startsWith('did:'),
  handle: z.string(),
  displayName: z.string().optional(),
  avatar: z.string().optional(),
  description: z.string().optional(),
});
export type ProfileView = z.output<typeof profileViewSchema>;

const facetSchema = z.object({
  index: z.object({ byteStart: z.number().int().nonnegative(), byteEnd: z.number().int().nonnegative() }),
  features: z.array(z.object({ $type: z.string(), did: z.string().optional(), uri: z.string().optional(), tag: z.string().optional() }).passthrough()),
});
export type Facet = z.output<typeof facetSchema>;

const blobSchema = z.object({ ref: z.object({ $link: z.string() }).optional(), mimeType: z.string().optional(), size: z.number().optional() }).passthrough();

/** The embeds of a post the adapter reads: images, an external link card, a quoted record. */
export const embedSchema = z
  .object({
    $type: z.string(),
    images: z.array(z.object({ image: blobSchema, alt: z.string().optional() })).optional(),
    external: z.object({ uri: z.string(), title: z.string().optional(), description: z.string().optional() }).optional(),
    record: z.unknown().optional(),
    media: z.unknown().optional(),
  })
  .passthrough();
export type Embed = z.output<typeof embedSchema>;

/** An `app.bsky.feed.post` record. */
export const postRecordSchema = z.object({
  $type: z.literal('app.bsky.feed.post'),
  text: z.string().default(''),
  createdAt: z.string(),
  langs: z.array(z.string()).optional(),
  reply: z.object({ root: strongRefSchema, parent: strongRefSchema }).optional(),
  facets: z.array(facetSchema).optional(),
  embed: embedSchema.optional(),
});
export type PostRecord = z.output<typeof postRecordSchema>;

/** `app.bsky.notification.listNotifications#notification`. */
export const notificationSchema = z.object({
  uri: z.string().startsWith('at://'),
  cid: z.string().min(1),
  author: profileViewSchema,
  reason: z.string(),
  reasonSubject: z.string().optional(),
  record: z.unknown(),
  isRead: z.boolean().optional(),
  indexedAt: z.string(),
});
export type BlueskyNotification = z.output<typeof notificationSchema>;

/** `listNotifications` output; notifications are checked one by one. */
export const listNotificationsSchema = z.object({
  cursor: z.string().optional(),
  notifications: z.array(z.unknown()),
  seenAt: z.string().optional(),
});

/** `com.atproto.repo.createRecord` output. */
export const createRecordOutputSchema = z.object({ uri: z.string().startsWith('at://'), cid: z.string().min(1), validationStatus: z.string().optional() });

/** XRPC error body: `{ "error": "ExpiredToken", "message": "Token has expired" }`. */
export const xrpcErrorSchema = z.object({ error: z.string(), message: z.string().optional() });
