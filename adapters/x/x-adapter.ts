import * as z from 'zod';
import { InvalidPayloadError, UnknownAccountError, WebhookVerificationError, isSocialCrmError, type InteractionInput, type JSONObject, type OutboundPost, type OutboundReply } from 'social-crm';
import {
  hmac,
  parseAdapterOptions,
  parseJsonObject,
  readRawBody,
  toBase64,
  toChannelApiError,
  verifyHmacSignature,
  type AdapterContext,
  type AdapterWarning,
  type ChannelAdapter,
  type ChannelEvent,
  type PollResult,
  type RejectedItem,
  type WebhookResult,
} from 'social-crm/adapter-kit';
import {
  normalizeAaaDirectMessage,
  normalizeAaaFavorite,
  normalizeAaaTweet,
  normalizeTweet,
  toIsoDate,
  type NormalizeContext,
} from './normalize.js';
import { sendXReply } from './send-reply.js';
import { publishAsXAccount } from './publish.js';
import { refreshXToken, type XOAuthClient, type XTokens } from './x-tokens.js';
import {
  accountOfInteraction,
  createAccountDirectory,
  accountsOptionSchema,
  resolveForDelivery,
  tagWithAccount,
  type AccountDirectory,
  type AccountsOptions,
  type ResolvedAccount,
} from '../_shared/accounts/index.js';
import { readXError, readXRateLimit } from './x-errors.js';
import {
  aaaDirectMessageEventSchema,
  aaaEnvelopeSchema,
  aaaFavoriteEventSchema,
  aaaMarkReadEventSchema,
  aaaTweetDeleteEventSchema,
  aaaTweetSchema,
  aaaUserSchema,
  xActivityDeleteSchema,
  xActivityEnvelopeSchema,
  xTimelineResponseSchema,
  xTweetSchema,
  xUserSchema,
  type AaaUser,
  type XUser,
} from './x-schemas.js';

const ADAPTER_ID = 'x';

/** The header X signs every webhook POST with: `sha256=<base64 HMAC-SHA256(consumer secret, raw body)>`. */
export const X_SIGNATURE_HEADER = 'x-twitter-webhooks-signature';

/** Options of {@link xAdapter}. Tokens are taken only from here; the adapter never reads the environment. */
export interface XAdapterOptions {
  /** Numeric id of the brand's X account (not the @handle). Its Posts are `outbound`, and its mentions are polled. */
  userId: string;
  /**
   * App-only bearer token, for reading (mentions timeline, recent search).
   * @default the `userAccessToken`, when only that is given
   */
  bearerToken?: string;
  /**
   * OAuth 2.0 user-context access token of the brand account, for writing: replies need
   * `tweet.read tweet.write users.read`, direct messages `dm.read dm.write tweet.read users.read`.
   * Without it the adapter cannot reply. Refresh it yourself and create a new adapter when it changes.
   */
  userAccessToken?: string;
  /**
   * The app's consumer secret (API secret key), for webhooks: it answers the CRC challenge and
   * verifies `x-twitter-webhooks-signature`. Without it the adapter has no webhook.
   */
  consumerSecret?: string;
  /**
   * Brand keywords for recent search (last 7 days), e.g. `['acme', '"acme router"', '#acmefail']`.
   * Joined with `OR`; retweets are left out. Without keywords only mentions are polled.
   * @default []
   */
  keywords?: string[];
  /** @default 'https://api.x.com' */
  apiBaseUrl?: string;
  /** Adapter id (webhook path segment and `channel`); give each brand account its own. @default 'x' */
  id?: string;
  /** Posts per page (X allows 5–100 for mentions, 10–100 for search). @default 100 */
  maxResults?: number;
}

/** The credentials of one X account, as the host's resolver returns them. */
export interface XAccountCredentials {
  /** OAuth 2.0 user-context access token of the account (replies, DMs). */
  accessToken: string;
  /** Its refresh token (`offline.access` scope): with `oauthClient`, the adapter renews an expired or refused access token itself. */
  refreshToken?: string;
}

