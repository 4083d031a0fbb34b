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
import { ADAPTER_ID_PATTERN, rejectedItem, advanceWatermarkRun, readJsonCursor, timeOf, trimSlashes, watermarkFloor } from '../_shared/polling/index.js';
import { isExpiredSession, readBlueskyError, readBlueskyRateLimit } from './bluesky-errors.js';
import { blueskySessionSchema, listNotificationsSchema, notificationSchema, postRecordSchema, type BlueskySession } from './bluesky-schemas.js';
import { normalizePostNotification, type NormalizeContext } from './normalize.js';
import { sendBlueskyReply } from './send-reply.js';
import { createSessionManager } from './session.js';
import { publishBlueskyPost } from './publish.js';

const ADAPTER_ID = 'bluesky';

/** Notification reasons the adapter turns into interactions (posts that talk to the brand). */
export const BLUESKY_REASONS = ['mention', 'reply', 'quote'] as const;
export type BlueskyReason = (typeof BLUESKY_REASONS)[number];

/** Options of {@link blueskyAdapter}. Credentials are taken only from here; the adapter never reads the environment. */
export interface BlueskyAdapterOptions {
  /** The brand account: its handle (`acme.bsky.social`), DID or e-mail. */
  identifier: string;
  /** An app password of the account (Settings → Privacy and security → App passwords), not the account password. */
  appPassword: string;
  /** The account's PDS, or the `bsky.social` entryway for accounts hosted by Bluesky. @default 'https://bsky.social' */
  service?: string;
  /** A session saved from `onSession`, used before signing in again (sign-ins are limited to 30 per 5 minutes). */
  session?: BlueskySession;
  /** Called with every new or refreshed session, to keep it across restarts. */
  onSession?: (session: BlueskySession) => void | Promise<void>;
  /** Notification reasons to store. @default ['mention', 'reply', 'quote'] */
  reasons?: BlueskyReason[];
  /** Notifications per page (1–100). @default 50 */
  limit?: number;
  /** How far back a first poll reaches. @default 7 */
  backfillDays?: number;
  /** Adapter id (and `channel`); give each account its own. @default 'bluesky' */
  id?: string;
}

const optionsSchema = z.object({
  identifier: z.string().trim().min(1),
  appPassword: z.string().min(1),
  service: z.string().url().default('https://bsky.social').transform(trimSlashes),
  // The session as the server returned it (with `email`, `active` ...): its other fields are kept, not refused.
  session: blueskySessionSchema.loose().optional(),
  onSession: z.custom<(session: BlueskySession) => void | Promise<void>>((value) => typeof value === 'function', 'Expected a function.').optional(),
  reasons: z.array(z.enum(BLUESKY_REASONS)).min(1).default([...BLUESKY_REASONS]),
  limit: z.number().int().min(1).max(100).default(50),
  backfillDays: z.number().positive().max(3650).default(7),
  id: z.string().regex(ADAPTER_ID_PATTERN, 'Use lower-kebab-case.').default(ADAPTER_ID),
});
type Settings = z.output<typeof optionsSchema>;

/** Notifications this close under the watermark are handed over again (the core drops them as duplicates). */
const WATERMARK_OVERLAP_MS = 60_000;

const cursorSchema = z.object({
  v: z.literal(1),
  watermark: z.string().optional(),
  run: z.object({ pageToken: z.string().optional(), newest: z.string().optional() }).optional(),
});
type CursorState = z.output<typeof cursorSchema>;

/**
 * A Bluesky account: signs in with an app password (refreshing the session as it expires), polls
 * `app.bsky.notification.listNotifications` for mentions, replies and quotes, and answers in the
 * thread with a post whose `reply` names the root and the parent by URI and CID.
 *
 * @example
 * const bluesky = blueskyAdapter({
 *   identifier: 'acme.bsky.social',
 *   appPassword: secrets.BLUESKY_APP_PASSWORD,
 *   session: await store.get('bluesky-session'),
 *   onSession: (session) => store.set('bluesky-session', session),
 * });
 * const crm = createSocialCrm({ ledger, adapters: [bluesky] });
 */
