import { UnknownAccountError } from 'social-crm';
import { accountsOptionSchema as accountsOptionSchemaFor, createAccountDirectory, type AccountDirectory, type AccountsOptions } from '../accounts/index.js';
import type { GraphApiOptions } from './meta-graph.js';
import { metaAppOptionsSchema } from './meta-options.js';

/** The credentials of one Meta account (a Page, an Instagram account, a WhatsApp number). */
export interface MetaAccountCredentials {
  /** The account's access token: a Page token, or a system-user token with access to the number. */
  accessToken: string;
}

/** The `accounts` option of the Meta adapters: the host's resolver, keyed by the account id the delivery names. */
export type MetaAccountsOptions = AccountsOptions<MetaAccountCredentials>;

/** The `accounts` option, checked for shape (the resolver is the host's own function). */
export const accountsOptionSchema = accountsOptionSchemaFor<AccountsOptions<never>>('it returns `{ credentials: { accessToken }, tenant }`');

/** The shared Meta options of an adapter that resolves its accounts: the app's secrets, no token. */
export const metaAccountsAppOptionsSchema = metaAppOptionsSchema.omit({ accessToken: true }).extend({ accounts: accountsOptionSchema });

/** True when the caller passed `accounts` rather than one account's options. */
export function usesAccounts(options: unknown): boolean {
  return typeof options === 'object' && options !== null && (options as { accounts?: unknown }).accounts !== undefined;
}

/** The host's resolver behind a cache, with credentials checked on the way out. Pass the host's own `accounts` object, not a parsed copy (its methods may rely on `this`). */
export function createMetaAccounts(adapterId: string, accounts: MetaAccountsOptions): AccountDirectory<MetaAccountCredentials> {
  return createAccountDirectory<MetaAccountCredentials>(adapterId, accounts, {
    check: (credentials) => (typeof credentials?.accessToken === 'string' && credentials.accessToken ? undefined : 'without `credentials.accessToken`'),
  });
}

/** The Graph client options for one account's token. */
export function graphOptionsFor(base: Omit<GraphApiOptions, 'accessToken'>, credentials: MetaAccountCredentials): GraphApiOptions {
  return { adapterId: base.adapterId, graphVersion: base.graphVersion, graphBaseUrl: base.graphBaseUrl, accessToken: credentials.accessToken };
}

/** The account a reply must be sent from. @throws UnknownAccountError when the stored interaction names none. */
export function requireAccount(adapterId: string, accountId: string | undefined, interactionId: string): string {
  if (accountId) return accountId;
  throw new UnknownAccountError(adapterId, '(none)', `Interaction ${interactionId} names no account (it was stored before the adapter resolved accounts); answer it from the network, or store \`channelMetadata.${adapterId}.account\`.`);
}
