import type { Attachment, ChannelIdentityInput, InteractionInput, InteractionKind } from 'social-crm';
import type { AdapterWarning, ChannelEvent } from 'social-crm/adapter-kit';
import { compactJson, metaTime } from '../_shared/meta/messaging-events.js';
import type { FeedValue } from './facebook-schemas.js';

/** What the feed normaliser needs to know about the delivery. */
export interface FeedContext {
  /** Adapter id: `channel` of the interactions and key of their `channelMetadata`. */
  channel: string;
  /** The Page the entry is for (`entry[].id`): its own posts and comments are the brand's. */
  pageId: string;
  /** When the delivery arrived, for changes without `created_time`. */
  now: Date;
}

/** Feed items that are posts on the Page (the Page's own or visitors'). */
const POST_ITEMS = new Set(['status', 'post', 'photo', 'video', 'share', 'link']);
const REACTION_ITEMS = new Set(['reaction', 'like']);
const NEW_VERBS = new Set(['add']);
const EDIT_VERBS = new Set(['edited', 'edit', 'update']);
const DELETE_VERBS = new Set(['remove', 'delete']);
/**
 * The Page hid (or showed again) an item: it still exists and its author still sees it, so the
 * CRM keeps the customer's words and reports the moderation as a warning instead of a deletion.
 */
const MODERATION_VERBS = new Set(['hide', 'unhide']);

/** One feed change turned canonical: an event, or a warning when the CRM does not store it. */
export type FeedOutcome = { event: ChannelEvent } | { warning: AdapterWarning };

/** Who wrote a feed item: `from` (older payloads: `sender_id`/`sender_name`), or nobody when Meta leaves it out. */
function personOf(value: FeedValue): { id: string; name?: string } | undefined {
  if (value.from) return value.from;
  if (value.sender_id === undefined) return undefined;
  return { id: String(value.sender_id), ...(value.sender_name ? { name: value.sender_name } : {}) };
}

/**
 * The identity of a feed item's author; the Page itself is the brand. Meta leaves the author out
 * for some people: the item is then kept, attributed to itself alone (`anonymous:<item id>`).
 */
export function feedIdentity(channel: string, pageId: string, person: { id: string; name?: string | undefined } | undefined, itemId: string): ChannelIdentityInput {
  if (!person) return { channel, nativeId: `anonymous:${itemId}` };
  return { channel, nativeId: person.id, ...(person.name ? { displayName: person.name } : {}), ...(person.id === pageId ? { isBrand: true } : {}) };
}

function attachmentsOf(value: FeedValue): Attachment[] {
  const attachments: Attachment[] = [];
  const photos = value.photos?.length ? value.photos : value.item === 'photo' && value.link ? [value.link] : [];
  for (const url of photos) attachments.push({ type: 'image', url });
  if (value.item === 'video' && value.link) attachments.push({ type: 'video', url: value.link });
  if ((value.item === 'share' || value.item === 'link' || value.item === 'status') && value.link) attachments.push({ type: 'link', url: value.link });
  if (value.photo) attachments.push({ type: 'image', url: value.photo });
  if (value.video) attachments.push({ type: 'video', url: value.video });
  return attachments;
}

/** The id a reaction is stored under: one reaction per person and target, so a change of reaction edits it. */
export function reactionNativeId(targetId: string, personId: string): string {
  return `reaction:${targetId}:${personId}`;
}

/** Native id, kind, parent and thread root of a change, or a reason it has none. */
function placement(value: FeedValue, personId: string | undefined): { nativeId: string; kind: InteractionKind; parentId?: string; root: string } | string {
  const postId = value.post_id;
  if (POST_ITEMS.has(value.item)) {
    const nativeId = postId ?? value.photo_id ?? value.video_id;
    return nativeId ? { nativeId, kind: 'post', root: nativeId } : 'a post without `post_id`';
  }
  if (value.item === 'comment') {
    if (!value.comment_id) return 'a comment without `comment_id`';
    const parentId = value.parent_id ?? postId;
    const root = postId ?? parentId ?? value.comment_id;
    return { nativeId: value.comment_id, kind: parentId && parentId !== postId ? 'reply' : 'comment', ...(parentId ? { parentId } : {}), root };
  }
  const target = value.comment_id ?? postId ?? value.parent_id;
  if (!target) return 'a reaction without `post_id`';
  if (!personId) return 'a reaction without `from`';
  return { nativeId: reactionNativeId(target, personId), kind: 'reaction', parentId: target, root: postId ?? target };
}

