import * as z from 'zod';
import { privateConversationKey, ReplyNotAllowedError, type OutboundReply } from 'social-crm';
import { parseChannelOptions, toChannelApiError, type AdapterContext, type AdapterWarning, type SendResult } from 'social-crm/adapter-kit';
import { tweetUrl } from './normalize.js';
import { xCreateDmResponseSchema, xCreateTweetResponseSchema } from './x-schemas.js';
import { readXError } from './x-errors.js';

/** Per-call options under `channelOptions.x` of `crm.reply()`. */
const replyOptionsSchema = z.object({
  /** User ids X should leave out of the reply's automatic @mentions. */
  excludeReplyUserIds: z.array(z.string().regex(/^\d+$/)).optional(),
});

/** What {@link sendXReply} needs from the adapter's settings. */
export interface SendReplySettings {
  adapterId: string;
  apiBaseUrl: string;
  userAccessToken: string;
}

function latestVersionId(reply: OutboundReply, adapterId: string): string {
  // Replies go to the newest version of an edited Post; the stored record keeps the first id.
  const metadata = reply.inReplyTo.channelMetadata[adapterId] as { latestVersionId?: unknown } | undefined;
  return typeof metadata?.latestVersionId === 'string' ? metadata.latestVersionId : reply.inReplyTo.nativeId;
}

/**
 * Sends a reply: `POST /2/tweets` with `reply.in_reply_to_tweet_id` in the thread, or
 * `POST /2/dm_conversations/with/:participant_id/messages` when the reply is private.
 * Both need an OAuth 2.0 user token (`tweet.write` or `dm.write`).
 */
export async function sendXReply(reply: OutboundReply, context: AdapterContext, settings: SendReplySettings): Promise<SendResult> {
  const { adapterId, apiBaseUrl } = settings;
  const replyOptions = parseChannelOptions(adapterId, replyOptionsSchema, reply.channelOptions);
  const warnings: AdapterWarning[] = [];
  if (reply.attachments.length) {
    warnings.push({ type: 'unsupported', message: 'Attachments are not sent: X needs a separate media upload; the text was sent alone.', details: { count: reply.attachments.length } });
  }
  const target = reply.inReplyTo;
  const visibility = reply.visibility ?? target.visibility;
  const headers = { authorization: `Bearer ${settings.userAccessToken}` };

  if (visibility === 'private') {
    const participantId = reply.recipient.nativeId;
    const url = `${apiBaseUrl}/2/dm_conversations/with/${encodeURIComponent(participantId)}/messages`;
    let body: unknown;
    try {
      body = await context.http.post(url, { headers, json: { text: reply.text }, ...(context.signal ? { signal: context.signal } : {}) }).json();
    } catch (error) {
      throw await toChannelApiError(adapterId, error, readXError);
    }
    const { data } = xCreateDmResponseSchema.parse(body);
    return {
      nativeId: data.dm_event_id,
      conversationId: privateConversationKey(data.dm_conversation_id),
      createdAt: context.now().toISOString(),
      channelMetadata: { dmConversationId: data.dm_conversation_id },
      warnings,
    };
  }

  if (target.kind === 'direct_message' || target.kind === 'reaction') {
    throw new ReplyNotAllowedError(
      'not-replyable',
      `[${adapterId}] A ${target.kind === 'direct_message' ? 'direct message' : 'like or repost'} has no public thread to answer in; reply with \`visibility: 'private'\`.`,
    );
  }
  let body: unknown;
  try {
    body = await context.http
      .post(`${apiBaseUrl}/2/tweets`, {
        headers,
        json: {
          text: reply.text,
          reply: {
            in_reply_to_tweet_id: latestVersionId(reply, adapterId),
            ...(replyOptions.excludeReplyUserIds?.length ? { exclude_reply_user_ids: replyOptions.excludeReplyUserIds } : {}),
          },
        },
        ...(context.signal ? { signal: context.signal } : {}),
      })
      .json();
  } catch (error) {
    throw await toChannelApiError(adapterId, error, readXError);
  }
  const { data } = xCreateTweetResponseSchema.parse(body);
  return {
    nativeId: data.id,
    createdAt: context.now().toISOString(),
    url: tweetUrl(data.id),
    ...(data.edit_history_tweet_ids ? { channelMetadata: { editHistoryTweetIds: data.edit_history_tweet_ids } } : {}),
    warnings,
  };
}
