import * as z from 'zod';
import {
  ChannelApiError,
  InvalidPayloadError,
  assertContentType,
  decodeUtf8,
  isSocialCrmError,
  parseAdapterOptions,
  readRawBody,
  toChannelApiError,
  verifySharedSecret,
  type AdapterContext,
  type AdapterWarning,
  type ChannelAdapter,
  type ChannelEvent,
  type PollRequest,
  type PollResult,
  type RejectedItem,
  type WebhookResult,
} from 'social-crm/adapter-kit';
import { createTokenSource, withFreshToken, type TokenSource } from '../_shared/oauth/index.js';
import { readGoogleError } from './gbp-errors.js';
import { notificationSchema, pushEnvelopeSchema, reviewListSchema, reviewSchema, type Review } from './gbp-schemas.js';
import { locationOf, normalizeReview } from './normalize.js';
import { createPushTokenVerifier } from './push-auth.js';
import { sendReviewReply } from './send-reply.js';

const ADAPTER_ID = 'google-business';

/** Options of {@link googleBusinessAdapter}. Credentials are taken only from here; the adapter never reads the environment. */
export interface GoogleBusinessAdapterOptions {
  /** The Business Profile account id (digits of `accounts/{id}`). */
  accountId: string;
  /** Ids of the verified locations whose reviews to read and answer (digits of `locations/{id}`). */
  locationIds: string[];
  /**
   * An OAuth 2.0 access token with the `https://www.googleapis.com/auth/business.manage` scope, or
   * a function returning a fresh one (from google-auth-library, your token store …). Give this or `oauth`.
   */
  accessToken?: string | (() => Promise<string>);
  /** A client and a refresh token of the account's manager: the adapter renews access tokens itself. Give this or `accessToken`. */
  oauth?: { clientId: string; clientSecret: string; refreshToken: string };
  /**
   * How Pub/Sub push deliveries prove they come from Google. Without it the adapter only polls.
   * - `{ audience, serviceAccountEmail? }`: an authenticated push subscription; the Google-signed
   *   OIDC token in `Authorization: Bearer` is verified (RS256, issuer, audience, expiry, account).
   * - `{ verificationToken }`: a secret you put in the push endpoint URL as `?token=…`.
   */
  push?: { audience: string; serviceAccountEmail?: string } | { verificationToken: string };
  /** @default 'https://mybusiness.googleapis.com' */
  apiBaseUrl?: string;
  /** @default 'https://oauth2.googleapis.com/token' */
  tokenUrl?: string;
  /** Google's OIDC signing keys. @default 'https://www.googleapis.com/oauth2/v3/certs' */
  jwksUrl?: string;
  /** Adapter id (webhook path segment and `channel`). @default 'google-business' */
  id?: string;
  /** Reviews per page (Google allows up to 50). @default 50 */
  pageSize?: number;
}

const numericId = (what: string) => z.string().regex(/^\d+$/, `Use the numeric ${what} id (the digits of ${what === 'account' ? '`accounts/{id}`' : '`locations/{id}`'}).`);

const optionsSchema = z
  .object({
    accountId: numericId('account'),
    locationIds: z.array(numericId('location')).min(1, 'Name at least one location.'),
    accessToken: z.union([z.string().min(1), z.custom<() => Promise<string>>((value) => typeof value === 'function', 'Expected a token or a function returning one.')]).optional(),
    oauth: z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1), refreshToken: z.string().min(1) }).optional(),
    push: z
      .union([
        z.object({ audience: z.string().min(1), serviceAccountEmail: z.string().email().optional() }).strict(),
        z.object({ verificationToken: z.string().min(16, 'Use a random token of at least 16 characters.') }).strict(),
      ])
      .optional(),
    apiBaseUrl: z.string().url().default('https://mybusiness.googleapis.com').transform((url) => url.replace(/\/+$/, '')),
    tokenUrl: z.string().url().default('https://oauth2.googleapis.com/token'),
    jwksUrl: z.string().url().default('https://www.googleapis.com/oauth2/v3/certs'),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'Use lower-kebab-case.').default(ADAPTER_ID),
    pageSize: z.number().int().min(1).max(50).default(50),
  })
  .superRefine((value, context) => {
    if ((value.accessToken === undefined) === (value.oauth === undefined)) {
      context.addIssue({ code: 'custom', path: ['accessToken'], message: 'Give `accessToken` or `oauth` (every call needs a token), not both.' });
    }
  });

