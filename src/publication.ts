/**
 * What the brand publishes on its own accounts: the request `crm.publish()` takes and the post
 * an adapter's `doPublish` receives.
 *
 * @module
 */
import * as z from 'zod';

const httpsUrl = z
  .url()
  .refine((url) => /^https?:\/\//i.test(url), 'Use an http(s) address the network can fetch.');

/** A picture or video the network fetches from a public URL. */
export const postMediaSchema = z.object({
  /** @default 'image' */
  type: z.enum(['image', 'video']).default('image'),
  /** A public http(s) address the network downloads the file from. */
  url: httpsUrl,
  /** Text description for people who cannot see it, where the network keeps one. */
  altText: z.string().max(2000).optional(),
});
export type PostMedia = z.output<typeof postMediaSchema>;

/** What {@link SocialCrm.publish} posts. Text, a link or media, at least one of them. */
export const publishRequestSchema = z
  .object({
    /** Adapter id of the network (and account) to post on. */
    channel: z.string().min(1),
    /**
     * The brand account to post as, in the network's own ids (a Facebook Page id, a Telegram
     * channel `@username` or chat id). @default the account the adapter was made for
     */
    account: z.string().min(1).optional(),
    /** @default '' */
    text: z.string().default(''),
    /** A link the network previews (or that is appended to the text where it has no link field). */
    link: httpsUrl.optional(),
    media: z.array(postMediaSchema).default([]),
    /** The campaign the post belongs to: kept on the stored interaction for attribution. */
    campaignId: z.string().min(1).max(200).optional(),
    /** Per-adapter options, e.g. `{ mastodon: { visibility: 'unlisted' } }`. Parsed only by that adapter. */
    channelOptions: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    /**
     * Makes the call safe to repeat: a second call with the same key returns the first one's
     * post and never posts again. Required: a publication without one could be posted twice by a retry.
     */
    idempotencyKey: z.string().min(1).max(200),
  })
  .refine((post) => post.text.trim() !== '' || post.link !== undefined || post.media.length > 0, {
    message: 'A post needs `text`, a `link` or `media`.',
    path: ['text'],
  });

/** What a host hands to `crm.publish()`. */
export type PublishRequest = z.input<typeof publishRequestSchema>;

/** A post the brand publishes, as `doPublish` receives it: validated, defaults filled. */
export type OutboundPost = z.output<typeof publishRequestSchema>;
