import * as z from 'zod';
import {
  InvalidPayloadError,
  RateLimitError,
  isSocialCrmError,
  parseAdapterOptions,
  toChannelApiError,
  type AdapterContext,
  type AdapterWarning,
  type ChannelAdapter,
  type ChannelApiError,
  type ChannelEvent,
  type PollRequest,
  type PollResult,
  type RejectedItem,
} from 'social-crm/adapter-kit';
import { ADAPTER_ID_PATTERN, rejectedItem, advanceWatermarkRun, readJsonCursor, timeOf, trimSlashes, watermarkFloor } from '../_shared/polling/index.js';
import { commentTime, normalizeComment, type NormalizeContext } from './normalize.js';
import { sendYouTubeReply } from './send-reply.js';
import { createQuotaMeter, isDailyQuotaReason, readYouTubeError, type YouTubeOperation } from './youtube-quota.js';
import { youtubeCommentSchema, youtubeCommentThreadSchema, youtubeListResponseSchema, type YouTubeComment, type YouTubeCommentThread } from './youtube-schemas.js';

const ADAPTER_ID = 'youtube';

/**
 * An OAuth 2.0 access token, or a function that returns a fresh one (Google's expire after an
 * hour). The function is asked again with `forceRefresh: true` after a 401.
 */
export type YouTubeAccessToken = string | ((request: { forceRefresh: boolean }) => string | Promise<string>);

/** Options of {@link youtubeAdapter}. Credentials are taken only from here; the adapter never reads the environment. */
export interface YouTubeAdapterOptions {
  /** The brand's channel id (`UC` + 22 characters). Its own comments are stored as `outbound`. */
  channelId: string;
  /**
   * OAuth 2.0 access token of the channel owner with scope `https://www.googleapis.com/auth/youtube.force-ssl`:
   * reads and replies. Without it the adapter only reads, with `apiKey`.
   */
  accessToken?: YouTubeAccessToken;
  /** API key of the Cloud project: reads public comments without OAuth. */
  apiKey?: string;
  /**
   * Poll only these videos (`commentThreads.list?videoId=`), one after the other. By default the
   * whole channel is polled with `allThreadsRelatedToChannelId` (every video and the channel's own
   * discussion) in one listing.
   */
  videoIds?: string[];
  /** Units per day the Cloud project may spend (YouTube's default allocation). @default 10000 */
  dailyQuota?: number;
  /** Units polling leaves unspent for replies (50 each). @default 500, or a tenth of a smaller `dailyQuota` */
  replyReserve?: number;
  /** How far back a first poll reaches. @default 7 */
  backfillDays?: number;
  /**
   * Threads started this long before the watermark are listed again on every run, so replies to
   * recent threads are found even though new replies do not move a thread up the listing. @default 48
   */
  rescanHours?: number;
  /** Threads per page (1–100). @default 100 */
  maxResults?: number;
  /** @default 'https://www.googleapis.com/youtube/v3' */
  apiBaseUrl?: string;
  /** Adapter id (and `channel`); give each YouTube channel its own. @default 'youtube' */
  id?: string;
}

const optionsSchema = z
  .object({
    channelId: z.string().regex(/^UC[\w-]{22}$/, 'Use the channel id (`UC` + 22 characters), not the @handle or a video id.'),
    accessToken: z.union([z.string().min(1), z.custom<(request: { forceRefresh: boolean }) => string | Promise<string>>((value) => typeof value === 'function', 'Expected a token or a function that returns one.')]).optional(),
    apiKey: z.string().min(1).optional(),
    videoIds: z.array(z.string().regex(/^[\w-]{11}$/, 'A video id has 11 characters.')).min(1).optional(),
    dailyQuota: z.number().int().min(100).default(10_000),
    replyReserve: z.number().int().min(0).optional(),
    backfillDays: z.number().positive().max(3650).default(7),
    rescanHours: z.number().min(0).max(24 * 30).default(48),
    maxResults: z.number().int().min(1).max(100).default(100),
    apiBaseUrl: z.string().url().default('https://www.googleapis.com/youtube/v3').transform(trimSlashes),
    id: z.string().regex(ADAPTER_ID_PATTERN, 'Use lower-kebab-case.').default(ADAPTER_ID),
  })
  .transform((value) => ({ ...value, replyReserve: value.replyReserve ?? Math.min(500, Math.floor(value.dailyQuota / 10)) }))
  .superRefine((value, context) => {
    if (!value.accessToken && !value.apiKey) {
      context.addIssue({ code: 'custom', path: ['accessToken'], message: 'Pass `accessToken` (reads and replies) or `apiKey` (reads only).' });
    }
    if (value.replyReserve >= value.dailyQuota) {
      context.addIssue({ code: 'custom', path: ['replyReserve'], message: `The reserve must leave polling some of the ${value.dailyQuota} daily units.` });
    }
  });
