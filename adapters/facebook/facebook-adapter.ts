import * as z from 'zod';
import { ReplyNotAllowedError, type OutboundReply } from 'social-crm';
import { parseAdapterOptions, type AdapterContext, type ChannelAdapter, type PollRequest, type PollResult, type SendResult, type WebhookResult } from 'social-crm/adapter-kit';
import { createGraphApi, metaRateLimitFromResponse } from '../_shared/meta/meta-graph.js';
import { adapterIdSchema, numericIdSchema, webhookCredentialsOf } from '../_shared/meta/adapter-settings.js';
import { metaAppOptionsSchema, type MetaAppOptions } from '../_shared/meta/meta-options.js';
import { describeIssues, type MetaEntry } from '../_shared/meta/meta-webhook.js';
import { createPrivateReplyMemory, postPublicComment, sendPrivateReply } from '../_shared/meta/send-message.js';
import { emptyOutcome, receiveMetaWebhook, type EntryOutcome } from '../_shared/meta/webhook-intake.js';
import { feedValueSchema } from './facebook-schemas.js';
import { normalizeFeedChange } from './normalize.js';
import { pollFeedPage } from './poll-feed.js';
import { publishOnPage } from './publish.js';
import { accountOfInteraction, fixedAccount } from '../_shared/accounts/index.js';
import { createMetaAccounts, graphOptionsFor, metaAccountsAppOptionsSchema, requireAccount, usesAccounts, type MetaAccountsOptions } from '../_shared/meta/accounts.js';

const ADAPTER_ID = 'facebook';

/** Options of {@link facebookAdapter}. Secrets are taken only from here; the adapter never reads the environment. */
export interface FacebookAdapterOptions extends MetaAppOptions {
  /** Numeric id of the Facebook Page whose feed this adapter serves; its own posts and comments are `outbound`. */
  pageId: string;
  /**
   * Backfill the feed with `crm.poll()`: posts of `GET /{pageId}/feed` and their comments, newest
   * first, resuming from a saved cursor. Webhooks stay the live source; polling catches up after
   * downtime or at setup. @default false
   */
  pollFeed?: boolean;
  /** Posts per poll page (1–100). @default 25 */
  pollPageSize?: number;
  /** Adapter id (webhook path segment and `channel`); give each Page its own. @default 'facebook' */
  id?: string;
}

/**
 * Options of {@link facebookAdapter} serving every Page of the app: each entry's Page
 * (`entry[].id`) is resolved through `accounts.resolve(pageId)` to its Page token and tenant, and
 * answers go out with the token of the Page the item belongs to. Feed polling is not available in
 * this mode (webhooks only).
 */
export interface FacebookAccountsOptions extends Omit<MetaAppOptions, 'accessToken'> {
  /** The host's resolver: Page id → `{ credentials: { accessToken }, tenant }`; see docs/guide/accounts.md. */
  accounts: MetaAccountsOptions;
  /** @default 'facebook' */
  id?: string;
}

const accountsOptionsSchema = metaAccountsAppOptionsSchema.extend({ id: adapterIdSchema(ADAPTER_ID) });

const optionsSchema = metaAppOptionsSchema.extend({
  pageId: numericIdSchema('Facebook Page', 'Page → About → Page transparency, or `GET /me?fields=id` with the Page token'),
  pollFeed: z.boolean().default(false),
  pollPageSize: z.number().int().min(1).max(100).default(25),
  id: adapterIdSchema(ADAPTER_ID),
});

/**
 * The Facebook Page feed: posts (the Page's and visitors'), comments, replies to comments and
 * reactions from the `feed` webhook field, with edits and removals. Answers in public
 * (`POST /{comment-or-post-id}/comments`) or privately (one private reply per comment, within 7
 * days, through Messenger). With `pollFeed`, `crm.poll()` backfills posts and their comments.
 *
 * Messenger events (`messaging[]`) that reach the same callback are left to the `messenger`
 * adapter and acknowledged silently.
 *
 * @example
 * const facebook = facebookAdapter({ pageId: '104711112223334', appSecret, verifyToken, accessToken: pageToken });
 */
