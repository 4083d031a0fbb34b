/**
 * Accounts resolved at run time, shared by the network adapters that serve many accounts of one app
 * (Meta Pages and numbers, X accounts, Telegram bots): the host's resolver maps the account id a
 * delivery or a conversation names to that account's credentials and tenant; this module caches the
 * answers, re-asks once when the network refuses a token, and tells the host about token trouble.
 * Not a package entry: each adapter bundles what it uses. Imports only public entries.
 */
import * as z from 'zod';
import { UnknownAccountError, isChannelApiError, isUnknownAccountError, type InteractionInput, type JSONObject } from 'social-crm';
import type { AdapterContext, ChannelEvent, RejectedItem } from 'social-crm/adapter-kit';

/** What the host's resolver answers for a known account. */
export interface AccountResolution<Credentials> {
  /** The account's secrets (tokens); kept in memory only, never put in an event, a notice or a log. */
  credentials: Credentials;
  /** The tenant (the host's customer company) the account belongs to; events it receives carry it. Omit for the default tenant. */
  tenant?: string;
  /** When the access token expires (ISO-8601, `Date` or epoch ms): `token-expiring` is announced within `expiryWarningMs` of it. */
  expiresAt?: string | number | Date;
}

/** Why the adapter asks the resolver. */
export interface ResolveRequest {
  /** The adapter asking. */
  adapterId: string;
  /** `lookup`: not cached (or the entry aged out); `refused`: the network refused the cached token (HTTP 401, Graph 190), so answer with the current one. */
  reason: 'lookup' | 'refused';
}

/** A token event for the host, so it can ask its customer to reconnect. It never carries a secret. */
export type AccountNotice =
  | { type: 'token-expiring'; adapterId: string; accountId: string; tenant?: string; expiresAt: string }
  | { type: 'token-revoked'; adapterId: string; accountId: string; tenant?: string; reason: string }
  | { type: 'token-refreshed'; adapterId: string; accountId: string; tenant?: string; expiresAt?: string };

/** The `accounts` option of a network adapter: the host's resolver and the cache around it. */
export interface AccountsOptions<Credentials> {
  /**
   * The account's credentials and tenant, from the host's own database; `null` or `undefined` for an
   * account the host does not serve (an {@link UnknownAccountError} follows). A thrown error (database
   * down) fails the delivery with 500, so the network delivers it again.
   */
  resolve(accountId: string, request: ResolveRequest): AccountResolution<Credentials> | null | undefined | Promise<AccountResolution<Credentials> | null | undefined>;
  /** How long an answer is reused. @default 300_000 (5 minutes) */
  ttlMs?: number;
  /** Most accounts kept; the least recently used is dropped first. @default 10_000 */
  maxCached?: number;
  /** How long an unknown account is remembered as unknown (a flood of deliveries for it asks once). @default 30_000 */
  unknownTtlMs?: number;
  /** Announce `token-expiring` when the token expires within this window. @default 604_800_000 (7 days) */
  expiryWarningMs?: number;
  /** Token notices (`token-expiring`, `token-revoked`, `token-refreshed`); they name the account and tenant, never a secret. */
  onNotice?(notice: AccountNotice): void;
}

/** An account as the adapter uses it. */
export interface ResolvedAccount<Credentials> {
  accountId: string;
  credentials: Credentials;
  tenant?: string;
  /** Epoch ms, when known. */
  expiresAt?: number;
}

/** New credentials an adapter obtained itself (an OAuth refresh), for {@link AccountDirectory.call}. */
export interface RenewedCredentials<Credentials> {
  credentials: Credentials;
  expiresAt?: number;
}

/** The cache in front of the host's resolver. */
export interface AccountDirectory<Credentials> {
  /** The account, cached or resolved. @throws UnknownAccountError when the resolver does not know it. */
  get(accountId: string, context: AdapterContext): Promise<ResolvedAccount<Credentials>>;
  /**
   * Runs `call` with the account's credentials. When the network refuses them (HTTP 401 or Graph
   * code 190), gets new ones once (`renew`, else the host's resolver) and tries again; a second
   * refusal announces `token-revoked` and throws the network's error.
   */
  call<T>(accountId: string, context: AdapterContext, call: (account: ResolvedAccount<Credentials>) => Promise<T>): Promise<T>;
  /** Drops the cached answer for one account (the host changed its credentials). */
  forget(accountId: string): void;
  /** Sends a notice to the host (errors in the host's callback are logged, not thrown). */
  notify(notice: AccountNotice, context: Pick<AdapterContext, 'logger'>): void;
}