export function blueskyAdapter(options: BlueskyAdapterOptions): ChannelAdapter {
  const settings: Settings = parseAdapterOptions(options?.id ?? ADAPTER_ID, optionsSchema, options);
  const id = settings.id;
  const service = settings.service;
  const sessions = createSessionManager({
    adapterId: id,
    service,
    identifier: settings.identifier,
    appPassword: settings.appPassword,
    ...(settings.session ? { initial: settings.session } : {}),
    ...(settings.onSession ? { onSession: settings.onSession } : {}),
  });
  const wanted = new Set<string>(settings.reasons);

  /** Runs `send` with the session; an expired access token is refreshed once and the call repeated. */
  async function withSession<Result>(context: AdapterContext, send: (session: BlueskySession) => Promise<Result>): Promise<Result> {
    const session = await sessions.get(context);
    try {
      return await send(session);
    } catch (caught) {
      const error = await toChannelApiError(id, caught, readBlueskyError);
      if (!isExpiredSession(error.platformCode)) throw error;
      const fresh = await sessions.refresh(context, session);
      try {
        return await send(fresh);
      } catch (again) {
        throw await toChannelApiError(id, again, readBlueskyError);
      }
    }
  }

  async function doPoll(request: PollRequest, context: AdapterContext): Promise<PollResult> {
    const warnings: AdapterWarning[] = [];
    const rejected: RejectedItem[] = [];
    const state: CursorState = readJsonCursor(cursorSchema, request.cursor, warnings) ?? { v: 1 };
    const limit = Math.min(request.limit ?? settings.limit, settings.limit);
    const url = `${service}/xrpc/app.bsky.notification.listNotifications`;
    const searchParams = new URLSearchParams({ limit: String(limit) });
    for (const reason of settings.reasons) searchParams.append('reasons', reason);
    if (state.run?.pageToken) searchParams.set('cursor', state.run.pageToken);
    const { body, session } = await withSession(context, async (current) => ({
      body: await context.http.get(url, { searchParams, headers: { authorization: `Bearer ${current.accessJwt}` }, ...(context.signal ? { signal: context.signal } : {}) }).json<unknown>(),
      session: current,
    }));
    const page = listNotificationsSchema.safeParse(body);
    if (!page.success) throw new InvalidPayloadError(`[${id}] GET ${url} answered a body that is not a list of notifications.`);

    const now = context.now();
    const floor = watermarkFloor(state, now, settings.backfillDays);
    const emitFrom = state.watermark ? floor - WATERMARK_OVERLAP_MS : floor;
    const normalizeContext: NormalizeContext = { channel: id, service, brandDid: session.did };
    const times: string[] = [];
    const events: ChannelEvent[] = [];
    for (const candidate of page.data.notifications) {
      const notification = notificationSchema.safeParse(candidate);
      if (!notification.success) {
        rejected.push(rejectedItem(candidate, 'a notification', notification.error));
        continue;
      }
      times.push(notification.data.indexedAt);
      if ((timeOf(notification.data.indexedAt) ?? 0) < emitFrom) continue;
      if (!wanted.has(notification.data.reason)) {
        // Servers that do not filter by `reasons` send likes, follows and the rest as well.
        warnings.push({ type: 'ignored', message: `Notification reason \`${notification.data.reason}\` is not stored.`, details: { uri: notification.data.uri, reason: notification.data.reason } });
        continue;
      }
      const record = postRecordSchema.safeParse(notification.data.record);
      if (!record.success) {
        rejected.push({ payload: candidate, error: new Error(`A \`${notification.data.reason}\` notification whose record is not an app.bsky.feed.post: ${record.error.issues[0]?.message ?? ''}`) });
        continue;
      }
      events.push({ type: 'interaction', interaction: normalizePostNotification(notification.data, record.data, normalizeContext) });
    }
    // Newest first from Bluesky; oldest first lets a reply find its parent in the same page.
    events.reverse();
    const advanced = advanceWatermarkRun({ ...(state.watermark ? { watermark: state.watermark } : {}), ...(state.run ? { run: state.run } : {}) }, { nextPageToken: page.data.cursor, times }, floor);
    return {
      events,
      cursor: JSON.stringify({ v: 1, ...advanced.state } satisfies CursorState),
      hasMore: advanced.hasMore,
      ...(rejected.length ? { rejected } : {}),
      ...(warnings.length ? { warnings } : {}),
    };
  }

  return {
    specificationVersion: 'v1',
    id,
    displayName: 'Bluesky (AT Protocol)',
    webhook: { authentication: 'none-polling' },
    capabilities: {
      webhook: false,
      poll: true,
      reply: true,
      directMessage: false,
      edits: false,
      deletes: false,
      reactions: false,
      threads: true,
      deliveryReceipts: false,
      publish: true,
    },
    rateLimitFromResponse: readBlueskyRateLimit,
    decodeError: readBlueskyError,
    doPoll,
    doSendReply: (reply, context) => sendBlueskyReply(reply, context, { adapterId: id, service, withSession: (send) => withSession(context, send) }),
    doPublish: (post, context) => publishBlueskyPost(post, context, { adapterId: id, service, withSession: (send) => withSession(context, send) }),
  };
}
