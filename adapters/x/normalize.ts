import { privateConversationKey, type ChannelIdentityInput, type InteractionInput, type InteractionKind, type JSONObject, type JSONValue } from 'social-crm';
import { networkTimeOr } from 'social-crm/adapter-kit';
import type { AaaDirectMessageEvent, AaaFavoriteEvent, AaaTweet, AaaUser, XTweet, XUser } from './x-schemas.js';

/** Where an item came from, kept in `channelMetadata.x.source`. */
export type XSource = 'mentions' | 'search' | 'account-activity' | 'activity-api';

/** What every normaliser needs to know about the delivery. */
export interface NormalizeContext {
  /** The adapter id, used as `channel`. */
  channel: string;
  /** Ids of the brand's own accounts (the `userId` option, plus `for_user_id` of a delivery). */
  brandUserIds: ReadonlySet<string>;
  source: XSource;
  /** The account the delivery is for (`for_user_id`, or the `userId` option). */
  recipientId?: string;
}

/** Drops `undefined` members so the object is valid JSON for `channelMetadata`. */
function compact(value: Record<string, JSONValue | undefined>): JSONObject {
  const result: JSONObject = {};
  for (const [key, member] of Object.entries(value)) if (member !== undefined) result[key] = member;
  return result;
}

/** Epoch milliseconds (number or numeric string) or a date string → ISO-8601; `fallback` when absent, unreadable, before 2006 or more than a day ahead. */
export function toIsoDate(value: string | number | undefined, fallback: Date): string {
  return networkTimeOr(value, fallback, { unit: 'ms', now: new Date(Math.max(fallback.getTime(), Date.now())) });
}

/** Language codes X uses for "no linguistic content" or "undetermined". */
const NO_LANGUAGE = new Set(['und', 'qme', 'qct', 'qht', 'qam', 'qst', 'zxx', 'art']);

function language(code: string | null | undefined): string | undefined {
  return code && !NO_LANGUAGE.has(code) ? code : undefined;
}

export function tweetUrl(id: string, username?: string): string {
  return username ? `https://x.com/${username}/status/${id}` : `https://x.com/i/web/status/${id}`;
}

/** The canonical identity of a v2 User; unknown authors keep only their id. */
export function identityFromUser(channel: string, id: string, user: XUser | undefined, brandUserIds: ReadonlySet<string>): ChannelIdentityInput {
  return {
    channel,
    nativeId: id,
    ...(user?.username ? { handle: user.username, profileUrl: `https://x.com/${user.username}` } : {}),
    ...(user?.name ? { displayName: user.name } : {}),
    ...(user?.profile_image_url ? { avatarUrl: user.profile_image_url } : {}),
    ...followerCountOf(user?.public_metrics?.followers_count),
    ...(user?.verified !== undefined ? { verified: user.verified } : {}),
    ...(brandUserIds.has(id) ? { isBrand: true } : {}),
  };
}

/** The canonical identity of a v1.1 User (Account Activity deliveries). */
export function identityFromAaaUser(channel: string, id: string, user: AaaUser | undefined, brandUserIds: ReadonlySet<string>): ChannelIdentityInput {
  return {
    channel,
    nativeId: id,
    ...(user?.screen_name ? { handle: user.screen_name, profileUrl: `https://x.com/${user.screen_name}` } : {}),
    ...(user?.name ? { displayName: user.name } : {}),
    ...(user?.profile_image_url_https ? { avatarUrl: user.profile_image_url_https } : {}),
    ...followerCountOf(user?.followers_count),
    ...(user?.verified !== undefined ? { verified: user.verified } : {}),
    ...(brandUserIds.has(id) ? { isBrand: true } : {}),
  };
}

function userIdOf(user: AaaUser): string | undefined {
  return user.id_str ?? (typeof user.id === 'string' ? user.id : undefined);
}

/**
 * Resolves an edit chain: X gives every edit a new id and lists all versions oldest first, so
 * the first id is the one the CRM already knows. Every version maps to that record.
 */
function editChain(id: string, history: string[] | undefined): { canonicalId: string; edited: boolean; history?: string[] } {
  if (!history || history.length <= 1 || !history.includes(id) || history[0] === id) return { canonicalId: id, edited: false, ...(history ? { history } : {}) };
  return { canonicalId: history[0]!, edited: true, history };
}

function kindOf(options: { repliedTo?: string; quoted?: string; retweeted?: string; mentionsBrand: boolean }): InteractionKind {
  if (options.retweeted) return 'reaction';
  if (options.repliedTo) return 'reply';
  if (options.quoted || options.mentionsBrand) return 'mention';
  return 'post';
}