/** What an adapter adds to {@link createAccountDirectory}. */
export interface AccountDirectoryHooks<Credentials> {
  /** Gets new credentials without the host (X refresh tokens); `undefined` to ask the host's resolver instead. */
  renew?(account: ResolvedAccount<Credentials>, context: AdapterContext): Promise<RenewedCredentials<Credentials> | undefined>;
  /** What is wrong with a resolver's credentials (a missing token), or `undefined`; the account is then treated as unknown. */
  check?(credentials: Credentials): string | undefined;
  /** True when an error means the token was refused. @default HTTP 401 or Graph code 190 */
  isRefused?(error: unknown): boolean;
}

type CacheEntry<Credentials> =
  | { known: true; account: ResolvedAccount<Credentials>; until: number; warnedFor?: number }
  | { known: false; until: number };

const DEFAULT_TTL_MS = 300_000;
const DEFAULT_MAX_CACHED = 10_000;
const DEFAULT_UNKNOWN_TTL_MS = 30_000;
const DEFAULT_EXPIRY_WARNING_MS = 7 * 24 * 3_600_000;

/** A refused token: HTTP 401, or Graph's "invalid OAuth access token" (190) whatever the status. */
export function isTokenRefused(error: unknown): boolean {
  if (!isChannelApiError(error)) return false;
  const details = error as { status?: number; platformCode?: unknown };
  return details.status === 401 || details.platformCode === 190 || details.platformCode === '190';
}