/** The `accounts` option of {@link xAdapter}: the host's resolver, keyed by the account's numeric user id (`for_user_id`). */
export interface XAccountsResolver extends AccountsOptions<XAccountCredentials> {
  /**
   * Called with the new tokens after the adapter renewed an account's access token. X rotates
   * refresh tokens, so store both before the next restart: the old refresh token no longer works.
   * Awaited; a failure is logged (the new tokens are used in memory anyway).
   */
  onTokens?(accountId: string, tokens: XTokens): void | Promise<void>;
  /**
   * The user ids to poll (mentions timeline), each with its own token: given, `crm.poll()` reads
   * every listed account and keeps one position per account in the cursor. Omit for webhooks only.
   */
  list?(): readonly string[] | Promise<readonly string[]>;
}

/**
 * Options of {@link xAdapter} serving many X accounts of one app from one webhook: each delivery's
 * account (`for_user_id`, or the X Activity API's `filter.user_id`) is resolved through
 * `accounts.resolve(userId)` to its tokens and tenant; replies go out with the token of the
 * account the conversation belongs to. With `accounts.list`, `crm.poll()` reads each listed
 * account's mentions with its own token.
 */
export interface XAccountsOptions {
  accounts: XAccountsResolver;
  /** The app's consumer secret: answers the CRC challenge and verifies every delivery. */
  consumerSecret: string;
  /** The app's OAuth 2.0 client, to renew access tokens with the accounts' refresh tokens. Without it, the host's resolver is asked again. */
  oauthClient?: XOAuthClient;
  /** @default 'https://api.x.com' */
  apiBaseUrl?: string;
  /** @default 'x' */
  id?: string;
}

/** The API's base URL (a test server or a proxy), without a trailing slash. */
const apiBaseUrlSchema = z
  .string()
  .url()
  .default('https://api.x.com')
  .transform((url) => url.replace(/\/+$/, ''));
const adapterIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'Use lower-kebab-case.').default(ADAPTER_ID);

const accountsOptionsSchema = z.object({
  accounts: accountsOptionSchema<XAccountsResolver>('it returns `{ credentials: { accessToken, refreshToken? }, tenant }` for an X user id', ['onTokens', 'list']),
  consumerSecret: z.string().min(1, 'Pass the consumer secret: with `accounts`, the adapter serves webhooks.'),
  oauthClient: z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1).optional() }).optional(),
  apiBaseUrl: apiBaseUrlSchema,
  id: adapterIdSchema,
});
type AccountsSettings = z.output<typeof accountsOptionsSchema>;

const SEARCH_QUERY_LIMIT = 512;

/** Quotes a keyword with spaces (an exact phrase); operators and `#tags` pass through. */
function searchTerm(keyword: string): string {
  const trimmed = keyword.trim();
  if (/^".*"$/.test(trimmed) || !/\s/.test(trimmed)) return trimmed;
  return `"${trimmed.replace(/"/g, '')}"`;
}

/** The recent-search query for the keywords, or `undefined` without keywords. */
export function buildSearchQuery(keywords: string[]): string | undefined {
  if (!keywords.length) return undefined;
  const terms = keywords.map(searchTerm);
  return `${terms.length > 1 ? `(${terms.join(' OR ')})` : terms[0]} -is:retweet`;
}

const optionsSchema = z
  .object({
    userId: z.string().regex(/^\d+$/, 'Use the numeric id of the brand account, not its @handle.'),
    bearerToken: z.string().min(1).optional(),
    userAccessToken: z.string().min(1).optional(),
    consumerSecret: z.string().min(1).optional(),
    keywords: z.array(z.string().trim().min(1)).default([]),
    apiBaseUrl: apiBaseUrlSchema,
    id: adapterIdSchema,
    maxResults: z.number().int().min(10).max(100).default(100),
  })
  .superRefine((value, context) => {
    if (!value.bearerToken && !value.userAccessToken && !value.consumerSecret) {
      context.addIssue({ code: 'custom', path: ['bearerToken'], message: 'Pass `bearerToken` or `userAccessToken` (polling, replies) and/or `consumerSecret` (webhooks); with none the adapter can do nothing.' });
    }
    const query = buildSearchQuery(value.keywords);
    if (query && query.length > SEARCH_QUERY_LIMIT) {
      context.addIssue({ code: 'custom', path: ['keywords'], message: `The search query is ${query.length} characters; X accepts ${SEARCH_QUERY_LIMIT}. Use fewer keywords.` });
    }
  });

type Settings = z.output<typeof optionsSchema>;