/**
 * One `feed` change (or a `mention` change: the Page @mentioned in a post or comment, stored as
 * kind `mention`) → a canonical event. A like of the Page itself is acknowledged and ignored. Posts (the Page's and visitors'), comments, replies to
 * comments and reactions are stored; `verb` `add` makes a new interaction, `edited` an edit,
 * `remove` a deletion; `hide`/`unhide` keep the item and report a warning. Anything else is a
 * warning too, so the delivery is still acknowledged.
 */
export function normalizeFeedChange(value: FeedValue, context: FeedContext, field: 'feed' | 'mention' = 'feed'): FeedOutcome | { error: string } {
  const isMention = field === 'mention';
  if (value.item === 'like' && !value.post_id && !value.comment_id && !value.parent_id) {
    // Someone liked (or unliked) the Page itself: no item to store, and nothing broken.
    return { warning: { type: 'ignored', message: `A like of the Page itself (${value.verb}) is not stored by the CRM.`, details: { item: value.item, verb: value.verb } } };
  }
  const isReaction = !isMention && REACTION_ITEMS.has(value.item);
  if (!isReaction && !POST_ITEMS.has(value.item) && value.item !== 'comment') {
    return { warning: { type: 'ignored', message: `Feed item \`${value.item}\` (${value.verb}) is not stored by the CRM.`, details: { item: value.item, verb: value.verb } } };
  }
  const person = personOf(value);
  const place = placement(value, person?.id);
  if (typeof place === 'string') return { error: `[${context.channel}] The feed change is ${place}.` };
  const createdAt = metaTime(value.created_time, context.now);
  if (MODERATION_VERBS.has(value.verb)) {
    return {
      warning: {
        type: 'other',
        message: `The Page ${value.verb === 'hide' ? 'hid' : 'showed again'} ${value.item} ${place.nativeId}; the CRM keeps it as it was.`,
        details: { item: value.item, verb: value.verb, nativeId: place.nativeId },
      },
    };
  }
  if (DELETE_VERBS.has(value.verb)) {
    return { event: { type: 'deletion', channel: context.channel, nativeId: place.nativeId, deletedAt: createdAt } };
  }
  const edited = EDIT_VERBS.has(value.verb);
  if (!edited && !NEW_VERBS.has(value.verb)) {
    return { warning: { type: 'ignored', message: `Feed \`${value.item}\` with verb \`${value.verb}\` is not stored by the CRM.`, details: { item: value.item, verb: value.verb } } };
  }
  const reaction = isReaction ? (value.reaction_type ?? 'like') : undefined;
  const interaction: InteractionInput = {
    channel: context.channel,
    nativeId: place.nativeId,
    kind: isMention ? 'mention' : place.kind,
    visibility: 'public',
    author: feedIdentity(context.channel, context.pageId, person, place.nativeId),
    conversationId: place.root,
    ...(place.parentId ? { parentId: place.parentId } : {}),
    recipientId: context.pageId,
    text: isReaction ? '' : (value.message ?? ''),
    createdAt,
    ...(edited ? { state: 'edited' as const, editedAt: metaTime(value.edited_time ?? value.created_time, context.now) } : {}),
    ...(value.post?.permalink_url ? { url: value.post.permalink_url } : {}),
    attachments: isReaction ? [] : attachmentsOf(value),
    ...(reaction ? { reaction } : {}),
    channelMetadata: {
      [context.channel]: compactJson({
        field: isMention ? field : undefined,
        item: value.item,
        verb: value.verb,
        postId: value.post_id,
        commentId: value.comment_id,
        parentId: value.parent_id,
        reactionType: reaction,
        statusType: value.post?.status_type,
        published: typeof value.published === 'boolean' ? value.published : value.published !== undefined ? value.published === 1 : undefined,
      }),
    },
    raw: value,
  };
  return { event: { type: 'interaction', interaction } };
}
