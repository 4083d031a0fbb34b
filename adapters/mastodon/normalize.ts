import type { Attachment, ChannelIdentityInput, InteractionInput, InteractionKind } from 'social-crm/adapter-kit';
import { compactJson } from '../_shared/polling/index.js';
import type { MastodonAccount, MastodonNotification, MastodonStatus } from './mastodon-schemas.js';

/** What the normaliser needs to know about the adapter. */
export interface NormalizeContext {
  /** The adapter id, used as `channel`. */
  channel: string;
  /** Host of the brand's server, to qualify local accounts (`user` → `user@host`). */
  host: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[\da-f]+|#\d+|[a-z]+);/gi, (match, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1));
      return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
    }
    return ENTITIES[entity.toLowerCase()] ?? match;
  });
}

/**
 * Mastodon's status HTML → plain text: paragraphs become blank lines, `<br>` line breaks, links
 * their full text (the hidden parts of shortened URLs included), and the compatibility paragraph
 * a quote post carries (`RE: …`) is dropped.
 */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<p class="quote-inline">[\s\S]*?<\/p>/gi, '')
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
      .replace(/<[^>]+>/g, ''),
  ).trim();
}

/** `user@host` for every account, so handles from different servers never collide. */
export function qualifiedAcct(account: Pick<MastodonAccount, 'acct'>, host: string): string {
  return account.acct.includes('@') ? account.acct : `${account.acct}@${host}`;
}

export function identityOf(account: MastodonAccount, context: NormalizeContext): ChannelIdentityInput {
  return {
    channel: context.channel,
    // Account ids are local to the brand's server, as every id this adapter reads and writes.
    nativeId: account.id,
    handle: qualifiedAcct(account, context.host),
    ...(account.display_name ? { displayName: account.display_name } : { displayName: account.username }),
    ...(account.avatar ? { avatarUrl: account.avatar } : {}),
    ...(account.url ? { profileUrl: account.url } : {}),
    ...(typeof account.followers_count === 'number' ? { followerCount: account.followers_count } : {}),
  };
}

const MEDIA_TYPES: Record<string, Attachment['type']> = { image: 'image', gifv: 'video', video: 'video', audio: 'audio' };

function attachmentsOf(status: MastodonStatus): Attachment[] {
  return status.media_attachments.flatMap((media): Attachment[] => {
    const url = media.url ?? media.remote_url;
    if (!url) return [];
    return [{ type: MEDIA_TYPES[media.type] ?? 'file', url, ...(media.description ? { caption: media.description } : {}), data: { id: media.id, type: media.type } }];
  });
}

function kindOf(notification: MastodonNotification, status: MastodonStatus): InteractionKind {
  if (status.visibility === 'direct') return 'direct_message';
  if (notification.type === 'quote') return 'mention';
  return status.in_reply_to_id ? 'reply' : 'mention';
}

/** A `mention` or `quote` notification → the status that mentions or quotes the brand. */
export function normalizeStatusNotification(notification: MastodonNotification & { status: MastodonStatus }, context: NormalizeContext): InteractionInput {
  const status = notification.status;
  const kind = kindOf(notification, status);
  const quotedId = status.quote?.quoted_status?.id;
  return {
    channel: context.channel,
    nativeId: status.id,
    kind,
    visibility: status.visibility === 'direct' ? 'private' : 'public',
    author: identityOf(status.account, context),
    // Statuses name their parent, not their root: a reply joins its parent's conversation (the
    // core takes the stored parent's), anything else starts its own.
    conversationId: status.in_reply_to_id ?? status.id,
    ...(status.in_reply_to_id ? { parentId: status.in_reply_to_id } : {}),
    text: htmlToText(status.content),
    ...(status.language ? { language: status.language } : {}),
    createdAt: status.created_at,
    ...(status.edited_at ? { state: 'edited' as const, editedAt: status.edited_at } : {}),
    url: status.url ?? status.uri,
    metrics: {
      ...(typeof status.favourites_count === 'number' ? { likes: status.favourites_count } : {}),
      ...(typeof status.replies_count === 'number' ? { replies: status.replies_count } : {}),
      ...(typeof status.reblogs_count === 'number' ? { shares: status.reblogs_count } : {}),
    },
    attachments: attachmentsOf(status),
    ...(status.tags.length ? { hashtags: status.tags.map((tag) => tag.name.toLowerCase()) } : {}),
    ...(status.mentions.length ? { mentions: status.mentions.map((mention) => qualifiedAcct(mention, context.host)) } : {}),
    channelMetadata: {
      [context.channel]: compactJson({
        notificationId: notification.id,
        notificationType: notification.type,
        statusUri: status.uri,
        visibility: status.visibility,
        inReplyToAccountId: status.in_reply_to_account_id,
        spoilerText: status.spoiler_text || undefined,
        sensitive: status.sensitive ?? undefined,
        quotedStatusId: quotedId,
        authorAcct: qualifiedAcct(status.account, context.host),
        bot: status.account.bot ?? undefined,
      }),
    },
    raw: notification,
  };
}

/** A `favourite` or `reblog` notification → a reaction on the brand's status. */
export function normalizeReactionNotification(notification: MastodonNotification & { status: MastodonStatus }, context: NormalizeContext): InteractionInput {
  const status = notification.status;
  return {
    channel: context.channel,
    nativeId: `${notification.type}:${notification.id}`,
    kind: 'reaction',
    visibility: 'public',
    author: identityOf(notification.account, context),
    conversationId: status.in_reply_to_id ?? status.id,
    parentId: status.id,
    text: '',
    createdAt: notification.created_at,
    reaction: notification.type,
    url: status.url ?? status.uri,
    channelMetadata: { [context.channel]: compactJson({ notificationId: notification.id, notificationType: notification.type, statusUri: status.uri }) },
    raw: notification,
  };
}
