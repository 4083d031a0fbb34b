import type { ChannelIdentityInput, InteractionInput } from 'social-crm';
import { compactJson, metaTime } from '../_shared/meta/messaging-events.js';
import type { CommentValue, MentionLookup, MentionValue } from './instagram-schemas.js';

/** What the Instagram normalisers need to know about the delivery. */
export interface InstagramContext {
  /** Adapter id: `channel` of the interactions and key of their `channelMetadata`. */
  channel: string;
  /** The professional account the entry is for (`entry[].id`). */
  accountId: string;
  /** The brand's own ids and usernames: its comments are `outbound`. */
  brandIds: ReadonlySet<string>;
  brandUsername?: string;
  /** `entry[].time`: comment notifications carry no timestamp of their own. */
  entryTime?: number;
  now: Date;
}

/** `@handle`s in a text, without the `@`, lower-cased as Instagram treats them. */
export function mentionedHandles(text: string): string[] {
  return [...new Set([...text.matchAll(/(?:^|[^\w.])@([A-Za-z0-9._]{1,30})/g)].map((match) => match[1]!.replace(/\.+$/, '').toLowerCase()))];
}

export function profileUrl(username: string): string {
  return `https://www.instagram.com/${username}/`;
}

function identity(context: InstagramContext, nativeId: string, username: string | undefined): ChannelIdentityInput {
  const isBrand = context.brandIds.has(nativeId) || (username !== undefined && username.toLowerCase() === context.brandUsername?.toLowerCase());
  return {
    channel: context.channel,
    nativeId,
    ...(username ? { handle: username, profileUrl: profileUrl(username) } : {}),
    ...(isBrand ? { isBrand: true } : {}),
  };
}

/**
 * A `comments` (or `live_comments`) change → a comment, or a reply when it answers another comment.
 * The thread is the media; a top-level comment's parent is the media.
 * @returns the interaction, or a reason it cannot be read.
 */
export function normalizeComment(value: CommentValue, context: InstagramContext, field: string): InteractionInput | string {
  const nativeId = value.id ?? value.comment_id;
  if (!nativeId) return `[${context.channel}] A \`${field}\` change has no comment \`id\`.`;
  const text = value.text ?? '';
  const mentions = mentionedHandles(text);
  const mediaId = value.media?.id;
  return {
    channel: context.channel,
    nativeId,
    kind: value.parent_id ? 'reply' : 'comment',
    visibility: 'public',
    // Meta leaves `from` out for some people (and in older samples): kept, attributed to itself alone, as on Facebook.
    author: value.from ? identity(context, value.from.id, value.from.username) : { channel: context.channel, nativeId: `anonymous:${nativeId}` },
    conversationId: mediaId ?? value.parent_id ?? nativeId,
    ...(value.parent_id ? { parentId: value.parent_id } : mediaId ? { parentId: mediaId } : {}),
    recipientId: context.accountId,
    text,
    createdAt: metaTime(context.entryTime, context.now),
    ...(mentions.length ? { mentions } : {}),
    channelMetadata: {
      [context.channel]: compactJson({
        field,
        mediaId,
        mediaProductType: value.media?.media_product_type,
        adId: value.media?.ad_id,
        adTitle: value.media?.ad_title,
        originalMediaId: value.media?.original_media_id,
        parentCommentId: value.parent_id,
        anonymous: value.from ? undefined : true,
      }),
    },
    raw: value,
  };
}

/**
 * A `mentions` change plus what Graph answered for it → a `mention`. The mention of a comment
 * keeps the comment's id (so the same comment seen through `comments` stays one record); a
 * caption mention is stored under the media id. Graph does not name the author of a mentioned
 * comment, so that author is known only by the comment (`anonymous:<comment id>`).
 */
export function normalizeMention(value: MentionValue, lookup: MentionLookup, context: InstagramContext): InteractionInput | string {
  const comment = lookup.mentioned_comment;
  const media = lookup.mentioned_media;
  const base = {
    channel: context.channel,
    kind: 'mention' as const,
    visibility: 'public' as const,
    recipientId: context.accountId,
    conversationId: value.media_id,
  };
  const metadata = (extra: Record<string, string | undefined>) => ({ [context.channel]: compactJson({ field: 'mentions', mediaId: value.media_id, ...extra }) });
  if (value.comment_id) {
    if (!comment) return `[${context.channel}] Graph returned no \`mentioned_comment\` for comment ${value.comment_id}.`;
    const author = comment.from ?? (comment.username ? { id: `@${comment.username}`, username: comment.username } : undefined);
    return {
      ...base,
      nativeId: value.comment_id,
      parentId: value.media_id,
      author: author ? identity(context, author.id, author.username) : { channel: context.channel, nativeId: `anonymous:${value.comment_id}` },
      text: comment.text ?? '',
      createdAt: metaTime(comment.timestamp ?? context.entryTime, context.now),
      ...(comment.media?.permalink ? { url: comment.media.permalink } : {}),
      channelMetadata: metadata({ commentId: value.comment_id }),
      raw: { value, lookup },
    };
  }
  if (!media) return `[${context.channel}] Graph returned no \`mentioned_media\` for media ${value.media_id}.`;
  return {
    ...base,
    nativeId: value.media_id,
    author: media.username ? identity(context, `@${media.username}`, media.username) : { channel: context.channel, nativeId: `anonymous:${value.media_id}` },
    text: media.caption ?? '',
    createdAt: metaTime(media.timestamp ?? context.entryTime, context.now),
    ...(media.permalink ? { url: media.permalink } : {}),
    attachments: media.media_url ? [{ type: media.media_type === 'VIDEO' ? 'video' : 'image', url: media.media_url }] : [],
    channelMetadata: metadata({ mediaType: media.media_type }),
    raw: { value, lookup },
  };
}
