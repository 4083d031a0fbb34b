import {
  ChannelApiError,
  InvalidPayloadError,
  RateLimitError,
  UnsupportedCapabilityError,
  toChannelApiError,
  type AdapterContext,
  type OutboundReply,
  type SendResult,
} from 'social-crm/adapter-kit';
import * as z from 'zod';
import { firstJsonError, readRedditError, waitFromMessage } from './reddit-errors.js';
import { jsonApiResponseSchema } from './reddit-schemas.js';

/** The created thing in an `api/comment` answer: its fullname is what matters. */
const createdThingSchema = z.looseObject({
  name: z.string().regex(/^t[134]_[0-9a-z]+$/i),
  created_utc: z.number().optional(),
  link_id: z.string().optional(),
  permalink: z.string().optional(),
  context: z.string().optional(),
});

export interface SendSettings {
  adapterId: string;
  apiBaseUrl: string;
  userAgent: string;
  /** Calls Reddit with a valid bearer token, renewing it once after a 401. */
  withToken<T>(context: AdapterContext, call: (token: string) => Promise<T>): Promise<T>;
}

/** Reddit caps a comment or message body at 10,000 characters. */
const MAX_TEXT = 10_000;

/**
 * Answers with `POST /api/comment` (`api_type=json`, `thing_id`, `text`): under a post (`t3_`),
 * a comment (`t1_`) or in a private conversation (`t4_`). Reddit reports refusals inside a 200
 * (`json.errors`); `RATELIMIT` becomes a `RateLimitError` with the wait Reddit names.
 */
export async function sendRedditReply(reply: OutboundReply, context: AdapterContext, settings: SendSettings): Promise<SendResult> {
  const { adapterId } = settings;
  const target = reply.inReplyTo;
  const thingId = target.nativeId;
  if (!/^t[134]_[0-9a-z]+$/i.test(thingId)) {
    throw new UnsupportedCapabilityError(adapterId, 'reply', `\`${thingId}\` is not a Reddit comment, post or message fullname.`);
  }
  if (reply.visibility === 'private' && target.visibility === 'public') {
    throw new UnsupportedCapabilityError(adapterId, 'directMessage', 'Reddit answers a comment or post in public; write to the author from your own Reddit inbox to start a private conversation.');
  }
  if ([...reply.text].length > MAX_TEXT) {
    throw new InvalidPayloadError(`[${adapterId}] Reddit accepts at most ${MAX_TEXT} characters; the reply has ${[...reply.text].length}.`);
  }
  const url = `${settings.apiBaseUrl}/api/comment`;
  const body = await settings.withToken(context, async (token) => {
    try {
      return await context.http
        .post(url, {
          body: new URLSearchParams({ api_type: 'json', thing_id: thingId, text: reply.text }),
          headers: { authorization: `bearer ${token}`, 'user-agent': settings.userAgent },
          ...(context.signal ? { signal: context.signal } : {}),
        })
        .json();
    } catch (error) {
      throw await toChannelApiError(adapterId, error, readRedditError);
    }
  });
  const refused = firstJsonError(body);
  if (refused) {
    const common = { adapterId, method: 'POST', url, status: 200, platformCode: refused.name, responseBody: JSON.stringify(body).slice(0, 4000) };
    if (refused.name === 'RATELIMIT') {
      const wait = waitFromMessage(refused.message);
      throw new RateLimitError(`Reddit refused the reply: ${refused.message}`, { ...common, ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
    }
    throw new ChannelApiError(`Reddit refused the reply: ${refused.message} (${refused.name}${refused.field ? `, ${refused.field}` : ''})`, { ...common, isRetryable: false });
  }
  const parsed = jsonApiResponseSchema.safeParse(body);
  const thing = parsed.success ? parsed.data.json.data?.things?.[0] : undefined;
  const data = thing ? createdThingSchema.safeParse(thing.data) : undefined;
  if (!thing || !data?.success) {
    // No status: the comment may exist, so the core records the send as in doubt, not failed.
    throw new ChannelApiError('Reddit accepted the reply but did not name the comment it created; check the thread and settle the send.', { adapterId, method: 'POST', url, isRetryable: false });
  }
  const created = data.data;
  const path = created.permalink ?? created.context;
  return {
    nativeId: created.name,
    createdAt: created.created_utc !== undefined ? new Date(created.created_utc * 1000).toISOString() : context.now().toISOString(),
    ...(path ? { url: `https://www.reddit.com${path.replace(/\?.*$/, '')}` } : {}),
    channelMetadata: { kind: thing.kind, ...(created.link_id ? { linkId: created.link_id } : {}) },
  };
}
