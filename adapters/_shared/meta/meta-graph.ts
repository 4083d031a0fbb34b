import * as z from 'zod';
import { ChannelApiError, RateLimitError, ReplyNotAllowedError } from 'social-crm';
import { toChannelApiError, type AdapterContext, type PlatformErrorInfo, type RateLimitState } from 'social-crm/adapter-kit';

/** Graph's error body: `{ error: { message, type, code, error_subcode, fbtrace_id, ... } }`. */
export const graphErrorBodySchema = z.object({
  error: z.looseObject({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.coerce.number().optional(),
    error_subcode: z.coerce.number().optional(),
    error_user_title: z.string().optional(),
    error_user_msg: z.string().optional(),
    is_transient: z.boolean().optional(),
    fbtrace_id: z.string().optional(),
    /** WhatsApp Cloud API: `{ messaging_product, details }`. */
    error_data: z.looseObject({ details: z.string().optional() }).optional(),
  }),
});
export type GraphErrorBody = z.output<typeof graphErrorBodySchema>;

/** Graph error fields kept on the typed errors {@link toMetaSendError} returns. */
export interface MetaErrorDetails {
  /** HTTP status of the failed call. */
  status?: number;
  /** Graph `code` (e.g. 190, 80001, 131047). */
  platformCode?: number;
  /** Graph `error_subcode` (e.g. 2018278). */
  subcode?: number;
  /** Graph `type`, e.g. `OAuthException`. */
  graphType?: string;
  /** Graph `fbtrace_id`, for Meta support. */
  fbtraceId?: string;
}

/** A typed send failure with the Graph error fields attached. */
export type MetaSendError = (ChannelApiError | ReplyNotAllowedError) & MetaErrorDetails;

/**
 * Graph codes that mean "too many calls": app (4), user (17), Pages with a user token (32),
 * throttled (341), custom limits (613), Business Use Case limits (80000–80014), and WhatsApp's
 * throughput (130429), spam (131048), pair (131056) and registration (133016) limits.
 */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 341, 613, 130429, 131048, 131056, 133016]);
const isRateLimitCode = (code: number) => RATE_LIMIT_CODES.has(code) || (code >= 80000 && code <= 80014);
/** Transient Graph and WhatsApp codes: unknown (1), service (2), "something went wrong" (131000), unavailable (131016). */
const TRANSIENT_CODES = new Set([1, 2, 131000, 131016]);

/** Messaging-window refusals: Messenger 10/2018278, Instagram 10/2534022, WhatsApp 131047 (re-engagement). */
function isWindowClosed(code: number | undefined, subcode: number | undefined): boolean {
  return code === 131047 || (code === 10 && (subcode === 2018278 || subcode === 2534022));
}

/** Decodes Graph's error body for `toChannelApiError`. */
export function readGraphError(body: unknown): PlatformErrorInfo | undefined {
  const parsed = graphErrorBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { error } = parsed.data;
  const code = error.code;
  const details = error.error_data?.details;
  const message = [error.message, details && details !== error.message ? details : undefined].filter(Boolean).join(' — ');
  return {
    ...(code !== undefined ? { code } : {}),
    ...(message ? { message } : {}),
    ...(code !== undefined && isRateLimitCode(code) ? { isRateLimit: true } : {}),
    ...(error.is_transient !== undefined ? { isRetryable: error.is_transient } : code !== undefined && TRANSIENT_CODES.has(code) ? { isRetryable: true } : {}),
  };
}

function responseOf(error: unknown): Response | undefined {
  const response = typeof error === 'object' && error !== null ? (error as { response?: unknown }).response : undefined;
  return response instanceof Response ? response : undefined;
}

