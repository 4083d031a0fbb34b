import * as z from 'zod';
import { ReplyNotAllowedError, isChannelApiError, type OutboundReply } from 'social-crm';
import { parseAdapterOptions, type AdapterContext, type ChannelAdapter, type SendResult, type WebhookResult } from 'social-crm/adapter-kit';
import { readMessagingItems } from '../_shared/meta/messaging-events.js';
import { createGraphApi, metaRateLimitFromResponse, type GraphApi } from '../_shared/meta/meta-graph.js';
import { adapterIdSchema, numericIdSchema, webhookCredentialsOf } from '../_shared/meta/adapter-settings.js';
import { metaAppOptionsSchema, type MetaAppOptions } from '../_shared/meta/meta-options.js';
import { accountOfInteraction, fixedAccount, type AccountDirectory, type AccountsOptions, type ResolvedAccount } from '../_shared/accounts/index.js';
import { createMetaAccounts, graphOptionsFor, metaAccountsAppOptionsSchema, requireAccount, usesAccounts, type MetaAccountCredentials, type MetaAccountsOptions } from '../_shared/meta/accounts.js';
import { describeIssues, metaChangeSchema, type MetaChange, type MetaEntry } from '../_shared/meta/meta-webhook.js';
import { addProfiles, createProfileCache, instagramProfileApi } from '../_shared/meta/profiles.js';
import { createPrivateReplyMemory, postPublicComment, sendDirectMessage, sendPrivateReply } from '../_shared/meta/send-message.js';
import { emptyOutcome, receiveMetaWebhook, type EntryOutcome } from '../_shared/meta/webhook-intake.js';
import { commentValueSchema, mentionLookupSchema, mentionValueSchema, type MentionValue } from './instagram-schemas.js';
import { normalizeComment, normalizeMention, type InstagramContext } from './normalize.js';
import { publishOnInstagramAccount } from './publish.js';

const ADAPTER_ID = 'instagram';

/** Options of {@link instagramAdapter}. Secrets are taken only from here; the adapter never reads the environment. */
export interface InstagramAdapterOptions extends MetaAppOptions {
  /** Id of the Instagram professional account (the `entry[].id` of its notifications). */
  accountId: string;
  /**
   * The Facebook Page linked to the account, with Facebook Login for Business: direct messages
   * and private replies are then sent as `POST /{pageId}/messages` with the Page token. Omit with
   * Business Login for Instagram (`graphBaseUrl: 'https://graph.instagram.com'`), where they go
   * through `POST /{accountId}/messages`.
   */
  pageId?: string;
  /** The account's username: comments it writes under that name are the brand's (`outbound`). */
  username?: string;
  /**
   * `mentions` notifications carry only ids: fetch the mentioned comment or caption from Graph
   * (`mentioned_comment` / `mentioned_media`) to store its text. @default true
   */
  fetchMentions?: boolean;
  /**
   * Look up each new direct-message sender with the User Profile API (`name`, `username`,
   * `profile_pic`, `follower_count`, `is_verified_user`), cached for a day. Instagram allows it only
   * for people who messaged the account. A failed look-up is a warning. @default false
   */
  fetchProfiles?: boolean;
  /** Adapter id (webhook path segment and `channel`); give each account its own. @default 'instagram' */
  id?: string;
}

/** What the host's resolver returns for one Instagram account: its token, and the Page linked to it and its username, where they apply. */
export interface InstagramAccountCredentials extends MetaAccountCredentials {
  /** As {@link InstagramAdapterOptions.pageId}, for this account. */
  pageId?: string;
  /** As {@link InstagramAdapterOptions.username}, for this account. */
  username?: string;
}

/**
 * Options of {@link instagramAdapter} serving every Instagram account of the app: each entry's
 * account (`entry[].id`) is resolved through `accounts.resolve(accountId)` to its token (plus its
 * linked `pageId` and `username`) and tenant; answers go out as the account the item belongs to.
 */
export interface InstagramAccountsOptions extends Omit<MetaAppOptions, 'accessToken'> {
  /** The host's resolver: Instagram account id → `{ credentials: { accessToken, pageId?, username? }, tenant }`. */
  accounts: AccountsOptions<InstagramAccountCredentials>;
  /** @default true */
  fetchMentions?: boolean;
  /** @default false */
  fetchProfiles?: boolean;
  /** @default 'instagram' */
  id?: string;
}

const accountsOptionsSchema = metaAccountsAppOptionsSchema.extend({
  fetchMentions: z.boolean().default(true),
  fetchProfiles: z.boolean().default(false),
  id: adapterIdSchema(ADAPTER_ID),
});

const optionsSchema = metaAppOptionsSchema.extend({
  accountId: numericIdSchema('Instagram professional account'),
  pageId: numericIdSchema('Facebook Page').optional(),
  username: z.string().regex(/^@?[A-Za-z0-9._]{1,30}$/, 'An Instagram username has up to 30 letters, digits, dots and underscores.').transform((name) => name.replace(/^@/, '')).optional(),
  fetchMentions: z.boolean().default(true),
  fetchProfiles: z.boolean().default(false),
  id: adapterIdSchema(ADAPTER_ID),
});

