import * as z from 'zod';
import { WebhookVerificationError, toChannelApiError, type AdapterContext } from 'social-crm/adapter-kit';

/** Issuers Google writes into the OIDC tokens of Pub/Sub pushes. */
const GOOGLE_ISSUERS = new Set(['https://accounts.google.com', 'accounts.google.com']);
/** Clock skew tolerated on `exp`, `iat` and `nbf`. */
const SKEW_SECONDS = 60;
/** Unknown key ids refetch the key set at most this often (keys rotate; forged kids must not hammer Google). */
const REFETCH_INTERVAL_MS = 60_000;
/** Used when the key set's response names no `max-age`. */
const DEFAULT_KEYS_TTL_MS = 60 * 60_000;

const jwkSchema = z.looseObject({ kid: z.string(), kty: z.literal('RSA'), n: z.string(), e: z.string(), alg: z.string().optional(), use: z.string().optional() });
const jwksSchema = z.looseObject({ keys: z.array(z.unknown()) });
const headerSchema = z.looseObject({ alg: z.string(), kid: z.string().optional(), typ: z.string().optional() });
const claimsSchema = z.looseObject({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number(),
  iat: z.number().optional(),
  nbf: z.number().optional(),
  email: z.string().optional(),
  email_verified: z.boolean().optional(),
});

/** Which pushes to accept. */
export interface PushTokenPolicy {
  adapterId: string;
  /** The `aud` the subscription was created with (by default its push endpoint URL). */
  audience: string;
  /** The service account the subscription signs as; other accounts' tokens are refused. */
  serviceAccountEmail?: string;
  jwksUrl: string;
}

function base64UrlBytes(value: string): Uint8Array {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(value.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decodeJson(segment: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(base64UrlBytes(segment)));
  } catch {
    return undefined;
  }
}

function refuse(reason: 'missing-signature' | 'invalid-signature' | 'stale', message: string, adapterId: string): never {
  throw new WebhookVerificationError(reason, `[${adapterId}] ${message}; the push was not stored.`);
}

/**
 * Verifies the Google-signed OIDC token Pub/Sub sends with an authenticated push
 * (`Authorization: Bearer <JWT>`): RS256 against Google's published keys (fetched through the
 * adapter's HTTP client and cached for their `max-age`), issuer `accounts.google.com`, the
 * configured audience, expiry, and optionally the signing service account.
 */
export function createPushTokenVerifier(policy: PushTokenPolicy) {
  let keys = new Map<string, CryptoKey>();
  let keysExpireAt = 0;
  let lastFetchAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<void> | undefined;

  async function fetchKeys(context: AdapterContext): Promise<void> {
    let response: Response;
    try {
      response = await context.http.get(policy.jwksUrl, context.signal ? { signal: context.signal } : {});
    } catch (error) {
      throw await toChannelApiError(policy.adapterId, error);
    }
    const parsed = jwksSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw await toChannelApiError(policy.adapterId, new Error(`${policy.jwksUrl} did not answer a JSON Web Key Set.`));
    const next = new Map<string, CryptoKey>();
    for (const candidate of parsed.data.keys) {
      const jwk = jwkSchema.safeParse(candidate);
      if (!jwk.success || (jwk.data.alg && jwk.data.alg !== 'RS256')) continue;
      next.set(jwk.data.kid, await crypto.subtle.importKey('jwk', { kty: 'RSA', n: jwk.data.n, e: jwk.data.e }, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']));
    }
    const maxAge = /max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1];
    const now = context.now().getTime();
    keys = next;
    keysExpireAt = now + (maxAge ? Number(maxAge) * 1000 : DEFAULT_KEYS_TTL_MS);
    lastFetchAt = now;
  }

  async function keyFor(kid: string, context: AdapterContext): Promise<CryptoKey | undefined> {
    const now = context.now().getTime();
    const stale = now >= keysExpireAt;
    if (stale || (!keys.has(kid) && now - lastFetchAt >= REFETCH_INTERVAL_MS)) {
      pending ??= fetchKeys(context).finally(() => {
        pending = undefined;
      });
      await pending;
    }
    return keys.get(kid);
  }

  return {
    /** @throws WebhookVerificationError (401) for a missing, forged, expired or misaddressed token. */
    async verify(authorization: string | null, context: AdapterContext): Promise<{ email?: string }> {
      const { adapterId } = policy;
      const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization.trim()) : null;
      if (!match) refuse('missing-signature', 'The push has no `Authorization: Bearer` token (enable authentication on the push subscription)', adapterId);
      const parts = match[1]!.split('.');
      if (parts.length !== 3) refuse('invalid-signature', 'The bearer token is not a JWT', adapterId);
      const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
      const header = headerSchema.safeParse(decodeJson(headerPart));
      if (!header.success || header.data.alg !== 'RS256' || !header.data.kid) refuse('invalid-signature', 'The token is not an RS256 JWT with a key id', adapterId);
      const key = await keyFor(header.data.kid, context);
      if (!key) refuse('invalid-signature', `The token is signed with key \`${header.data.kid}\`, which Google does not publish`, adapterId);
      let signature: Uint8Array;
      try {
        signature = base64UrlBytes(signaturePart);
      } catch {
        refuse('invalid-signature', 'The token signature is not base64url', adapterId);
      }
      // Only the canonical encoding: spare bits in the last character must not give one signature many spellings.
      if (toBase64Url(signature) !== signaturePart) refuse('invalid-signature', 'The token signature is not canonical base64url', adapterId);
      const signed = new TextEncoder().encode(`${headerPart}.${claimsPart}`);
      const valid = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature as BufferSource, signed as BufferSource);
      if (!valid) refuse('invalid-signature', 'The token signature does not verify against Google\'s keys', adapterId);
      const claims = claimsSchema.safeParse(decodeJson(claimsPart));
      if (!claims.success) refuse('invalid-signature', 'The token lacks `iss`, `aud` or `exp`', adapterId);
      const { iss, aud, exp, iat, nbf, email, email_verified: verified } = claims.data;
      if (!GOOGLE_ISSUERS.has(iss)) refuse('invalid-signature', `The token was issued by \`${iss}\`, not Google`, adapterId);
      if (!(Array.isArray(aud) ? aud : [aud]).includes(policy.audience)) refuse('invalid-signature', `The token is for audience \`${String(aud)}\`, not \`${policy.audience}\``, adapterId);
      const nowSeconds = context.now().getTime() / 1000;
      if (exp + SKEW_SECONDS < nowSeconds) refuse('stale', 'The token has expired', adapterId);
      if ((iat !== undefined && iat - SKEW_SECONDS > nowSeconds) || (nbf !== undefined && nbf - SKEW_SECONDS > nowSeconds)) refuse('stale', 'The token is not valid yet', adapterId);
      if (policy.serviceAccountEmail && (email !== policy.serviceAccountEmail || verified !== true)) {
        refuse('invalid-signature', `The token belongs to \`${email ?? 'no account'}\`, not the push service account \`${policy.serviceAccountEmail}\``, adapterId);
      }
      return email ? { email } : {};
    },
  };
}
