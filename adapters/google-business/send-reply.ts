import * as z from 'zod';
import {
  ChannelApiError,
  InvalidPayloadError,
  UnsupportedCapabilityError,
  toChannelApiError,
  type AdapterContext,
  type OutboundReply,
  type SendResult,
} from 'social-crm/adapter-kit';
import { readGoogleError } from './gbp-errors.js';
import { reviewReplySchema } from './gbp-schemas.js';
import { replyNativeId } from './normalize.js';

export interface SendSettings {
  adapterId: string;
  apiBaseUrl: string;
  withToken<T>(context: AdapterContext, call: (token: string) => Promise<T>): Promise<T>;
}

/** Google accepts a reply of at most 4096 bytes. */
const MAX_REPLY_BYTES = 4096;
const REVIEW_NAME = /^accounts\/[^/]+\/locations\/[^/]+\/reviews\/[^/]+$/;

/**
 * Creates or replaces the owner's reply: `PUT /v4/{review name}/reply` with `{ comment }`.
 * Google keeps one reply per review, so answering the review again (or answering the stored
 * reply) updates it; each version is stored as its own outbound record.
 */
export async function sendReviewReply(reply: OutboundReply, context: AdapterContext, settings: SendSettings): Promise<SendResult> {
  const { adapterId } = settings;
  const target = reply.inReplyTo;
  const reviewName = REVIEW_NAME.test(target.nativeId) ? target.nativeId : target.parentId;
  if (!reviewName || !REVIEW_NAME.test(reviewName)) {
    throw new UnsupportedCapabilityError(adapterId, 'reply', `\`${target.id}\` is not a Google review or an owner reply to one.`);
  }
  if (reply.visibility === 'private') {
    throw new UnsupportedCapabilityError(adapterId, 'directMessage', 'Google Business Profile answers reviews in public only.');
  }
  const bytes = new TextEncoder().encode(reply.text).byteLength;
  if (bytes > MAX_REPLY_BYTES) throw new InvalidPayloadError(`[${adapterId}] Google accepts replies of at most ${MAX_REPLY_BYTES} bytes; this one has ${bytes}.`);
  if (!reply.text.trim()) throw new InvalidPayloadError(`[${adapterId}] A review reply cannot be empty.`);
  const url = `${settings.apiBaseUrl}/v4/${reviewName}/reply`;
  const body = await settings.withToken(context, async (token) => {
    try {
      return await context.http
        .put(url, { json: { comment: reply.text }, headers: { authorization: `Bearer ${token}` }, ...(context.signal ? { signal: context.signal } : {}) })
        .json();
    } catch (error) {
      throw await toChannelApiError(adapterId, error, readGoogleError);
    }
  });
  const answer = reviewReplySchema.safeParse(body);
  if (!answer.success) {
    throw new ChannelApiError(`Google accepted the reply but answered without its \`updateTime\`: ${z.prettifyError(answer.error)}`, { adapterId, method: 'PUT', url, isRetryable: false });
  }
  return {
    nativeId: replyNativeId(reviewName, answer.data.updateTime),
    createdAt: answer.data.updateTime,
    conversationId: reviewName,
    channelMetadata: { reviewName, ...(reviewName !== target.nativeId ? { updates: target.nativeId } : {}) },
  };
}