/** Fields the CRM does not store: acknowledged with an `ignored` warning. */
const IGNORED_FIELDS = new Set(['story_insights', 'messaging_handover', 'standby', 'message_reactions', 'messaging_seen', 'messages', 'messaging_postbacks', 'messaging_referral', 'messaging_optins']);

/**
 * Instagram: comments and replies on the account's media, \@mentions in other people's comments
 * and captions, and direct messages (with echoes, reactions, edits, unsends and read receipts).
 * Answers comments in public (`/replies`), mentions through `/mentions`, comments privately
 * (one private reply within 7 days) and direct messages through the Send API (24-hour window,
 * `HUMAN_AGENT` up to 7 days).
 *
 * @example
 * const instagram = instagramAdapter({ accountId: '17841400000000001', pageId: '104711112223334', username: 'acme_store', appSecret, verifyToken, accessToken: pageToken });
 */
export function instagramAdapter(options: InstagramAdapterOptions | InstagramAccountsOptions): ChannelAdapter {
  const settings = usesAccounts(options)
    ? parseAdapterOptions(options?.id ?? ADAPTER_ID, accountsOptionsSchema, options)
    : parseAdapterOptions(options?.id ?? ADAPTER_ID, optionsSchema, options);
  const id = settings.id;
  const single = 'accountId' in settings ? settings : undefined;
  const fixedOne = single ? { accountId: single.accountId, credentials: { accessToken: single.accessToken, ...(single.pageId ? { pageId: single.pageId } : {}), ...(single.username ? { username: single.username } : {}) } } : undefined;
  const accounts: AccountDirectory<InstagramAccountCredentials> =
    'accounts' in settings ? (createMetaAccounts(id, (options as { accounts: MetaAccountsOptions }).accounts) as AccountDirectory<InstagramAccountCredentials>) : fixedAccount(fixedOne!.accountId, fixedOne!.credentials);
  const graphBase = { adapterId: id, graphVersion: settings.graphVersion, graphBaseUrl: settings.graphBaseUrl };
  const profiles = createProfileCache();
  const brandIdsOf = (account: ResolvedAccount<InstagramAccountCredentials>) => new Set([account.accountId, ...(account.credentials.pageId ? [account.credentials.pageId] : [])]);
  /** Comments answered privately by this process (Meta allows one private reply per comment). */
  const privatelyAnswered = createPrivateReplyMemory();

  async function lookUpMention(graph: GraphApi, accountId: string, value: MentionValue): Promise<unknown> {
    const fields = value.comment_id
      ? `mentioned_comment.comment_id(${value.comment_id}){id,text,timestamp,media{id,permalink}}`
      : `mentioned_media.media_id(${value.media_id}){id,caption,timestamp,username,permalink,media_type,media_url}`;
    return graph.get(accountId, { fields });
  }

  async function readChange(change: MetaChange, context: InstagramContext, graph: GraphApi, outcome: EntryOutcome): Promise<void> {
    if (change.field === 'comments' || change.field === 'live_comments') {
      const value = commentValueSchema.safeParse(change.value);
      const interaction = value.success ? normalizeComment(value.data, context, change.field) : `[${id}] A \`${change.field}\` change could not be read: ${describeIssues(value.error)}`;
      if (typeof interaction === 'string') outcome.rejected.push({ payload: change, error: new Error(interaction) });
      else outcome.events.push({ type: 'interaction', interaction });
      return;
    }
    if (change.field === 'mentions') {
      const value = mentionValueSchema.safeParse(change.value);
      if (!value.success) {
        outcome.rejected.push({ payload: change, error: new Error(`[${id}] A \`mentions\` change could not be read: ${describeIssues(value.error)}`) });
        return;
      }
      if (!settings.fetchMentions) {
        outcome.warnings.push({ type: 'ignored', message: 'A mention was acknowledged but not stored: `fetchMentions` is off, and the notification carries only ids.', details: { ...value.data } });
        return;
      }
      try {
        const lookup = mentionLookupSchema.parse(await lookUpMention(graph, context.accountId, value.data));
        const interaction = normalizeMention(value.data, lookup, context);
        if (typeof interaction === 'string') outcome.rejected.push({ payload: change, error: new Error(interaction) });
        else outcome.events.push({ type: 'interaction', interaction });
      } catch (error) {
        // A passing failure fails the delivery: the core keeps it for replay and Meta redelivers it.
        if (isChannelApiError(error) && error.isRetryable) throw error;
        // A refusal (permissions, comments turned off) is kept as a dead letter with the ids.
        const detail = error instanceof z.ZodError ? describeIssues(error) : error instanceof Error ? error.message : String(error);
        outcome.rejected.push({ payload: change, error: new Error(`[${id}] The mentioned content could not be fetched: ${detail}`, { cause: error }) });
      }
      return;
    }
    outcome.warnings.push(
      IGNORED_FIELDS.has(change.field)
        ? { type: 'ignored', message: `Instagram field \`${change.field}\` is not stored from \`changes[]\`.`, details: { field: change.field } }
        : { type: 'unsupported', message: `Unknown Instagram field \`${change.field}\` was acknowledged and ignored.`, details: { field: change.field } },
    );
  }

  async function readEntry(entry: MetaEntry, context: AdapterContext, account: ResolvedAccount<InstagramAccountCredentials>): Promise<EntryOutcome> {
    const outcome = emptyOutcome();
    const brandIds = brandIdsOf(account);
    const username = account.credentials.username;
    const now = context.now();
    // Business Login for Instagram puts `field`/`value` on the entry itself instead of `changes[]`.
    const single = metaChangeSchema.safeParse(entry);
    const changes = entry.changes ?? (single.success ? [single.data] : []);
    const normalizeContext: InstagramContext = {
      channel: id,
      accountId: entry.id,
      brandIds,
      ...(username ? { brandUsername: username } : {}),
      ...(entry.time !== undefined ? { entryTime: entry.time } : {}),
      now,
    };
    const graph = createGraphApi(context, graphOptionsFor(graphBase, account.credentials));
    for (const change of changes) await readChange(change, normalizeContext, graph, outcome);
    const items = [...(entry.messaging ?? []), ...(entry.standby ?? [])];
    if (items.length) {
      const messaging = readMessagingItems(items, { channel: id, brandIds, now });
      if (settings.fetchProfiles) messaging.warnings.push(...(await addProfiles(messaging.events, graph, instagramProfileApi, profiles, now.getTime())));
      outcome.events.push(...messaging.events);
      outcome.rejected.push(...messaging.rejected);
      outcome.warnings.push(...messaging.warnings);
    }
    return outcome;
  }

  async function doHandleWebhook(request: Request, context: AdapterContext): Promise<WebhookResult> {
    return receiveMetaWebhook(request, {
      ...webhookCredentialsOf({ ...settings, accessToken: '' }, context),
      object: 'instagram',
      ...(single ? { accountIds: brandIdsOf(fixedOne!) } : { accounts: { directory: accounts, context } }),
      readEntry: (entry, account) => readEntry(entry, context, account ?? fixedOne!),
    });
  }

  async function doSendReply(reply: OutboundReply, context: AdapterContext): Promise<SendResult> {
    const target = reply.inReplyTo;
    const accountId = single?.accountId ?? requireAccount(id, accountOfInteraction(target), target.id);
    return accounts.call(accountId, context, (account) => sendAs(account, createGraphApi(context, graphOptionsFor(graphBase, account.credentials)), reply, context));
  }

  async function sendAs(account: ResolvedAccount<InstagramAccountCredentials>, graph: GraphApi, reply: OutboundReply, context: AdapterContext): Promise<SendResult> {
    const sender = account.credentials.pageId ?? account.accountId;
    const now = context.now();
    const target = reply.inReplyTo;
    const metadata = (target.channelMetadata[id] ?? {}) as { mediaId?: unknown; commentId?: unknown };
    const mentionedCommentId = target.kind === 'mention' && typeof metadata.commentId === 'string' ? metadata.commentId : undefined;
    const onComment = target.kind === 'comment' || target.kind === 'reply' || mentionedCommentId !== undefined;
    if ((reply.visibility ?? target.visibility) === 'private') {
      if (onComment) return sendPrivateReply(graph, sender, reply, now, id, privatelyAnswered);
      if (target.kind === 'mention') throw new ReplyNotAllowedError('not-replyable', `[${id}] A caption mention has no comment to answer privately; answer it in public.`);
      return sendDirectMessage(graph, sender, reply, now, id, ['image', 'video', 'audio']);
    }
    if (target.kind === 'comment') return postPublicComment(graph, `${target.nativeId}/replies`, reply, now, id);
    // Instagram threads one level deep: an answer to a reply goes under its top-level comment.
    if (target.kind === 'reply') return postPublicComment(graph, `${target.parentId ?? target.nativeId}/replies`, reply, now, id);
    if (target.kind === 'mention') {
      const mediaId = typeof metadata.mediaId === 'string' ? metadata.mediaId : target.conversationId.slice(id.length + 1);
      return postPublicComment(graph, `${account.accountId}/mentions`, reply, now, id, { media_id: mediaId, ...(mentionedCommentId ? { comment_id: mentionedCommentId } : {}) });
    }
    throw new ReplyNotAllowedError('not-replyable', `[${id}] A ${target.kind === 'reaction' ? 'reaction' : 'direct message'} has no public thread to answer in; reply with \`visibility: 'private'\`.`);
  }

  return {
    specificationVersion: 'v1',
    id,
    displayName: 'Instagram',
    capabilities: {
      webhook: true,
      poll: false,
      reply: true,
      directMessage: true,
      edits: true,
      deletes: true,
      reactions: true,
      threads: true,
      deliveryReceipts: true,
      publish: true,
    },
    rateLimitFromResponse: (response) => metaRateLimitFromResponse(response),
    doHandleWebhook,
    doSendReply,
    doPublish: (post, context) => publishOnInstagramAccount(post, context, { adapterId: id, ...(single ? { accountId: single.accountId } : {}), accounts, graphBase }),
  };
}