/** A v2 Post (polling or the X Activity API) → canonical interaction. */
export function normalizeTweet(tweet: XTweet, users: ReadonlyMap<string, XUser>, context: NormalizeContext, now: Date): InteractionInput {
  const authorId = tweet.author_id ?? 'unknown';
  const author = users.get(authorId);
  const referenced = (type: string) => tweet.referenced_tweets?.find((reference) => reference.type === type)?.id;
  const repliedTo = referenced('replied_to');
  const quoted = referenced('quoted');
  const retweeted = referenced('retweeted');
  const mentions = tweet.entities?.mentions ?? [];
  const mentionsBrand = context.source === 'mentions' || mentions.some((mention) => mention.id !== undefined && context.brandUserIds.has(mention.id));
  const kind = kindOf({ repliedTo, quoted, retweeted, mentionsBrand });
  const chain = editChain(tweet.id, tweet.edit_history_tweet_ids);
  const createdAt = toIsoDate(tweet.created_at, now);
  const metrics = tweet.public_metrics;
  const hashtags = tweet.entities?.hashtags?.map((hashtag) => hashtag.tag.toLowerCase());
  const links = (tweet.entities?.urls ?? []).flatMap((url) => (url.expanded_url ?? url.url ? [{ type: 'link' as const, url: (url.expanded_url ?? url.url)! }] : []));
  return {
    channel: context.channel,
    nativeId: chain.canonicalId,
    kind,
    visibility: 'public',
    author: identityFromUser(context.channel, authorId, author, context.brandUserIds),
    conversationId: tweet.conversation_id ?? repliedTo ?? chain.canonicalId,
    ...(repliedTo ? { parentId: repliedTo } : retweeted ? { parentId: retweeted } : {}),
    ...(context.recipientId ? { recipientId: context.recipientId } : {}),
    text: kind === 'reaction' ? '' : tweet.text,
    ...(language(tweet.lang) ? { language: language(tweet.lang) } : {}),
    createdAt,
    ...(chain.edited ? { state: 'edited' as const, editedAt: createdAt } : {}),
    url: tweetUrl(tweet.id, author?.username),
    ...(metrics
      ? {
          metrics: {
            ...(metrics.like_count !== undefined ? { likes: metrics.like_count } : {}),
            ...(metrics.reply_count !== undefined ? { replies: metrics.reply_count } : {}),
            ...(metrics.retweet_count !== undefined ? { shares: metrics.retweet_count } : {}),
            ...(metrics.quote_count !== undefined ? { quotes: metrics.quote_count } : {}),
            ...(metrics.impression_count !== undefined ? { views: metrics.impression_count } : {}),
          },
        }
      : {}),
    attachments: links,
    ...(kind === 'reaction' ? { reaction: 'retweet' } : {}),
    ...(hashtags?.length ? { hashtags } : {}),
    ...(mentions.length ? { mentions: mentions.map((mention) => mention.username) } : {}),
    channelMetadata: {
      x: compact({
        source: context.source,
        conversationId: tweet.conversation_id,
        inReplyToUserId: tweet.in_reply_to_user_id,
        referencedTweets: tweet.referenced_tweets,
        quotedTweetId: quoted,
        editHistoryTweetIds: chain.history,
        latestVersionId: chain.edited ? tweet.id : undefined,
        authorLocation: author?.location,
      }),
    },
    raw: tweet,
  };
}

/** A v1.1 Tweet of an Account Activity delivery → canonical interaction. */
export function normalizeAaaTweet(tweet: AaaTweet, context: NormalizeContext, now: Date): InteractionInput {
  const authorId = userIdOf(tweet.user) ?? 'unknown';
  const entities = tweet.extended_tweet?.entities ?? tweet.entities;
  const repliedTo = tweet.in_reply_to_status_id_str ?? undefined;
  const quoted = tweet.quoted_status_id_str ?? undefined;
  const retweeted = tweet.retweeted_status?.id_str;
  const mentions = entities?.user_mentions ?? [];
  const mentionsBrand = mentions.some((mention) => mention.id_str !== undefined && context.brandUserIds.has(mention.id_str));
  const kind = kindOf({ repliedTo, quoted, retweeted, mentionsBrand });
  const chain = editChain(tweet.id_str, tweet.edit_history?.edit_tweet_ids);
  // `timestamp_ms` is exact; `created_at` ("Mon May 19 14:01:46 +0000 2025") only has seconds.
  const createdAt = toIsoDate(tweet.timestamp_ms ?? tweet.created_at, now);
  const text = tweet.extended_tweet?.full_text ?? tweet.full_text ?? tweet.text ?? '';
  const hashtags = entities?.hashtags?.map((hashtag) => hashtag.text.toLowerCase());
  const links = (entities?.urls ?? []).flatMap((url) => (url.expanded_url ? [{ type: 'link' as const, url: url.expanded_url }] : []));
  return {
    channel: context.channel,
    nativeId: chain.canonicalId,
    kind,
    visibility: 'public',
    author: identityFromAaaUser(context.channel, authorId, tweet.user, context.brandUserIds),
    // v1.1 objects carry no conversation_id: a reply joins its parent's conversation (the core
    // takes the parent's when it knows the parent), anything else starts its own.
    conversationId: repliedTo ?? chain.canonicalId,
    ...(repliedTo ? { parentId: repliedTo } : retweeted ? { parentId: retweeted } : {}),
    ...(context.recipientId ? { recipientId: context.recipientId } : {}),
    text: kind === 'reaction' ? '' : text,
    ...(language(tweet.lang) ? { language: language(tweet.lang) } : {}),
    createdAt,
    ...(chain.edited ? { state: 'edited' as const, editedAt: createdAt } : {}),
    url: tweetUrl(tweet.id_str, tweet.user.screen_name),
    metrics: {
      ...(typeof tweet.favorite_count === 'number' ? { likes: tweet.favorite_count } : {}),
      ...(tweet.reply_count !== undefined ? { replies: tweet.reply_count } : {}),
      ...(tweet.retweet_count !== undefined ? { shares: tweet.retweet_count } : {}),
      ...(tweet.quote_count !== undefined ? { quotes: tweet.quote_count } : {}),
    },
    attachments: links,
    ...(kind === 'reaction' ? { reaction: 'retweet' } : {}),
    ...(hashtags?.length ? { hashtags } : {}),
    ...(mentions.length ? { mentions: mentions.map((mention) => mention.screen_name) } : {}),
    channelMetadata: {
      x: compact({
        source: context.source,
        inReplyToUserId: tweet.in_reply_to_user_id_str ?? undefined,
        quotedTweetId: quoted,
        editHistoryTweetIds: chain.history,
        latestVersionId: chain.edited ? tweet.id_str : undefined,
        authorLocation: tweet.user.location ?? undefined,
        forUserId: context.recipientId,
      }),
    },
    raw: tweet,
  };
}

