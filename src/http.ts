import ky, { HTTPError, TimeoutError, type KyInstance } from 'ky';
import type { ChannelAdapter, Logger, RateLimitState } from './adapter.js';
import { ChannelApiError, RateLimitError, isSocialCrmError } from './errors.js';

/** Settings for the HTTP client the core builds for each adapter. */
export interface HttpClientOptions {
  adapter: Pick<ChannelAdapter, 'id' | 'rateLimitFromResponse'>;
  /** Custom fetch (proxies, tests). @default globalThis.fetch */
  fetch?: typeof fetch;
  logger: Logger;
  now(): Date;
  /** Per-attempt timeout in milliseconds. @default 15_000 */
  timeoutMs?: number;
  /** Attempts after the first, for network errors, 5xx on idempotent calls, and 429 on any call. @default 3 */
  retries?: number;
  /** Longest wait for a rate-limit reset before failing with `RateLimitError`. @default 60_000 */
  maxRateLimitWaitMs?: number;
  /** Base of the exponential backoff in milliseconds. @default 300 */
  backoffBaseMs?: number;
  userAgent: string;
}

const RESET_HEADERS = ['retry-after', 'ratelimit-reset', 'x-ratelimit-reset', 'x-rate-limit-reset'];

/**
 * Milliseconds to wait before retrying, read from `Retry-After` (seconds or HTTP date) and the
 * common reset headers (seconds to wait, or an epoch-seconds timestamp). `undefined` when none.
 * @internal
 */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  for (const name of RESET_HEADERS) {
    const value = headers.get(name);
    if (value === null || value.trim() === '') continue;
    const seconds = Number(value);
    if (Number.isFinite(seconds)) {
      // Large numbers are epoch timestamps (X sends `x-rate-limit-reset: 1700000000`).
      return Math.max(0, seconds > 1_000_000_000 ? seconds * 1000 - now : seconds * 1000);
    }
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return undefined;
}

