import { InvalidOptionsError, InvalidPayloadError, ReplyNotAllowedError, type AdapterContext, type AdapterWarning, type OutboundReply, type SendResult } from 'social-crm/adapter-kit';
import { commentUrl } from './normalize.js';
import { youtubeCommentSchema } from './youtube-schemas.js';

/** Longest comment YouTube accepts, in characters. */
export const MAX_COMMENT_LENGTH = 10_000;

/** What {@link sendYouTubeReply} needs from the adapter. */
export interface SendReplySettings {
  adapterId: string;
  apiBaseUrl: string;
  channelId: string;
  /** Makes the call with the adapter's credentials and quota accounting. */
  call<Result>(send: (authorization: { headers: Record<string, string>; searchParams: Record<string, string> }) => Promise<Result>): Promise<Result>;
}

function metadataOf(reply: OutboundReply, adapterId: string): Record<string, unknown> {
  return (reply.inReplyTo.channelMetadata[adapterId] as Record<string, unknown> | undefined) ?? {};
}

/**
 * Answers a comment with `comments.insert` (`POST /comments?part=snippet`, 50 quota units).
 * YouTube threads have one level: a reply to a reply goes to the thread's top-level comment.
 */
export async function sendYouTubeReply(reply: OutboundReply, context: AdapterContext, settings: SendReplySettings): Promise<SendResult> {
  const { adapterId } = settings;
  const target = reply.inReplyTo;
  if (reply.visibility === 'private') {
    throw new ReplyNotAllowedError('not-replyable', `[${adapterId}] YouTube has no private messages; answer in the thread.`);
  }
  const text = reply.text.trim();
  if (!text) throw new InvalidOptionsError(`[${adapterId}] A YouTube reply needs text.`, [{ path: 'text', message: 'Must not be empty.' }]);
  if (text.length > MAX_COMMENT_LENGTH) {
    throw new InvalidOptionsError(`[${adapterId}] YouTube comments hold at most ${MAX_COMMENT_LENGTH} characters; this one has ${text.length}.`, [{ path: 'text', message: 'Too long.' }]);
  }
  const metadata = metadataOf(reply, adapterId);
  if (metadata.canReply === false) {
    throw new ReplyNotAllowedError('not-replyable', `[${adapterId}] Replies are turned off for this comment thread.`);
  }
  const threadId = typeof metadata.threadId === 'string' ? metadata.threadId : target.conversationId.replace(`${adapterId}:`, '');
  const warnings: AdapterWarning[] = [];
  if (reply.attachments.length) {
    warnings.push({ type: 'unsupported', message: 'YouTube comments carry text only; attachments were not sent.', details: { count: reply.attachments.length } });
  }
  const url = `${settings.apiBaseUrl}/comments`;
  const body = await settings.call((authorization) =>
    context.http
      .post(url, {
        searchParams: { part: 'snippet', ...authorization.searchParams },
        headers: authorization.headers,
        json: { snippet: { parentId: threadId, textOriginal: text } },
        ...(context.signal ? { signal: context.signal } : {}),
      })
      .json(),
  );
  const comment = youtubeCommentSchema.safeParse(body);
  if (!comment.success) throw new InvalidPayloadError(`[${adapterId}] POST ${url} answered a body that is not a comment.`);
  const videoId = comment.data.snippet.videoId ?? (typeof metadata.videoId === 'string' ? metadata.videoId : undefined);
  return {
    nativeId: comment.data.id,
    createdAt: comment.data.snippet.publishedAt,
    url: commentUrl(comment.data.id, videoId, settings.channelId),
    channelMetadata: { threadId, ...(videoId ? { videoId } : {}) },
    warnings,
  };
}