type Settings = z.output<typeof optionsSchema>;

/** Reply counts of the threads seen lately, so a run fetches a thread's replies only when it grew. */
const MAX_KNOWN_THREADS = 1000;
/** Items this close under the watermark are handed over again (the core drops them as duplicates). */
const WATERMARK_OVERLAP_MS = 5 * 60_000;

const cursorSchema = z.object({
  v: z.literal(1),
  watermark: z.string().optional(),
  run: z.object({ pageToken: z.string().optional(), newest: z.string().optional(), video: z.number().int().nonnegative().optional() }).optional(),
  threads: z.record(z.string(), z.number().int().nonnegative()).default({}),
});
type CursorState = z.output<typeof cursorSchema>;

/**
 * The YouTube channel (Data API v3): polls the comment threads of the brand's videos and answers
 * them with `comments.insert`, counting the daily quota as it goes.
 *
 * YouTube has no push for comments, so this adapter only polls. Each run lists threads newest
 * first with page tokens until it reaches the previous run's watermark; replies beyond the few a
 * thread carries are fetched with `comments.list` only when the thread's reply count grew.
 *
 * @example
 * const youtube = youtubeAdapter({
 *   channelId: 'UCxxxxxxxxxxxxxxxxxxxxxx',
 *   accessToken: ({ forceRefresh }) => tokens.google({ forceRefresh }),
 * });
 * const crm = createSocialCrm({ ledger, adapters: [youtube] });
 * await crm.poll(); // on a schedule, every few minutes
 */
