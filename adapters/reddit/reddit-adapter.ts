import * as z from 'zod';
import {
  ChannelApiError,
  InvalidPayloadError,
  isSocialCrmError,
  parseAdapterOptions,
  toChannelApiError,
  type AdapterContext,
  type AdapterWarning,
  type ChannelAdapter,
  type ChannelEvent,
  type InteractionInput,
  type PollRequest,
  type PollResult,
  type RejectedItem,
} from 'social-crm/adapter-kit';
import { normalizeThing, type RedditSource } from './normalize.js';
import { withFreshToken } from '../_shared/oauth/index.js';
import { createRedditTokenSource, type RedditGrant } from './reddit-auth.js';
import { readRedditError, readRedditRateLimit } from './reddit-errors.js';
import { redditListingSchema, redditThingDataSchema, type RedditListing } from './reddit-schemas.js';
import { sendRedditReply } from './send-reply.js';

const ADAPTER_ID = 'reddit';

/** Options of {@link redditAdapter}. Credentials are taken only from here; the adapter never reads the environment. */
export interface RedditAdapterOptions {
  /** The app's client id (under the app's name at reddit.com/prefs/apps). */
  clientId: string;
  /** The app's secret. */
  clientSecret: string;
  /**
   * The brand account's username (without `u/`). Its comments are `outbound`, and a "script" app
   * signs in as it with `password`.
   */
  username: string;
  /** The brand account's password, for a "script" app (password grant). Give this or `refreshToken`. */
  password?: string;
  /** A refresh token from an authorisation with `duration=permanent` (web or installed app). Give this or `password`. */
  refreshToken?: string;
  /**
   * Reddit requires a unique, descriptive User-Agent: `<platform>:<app id>:<version> (by /u/<username>)`,
   * e.g. `web:com.acme.crm:1.4.0 (by /u/acme_support)`. Generic agents are heavily limited.
   */
  userAgent: string;
  /**
   * Brand keywords: posts found by search, and comments in `subreddits` that contain one, are
   * stored. Without keywords only the inbox is polled. @default []
   */
  keywords?: string[];
  /** Subreddits (without `r/`) to search and to watch for keyword comments; without them, search covers all of Reddit and no comments are watched. @default [] */
  subreddits?: string[];
  /** Poll the inbox (comment and post replies, username mentions, private messages). @default true */
  inbox?: boolean;
  /** @default 'https://oauth.reddit.com' */
  apiBaseUrl?: string;
  /** @default 'https://www.reddit.com/api/v1/access_token' */
  tokenUrl?: string;
  /** Adapter id (`channel`); give each brand account its own. @default 'reddit' */
  id?: string;
  /** Items per listing page (Reddit allows up to 100). @default 100 */
  pageSize?: number;
}

const SEARCH_QUERY_LIMIT = 512;

/** Quotes a keyword with spaces (an exact phrase). */
function searchTerm(keyword: string): string {
  const trimmed = keyword.trim();
  return /^".*"$/.test(trimmed) || !/\s/.test(trimmed) ? trimmed : `"${trimmed.replace(/"/g, '')}"`;
}

/** `acme OR "acme router"`, or `undefined` without keywords. */
export function buildRedditQuery(keywords: string[]): string | undefined {
  return keywords.length ? keywords.map(searchTerm).join(' OR ') : undefined;
}

const subredditName = z
  .string()
  .trim()
  .transform((name) => name.replace(/^\/?r\//i, ''))
  .pipe(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_]{1,20}$/, 'Use the subreddit name, e.g. `acmeapp`.'));

