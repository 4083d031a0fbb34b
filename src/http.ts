import ky, { HTTPError, TimeoutError } from 'ky';
import type { ChannelAdapter, HttpClient, Logger, PlatformErrorInfo, RateLimitState } from './adapter.js';
import { ChannelApiError, RateLimitError, isSocialCrmError, redactSecrets } from './errors.js';

export type { PlatformErrorInfo } from './adapter.js';

/** Settings for the HTTP client the core builds for each adapter. */
export interface HttpClientOptions {
  adapter: Pick<ChannelAdapter, 'id' | 'rateLimitFromResponse' | 'decodeError'>;
  /** Custom fetch (proxies, tests). @default globalThis.fetch */
  fetch?: typeof fetch;
  logger: Logger;
  now(): Date;
  /**
   * Network time allowed to one attempt, until the response headers arrive. Waits for a
   * rate-limit reset and backoff between attempts are not counted. @default 15_000
   */
  timeoutMs?: number;
  /**
   * Attempts after the first: for network errors, 408 and 5xx on idempotent methods, and 429 on
   * any method. @default 3
   */
  retries?: number;
  /**
   * Longest single wait for a reset the network names (`Retry-After` on a 429 or 503, reset
   * headers, a spent budget). A longer one fails at once, without sleeping. @default 60_000
   */
  maxRateLimitWaitMs?: number;
  /** Base of the exponential backoff in milliseconds. @default 300 */
  backoffBaseMs?: number;
  userAgent: string;
}

const RESET_HEADERS = ['retry-after', 'ratelimit-reset', 'x-ratelimit-reset', 'x-rate-limit-reset'];
const IDEMPOTENT_METHODS = new Set(['GET', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);
const BACKOFF_STATUSES = new Set([408, 500, 502, 503, 504]);

/** A reset header's value as milliseconds from `now`: seconds to wait, epoch seconds, or an HTTP date. */
function resetValueMs(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) {
    // Large numbers are epoch timestamps (X sends `x-rate-limit-reset: 1700000000`).
    return Math.max(0, seconds > 1_000_000_000 ? seconds * 1000 - now : seconds * 1000);
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Milliseconds to wait before retrying, read from `Retry-After` (seconds or HTTP date) and the
 * common reset headers (seconds to wait, or an epoch-seconds timestamp). `undefined` when none.
 * @internal
 */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  for (const name of RESET_HEADERS) {
    const wait = resetValueMs(headers.get(name), now);
    if (wait !== undefined) return wait;
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
 * One attempt: the request, aborted with ky's `TimeoutError` when no response has arrived
 * within `timeoutMs`. `controller` must be the one whose signal the request carries.
 */
function fetchWithin(fetchFunction: typeof fetch, request: Request, controller: AbortController, timeoutMs: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      controller.abort();
      reject(new TimeoutError(request));
    }, timeoutMs);
    fetchFunction(request)
      .then(resolve, reject)
      .finally(() => clearTimeout(timer));
  });
}