function parseErrorBody(text: string | undefined): GraphErrorBody['error'] | undefined {
  if (!text) return undefined;
  try {
    const parsed = graphErrorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Turns whatever a Graph call threw into a typed error, keeping `status`, `platformCode`,
 * `subcode`, `graphType` and `fbtraceId`:
 * - throttling codes and 429 → `RateLimitError` (retryable; `retryAfterMs` from the usage headers when Meta names a regain time);
 * - messaging-window codes → `ReplyNotAllowedError('messaging-window-closed')`;
 * - WhatsApp 131050 (stopped marketing messages) → `ReplyNotAllowedError('opted-out')`;
 * - WhatsApp 131026 (undeliverable), Messenger 551 (person unavailable) → `ReplyNotAllowedError('not-replyable')`;
 * - 190/102 (token), 10 and 200–299 (permission) → `ChannelApiError`, not retryable;
 * - 1, 2, `is_transient`, 5xx and network failures → `ChannelApiError`, retryable.
 * Callers may pass `now` for the regain time (the adapter context's clock).
 */
export async function toMetaSendError(error: unknown, adapterId: string, now: () => number = Date.now): Promise<MetaSendError> {
  const apiError = await toChannelApiError(adapterId, error, readGraphError);
  const graph = parseErrorBody(apiError.responseBody);
  const details: MetaErrorDetails = {
    ...(apiError.status !== undefined ? { status: apiError.status } : {}),
    ...(graph?.code !== undefined ? { platformCode: graph.code } : {}),
    ...(graph?.error_subcode !== undefined ? { subcode: graph.error_subcode } : {}),
    ...(graph?.type !== undefined ? { graphType: graph.type } : {}),
    ...(graph?.fbtrace_id !== undefined ? { fbtraceId: graph.fbtrace_id } : {}),
  };
  const code = graph?.code;
  const describe = (reason: string) =>
    `[${adapterId}] ${reason} (Graph code ${code}${details.subcode !== undefined ? `/${details.subcode}` : ''}: ${graph?.message ?? 'no message'}).`;
  if (isWindowClosed(code, details.subcode)) {
    return Object.assign(
      new ReplyNotAllowedError('messaging-window-closed', describe('The customer-service window is closed; send a template or a tagged message instead'), { cause: apiError }),
      details,
    );
  }
  if (code === 131050) {
    return Object.assign(new ReplyNotAllowedError('opted-out', describe('The recipient stopped receiving marketing messages from this business'), { cause: apiError }), details);
  }
  if (code === 131026 || code === 551) {
    return Object.assign(new ReplyNotAllowedError('not-replyable', describe('The recipient cannot receive this message'), { cause: apiError }), details);
  }
  if (apiError instanceof RateLimitError && apiError.retryAfterMs === undefined) {
    const response = responseOf(error);
    const state = response ? metaRateLimitFromResponse(response, { now: now() }) : undefined;
    if (state?.resetAt !== undefined) {
      const info = graph ? readGraphError({ error: graph }) : undefined;
      const retried = new RateLimitError(info?.message ? `The API refused the call: ${info.message}` : `The API answered ${apiError.status ?? 'an error'}.`, {
        adapterId,
        ...(apiError.method ? { method: apiError.method } : {}),
        ...(apiError.url ? { url: apiError.url } : {}),
        ...(apiError.status !== undefined ? { status: apiError.status } : {}),
        ...(apiError.platformCode !== undefined ? { platformCode: apiError.platformCode } : {}),
        ...(apiError.responseBody !== undefined ? { responseBody: apiError.responseBody } : {}),
        retryAfterMs: Math.max(0, state.resetAt - now()),
        cause: error,
      });
      return Object.assign(retried, details);
    }
  }
  return Object.assign(apiError, details);
}

// ---------------------------------------------------------------------------------------------
// Usage headers
// ---------------------------------------------------------------------------------------------

const percent = z.coerce.number().finite().nonnegative();
const appUsageSchema = z.looseObject({ call_count: percent.optional(), total_time: percent.optional(), total_cputime: percent.optional() });
const businessUsageSchema = z.record(
  z.string(),
  z.array(z.looseObject({
    type: z.string().optional(),
    call_count: percent.optional(),
    total_time: percent.optional(),
    total_cputime: percent.optional(),
    estimated_time_to_regain_access: percent.optional(),
  })),
);
const adAccountUsageSchema = z.looseObject({ acc_id_util_pct: percent.optional(), reset_time_duration: percent.optional() });

/** Options of {@link metaRateLimitFromResponse}. */
export interface MetaRateLimitOptions {
  /** Usage percentage at which the adapter stops calling until the regain time. @default 95 */
  threshold?: number;
  /** Pause when a usage reaches the threshold and Meta names no regain time (the window rolls over an hour). @default 300_000 */
  cooldownMs?: number;
  /** Epoch milliseconds. @default Date.now() */
  now?: number;
}

function readJsonHeader<T>(headers: Headers, name: string, schema: z.ZodType<T>): T | undefined {
  const value = headers.get(name);
  if (!value) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads Graph's usage headers so the core slows down before Meta blocks the app:
 * `X-App-Usage` (`call_count`/`total_time`/`total_cputime`, percentages of the hourly quota),
 * `X-Business-Use-Case-Usage` (the same per business object, with `estimated_time_to_regain_access`
 * in minutes) and `X-Ad-Account-Usage` (`acc_id_util_pct`, `reset_time_duration` in seconds).
 *
 * `remaining` is `100 −` the highest percentage seen. At `threshold` or above, or while Meta names a
 * regain time, `remaining` is `0` until the regain time (or `cooldownMs`). The scope is always
 * `'*'`: every call of the adapter counts against the same app and business quotas (each adapter
 * serves one Page, Instagram account or WhatsApp Business Account).
 */
export function metaRateLimitFromResponse(response: Response, options: MetaRateLimitOptions = {}): RateLimitState | undefined {
  const threshold = options.threshold ?? 95;
  const now = options.now ?? Date.now();
  const app = readJsonHeader(response.headers, 'x-app-usage', appUsageSchema);
  const business = readJsonHeader(response.headers, 'x-business-use-case-usage', businessUsageSchema);
  const adAccount = readJsonHeader(response.headers, 'x-ad-account-usage', adAccountUsageSchema);
  if (!app && !business && !adAccount) return undefined;
  let highest = 0;
  let regainAt: number | undefined;
  const consider = (usage: { call_count?: number; total_time?: number; total_cputime?: number }) => {
    highest = Math.max(highest, usage.call_count ?? 0, usage.total_time ?? 0, usage.total_cputime ?? 0);
  };
  const regainIn = (milliseconds: number | undefined) => {
    if (milliseconds === undefined || milliseconds <= 0) return;
    regainAt = Math.max(regainAt ?? 0, now + milliseconds);
  };
  if (app) consider(app);
  for (const usages of Object.values(business ?? {})) {
    for (const usage of usages) {
      consider(usage);
      regainIn(usage.estimated_time_to_regain_access !== undefined ? usage.estimated_time_to_regain_access * 60_000 : undefined);
    }
  }
  if (adAccount) {
    highest = Math.max(highest, adAccount.acc_id_util_pct ?? 0);
    if ((adAccount.acc_id_util_pct ?? 0) >= threshold) regainIn(adAccount.reset_time_duration !== undefined ? adAccount.reset_time_duration * 1000 : undefined);
  }
  const exhausted = highest >= threshold || regainAt !== undefined;
  if (!exhausted) return { remaining: Math.max(0, 100 - highest), scope: '*' };
  return { remaining: 0, resetAt: regainAt ?? now + (options.cooldownMs ?? 300_000), scope: '*' };
}

// ---------------------------------------------------------------------------------------------
// Graph client
// ---------------------------------------------------------------------------------------------

/** What {@link createGraphApi} needs from the adapter's settings. */
export interface GraphApiOptions {
  adapterId: string;
  accessToken: string;
  /** @default 'v23.0' */
  graphVersion: string;
  /** @default 'https://graph.facebook.com' */
  graphBaseUrl: string;
}

/** A thin Graph client over `context.http`: bearer token, versioned URLs, typed errors. */
export interface GraphApi {
  /** `${graphBaseUrl}/${graphVersion}/${path}`. */
  url(path: string): string;
  /** GET a Graph path; resolves to the parsed JSON body. @throws the errors of {@link toMetaSendError} */
  get(path: string, searchParams?: Record<string, string | number | boolean>): Promise<unknown>;
  /** POST JSON to a Graph path; resolves to the parsed JSON body. @throws the errors of {@link toMetaSendError} */
  post(path: string, json: unknown): Promise<unknown>;
}

/**
 * Makes a Graph client for one call context. The core's HTTP client underneath retries 429s and
 * transient failures and holds calls while the usage headers say the quota is spent.
 * @example const graph = createGraphApi(context, settings); await graph.post(`${phoneNumberId}/messages`, body);
 */
export function createGraphApi(context: AdapterContext, options: GraphApiOptions): GraphApi {
  const url = (path: string) => `${options.graphBaseUrl}/${options.graphVersion}/${path.replace(/^\/+/, '')}`;
  const headers = { authorization: `Bearer ${options.accessToken}` };
  const signal = context.signal ? { signal: context.signal } : {};
  const now = () => context.now().getTime();
  return {
    url,
    async get(path, searchParams) {
      try {
        return await context.http.get(url(path), { headers, ...(searchParams ? { searchParams } : {}), ...signal }).json();
      } catch (error) {
        throw await toMetaSendError(error, options.adapterId, now);
      }
    },
    async post(path, json) {
      try {
        return await context.http.post(url(path), { headers, json, ...signal }).json();
      } catch (error) {
        throw await toMetaSendError(error, options.adapterId, now);
      }
    },
  };
}