const optionsSchema = z
  .object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    username: z
      .string()
      .trim()
      .transform((name) => name.replace(/^\/?u\//i, ''))
      .pipe(z.string().regex(/^[A-Za-z0-9_-]{3,20}$/, 'Use the Reddit username without `u/`.')),
    password: z.string().min(1).optional(),
    refreshToken: z.string().min(1).optional(),
    userAgent: z.string().regex(/^\S+:\S+:\S+ \(by \/u\/[A-Za-z0-9_-]+\)$/, 'Use `<platform>:<app id>:<version> (by /u/<username>)`, as Reddit requires.'),
    keywords: z.array(z.string().trim().min(1)).default([]),
    subreddits: z.array(subredditName).default([]),
    inbox: z.boolean().default(true),
    apiBaseUrl: z.string().url().default('https://oauth.reddit.com').transform((url) => url.replace(/\/+$/, '')),
    tokenUrl: z.string().url().default('https://www.reddit.com/api/v1/access_token'),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'Use lower-kebab-case.').default(ADAPTER_ID),
    pageSize: z.number().int().min(1).max(100).default(100),
  })
  .superRefine((value, context) => {
    if ((value.password === undefined) === (value.refreshToken === undefined)) {
      context.addIssue({ code: 'custom', path: ['password'], message: 'Give `password` (script app) or `refreshToken` (web or installed app), not both and not neither.' });
    }
    const query = buildRedditQuery(value.keywords);
    if (query && query.length > SEARCH_QUERY_LIMIT) {
      context.addIssue({ code: 'custom', path: ['keywords'], message: `The search query is ${query.length} characters; Reddit accepts ${SEARCH_QUERY_LIMIT}. Use fewer keywords.` });
    }
    if (!value.inbox && !value.keywords.length) {
      context.addIssue({ code: 'custom', path: ['inbox'], message: 'With `inbox: false` and no `keywords` there is nothing to poll.' });
    }
  });

type Settings = z.output<typeof optionsSchema>;

// ---------------------------------------------------------------------------------------------
// Cursor: per stream, the newest item stored by a finished run and the page of a run in progress
// ---------------------------------------------------------------------------------------------

type StreamName = RedditSource;

const streamStateSchema = z.object({
  /** `created_utc` and fullname of the newest item of the last finished run: the next run stops there. */
  newest: z.object({ at: z.number(), name: z.string() }).optional(),
  /** `after` anchor of the next page of the run in progress. */
  after: z.string().optional(),
  /** Newest item of the run in progress (its first page); becomes `newest` when the run ends. */
  runNewest: z.object({ at: z.number(), name: z.string() }).optional(),
  /** The query or subreddits the state belongs to; a change starts over. */
  key: z.string().optional(),
});
type StreamState = z.output<typeof streamStateSchema>;

const cursorSchema = z.object({
  v: z.literal(1),
  inbox: streamStateSchema.default({}),
  search: streamStateSchema.default({}),
  comments: streamStateSchema.default({}),
});
type CursorState = z.output<typeof cursorSchema>;

function emptyCursor(): CursorState {
  return { v: 1, inbox: {}, search: {}, comments: {} };
}

function decodeCursor(cursor: string | undefined, warnings: AdapterWarning[]): CursorState {
  if (!cursor) return emptyCursor();
  try {
    return cursorSchema.parse(JSON.parse(cursor));
  } catch {
    warnings.push({ type: 'malformed', message: 'The saved poll cursor could not be read; polling starts over (stored items are skipped as duplicates).', details: { cursor } });
    return emptyCursor();
  }
}

/** Newer-than: by time, then by fullname (base-36 ids grow) for items of the same second. */
function isNewer(item: { at: number; name: string }, than: { at: number; name: string } | undefined): boolean {
  if (!than) return true;
  if (item.at !== than.at) return item.at > than.at;
  const a = item.name.replace(/^t\d_/, '');
  const b = than.name.replace(/^t\d_/, '');
  return a.length !== b.length ? a.length > b.length : a > b;
}

/** Case-insensitive keyword test for comments (phrases match as written, quotes removed). */
function keywordMatcher(keywords: string[]): (text: string) => boolean {
  const terms = keywords.map((keyword) => keyword.replace(/^"|"$/g, '').toLowerCase());
  return (text) => {
    const lower = text.toLowerCase();
    return terms.some((term) => lower.includes(term));
  };
}

