import type { AdapterContext } from 'social-crm/adapter-kit';

/** An access token and how long it lives, as a token endpoint answers. */
export interface IssuedToken {
  token: string;
  /** Seconds until it expires (`expires_in`). */
  expiresInSeconds: number;
}

/** A source of bearer tokens for an adapter's calls. */
export interface TokenSource {
  /** A token valid for at least the refresh margin, fetched only when needed. */
  get(context: AdapterContext): Promise<string>;
  /** Forgets `token` after the API refused it (401), so the next `get` fetches a new one. */
  invalidate(token: string): void;
}

/**
 * Caches the token `issue` returns: renewed `refreshMarginMs` before it expires (by the context's
 * clock), or at once after `invalidate`; concurrent callers share one request to the token endpoint.
 * Shared by the adapters that sign in with OAuth refresh or password grants (Reddit, Google).
 */
export function createTokenSource(issue: (context: AdapterContext) => Promise<IssuedToken>, refreshMarginMs: number): TokenSource {
  let current: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  return {
    async get(context) {
      if (current && current.expiresAt - refreshMarginMs > context.now().getTime()) return current.token;
      pending ??= issue(context)
        .then((issued) => {
          current = { token: issued.token, expiresAt: context.now().getTime() + issued.expiresInSeconds * 1000 };
          return issued.token;
        })
        .finally(() => {
          pending = undefined;
        });
      return pending;
    },
    invalidate(token) {
      if (current?.token === token) current = undefined;
    },
  };
}

/** Runs `call` with a token; after a 401 it drops the token, fetches a new one and tries once more. */
export async function withFreshToken<T>(source: TokenSource, context: AdapterContext, call: (token: string) => Promise<T>, isUnauthorized: (error: unknown) => boolean): Promise<T> {
  const token = await source.get(context);
  try {
    return await call(token);
  } catch (error) {
    if (!isUnauthorized(error)) throw error;
    source.invalidate(token);
    return call(await source.get(context));
  }
}