const TWEET_FIELDS = 'created_at,conversation_id,in_reply_to_user_id,referenced_tweets,public_metrics,lang,entities,edit_history_tweet_ids,author_id';
const USER_FIELDS = 'username,name,verified,public_metrics,profile_image_url,location';
const EXPANSIONS = 'author_id,referenced_tweets.id,in_reply_to_user_id';

// ---------------------------------------------------------------------------------------------
// Cursor: per-stream since_id and page token, as opaque JSON
// ---------------------------------------------------------------------------------------------

type StreamName = 'mentions' | 'search';

const streamStateSchema = z.object({
  /** Newest id already stored by a completed run: the next run's `since_id`. */
  sinceId: z.string().optional(),
  /** Token of the next page of the run in progress. */
  nextToken: z.string().optional(),
  /** Newest id of the run in progress (from its first page); becomes `sinceId` when the run ends. */
  runNewestId: z.string().optional(),
  /** The search query the tokens belong to; a changed query starts over. */
  query: z.string().optional(),
});
type StreamState = z.output<typeof streamStateSchema>;

const cursorSchema = z.object({
  v: z.literal(1),
  mentions: streamStateSchema.default({}),
  search: streamStateSchema.default({}),
});
type CursorState = z.output<typeof cursorSchema>;

function decodeCursor(cursor: string | undefined, warnings: AdapterWarning[]): CursorState {
  if (!cursor) return { v: 1, mentions: {}, search: {} };
  try {
    return cursorSchema.parse(JSON.parse(cursor));
  } catch {
    warnings.push({ type: 'malformed', message: 'The saved poll cursor could not be read; polling starts over (stored items are skipped as duplicates).', details: { cursor } });
    return { v: 1, mentions: {}, search: {} };
  }
}

function newestId(ids: Array<string | undefined>): string | undefined {
  let newest: string | undefined;
  for (const id of ids) {
    if (!id || !/^\d+$/.test(id)) continue;
    if (newest === undefined || BigInt(id) > BigInt(newest)) newest = id;
  }
  return newest;
}

function omitUndefined(state: StreamState): StreamState {
  return Object.fromEntries(Object.entries(state).filter(([, value]) => value !== undefined)) as StreamState;
}

// ---------------------------------------------------------------------------------------------
// The adapter
// ---------------------------------------------------------------------------------------------

/** The X Activity API wraps some user objects as `{ data: User }`. */
function unwrapData(candidate: unknown): unknown {
  if (typeof candidate !== 'object' || candidate === null || !('data' in candidate)) return candidate;
  const inner = (candidate as { data: unknown }).data;
  return typeof inner === 'object' && inner !== null ? inner : candidate;
}

/** A `users` map entry: a v1.1 User (Account Activity) or `{ data: v2 User }` (X Activity API). */
function readDirectMessageUser(candidate: unknown): AaaUser | undefined {
  const unwrapped = unwrapData(candidate);
  if (unwrapped !== candidate) {
    const user = xUserSchema.safeParse(unwrapped);
    if (!user.success) return undefined;
    return {
      id_str: user.data.id,
      screen_name: user.data.username,
      name: user.data.name,
      verified: user.data.verified,
      followers_count: user.data.public_metrics?.followers_count,
      profile_image_url_https: user.data.profile_image_url,
      location: user.data.location,
    };
  }
  const user = aaaUserSchema.safeParse(candidate);
  return user.success ? user.data : undefined;
}

/** Only characters X uses in CRC tokens: a token that looks like JSON would turn the CRC into a signing oracle. */
const CRC_TOKEN_PATTERN = /^[\w\-+/=.~]{1,512}$/;
/** A token that is itself a JSON number or literal: the CRC answer would sign a valid JSON body. */
const JSON_SCALAR = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/;

/** Keys of an Account Activity delivery that describe it rather than carry events. */
const AAA_ENVELOPE_KEYS = new Set(['for_user_id', 'users', 'apps', 'user_has_blocked', 'is_blocked_by', 'source', 'target']);
/** Events the CRM does not store: acknowledged with an `ignored` warning. */
const AAA_IGNORED_KEYS = new Set([
  'follow_events',
  'unfollow_events',
  'block_events',
  'unblock_events',
  'mute_events',
  'unmute_events',
  'user_event',
  'replay_job_status',
  'spaces_events',
]);
const TWEET_EVENT_TYPES = new Set(['post.create', 'post.mention.create', 'post.reply.create', 'post.quote.create']);