export function facebookAdapter(options: FacebookAdapterOptions | FacebookAccountsOptions): ChannelAdapter {
  const settings = usesAccounts(options)
    ? parseAdapterOptions(options?.id ?? ADAPTER_ID, accountsOptionsSchema, options)
    : parseAdapterOptions(options?.id ?? ADAPTER_ID, optionsSchema, options);
  const id = settings.id;
  const single = 'pageId' in settings ? settings : undefined;
  const accounts = 'accounts' in settings ? createMetaAccounts(id, (options as { accounts: MetaAccountsOptions }).accounts) : fixedAccount(single!.pageId, { accessToken: single!.accessToken });
  const graphBase = { adapterId: id, graphVersion: settings.graphVersion, graphBaseUrl: settings.graphBaseUrl };
  const pollFeed = single?.pollFeed ?? false;
  /** Comments answered privately by this process (Meta allows one private reply per comment). */
  const privatelyAnswered = createPrivateReplyMemory();

  function readEntry(entry: MetaEntry, now: Date): EntryOutcome {
    const outcome = emptyOutcome();
    for (const change of entry.changes ?? []) {
      if (change.field !== 'feed' && change.field !== 'mention') {
        outcome.warnings.push({ type: 'unsupported', message: `Page field \`${change.field}\` is not handled by the ${id} adapter; it was acknowledged and ignored.`, details: { field: change.field } });
        continue;
      }
      const value = feedValueSchema.safeParse(change.value);
      if (!value.success) {
        outcome.rejected.push({ payload: change, error: new Error(`[${id}] A ${change.field} change could not be read: ${describeIssues(value.error)}`) });
        continue;
      }
      const result = normalizeFeedChange(value.data, { channel: id, pageId: entry.id, now }, change.field);
      if ('event' in result) outcome.events.push(result.event);
      else if ('warning' in result) outcome.warnings.push(result.warning);
      else outcome.rejected.push({ payload: change, error: new Error(result.error) });
    }
    // `messaging[]` in the same notification belongs to the messenger adapter.
    return outcome;
  }

  async function doHandleWebhook(request: Request, context: AdapterContext): Promise<WebhookResult> {
    return receiveMetaWebhook(request, {
      ...webhookCredentialsOf({ ...settings, accessToken: '' }, context),
      object: 'page',
      ...(single ? { accountIds: new Set([single.pageId]) } : { accounts: { directory: accounts, context } }),
      readEntry: (entry) => readEntry(entry, context.now()),
    });
  }

  async function doPoll(request: PollRequest, context: AdapterContext): Promise<PollResult> {
    return pollFeedPage(createGraphApi(context, graphOptionsFor(graphBase, { accessToken: single!.accessToken })), { channel: id, pageId: single!.pageId, pageSize: single!.pollPageSize }, request, context.now());
  }

  async function doSendReply(reply: OutboundReply, context: AdapterContext): Promise<SendResult> {
    const target = reply.inReplyTo;
    const pageId = single?.pageId ?? requireAccount(id, accountOfInteraction(target, target.recipientId), target.id);
    return accounts.call(pageId, context, (account) => sendAs(account.accountId, createGraphApi(context, graphOptionsFor(graphBase, account.credentials)), reply, context));
  }

  async function sendAs(pageId: string, graph: ReturnType<typeof createGraphApi>, reply: OutboundReply, context: AdapterContext): Promise<SendResult> {
    const now = context.now();
    const target = reply.inReplyTo;
    const onComment = target.kind === 'comment' || target.kind === 'reply';
    const visitorPost = target.kind === 'post' && target.direction === 'inbound';
    if ((reply.visibility ?? target.visibility) === 'private') {
      if (onComment || visitorPost) return sendPrivateReply(graph, pageId, reply, now, id, privatelyAnswered);
      throw new ReplyNotAllowedError('not-replyable', `[${id}] Only comments and visitors' posts can be answered privately; answer this ${target.direction === 'outbound' ? 'Page post' : target.kind} in public.`);
    }
    if (target.kind === 'reaction') throw new ReplyNotAllowedError('not-replyable', `[${id}] A reaction has no text to answer; answer the ${target.parentId ? `item it reacts to (${target.parentId})` : 'post'} instead.`);
    // Comments nest two levels deep: an answer to a reply goes under the comment it replies to.
    const objectId = target.kind === 'reply' && target.parentId ? target.parentId : target.nativeId;
    return postPublicComment(graph, `${objectId}/comments`, reply, now, id);
  }

  return {
    specificationVersion: 'v1',
    id,
    displayName: 'Facebook Page',
    capabilities: {
      webhook: true,
      poll: pollFeed,
      reply: true,
      directMessage: true,
      edits: true,
      deletes: true,
      reactions: true,
      threads: true,
      deliveryReceipts: false,
      publish: true,
    },
    rateLimitFromResponse: (response) => metaRateLimitFromResponse(response),
    doHandleWebhook,
    ...(pollFeed ? { doPoll } : {}),
    doSendReply,
    doPublish: (post, context) => publishOnPage(post, context, { adapterId: id, ...(single ? { pageId: single.pageId } : {}), accounts, graphBase }),
  };
}
