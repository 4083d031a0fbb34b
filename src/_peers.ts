/**
 * Optional peer dependencies (pg, PGlite, NATS). Each is imported where it is used by a literal
 * `import('name')`, so that bundlers and file tracers see it; this wraps that import so a missing
 * package fails with a {@link MissingDependencyError}. Internal: not exported from any entry.
 */
import { MissingDependencyError } from './errors.js';

const NOT_FOUND_CODES = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return NOT_FOUND_CODES.has(code);
  return /cannot find (module|package)|failed to resolve module/i.test((error as Error | null)?.message ?? '');
}

/**
 * Runs `load` once and keeps its promise: called when a feature is created, so that the import
 * starts then and its failure is already known by the first call (the rejection is handled here,
 * so an unused feature never reports an unhandled one). Any other failure of the module passes as is.
 */
export function optionalPeer<T>(feature: string, dependencies: string[], load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    if (!loading) {
      loading = load().catch((error: unknown) => {
        throw isNotFound(error) ? new MissingDependencyError(feature, dependencies, error) : error;
      });
      loading.catch(() => undefined);
    }
    return loading;
  };
}