/**
 * The X (API v2) channel: polls the brand's mentions and a keyword search, receives Account
 * Activity (and X Activity API) webhooks, and replies in threads or by direct message.
 *
 * Capabilities follow the credentials: polling needs `bearerToken` or `userAccessToken`,
 * webhooks need `consumerSecret`, replies and DMs need `userAccessToken`.
 *
 * @example
 * const x = xAdapter({
 *   userId: '1234567890',
 *   bearerToken: secrets.X_BEARER_TOKEN,
 *   userAccessToken: await tokens.x(),
 *   consumerSecret: secrets.X_CONSUMER_SECRET,
 *   keywords: ['acme', '"acme router"'],
 * });
 * const crm = createSocialCrm({ ledger, adapters: [x] });
 */
export function xAdapter(options: XAdapterOptions | XAccountsOptions): ChannelAdapter {
  if (typeof options === 'object' && options !== null && 'accounts' in options && options.accounts !== undefined) {
    // The host's own resolver object (not the parsed copy): its methods may rely on `this`.
    return buildXAdapter({ ...parseAdapterOptions(options.id ?? ADAPTER_ID, accountsOptionsSchema, options), accounts: options.accounts });
  }
  return buildXAdapter(parseAdapterOptions((options as XAdapterOptions | undefined)?.id ?? ADAPTER_ID, optionsSchema, options));
}

/** The host's resolver behind a cache; with an OAuth client, expired or refused tokens are renewed with the account's refresh token. */
function createXAccounts(settings: AccountsSettings): AccountDirectory<XAccountCredentials> {
  const { accounts, oauthClient, apiBaseUrl, id } = settings;
  return createAccountDirectory<XAccountCredentials>(id, accounts, {
    ...(oauthClient
      ? {
          async renew(account: ResolvedAccount<XAccountCredentials>, context: AdapterContext) {
            if (!account.credentials.refreshToken) return undefined;
            const tokens = await refreshXToken(context, { adapterId: id, apiBaseUrl, client: oauthClient, refreshToken: account.credentials.refreshToken });
            try {
              await accounts.onTokens?.(account.accountId, tokens);
            } catch (error) {
              context.logger.error(`[${id}] accounts.onTokens failed: the renewed tokens of account ${account.accountId} are used but were not stored.`, { accountId: account.accountId, error: error instanceof Error ? error.name : typeof error });
            }
            const refreshToken = tokens.refreshToken ?? account.credentials.refreshToken;
            const expiresAt = tokens.expiresAt ? Date.parse(tokens.expiresAt) : undefined;
            return { credentials: { accessToken: tokens.accessToken, refreshToken }, ...(expiresAt !== undefined ? { expiresAt } : {}) };
          },
        }
      : {}),
  });
}

