import type { ChannelIdentityInput, InteractionInput } from 'social-crm/adapter-kit';
import { compactJson } from '../_shared/polling/index.js';
import type { YouTubeComment, YouTubeCommentThread } from './youtube-schemas.js';

/** What the normaliser needs to know about the adapter. */
export interface NormalizeContext {
  /** The adapter id, used as `channel`. */
  channel: string;
  /** The brand's channel id (`UC…`): its comments are `outbound`. */
  channelId: string;
}

/** Link to a comment: the video page with the comment highlighted (`lc`). */
export function commentUrl(commentId: string, videoId: string | undefined, channelId: string): string {
  return videoId ? `https://www.youtube.com/watch?v=${encodeURIComponent(videoId)}&lc=${encodeURIComponent(commentId)}` : `https://www.youtube.com/channel/${encodeURIComponent(channelId)}`;
}

/** The time that orders a comment for the watermark: its last edit, or its publication. */
export function commentTime(comment: YouTubeComment): string {
  return comment.snippet.updatedAt ?? comment.snippet.publishedAt;
}

function authorOf(comment: YouTubeComment, context: NormalizeContext): ChannelIdentityInput {
  const snippet = comment.snippet;
  const authorId = snippet.authorChannelId?.value ?? `unknown:${comment.id}`;
  const name = snippet.authorDisplayName;
  // YouTube now shows handles (`@name`) as display names; keep both forms.
  const handle = name?.startsWith('@') ? name.slice(1) : undefined;
  return {
    channel: context.channel,
    nativeId: authorId,
    ...(name ? { displayName: name } : {}),
    ...(handle ? { handle } : {}),
    ...(snippet.authorProfileImageUrl ? { avatarUrl: snippet.authorProfileImageUrl } : {}),
    ...(snippet.authorChannelUrl ? { profileUrl: snippet.authorChannelUrl } : {}),
    ...(authorId === context.channelId ? { isBrand: true } : {}),
  };
}

/**
 * A comment (top-level or reply) → canonical interaction. Top-level comments are `comment`s that
 * open a thread (`conversationId` = thread id); replies are `reply`s whose parent is the
 * top-level comment, the only level YouTube threads have.
 */
export function normalizeComment(comment: YouTubeComment, thread: Pick<YouTubeCommentThread, 'id' | 'snippet'>, context: NormalizeContext): InteractionInput {
  const snippet = comment.snippet;
  const isReply = comment.id !== thread.id;
  const videoId = snippet.videoId ?? thread.snippet.videoId;
  const edited = snippet.updatedAt !== undefined && Date.parse(snippet.updatedAt) > Date.parse(snippet.publishedAt);
  const text = snippet.textOriginal ?? snippet.textDisplay ?? '';
  return {
    channel: context.channel,
    nativeId: comment.id,
    kind: isReply ? 'reply' : 'comment',
    visibility: 'public',
    author: authorOf(comment, context),
    conversationId: thread.id,
    ...(isReply ? { parentId: snippet.parentId ?? thread.id } : {}),
    recipientId: context.channelId,
    text,
    createdAt: snippet.publishedAt,
    ...(edited ? { state: 'edited' as const, editedAt: snippet.updatedAt } : {}),
    url: commentUrl(comment.id, videoId, context.channelId),
    metrics: {
      ...(snippet.likeCount !== undefined ? { likes: snippet.likeCount } : {}),
      ...(!isReply && thread.snippet.totalReplyCount !== undefined ? { replies: thread.snippet.totalReplyCount } : {}),
    },
    attachments: [],
    channelMetadata: {
      [context.channel]: compactJson({
        videoId,
        threadId: thread.id,
        channelId: snippet.channelId ?? thread.snippet.channelId,
        canReply: isReply ? undefined : thread.snippet.canReply,
        isPublic: isReply ? undefined : thread.snippet.isPublic,
        moderationStatus: snippet.moderationStatus,
        updatedAt: snippet.updatedAt,
      }),
    },
    raw: comment,
  };
}
