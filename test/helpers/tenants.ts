import type { ChannelAdapter } from 'social-crm';
import { canonicalWebhookAdapter } from 'social-crm/adapters/canonical';
import { routeByAccount } from '../../examples/multi-tenant/index.js';
import { CANONICAL_SECRET } from './canonical.js';

/**
 * The canonical adapter with an account table in front, as a host's account resolver would be:
 * each item names the brand account it was sent to (`recipientId`, a Page or a phone number id),
 * and the table says whose tenant that account is. Items of unknown accounts stay untagged
 * (the default tenant).
 */
export function tenantRoutedCanonical(accounts: Record<string, string>): ChannelAdapter {
  return routeByAccount(canonicalWebhookAdapter({ secret: CANONICAL_SECRET }), (account) => accounts[account]);
}

/** A canonical post from `author` to the brand account `account`. */
export function postTo(account: string, nativeId: string, text: string, author: { nativeId: string; handle: string; displayName: string }, extra: Record<string, unknown> = {}) {
  return {
    nativeId,
    kind: 'direct_message',
    visibility: 'private',
    recipientId: account,
    conversationId: `${account}:${author.nativeId}`,
    author: { channel: 'canonical', ...author },
    text,
    createdAt: '2026-11-20T10:00:00Z',
    ...extra,
  };
}