type Settings = z.output<typeof optionsSchema>;

const tokenAnswerSchema = z.looseObject({ access_token: z.string().min(1), expires_in: z.number().positive() });

function tokenSourceFor(settings: Settings, id: string): TokenSource {
  const { accessToken, oauth } = settings;
  if (typeof accessToken === 'string') return { get: async () => accessToken, invalidate() {} };
  if (accessToken) return { get: () => accessToken(), invalidate() {} };
  return createTokenSource(async (context) => {
    let body: unknown;
    try {
      body = await context.http
        .post(settings.tokenUrl, {
          body: new URLSearchParams({ grant_type: 'refresh_token', client_id: oauth!.clientId, client_secret: oauth!.clientSecret, refresh_token: oauth!.refreshToken }),
          ...(context.signal ? { signal: context.signal } : {}),
        })
        .json();
    } catch (error) {
      throw await toChannelApiError(id, error, (answer) => {
        // The token endpoint answers `{ "error": "invalid_grant", "error_description": "…" }`.
        const parsed = z.looseObject({ error: z.string(), error_description: z.string().optional() }).safeParse(answer);
        return parsed.success ? { code: parsed.data.error, message: parsed.data.error_description ?? parsed.data.error } : undefined;
      });
    }
    const parsed = tokenAnswerSchema.safeParse(body);
    if (!parsed.success) throw new InvalidPayloadError(`[${id}] The token endpoint answered without an access token.`, { cause: parsed.error });
    return { token: parsed.data.access_token, expiresInSeconds: parsed.data.expires_in };
  }, 5 * 60_000);
}

// ---------------------------------------------------------------------------------------------
// Cursor: per location, the newest `updateTime` stored and the page of a run in progress
// ---------------------------------------------------------------------------------------------

const locationStateSchema = z.object({ newest: z.string().optional(), pageToken: z.string().optional(), runNewest: z.string().optional() });
type LocationState = z.output<typeof locationStateSchema>;
const cursorSchema = z.object({ v: z.literal(1), locations: z.record(z.string(), locationStateSchema).default({}) });

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** Events the adapter acts on; the rest are acknowledged with a warning. */
const REVIEW_NOTIFICATIONS = new Set(['NEW_REVIEW', 'UPDATED_REVIEW']);

/**
 * Google Business Profile reviews: polls `accounts.locations.reviews.list` (newest updates first,
 * with page tokens), receives Pub/Sub push notifications for new and updated reviews (the push's
 * OIDC token or a URL token checked, the review then fetched), keeps the star rating, and answers
 * or updates the owner's reply with `PUT …/reviews/{id}/reply`.
 *
 * @example
 * const reviews = googleBusinessAdapter({
 *   accountId: '112233445566778899',
 *   locationIds: ['998877665544332211'],
 *   oauth: { clientId, clientSecret, refreshToken },
 *   push: { audience: 'https://crm.example.com/webhooks/google-business', serviceAccountEmail: 'gbp-push@acme-crm.iam.gserviceaccount.com' },
 * });
 */
