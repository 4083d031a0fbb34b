import * as z from 'zod';
import { ChannelApiError, InvalidOptionsError, InvalidPayloadError } from 'social-crm';
import { readGraphError } from '../_shared/meta/meta-graph.js';
import { DEFAULT_GRAPH_BASE_URL, DEFAULT_GRAPH_VERSION } from '../_shared/meta/meta-options.js';

const HELPER_ID = 'meta';

/** Options every connect helper takes. They run in the host's onboarding flow, outside a crm. */
export interface MetaConnectOptions {
  /** @default 'v23.0' */
  graphVersion?: string;
  /** @default 'https://graph.facebook.com' */
  graphBaseUrl?: string;
  /** The fetch to call Graph with (a proxy, a test double). @default globalThis.fetch */
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** One Graph call: the token goes in the `Authorization` header, never in a URL that could be logged. */
async function graph(options: MetaConnectOptions, method: 'GET' | 'POST', path: string, token: string | undefined, params: Record<string, string> = {}): Promise<unknown> {
  const base = `${(options.graphBaseUrl ?? DEFAULT_GRAPH_BASE_URL).replace(/\/+$/, '')}/${options.graphVersion ?? DEFAULT_GRAPH_VERSION}/${path.replace(/^\/+/, '')}`;
  const query = new URLSearchParams(params).toString();
  const url = method === 'GET' && query ? `${base}?${query}` : base;
  const headers: Record<string, string> = { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const init: RequestInit = method === 'POST' ? { method, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: query } : { method, headers };
  if (options.signal) init.signal = options.signal;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, init);
  } catch (error) {
    throw new ChannelApiError('Graph could not be reached.', { adapterId: HELPER_ID, method, url: base, isRetryable: true, cause: error });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const info = readGraphError(body);
    throw new ChannelApiError(`Graph refused the call${info?.message ? `: ${info.message}` : ''}.`, {
      adapterId: HELPER_ID,
      method,
      // The path only: query strings of these calls carry secrets.
      url: base,
      status: response.status,
      isRetryable: info?.isRetryable ?? response.status >= 500,
      ...(info?.code !== undefined ? { platformCode: info.code } : {}),
      responseBody: text.slice(0, 4000),
    });
  }
  return body;
}

function parse<Schema extends z.ZodType>(schema: Schema, body: unknown, what: string): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new InvalidPayloadError(`[${HELPER_ID}] ${what} answered an unexpected body: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function required(value: string | undefined, name: string): string {
  if (typeof value === 'string' && value.trim()) return value;
  throw new InvalidOptionsError(`[${HELPER_ID}] Pass \`${name}\`.`, [{ path: name, message: 'required' }]);
}

const successSchema = z.looseObject({ success: z.boolean() });

/** The Page fields the `messenger` and `facebook` adapters read. */
export const DEFAULT_PAGE_FIELDS = ['messages', 'message_echoes', 'messaging_postbacks', 'message_reactions', 'message_edits', 'message_deliveries', 'message_reads', 'feed'] as const;

/**
 * Subscribes the app to a Page's webhooks: `POST /{page-id}/subscribed_apps` with
 * `subscribed_fields`, using the Page's access token (`pages_manage_metadata`). Only fields the app
 * also subscribes to at app level (App Dashboard → Webhooks → Page) are delivered.
 * @returns `true` when Graph answered `success`.
 */
export async function subscribePage(options: MetaConnectOptions & { pageId: string; pageAccessToken: string; fields?: readonly string[] }): Promise<boolean> {
  const pageId = required(options.pageId, 'pageId');
  const fields = options.fields ?? DEFAULT_PAGE_FIELDS;
  const body = await graph(options, 'POST', `${encodeURIComponent(pageId)}/subscribed_apps`, required(options.pageAccessToken, 'pageAccessToken'), { subscribed_fields: fields.join(',') });
  return parse(successSchema, body, 'POST /{page-id}/subscribed_apps').success;
}

/**
 * Subscribes the app to a WhatsApp Business Account's webhooks (`messages` and the other fields
 * set at app level): `POST /{waba-id}/subscribed_apps`, with a system-user or business token that
 * has `whatsapp_business_management`.
 * @returns `true` when Graph answered `success`.
 */
export async function subscribeWhatsappBusinessAccount(options: MetaConnectOptions & { businessAccountId: string; accessToken: string }): Promise<boolean> {
  const wabaId = required(options.businessAccountId, 'businessAccountId');
  const body = await graph(options, 'POST', `${encodeURIComponent(wabaId)}/subscribed_apps`, required(options.accessToken, 'accessToken'));
  return parse(successSchema, body, 'POST /{waba-id}/subscribed_apps').success;
}

