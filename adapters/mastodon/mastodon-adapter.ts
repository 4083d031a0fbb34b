import * as z from 'zod';
import {
  InvalidPayloadError,
  parseAdapterOptions,
  toChannelApiError,
  type AdapterContext,
  type AdapterWarning,
  type ChannelAdapter,
  type ChannelEvent,
  type PollRequest,
  type PollResult,
  type RejectedItem,
} from 'social-crm/adapter-kit';
import { ADAPTER_ID_PATTERN, rejectedItem, readJsonCursor, trimSlashes } from '../_shared/polling/index.js';
import { readMastodonError, readMastodonRateLimit } from './mastodon-errors.js';
import { mastodonNotificationSchema, type MastodonNotification, type MastodonStatus } from './mastodon-schemas.js';
import { normalizeReactionNotification, normalizeStatusNotification, type NormalizeContext } from './normalize.js';
import { sendMastodonReply } from './send-reply.js';
import { publishMastodonStatus } from './publish.js';

const ADAPTER_ID = 'mastodon';

/** Notification types the adapter turns into interactions. */
export const MASTODON_NOTIFICATION_TYPES = ['mention', 'quote', 'favourite', 'reblog'] as const;
export type MastodonNotificationType = (typeof MASTODON_NOTIFICATION_TYPES)[number];

/** Options of {@link mastodonAdapter}. The token is taken only from here; the adapter never reads the environment. */
export interface MastodonAdapterOptions {
  /** The brand account's server, e.g. `https://mastodon.social`. Every server is its own API. */
  instanceUrl: string;
  /** User access token of the brand account with `read:notifications` and `write:statuses`. */
  accessToken: string;
  /**
   * Notifications to store: `mention` (mentions, replies and private mentions), `quote` (quote
   * posts, Mastodon 4.5+), `favourite` and `reblog` (reactions to the brand's posts). @default ['mention']
   */
  notificationTypes?: MastodonNotificationType[];
  /** Notifications per page (Mastodon allows up to 80). @default 40 */
  limit?: number;
  /** Pages a first poll reads back through older notifications. @default 1 */
  backfillPages?: number;
  /** Adapter id (and `channel`); give each account its own. @default 'mastodon' */
  id?: string;
}

const optionsSchema = z.object({
  instanceUrl: z
    .string()
    .url()
    .refine((url) => /^https?:\/\//.test(url), 'Use the http(s) address of the server.')
    .transform(trimSlashes),
  accessToken: z.string().min(1),
  notificationTypes: z.array(z.enum(MASTODON_NOTIFICATION_TYPES)).min(1).default(['mention']),
  limit: z.number().int().min(1).max(80).default(40),
  backfillPages: z.number().int().min(1).max(100).default(1),
  id: z.string().regex(ADAPTER_ID_PATTERN, 'Use lower-kebab-case.').default(ADAPTER_ID),
});
type Settings = z.output<typeof optionsSchema>;

const cursorSchema = z.object({
  v: z.literal(1),
  /** The newest notification stored: the next forward page starts after it. */
  minId: z.string().optional(),
  /** A first run reading older pages: where the forward paging starts once it ends. */
  pendingMinId: z.string().optional(),
  /** The `rel="next"` link (older page) of that first run, and the pages it may still read. */
  next: z.string().optional(),
  pagesLeft: z.number().int().nonnegative().optional(),
  /** The notification types the state belongs to; other types start over. */
  types: z.string().optional(),
});
type CursorState = z.output<typeof cursorSchema>;

/** Parses an RFC 8288 `Link` header into its URLs by `rel`. */
export function parseLinkHeader(header: string | null): Record<string, string> {
  const links: Record<string, string> = {};
  for (const part of header?.split(',') ?? []) {
    const match = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    const rel = match && /rel="?([^";]+)"?/.exec(match[2]!)?.[1];
    if (match && rel) for (const name of rel.split(/\s+/)) links[name] = match[1]!;
  }
  return links;
}

/** Orders Mastodon ids (integers as strings, possibly beyond 2^53). */
function compareIds(first: string, second: string): number {
  return first.length !== second.length ? first.length - second.length : first < second ? -1 : first > second ? 1 : 0;
}

function newestId(ids: string[]): string | undefined {
  return ids.reduce<string | undefined>((newest, id) => (newest === undefined || compareIds(id, newest) > 0 ? id : newest), undefined);
}

/**
 * A Mastodon account on any server: polls its notifications (mentions, and optionally quotes,
 * favourites and boosts) with `min_id` and `Link` pagination, and answers with a status in reply.
 *
 * @example
 * const mastodon = mastodonAdapter({ instanceUrl: 'https://mastodon.social', accessToken: secrets.MASTODON_TOKEN });
 * const crm = createSocialCrm({ ledger, adapters: [mastodon] });
 * await crm.poll(); // on a schedule
 */