export function googleBusinessAdapter(options: GoogleBusinessAdapterOptions): ChannelAdapter {
  const settings: Settings = parseAdapterOptions(options?.id ?? ADAPTER_ID, optionsSchema, options);
  const id = settings.id;
  const locations = settings.locationIds.map((location) => `accounts/${settings.accountId}/locations/${location}`);
  const known = new Set(locations);
  const tokens = tokenSourceFor(settings, id);
  const push = settings.push;
  const verifier = push && 'audience' in push ? createPushTokenVerifier({ adapterId: id, audience: push.audience, jwksUrl: settings.jwksUrl, ...(push.serviceAccountEmail ? { serviceAccountEmail: push.serviceAccountEmail } : {}) }) : undefined;

  const withToken = <T>(context: AdapterContext, call: (token: string) => Promise<T>): Promise<T> =>
    withFreshToken(tokens, context, call, (error) => isSocialCrmError(error) && error instanceof ChannelApiError && error.status === 401);

  async function getJson(url: string, searchParams: URLSearchParams | undefined, context: AdapterContext): Promise<unknown> {
    return withToken(context, async (token) => {
      try {
        return await context.http.get(url, { headers: { authorization: `Bearer ${token}` }, ...(searchParams ? { searchParams } : {}), ...(context.signal ? { signal: context.signal } : {}) }).json();
      } catch (error) {
        throw await toChannelApiError(id, error, readGoogleError);
      }
    });
  }

  async function doPoll(request: PollRequest, context: AdapterContext): Promise<PollResult> {
    const warnings: AdapterWarning[] = [];
    const rejected: RejectedItem[] = [];
    let state: z.output<typeof cursorSchema> = { v: 1, locations: {} };
    if (request.cursor) {
      try {
        state = cursorSchema.parse(JSON.parse(request.cursor));
      } catch {
        warnings.push({ type: 'malformed', message: 'The saved poll cursor could not be read; polling starts over (stored reviews are skipped as duplicates).', details: { cursor: request.cursor } });
      }
    }
    const pending = locations.filter((location) => state.locations[location]?.pageToken);
    const selected = pending.length ? pending : locations;
    const events: ChannelEvent[] = [];
    const failures: unknown[] = [];
    let fetched = 0;
    for (const location of selected) {
      const current: LocationState = state.locations[location] ?? {};
      const searchParams = new URLSearchParams({ pageSize: String(Math.min(request.limit ?? settings.pageSize, settings.pageSize)), orderBy: 'updateTime desc' });
      if (current.pageToken) searchParams.set('pageToken', current.pageToken);
      let page: z.output<typeof reviewListSchema>;
      try {
        const parsed = reviewListSchema.safeParse(await getJson(`${settings.apiBaseUrl}/v4/${location}/reviews`, searchParams, context));
        if (!parsed.success) throw new InvalidPayloadError(`[${id}] reviews.list for ${location} answered an unreadable body.`, { cause: parsed.error });
        page = parsed.data;
      } catch (error) {
        failures.push(error);
        warnings.push({ type: isSocialCrmError(error, 'RATE_LIMITED') ? 'rate-limit' : 'other', message: `Polling ${location} failed; it is retried on the next poll: ${error instanceof Error ? error.message : String(error)}`, details: { location } });
        continue;
      }
      fetched++;
      let reachedKnown = false;
      let pageNewest: string | undefined;
      const batch: ChannelEvent[] = [];
      for (const candidate of page.reviews ?? []) {
        const review = reviewSchema.safeParse(candidate);
        if (!review.success) {
          rejected.push({ payload: candidate, error: new Error(`Not a review: ${review.error.issues[0]?.path.join('.')}: ${review.error.issues[0]?.message}`) });
          continue;
        }
        const updated = review.data.updateTime ?? review.data.createTime;
        if (current.newest && Date.parse(updated) <= Date.parse(current.newest)) {
          reachedKnown = true;
          continue;
        }
        pageNewest = later(pageNewest, updated);
        for (const interaction of normalizeReview(review.data, id, 'poll')) batch.push({ type: 'interaction', interaction });
      }
      events.push(...batch);
      const runNewest = current.pageToken ? current.runNewest : pageNewest;
      state.locations[location] =
        page.nextPageToken && !reachedKnown
          ? { ...current, pageToken: page.nextPageToken, ...(runNewest ? { runNewest } : {}) }
          : { ...(later(runNewest, current.newest) ? { newest: later(runNewest, current.newest)! } : {}) };
    }
    if (failures.length === selected.length) throw failures[0];
    return {
      events,
      cursor: JSON.stringify(state),
      hasMore: fetched > 0 && locations.some((location) => state.locations[location]?.pageToken !== undefined),
      ...(rejected.length ? { rejected } : {}),
      ...(warnings.length ? { warnings } : {}),
    };
  }

  async function authenticate(request: Request, context: AdapterContext): Promise<void> {
    if (verifier) {
      await verifier.verify(request.headers.get('authorization'), context);
      return;
    }
    const token = new URL(request.url).searchParams.get('token');
    await verifySharedSecret({ secret: (push as { verificationToken: string }).verificationToken, given: token, headerName: '`token` query parameter' });
  }

  async function doHandleWebhook(request: Request, context: AdapterContext): Promise<WebhookResult> {
    if (request.method !== 'POST') throw new InvalidPayloadError(`[${id}] Pub/Sub pushes with POST; ${request.method} is not accepted.`, { status: 405 });
    await authenticate(request, context);
    assertContentType(request, ['application/json']);
    const body = await readRawBody(request);
    // From here on the push is Google's: anything unreadable is acknowledged and dead-lettered,
    // or Pub/Sub would redeliver it for days.
    let envelope: z.output<typeof pushEnvelopeSchema>;
    try {
      envelope = pushEnvelopeSchema.parse(JSON.parse(decodeUtf8(body)));
    } catch (error) {
      return { events: [], rejected: [{ payload: decodeUtf8Safe(body), error: new Error(`Not a Pub/Sub push: ${(error as Error).message}`) }] };
    }
    const messageId = envelope.message.messageId ?? envelope.message.message_id;
    let notification: z.output<typeof notificationSchema>;
    try {
      notification = notificationSchema.parse(JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(envelope.message.data ?? ''), (char) => char.charCodeAt(0)))));
    } catch (error) {
      return { events: [], rejected: [{ payload: envelope, error: new Error(`The push's \`message.data\` is not a base64 JSON notification: ${(error as Error).message}`) }] };
    }
    const details = { messageId, type: notification.type };
    if (!notification.type || !REVIEW_NOTIFICATIONS.has(notification.type)) {
      return { events: [], warnings: [{ type: 'ignored', message: `Business Profile notification \`${notification.type ?? 'without a type'}\` is not stored by the CRM.`, details }] };
    }
    const reviewName = notification.reviewName;
    if (!reviewName || !/^accounts\/[^/]+\/locations\/[^/]+\/reviews\/[^/]+$/.test(reviewName)) {
      return { events: [], rejected: [{ payload: envelope, error: new Error(`${notification.type} names no review (\`reviewName\` / \`review_name\`).`) }] };
    }
    if (!known.has(locationOf(reviewName))) {
      return { events: [], warnings: [{ type: 'ignored', message: `A review of ${locationOf(reviewName)}, which this adapter does not manage, was ignored.`, details }] };
    }
    let review: Review;
    try {
      const parsed = reviewSchema.safeParse(await getJson(`${settings.apiBaseUrl}/v4/${reviewName}`, undefined, context));
      if (!parsed.success) return { events: [], rejected: [{ payload: envelope, error: new Error(`reviews.get for ${reviewName} answered an unreadable review.`) }] };
      review = parsed.data;
    } catch (error) {
      // Gone since the notification (deleted by its author): nothing to store.
      if (isSocialCrmError(error) && error instanceof ChannelApiError && error.status === 404) {
        return { events: [], warnings: [{ type: 'ignored', message: `${reviewName} no longer exists; the notification was acknowledged.`, details }] };
      }
      // Anything else fails the push (5xx), so Pub/Sub delivers it again later.
      throw error;
    }
    return { events: normalizeReview(review, id, 'push').map((interaction) => ({ type: 'interaction', interaction })) };
  }

  return {
    specificationVersion: 'v1',
    id,
    displayName: 'Google Business Profile reviews',
    capabilities: {
      webhook: push !== undefined,
      poll: true,
      reply: true,
      directMessage: false,
      edits: true,
      deletes: false,
      reactions: false,
      threads: true,
      deliveryReceipts: false,
    },
    // An OIDC token or URL token is a bearer credential, not a signature over the body.
    webhook: { authentication: push ? 'shared-secret' : 'none-polling' },
    decodeError: readGoogleError,
    doPoll,
    ...(push ? { doHandleWebhook } : {}),
    doSendReply: (reply, context) => sendReviewReply(reply, context, { adapterId: id, apiBaseUrl: settings.apiBaseUrl, withToken }),
  };
}

function decodeUtf8Safe(body: Uint8Array): string {
  return new TextDecoder().decode(body);
}
