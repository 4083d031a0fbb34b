import { ChannelApiError, InvalidPayloadError, toChannelApiError } from 'social-crm/adapter-kit';
import { createTokenSource, type TokenSource } from '../_shared/oauth/index.js';
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

/** Signs in with the app's credentials and the grant, renewing the token before it expires. */
export function createRedditTokenSource(settings: TokenSettings): TokenSource {
  return createTokenSource(async (context) => {
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
    return { token: parsed.data.access_token, expiresInSeconds: parsed.data.expires_in };
  }, settings.refreshMarginMs);
}