const permissionsSchema = z.object({ data: z.array(z.looseObject({ permission: z.string(), status: z.string() })) });

/** The permissions a user granted the app, as `GET /me/permissions` lists them. */
export interface GrantedPermissions {
  granted: string[];
  declined: string[];
  expired: string[];
  /** Of `required`, those not granted. */
  missing: string[];
}

/**
 * Which permissions the user behind a user access token granted: `GET /me/permissions`. Pass
 * `required` (e.g. `['pages_messaging', 'pages_manage_metadata']`) to get the ones still missing,
 * so the host can ask the customer to reconnect with them.
 */
export async function checkPermissions(options: MetaConnectOptions & { userAccessToken: string; required?: readonly string[] }): Promise<GrantedPermissions> {
  const { data } = parse(permissionsSchema, await graph(options, 'GET', 'me/permissions', required(options.userAccessToken, 'userAccessToken')), 'GET /me/permissions');
  const of = (status: string) => data.filter((row) => row.status === status).map((row) => row.permission);
  const granted = of('granted');
  return { granted, declined: of('declined'), expired: of('expired'), missing: (options.required ?? []).filter((permission) => !granted.includes(permission)) };
}

const debugTokenSchema = z.object({
  data: z.looseObject({
    app_id: z.string().optional(),
    type: z.string().optional(),
    is_valid: z.boolean(),
    expires_at: z.number().optional(),
    data_access_expires_at: z.number().optional(),
    scopes: z.array(z.string()).default([]),
    granular_scopes: z.array(z.looseObject({ scope: z.string(), target_ids: z.array(z.string()).optional() })).default([]),
    user_id: z.string().optional(),
    profile_id: z.string().optional(),
  }),
});

/** What `GET /debug_token` says about a token. No secret is in it. */
export interface TokenInspection {
  isValid: boolean;
  appId?: string;
  /** `USER`, `PAGE`, `SYSTEM_USER`, `APP` ... */
  type?: string;
  /** ISO-8601; absent for tokens that never expire. */
  expiresAt?: string;
  dataAccessExpiresAt?: string;
  scopes: string[];
  /** Scopes limited to some objects (the Pages, WABAs or Instagram accounts the customer picked). */
  granularScopes: Array<{ scope: string; targetIds: string[] }>;
  userId?: string;
}

/**
 * Inspects a token with `GET /debug_token?input_token=…`, authenticated with the app token
 * (`{app-id}|{app-secret}`): whether it is valid, when it expires and which objects each scope
 * covers. Use the expiry for `expiresAt` in your account resolver, so `token-expiring` notices fire.
 */
export async function inspectToken(options: MetaConnectOptions & { inputToken: string; appId: string; appSecret: string }): Promise<TokenInspection> {
  const appToken = `${required(options.appId, 'appId')}|${required(options.appSecret, 'appSecret')}`;
  const { data } = parse(debugTokenSchema, await graph(options, 'GET', 'debug_token', appToken, { input_token: required(options.inputToken, 'inputToken') }), 'GET /debug_token');
  const iso = (seconds: number | undefined) => (seconds ? new Date(seconds * 1000).toISOString() : undefined);
  const expiresAt = iso(data.expires_at);
  const dataAccessExpiresAt = iso(data.data_access_expires_at);
  return {
    isValid: data.is_valid,
    ...(data.app_id ? { appId: data.app_id } : {}),
    ...(data.type ? { type: data.type } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    ...(dataAccessExpiresAt ? { dataAccessExpiresAt } : {}),
    scopes: data.scopes,
    granularScopes: data.granular_scopes.map((scope) => ({ scope: scope.scope, targetIds: scope.target_ids ?? [] })),
    ...(data.user_id ? { userId: data.user_id } : {}),
  };
}

const pagedSchema = <Item extends z.ZodType>(item: Item) => z.object({ data: z.array(item), paging: z.looseObject({ next: z.string().optional() }).optional() });

/** Follows `paging.next` (which Graph gives as a full URL, the token included) up to `maxPages`. */
async function allPages<Item extends z.ZodType>(options: MetaConnectOptions, path: string, token: string, params: Record<string, string>, item: Item, what: string, maxPages = 50): Promise<Array<z.output<Item>>> {
  const items: Array<z.output<Item>> = [];
  let after: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const body = parse(pagedSchema(item), await graph(options, 'GET', path, token, { ...params, ...(after ? { after } : {}) }), what);
    items.push(...body.data);
    const next = body.paging?.next ? new URL(body.paging.next).searchParams.get('after') : null;
    if (!next) break;
    after = next;
  }
  return items;
}