/** A like (`favorite_events[]`) → a reaction on the liked Post. */
export function normalizeAaaFavorite(event: AaaFavoriteEvent, context: NormalizeContext, now: Date): InteractionInput {
  const likerId = userIdOf(event.user) ?? 'unknown';
  const liked = event.favorited_status;
  return {
    channel: context.channel,
    nativeId: `like:${event.id}`,
    kind: 'reaction',
    visibility: 'public',
    author: identityFromAaaUser(context.channel, likerId, event.user, context.brandUserIds),
    conversationId: liked.in_reply_to_status_id_str ?? liked.id_str,
    parentId: liked.id_str,
    ...(context.recipientId ? { recipientId: context.recipientId } : {}),
    text: '',
    createdAt: toIsoDate(event.timestamp_ms ?? event.created_at, now),
    reaction: 'like',
    url: tweetUrl(liked.id_str, liked.user.screen_name),
    channelMetadata: { x: compact({ source: context.source, favoriteEventId: event.id, likedTweetId: liked.id_str, forUserId: context.recipientId }) },
    raw: event,
  };
}

/** The id X gives a one-to-one DM conversation: the two user ids, smaller first. */
export function directConversationId(first: string, second: string): string {
  const ordered = BigInt(first) <= BigInt(second) ? [first, second] : [second, first];
  return `${ordered[0]}-${ordered[1]}`;
}

function isNumericId(value: string): boolean {
  return /^\d+$/.test(value);
}

/** A `message_create` DM event (plus the delivery's `users` map) → canonical interaction. */
export function normalizeAaaDirectMessage(
  event: AaaDirectMessageEvent & { message_create: NonNullable<AaaDirectMessageEvent['message_create']> },
  users: ReadonlyMap<string, AaaUser>,
  context: NormalizeContext,
  now: Date,
): InteractionInput {
  const message = event.message_create;
  const senderId = message.sender_id;
  const recipientId = message.target.recipient_id;
  const data = message.message_data;
  const media = data.attachment?.media;
  const dmConversationId = isNumericId(senderId) && isNumericId(recipientId) ? directConversationId(senderId, recipientId) : `${senderId}-${recipientId}`;
  const conversationId = privateConversationKey(dmConversationId);
  return {
    channel: context.channel,
    nativeId: event.id,
    kind: 'direct_message',
    visibility: 'private',
    author: identityFromAaaUser(context.channel, senderId, users.get(senderId), context.brandUserIds),
    conversationId,
    recipientId,
    text: data.text,
    createdAt: toIsoDate(event.created_timestamp, now),
    attachments: media?.media_url_https ? [{ type: media.type === 'video' || media.type === 'animated_gif' ? 'video' : 'image', url: media.media_url_https }] : [],
    ...(data.entities?.hashtags?.length ? { hashtags: data.entities.hashtags.map((hashtag) => hashtag.text.toLowerCase()) } : {}),
    channelMetadata: { x: compact({ source: context.source, dmConversationId, forUserId: context.recipientId }) },
    raw: event,
  };
}

/** A follower count as stored: a whole, non-negative, exactly representable number, else none (a count past 2^53 cannot be believed). */
function followerCountOf(count: number | undefined): { followerCount?: number } {
  return count !== undefined && Number.isSafeInteger(count) && count >= 0 ? { followerCount: count } : {};
}
