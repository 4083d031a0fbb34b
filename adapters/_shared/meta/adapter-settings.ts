import * as z from 'zod';
import type { AdapterContext } from 'social-crm/adapter-kit';
import type { GraphApiOptions } from './meta-graph.js';
import type { MetaAppSettings } from './meta-options.js';

/** A numeric Graph id option (Page, Instagram account ...), with a message that says what to pass. */
export function numericIdSchema(what: string, hint = ''): z.ZodString {
  return z.string().regex(/^\d+$/, `Use the numeric ${what} id${hint ? ` (${hint})` : ''}.`);
}

/** The `id` option every adapter has: its webhook path segment and `channel`. */
export function adapterIdSchema(fallback: string) {
  return z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'Use lower-kebab-case.').default(fallback);
}

/** Shared settings of a parsed Meta adapter: the app options plus the adapter id. */
export type MetaAdapterSettings = MetaAppSettings & { id: string };

/** The Graph client options of an adapter's settings. */
export function graphOptionsOf(settings: MetaAdapterSettings): GraphApiOptions {
  return { adapterId: settings.id, accessToken: settings.accessToken, graphVersion: settings.graphVersion, graphBaseUrl: settings.graphBaseUrl };
}

/** The webhook credentials of an adapter's settings, for `receiveMetaWebhook`; a replay of a request verified before is not checked again. */
export function webhookCredentialsOf(settings: MetaAdapterSettings, context?: Pick<AdapterContext, 'verifiedBefore'>) {
  return { adapterId: settings.id, appSecret: settings.appSecret, verifyToken: settings.verifyToken, verifySignature: settings.verifySignature && !context?.verifiedBefore };
}
