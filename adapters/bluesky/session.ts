import { ChannelApiError, InvalidPayloadError, isChannelApiError, toChannelApiError, type AdapterContext } from 'social-crm/adapter-kit';
import { isExpiredSession, readBlueskyError } from './bluesky-errors.js';
import { blueskySessionSchema, type BlueskySession } from './bluesky-schemas.js';

/** What {@link createSessionManager} needs. */
export interface SessionSettings {
  adapterId: string;
  service: string;
  identifier: string;
  appPassword: string;
  /** A session saved by the host, used before creating a new one. */
  initial?: BlueskySession;
  /** Called with every new or refreshed session, so the host can keep it across restarts. */
  onSession?: (session: BlueskySession) => void | Promise<void>;
}

/**
 * Keeps one app-password session: created on first use (`com.atproto.server.createSession`),
 * refreshed with the refresh token when the access token expires
 * (`com.atproto.server.refreshSession`), and created again when the refresh token is spent too.
 * Concurrent callers share one request, so a burst of calls never opens several sessions
 * (`createSession` allows 30 per 5 minutes per account).
 */
export function createSessionManager(settings: SessionSettings) {
  const { adapterId, service } = settings;
  let current: BlueskySession | undefined = settings.initial;
  let pending: Promise<BlueskySession> | undefined;

  async function call(method: 'com.atproto.server.createSession' | 'com.atproto.server.refreshSession', context: AdapterContext, init: { headers?: Record<string, string>; json?: unknown }): Promise<BlueskySession> {
    const url = `${service}/xrpc/${method}`;
    let body: unknown;
    try {
      body = await context.http.post(url, { ...init, ...(context.signal ? { signal: context.signal } : {}) }).json();
    } catch (error) {
      throw await toChannelApiError(adapterId, error, readBlueskyError);
    }
    const session = blueskySessionSchema.safeParse(body);
    if (!session.success) throw new InvalidPayloadError(`[${adapterId}] POST ${url} answered a body that is not a session.`);
    return session.data;
  }

  async function create(context: AdapterContext): Promise<BlueskySession> {
    try {
      return await call('com.atproto.server.createSession', context, { json: { identifier: settings.identifier, password: settings.appPassword } });
    } catch (error) {
      if (isChannelApiError(error) && error.platformCode === 'AuthFactorTokenRequired') {
        throw new ChannelApiError('The account asks for a sign-in code: use an app password (Settings → Privacy and security → App passwords), not the account password.', {
          adapterId,
          method: error.method,
          url: error.url,
          status: error.status,
          platformCode: error.platformCode,
          isRetryable: false,
          cause: error,
        });
      }
      throw error;
    }
  }

  async function replace(context: AdapterContext, make: () => Promise<BlueskySession>): Promise<BlueskySession> {
    if (!pending) {
      pending = (async () => {
        try {
          const session = await make();
          current = session;
          await settings.onSession?.(session);
          return session;
        } finally {
          pending = undefined;
        }
      })();
    }
    return pending;
  }

  return {
    /** The session, created on first use. */
    async get(context: AdapterContext): Promise<BlueskySession> {
      if (pending) return pending;
      return current ?? replace(context, () => create(context));
    },
    /** A fresh session after `stale` was refused; another caller's refresh is reused. */
    async refresh(context: AdapterContext, stale: BlueskySession): Promise<BlueskySession> {
      if (pending) return pending;
      if (current && current.accessJwt !== stale.accessJwt) return current;
      return replace(context, async () => {
        try {
          return await call('com.atproto.server.refreshSession', context, { headers: { authorization: `Bearer ${stale.refreshJwt}` } });
        } catch (error) {
          // The refresh token expired or was revoked: sign in again with the app password.
          if (isChannelApiError(error) && (isExpiredSession(error.platformCode) || error.status === 401)) return create(context);
          throw error;
        }
      });
    },
  };
}
export type SessionManager = ReturnType<typeof createSessionManager>;