/**
 * Builds the one ky instance an adapter uses. ky shapes requests and throws `HTTPError`; every
 * attempt, wait and retry happens in the fetch underneath it, so that the per-attempt timeout
 * covers network time only and never a wait the network asked for:
 * - a 429 (on any method: the network did not process the call), and a 503 on an idempotent
 *   method, are retried after the reset the response names (`Retry-After`, reset headers, or the
 *   adapter's `rateLimitFromResponse`), never before; without one, after exponential backoff;
 * - when the adapter reports the budget spent, later calls in its scope wait for the reset;
 * - a reset further away than `maxRateLimitWaitMs` fails at once: the 429 or 503 goes back to
 *   the adapter (whose `toChannelApiError` gives it `retryAfterMs`), a spent budget throws a
 *   retryable `RateLimitError` before any call;
 * - network errors, 408 and other 5xx are retried on idempotent methods with exponential
 *   backoff and jitter; a timed-out attempt is not retried (the network may have acted on it).
 * @internal
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const baseFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const retries = options.retries ?? 3;
  const timeoutMs = options.timeoutMs ?? 15_000;
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

  const waitForBudget = async (request: Request) => {
    const now = options.now().getTime();
    const budget = spentBudget(request, now);
    if (!budget) return;
    const wait = budget.resetAt - now;
    if (wait > maxWait) {
      throw new RateLimitError(`Rate-limit budget is spent until ${new Date(budget.resetAt).toISOString()}.`, {
        adapterId,
        method: request.method,
        url: request.url,
        retryAfterMs: wait,
      });
    }
    options.logger.info(`[${adapterId}] rate-limit budget spent; waiting ${wait} ms for the reset`);
    await sleep(wait, request.signal);
  };

  /** The wait the error body names, read through the adapter's `decodeError`. */
  const bodyRetryAfter = async (response: Response) => {
    if (!options.adapter.decodeError) return undefined;
    const text = await response.clone().text().catch(() => '');
    return decodePlatformError(text, options.adapter.decodeError).retryAfterMs;
  };

  /** How long to wait before trying again after `response`, or `undefined` to hand it back. */
  const retryWait = async (request: Request, response: Response, attempt: number, state: RateLimitState | undefined) => {
    const now = options.now().getTime();
    if (response.status === 429) {
      return (
        retryAfterMs(response.headers, now) ??
        (await bodyRetryAfter(response)) ??
        (state?.resetAt !== undefined ? Math.max(0, state.resetAt - now) : backoffDelay(attempt, backoffBase))
      );
    }
    if (!IDEMPOTENT_METHODS.has(request.method) || !BACKOFF_STATUSES.has(response.status)) return undefined;
    // Only `Retry-After` (or the body) speaks for a 503: X sends its window's reset on every response.
    const named = response.status === 503 ? (resetValueMs(response.headers.get('retry-after'), now) ?? (await bodyRetryAfter(response))) : undefined;
    return named ?? backoffDelay(attempt, backoffBase);
  };

  const gatedFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const original = input instanceof Request ? input : new Request(input, init);
    const signal = original.signal;
    // Buffer the body once: a retried attempt needs a fresh Request, and teeing a stream per
    // attempt stalls some fetch interceptors.
    const body = original.body ? await original.arrayBuffer() : undefined;
    for (let attempt = 0; ; attempt++) {
      await waitForBudget(original);
      const controller = new AbortController();
      const request = new Request(original.url, {
        method: original.method,
        headers: original.headers,
        signal: AbortSignal.any([signal, controller.signal]),
        ...(body ? { body } : {}),
      });
      let response: Response;
      try {
        response = await fetchWithin(baseFetch, request, controller, timeoutMs);
      } catch (error) {
        if (error instanceof TimeoutError || signal.aborted || !IDEMPOTENT_METHODS.has(original.method) || attempt >= retries) throw error;
        await sleep(backoffDelay(attempt + 1, backoffBase), signal);
        continue;
      }
      const state = options.adapter.rateLimitFromResponse?.(response);
      if (state) budgets.set(state.scope ?? scopeOf(original), state);
      if (attempt >= retries) return response;
      const wait = await retryWait(original, response, attempt + 1, state);
      if (wait === undefined) return response;
      const where = `${response.status} from ${original.method} ${redactSecrets(original.url)}`;
      if (wait > maxWait) {
        options.logger.info(`[${adapterId}] ${where}; the reset is ${wait} ms away, beyond maxRateLimitWaitMs (${maxWait}), so the call fails now`);
        return response;
      }
      options.logger.info(`[${adapterId}] ${where}; retrying in ${Math.round(wait)} ms`);
      // Not awaited: some fetch implementations never settle cancel() on mocked bodies.
      void response.body?.cancel().catch(() => undefined);
      await sleep(wait, signal);
    }
  };

  return ky.create({
    fetch: gatedFetch,
    // Both live in gatedFetch: ky's timeout would also cover the waits between attempts.
    timeout: false,
    retry: 0,
    headers: { 'user-agent': options.userAgent },
    throwHttpErrors: true,
  });
}

/** What `decoder` reads from an error body's text; empty when there is no decoder or the body is not JSON. */
function decodePlatformError(text: string, decoder: ((body: unknown) => PlatformErrorInfo | undefined) | undefined): PlatformErrorInfo {
  if (!decoder || !text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  const info = decoder(parsed) ?? {};
  const wait = info.retryAfterMs;
  // A negative or non-numeric wait from a decoder is ignored rather than trusted.
  return wait === undefined || (Number.isFinite(wait) && wait >= 0) ? info : { ...info, retryAfterMs: undefined };
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
    const known = credentialsOf(request);
    const body = redactSecrets(await response.clone().text().catch(() => ''), known);
    const info = decodePlatformError(body, readPlatformError);
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
    const message = info.message ? `The API refused the call: ${redactSecrets(info.message, known)}` : `The API answered ${status}.`;
    if (status === 429 || info.isRateLimit) {
      return new RateLimitError(message, { ...common, retryAfterMs: retryAfterMs(response.headers, Date.now()) ?? info.retryAfterMs });
    }
    const isRetryable = info.isRetryable ?? (status === 408 || status >= 500);
    const retryAfter = (status === 503 ? resetValueMs(response.headers.get('retry-after'), Date.now()) : undefined) ?? info.retryAfterMs;
    return new ChannelApiError(message, { ...common, isRetryable, retryAfterMs: retryAfter });
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

/** The credentials a request carried (its `Authorization` value, token-named query values), to redact wherever the network echoes them. */
function credentialsOf(request: Request): string[] {
  const found: string[] = [];
  const authorization = request.headers.get('authorization');
  if (authorization) found.push(authorization, authorization.replace(/^\S+\s+/, ''));
  for (const [name, value] of new URL(request.url).searchParams) {
    if (/token|secret|key|proof|signature|password/i.test(name)) found.push(value);
  }
  return found;
}
