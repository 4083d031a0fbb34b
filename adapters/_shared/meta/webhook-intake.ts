import { InvalidPayloadError } from 'social-crm';
import type { AdapterContext, AdapterWarning, ChannelEvent, RejectedItem, WebhookResult } from 'social-crm/adapter-kit';
import { resolveForDelivery, tagWithAccount, type AccountDirectory, type ResolvedAccount } from '../accounts/index.js';
import { answerVerificationHandshake, readMetaNotification, type MetaEntry, type MetaWebhookObject } from './meta-webhook.js';

/** What one entry turned into. */
export interface EntryOutcome {
  events: ChannelEvent[];
  rejected: RejectedItem[];
  warnings: AdapterWarning[];
}

/** What {@link receiveMetaWebhook} needs from an adapter. */
export interface MetaIntakeOptions<Credentials = unknown> {
  adapterId: string;
  appSecret: string;
  verifyToken: string;
  verifySignature: boolean;
  /** Largest body read. @default 1 MiB (WhatsApp sends up to 3 MB) */
  maxBodyBytes?: number;
  object: MetaWebhookObject;
  /** The Page or account ids this adapter serves; entries for others are acknowledged with a warning. Omit to accept every account. */
  accountIds?: ReadonlySet<string>;
  /**
   * Resolve each entry's account (`entry.id`) through the host's resolver: its events carry the
   * account's tenant and id; an entry of an unknown account is acknowledged and dead-lettered.
   * Replaces `accountIds`.
   */
  accounts?: { directory: AccountDirectory<Credentials>; context: AdapterContext };
  /** Reads one entry of the expected object for this adapter's account (resolved, with `accounts`). */
  readEntry(entry: MetaEntry, account?: ResolvedAccount<Credentials>): EntryOutcome | Promise<EntryOutcome>;
}

/** An empty outcome to fill. */
export function emptyOutcome(): EntryOutcome {
  return { events: [], rejected: [], warnings: [] };
}

/**
 * The webhook flow every Meta adapter follows: answer the verification handshake (GET), verify
 * the signature over the raw body (POST), read the envelope, then hand each entry of the expected
 * `object` and account to `readEntry`. Everything after a valid signature is acknowledged with 200:
 * unreadable parts are rejected (dead-lettered) and notes become warnings.
 */
export async function receiveMetaWebhook<Credentials>(request: Request, options: MetaIntakeOptions<Credentials>): Promise<WebhookResult> {
  const handshake = answerVerificationHandshake(request, options.verifyToken);
  if (handshake) return { response: handshake, events: [] };
  if (request.method !== 'POST') {
    throw new InvalidPayloadError(`[${options.adapterId}] Meta calls the webhook with GET (the verification handshake, with \`hub.*\` parameters) or POST, not a bare ${request.method}.`, {
      status: request.method === 'GET' ? 400 : 405,
    });
  }
  const notification = await readMetaNotification(request, { adapterId: options.adapterId, appSecret: options.appSecret, verifySignature: options.verifySignature, ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}) }, options.object);
  const result = { events: [] as ChannelEvent[], rejected: [...notification.rejected], warnings: [...notification.warnings] };
  for (const entry of notification.entries) {
    if (options.accountIds && !options.accountIds.has(entry.id)) {
      result.warnings.push({
        type: 'ignored',
        message: `An entry for ${entry.id} reached the ${options.adapterId} adapter, which serves ${[...options.accountIds].join(', ')}; it was acknowledged and ignored. Register one adapter (with its own \`id\`) per account.`,
        details: { entryId: entry.id },
      });
      continue;
    }
    let outcome: EntryOutcome;
    if (options.accounts) {
      const resolved = await resolveForDelivery(options.accounts.directory, entry.id, entry, options.accounts.context);
      if ('rejected' in resolved) {
        result.rejected.push(resolved.rejected);
        continue;
      }
      outcome = await options.readEntry(entry, resolved.account);
      tagWithAccount(outcome, options.adapterId, resolved.account);
    } else {
      outcome = await options.readEntry(entry);
    }
    result.events.push(...outcome.events);
    result.rejected.push(...outcome.rejected);
    result.warnings.push(...outcome.warnings);
  }
  return result;
}