export function mastodonAdapter(options: MastodonAdapterOptions): ChannelAdapter {
  const settings: Settings = parseAdapterOptions(options?.id ?? ADAPTER_ID, optionsSchema, options);
  const id = settings.id;
  const base = settings.instanceUrl;
  const normalizeContext: NormalizeContext = { channel: id, host: new URL(base).host };
  const wanted = new Set<string>(settings.notificationTypes);
  const typesKey = [...wanted].sort().join(',');
  const endpoint = `${base}/api/v1/notifications`;

  function firstPageUrl(minId: string | undefined, limit: number): string {
    const params = new URLSearchParams();
    for (const type of settings.notificationTypes) params.append('types[]', type);
    params.set('limit', String(limit));
    if (minId) params.set('min_id', minId);
    return `${endpoint}?${params}`;
  }

  /** A `Link` URL is followed only on the brand's server and endpoint: the token goes with it. */
  function sameEndpoint(url: string | undefined): url is string {
    if (!url) return false;
    try {
      const parsed = new URL(url);
      return `${parsed.origin}${parsed.pathname}` === endpoint;
    } catch {
      return false;
    }
  }

  async function fetchPage(url: string, context: AdapterContext): Promise<{ items: unknown[]; links: Record<string, string> }> {
    let response: Response;
    let body: unknown;
    try {
      response = await context.http.get(url, { headers: { authorization: `Bearer ${settings.accessToken}` }, ...(context.signal ? { signal: context.signal } : {}) });
      body = await response.json();
    } catch (error) {
      throw await toChannelApiError(id, error, readMastodonError);
    }
    if (!Array.isArray(body)) throw new InvalidPayloadError(`[${id}] GET ${url} answered a body that is not a list of notifications.`);
    return { items: body, links: parseLinkHeader(response.headers.get('link')) };
  }

  function toEvents(items: unknown[], rejected: RejectedItem[], warnings: AdapterWarning[]): { events: ChannelEvent[]; ids: string[] } {
    const parsed: MastodonNotification[] = [];
    const ids: string[] = [];
    for (const candidate of items) {
      const notification = mastodonNotificationSchema.safeParse(candidate);
      if (!notification.success) {
        rejected.push(rejectedItem(candidate, 'a notification', notification.error));
        const rawId = (candidate as { id?: unknown } | null)?.id;
        if (typeof rawId === 'string') ids.push(rawId);
        continue;
      }
      ids.push(notification.data.id);
      parsed.push(notification.data);
    }
    const events: ChannelEvent[] = [];
    // Mastodon lists newest first; oldest first lets a reply find its parent in the same page.
    for (const notification of parsed.sort((a, b) => compareIds(a.id, b.id))) {
      if (!wanted.has(notification.type)) {
        // Servers older than 3.5 ignore `types[]`.
        warnings.push({ type: 'ignored', message: `Notification type \`${notification.type}\` is not stored.`, details: { id: notification.id, type: notification.type } });
        continue;
      }
      if (!notification.status) {
        rejected.push({ payload: notification, error: new Error(`A \`${notification.type}\` notification without its status.`) });
        continue;
      }
      const withStatus = notification as MastodonNotification & { status: MastodonStatus };
      const interaction =
        notification.type === 'favourite' || notification.type === 'reblog' ? normalizeReactionNotification(withStatus, normalizeContext) : normalizeStatusNotification(withStatus, normalizeContext);
      events.push({ type: 'interaction', interaction });
    }
    return { events, ids };
  }

  async function doPoll(request: PollRequest, context: AdapterContext): Promise<PollResult> {
    const warnings: AdapterWarning[] = [];
    const rejected: RejectedItem[] = [];
    let state: CursorState = readJsonCursor(cursorSchema, request.cursor, warnings) ?? { v: 1 };
    if (state.types !== undefined && state.types !== typesKey) state = { v: 1 };
    const limit = Math.min(request.limit ?? settings.limit, settings.limit);
    const backfilling = sameEndpoint(state.next);
    const url = backfilling ? state.next! : firstPageUrl(state.minId, limit);
    const page = await fetchPage(url, context);
    const { events, ids } = toEvents(page.items, rejected, warnings);
    const newerFrom = (link: string | undefined) => (sameEndpoint(link) ? (new URL(link).searchParams.get('min_id') ?? undefined) : undefined);
    const newest = newerFrom(page.links.prev) ?? newestId(ids);

    let next: CursorState;
    let hasMore = false;
    if (backfilling) {
      const pagesLeft = (state.pagesLeft ?? 1) - 1;
      if (pagesLeft > 0 && ids.length && sameEndpoint(page.links.next)) {
        next = { ...state, next: page.links.next, pagesLeft };
        hasMore = true;
      } else next = { v: 1, ...(state.pendingMinId ? { minId: state.pendingMinId } : {}) };
    } else if (state.minId) {
      // Paging forward: Mastodon answers the `limit` notifications right after `min_id`.
      next = { v: 1, minId: newest ?? state.minId };
      hasMore = ids.length >= limit;
    } else if (settings.backfillPages > 1 && ids.length && sameEndpoint(page.links.next)) {
      next = { v: 1, ...(newest ? { pendingMinId: newest } : {}), next: page.links.next, pagesLeft: settings.backfillPages - 1 };
      hasMore = true;
    } else {
      next = { v: 1, ...(newest ? { minId: newest } : {}) };
    }
    return {
      events,
      cursor: JSON.stringify({ ...next, types: typesKey }),
      hasMore,
      ...(rejected.length ? { rejected } : {}),
      ...(warnings.length ? { warnings } : {}),
    };
  }

  return {
    specificationVersion: 'v1',
    id,
    displayName: `Mastodon (${normalizeContext.host})`,
    webhook: { authentication: 'none-polling' },
    capabilities: {
      webhook: false,
      poll: true,
      reply: true,
      directMessage: true,
      edits: false,
      deletes: false,
      reactions: wanted.has('favourite') || wanted.has('reblog'),
      threads: true,
      deliveryReceipts: false,
      publish: true,
    },
    // Mastodon keeps an `Idempotency-Key` for an hour; stay well inside it.
    networkIdempotencyMs: 50 * 60 * 1000,
    rateLimitFromResponse: readMastodonRateLimit,
    decodeError: readMastodonError,
    doPoll,
    doSendReply: (reply, context) => sendMastodonReply(reply, context, { adapterId: id, instanceUrl: base, accessToken: settings.accessToken }),
    doPublish: (post, context) => publishMastodonStatus(post, context, { adapterId: id, instanceUrl: base, accessToken: settings.accessToken }),
  };
}
