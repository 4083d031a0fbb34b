import * as z from 'zod';

/** The Graph API version used when none is given. Meta supports each version for about two years. */
export const DEFAULT_GRAPH_VERSION = 'v23.0';

/** The Graph API host used when none is given. */
export const DEFAULT_GRAPH_BASE_URL = 'https://graph.facebook.com';

/**
 * Options every Meta adapter (Facebook, Messenger, Instagram, WhatsApp) shares. Extend it with the
 * adapter's own fields and parse the result once with `parseAdapterOptions`:
 *
 * @example
 * const optionsSchema = metaAppOptionsSchema.extend({ pageId: z.string().regex(/^\d+$/) });
 * const settings = parseAdapterOptions('messenger', optionsSchema, options);
 */
export const metaAppOptionsSchema = z.object({
  /** The app secret (App Dashboard → Settings → Basic); it signs every webhook delivery. */
  appSecret: z.string().min(1, 'Pass the app secret: Meta signs every webhook delivery with it.'),
  /** The string typed into the dashboard's "Verify token" field, echoed back by the handshake. */
  verifyToken: z.string().min(1, 'Pass the verify token you entered in the App Dashboard webhook settings.'),
  /** A Page, system-user or business access token for Graph calls (sent as `Authorization: Bearer`). */
  accessToken: z.string().min(1, 'Pass an access token for Graph API calls.'),
  /** Graph API version, `v<major>.<minor>`. @default 'v23.0' */
  graphVersion: z
    .string()
    .regex(/^v\d+\.\d+$/, 'Use the form `v<major>.<minor>`, e.g. `v23.0`.')
    .default(DEFAULT_GRAPH_VERSION),
  /** @default 'https://graph.facebook.com' */
  graphBaseUrl: z
    .string()
    .url()
    .default(DEFAULT_GRAPH_BASE_URL)
    .transform((url) => url.replace(/\/+$/, '')),
  /**
   * Check `X-Hub-Signature-256` on every delivery. Turn off only behind a gateway that already
   * verified it; unsigned deliveries are otherwise refused with 401.
   * @default true
   */
  verifySignature: z.boolean().default(true),
});

/** What callers pass for the shared Meta options. */
export type MetaAppOptions = z.input<typeof metaAppOptionsSchema>;
/** The shared Meta options after parsing (defaults filled). */
export type MetaAppSettings = z.output<typeof metaAppOptionsSchema>;