function toEpochMs(value: string | number | Date | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

const callback = (what: string) => z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', `Pass a function for \`${what}\`.`);

/**
 * The `accounts` option, checked at construction: `resolve` is a function, the numbers are sane,
 * and an unknown key (a typo such as `ttl`) is refused with a suggestion. `resolveHint` says what
 * the adapter's resolver returns; `extra` adds adapter-specific callbacks (X's `onTokens`).
 */
export function accountsOptionSchema<Options>(resolveHint: string, extra: readonly string[] = []): z.ZodType<Options> {
  const shape = {
    resolve: z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', `Pass \`accounts.resolve(accountId)\`: ${resolveHint}, or null for an account you do not serve.`),
    ttlMs: z.number().int().positive().optional(),
    maxCached: z.number().int().positive().optional(),
    unknownTtlMs: z.number().int().nonnegative().optional(),
    expiryWarningMs: z.number().int().nonnegative().optional(),
    onNotice: callback('accounts.onNotice').optional(),
    ...Object.fromEntries(extra.map((name) => [name, callback(`accounts.${name}`).optional()])),
  };
  const known = Object.keys(shape);
  // A class instance (the host's accounts service) may carry its own fields; a plain object's
  // unknown key is a typo (`ttl` for `ttlMs`).
  return z
    .unknown()
    .superRefine((value, context) => {
      if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return;
      for (const key of Object.keys(value)) {
        if (!known.includes(key)) context.addIssue({ code: 'custom', path: [key], message: `unknown option. Known here: ${known.map((name) => `\`${name}\``).join(', ')}.` });
      }
    })
    .pipe(z.looseObject(shape)) as unknown as z.ZodType<Options>;
}

/**
 * The cache in front of a host's account resolver: answers are kept `ttlMs` (least recently used
 * dropped beyond `maxCached`), unknown accounts `unknownTtlMs`, and concurrent look-ups of one
 * account share one call to the resolver.
 */
export function createAccountDirectory<Credentials>(adapterId: string, options: AccountsOptions<Credentials>, hooks: AccountDirectoryHooks<Credentials> = {}): AccountDirectory<Credentials> {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const maxCached = Math.max(1, options.maxCached ?? DEFAULT_MAX_CACHED);
  const unknownTtlMs = options.unknownTtlMs ?? DEFAULT_UNKNOWN_TTL_MS;
  const expiryWarningMs = options.expiryWarningMs ?? DEFAULT_EXPIRY_WARNING_MS;
  const isRefused = hooks.isRefused ?? isTokenRefused;
  const cache = new Map<string, CacheEntry<Credentials>>();
  const pending = new Map<string, Promise<ResolvedAccount<Credentials>>>();

  function remember(accountId: string, entry: CacheEntry<Credentials>): void {
    cache.delete(accountId);
    cache.set(accountId, entry);
    if (cache.size > maxCached) cache.delete(cache.keys().next().value as string);
  }

  function notify(notice: AccountNotice, context: Pick<AdapterContext, 'logger'>): void {
    context.logger.info(`[${adapterId}] ${notice.type} for account ${notice.accountId}`, { ...notice });
    try {
      options.onNotice?.(notice);
    } catch (error) {
      context.logger.warn(`[${adapterId}] accounts.onNotice threw; the notice was dropped.`, { type: notice.type, accountId: notice.accountId, error: error instanceof Error ? error.name : typeof error });
    }
  }

  function tenantOf(account: { tenant?: string }) {
    return account.tenant !== undefined ? { tenant: account.tenant } : {};
  }

  /** Announces `token-expiring` once per expiry date of an account. */
  function checkExpiry(entry: Extract<CacheEntry<Credentials>, { known: true }>, now: number, context: Pick<AdapterContext, 'logger'>): void {
    const expiresAt = entry.account.expiresAt;
    if (expiresAt === undefined || entry.warnedFor === expiresAt || expiresAt - now > expiryWarningMs) return;
    entry.warnedFor = expiresAt;
    notify({ type: 'token-expiring', adapterId, accountId: entry.account.accountId, ...tenantOf(entry.account), expiresAt: new Date(expiresAt).toISOString() }, context);
  }

  async function ask(accountId: string, reason: ResolveRequest['reason'], context: AdapterContext): Promise<ResolvedAccount<Credentials>> {
    const answer = await options.resolve(accountId, { adapterId, reason });
    const now = context.now().getTime();
    if (answer === null || answer === undefined) {
      remember(accountId, { known: false, until: now + unknownTtlMs });
      throw new UnknownAccountError(adapterId, accountId, 'Add it to your accounts table (and its tenant), or unsubscribe the app from it.');
    }
    const problem = hooks.check?.(answer.credentials);
    if (problem) throw new UnknownAccountError(adapterId, accountId, `The resolver answered it ${problem}.`);
    const expiresAt = toEpochMs(answer.expiresAt);
    const account: ResolvedAccount<Credentials> = { accountId, credentials: answer.credentials, ...tenantOf(answer), ...(expiresAt !== undefined ? { expiresAt } : {}) };
    const entry: CacheEntry<Credentials> = { known: true, account, until: now + ttlMs };
    remember(accountId, entry);
    checkExpiry(entry, now, context);
    return account;
  }

  async function get(accountId: string, context: AdapterContext): Promise<ResolvedAccount<Credentials>> {
    const entry = cache.get(accountId);
    if (entry && entry.until > context.now().getTime()) {
      if (!entry.known) throw new UnknownAccountError(adapterId, accountId, 'It was unknown moments ago (remembered for `unknownTtlMs`).');
      return entry.account;
    }
    let lookup = pending.get(accountId);
    if (!lookup) {
      lookup = ask(accountId, 'lookup', context).finally(() => pending.delete(accountId));
      pending.set(accountId, lookup);
    }
    return lookup;
  }

  const renewing = new Map<string, Promise<ResolvedAccount<Credentials>>>();

  /**
   * New credentials after a refusal: the adapter's own refresh, else the host's current answer.
   * Concurrent refusals of one account share one renewal, and a renewal another call already made
   * is reused (a rotating refresh token must be spent once).
   */
  function renewed(account: ResolvedAccount<Credentials>, context: AdapterContext): Promise<ResolvedAccount<Credentials>> {
    const cached = cache.get(account.accountId);
    if (cached?.known && cached.account !== account && cached.until > context.now().getTime()) return Promise.resolve(cached.account);
    let renewal = renewing.get(account.accountId);
    if (!renewal) {
      renewal = renewOnce(account, context).finally(() => renewing.delete(account.accountId));
      renewing.set(account.accountId, renewal);
    }
    return renewal;
  }

  async function renewOnce(account: ResolvedAccount<Credentials>, context: AdapterContext): Promise<ResolvedAccount<Credentials>> {
    const own = hooks.renew ? await hooks.renew(account, context) : undefined;
    if (!own) return ask(account.accountId, 'refused', context);
    const next: ResolvedAccount<Credentials> = { ...account, credentials: own.credentials };
    if (own.expiresAt !== undefined) next.expiresAt = own.expiresAt;
    else delete next.expiresAt;
    remember(account.accountId, { known: true, account: next, until: context.now().getTime() + ttlMs });
    notify({ type: 'token-refreshed', adapterId, accountId: account.accountId, ...tenantOf(account), ...(next.expiresAt !== undefined ? { expiresAt: new Date(next.expiresAt).toISOString() } : {}) }, context);
    return next;
  }

  function revoked(account: ResolvedAccount<Credentials>, reason: string, context: Pick<AdapterContext, 'logger'>): void {
    cache.delete(account.accountId);
    notify({ type: 'token-revoked', adapterId, accountId: account.accountId, ...tenantOf(account), reason }, context);
  }

  async function call<T>(accountId: string, context: AdapterContext, run: (account: ResolvedAccount<Credentials>) => Promise<T>): Promise<T> {
    let account = await get(accountId, context);
    // An expired token the adapter can renew itself is renewed before the call, not after a refusal.
    if (hooks.renew && account.expiresAt !== undefined && account.expiresAt <= context.now().getTime()) {
      account = await renewOrRevoke(account, context, 'the token expired and could not be renewed');
    }
    try {
      return await run(account);
    } catch (error) {
      if (!isRefused(error)) throw error;
      const next = await renewOrRevoke(account, context, 'the network refused the token');
      try {
        return await run(next);
      } catch (again) {
        if (isRefused(again)) revoked(next, 'the network refused the token again after it was renewed', context);
        throw again;
      }
    }
  }

  async function renewOrRevoke(account: ResolvedAccount<Credentials>, context: AdapterContext, reason: string): Promise<ResolvedAccount<Credentials>> {
    try {
      return await renewed(account, context);
    } catch (error) {
      if (!isUnknownAccountError(error)) revoked(account, reason, context);
      throw error;
    }
  }

  return { get, call, forget: (accountId) => void cache.delete(accountId), notify };
}

/**
 * Puts the account's tenant on every event and rejected item, and the account id on every
 * interaction (`channelMetadata[channel].account`), so that a reply later finds the account the
 * conversation belongs to.
 */
export function tagWithAccount(outcome: { events: ChannelEvent[]; rejected?: RejectedItem[] }, channel: string, account: { accountId: string; tenant?: string }): void {
  const tenant = account.tenant;
  outcome.events = outcome.events.map((event) => {
    const tagged = tenant !== undefined ? { ...event, tenant } : event;
    if (tagged.type !== 'interaction') return tagged;
    const interaction: InteractionInput = tagged.interaction;
    const metadata = (interaction.channelMetadata?.[channel] ?? {}) as JSONObject;
    return { ...tagged, interaction: { ...interaction, channelMetadata: { ...interaction.channelMetadata, [channel]: { ...metadata, account: account.accountId } } } };
  });
  if (tenant !== undefined && outcome.rejected) outcome.rejected = outcome.rejected.map((item) => ({ ...item, tenant }));
}

/** The account a stored interaction belongs to: the one it was received with, else `fallback` (a network field). */
export function accountOfInteraction(interaction: { channel: string; channelMetadata?: Record<string, unknown> }, fallback?: string): string | undefined {
  const metadata = interaction.channelMetadata?.[interaction.channel];
  const tagged = typeof metadata === 'object' && metadata !== null ? (metadata as { account?: unknown }).account : undefined;
  return typeof tagged === 'string' && tagged ? tagged : fallback;
}

/**
 * Resolves a delivery's account for a webhook: known → its account; unknown → an item for the
 * caller's `rejected` list (acknowledged with 200 and dead-lettered as received, so the network
 * neither retries it for hours nor disables the app's subscription for every account). Other
 * failures (the host's database) are thrown: the delivery fails with 500 and the network delivers
 * it again.
 */
export async function resolveForDelivery<Credentials>(
  directory: AccountDirectory<Credentials>,
  accountId: string,
  payload: unknown,
  context: AdapterContext,
): Promise<{ account: ResolvedAccount<Credentials> } | { rejected: RejectedItem }> {
  try {
    return { account: await directory.get(accountId, context) };
  } catch (error) {
    if (!isUnknownAccountError(error)) throw error;
    return { rejected: { payload, error } };
  }
}

/** One account used as a directory: the single-account options of an adapter, so both modes share one code path. */
export function fixedAccount<Credentials>(accountId: string, credentials: Credentials): AccountDirectory<Credentials> {
  const account: ResolvedAccount<Credentials> = { accountId, credentials };
  return {
    get: async () => account,
    call: (_accountId, _context, run) => run(account),
    forget: () => undefined,
    notify: () => undefined,
  };
}
