import { InvalidOptionsError, InvalidPayloadError, toChannelApiError, type AdapterContext, type OutboundPost, type PublishResult } from 'social-crm/adapter-kit';
import type { AccountDirectory } from '../_shared/accounts/index.js';
import { tweetUrl } from './normalize.js';
import { readXError } from './x-errors.js';
import { xCreateTweetResponseSchema } from './x-schemas.js';

/** What {@link publishXPost} needs from the adapter's settings. */
export interface PublishSettings {
  adapterId: string;
  apiBaseUrl: string;
  userAccessToken: string;
  /** The brand account's user id (the token's user). */
  userId: string;
}

/**
 * Posts on the brand's timeline with `POST /2/tweets` (`text`; the link is appended, X previews
 * it). Needs the OAuth 2.0 user token (`tweet.write`). Media needs a separate upload, which this
 * adapter does not do, so a post with media is refused before any call.
 */
export async function publishXPost(post: OutboundPost, context: AdapterContext, settings: PublishSettings): Promise<PublishResult> {
  const { adapterId, apiBaseUrl } = settings;
  if (post.media.length) throw new InvalidOptionsError(`[${adapterId}] X posts media only after a media upload, which this adapter does not do; publish the text and link alone.`);
  if (post.account && post.account !== settings.userId) {
    throw new InvalidOptionsError(`[${adapterId}] The adapter posts as user ${settings.userId} (its token's user), not \`${post.account}\`; register an adapter per account.`);
  }
  const url = `${apiBaseUrl}/2/tweets`;
  let body: unknown;
  try {
    body = await context.http
      .post(url, {
        headers: { authorization: `Bearer ${settings.userAccessToken}` },
        json: { text: [post.text.trim(), post.link].filter(Boolean).join(' ') },
        ...(context.signal ? { signal: context.signal } : {}),
      })
      .json();
  } catch (error) {
    throw await toChannelApiError(adapterId, error, readXError);
  }
  const parsed = xCreateTweetResponseSchema.safeParse(body);
  if (!parsed.success) throw new InvalidPayloadError(`[${adapterId}] POST ${url} answered a body without the new Post's \`data.id\`.`);
  const { data } = parsed.data;
  return {
    nativeId: data.id,
    createdAt: context.now().toISOString(),
    url: tweetUrl(data.id),
    account: settings.userId,
    ...(data.edit_history_tweet_ids ? { channelMetadata: { editHistoryTweetIds: data.edit_history_tweet_ids } } : {}),
  };
}

/**
 * Publishes as the account the post names: the one user of a single-account adapter (whose id
 * `account` may repeat), or, with `accounts`, the user id given as `account`, with its token.
 */
export function publishAsXAccount(
  post: OutboundPost,
  context: AdapterContext,
  settings: { adapterId: string; apiBaseUrl: string } & ({ userId: string; userAccessToken: string } | { accounts: AccountDirectory<{ accessToken: string }> }),
): Promise<PublishResult> {
  const { adapterId, apiBaseUrl } = settings;
  if (!('accounts' in settings)) return publishXPost(post, context, { adapterId, apiBaseUrl, userId: settings.userId, userAccessToken: settings.userAccessToken });
  const userId = post.account;
  if (!userId) throw new InvalidOptionsError(`[${adapterId}] Name the X account to post as with \`account\` (its numeric user id).`);
  return settings.accounts.call(userId, context, (account) => publishXPost(post, context, { adapterId, apiBaseUrl, userId: account.accountId, userAccessToken: account.credentials.accessToken }));
}
