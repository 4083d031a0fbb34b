import * as z from 'zod';
import { InvalidOptionsError, parseChannelOptions, type AdapterContext, type OutboundPost, type PublishResult } from 'social-crm/adapter-kit';
import { postStatus } from './send-reply.js';

/** Per-call options under `channelOptions.<adapter id>` of `crm.publish()`. */
const publishOptionsSchema = z.object({
  /** @default 'public' */
  visibility: z.enum(['public', 'unlisted', 'private']).default('public'),
  /** Content warning shown before the text. */
  spoilerText: z.string().max(500).optional(),
  /** ISO 639-1 language of the post. */
  language: z.string().regex(/^[a-z]{2}$/, 'Use an ISO 639-1 code such as `tr`.').optional(),
  sensitive: z.boolean().optional(),
});

/** What {@link publishMastodonStatus} needs from the adapter. */
export interface PublishSettings {
  adapterId: string;
  instanceUrl: string;
  accessToken: string;
}

/**
 * Posts a status on the brand's account with `POST /api/v1/statuses`, the post's idempotency key
 * as `Idempotency-Key` (the server answers a repeated key with the status it already made, so a
 * retry after a dropped connection never posts twice). The link is appended to the text; media
 * needs an upload first, which this adapter does not do, so a post with media is refused.
 */
export async function publishMastodonStatus(post: OutboundPost, context: AdapterContext, settings: PublishSettings): Promise<PublishResult> {
  const { adapterId } = settings;
  const options = parseChannelOptions(adapterId, publishOptionsSchema, post.channelOptions);
  if (post.media.length) {
    throw new InvalidOptionsError(`[${adapterId}] Mastodon posts media only after an upload to /api/v2/media, which this adapter does not do; publish the text and link alone.`);
  }
  if (post.account) throw new InvalidOptionsError(`[${adapterId}] The adapter posts as the account of its access token; leave \`account\` out or register an adapter per account.`);
  const status = [post.text.trim(), post.link].filter(Boolean).join('\n\n');
  const parsed = await postStatus(context, settings, post.idempotencyKey, {
    status,
    visibility: options.visibility,
    ...(options.spoilerText ? { spoiler_text: options.spoilerText } : {}),
    ...(options.language ? { language: options.language } : {}),
    ...(options.sensitive !== undefined ? { sensitive: options.sensitive } : {}),
  });
  return {
    nativeId: parsed.id,
    createdAt: parsed.created_at,
    url: parsed.url ?? parsed.uri,
    account: parsed.account.id,
    channelMetadata: { statusUri: parsed.uri, visibility: parsed.visibility },
  };
}