function sleep(milliseconds: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Exponential backoff with jitter: half fixed, half random, so retries never synchronise. @internal */
export function backoffDelay(attempt: number, baseMs: number, capMs = 30_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * Builds the one ky instance an adapter uses. Underneath ky sits a rate-limit gate:
 * - it remembers the budget the adapter reads from responses (`rateLimitFromResponse`), and
 *   when the budget is spent it waits for the reset, or fails fast with a retryable
 *   `RateLimitError` when the reset is further away than `maxRateLimitWaitMs`;
 * - it retries any 429 (the network did not process the call) after the reset the response
 *   names, never before; ky itself retries network errors and 5xx on idempotent methods with
 *   exponential backoff and jitter.
 * @internal
 */
export function createHttpClient(options: HttpClientOptions): KyInstance {
  const baseFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const retries = options.retries ?? 3;
  const maxWait = options.maxRateLimitWaitMs ?? 60_000;
  const backoffBase = options.backoffBaseMs ?? 300;
  const adapterId = options.adapter.id;
  // One budget per scope: networks count per endpoint (X) or per app (Meta, scope '*').
  const budgets = new Map<string, RateLimitState>();
  const scopeOf = (request: Request) => {
    const url = new URL(request.url);
    return `${request.method} ${url.host}${url.pathname}`;
  };
  const spentBudget = (request: Request, now: number) =>
    [budgets.get(scopeOf(request)), budgets.get('*')].find(
      (state): state is RateLimitState & { resetAt: number } => state !== undefined && state.remaining <= 0 && state.resetAt !== undefined && state.resetAt > now,
    );

  const gatedFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const original = input instanceof Request ? input : new Request(input, init);
    // Buffer the body once: a retried attempt needs a fresh Request, and teeing a stream per
    // attempt stalls some fetch interceptors.
    const body = original.body ? await original.arrayBuffer() : undefined;
    const attemptRequest = () =>
      new Request(original.url, { method: original.method, headers: original.headers, signal: original.signal, ...(body ? { body } : {}) });
    for (let attempt = 0; ; attempt++) {
      const now = options.now().getTime();
      const budget = spentBudget(original, now);
      if (budget) {
        const wait = budget.resetAt - now;
        if (wait > maxWait) {
          throw new RateLimitError(`Rate-limit budget is spent until ${new Date(budget.resetAt).toISOString()}.`, {
            adapterId,
            method: original.method,
            url: original.url,
            retryAfterMs: wait,
          });
        }
        options.logger.info(`[${adapterId}] rate-limit budget spent; waiting ${wait} ms for the reset`);
        await sleep(wait, original.signal);
      }
      const response = await baseFetch(attemptRequest());
      const state = options.adapter.rateLimitFromResponse?.(response);
      if (state) budgets.set(state.scope ?? scopeOf(original), state);
      if (response.status !== 429 || attempt >= retries) return response;
      const wait = retryAfterMs(response.headers, options.now().getTime()) ??
        (state?.resetAt !== undefined ? Math.max(0, state.resetAt - options.now().getTime()) : backoffDelay(attempt + 1, backoffBase));
      if (wait > maxWait) return response;
      options.logger.info(`[${adapterId}] 429 from ${original.method} ${original.url}; retrying in ${wait} ms`);
      // Not awaited: some fetch implementations never settle cancel() on mocked bodies.
      void response.body?.cancel().catch(() => undefined);
      await sleep(wait, original.signal);
    }
  };

  return ky.create({
    fetch: gatedFetch,
    timeout: options.timeoutMs ?? 15_000,
    headers: { 'user-agent': options.userAgent },
    throwHttpErrors: true,
    retry: {
      limit: retries,
      methods: ['get', 'put', 'head', 'delete', 'options', 'trace'],
      statusCodes: [408, 500, 502, 503, 504],
      afterStatusCodes: [503],
      maxRetryAfter: maxWait,
      delay: (attempt) => backoffDelay(attempt, backoffBase),
    },
  });
}

/** How a network reports errors in its JSON body. */
export interface PlatformErrorInfo {
  /** The network's own error code. */
  code?: string | number;
  message?: string;
  /** Override retryability when the network says (e.g. Graph `is_transient`). */
  isRetryable?: boolean;
  /** The network says this is a rate limit, even without a 429 (Graph codes 4, 17, 32, 613). */
  isRateLimit?: boolean;
}

/**
 * Turns whatever an HTTP call threw into a {@link ChannelApiError} (or {@link RateLimitError})
 * with status, retryability, the network's error code and the response body.
 * Pass `readPlatformError` to decode the network's error body.
 */
export async function toChannelApiError(
  adapterId: string,
  error: unknown,
  readPlatformError?: (body: unknown) => PlatformErrorInfo | undefined,
): Promise<ChannelApiError> {
  if (isSocialCrmError(error) && error instanceof ChannelApiError) return error;
  if (error instanceof HTTPError) {
    const { response, request } = error;
    const body = await response.clone().text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = body ? JSON.parse(body) : undefined;
    } catch {
      parsed = undefined;
    }
    const info = (parsed !== undefined && readPlatformError?.(parsed)) || {};
    const status = response.status;
    const common = {
      adapterId,
      method: request.method,
      url: request.url,
      status,
      platformCode: info.code,
      responseBody: body.slice(0, 4000),
      cause: error,
    };
    const message = info.message ? `The API refused the call: ${info.message}` : `The API answered ${status}.`;
    if (status === 429 || info.isRateLimit) {
      return new RateLimitError(message, { ...common, retryAfterMs: retryAfterMs(response.headers, Date.now()) });
    }
    const isRetryable = info.isRetryable ?? (status === 408 || status >= 500);
    return new ChannelApiError(message, { ...common, isRetryable });
  }
  if (error instanceof TimeoutError) {
    return new ChannelApiError('The API did not answer in time.', {
      adapterId,
      method: error.request.method,
      url: error.request.url,
      isRetryable: true,
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new ChannelApiError(`The API could not be reached: ${detail}`, { adapterId, isRetryable: true, cause: error });
}
