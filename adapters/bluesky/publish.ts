import * as z from 'zod';
import { InvalidOptionsError, parseChannelOptions, type AdapterContext, type OutboundPost, type PublishResult } from 'social-crm/adapter-kit';
import type { BlueskySession } from './bluesky-schemas.js';
import { MAX_POST_BYTES, MAX_POST_GRAPHEMES, readCreatedRecord, replyFacets } from './send-reply.js';

/** Per-call options under `channelOptions.<adapter id>` of `crm.publish()`. */
const publishOptionsSchema = z.object({
  /** Languages of the post (BCP-47, at most 3), e.g. `['tr', 'en']`. */
  langs: z.array(z.string().min(2)).max(3).optional(),
});

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const encoder = new TextEncoder();

/**
 * Posts on the brand's account with `com.atproto.repo.createRecord`: an `app.bsky.feed.post`
 * whose text carries the link, marked as a link facet (offsets in UTF-8 bytes, so Turkish letters
 * and emoji before it do not shift it). Images need a blob upload first, which this adapter does
 * not do, so a post with media is refused before any call.
 */
export async function publishBlueskyPost(
  post: OutboundPost,
  context: AdapterContext,
  settings: { adapterId: string; service: string; withSession<Result>(send: (session: BlueskySession) => Promise<Result>): Promise<Result> },
): Promise<PublishResult> {
  const { adapterId } = settings;
  const options = parseChannelOptions(adapterId, publishOptionsSchema, post.channelOptions);
  if (post.media.length) throw new InvalidOptionsError(`[${adapterId}] Bluesky posts images only after a blob upload, which this adapter does not do; publish the text and link alone.`);
  const text = [post.text.trim(), post.link].filter(Boolean).join(' ');
  const graphemes = [...segmenter.segment(text)].length;
  const bytes = encoder.encode(text).length;
  if (graphemes > MAX_POST_GRAPHEMES || bytes > MAX_POST_BYTES) {
    throw new InvalidOptionsError(`[${adapterId}] A Bluesky post holds ${MAX_POST_GRAPHEMES} characters (${MAX_POST_BYTES} bytes); this one has ${graphemes} (${bytes} bytes).`, [{ path: 'text', message: 'Too long.' }]);
  }
  const createdAt = context.now().toISOString();
  const url = `${settings.service}/xrpc/com.atproto.repo.createRecord`;
  if (post.account) {
    // Checked before the post is sent (an error thrown inside the send would read as a failed call).
    const current = await settings.withSession(async (session) => session);
    if (post.account !== current.did && post.account !== current.handle) {
      throw new InvalidOptionsError(`[${adapterId}] The adapter posts as ${current.handle || current.did}, not \`${post.account}\`; register an adapter per account.`);
    }
  }
  const body = await settings.withSession((session) => {
    const facets = replyFacets(text, { did: session.did });
    return context.http
      .post(url, {
        headers: { authorization: `Bearer ${session.accessJwt}` },
        json: {
          repo: session.did,
          collection: 'app.bsky.feed.post',
          record: { $type: 'app.bsky.feed.post', text, createdAt, ...(options.langs ? { langs: options.langs } : {}), ...(facets.length ? { facets } : {}) },
        },
        ...(context.signal ? { signal: context.signal } : {}),
      })
      .json<unknown>()
      .then((answer) => ({ answer, session }));
  });
  const created = readCreatedRecord(adapterId, url, body.answer, body.session);
  return {
    nativeId: created.uri,
    createdAt,
    url: created.url,
    account: body.session.did,
    channelMetadata: { cid: created.cid, ...(options.langs ? { langs: options.langs } : {}) },
  };
}