/** A Page the user can manage, with its Page token (store it in your accounts table). */
export interface ConnectedPage {
  id: string;
  name?: string;
  /** The Page access token; long-lived when the user token was. */
  accessToken?: string;
  /** What the user may do on the Page (`MODERATE`, `MESSAGING`, `MANAGE` ...). */
  tasks: string[];
  /** The Instagram professional account linked to the Page, when asked for and present. */
  instagramAccountId?: string;
}

/**
 * The Pages a user granted the app, with their Page tokens: `GET /me/accounts` (every page of results).
 * With a long-lived user token, the Page tokens do not expire.
 */
export async function listPages(options: MetaConnectOptions & { userAccessToken: string }): Promise<ConnectedPage[]> {
  const rows = await allPages(
    options,
    'me/accounts',
    required(options.userAccessToken, 'userAccessToken'),
    { fields: 'id,name,access_token,tasks,instagram_business_account' },
    z.looseObject({ id: z.string(), name: z.string().optional(), access_token: z.string().optional(), tasks: z.array(z.string()).optional(), instagram_business_account: z.looseObject({ id: z.string() }).optional() }),
    'GET /me/accounts',
  );
  return rows.map((row) => ({
    id: row.id,
    ...(row.name ? { name: row.name } : {}),
    ...(row.access_token ? { accessToken: row.access_token } : {}),
    tasks: row.tasks ?? [],
    ...(row.instagram_business_account ? { instagramAccountId: row.instagram_business_account.id } : {}),
  }));
}

/** A phone number of a WhatsApp Business Account. */
export interface ConnectedPhoneNumber {
  /** The phone number id: the account id the `whatsapp` adapter resolves. */
  id: string;
  displayPhoneNumber?: string;
  verifiedName?: string;
  qualityRating?: string;
}

/** The numbers of a WhatsApp Business Account: `GET /{waba-id}/phone_numbers`. */
export async function listWhatsappNumbers(options: MetaConnectOptions & { businessAccountId: string; accessToken: string }): Promise<ConnectedPhoneNumber[]> {
  const rows = await allPages(
    options,
    `${encodeURIComponent(required(options.businessAccountId, 'businessAccountId'))}/phone_numbers`,
    required(options.accessToken, 'accessToken'),
    { fields: 'id,display_phone_number,verified_name,quality_rating' },
    z.looseObject({ id: z.string(), display_phone_number: z.string().optional(), verified_name: z.string().optional(), quality_rating: z.string().optional() }),
    'GET /{waba-id}/phone_numbers',
  );
  return rows.map((row) => ({
    id: row.id,
    ...(row.display_phone_number ? { displayPhoneNumber: row.display_phone_number } : {}),
    ...(row.verified_name ? { verifiedName: row.verified_name } : {}),
    ...(row.quality_rating ? { qualityRating: row.quality_rating } : {}),
  }));
}

const exchangeSchema = z.looseObject({ access_token: z.string().min(1), token_type: z.string().optional(), expires_in: z.coerce.number().positive().optional() });

/** A token and its expiry. */
export interface ExchangedToken {
  accessToken: string;
  /** ISO-8601; absent when Graph names no lifetime. */
  expiresAt?: string;
}

/**
 * Trades a short-lived user token (from Facebook Login) for a long-lived one (about 60 days):
 * `GET /oauth/access_token?grant_type=fb_exchange_token&client_id&client_secret&fb_exchange_token`.
 * Page tokens listed with a long-lived user token do not expire. Secrets travel in the query, as
 * Graph requires, but never appear in an error (errors name the path only).
 */
export async function exchangeForLongLivedToken(options: MetaConnectOptions & { appId: string; appSecret: string; shortLivedToken: string; now?: () => Date }): Promise<ExchangedToken> {
  const body = await graph(options, 'GET', 'oauth/access_token', undefined, {
    grant_type: 'fb_exchange_token',
    client_id: required(options.appId, 'appId'),
    client_secret: required(options.appSecret, 'appSecret'),
    fb_exchange_token: required(options.shortLivedToken, 'shortLivedToken'),
  });
  const parsed = parse(exchangeSchema, body, 'GET /oauth/access_token');
  const now = (options.now ?? (() => new Date()))().getTime();
  return { accessToken: parsed.access_token, ...(parsed.expires_in ? { expiresAt: new Date(now + parsed.expires_in * 1000).toISOString() } : {}) };
}