export function youtubeAdapter(options: YouTubeAdapterOptions): ChannelAdapter {
  const settings: Settings = parseAdapterOptions(options?.id ?? ADAPTER_ID, optionsSchema, options);
  const id = settings.id;
  const meter = createQuotaMeter({ adapterId: id, dailyQuota: settings.dailyQuota, replyReserve: settings.replyReserve });
  const normalizeContext: NormalizeContext = { channel: id, channelId: settings.channelId };

  async function token(forceRefresh: boolean): Promise<string | undefined> {
    const source = settings.accessToken;
    if (source === undefined) return undefined;
    return typeof source === 'string' ? source : source({ forceRefresh });
  }

  /**
   * One API call: counted against the quota before it is made, authorised with the token (asked
   * again once after a 401) or the API key, and its failure decoded. `quotaExceeded` closes the
   * quota meter until the reset.
   */
  async function callApi<Result>(
    operation: YouTubeOperation,
    context: AdapterContext,
    send: (authorization: { headers: Record<string, string>; searchParams: Record<string, string> }) => Promise<Result>,
    warnings?: AdapterWarning[],
  ): Promise<Result> {
    for (let attempt = 0; ; attempt++) {
      meter.spend(operation, context.now().getTime(), warnings);
      const accessToken = await token(attempt > 0);
      try {
        return await send(accessToken ? { headers: { authorization: `Bearer ${accessToken}` }, searchParams: {} } : { headers: {}, searchParams: { key: settings.apiKey! } });
      } catch (caught) {
        const error = await toChannelApiError(id, caught, readYouTubeError);
        if (error.status === 401 && attempt === 0 && typeof settings.accessToken === 'function') continue;
        throw quotaAware(error, context);
      }
    }
  }

  function quotaAware(error: ChannelApiError, context: AdapterContext): ChannelApiError {
    if (!isDailyQuotaReason(error.platformCode)) return error;
    const now = context.now().getTime();
    const resetAt = meter.close(now);
    let detail: string | undefined;
    try {
      detail = readYouTubeError(JSON.parse(error.responseBody ?? ''))?.message;
    } catch {
      detail = undefined;
    }
    return new RateLimitError(`YouTube's daily quota is spent${detail ? ` (${detail})` : ''}; calls resume after ${new Date(resetAt).toISOString()} (midnight Pacific Time).`, {
      adapterId: id,
      method: error.method,
      url: error.url,
      status: error.status,
      platformCode: error.platformCode,
      responseBody: error.responseBody,
      retryAfterMs: Math.max(0, resetAt - now),
      cause: error,
    });
  }

  async function list(operation: 'commentThreads.list' | 'comments.list', params: Record<string, string>, context: AdapterContext, warnings: AdapterWarning[]) {
    const url = `${settings.apiBaseUrl}/${operation === 'comments.list' ? 'comments' : 'commentThreads'}`;
    const body = await callApi(
      operation,
      context,
      (authorization) =>
        context.http
          .get(url, { searchParams: { ...params, ...authorization.searchParams }, headers: authorization.headers, ...(context.signal ? { signal: context.signal } : {}) })
          .json(),
      warnings,
    );
    const parsed = youtubeListResponseSchema.safeParse(body);
    if (!parsed.success) throw new InvalidPayloadError(`[${id}] GET ${url} answered a body that is not a list: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data;
  }

  /** Every reply of a thread, through `comments.list?parentId=` (1 unit per 100 replies). */
  async function allReplies(threadId: string, context: AdapterContext, warnings: AdapterWarning[], rejected: RejectedItem[]): Promise<YouTubeComment[]> {
    const replies: YouTubeComment[] = [];
    let pageToken: string | undefined;
    do {
      const page = await list('comments.list', { part: 'snippet', parentId: threadId, maxResults: '100', textFormat: 'plainText', ...(pageToken ? { pageToken } : {}) }, context, warnings);
      for (const candidate of page.items) {
        const comment = youtubeCommentSchema.safeParse(candidate);
        if (comment.success) replies.push(comment.data);
        else rejected.push(rejectedItem(candidate, 'a comment', comment.error));
      }
      pageToken = page.nextPageToken;
    } while (pageToken);
    return replies;
  }

  async function doPoll(request: PollRequest, context: AdapterContext): Promise<PollResult> {
    const warnings: AdapterWarning[] = [];
    const rejected: RejectedItem[] = [];
    const state: CursorState = readJsonCursor(cursorSchema, request.cursor, warnings) ?? { v: 1, threads: {} };
    const videos = settings.videoIds;
    const videoIndex = videos ? Math.min(state.run?.video ?? 0, videos.length - 1) : undefined;
    const now = context.now();
    const watermark = timeOf(state.watermark);
    // Items at or after `emitFrom` are handed over; the run stops paging below `stopBelow`.
    const emitFrom = watermark !== undefined ? watermark - WATERMARK_OVERLAP_MS : watermarkFloor({}, now, settings.backfillDays);
    const stopBelow = watermark !== undefined ? watermark - settings.rescanHours * 3_600_000 : emitFrom;
    const size = Math.min(request.limit ?? settings.maxResults, settings.maxResults);
    const page = await list(
      'commentThreads.list',
      {
        part: 'snippet,replies',
        ...(videos ? { videoId: videos[videoIndex!]! } : { allThreadsRelatedToChannelId: settings.channelId }),
        order: 'time',
        maxResults: String(size),
        textFormat: 'plainText',
        ...(state.run?.pageToken ? { pageToken: state.run.pageToken } : {}),
      },
      context,
      warnings,
    );

    const events: ChannelEvent[] = [];
    const times: string[] = [];
    const threads = { ...state.threads };
    const emit = (comment: YouTubeComment, thread: YouTubeCommentThread) => {
      const time = commentTime(comment);
      times.push(time);
      if ((timeOf(time) ?? 0) >= emitFrom) events.push({ type: 'interaction', interaction: normalizeComment(comment, thread, normalizeContext) });
    };
    for (const candidate of page.items) {
      const parsed = youtubeCommentThreadSchema.safeParse(candidate);
      if (!parsed.success) {
        rejected.push(rejectedItem(candidate, 'a comment thread', parsed.error));
        continue;
      }
      const thread = parsed.data;
      emit(thread.snippet.topLevelComment, thread);
      const included: YouTubeComment[] = [];
      for (const reply of thread.replies?.comments ?? []) {
        const comment = youtubeCommentSchema.safeParse(reply);
        if (comment.success) included.push(comment.data);
        else rejected.push(rejectedItem(reply, 'a comment', comment.error));
      }
      const total = thread.snippet.totalReplyCount ?? included.length;
      const known = threads[thread.id];
      // The thread carries only some replies: fetch the rest when there are new ones to find.
      const replies = total > included.length && total !== known ? await allReplies(thread.id, context, warnings, rejected) : included;
      for (const reply of replies.sort((a, b) => Date.parse(a.snippet.publishedAt) - Date.parse(b.snippet.publishedAt))) emit(reply, thread);
      delete threads[thread.id];
      threads[thread.id] = total;
    }
    // Newest first from YouTube; oldest first lets a reply find its thread in the same page.
    events.sort((a, b) => eventTime(a) - eventTime(b));

    const advanced = advanceWatermarkRun({ ...(state.watermark ? { watermark: state.watermark } : {}), ...(state.run ? { run: state.run } : {}) }, { nextPageToken: page.nextPageToken, times }, stopBelow);
    let next: CursorState = { v: 1, ...advanced.state, threads: recentThreads(threads) };
    let hasMore = advanced.hasMore;
    if (videos && videoIndex !== undefined) {
      if (advanced.hasMore) next = { ...next, run: { ...next.run, video: videoIndex } };
      else if (videoIndex < videos.length - 1) {
        // The next video continues the same run; the watermark moves once every video is done.
        next = { v: 1, ...(state.watermark ? { watermark: state.watermark } : {}), run: { video: videoIndex + 1, ...(advanced.newest ? { newest: advanced.newest } : {}) }, threads: next.threads };
        hasMore = true;
      }
    }
    return {
      events,
      cursor: JSON.stringify(next),
      hasMore,
      ...(rejected.length ? { rejected } : {}),
      ...(warnings.length ? { warnings } : {}),
    };
  }

  const canReply = settings.accessToken !== undefined;
  return {
    specificationVersion: 'v1',
    id,
    displayName: 'YouTube (Data API v3)',
    webhook: { authentication: 'none-polling' },
    capabilities: {
      webhook: false,
      poll: true,
      reply: canReply,
      directMessage: false,
      edits: true,
      deletes: false,
      reactions: false,
      threads: true,
      deliveryReceipts: false,
    },
    decodeError: readYouTubeError,
    doPoll: async (request, context) => {
      try {
        return await doPoll(request, context);
      } catch (error) {
        if (isSocialCrmError(error)) throw error;
        throw await toChannelApiError(id, error, readYouTubeError);
      }
    },
    ...(canReply
      ? {
          doSendReply: (reply, context) =>
            sendYouTubeReply(reply, context, {
              adapterId: id,
              apiBaseUrl: settings.apiBaseUrl,
              channelId: settings.channelId,
              call: (send) => callApi('comments.insert', context, send),
            }),
        }
      : {}),
  };
}

function eventTime(event: ChannelEvent): number {
  return event.type === 'interaction' ? Date.parse(String(event.interaction.createdAt)) || 0 : 0;
}

/** Keeps the reply counts of the most recently seen threads only, so the cursor stays small. */
function recentThreads(threads: Record<string, number>): Record<string, number> {
  const entries = Object.entries(threads);
  return Object.fromEntries(entries.slice(Math.max(0, entries.length - MAX_KNOWN_THREADS)));
}

