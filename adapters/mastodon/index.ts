/**
 * Mastodon, any server: mentions, private mentions and quotes of the brand account, polled with an access token.
 *
 * @module social-crm/adapters/mastodon
 */
export { mastodonAdapter, MASTODON_NOTIFICATION_TYPES, type MastodonAdapterOptions, type MastodonNotificationType } from './mastodon-adapter.js';
