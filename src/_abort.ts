/**
 * Cancellation for long and networked calls: a caller's `AbortSignal` is checked at each step
 * boundary and handed to the HTTP client, so a call stops between steps or mid-request and never
 * in the middle of a write.
 *
 * @internal
 * @module
 */
import type { KyInstance } from 'ky';
import type { AdapterContext, HttpClient } from './adapter.js';
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
  // A hook rather than ky's `signal` option: ky deep-merges options, and an adapter that also
  // passes `context.signal` per request would get the two signals merged into a plain object.
  // the client is a ky instance at run time (see createHttpClient); the public type names no ky type
  const http = (context.http as unknown as KyInstance).extend({
    hooks: { beforeRequest: [(request: Request) => (request.signal === signal ? undefined : new Request(request, { signal: AbortSignal.any([request.signal, signal]) }))] },
  });
  return { ...context, signal, http: http as unknown as HttpClient };
}
