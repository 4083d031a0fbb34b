import { ChannelApiError, InvalidPayloadError, toChannelApiError, type AdapterContext } from 'social-crm/adapter-kit';
import { readRedditError } from './reddit-errors.js';
import { tokenResponseSchema } from './reddit-schemas.js';

/** How the adapter obtains access tokens. */
export type RedditGrant =
  /** A "script" app acting as the brand account itself. */
  | { type: 'password'; username: string; password: string }
  /** A "web" or "installed" app the brand authorised once with `duration=permanent`. */
  | { type: 'refresh_token'; refreshToken: string };

export interface TokenSettings {
  adapterId: string;
  clientId: string;
  clientSecret: string;
  grant: RedditGrant;
  tokenUrl: string;
  userAgent: string;
  /** Renew this long before the token expires. */
  refreshMarginMs: number;
}

/**
 * Keeps one access token per adapter: fetched on first use, renewed `refreshMarginMs` before it
 * expires (or at once after a 401), with concurrent callers sharing one token request.
 */
export function createTokenSource(settings: TokenSettings) {
  let current: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function fetchToken(context: AdapterContext): Promise<string> {
    const form = new URLSearchParams(
      settings.grant.type === 'password'
        ? { grant_type: 'password', username: settings.grant.username, password: settings.grant.password }
        : { grant_type: 'refresh_token', refresh_token: settings.grant.refreshToken },
    );
    let body: unknown;
    try {
      body = await context.http
        .post(settings.tokenUrl, {
          body: form,
          headers: { authorization: `Basic ${btoa(`${settings.clientId}:${settings.clientSecret}`)}`, 'user-agent': settings.userAgent },
          ...(context.signal ? { signal: context.signal } : {}),
        })
        .json();
    } catch (error) {
      throw await toChannelApiError(settings.adapterId, error, readRedditError);
    }
    // Reddit answers 200 with `{ "error": "invalid_grant" }` for a wrong password or revoked token.
    const refused = readRedditError(body);
    if (refused && !(body as { access_token?: unknown }).access_token) {
      throw new ChannelApiError(`Reddit refused the token request: ${refused.message}. Check the app's id and secret and the ${settings.grant.type === 'password' ? 'account password' : 'refresh token'}.`, {
        adapterId: settings.adapterId,
        method: 'POST',
        url: settings.tokenUrl,
        isRetryable: false,
        ...(refused.code !== undefined ? { platformCode: refused.code } : {}),
      });
    }
    const parsed = tokenResponseSchema.safeParse(body);
    if (!parsed.success) throw new InvalidPayloadError(`[${settings.adapterId}] The token endpoint answered without an access token.`, { cause: parsed.error });
    current = { token: parsed.data.access_token, expiresAt: context.now().getTime() + parsed.data.expires_in * 1000 };
    return current.token;
  }

  return {
    async get(context: AdapterContext): Promise<string> {
      if (current && current.expiresAt - settings.refreshMarginMs > context.now().getTime()) return current.token;
      pending ??= fetchToken(context).finally(() => {
        pending = undefined;
      });
      return pending;
    },
    /** Drops the token after a 401, so the next call fetches a new one. */
    invalidate(token: string): void {
      if (current?.token === token) current = undefined;
    },
  };
}