function buildXAdapter(settings: Settings | AccountsSettings): ChannelAdapter {
  const id = settings.id;
  const single = 'userId' in settings ? settings : undefined;
  const accounts = 'accounts' in settings ? createXAccounts(settings) : undefined;
  const readToken = single ? (single.bearerToken ?? single.userAccessToken) : undefined;
  const searchQuery = buildSearchQuery(single?.keywords ?? []);
  const canPollAccounts = 'accounts' in settings && typeof settings.accounts.list === 'function';
  const canPoll = readToken !== undefined || canPollAccounts;
  const canWebhook = settings.consumerSecret !== undefined;
  const canWrite = accounts !== undefined || single?.userAccessToken !== undefined;

  function normalizeContext(source: NormalizeContext['source'], forUserId?: string): NormalizeContext {
    const recipientId = forUserId ?? single?.userId;
    return {
      channel: id,
      brandUserIds: new Set([...(single ? [single.userId] : []), ...(forUserId ? [forUserId] : [])]),
      source,
      ...(recipientId ? { recipientId } : {}),
    };
  }

  /** The account a poll reads: its user id (mentions) and the token to read with. */
  type Reader = { userId: string; token: string };

  async function fetchPage(reader: Reader, stream: StreamName, state: StreamState, limit: number | undefined, context: AdapterContext) {
    const { userId } = reader;
    const maxResults = single?.maxResults ?? 100;
    const size = Math.max(stream === 'mentions' ? 5 : 10, Math.min(limit ?? maxResults, maxResults));
    const url = stream === 'mentions' ? `${settings.apiBaseUrl}/2/users/${userId}/mentions` : `${settings.apiBaseUrl}/2/tweets/search/recent`;
    const searchParams = new URLSearchParams({
      max_results: String(size),
      expansions: EXPANSIONS,
      'tweet.fields': TWEET_FIELDS,
      'user.fields': USER_FIELDS,
    });
    if (stream === 'search') searchParams.set('query', searchQuery!);
    if (state.sinceId) searchParams.set('since_id', state.sinceId);
    if (state.nextToken) searchParams.set(stream === 'mentions' ? 'pagination_token' : 'next_token', state.nextToken);
    try {
      const body = await context.http
        .get(url, { searchParams, headers: { authorization: `Bearer ${reader.token}` }, ...(context.signal ? { signal: context.signal } : {}) })
        .json();
      return xTimelineResponseSchema.parse(body);
    } catch (error) {
      if (error instanceof z.ZodError) {
        throw new InvalidPayloadError(`[${id}] GET ${url} answered a body that is not a timeline: ${error.issues[0]?.message ?? ''}`, { cause: error });
      }
      throw await toChannelApiError(id, error, readXError);
    }
  }

  async function doPoll(request: { cursor: string | undefined; limit?: number }, context: AdapterContext): Promise<PollResult> {
    return pollAccount({ userId: single!.userId, token: readToken! }, request, context);
  }

  /**
   * With `accounts.list`: every listed account's mentions, each read with its own token and tagged
   * with its tenant; the cursor keeps one position per account. A failing account is a warning
   * (its position stays put) and the others go on.
   */
  async function doPollAccounts(request: { cursor: string | undefined; limit?: number }, context: AdapterContext): Promise<PollResult> {
    const warnings: AdapterWarning[] = [];
    let positions: Record<string, string> = {};
    try {
      positions = request.cursor ? (z.object({ accounts: z.record(z.string(), z.string()) }).parse(JSON.parse(request.cursor)).accounts) : {};
    } catch {
      warnings.push({ type: 'malformed', message: 'The saved poll cursor could not be read; polling starts over (stored items are skipped as duplicates).' });
    }
    const result: PollResult = { events: [], rejected: [], warnings, cursor: undefined, hasMore: false };
    const ids = await (settings as AccountsSettings).accounts.list!();
    for (const accountId of ids) {
      try {
        const { polled, account } = await accounts!.call(accountId, context, async (resolved) => ({
          polled: await pollAccount({ userId: accountId, token: resolved.credentials.accessToken }, { cursor: positions[accountId], ...(request.limit ? { limit: request.limit } : {}) }, context),
          account: resolved,
        }));
        tagWithAccount(polled, id, account);
        result.events.push(...polled.events);
        result.rejected!.push(...(polled.rejected ?? []));
        warnings.push(...(polled.warnings ?? []));
        if (polled.cursor !== undefined) positions[accountId] = polled.cursor;
        result.hasMore ||= polled.hasMore;
      } catch (error) {
        warnings.push({ type: isSocialCrmError(error, 'RATE_LIMITED') ? 'rate-limit' : 'other', message: `Polling account ${accountId} failed; it is retried on the next poll: ${error instanceof Error ? error.message : String(error)}`, details: { accountId } });
      }
    }
    result.cursor = JSON.stringify({ accounts: positions });
    return result;
  }

  async function pollAccount(reader: Reader, request: { cursor: string | undefined; limit?: number }, context: AdapterContext): Promise<PollResult> {
    const warnings: AdapterWarning[] = [];
    const rejected: RejectedItem[] = [];
    const state = decodeCursor(request.cursor, warnings);
    if (state.search.query !== searchQuery) state.search = searchQuery ? { query: searchQuery } : {};
    const streams: StreamName[] = searchQuery ? ['mentions', 'search'] : ['mentions'];
    // Finish the pages of a run in progress before starting a new run: a new run's since_id
    // would skip the older pages that are still waiting.
    const pending = streams.filter((stream) => state[stream].nextToken);
    const events: ChannelEvent[] = [];
    const seen = new Set<string>();
    const selected = pending.length ? pending : streams;
    const fetched: StreamName[] = [];
    const failures: unknown[] = [];
    for (const stream of selected) {
      const current = state[stream];
      let page: Awaited<ReturnType<typeof fetchPage>>;
      try {
        page = await fetchPage(reader, stream, current, request.limit, context);
      } catch (error) {
        // One broken stream (a query the plan does not allow, say) must not stop the other.
        // Its state stays put, so the next poll retries it from the same place.
        failures.push(error);
        warnings.push({
          type: isSocialCrmError(error, 'RATE_LIMITED') ? 'rate-limit' : 'other',
          message: `Polling ${stream} failed; it is retried on the next poll: ${error instanceof Error ? error.message : String(error)}`,
          details: { stream },
        });
        continue;
      }
      fetched.push(stream);
      const users = new Map<string, XUser>();
      for (const candidate of page.includes?.users ?? []) {
        const user = xUserSchema.safeParse(candidate);
        if (user.success) users.set(user.data.id, user.data);
      }
      const items: InteractionInput[] = [];
      for (const candidate of page.data ?? []) {
        const tweet = xTweetSchema.safeParse(candidate);
        if (!tweet.success) {
          rejected.push({ payload: candidate, error: new Error(`Not a Post: ${tweet.error.issues[0]?.message ?? 'invalid'}`) });
          continue;
        }
        items.push(normalizeTweet(tweet.data, users, normalizeContext(stream, reader.userId), context.now()));
      }
      for (const error of page.errors ?? []) {
        warnings.push({ type: 'other', message: `X reported a partial error: ${error.detail ?? error.title ?? error.message ?? 'unknown'}`, details: { stream } });
      }
      // X answers newest first; oldest first lets a reply find its parent in the same page.
      for (const interaction of items.reverse()) {
        if (seen.has(interaction.nativeId)) continue;
        seen.add(interaction.nativeId);
        events.push({ type: 'interaction', interaction });
      }
      const runNewestId = current.nextToken ? current.runNewestId : newestId([page.meta?.newest_id, ...(page.data ?? []).map((item) => (item as { id?: string }).id)]);
      state[stream] = omitUndefined(
        page.meta?.next_token
          ? { ...current, nextToken: page.meta.next_token, runNewestId }
          : { sinceId: newestId([runNewestId, current.sinceId]) ?? current.sinceId, query: current.query },
      );
    }
    if (failures.length === selected.length) throw failures[0];
    return {
      events,
      cursor: JSON.stringify(state),
      hasMore: fetched.some((stream) => state[stream].nextToken !== undefined),
      ...(rejected.length ? { rejected } : {}),
      ...(warnings.length ? { warnings } : {}),
    };
  }

  /**
   * The challenge-response check: X sends `GET ?crc_token=…` and expects its HMAC under the consumer
   * secret, the same key and construction as a POST signature. So only tokens that can never be
   * a POST body X would send are answered: no JSON punctuation, and not a JSON number or literal.
   */
  async function answerCrc(request: Request): Promise<WebhookResult> {
    const tokens = new URL(request.url).searchParams.getAll('crc_token');
    if (tokens.length !== 1 || !tokens[0]) throw new InvalidPayloadError(`[${id}] A GET to the webhook must carry one \`crc_token\` (X's challenge-response check).`);
    const token = tokens[0];
    if (!CRC_TOKEN_PATTERN.test(token) || JSON_SCALAR.test(token)) {
      throw new WebhookVerificationError('invalid-token', `[${id}] The \`crc_token\` is not shaped like X's challenge; it was not answered.`);
    }
    const digest = await hmac('SHA-256', settings.consumerSecret!, token);
    return { response: Response.json({ response_token: `sha256=${toBase64(digest)}` }), events: [] };
  }

  /** Runs `handle` on each schema-valid item of an `*_events` array; the rest are rejected. */
  function eachItem<Item>(value: unknown, schema: z.ZodType<Item>, key: string, rejected: RejectedItem[], handle: (item: Item, raw: unknown) => void) {
    if (!Array.isArray(value)) {
      rejected.push({ payload: value, error: new Error(`\`${key}\` is not an array.`) });
      return;
    }
    for (const raw of value) {
      const parsed = schema.safeParse(raw);
      if (parsed.success) handle(parsed.data, raw);
      else rejected.push({ payload: raw, error: new Error(`${key}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`) });
    }
  }

  function handleAccountActivity(payload: Record<string, unknown>, now: Date, source: NormalizeContext['source'] = 'account-activity'): WebhookResult {
    const envelope = aaaEnvelopeSchema.safeParse(payload);
    const forUserId = envelope.success ? envelope.data.for_user_id : undefined;
    const context = normalizeContext(source, forUserId);
    const users = new Map<string, AaaUser>();
    for (const [userId, candidate] of Object.entries(envelope.success ? envelope.data.users ?? {} : {})) {
      const user = readDirectMessageUser(candidate);
      if (user) users.set(userId, user);
    }
    const events: ChannelEvent[] = [];
    const rejected: RejectedItem[] = [];
    const warnings: AdapterWarning[] = [];
    for (const [key, value] of Object.entries(payload)) {
      if (AAA_ENVELOPE_KEYS.has(key) || key === 'direct_message_indicate_typing_events') continue;
      switch (key) {
        case 'tweet_create_events':
          eachItem(value, aaaTweetSchema, key, rejected, (tweet) => events.push({ type: 'interaction', interaction: normalizeAaaTweet(tweet, context, now) }));
          break;
        case 'favorite_events':
          eachItem(value, aaaFavoriteEventSchema, key, rejected, (favorite) => events.push({ type: 'interaction', interaction: normalizeAaaFavorite(favorite, context, now) }));
          break;
        case 'direct_message_events':
          eachItem(value, aaaDirectMessageEventSchema, key, rejected, (message) => {
            if (message.type !== 'message_create' || !message.message_create) {
              warnings.push({ type: 'ignored', message: `Direct message event of type \`${message.type}\` was ignored.`, details: { id: message.id } });
              return;
            }
            events.push({ type: 'interaction', interaction: normalizeAaaDirectMessage({ ...message, message_create: message.message_create }, users, context, now) });
          });
          break;
        case 'tweet_delete_events':
          eachItem(value, aaaTweetDeleteEventSchema, key, rejected, (deletion) =>
            events.push({ type: 'deletion', channel: id, nativeId: deletion.status.id, deletedAt: toIsoDate(deletion.timestamp_ms, now) }),
          );
          break;
        case 'direct_message_mark_read_events':
          eachItem(value, aaaMarkReadEventSchema, key, rejected, (read) => {
            // Only a customer reading the brand's messages is a receipt for something we sent.
            if (context.brandUserIds.has(read.sender_id)) return;
            events.push({ type: 'delivery-status', channel: id, nativeId: read.last_read_event_id, status: 'read', at: toIsoDate(read.created_timestamp, now) });
          });
          break;
        default:
          warnings.push(
            AAA_IGNORED_KEYS.has(key)
              ? { type: 'ignored', message: `Account Activity \`${key}\` is not stored by the CRM.`, details: { key } }
              : { type: 'unsupported', message: `Unknown Account Activity event \`${key}\` was acknowledged and ignored.`, details: { key } },
          );
      }
    }
    return { events, rejected, warnings };
  }

  function handleActivityApi(envelope: z.output<typeof xActivityEnvelopeSchema>, now: Date): WebhookResult {
    const { event_type: eventType, payload, includes, filter } = envelope.data;
    const context = normalizeContext('activity-api', filter?.user_id);
    if (TWEET_EVENT_TYPES.has(eventType)) {
      const tweet = xTweetSchema.safeParse(payload);
      if (!tweet.success) return { events: [], rejected: [{ payload, error: new Error(`${eventType}: the payload is not a Post.`) }] };
      const users = new Map<string, XUser>();
      for (const candidate of includes?.users ?? []) {
        const user = xUserSchema.safeParse(unwrapData(candidate));
        if (user.success) users.set(user.data.id, user.data);
      }
      const interaction = normalizeTweet(tweet.data, users, context, now);
      const metadata = { ...(interaction.channelMetadata?.x as JSONObject | undefined), eventType, ...(envelope.data.event_uuid ? { eventUuid: envelope.data.event_uuid } : {}) };
      return { events: [{ type: 'interaction', interaction: { ...interaction, channelMetadata: { x: metadata } } }] };
    }
    if (eventType === 'post.delete') {
      const deletion = xActivityDeleteSchema.safeParse(payload);
      if (!deletion.success) return { events: [], rejected: [{ payload, error: new Error('post.delete: the payload has no `id`.') }] };
      return { events: [{ type: 'deletion', channel: id, nativeId: deletion.data.id, deletedAt: now.toISOString() }] };
    }
    if (typeof payload === 'object' && payload !== null && 'direct_message_events' in payload) {
      // `dm.received` / `dm.sent` carry the Account Activity shape, with v2 users in the map.
      return handleAccountActivity({ ...(payload as Record<string, unknown>), ...(filter?.user_id ? { for_user_id: filter.user_id } : {}) }, now, 'activity-api');
    }
    return { events: [], warnings: [{ type: 'unsupported', message: `X Activity event \`${eventType}\` was acknowledged and ignored.`, details: { eventType } }] };
  }

  async function doHandleWebhook(request: Request, context: AdapterContext): Promise<WebhookResult> {
    if (request.method === 'GET') return answerCrc(request);
    if (request.method !== 'POST') throw new InvalidPayloadError(`[${id}] X calls the webhook with GET (CRC) or POST, not ${request.method}.`, { status: 405 });
    const body = await readRawBody(request);
    if (!context.verifiedBefore) {
      await verifyHmacSignature({
        algorithm: 'SHA-256',
        secret: settings.consumerSecret!,
        payload: body,
        signature: request.headers.get(X_SIGNATURE_HEADER),
        encoding: 'base64',
        prefix: 'sha256=',
        headerName: X_SIGNATURE_HEADER,
      });
    }
    // Refused, not dead-lettered: X only ever posts objects, and the CRC answer is a valid
    // signature for any token, so a signed scalar proves nothing.
    const payload = parseJsonObject(body);
    const activity = xActivityEnvelopeSchema.safeParse(payload);
    const read = () => (activity.success ? handleActivityApi(activity.data, context.now()) : handleAccountActivity(payload as Record<string, unknown>, context.now()));
    if (!accounts) return read();
    const named = activity.success ? activity.data.data.filter?.user_id : (payload as { for_user_id?: unknown }).for_user_id;
    const accountId = typeof named === 'string' && named ? named : '(none)';
    const resolved = await resolveForDelivery(accounts, accountId, payload, context);
    if ('rejected' in resolved) return { events: [], rejected: [resolved.rejected] };
    const result = read();
    tagWithAccount(result, id, resolved.account);
    return result;
  }

  /** The account a stored interaction belongs to. */
  function accountOf(interaction: OutboundReply['inReplyTo']): string {
    const metadata = interaction.channelMetadata?.[id] as { forUserId?: unknown } | undefined;
    const accountId = accountOfInteraction(interaction, typeof metadata?.forUserId === 'string' ? metadata.forUserId : interaction.recipientId);
    if (accountId) return accountId;
    throw new UnknownAccountError(id, '(none)', `Interaction ${interaction.id} names no X account to answer from.`);
  }

  return {
    specificationVersion: 'v1',
    id,
    displayName: 'X (API v2)',
    capabilities: {
      webhook: canWebhook,
      poll: canPoll,
      reply: canWrite,
      directMessage: canWrite,
      edits: true,
      deletes: canWebhook,
      reactions: true,
      threads: true,
      deliveryReceipts: canWebhook,
      publish: canWrite,
    },
    rateLimitFromResponse: readXRateLimit,
    ...(canPollAccounts ? { doPoll: doPollAccounts } : canPoll ? { doPoll } : {}),
    ...(canWebhook ? { doHandleWebhook } : {}),
    ...(canWrite
      ? {
          doSendReply: (reply: OutboundReply, context: AdapterContext) =>
            accounts
              ? accounts.call(accountOf(reply.inReplyTo), context, (account) => sendXReply(reply, context, { adapterId: id, apiBaseUrl: settings.apiBaseUrl, userAccessToken: account.credentials.accessToken }))
              : sendXReply(reply, context, { adapterId: id, apiBaseUrl: settings.apiBaseUrl, userAccessToken: single!.userAccessToken! }),
          doPublish: (post: OutboundPost, context: AdapterContext) =>
            publishAsXAccount(post, context, { adapterId: id, apiBaseUrl: settings.apiBaseUrl, ...(accounts ? { accounts } : { userId: single!.userId, userAccessToken: single!.userAccessToken! }) }),
        }
      : {}),
  };
}
