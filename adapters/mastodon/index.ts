export { mastodonAdapter, MASTODON_NOTIFICATION_TYPES, type MastodonAdapterOptions, type MastodonNotificationType } from './mastodon-adapter.js';