/**
 * The Reddit channel: polls the brand account's inbox (comment and post replies, username
 * mentions, private messages), searches posts for brand keywords (in chosen subreddits or all of
 * Reddit) and watches the chosen subreddits' new comments for them; replies with `api/comment`.
 * Signs in with OAuth (script app password grant, or a refresh token) and renews the token
 * before it expires.
 *
 * @example
 * const reddit = redditAdapter({
 *   clientId: secrets.REDDIT_CLIENT_ID,
 *   clientSecret: secrets.REDDIT_CLIENT_SECRET,
 *   username: 'acme_support',
 *   password: secrets.REDDIT_PASSWORD,
 *   userAgent: 'web:com.acme.crm:1.4.0 (by /u/acme_support)',
 *   keywords: ['acme', 'acme router'],
 *   subreddits: ['acmeapp', 'homenetworking'],
 * });
 */
export function redditAdapter(options: RedditAdapterOptions): ChannelAdapter {
  const settings: Settings = parseAdapterOptions(options?.id ?? ADAPTER_ID, optionsSchema, options);
  const id = settings.id;
  const brandUsername = settings.username.toLowerCase();
  const query = buildRedditQuery(settings.keywords);
  const matchesKeyword = keywordMatcher(settings.keywords);
  const grant: RedditGrant = settings.password !== undefined ? { type: 'password', username: settings.username, password: settings.password } : { type: 'refresh_token', refreshToken: settings.refreshToken! };
  const tokens = createRedditTokenSource({ adapterId: id, clientId: settings.clientId, clientSecret: settings.clientSecret, grant, tokenUrl: settings.tokenUrl, userAgent: settings.userAgent, refreshMarginMs: 5 * 60_000 });

  const withToken = <T>(context: AdapterContext, call: (token: string) => Promise<T>): Promise<T> =>
    // A token revoked or expired early: fetch a new one and try once more.
    withFreshToken(tokens, context, call, (error) => isSocialCrmError(error) && error instanceof ChannelApiError && error.status === 401);

  const streams: Array<{ name: StreamName; key: string; path: string; params: Record<string, string> }> = [];
  if (settings.inbox) streams.push({ name: 'inbox', key: 'inbox', path: '/message/inbox', params: {} });
  if (query) {
    const subs = settings.subreddits.join('+');
    streams.push({
      name: 'search',
      key: `${query}|${subs}`,
      path: subs ? `/r/${subs}/search` : '/search',
      params: { q: query, sort: 'new', type: 'link', ...(subs ? { restrict_sr: 'true' } : {}) },
    });
    if (subs) streams.push({ name: 'comments', key: `${query}|${subs}`, path: `/r/${subs}/comments`, params: {} });
  }

  async function fetchListing(path: string, params: Record<string, string>, after: string | undefined, limit: number, context: AdapterContext): Promise<RedditListing> {
    const url = `${settings.apiBaseUrl}${path}`;
    const searchParams = new URLSearchParams({ ...params, limit: String(limit), raw_json: '1', ...(after ? { after } : {}) });
    const body = await withToken(context, async (token) => {
      try {
        return await context.http.get(url, { searchParams, headers: { authorization: `bearer ${token}`, 'user-agent': settings.userAgent }, ...(context.signal ? { signal: context.signal } : {}) }).json();
      } catch (error) {
        throw await toChannelApiError(id, error, readRedditError);
      }
    });
    const listing = redditListingSchema.safeParse(body);
    if (!listing.success) throw new InvalidPayloadError(`[${id}] GET ${url} answered a body that is not a Listing: ${listing.error.issues[0]?.message ?? ''}`, { cause: listing.error });
    return listing.data;
  }

  async function doPoll(request: PollRequest, context: AdapterContext): Promise<PollResult> {
    const warnings: AdapterWarning[] = [];
    const rejected: RejectedItem[] = [];
    const state = decodeCursor(request.cursor, warnings);
    for (const stream of streams) if (state[stream.name].key !== stream.key) state[stream.name] = { key: stream.key };
    // Finish the pages of a run in progress before starting a new one (see the X adapter).
    const pending = streams.filter((stream) => state[stream.name].after);
    const selected = pending.length ? pending : streams;
    const events: ChannelEvent[] = [];
    const failures: unknown[] = [];
    let fetched = 0;
    for (const stream of selected) {
      const current = state[stream.name];
      let listing: RedditListing;
      try {
        listing = await fetchListing(stream.path, stream.params, current.after, Math.min(request.limit ?? settings.pageSize, settings.pageSize), context);
      } catch (error) {
        failures.push(error);
        warnings.push({
          type: isSocialCrmError(error, 'RATE_LIMITED') ? 'rate-limit' : 'other',
          message: `Polling ${stream.name} failed; it is retried on the next poll: ${error instanceof Error ? error.message : String(error)}`,
          details: { stream: stream.name },
        });
        continue;
      }
      fetched++;
      const items: InteractionInput[] = [];
      let reachedKnown = false;
      let pageNewest: { at: number; name: string } | undefined;
      for (const child of listing.data.children) {
        const data = redditThingDataSchema.safeParse(child.data);
        if (!data.success) {
          rejected.push({ payload: child, error: new Error(`Not a Reddit ${child.kind}: ${data.error.issues[0]?.path.join('.')}: ${data.error.issues[0]?.message}`) });
          continue;
        }
        const mark = { at: data.data.created_utc, name: data.data.name };
        if (!isNewer(mark, current.newest)) {
          reachedKnown = true;
          continue;
        }
        if (!pageNewest || isNewer(mark, pageNewest)) pageNewest = mark;
        if (stream.name === 'comments' && !matchesKeyword(data.data.body ?? '')) continue;
        const interaction = normalizeThing(child.kind, data.data, { channel: id, brandUsername, source: stream.name });
        if (interaction) items.push(interaction);
        else warnings.push({ type: 'ignored', message: `A Reddit ${child.kind} in ${stream.name} is not stored by the CRM.`, details: { name: data.data.name } });
      }
      // Listings are newest first; oldest first lets a reply find its parent in the same page.
      for (const interaction of items.reverse()) events.push({ type: 'interaction', interaction });
      const runNewest = current.after ? current.runNewest : pageNewest;
      const nextAfter = listing.data.after ?? undefined;
      state[stream.name] =
        nextAfter && !reachedKnown
          ? { ...current, after: nextAfter, ...(runNewest ? { runNewest } : {}) }
          : { key: stream.key, ...((runNewest && isNewer(runNewest, current.newest)) ? { newest: runNewest } : current.newest ? { newest: current.newest } : {}) };
    }
    if (failures.length === selected.length) throw failures[0];
    return {
      events,
      cursor: JSON.stringify(state),
      hasMore: fetched > 0 && streams.some((stream) => state[stream.name].after !== undefined),
      ...(rejected.length ? { rejected } : {}),
      ...(warnings.length ? { warnings } : {}),
    };
  }

  return {
    specificationVersion: 'v1',
    id,
    displayName: 'Reddit',
    capabilities: {
      webhook: false,
      poll: true,
      reply: true,
      directMessage: true,
      // Listings are read newest-first down to the last item stored, so later edits are not seen.
      edits: false,
      deletes: false,
      reactions: false,
      threads: true,
      deliveryReceipts: false,
    },
    webhook: { authentication: 'none-polling' },
    rateLimitFromResponse: readRedditRateLimit,
    decodeError: readRedditError,
    doPoll,
    doSendReply: (reply, context) => sendRedditReply(reply, context, { adapterId: id, apiBaseUrl: settings.apiBaseUrl, userAgent: settings.userAgent, withToken }),
  };
}
