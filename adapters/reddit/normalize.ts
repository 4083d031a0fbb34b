import type { ChannelIdentityInput, InteractionInput, InteractionKind, JSONObject } from 'social-crm/adapter-kit';
import type { RedditThingData } from './reddit-schemas.js';

/** Where an item came from, kept in `channelMetadata.reddit.source`. */
export type RedditSource = 'inbox' | 'search' | 'comments';

export interface NormalizeContext {
  channel: string;
  /** The brand account's username, lower-cased: its items are `outbound`. */
  brandUsername?: string;
  source: RedditSource;
}

const REDDIT = 'https://www.reddit.com';

/** `/r/acme/comments/1b2c3d/login_issues/kx9z3ab/?context=3` → `t3_1b2c3d`. */
export function linkIdFromPath(path: string | null | undefined): string | undefined {
  const match = path ? /\/comments\/([0-9a-z]+)\//i.exec(path) : null;
  return match ? `t3_${match[1]!.toLowerCase()}` : undefined;
}

function author(context: NormalizeContext, data: RedditThingData): ChannelIdentityInput {
  const name = data.author ?? undefined;
  // Deleted accounts all show as "[deleted]": keep them apart instead of merging strangers.
  if (!name || name === '[deleted]') return { channel: context.channel, nativeId: `deleted:${data.name}`, displayName: '[deleted]' };
  return {
    channel: context.channel,
    nativeId: name,
    handle: name,
    profileUrl: `${REDDIT}/user/${name}`,
    ...(context.brandUsername && name.toLowerCase() === context.brandUsername ? { isBrand: true } : {}),
  };
}

function inboxKind(data: RedditThingData): InteractionKind {
  const type = data.type ?? data.subject ?? '';
  return /mention/i.test(type) ? 'mention' : 'reply';
}

/**
 * One listing child as an interaction. `kind` is the listing's `t1` (comment), `t3` (post) or
 * `t4` (private message). Threads: a comment's conversation is its post (`link_id`, or the post id
 * in `context` for inbox items), its parent `parent_id`; a message's conversation is
 * `first_message_name`. Returns `undefined` for kinds the CRM does not store.
 */
export function normalizeThing(kind: string, data: RedditThingData, context: NormalizeContext): InteractionInput | undefined {
  const createdAt = new Date(data.created_utc * 1000).toISOString();
  const edited = typeof data.edited === 'number' && data.edited > 0 ? new Date(data.edited * 1000).toISOString() : undefined;
  const base = {
    channel: context.channel,
    nativeId: data.name,
    author: author(context, data),
    createdAt,
    ...(edited ? { state: 'edited' as const, editedAt: edited } : {}),
    raw: data as unknown as JSONObject,
  };
  const metadata: JSONObject = {
    source: context.source,
    ...(data.subreddit ? { subreddit: data.subreddit } : {}),
    ...(typeof data.score === 'number' ? { score: data.score } : {}),
    ...(data.distinguished ? { distinguished: data.distinguished } : {}),
  };
  if (kind === 't4') {
    return {
      ...base,
      kind: 'direct_message',
      visibility: 'private',
      text: data.body ?? '',
      conversationId: data.first_message_name ?? data.name,
      ...(data.parent_id ? { parentId: data.parent_id } : {}),
      ...(data.dest ? { recipientId: data.dest } : {}),
      channelMetadata: { [context.channel]: { ...metadata, ...(data.subject ? { subject: data.subject } : {}) } },
    };
  }
  if (kind === 't1') {
    const linkId = data.link_id ?? linkIdFromPath(data.context ?? data.permalink);
    const path = (data.context ?? data.permalink ?? '').replace(/\?.*$/, '');
    const inboxItem = context.source === 'inbox';
    return {
      ...base,
      kind: inboxItem ? inboxKind(data) : context.brandUsername && (data.body ?? '').toLowerCase().includes(`u/${context.brandUsername}`) ? 'mention' : data.parent_id?.startsWith('t1_') ? 'reply' : 'comment',
      text: data.body ?? '',
      conversationId: linkId ?? data.parent_id ?? data.name,
      ...(data.parent_id ? { parentId: data.parent_id } : {}),
      ...(data.dest ? { recipientId: data.dest } : {}),
      ...(path ? { url: `${REDDIT}${path}` } : {}),
      channelMetadata: { [context.channel]: { ...metadata, ...(linkId ? { linkId } : {}), ...(data.link_title ? { postTitle: data.link_title } : {}), ...(inboxItem && (data.type ?? data.subject) ? { inboxType: (data.type ?? data.subject)! } : {}) } },
    };
  }
  if (kind === 't3') {
    const text = [data.title ?? '', data.selftext ?? ''].filter(Boolean).join('\n\n');
    return {
      ...base,
      kind: 'post',
      text,
      conversationId: data.name,
      ...(data.permalink ? { url: `${REDDIT}${data.permalink}` } : {}),
      ...(typeof data.num_comments === 'number' ? { metrics: { replies: data.num_comments } } : {}),
      channelMetadata: { [context.channel]: { ...metadata, ...(data.title ? { title: data.title } : {}), ...(data.url && !data.url.startsWith(REDDIT) ? { linkUrl: data.url } : {}) } },
    };
  }
  return undefined;
}
