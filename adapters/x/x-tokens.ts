import * as z from 'zod';
import { InvalidPayloadError } from 'social-crm';
import { toChannelApiError, type AdapterContext } from 'social-crm/adapter-kit';
import { readXError } from './x-errors.js';

/** The app's OAuth 2.0 client (Developer Portal → Keys and tokens → OAuth 2.0 Client ID and Secret). */
export interface XOAuthClient {
  clientId: string;
  /** Confidential clients only; public clients (PKCE without a secret) leave it out. */
  clientSecret?: string;
}

/** Tokens X issued for one account, handed to the host to store. */
export interface XTokens {
  accessToken: string;
  /** X rotates refresh tokens: the previous one no longer works once this is issued. Store it. */
  refreshToken?: string;
  /** ISO-8601. */
  expiresAt?: string;
  scope?: string;
}

const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().positive().optional(),
  scope: z.string().optional(),
  token_type: z.string().optional(),
});

/** What {@link refreshXToken} needs. */
export interface RefreshXTokenOptions {
  adapterId: string;
  /** @default 'https://api.x.com' */
  apiBaseUrl?: string;
  client: XOAuthClient;
  refreshToken: string;
}

/**
 * Trades a refresh token for a new access token (and a new refresh token):
 * `POST /2/oauth2/token` with `grant_type=refresh_token`, as a form; confidential clients
 * authenticate with HTTP Basic (client id and secret), public clients send `client_id`.
 * @throws ChannelApiError when X refuses (a revoked or already used refresh token answers 400 `invalid_request`).
 */
export async function refreshXToken(context: Pick<AdapterContext, 'http' | 'now' | 'signal'>, options: RefreshXTokenOptions): Promise<XTokens> {
  const url = `${(options.apiBaseUrl ?? 'https://api.x.com').replace(/\/+$/, '')}/2/oauth2/token`;
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: options.refreshToken });
  const headers: Record<string, string> = {};
  if (options.client.clientSecret) {
    headers.authorization = `Basic ${btoa(`${encodeURIComponent(options.client.clientId)}:${encodeURIComponent(options.client.clientSecret)}`)}`;
  } else {
    form.set('client_id', options.client.clientId);
  }
  let body: unknown;
  try {
    body = await context.http.post(url, { body: form, headers, retry: 0, ...(context.signal ? { signal: context.signal } : {}) }).json();
  } catch (error) {
    throw await toChannelApiError(options.adapterId, error, readXError);
  }
  const parsed = tokenResponseSchema.safeParse(body);
  if (!parsed.success) throw new InvalidPayloadError(`[${options.adapterId}] POST ${url} answered without an \`access_token\`.`);
  const { access_token: accessToken, refresh_token: refreshToken, expires_in: expiresIn, scope } = parsed.data;
  return {
    accessToken,
    ...(refreshToken ? { refreshToken } : {}),
    ...(expiresIn ? { expiresAt: new Date(context.now().getTime() + expiresIn * 1000).toISOString() } : {}),
    ...(scope ? { scope } : {}),
  };
}
