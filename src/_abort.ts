/**
 * Cancellation for long and networked calls: a caller's `AbortSignal` is checked at each step
 * boundary and handed to the HTTP client, so a call stops between steps or mid-request and never
 * in the middle of a write.
 *
 * @internal
 * @module
 */
import type { AdapterContext, HttpClient, HttpRequestOptions } from './adapter.js';
import { AbortedError, isAbortedError, type Progress } from './errors.js';

/** Options every long call takes. */
export interface AbortOptions {
  /** Stops the call at its next step (or its current HTTP request) with an `AbortedError`. */
  signal?: AbortSignal;
}

/** Options of a long call that reports how far it got. */
export interface ProgressOptions<P extends Progress = Progress> extends AbortOptions {
  /** Called after each unit of work; an error it throws stops the call and reaches the caller. */
  onProgress?: (progress: P) => void;
}

/** @throws AbortedError when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, operation: string, progress?: Progress): void {
  if (signal?.aborted) throw new AbortedError(operation, { cause: signal.reason, ...(progress ? { progress } : {}) });
}

/**
 * What a step that failed while `signal` was aborted should throw: the `AbortedError` (the
 * failure is the abort reaching the request), else `error` itself.
 */
export function abortedOr(error: unknown, signal: AbortSignal | undefined, operation: string, progress?: Progress): unknown {
  if (isAbortedError(error) || !signal?.aborted) return error;
  return new AbortedError(operation, { cause: signal.reason, ...(progress ? { progress } : {}) });
}

/**
 * The adapter context of one call: the same client, with every request it makes carrying
 * `signal` (also for adapters that do not pass `context.signal` on themselves).
 */
export function withSignal(context: AdapterContext, signal: AbortSignal | undefined): AdapterContext {
  if (!signal) return context;
  // Each call gets one signal of its own: the caller's, joined with the one the adapter passed.
  const joined = (options: HttpRequestOptions = {}): HttpRequestOptions => ({
    ...options,
    signal: options.signal && options.signal !== signal ? AbortSignal.any([options.signal, signal]) : signal,
  });
  const base = context.http;
  const http: HttpClient = {
    get: (url, options) => base.get(url, joined(options)),
    post: (url, options) => base.post(url, joined(options)),
    put: (url, options) => base.put(url, joined(options)),
    patch: (url, options) => base.patch(url, joined(options)),
    delete: (url, options) => base.delete(url, joined(options)),
    head: (url, options) => base.head(url, joined(options)),
  };
  return { ...context, signal, http };
}
